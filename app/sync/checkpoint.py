"""How much of a partial download is on disk: the ``.part.ok`` checkpoint and the thread that
fsyncs behind the download.

``<sha256>.part.ok`` holds a length: the first that many bytes of ``<sha256>.part`` reached the
disk (they were fsynced before the number was written). It may understate, never overstate; a
file cut back below it gets its checkpoint lowered first.

:class:`BackgroundSync` keeps the fsyncs off the receiving thread: the download writes into the
page cache and, every few MB, asks for the length written so far to be made durable; a thread
fsyncs the file (``os.fsync`` releases the GIL, so receiving goes on meanwhile) and then records
that length. At the end only the last few MB are left to flush.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

from wire.blobs import fsync_dir


def checkpoint_path(partial: Path) -> Path:
    """Where the length of ``partial`` known to be on disk is recorded."""
    return partial.with_name(partial.name + ".ok")


def write_checkpoint(partial: Path, length: int, *, sync_dir: bool = True) -> None:
    """Records (durably, atomically) that the first ``length`` bytes of ``partial`` are on disk.

    Args:
        partial: the partial file.
        length: bytes of it that were fsynced.
        sync_dir: also fsync the folder, making the names of the file and its checkpoint
            durable. Needed once: later, a replacement that a power cut undoes leaves the
            previous checkpoint, which only understates.
    """
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
    if sync_dir:
        fsync_dir(final.parent)  # also makes the .part file's own name durable


def read_checkpoint(partial: Path) -> int:
    """The recorded length; 0 when there is none (nothing is vouched for)."""
    try:
        return int(checkpoint_path(partial).read_text(encoding="ascii"))
    except (FileNotFoundError, ValueError):
        return 0


class BackgroundSync:
    """fsyncs one open file in a thread of its own, then writes its checkpoint.

    Args:
        fd: the file, open for writing; it must stay open until :meth:`finish` or
            :meth:`close` has returned.
        path: its name (for the checkpoint).
        recorded: the length its checkpoint holds now.
        fsync: ``os.fsync``; tests pass one they can hold up.

    Errors of the thread (a failing fsync) are raised by the next :meth:`request` or
    :meth:`finish`.
    """

    def __init__(
        self,
        fd: int,
        path: Path,
        recorded: int,
        *,
        fsync: Callable[[int], None] = os.fsync,
    ) -> None:
        self._fd = fd
        self._path = path
        self._fsync = fsync
        self._cond = threading.Condition()
        self._step = threading.Lock()  # held for one fsync + checkpoint, and by cut()
        self._wanted = recorded
        self.recorded = recorded
        self._error: BaseException | None = None
        self._closing = False
        self._first = True  # the first checkpoint also makes the names durable
        self._thread = threading.Thread(target=self._run, name="partial-fsync", daemon=True)
        self._thread.start()

    def request(self, length: int) -> None:
        """Asks for the first ``length`` bytes (written to the OS already) to be made durable."""
        with self._cond:
            if self._error is not None:
                raise self._error
            if length > self._wanted:
                self._wanted = length
                self._cond.notify_all()

    def cut(self, length: int) -> None:
        """Before the file is cut back to ``length`` bytes: the checkpoint never claims more."""
        with self._step, self._cond:
            self._wanted = min(self._wanted, length)
            if self.recorded > length:
                write_checkpoint(self._path, length)
                self.recorded = length

    def finish(self, length: int) -> None:
        """Makes the first ``length`` bytes durable and recorded, then ends the thread."""
        self.request(length)
        with self._cond:
            while self.recorded < length and self._error is None and self._thread.is_alive():
                self._cond.wait()
        self.close()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Ends the thread once its current fsync is done (what was asked for may be left)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closing and self._wanted <= self.recorded:
                    self._cond.wait()
                if self._closing:
                    return
            with self._step:
                with self._cond:
                    target = self._wanted
                if target <= self.recorded:
                    continue  # cut() lowered it meanwhile
                try:
                    self._fsync(self._fd)
                    write_checkpoint(self._path, target, sync_dir=self._first)
                    self._first = False
                except BaseException as exc:
                    with self._cond:
                        self._error = exc
                        self._cond.notify_all()
                    return
                with self._cond:
                    self.recorded = target
                    self._cond.notify_all()
