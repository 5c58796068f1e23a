"""E-books and online resources as extras

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 14:10:00

``asset.kind`` gains ``ebook`` (an EPUB or PDF file in the media store) and
``online`` (a link to an online resource: iPusnas, an e-journal, a
database), whose provider's name is ``asset.provider``. One online link per
title and address (``uq_asset_online_url``): a re-imported CSV of ISBN ->
link adds nothing twice.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

_OLD = "kind IN ('video', 'audio', 'image', 'model3d', 'ar_overlay', 'link')"
_NEW = "kind IN ('video', 'audio', 'image', 'model3d', 'ar_overlay', 'link', 'ebook', 'online')"
_ONLINE = sa.text("kind = 'online'")
# Rows that point at an asset with ON DELETE CASCADE.
_CHILDREN = ("asset_file", "asset_play")


class _ChildrenKept:
    """SQLite changes a CHECK constraint by rebuilding the table, and dropping
    the old ``asset`` (foreign keys on) deletes its children by their cascade:
    they are copied aside and put back after the rebuild."""

    def __enter__(self):
        self.sqlite = op.get_bind().dialect.name == "sqlite"
        if self.sqlite:
            for table in _CHILDREN:
                op.execute(f"CREATE TEMP TABLE _kept_{table} AS SELECT * FROM {table}")
        return self

    def __exit__(self, *exc):
        if self.sqlite and exc[0] is None:
            for table in _CHILDREN:
                op.execute(f"DELETE FROM {table}")
                op.execute(f"INSERT INTO {table} SELECT * FROM _kept_{table}")
                op.execute(f"DROP TABLE _kept_{table}")
        return False


def upgrade() -> None:
    with _ChildrenKept(), op.batch_alter_table("asset") as batch:
        batch.add_column(sa.Column("provider", sa.String(length=100), nullable=True))
        batch.drop_constraint("asset_kind", type_="check")
        batch.create_check_constraint("asset_kind", _NEW)
        batch.create_index("uq_asset_online_url", ["book_id", "url"], unique=True, sqlite_where=_ONLINE,
                           postgresql_where=_ONLINE)


def downgrade() -> None:
    op.execute("DELETE FROM asset WHERE kind IN ('ebook', 'online')")
    with _ChildrenKept(), op.batch_alter_table("asset") as batch:
        batch.drop_index("uq_asset_online_url", sqlite_where=_ONLINE, postgresql_where=_ONLINE)
        batch.drop_constraint("asset_kind", type_="check")
        batch.create_check_constraint("asset_kind", _OLD)
        batch.drop_column("provider")
