"""A partial download on disk: ``<partial_dir>/<sha256>.part``, kept across restarts.

:class:`PartialDownload` holds what is known about the file (bytes present, their running
sha256), appends a received body to it, and finally moves it into the content store if, and
only if, its bytes are the asset. OS errors (a full disk) propagate unchanged;
:mod:`app.sync.downloads` maps them.

Power cuts: every few MB (and whenever receiving ends, even by an error) the file is fsynced and
then its length is recorded in ``<sha256>.part.ok``. Bytes past that length may not have reached
the disk (some filesystems show zeros there after a power cut), so a resumed download cuts the
file back to the recorded length; a ``.part`` without a ``.ok`` is not trusted at all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.storage.content import ContentStore
from app.sync.errors import ChecksumError
from wire.blobs import BlobMismatch, fsync_dir

CHUNK = 1024 * 1024
#: Flush and fsync the partial file after this many new bytes.
SYNC_EVERY = 4 * CHUNK

StopCheck = Callable[[], bool]
#: ``on_progress(bytes_present, asset_size)`` for one asset.
AssetProgress = Callable[[int, int], None]


class PartialFile(Protocol):
    """What a download writes to: a binary file opened for writing."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...

    def fileno(self) -> int: ...

    def close(self) -> None: ...


#: ``opener(path, append)`` opens the partial file; tests pass one that fails with ENOSPC.
Opener = Callable[[Path, bool], PartialFile]


def open_partial(path: Path, append: bool) -> PartialFile:
    """Opens ``path`` for appending, or truncated when ``append`` is false."""
    return path.open("ab") if append else path.open("wb")


def partial_path(partial_dir: Path, sha256: str) -> Path:
    return partial_dir / f"{sha256}.part"


def checkpoint_path(partial: Path) -> Path:
    """Where the length of ``partial`` known to be on disk is recorded."""
    return partial.with_name(partial.name + ".ok")


def write_checkpoint(partial: Path, length: int) -> None:
    """Records (durably, atomically) that the first ``length`` bytes of ``partial`` are on disk."""
    final = checkpoint_path(partial)
    tmp = final.with_name(final.name + ".tmp")
    try:
        with tmp.open("w", encoding="ascii") as fh:
            fh.write(str(length))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(final.parent)  # also makes the .part file's own name durable


def _read_checkpoint(partial: Path) -> int:
    try:
        return int(checkpoint_path(partial).read_text(encoding="ascii"))
    except (FileNotFoundError, ValueError):
        return 0


@dataclass
class PartialDownload:
    """The partial file of one asset and the running hash of its bytes.

    Attributes:
        path: the ``.part`` file.
        sha256: the asset's expected sha256.
        size: the asset's size according to the catalog.
        have: bytes in the file (all of them on disk once :meth:`receive` has returned).
        fetched: bytes appended by :meth:`receive` (received over the network).
        stopped: :meth:`receive` ended early because ``should_stop`` said so.
    """

    path: Path
    sha256: str
    size: int
    have: int = 0
    fetched: int = 0
    stopped: bool = False
    _hasher: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)

    @classmethod
    def load(cls, partial_dir: Path, sha256: str, size: int) -> PartialDownload:
        """Picks up the bytes an earlier attempt recorded as on disk, re-hashing them."""
        partial_dir.mkdir(parents=True, exist_ok=True)
        partial = cls(partial_path(partial_dir, sha256), sha256, size)
        try:
            on_disk = partial.path.stat().st_size
        except FileNotFoundError:
            checkpoint_path(partial.path).unlink(missing_ok=True)
            return partial
        durable = _read_checkpoint(partial.path)
        if durable > on_disk or on_disk > size:  # not a prefix of this asset, or lost bytes
            partial.discard()
            return partial
        if on_disk > durable:
            os.truncate(partial.path, durable)  # drop what may not have reached the disk
        with partial.path.open("rb") as fh:
            while data := fh.read(CHUNK):
                partial._hasher.update(data)
                partial.have += len(data)
        return partial

    @property
    def complete(self) -> bool:
        return self.have >= self.size

    def restart(self) -> None:
        """Forgets the bytes present; the next :meth:`receive` truncates the file."""
        checkpoint_path(self.path).unlink(missing_ok=True)  # it vouches for bytes to be replaced
        self.have = 0
        self._hasher = hashlib.sha256()

    def discard(self) -> None:
        """Deletes the file (and its checkpoint) and forgets its bytes."""
        self.path.unlink(missing_ok=True)
        self.restart()

    def receive(
        self,
        body: Iterable[bytes],
        *,
        opener: Opener = open_partial,
        on_progress: AssetProgress | None = None,
        should_stop: StopCheck | None = None,
        sync_every: int = SYNC_EVERY,
    ) -> None:
        """Appends ``body`` to the file (from byte :attr:`have`), fsyncing as it goes.

        Ends when the body ends or after a chunk for which ``should_stop()`` is true (then
        :attr:`stopped` is set). The bytes written are on disk and checkpointed when this
        returns, and also when it raises if the disk still lets them be.

        Raises:
            ChecksumError: the body is longer than the asset; the file was deleted.
            OSError: e.g. the disk is full; the bytes written so far stay in the file.
        """
        fh = opener(self.path, self.have > 0)
        try:
            unsynced = 0
            for data in body:
                if self.have + len(data) > self.size:
                    raise ChecksumError(
                        f"asset {self.sha256}: the server sent more than {self.size} bytes"
                    )
                fh.write(data)
                self._hasher.update(data)
                self.have += len(data)
                self.fetched += len(data)
                unsynced += len(data)
                if unsynced >= sync_every:
                    self._sync(fh)
                    unsynced = 0
                if on_progress is not None:
                    on_progress(self.have, self.size)
                if not self.complete and should_stop is not None and should_stop():
                    self.stopped = True
                    break
            self._sync(fh)
        except ChecksumError:
            _close_quietly(fh)
            self.discard()
            raise
        except BaseException:
            # A dropped connection: keep what arrived. A full disk: the checkpoint may fail
            # too, and then the previous one stands (it only ever understates).
            with contextlib.suppress(OSError):
                self._sync(fh)
            _close_quietly(fh)
            raise
        fh.close()

    def _sync(self, fh: PartialFile) -> None:
        fh.flush()
        os.fsync(fh.fileno())
        write_checkpoint(self.path, self.have)

    def commit(self, content: ContentStore) -> None:
        """Moves the complete file into the store and records it, if its bytes are the asset.

        Raises:
            ChecksumError: wrong size or sha256; the file was deleted, the store is unchanged.
        """
        digest = self._hasher.hexdigest()
        if self.have != self.size or digest != self.sha256:
            have = self.have
            self.discard()
            raise ChecksumError(
                f"asset {self.sha256}: received {have} bytes hashing to {digest}, "
                f"expected {self.size} bytes; discarded"
            )
        try:
            content.blobs.commit(self.path, digest, self.sha256)
        except BlobMismatch as exc:  # checked above; here so the store's own check maps too
            raise ChecksumError(str(exc)) from exc
        checkpoint_path(self.path).unlink(missing_ok=True)
        content.record_stored(self.sha256)


def _close_quietly(fh: PartialFile) -> None:
    with contextlib.suppress(OSError):  # the error being raised already says what went wrong
        fh.close()
