"""lesson search on PostgreSQL: a pg_trgm GIN index over lesson text and titles

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 02:40:00

"""
from alembic import op

from course.catalog.search import drop_trigram_index, ensure_trigram_index


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # PostgreSQL only; SQLite's FTS5 table comes with 0002
    ensure_trigram_index(op.get_bind())


def downgrade():
    drop_trigram_index(op.get_bind())
