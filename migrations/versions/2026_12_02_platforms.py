"""platforms: a team's channel per chat platform, outbox rows that name their platform, a person's chosen chat
platform, what a platform needs to reach a chat identity later, and the platform of a flag's assignee

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PAUSE = "delivery_paused_until_ms"


def upgrade() -> None:
    op.create_table(
        "team_channel",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_team_channel_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", "platform", name=op.f("pk_team_channel")),
    )
    # Every team so far posted to one Slack channel.
    op.execute(
        "INSERT INTO team_channel (team_id, platform, channel) "
        "SELECT id, 'slack', channel FROM team WHERE channel <> ''"
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.drop_column("channel")

    # Every message queued so far was for Slack; from now on each row names its platform.
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=20), nullable=False, server_default="slack"))
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("platform", server_default=None)
    # A rate-limit pause is per platform now: Slack's carries on under its own name.
    op.execute(f"UPDATE app_state SET key = '{OLD_PAUSE}:slack' WHERE key = '{OLD_PAUSE}'")

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chat_platform", sa.String(length=20), nullable=True))
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.JSON(), nullable=True))
    # A flag's assignee is a chat identity (platform and user id), not a bare Slack user id.
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assignee_platform", sa.String(length=20), nullable=True))
    op.execute("UPDATE flag SET assignee_platform = 'slack' WHERE assignee_ref IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("assignee_platform")
    with op.batch_alter_table("chat_identity", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("chat_platform")
    op.execute(f"UPDATE app_state SET key = '{OLD_PAUSE}' WHERE key = '{OLD_PAUSE}:slack'")
    op.execute("DELETE FROM app_state WHERE key LIKE 'delivery_paused_until_ms:%'")
    op.execute("DELETE FROM notification WHERE platform NOT IN ('slack', '')")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("platform")
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=100), nullable=False, server_default=""))
    op.execute(
        "UPDATE team SET channel = COALESCE((SELECT channel FROM team_channel "
        "WHERE team_channel.team_id = team.id AND platform = 'slack'), '')"
    )
    with op.batch_alter_table("team", schema=None) as batch_op:
        batch_op.alter_column("channel", server_default=None)
    op.drop_table("team_channel")
