"""digest worklist: since when each item of a manager's "what needs you now" list has been on it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digest_sent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("worklist", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("digest_sent", schema=None) as batch_op:
        batch_op.drop_column("worklist")
