"""Repeat scans: the scan log marks a scan of the same code by the same kiosk or phone soon after another

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 08:00:00

A kiosk that reads the same label again and again (a book left before the
camera, a demo video) or a phone reopening a label page made every read a
use in the analytics. Every scan is still logged; one within the repeat
window of the same code by the same kiosk or phone is marked ``is_repeat``
and the dashboards leave it out. Phones are told apart by ``client``, a keyed
hash of address and browser that changes daily. Scans logged before keep
``is_repeat`` false: they count as they did.
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("scan_log", sa.Column("client", sa.String(length=16), nullable=True))
    op.add_column("scan_log", sa.Column("is_repeat", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_scan_log_code_at", "scan_log", ["code", "at"])


def downgrade() -> None:
    op.drop_index("ix_scan_log_code_at", table_name="scan_log")
    with op.batch_alter_table("scan_log") as batch:
        batch.drop_column("is_repeat")
        batch.drop_column("client")
