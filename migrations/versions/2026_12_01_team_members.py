"""team members (who may act on a team's flags) and who resolved a flag

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "team_member",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_team_member_person_id_person"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], name=op.f("fk_team_member_team_id_team"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "person_id", name=op.f("pk_team_member")),
    )
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_member_person_id"), ["person_id"], unique=False)
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_by_name", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_column("resolved_by_name")
    with op.batch_alter_table("team_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_team_member_person_id"))
    op.drop_table("team_member")
