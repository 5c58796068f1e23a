"""Book aliases: what a record merged into another was known by

Revision ID: 0016
Revises: 0012
Create Date: 2026-12-02 07:10:00

A staff "merge these records" keeps one record; the old id, control number
and title key of each record merged away point at it here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "book_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=700), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('book', 'control', 'title')", name="book_alias_kind"),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "value", name="uq_book_alias_kind_value"),
    )
    op.create_index("ix_book_alias_book_id", "book_alias", ["book_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_book_alias_book_id", table_name="book_alias")
    op.drop_table("book_alias")
