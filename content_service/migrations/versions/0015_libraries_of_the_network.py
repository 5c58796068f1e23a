"""The libraries of the network: a ``library`` table; copies, kiosks, events
and members belong to one, staff accounts optionally

Revision ID: 0015
Revises: 0011
Create Date: 2026-12-02 07:20:00

Today's rows all go to one default library, named by
``PINDAI_DEFAULT_LIBRARY_NAME`` (``flask init-db`` passes the setting;
"Perpustakaan Kota Batam" otherwise). The new columns are added in place,
never by rebuilding a table (a rebuild of ``item`` would trip the foreign
keys of its loans and codes): on PostgreSQL they then become NOT NULL;
SQLite cannot add that constraint in place, and the models' column default
(the default library) fills every row the service writes.
"""
import os
from datetime import datetime, timezone

from alembic import context, op
import sqlalchemy as sa


revision = '0015'
down_revision = '0011'
branch_labels = None
depends_on = None

# (table, column, NOT NULL): staff accounts without a library serve the whole network.
COLUMNS = (
    ("item", "library_id", True),
    ("kiosk", "library_id", True),
    ("event", "library_id", True),
    ("patron", "home_library_id", True),
    ("staff_user", "library_id", False),
)


def _default_name() -> str:
    return (context.config.attributes.get("default_library_name")
            or os.environ.get("PINDAI_DEFAULT_LIBRARY_NAME") or "Perpustakaan Kota Batam")


def upgrade() -> None:
    library = op.create_table(
        'library',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('address', sa.String(length=300), nullable=True),
        sa.Column('is_default', sa.Boolean(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('city', 'branch', 'mobile', 'school', 'university')", name='library_kind'),
        sa.CheckConstraint('code = lower(code)', name='library_code_lower'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('name'),
    )
    op.create_index('uq_library_default', 'library', ['is_default'], unique=True,
                    sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))
    op.bulk_insert(library, [{
        "code": "kota", "name": _default_name(), "kind": "city", "address": None,
        "is_default": True, "active": True, "created_at": datetime.now(timezone.utc),
    }])
    default_id = sa.select(library.c.id).where(library.c.is_default.is_(True)).scalar_subquery()
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, required in COLUMNS:
        if postgres:
            op.add_column(table, sa.Column(column, sa.Integer(), sa.ForeignKey(
                "library.id", name=f"fk_{table}_{column}", ondelete="RESTRICT"), nullable=True))
        else:
            # SQLite adds a column with its REFERENCES clause in place (Alembic would rebuild).
            op.execute(f"ALTER TABLE {table} ADD COLUMN {column} INTEGER "
                       f"REFERENCES library (id) ON DELETE RESTRICT")
        op.create_index(f"ix_{table}_{column}", table, [column])
        if required:
            op.execute(sa.table(table, sa.column(column)).update().values({column: default_id}))
            if postgres:
                op.alter_column(table, column, nullable=False)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, _required in reversed(COLUMNS):
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        if postgres:
            op.drop_constraint(f"fk_{table}_{column}", table, type_="foreignkey")
        op.drop_column(table, column)
    op.drop_index('uq_library_default', table_name='library')
    op.drop_table('library')
