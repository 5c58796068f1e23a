"""Holds are picked up at a chosen library of the network

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:50:00

``hold.pickup_library_id``: where the member collects the book. NULL (every
hold before this, and a choice not made) is the library holding the copy
that fills it. ``hold.arrived_at``: when a copy sent from another library
reached the pickup library (its pickup days start then).
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hold") as batch:
        batch.add_column(sa.Column("pickup_library_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("arrived_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key("fk_hold_pickup_library", "library", ["pickup_library_id"], ["id"],
                                 ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("hold") as batch:
        batch.drop_constraint("fk_hold_pickup_library", type_="foreignkey")
        batch.drop_column("arrived_at")
        batch.drop_column("pickup_library_id")
