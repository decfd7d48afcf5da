"""consent and privacy: invitation details, co-instructor invitations, opt-in listings,
public revocation reasons with internal notes

Revision ID: i13b
Revises: certs
Create Date: 2026-11-29 18:40:00

"""
from alembic import op
import sqlalchemy as sa

import course.db


# revision identifiers, used by Alembic.
revision = 'i13b'
down_revision = 'certs'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invitations') as batch:
        batch.add_column(sa.Column('employee_number', sa.String(length=64), nullable=False, server_default=''))
        batch.add_column(sa.Column('department', sa.String(length=120), nullable=False, server_default=''))
    op.create_table('instructor_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', course.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', course.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', course.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['courses.id'], name=op.f('fk_instructor_invitations_course_id_courses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_instructor_invitations_invited_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instructor_invitations')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_instructor_invitations_token_hash'))
    )
    op.create_index(op.f('ix_instructor_invitations_course_id'), 'instructor_invitations', ['course_id'], unique=False)
    with op.batch_alter_table('certificates') as batch:
        batch.add_column(sa.Column('revocation_note', sa.Text(), nullable=True))
    # Listings are opt-in: nobody has opted in yet.
    op.execute("UPDATE certificates SET public = false")
    # The free-text reasons were published; they become internal notes, and the public reason
    # says only "other reasons".
    op.execute(
        "UPDATE certificates SET revocation_note = revocation_reason, revocation_reason = 'other' "
        "WHERE revocation_reason IS NOT NULL"
    )


def downgrade():
    op.execute(
        "UPDATE certificates SET revocation_reason = COALESCE(revocation_note, revocation_reason) "
        "WHERE revocation_reason IS NOT NULL"
    )
    with op.batch_alter_table('certificates') as batch:
        batch.drop_column('revocation_note')
    op.drop_index(op.f('ix_instructor_invitations_course_id'), table_name='instructor_invitations')
    op.drop_table('instructor_invitations')
    with op.batch_alter_table('invitations') as batch:
        batch.drop_column('department')
        batch.drop_column('employee_number')
