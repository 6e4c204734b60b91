"""teams ids: room for Microsoft Teams' long user and conversation ids (a chat identity's id, a flag's reporter
and assignee, a sent message's reference)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WIDER = (
    ("chat_identity", "external_id", 64, 200, False),
    ("flag", "reporter_ref", 64, 200, True),
    ("flag", "assignee_ref", 64, 200, True),
    ("flag_proposal", "reporter_ref", 64, 200, True),
    ("notification", "sent_ref", 100, 400, True),
)


def _resize(wide: bool) -> None:
    for table, column, narrow, wider, nullable in WIDER:
        old, new = (narrow, wider) if wide else (wider, narrow)
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, existing_type=sa.String(length=old), type_=sa.String(length=new), existing_nullable=nullable
            )


def upgrade() -> None:
    _resize(wide=True)


def downgrade() -> None:
    _resize(wide=False)
