"""BackgroundSync: fsyncs overlap the download, and the checkpoint never overstates."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.sync.checkpoint import BackgroundSync, checkpoint_path, read_checkpoint


class HeldFsync:
    """An fsync that waits for the test to let it finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, fd: int) -> None:
        self.calls += 1
        self.started.set()
        assert self.release.wait(10)
        os.fsync(fd)


@pytest.fixture
def part(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    path = tmp_path / "a.part"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    yield path, fd
    os.close(fd)


def test_writing_goes_on_while_the_fsync_runs(part: tuple[Path, int]) -> None:
    path, fd = part
    fsync = HeldFsync()
    sync = BackgroundSync(fd, path, 0, fsync=fsync)
    os.write(fd, b"a" * 1000)
    sync.request(1000)
    assert fsync.started.wait(10)
    os.write(fd, b"b" * 500)  # the fsync of the first 1000 bytes is still running
    sync.request(1500)
    assert read_checkpoint(path) == 0  # nothing vouched for before the fsync returns
    fsync.release.set()
    sync.finish(1500)
    assert read_checkpoint(path) == 1500
    assert fsync.calls <= 2  # requests made while it ran were merged into one more fsync


def test_a_cut_lowers_the_checkpoint_before_the_file_shrinks(part: tuple[Path, int]) -> None:
    path, fd = part
    sync = BackgroundSync(fd, path, 0)
    os.write(fd, b"a" * 3000)
    sync.request(3000)
    sync.cut(1000)  # waits for an fsync in progress, then never vouches past 1000
    assert read_checkpoint(path) <= 1000
    os.ftruncate(fd, 1000)
    sync.finish(1000)
    assert read_checkpoint(path) == 1000


def test_a_failing_fsync_is_raised_by_the_download(part: tuple[Path, int]) -> None:
    path, fd = part

    def broken(fd: int) -> None:
        raise OSError(errno.EIO, "I/O error")

    sync = BackgroundSync(fd, path, 0, fsync=broken)
    os.write(fd, b"a" * 10)
    with pytest.raises(OSError, match="I/O error"):
        sync.finish(10)
    assert not checkpoint_path(path).exists()


def test_close_leaves_at_once_when_nothing_is_asked(part: tuple[Path, int]) -> None:
    path, fd = part
    sync = BackgroundSync(fd, path, 0)
    sync.close()
    assert not checkpoint_path(path).exists()
