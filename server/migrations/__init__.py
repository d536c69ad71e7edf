"""Alembic migrations of the server database (run by :func:`server.db.migrate`)."""
