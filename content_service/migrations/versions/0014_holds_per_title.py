"""holds per title: a queue per book, the copy that fills a hold, pickup by, how a hold ended

Revision ID: 0014
Revises: 0018
Create Date: 2026-12-02 07:20:00

``hold`` is rebuilt (batch mode: SQLite cannot make a column nullable in
place; no table refers to ``hold``, so the rebuild trips no foreign key).
Existing holds name a copy: their title is that copy's book.
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.add_column(sa.Column('book_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pickup_by', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_reason', sa.String(length=20), nullable=True))
    op.execute("UPDATE hold SET book_id = (SELECT item.book_id FROM item WHERE item.id = hold.item_id)")
    op.execute("UPDATE hold SET end_reason = 'cancelled' WHERE ended_at IS NOT NULL")
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.alter_column('book_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key('fk_hold_book_id_book', 'book', ['book_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('ix_hold_book_id', ['book_id'], unique=False)
        batch_op.create_check_constraint(
            'hold_end_reason', "end_reason IS NULL OR end_reason IN ('fulfilled', 'cancelled', 'expired')")


def downgrade() -> None:
    op.execute("DELETE FROM hold WHERE item_id IS NULL")
    with op.batch_alter_table('hold', schema=None) as batch_op:
        batch_op.drop_constraint('hold_end_reason', type_='check')
        batch_op.drop_index('ix_hold_book_id')
        batch_op.drop_constraint('fk_hold_book_id_book', type_='foreignkey')
        batch_op.alter_column('item_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('end_reason')
        batch_op.drop_column('pickup_by')
        batch_op.drop_column('ready_at')
        batch_op.drop_column('book_id')
