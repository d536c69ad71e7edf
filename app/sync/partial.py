"""A partial download on disk: ``<partial_dir>/<sha256>.part``, kept across restarts.

:class:`PartialDownload` holds what is known about the file (bytes present, their running
sha256), appends a received body to it, and finally moves it into the content store if, and
only if, its bytes are the asset. OS errors (a full disk) propagate unchanged;
:mod:`app.sync.downloads` maps them.

Receiving: the body is read 128 KiB at a time (a dropped connection loses at most the read
being filled) and handed on in batches of 256 KiB: a :class:`~app.sync.verifier.BlockVerifier`
hashes them in its own thread while they are written and the next ones received.

Block digests (:mod:`wire.blocks`): when the server gave them for the asset (they are kept
beside the partial as ``<sha256>.blocks``), each 256 KiB block is checked as soon as it is
hashed, at no extra hashing cost, at most :data:`DEPTH` batches behind the writing. A block that
does not match is cut off again: the file is truncated back to the block's start (which also
removes what was written after it), the running hash goes back to its copy from that point, the
batch received meanwhile is dropped, and the caller asks for the rest once more. The whole-file
sha256 is checked all the same before the file enters the store.

Power cuts and kills: every few MB (and whenever receiving ends, even by an error) the file is
fsynced, in a background thread, and then its length is recorded in ``<sha256>.part.ok``
(:mod:`app.sync.checkpoint`). Bytes past that length may not have reached the disk (some
filesystems show zeros there after a power cut). A resumed download re-hashes the file: with
block digests it keeps every whole block that matches (all of them after a kill, which loses no
written byte) and the last, incomplete block (checked once it is complete), and cuts the file at
the first block that does not match; without them it cuts the file back to the recorded length,
and a ``.part`` without a ``.ok`` is not trusted at all.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.storage.content import ContentStore
from app.sync.checkpoint import (
    BackgroundSync,
    checkpoint_path,
    read_checkpoint,
    write_checkpoint,
)
from app.sync.errors import ChecksumError
from app.sync.throttle import RateLimiter
from app.sync.verifier import BlockVerifier
from wire import blocks
from wire.blobs import BlobMismatch
from wire.blocks import BLOCK_SIZE

__all__ = [
    "CHUNK",
    "SYNC_EVERY",
    "AssetProgress",
    "Opener",
    "PartialDownload",
    "PartialFile",
    "RoomCheck",
    "StopCheck",
    "checkpoint_path",
    "digests_path",
    "open_partial",
    "partial_path",
    "write_checkpoint",
]

#: Bytes read from the network at a time: a dropped connection loses at most the read being
#: filled. Measured over loopback (1 GiB): 128 KiB reads as fast as 256 KiB, 64 KiB ~10% slower.
CHUNK = 128 * 1024
#: Bytes hashed (in the background) and written in one go, so the hashing thread is handed
#: work a few times per MB, not per read.
BATCH = 256 * 1024
#: Batches written before the hash of the one before them is checked. With one, hashing and
#: receiving each go on while the other waits for the CPU (1 GiB over loopback: +8%, paired
#: runs); a bad block then costs itself and at most two batches more (three blocks in all).
DEPTH = 1
#: fsync the partial file (in the background) after this many new bytes. Each fsync and
#: checkpoint costs journal commits: every 4 MB made 1 GiB ~10% slower than every 16 MB. A power
#: cut loses what was not written back; a kill loses nothing (block digests vouch for it).
SYNC_EVERY = 16 * 1024 * 1024

StopCheck = Callable[[], bool]
#: ``on_progress(bytes_present, asset_size)`` for one asset.
AssetProgress = Callable[[int, int], None]
#: ``check_room(bytes_still_to_write)``, called every ``sync_every`` bytes; raises to stop.
RoomCheck = Callable[[int], None]


class PartialFile(Protocol):
    """What a download writes to: a binary file opened for writing."""

    def write(self, data: bytes | memoryview, /) -> int: ...

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


def digests_path(partial_dir: Path, sha256: str) -> Path:
    """Where the asset's block digests are kept while it downloads."""
    return partial_dir / f"{sha256}.blocks"


def is_complete_on_disk(partial_dir: Path, sha256: str, size: int) -> bool:
    """Whether an earlier attempt left the whole asset on disk, checkpointed (only the final
    check and the move into the store are left)."""
    path = partial_path(partial_dir, sha256)
    try:
        on_disk = path.stat().st_size
    except FileNotFoundError:
        return False
    return on_disk == size and read_checkpoint(path) == size


def load_digests(partial_dir: Path, sha256: str, size: int) -> list[bytes] | None:
    """The block digests kept beside the partial, if they are the asset's."""
    try:
        digests = blocks.decode(digests_path(partial_dir, sha256).read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return digests if blocks.describes(digests, size, sha256) else None


def keep_digests(partial_dir: Path, sha256: str, digests: list[bytes]) -> None:
    """Keeps the block digests beside the partial, so that a resumed download needs not ask
    again. Not fsynced: they are checked whenever they are read."""
    partial_dir.mkdir(parents=True, exist_ok=True)
    final = digests_path(partial_dir, sha256)
    tmp = final.with_name(final.name + ".tmp")
    try:
        tmp.write_bytes(blocks.encode(digests))
        os.replace(tmp, final)
    except OSError:
        tmp.unlink(missing_ok=True)  # only a cache; a full disk is found out by the download


@dataclass
class PartialDownload:
    """The partial file of one asset and the running hash of its bytes.

    Attributes:
        path: the ``.part`` file.
        sha256: the asset's expected sha256.
        size: the asset's size according to the catalog.
        digests: the asset's block digests (checked to be its own), or None.
        have: bytes in the file (all of them on disk once :meth:`receive` has returned).
        recorded: the length the checkpoint vouches for.
        fetched: bytes received by :meth:`receive` over the network (rejected ones included).
        rejected: bytes thrown away because their block failed its check (cut off the file,
            or received and never written).
        stopped: :meth:`receive` ended early because ``should_stop`` said so.
        cut_block: the block that failed its check and ended the last :meth:`receive`.
        bad_blocks: how many times each block failed its check.
    """

    path: Path
    sha256: str
    size: int
    digests: list[bytes] | None = None
    have: int = 0
    recorded: int = 0
    fetched: int = 0
    rejected: int = 0
    stopped: bool = False
    cut_block: int | None = None
    bad_blocks: dict[int, int] = field(default_factory=dict)
    _verifier: BlockVerifier = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._verifier = BlockVerifier(self.size, self.digests)

    @classmethod
    def load(
        cls, partial_dir: Path, sha256: str, size: int, digests: list[bytes] | None = None
    ) -> PartialDownload:
        """Picks up the bytes an earlier attempt left, re-hashing (and checking) them.

        Args:
            partial_dir: where partial downloads are kept.
            sha256: the asset.
            size: its size.
            digests: its block digests; ignored unless :func:`wire.blocks.describes` them.
        """
        partial_dir.mkdir(parents=True, exist_ok=True)
        if digests is not None and not blocks.describes(digests, size, sha256):
            digests = None
        partial = cls(partial_path(partial_dir, sha256), sha256, size, digests)
        try:
            on_disk = partial.path.stat().st_size
        except FileNotFoundError:
            checkpoint_path(partial.path).unlink(missing_ok=True)
            return partial
        durable = read_checkpoint(partial.path)
        if durable > on_disk or on_disk > size:  # not a prefix of this asset, or lost bytes
            partial.discard()
            return partial
        partial.recorded = durable
        # Without digests, bytes past the checkpoint may be zeros a power cut left: drop them.
        partial._rehash(on_disk if digests is not None else durable)
        if partial.have < on_disk:
            partial._truncate(partial.have)
        return partial

    def _rehash(self, length: int) -> None:
        """Hashes the file's first ``length`` bytes; with digests, stops before a bad block."""
        buffer = bytearray(BLOCK_SIZE)
        view = memoryview(buffer)
        with self.path.open("rb", buffering=0) as fh:
            while self.have < length:
                n = fh.readinto(view[: min(BLOCK_SIZE, length - self.have)])
                if not n:
                    return
                if self._verifier.update(view[:n]) is not None:
                    self.have = self._verifier.position
                    return
                self.have += n

    def _truncate(self, length: int) -> None:
        if self.recorded > length:  # lower the checkpoint first: it must never overstate
            write_checkpoint(self.path, length)
            self.recorded = length
        os.truncate(self.path, length)

    @property
    def complete(self) -> bool:
        return self.have >= self.size

    def restart(self) -> None:
        """Forgets the bytes present; the next :meth:`receive` truncates the file."""
        checkpoint_path(self.path).unlink(missing_ok=True)  # it vouches for bytes to be replaced
        self.have = self.recorded = 0
        self._verifier.restart()

    def discard(self) -> None:
        """Deletes the file (with its checkpoint and digests) and forgets its bytes."""
        self.path.unlink(missing_ok=True)
        digests_path(self.path.parent, self.sha256).unlink(missing_ok=True)
        self.restart()

    def receive(
        self,
        body: Iterable[bytes],
        *,
        opener: Opener = open_partial,
        on_progress: AssetProgress | None = None,
        should_stop: StopCheck | None = None,
        sync_every: int = SYNC_EVERY,
        limiter: RateLimiter | None = None,
        check_room: RoomCheck | None = None,
    ) -> None:
        """Appends ``body`` to the file (from byte :attr:`have`), fsyncing as it goes.

        Ends when the body ends, after a chunk for which ``should_stop()`` is true (then
        :attr:`stopped` is set), or when a block fails its check (then :attr:`cut_block` says
        which; the file ends where it began). The bytes written are on disk and checkpointed
        when this returns, and also when it raises if the disk still lets them be.

        Args:
            body: the bytes from offset :attr:`have` on.
            opener: opens the file.
            on_progress: told ``(have, size)`` after each chunk.
            should_stop: asked after each chunk.
            sync_every: fsync (in the background) after this many new bytes.
            limiter: the bandwidth cap, given every chunk's length.
            check_room: given the bytes still to write every ``sync_every`` bytes; may raise
                (e.g. too little disk space left) to stop the download.

        Raises:
            ChecksumError: the body is longer than the asset; the file was deleted.
            OSError: e.g. the disk is full; the bytes written so far stay in the file.
        """
        self.cut_block = None
        fh = opener(self.path, self.have > 0)
        syncer = BackgroundSync(fh.fileno(), self.path, self.recorded if self.have else 0)
        pending: list[bytes] = []  # received, not yet handed to the hasher and written
        waiting = 0
        flush_at = min(BATCH, sync_every)
        try:
            asked = self.have
            for data in body:
                if self.have + waiting + len(data) > self.size:
                    raise ChecksumError(
                        f"asset {self.sha256}: the server sent more than {self.size} bytes"
                    )
                self.fetched += len(data)
                if limiter is not None:
                    limiter.take(len(data))
                pending.append(data)
                waiting += len(data)
                if waiting >= flush_at or self.have + waiting == self.size:
                    batch, pending, waiting = pending, [], 0
                    if not self._write(fh, syncer, batch):
                        break
                    if self.have - asked >= sync_every:
                        fh.flush()
                        syncer.request(self.have)
                        asked = self.have
                        if check_room is not None:
                            check_room(self.size - self.have)
                if on_progress is not None:
                    on_progress(self.have + waiting, self.size)
                if self.have + waiting < self.size and should_stop is not None and should_stop():
                    self.stopped = True
                    break
            batch, pending = pending, []
            if batch:
                self._write(fh, syncer, batch)
            self._settle(fh, syncer)
            self._verifier.close()
            fh.flush()
            syncer.finish(self.have)
        except ChecksumError:
            self._verifier.close()
            syncer.close()
            _close_quietly(fh)
            self.discard()
            raise
        except BaseException:
            # A dropped connection: keep what arrived. A full disk: the checkpoint may fail
            # too, and then the previous one stands (it only ever understates).
            with contextlib.suppress(OSError):
                if pending:  # never a batch whose writing failed: it would be written twice
                    self._write(fh, syncer, pending)
                self._settle(fh, syncer)
                fh.flush()
                syncer.finish(self.have)
            self._verifier.close()
            syncer.close()
            self.recorded = syncer.recorded
            _close_quietly(fh)
            raise
        self.recorded = syncer.recorded
        fh.close()

    def _write(self, fh: PartialFile, syncer: BackgroundSync, batch: list[bytes]) -> bool:
        """Hands ``batch`` to the hasher and writes it, once all but the last :data:`DEPTH`
        batches before it checked out; False when one did not (the file was cut back and
        ``batch`` dropped)."""
        if not self._settle(fh, syncer, unwritten=sum(map(len, batch)), in_flight=DEPTH):
            return False
        self._verifier.submit(batch)  # hashed while it is written and the next one received
        for data in batch:
            fh.write(data)
            self.have += len(data)
        return True

    def _settle(
        self, fh: PartialFile, syncer: BackgroundSync, unwritten: int = 0, in_flight: int = 0
    ) -> bool:
        """Waits until at most ``in_flight`` batches are left to hash; False when a block
        failed (and was cut)."""
        bad = self._verifier.wait(in_flight)
        if bad is None:
            return True
        self._cut(fh, syncer, bad, unwritten)
        return False

    def _cut(self, fh: PartialFile, syncer: BackgroundSync, block: int, unwritten: int = 0) -> None:
        """Cuts the file back to the start of ``block``, which failed its check."""
        start = block * BLOCK_SIZE
        self.rejected += self.have - start + unwritten
        self.bad_blocks[block] = self.bad_blocks.get(block, 0) + 1
        self.cut_block = block
        fh.flush()
        syncer.cut(start)
        os.ftruncate(fh.fileno(), start)
        os.lseek(fh.fileno(), start, os.SEEK_SET)  # for a file not opened to append
        self.have = start

    def commit(self, content: ContentStore) -> None:
        """Moves the complete file into the store and records it, if its bytes are the asset.

        Raises:
            ChecksumError: wrong size or sha256; the file was deleted, the store is unchanged.
        """
        digest = self._verifier.hexdigest()
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
        digests_path(self.path.parent, self.sha256).unlink(missing_ok=True)
        content.record_stored(self.sha256)


def _close_quietly(fh: PartialFile) -> None:
    with contextlib.suppress(OSError):  # the error being raised already says what went wrong
        fh.close()
