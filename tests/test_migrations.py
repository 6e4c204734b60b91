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


def test_upgrading_names_the_platform_of_what_was_there_before(tmp_path):
    """Teams, queued messages and a rate-limit pause from before platforms were named are Slack's, and
    nothing that refers to a rebuilt table is lost."""
    from alembic import command
    from sqlalchemy import text

    from bot.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0010")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO team (id, name, channel, sla_hours) VALUES (1, 'Billing', 'billing', 24)"))
        connection.execute(text("INSERT INTO team (id, name, channel, sla_hours) VALUES (2, 'Nowhere', '', 24)"))
        connection.execute(
            text(
                "INSERT INTO notification (dedupe_key, target_kind, target_ref, payload, status, attempts, "
                "next_attempt_at) VALUES ('flag:1:team', 'channel', 'billing', '{}', 'pending', 0, '2026-12-01')"
            )
        )
        connection.execute(text("INSERT INTO app_state (key, value) VALUES ('delivery_paused_until_ms', 5)"))
        connection.execute(text("INSERT INTO routing_rule (category, team_id) VALUES ('billing', 1)"))
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT team_id, platform, channel FROM team_channel")).all() == [
            (1, "slack", "billing")
        ]
        assert connection.execute(text("SELECT platform FROM notification")).scalar() == "slack"
        assert connection.execute(text("SELECT key FROM app_state")).scalar() == "delivery_paused_until_ms:slack"
        # Rebuilding the team table on SQLite lost none of the rows that refer to it.
        assert connection.execute(text("SELECT category, team_id FROM routing_rule")).all() == [("billing", 1)]
    engine.dispose()


def test_upgrading_keeps_told_nudges_told_and_snoozes_snoozed(tmp_path):
    """Nudges a DM told before notices existed are not told again; untold and snoozed ones still come."""
    from alembic import command
    from sqlalchemy import text

    from bot.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0013")
    engine = make_engine(url)
    with engine.begin() as connection:
        for nudge_id, notified in ((1, "'2026-12-01 10:00:00'"), (2, "NULL")):
            connection.execute(
                text(
                    "INSERT INTO nudge (id, account_id, reason, cycle, status, planned_at, notified_at) "
                    f"VALUES ({nudge_id}, 7, 'no_touch', 'touch:{nudge_id}', 'open', '2026-12-01', {notified})"
                )
            )
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT nudge_id FROM nudge_notice")).scalars().all() == [1]
        assert connection.execute(text("SELECT count(*) FROM nudge")).scalar() == 2
    engine.dispose()
