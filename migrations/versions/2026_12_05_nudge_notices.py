"""nudge notices: which run told which nudge to whom, in a narrow table of its own, instead of a
`notified_at` on every nudge (the first run after an import told 100k nudges by updating 100k wide rows)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nudge_notice",
        sa.Column("nudge_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("run", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("nudge_id", name=op.f("pk_nudge_notice")),
    )
    # What was told before stays told (run 0: before notices); its messages were written then (their
    # payload is the message itself).
    op.execute(
        sa.text("INSERT INTO nudge_notice (nudge_id, run) SELECT id, 0 FROM nudge WHERE notified_at IS NOT NULL")
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index("ix_nudge_status_notified_at")  # and none on status alone (see the model)
        batch_op.drop_column("notified_at")


def downgrade() -> None:
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_nudge_status_notified_at", ["status", "notified_at"], unique=False)
    op.execute(
        sa.text("UPDATE nudge SET notified_at = CURRENT_TIMESTAMP WHERE id IN (SELECT nudge_id FROM nudge_notice)")
    )
    op.drop_table("nudge_notice")
