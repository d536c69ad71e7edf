"""The running sha256 of a download, checking each block against its digest as it completes.

:class:`BlockVerifier` hashes an asset's bytes in order. With the asset's block digests
(:mod:`wire.blocks`), it compares the running hash with the digest at the end of every block;
a block that does not match is forgotten (the hash goes back to its copy from the block's start)
and reported, so the caller can cut it off and ask for it again.

Hashing is the largest cost of a download on a fast link (sha256 ~2 GB/s here, about as much
as receiving and writing together), so a download hashes in a thread of its own
(:meth:`submit`, :meth:`wait`): ``hashlib`` releases the GIL, and batches are hashed while the
next ones are received and written. The caller decides how far writing may run ahead of the
checks (``wait(in_flight)``); whatever was written past a bad block is cut off with it.
"""

from __future__ import annotations

import collections
import hashlib
import threading

from wire import blocks
from wire.blocks import BLOCK_SIZE


class BlockVerifier:
    """The hash of an asset's first :attr:`position` bytes, all of them checked.

    Args:
        size: the asset's size.
        digests: its block digests (already known to be its own), or None to only hash.
    """

    def __init__(self, size: int, digests: list[bytes] | None) -> None:
        self.size = size
        self.digests = digests
        self.position = 0
        self._hasher = hashlib.sha256()
        self._block_hasher = hashlib.sha256()  # the hash at the start of the current block
        self._cond = threading.Condition()
        self._jobs: collections.deque[list[bytes]] = collections.deque()
        self._result: int | None = None
        self._busy = 0
        self._thread: threading.Thread | None = None
        self._closing = False

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()

    def restart(self) -> None:
        """Back to the first byte."""
        self.position = 0
        self._hasher = hashlib.sha256()
        self._block_hasher = hashlib.sha256()

    def update(self, data: bytes | memoryview) -> int | None:
        """Hashes the bytes that follow :attr:`position`.

        Returns:
            None, or the index of a block that did not match its digest: :attr:`position` is
            then that block's start, and the rest of ``data`` was not hashed.
        """
        if self.digests is None:
            self._hasher.update(data)
            self.position += len(data)
            return None
        view = memoryview(data)
        offset = 0
        while offset < len(view):
            index = self.position // BLOCK_SIZE
            end = blocks.block_end(index, self.size)
            piece = view[offset : offset + end - self.position]
            self._hasher.update(piece)
            self.position += len(piece)
            offset += len(piece)
            if self.position == end:
                if self._hasher.copy().digest() != self.digests[index]:
                    self.position = index * BLOCK_SIZE
                    self._hasher = self._block_hasher.copy()
                    return index
                self._block_hasher = self._hasher.copy()
        return None

    def submit(self, chunks: list[bytes]) -> None:
        """Queues ``chunks`` to be hashed in the background, after those queued before."""
        with self._cond:
            if self._thread is None:
                self._closing = False
                self._thread = threading.Thread(target=self._run, name="verify", daemon=True)
                self._thread.start()
            if self._result is None:  # after a bad block, what follows it is not hashed
                self._jobs.append(chunks)
                self._cond.notify_all()

    def wait(self, in_flight: int = 0) -> int | None:
        """Waits until at most ``in_flight`` submitted batches are left to hash; returns the
        block that failed in any of those hashed (once), or None."""
        with self._cond:
            while len(self._jobs) + self._busy > in_flight and self._result is None:
                self._cond.wait()
            result, self._result = self._result, None
            if result is not None:
                while self._busy:
                    self._cond.wait()
                self._jobs.clear()
            return result

    def close(self) -> None:
        """Waits for the chunk being hashed (its result is dropped) and ends the thread."""
        with self._cond:
            thread, self._thread = self._thread, None
            self._closing = True
            self._jobs.clear()
            self._cond.notify_all()
        if thread is not None:
            thread.join()
        self._result = None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs and not self._closing:
                    self._cond.wait()
                if not self._jobs:
                    return
                job = self._jobs.popleft()
                self._busy = 1
            result = None
            for data in job:
                result = self.update(data)
                if result is not None:
                    break
            with self._cond:
                self._busy = 0
                if result is not None:
                    self._result = result
                    self._jobs.clear()
                self._cond.notify_all()
