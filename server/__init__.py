"""Lamplight's county server: publishes course folders and serves the catalog and media.

Modules:
    cli: ``python -m server serve`` and ``python -m server publish``.
    app: the FastAPI application (``/api/v1``).
    catalog: the catalog query, assembled from stored JSON.
    publish: turning a course folder into a new course version.
    db, models, migrations: the database (SQLite or PostgreSQL) and its schema.
    errors: the errors this package raises on purpose.

Nothing here imports PySide6 or the client (``app``).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lamplight")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
