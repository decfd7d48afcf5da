"""learning records: statements fixed when recorded, record settings, LRS positions and refusals

Revision ID: i19
Revises: i15
Create Date: 2026-11-29 18:40:00

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

import course.db

# revision identifiers, used by Alembic.
revision = "i19"
down_revision = "i15"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("learning_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ordinal", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("statement", sa.JSON(), nullable=True))
        batch_op.create_index("ix_learning_records_order", ["timestamp", "ordinal", "id"], unique=False)

    settings = op.create_table(
        "learning_record_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("iri_base", sa.String(length=300), nullable=False),
        sa.Column("actor_name", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_record_settings")),
    )
    # The IRI base is fixed at install: COURSE_XAPI_IRI_BASE, else the base URL of this moment.
    config = current_app.config
    base = (config.get("XAPI_IRI_BASE") or config.get("BASE_URL") or "http://127.0.0.1:8000")
    op.bulk_insert(
        settings,
        [{"id": 1, "iri_base": base.rstrip("/"), "actor_name": bool(config.get("XAPI_ACTOR_NAME", True))}],
    )

    op.create_table(
        "lrs_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("auth", sa.String(length=16), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("sealed_secret", sa.Text(), nullable=False),
        sa.Column("token_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_lrs_endpoints_organisation_id_organisations"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_endpoints")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_lrs_endpoints_organisation_id")),
    )
    op.create_table(
        "lrs_positions",
        sa.Column("endpoint", sa.String(length=80), nullable=False),
        sa.Column("last_timestamp", course.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_ordinal", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.String(length=36), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("retry_at", course.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", course.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_lrs_positions")),
    )
    op.create_table(
        "lrs_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=80), nullable=False),
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("refused_at", course.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_refusals")),
        sa.UniqueConstraint("endpoint", "statement_id", name=op.f("uq_lrs_refusals_endpoint_statement_id")),
    )


def downgrade():
    op.drop_table("lrs_refusals")
    op.drop_table("lrs_positions")
    op.drop_table("lrs_endpoints")
    op.drop_table("learning_record_settings")
    with op.batch_alter_table("learning_records", schema=None) as batch_op:
        batch_op.drop_index("ix_learning_records_order")
        batch_op.drop_column("statement")
        batch_op.drop_column("ordinal")
