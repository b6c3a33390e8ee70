"""Alembic's environment for the collector: it runs on the connection ``_migrate.migrate`` opened
(inside that connection's transaction and, on PostgreSQL, under its advisory lock)."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
