"""Alembic environment for the client database; the engine is passed in by ``app.storage.db``."""

from __future__ import annotations

from alembic import context

from app.storage.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
