"""What every PostgreSQL connection Tend opens is set up with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.config import Settings
from bot.db import engine_for


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
