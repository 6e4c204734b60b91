"""nudge notices by run: a message tells its nudges when it is sent, then reads them back by its run

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_nudge_notice_run"), "nudge_notice", ["run"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_nudge_notice_run"), table_name="nudge_notice")
