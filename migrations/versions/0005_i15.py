"""periodic_runs: one row per periodic task and scheduled minute (runs once however many workers)

Revision ID: i15
Revises: i16b
Create Date: 2026-11-29 18:20:00

"""
from alembic import op
import sqlalchemy as sa

import course.db


# revision identifiers, used by Alembic.
revision = 'i15'
down_revision = 'i16b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('periodic_runs',
    sa.Column('task', sa.String(length=200), nullable=False),
    sa.Column('period', course.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=False),
    sa.Column('claimed_at', course.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('task', 'period', name=op.f('pk_periodic_runs'))
    )


def downgrade():
    op.drop_table('periodic_runs')
