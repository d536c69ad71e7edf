"""Block digests of published assets (:mod:`wire.blocks`), computed once and kept on disk.

The digests of an asset are computed from its blob on the first request and kept in a sidecar
file ``<data dir>/blocks/<ab>/<sha256>.blocks``, a tree of its own beside the blob store
(``<data dir>/blobs``): the blob store's tree holds only blobs named by their hash, and a file
that is not one would look like a damaged blob to anything that walks it.

A sidecar is written to a temporary file and renamed into place, and it is checked whenever it
is read (one digest per block of the blob, the last one the blob's sha256); one that is damaged,
cut short by a power cut or left by a bug is computed again. It is a cache: deleting the
``blocks`` folder loses nothing. Publishing may fill it ahead with :meth:`BlockDigests.get`.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from wire import blocks
from wire.blobs import BlobStore

SIDECAR_DIR = "blocks"


class BlockDigests:
    """The block digests of the blobs in ``blobs``, cached under ``root``.

    Safe to use from many threads: an asset's digests are computed by one thread at a time, and
    the others asking for the same asset wait for that result.

    Args:
        blobs: the blob store.
        root: the sidecars' folder.
        compute: computes a file's digests (tests count the calls).
    """

    def __init__(
        self,
        blobs: BlobStore,
        root: Path,
        *,
        compute: Callable[[Path], list[bytes]] = blocks.digests_of_file,
    ) -> None:
        self.blobs = blobs
        self.root = root
        self._compute = compute
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}

    def sidecar(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.blocks"

    def get(self, sha256: str) -> bytes:
        """The wire form of the blob's block digests; computed (slow: one read of the whole
        blob) on the first call for it, read from the sidecar afterwards.

        Raises:
            FileNotFoundError: the store has no such blob.
        """
        size = os.stat(self.blobs.path(sha256)).st_size
        cached = self._read(sha256, size)
        if cached is not None:
            return cached
        with self._guard:
            lock = self._locks.setdefault(sha256, threading.Lock())
        with lock:
            cached = self._read(sha256, size)  # another thread may have just made it
            if cached is not None:
                return cached
            data = blocks.encode(self._compute(self.blobs.path(sha256)))
            self._write(sha256, data)
            return data

    def _read(self, sha256: str, size: int) -> bytes | None:
        try:
            data = self.sidecar(sha256).read_bytes()
            digests = blocks.decode(data)
        except (FileNotFoundError, ValueError):
            return None
        return data if blocks.describes(digests, size, sha256) else None

    def _write(self, sha256: str, data: bytes) -> None:
        final = self.sidecar(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f"{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, final)
        except OSError:
            tmp.unlink(missing_ok=True)  # a full disk: serve the digests without keeping them
