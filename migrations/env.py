"""Alembic environment: runs against the application's engine and metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
target_metadata = database.metadata

#: Tables and indexes managed outside the models (full-text search: SQLite's FTS5 table and its
#: shadow tables, PostgreSQL's trigram index).
UNMANAGED_PREFIXES = ("lesson_search",)


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ in ("table", "index") and name and name.startswith(UNMANAGED_PREFIXES))


def _options():
    return {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "compare_type": True,
        "render_as_batch": True,
    }


def run_migrations_offline():
    context.configure(url=str(database.engine.url), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with database.engine.connect() as connection:
        context.configure(
            connection=connection,
            process_revision_directives=process_revision_directives,
            **_options(),
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
