"""A content-addressed blob store: every file is named by its sha256 and stored once.

Layout under the root::

    ab/abcdef...      one file per blob, named by its sha256 (first two hex digits as folder)
    tmp/              files being written; renamed into place only once verified

A blob becomes visible only after its bytes were hashed, fsynced, and renamed atomically; a
file whose hash does not match is deleted and never appears under its name.

Errors::

    BlobError
     ├── BlobMismatch   the bytes do not hash to (or are not the size of) what was expected
     └── DiskFull       the filesystem ran out of space (ENOSPC / EDQUOT)
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024


class BlobError(Exception):
    """Base of the blob store's errors."""


class BlobMismatch(BlobError):
    """The bytes written are not the blob that was expected."""


class DiskFull(BlobError):
    """No space left where the blob store lives."""


def _is_disk_full(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)


def fsync_dir(path: Path) -> None:
    """Makes a rename inside ``path`` durable (no-op where directories cannot be opened)."""
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


class BlobWriter:
    """Receives a blob's bytes; see :meth:`BlobStore.writer`."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._hash.update(data)
        self.size += len(data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class BlobStore:
    """Blobs on disk under ``root``, named by sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp = root / "tmp"

    def ensure(self) -> None:
        self.tmp.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def size(self, sha256: str) -> int | None:
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    @contextmanager
    def writer(self, expected_sha256: str | None = None) -> Iterator[BlobWriter]:
        """Writes one blob; it is committed when the ``with`` block ends without error.

        Raises:
            BlobMismatch: the bytes do not hash to ``expected_sha256``.
            DiskFull: the disk filled up; nothing is left behind.
        """
        self.ensure()
        tmp = self.tmp / f"{uuid.uuid4().hex}.part"
        try:
            with tmp.open("wb") as fh:
                writer = BlobWriter(fh)
                yield writer
                fh.flush()
                os.fsync(fh.fileno())
            self.commit(tmp, writer.hexdigest(), expected_sha256)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if _is_disk_full(exc):
                raise DiskFull(str(exc)) from exc
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def commit(self, tmp: Path, actual_sha256: str, expected_sha256: str | None = None) -> str:
        """Moves a fully written, fsynced temporary file into place under its hash.

        The caller has hashed the bytes (``actual_sha256``); a mismatch deletes ``tmp``.
        """
        if expected_sha256 is not None and actual_sha256 != expected_sha256:
            tmp.unlink(missing_ok=True)
            raise BlobMismatch(
                f"content does not match: expected sha256 {expected_sha256}, got {actual_sha256}"
            )
        final = self.path(actual_sha256)
        if final.is_file():
            tmp.unlink(missing_ok=True)  # stored once: the same bytes are already here
            return actual_sha256
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        fsync_dir(final.parent)
        return actual_sha256

    def add_file(self, source: Path, expected_sha256: str | None = None) -> str:
        """Copies ``source`` into the store (hashing while copying); returns its sha256."""
        try:
            with source.open("rb") as src, self.writer(expected_sha256) as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
                digest = out.hexdigest()
        except OSError as exc:
            if _is_disk_full(exc):
                raise DiskFull(str(exc)) from exc
            raise
        return digest

    def discard(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    def clear_tmp(self) -> None:
        """Removes leftovers of writes cut off by a crash."""
        if self.tmp.is_dir():
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.ensure()
