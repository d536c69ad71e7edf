"""The client's content store: verified files named by sha256, one copy per PC.

A thin layer over :class:`wire.blobs.BlobStore` that also keeps the database's record of which
assets are present (``asset.stored_at``) in step with the files.
"""

from __future__ import annotations

from pathlib import Path

from app.storage import catalog
from app.storage.db import Database
from app.storage.errors import DiskFullError
from wire.blobs import BlobStore, DiskFull


class ContentStore:
    """Files under ``<data dir>/content``; the database says which are complete."""

    def __init__(self, root: Path, db: Database) -> None:
        self.blobs = BlobStore(root)
        self.db = db
        self.blobs.ensure()

    def path_of(self, sha256: str) -> Path | None:
        """The file of a stored asset, or ``None`` (and the record fixed) if it has gone."""
        path = self.blobs.path(sha256)
        if path.is_file():
            return path
        with self.db.write() as session:
            catalog.mark_missing(session, sha256)
        return None

    def add_file(self, source: Path, expected_sha256: str) -> Path:
        """Copies a file in, verifying it; records the asset as stored.

        Raises:
            DiskFullError: the disk filled up; nothing was stored.
            wire.blobs.BlobMismatch: the file is not the expected asset; nothing was stored.
        """
        try:
            self.blobs.add_file(source, expected_sha256)
        except DiskFull as exc:
            raise DiskFullError(str(exc)) from exc
        self.record_stored(expected_sha256)
        return self.blobs.path(expected_sha256)

    def record_stored(self, sha256: str) -> None:
        with self.db.write() as session:
            catalog.mark_stored(session, sha256)
