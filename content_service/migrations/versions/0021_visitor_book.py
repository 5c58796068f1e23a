"""The visitor book: one row per signing at a kiosk, repeats within the hour marked

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 08:10:00

A member signs with the library card, a guest with a name and institution;
``person`` is a keyed hash of either (never the card number). The counts
(per day and library, the IPLM report) leave out ``is_repeat`` rows.
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("kiosk_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("person", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("institution", sa.String(length=150), nullable=True),
        sa.Column("visitor_group", sa.String(length=12), nullable=True),
        sa.Column("is_repeat", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.CheckConstraint("kind IN ('member', 'guest')", name="visit_kind"),
        sa.CheckConstraint("visitor_group IS NULL OR visitor_group IN ('pelajar', 'mahasiswa', 'guru', 'umum')",
                           name="visit_group"),
        sa.ForeignKeyConstraint(["library_id"], ["library.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["kiosk_id"], ["kiosk.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_visit_library_at", "visit", ["library_id", "at"])
    op.create_index("ix_visit_person_at", "visit", ["person", "at"])


def downgrade() -> None:
    op.drop_index("ix_visit_person_at", table_name="visit")
    op.drop_index("ix_visit_library_at", table_name="visit")
    op.drop_table("visit")
