"""certificates: the stored PDF's SHA-256, bulk runs' re-issue choice and per-trainee outcomes

Revision ID: certs
Revises: i13a
Create Date: 2026-11-29 19:00:00

"""
import sqlalchemy as sa
from alembic import op

from course.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "certs"
down_revision = "i13a"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pdf_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("certificate_bulk_issues", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reissue", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "certificate_bulk_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bulk_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["bulk_id"], ["certificate_bulk_issues.id"],
            name=op.f("fk_certificate_bulk_items_bulk_id_certificate_bulk_issues"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["certificates.id"],
            name=op.f("fk_certificate_bulk_items_certificate_id_certificates"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_certificate_bulk_items_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_bulk_items")),
        sa.UniqueConstraint(
            "bulk_id", "user_id", name=op.f("uq_certificate_bulk_items_bulk_id_user_id")
        ),
    )
    with op.batch_alter_table("certificate_bulk_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_bulk_items_bulk_id"), ["bulk_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("certificate_bulk_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_bulk_items_bulk_id"))
    op.drop_table("certificate_bulk_items")
    with op.batch_alter_table("certificate_bulk_issues", schema=None) as batch_op:
        batch_op.drop_column("reissue")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("pdf_sha256")
