"""flag triage: proposals awaiting the reporter, and the model's summary on flags

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 11:13:24.484443
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "flag_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=True),
        sa.Column("source_platform", sa.String(length=20), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("source_link", sa.String(length=1000), nullable=True),
        sa.Column("reporter_person_id", sa.Integer(), nullable=True),
        sa.Column("reporter_name", sa.String(length=200), nullable=False),
        sa.Column("reporter_email", sa.String(length=320), nullable=True),
        sa.Column("reporter_ref", sa.String(length=64), nullable=True),
        sa.Column("proposed_category", sa.String(length=20), nullable=False),
        sa.Column("proposed_severity", sa.String(length=10), nullable=False),
        sa.Column("rules_category", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_flag_proposal_account_id_account"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["flag_id"], ["flag.id"], name=op.f("fk_flag_proposal_flag_id_flag"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_person_id"],
            ["person.id"],
            name=op.f("fk_flag_proposal_reporter_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flag_proposal")),
        sa.UniqueConstraint("source_platform", "source_ref", name=op.f("uq_flag_proposal_source_platform_source_ref")),
    )
    with op.batch_alter_table("flag_proposal", schema=None) as batch_op:
        batch_op.create_index("ix_flag_proposal_status_created_at", ["status", "created_at"], unique=False)

    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("summary", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("summary")

    with op.batch_alter_table("flag_proposal", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_proposal_status_created_at")

    op.drop_table("flag_proposal")
