"""sip2: store-and-forward queue of checkouts made while the SIP2 server was unreachable

Revision ID: 0009_sip2_offline_queue
Revises: 0008
Create Date: 2026-12-02 03:40:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0009_sip2_offline_queue'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sip2_offline_checkout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_number', sa.String(length=64), nullable=False),
    sa.Column('barcode', sa.String(length=64), nullable=False),
    sa.Column('kiosk_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=500), nullable=True),
    sa.Column('transaction_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('replayed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_text', sa.String(length=64), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('queued', 'replaying', 'done', 'failed')", name='sip2_offline_checkout_state'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_sip2_offline_checkout_state', 'sip2_offline_checkout', ['state', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sip2_offline_checkout_state', table_name='sip2_offline_checkout')
    op.drop_table('sip2_offline_checkout')
