"""SLiMS ids on books, items and patrons (``flask slims sync`` matches by them)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 03:30:00

Plain nullable columns with unique indexes: SQLite adds both without
rebuilding the tables (a rebuild of ``book`` would trip the foreign keys
of its items and codes).
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = (
    ("book", "slims_biblio_id", sa.Integer()),
    ("item", "slims_item_id", sa.Integer()),
    ("patron", "slims_member_id", sa.String(length=20)),
)


def upgrade() -> None:
    for table, column, kind in COLUMNS:
        op.add_column(table, sa.Column(column, kind, nullable=True))
        op.create_index(f"ix_{table}_{column}", table, [column], unique=True)


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (no rebuild) once its index is gone.
    for table, column, _kind in reversed(COLUMNS):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.drop_column(table, column)
