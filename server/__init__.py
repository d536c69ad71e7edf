"""Lamplight's county server: publishes course folders, serves the catalog and media, and
keeps teachers' records in sync between their PCs.

Modules:
    cli, cli_admin: ``python -m server serve|publish|schools|devices``; cli_packs:
        ``keys``, ``export-pack``; cli_bundles: ``import-bundle``.
    app, deps, auth: the FastAPI application (``/api/v1``), its settings and device tokens.
    catalog: the catalog query, assembled from stored JSON.
    publish: turning a course folder into a new course version; course_signing: the county's
        signature on each version; keys: the county signing key.
    packs: USB packs of courses (docs/usb-packs.md); bundles: progress brought back on a stick
        (docs/bundles.md).
    sync_api: the sync routes; devices (enrollment), batches and push, pull, teachers (claims),
        pins (the server's PIN hash), ratelimit (wrong codes and PINs) do their work.
    db, models, migrations: the database (SQLite or PostgreSQL) and its schema.
    errors: the errors this package raises on purpose.

Nothing here imports PySide6 or the client (``app``).
"""

from __future__ import annotations

from wire import __version__ as __version__
