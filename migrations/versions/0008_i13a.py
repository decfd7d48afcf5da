"""sessions that end at sign-out; questions flagged for review in a quiz attempt

Revision ID: i13a
Revises: i20
Create Date: 2026-11-29 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'i13a'
down_revision = 'i20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_sessions', sa.JSON(), nullable=True))
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flagged', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempts', schema=None) as batch_op:
        batch_op.drop_column('flagged')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('ended_sessions')
