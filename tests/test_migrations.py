"""The schema comes from Alembic alone, and the models match it exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from bot.db import make_engine, upgrade
from bot.models import Base


def test_upgrade_head_on_an_empty_sqlite_database_matches_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    upgrade(url)  # running it again is harmless
    engine = make_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert set(inspect(connection).get_table_names()) >= set(Base.metadata.tables)
    engine.dispose()


def test_the_migrated_test_database_matches_the_models(engine):
    """`engine` was migrated from empty by the fixture, on SQLite and (when configured) PostgreSQL."""
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_lookup_columns_are_indexed(engine):
    inspector = inspect(engine)
    indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("account")}
    unique = {tuple(u["column_names"]) for u in inspector.get_unique_constraints("account")}
    assert {("name_key",), ("owner_id",), ("renewal_date",)} <= indexed
    assert ("domain",) in unique | indexed
