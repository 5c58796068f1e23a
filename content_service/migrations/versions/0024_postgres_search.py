"""Search documents kept by PostgreSQL itself (the postgres search backend)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 14:30:00

On PostgreSQL only: the ``unaccent`` and ``pg_trgm`` extensions (created when
missing: a superuser, or the database owner for these trusted extensions),
the text search configurations ``pindai_id``/``pindai_en``/``pindai_simple``,
the ``search_document`` and ``search_word`` tables with their GIN indexes,
and the triggers on ``book``, ``isbn`` and ``item`` that keep them in the
same transaction (``content_service.search.postgres_schema``); the documents
of the books already there are computed. Nothing on SQLite, whose search
index is a folder of files (tantivy or whoosh).
"""
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from content_service.search import postgres_schema

    postgres_schema.install(bind)
    postgres_schema.fill(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from content_service.search import postgres_schema

    postgres_schema.uninstall(bind)
