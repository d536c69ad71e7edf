"""Alembic environment for the client database; the engine is passed in by ``app.storage.db``."""

from __future__ import annotations

from alembic import context

from app.storage.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    # Batch mode rebuilds a table by copy, drop and rename; with foreign keys on, dropping
    # ``course`` would cascade-delete every lesson and item. The pragma only acts outside a
    # transaction, so it goes straight to the driver before anything begins.
    connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        # One BEGIN IMMEDIATE transaction around reading the revision and every migration: a
        # second Lamplight starting at the same moment waits, then finds nothing left to do,
        # instead of failing with "database is locked" half-way.
        with connection.execution_options(sqlite_immediate=True).begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        connection.invalidate()  # never hand out a pooled connection with foreign keys off
