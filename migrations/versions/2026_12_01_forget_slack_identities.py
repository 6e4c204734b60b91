"""forget cached Slack identities: earlier versions took the app's own organisation from requests, so an
outsider may be cached as a member; everyone is asked about again (users.info) on their next request

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM chat_identity WHERE platform = 'slack'"))


def downgrade() -> None:
    """Nothing to restore: the cache fills again by itself."""
