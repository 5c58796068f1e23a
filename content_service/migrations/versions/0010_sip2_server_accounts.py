"""sip2 server: one login per self-check machine (password stored hashed)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 03:30:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sip2_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('institution', sa.String(length=32), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('encoding', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_address', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('login')
    )


def downgrade() -> None:
    op.drop_table('sip2_account')
