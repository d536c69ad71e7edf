"""Never two syncs at once on one PC: the app's worker and ``python -m app sync`` (a scheduled
task, say) take the same lock file in the data directory (``filelock``: ``fcntl`` on Linux,
``msvcrt`` on Windows; the operating system drops it when a process dies, even by SIGKILL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from app.sync.errors import SyncBusyError

LOCK_FILE = "sync.lock"


@contextmanager
def sync_lock(data_dir: Path, wait_s: float = 0.0) -> Iterator[None]:
    """Holds the PC's sync lock.

    Raises:
        SyncBusyError: another sync holds it (after waiting ``wait_s`` seconds).
    """
    lock = FileLock(data_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=wait_s)
    except Timeout:
        raise SyncBusyError("another sync is running on this computer") from None
    try:
        yield
    finally:
        lock.release()
