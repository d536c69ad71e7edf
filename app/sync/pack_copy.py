"""Copying a pack's blobs into the content store: every byte hashed, durable in batches.

:class:`BlobCopier` runs a few worker threads (:data:`WORKERS`), each copying whole files from
the pack into a folder of its own under the store's ``tmp/``: ``readinto`` a preallocated
buffer, hash, write, repeat. ``hashlib`` and the file calls release the GIL, so while one
thread hashes, another reads or writes; on the 2-core PCs we target, three threads keep both
cores and the disk busy. A file must be exactly the size the signed course says, and hash to its
name; anything else never leaves the temporary folder.

The files are written without an fsync each: 2,000 small files fsynced one by one take
seconds. :func:`make_durable` instead puts a batch of verified files in place with one
barrier before and one after the renames (``os.sync()`` on Linux, where it waits for the
disk; elsewhere each file was fsynced by its worker and the folders are fsynced after the
renames). So a blob is under its final name only once its bytes are on the disk, and the rename
is on the disk before the caller records anything in the database.

What stops a copy is told apart (:class:`CopyResult`):

    PackError (MISSING_BLOB, BAD_BLOB, UNSAFE_NAME)   this blob is wrong: its courses fail
    StickGone                                        the pack cannot be read any more
    wire.blobs.DiskFull                              the content store's disk is full
    Stopped                                          :meth:`BlobCopier.stop` was called
    anything else                                    a bug, or the data folder is unusable

A missing file or a short read is the stick's fault when the pack's index can no longer be
seen (:func:`stick_present`), else the blob's; any other read error (``EIO``, ``ENODEV``...)
is taken as the stick gone, since a pulled USB stick often still shows cached names.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import queue
import shutil
import stat
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from wire.blobs import BlobStore, DiskFull, fsync_dir
from wire.pack import INDEX_FILE, PackError, Problem, blob_relpath, pack_path

#: Bytes read, hashed and written at a time (one buffer per worker, allocated once).
CHUNK = 8 * 1024 * 1024
#: Worker threads. On a 2-core PC three beat two (bench/usb_import.py): while two hash, the
#: third waits on the disk (a cold read, a file created).
WORKERS = 3
#: ``os.sync()`` waits for the disk on Linux only (POSIX lets it return early; Windows has none).
SYNC_ALL = sys.platform.startswith("linux")

_OPEN_SOURCE = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO planted in a pack must not hang the open
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
)
_OPEN_TMP = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)


class StickGone(Exception):
    """The pack cannot be read any more (the stick was pulled out, or fails)."""


class Stopped(Exception):
    """The copy was stopped on request."""


@dataclass(frozen=True)
class BlobJob:
    """A blob to copy: its name and the size the signed course gives it."""

    sha256: str
    size: int


@dataclass(frozen=True)
class CopyResult:
    """A finished job: ``tmp`` holds the verified bytes, or ``error`` says why not."""

    job: BlobJob
    tmp: Path | None = None
    error: BaseException | None = None


def stick_present(root: Path) -> bool:
    """Whether the pack's index can still be seen (a pulled stick's folder is gone or empty)."""
    try:
        return stat.S_ISREG(os.stat(root / INDEX_FILE).st_mode)
    except OSError:
        return False


def _source_error(root: Path, exc: OSError, rel: str, sha256: str) -> Exception:
    if exc.errno == errno.ELOOP:
        return PackError(Problem.UNSAFE_NAME, f"{rel} is a symbolic link", path=rel)
    if exc.errno == errno.ENOENT and stick_present(root):
        return PackError(Problem.MISSING_BLOB, f"file {sha256} is not in the pack", path=rel)
    return StickGone(f"cannot read {rel} from the pack: {exc.strerror or exc}")


def copy_blob(
    root: Path,
    job: BlobJob,
    tmp_dir: Path,
    *,
    buf: memoryview,
    stop: threading.Event,
    on_bytes: Callable[[int], None],
    fsync: bool = not SYNC_ALL,
) -> Path:
    """Copies one blob from the pack at ``root`` to ``tmp_dir/<sha256>``, verifying it.

    Args:
        buf: the buffer to copy through (its length is the chunk size).
        stop: set by another thread to stop within a chunk.
        on_bytes: called with the bytes of each chunk copied (from this thread).
        fsync: fsync the file before returning (where :func:`make_durable` cannot sync all).

    Raises:
        PackError, StickGone, DiskFull, Stopped: see the module doc. Nothing is left in
            ``tmp_dir`` when it raises.
    """
    rel = blob_relpath(job.sha256)
    try:
        source = pack_path(root, rel)
        if not stat.S_ISREG(os.lstat(source).st_mode):
            raise PackError(Problem.UNSAFE_NAME, f"{rel} is not a plain file", path=rel)
        fd = os.open(source, _OPEN_SOURCE)
    except PackError as exc:
        if exc.problem is Problem.READ_FAILED:
            raise StickGone(exc.detail) from exc
        raise
    except OSError as exc:
        raise _source_error(root, exc, rel, job.sha256) from exc
    tmp = tmp_dir / job.sha256
    try:
        with io.FileIO(fd, "rb", closefd=True) as src:
            size = os.fstat(fd).st_size
            if size != job.size:
                raise PackError(
                    Problem.BAD_BLOB,
                    f"file {job.sha256} is {size} bytes; the course says {job.size}",
                    path=rel,
                )
            if hasattr(os, "posix_fadvise"):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
            _copy_verified(src, tmp, job, buf, stop, on_bytes, fsync)
    except _StoreError as exc:
        tmp.unlink(missing_ok=True)
        if exc.error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(str(exc.error)) from exc.error
        raise exc.error from None  # the content store, not the stick: a bug or a bad data folder
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _source_error(root, exc, rel, job.sha256) from exc
    except PackError as exc:
        tmp.unlink(missing_ok=True)
        if not stick_present(root):  # cut short because the stick went: not the blob's fault
            raise StickGone(f"the pack went away while {rel} was read") from exc
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


class _StoreError(Exception):
    """An OSError writing to the content store (told apart from reading the pack)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _bad(job: BlobJob, detail: str) -> PackError:
    return PackError(Problem.BAD_BLOB, f"file {job.sha256} {detail}", path=blob_relpath(job.sha256))


def _copy_verified(
    src: io.FileIO,
    tmp: Path,
    job: BlobJob,
    buf: memoryview,
    stop: threading.Event,
    on_bytes: Callable[[int], None],
    fsync: bool,
) -> None:
    try:
        out = os.open(tmp, _OPEN_TMP, 0o644)
    except OSError as exc:
        raise _StoreError(exc) from exc
    digest = hashlib.sha256()
    left = job.size
    try:
        while True:
            if stop.is_set():
                raise Stopped
            n = src.readinto(buf[: min(len(buf), left + 1)])
            if not n:
                break
            if n > left:
                raise _bad(job, f"is longer than the course says ({job.size} bytes)")
            view = buf[:n]
            digest.update(view)
            try:
                while view:
                    view = view[os.write(out, view) :]
            except OSError as exc:
                raise _StoreError(exc) from exc
            left -= n
            on_bytes(n)
        if left:
            raise _bad(job, f"is cut short: {job.size - left} of {job.size} bytes")
        if digest.hexdigest() != job.sha256:
            raise _bad(job, "does not match its sha256 (damaged or altered)")
        if fsync:
            try:
                os.fsync(out)
            except OSError as exc:
                raise _StoreError(exc) from exc
    finally:
        os.close(out)


class BlobCopier:
    """Worker threads copying :class:`BlobJob` s from a pack into ``tmp_dir``.

    :meth:`submit` jobs, collect :meth:`result` s on the calling thread; :meth:`close` stops
    the workers (a copy in progress is dropped within a chunk) and waits for them.
    """

    def __init__(self, root: Path, tmp_dir: Path, *, workers: int = WORKERS) -> None:
        self.root = root
        self.tmp_dir = tmp_dir
        self._jobs: queue.SimpleQueue[BlobJob | None] = queue.SimpleQueue()
        self._results: queue.SimpleQueue[CopyResult] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._progress = [0] * workers
        self._threads = [
            threading.Thread(target=self._work, args=(slot,), name=f"pack-copy-{slot}")
            for slot in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: BlobJob) -> None:
        self._jobs.put(job)

    def result(self, timeout: float) -> CopyResult | None:
        try:
            return self._results.get(timeout=timeout)
        except queue.Empty:
            return None

    def in_progress(self) -> int:
        """Bytes copied so far of the files being copied now."""
        return sum(self._progress)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> list[CopyResult]:
        """Stops the workers, waits for them, and returns the results not yet collected."""
        self._stop.set()
        for _ in self._threads:
            self._jobs.put(None)
        for thread in self._threads:
            thread.join()
        left: list[CopyResult] = []
        while (result := self.result(0)) is not None:
            left.append(result)
        return left

    def _work(self, slot: int) -> None:
        buf = memoryview(bytearray(CHUNK))
        while (job := self._jobs.get()) is not None:
            if self._stop.is_set():
                self._results.put(CopyResult(job, error=Stopped()))
                continue
            self._progress[slot] = 0

            def on_bytes(n: int, slot: int = slot) -> None:
                self._progress[slot] += n

            try:
                tmp = copy_blob(
                    self.root, job, self.tmp_dir, buf=buf, stop=self._stop, on_bytes=on_bytes
                )
            except BaseException as exc:  # handed to the calling thread, which decides
                self._results.put(CopyResult(job, error=exc))
            else:
                self._results.put(CopyResult(job, tmp=tmp))
            finally:
                self._progress[slot] = 0


def make_durable(store: BlobStore, verified: list[tuple[Path, BlobJob]]) -> None:
    """Puts verified temporary files in place under their hash, durably.

    One barrier so the bytes are on the disk before any final name exists, the renames, and a
    second barrier so the names are on the disk before the caller commits the database. A blob
    already in place (another import, a download) is kept and the copy dropped.
    """
    if not verified:
        return
    if SYNC_ALL:
        os.sync()
    folders: set[Path] = set()
    for tmp, job in verified:
        final = store.path(job.sha256)
        if final.parent not in folders:
            final.parent.mkdir(parents=True, exist_ok=True)
            folders.add(final.parent)
        try:
            in_place = os.stat(final).st_size == job.size
        except FileNotFoundError:
            in_place = False
        if in_place:
            tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, final)
    if SYNC_ALL:
        os.sync()
    else:
        for folder in (*folders, store.root):
            fsync_dir(folder)


def _stale(lock_path: Path) -> bool:
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    lock.release()
    return True


@contextmanager
def run_folder(store: BlobStore) -> Iterator[Path]:
    """A temporary folder of this import's own under the store's ``tmp/``.

    Held with a lock file, so the folders that crashed imports left behind (their lock is free)
    are removed here, and a concurrent import's folder is not.
    """
    store.ensure()
    for lock_path in store.tmp.glob("import-*.lock"):
        if _stale(lock_path):
            shutil.rmtree(lock_path.with_suffix(""), ignore_errors=True)
            lock_path.unlink(missing_ok=True)
    name = f"import-{uuid.uuid4().hex}"
    lock = FileLock(store.tmp / f"{name}.lock")
    lock.acquire(timeout=0)
    folder = store.tmp / name
    try:
        folder.mkdir()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        lock.release()
        with contextlib.suppress(OSError):
            (store.tmp / f"{name}.lock").unlink()
