"""What every PostgreSQL connection Tend opens is set up with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.db import SQLITE_BUSY_TIMEOUT_MS, engine_for, lock_wait_at_most, make_engine, make_session_factory


def test_postgresql_never_jit_compiles_and_keeps_the_statement_timeout(engine):
    """JIT compiling cost the nudge planner 0.72 s for 0.03 s of work once its statistics were fresh."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own settings")
    configured = engine_for(Settings(database_url=engine.url.render_as_string(False), db_statement_timeout_ms=5000))
    with configured.connect() as connection:
        assert connection.scalar(text("SHOW jit")) == "off"
        assert connection.scalar(text("SHOW statement_timeout")) == "5s"
    configured.dispose()
    with engine.connect() as connection:  # make_engine, as the clock and the benchmarks use it
        assert connection.scalar(text("SHOW jit")) == "off"


def test_a_session_rolled_back_inside_a_short_lock_wait_leaves_its_connection_to_the_next_holder(tmp_path):
    """lock_wait_at_most shortens SQLite's wait for locks for one transaction. A command that rolls its
    session back inside it (a polite refusal) hands the connection back to the pool early: the next holder
    gets the usual wait, and the block's end does not touch the connection it no longer has."""
    engine = make_engine(f"sqlite:///{tmp_path / 'waits.db'}", pool_size=1, max_overflow=0)
    session = make_session_factory(engine)()
    block = lock_wait_at_most(session.connection(), 0.2)
    block.__enter__()
    session.rollback()  # the connection goes back to the pool…
    with engine.connect() as other:  # …and someone else takes it (the pool holds one)
        wait = "PRAGMA busy_timeout"
        assert other.exec_driver_sql(wait).scalar() == SQLITE_BUSY_TIMEOUT_MS
        with lock_wait_at_most(other, 0.3):
            block.__exit__(None, None, None)  # the first block ends while the other holds its own short wait
            assert other.exec_driver_sql(wait).scalar() == 300
    session.close()
    engine.dispose()
