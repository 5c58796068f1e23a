"""Generated narrations (``catalogue.narration``); when a code's label was printed

Every new copy gets its code when it is created, so "copies without a label"
is now "codes never printed" (``code.printed_at``). Codes that exist already
count as printed (they were minted for a sheet).

Revision ID: 0018
Revises: 0015
Create Date: 2026-12-02 07:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "narration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("book_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("media_hash", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("voice", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("book_id", "language", name="uq_narration_book_language"),
    )
    op.create_index("ix_narration_book_id", "narration", ["book_id"])
    op.add_column("code", sa.Column("printed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE code SET printed_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("code") as batch:
        batch.drop_column("printed_at")
    op.drop_index("ix_narration_book_id", table_name="narration")
    op.drop_table("narration")
