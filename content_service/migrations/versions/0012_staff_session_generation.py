"""Staff session generation (revocable staff sessions)

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-02 08:00:00

A counter on each staff account, copied into the session cookie at login and
checked on every request: logging out, changing the password, or an admin
disabling or resetting the account raises it, so every older cookie (a
copied one too) stops working at once. A plain NOT NULL column with a
server default: SQLite adds it without rebuilding the table.
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_user", sa.Column("session_generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_generation")
