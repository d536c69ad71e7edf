"""The content-addressed blob store: a blob is visible only once verified, and stored once."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

import pytest

from wire.blobs import CHUNK, BlobMismatch, BlobStore, DiskFull, sha256_file

DATA = b"%PDF-1.4\n" + bytes(range(256)) * 64
DATA_SHA = hashlib.sha256(DATA).hexdigest()
OTHER_SHA = hashlib.sha256(b"something else").hexdigest()


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    blobs = BlobStore(tmp_path / "content")
    blobs.ensure()
    return blobs


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "incoming.pdf"
    path.write_bytes(DATA)
    return path


def visible(store: BlobStore) -> list[Path]:
    """Every file a reader of the store could find, leftovers in ``tmp/`` aside."""
    return sorted(p for p in store.root.rglob("*") if p.is_file() and store.tmp not in p.parents)


def leftovers(store: BlobStore) -> list[Path]:
    return sorted(store.tmp.iterdir()) if store.tmp.exists() else []


def test_a_file_is_stored_under_its_sha256(store: BlobStore, source: Path) -> None:
    assert store.add_file(source) == DATA_SHA
    path = store.root / DATA_SHA[:2] / DATA_SHA
    assert store.path(DATA_SHA) == path
    assert path.read_bytes() == DATA
    assert store.has(DATA_SHA)
    assert store.size(DATA_SHA) == len(DATA)
    assert visible(store) == [path]
    assert leftovers(store) == []
    assert source.read_bytes() == DATA  # the source is copied, not moved


def test_the_expected_hash_is_checked(store: BlobStore, source: Path) -> None:
    assert store.add_file(source, DATA_SHA) == DATA_SHA
    assert sha256_file(store.path(DATA_SHA)) == DATA_SHA


def test_the_same_content_is_stored_once(store: BlobStore, source: Path, tmp_path: Path) -> None:
    copy = tmp_path / "same-again.pdf"
    copy.write_bytes(DATA)
    first = store.add_file(source)
    second = store.add_file(copy, DATA_SHA)
    assert first == second == DATA_SHA
    assert visible(store) == [store.path(DATA_SHA)]
    assert leftovers(store) == []


def test_a_mismatching_file_is_stored_under_no_name(store: BlobStore, source: Path) -> None:
    with pytest.raises(BlobMismatch) as raised:
        store.add_file(source, OTHER_SHA)
    assert OTHER_SHA in str(raised.value) and DATA_SHA in str(raised.value)
    assert not store.has(OTHER_SHA)
    assert not store.has(DATA_SHA)
    assert visible(store) == []
    assert leftovers(store) == []


def test_a_writer_commits_when_its_block_ends(store: BlobStore) -> None:
    with store.writer(DATA_SHA) as out:
        for start in range(0, len(DATA), 1000):
            out.write(DATA[start : start + 1000])
        assert not store.has(DATA_SHA)  # not visible while being written
        assert len(leftovers(store)) == 1
    assert out.size == len(DATA)
    assert out.hexdigest() == DATA_SHA
    assert store.path(DATA_SHA).read_bytes() == DATA
    assert leftovers(store) == []


def test_a_writer_whose_block_raises_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(ConnectionResetError), store.writer(DATA_SHA) as out:
        out.write(DATA[:100])
        raise ConnectionResetError("the county server went away")
    assert visible(store) == []
    assert leftovers(store) == []


def test_a_writer_with_the_wrong_bytes_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(BlobMismatch), store.writer(DATA_SHA) as out:
        out.write(DATA[:-1])  # the last byte never came
    assert visible(store) == []
    assert leftovers(store) == []


def test_discard_and_leftovers_of_a_crash(store: BlobStore, source: Path) -> None:
    store.add_file(source)
    (store.tmp / "0123.part").write_bytes(b"half a download")
    store.clear_tmp()
    assert leftovers(store) == []
    assert store.has(DATA_SHA)  # clearing tmp/ never touches stored blobs

    store.discard(DATA_SHA)
    assert not store.has(DATA_SHA)
    assert store.size(DATA_SHA) is None
    store.discard(DATA_SHA)  # discarding twice is fine


# --- disk full -------------------------------------------------------------------------------


def test_a_really_full_disk_raises_disk_full_and_leaves_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    store = BlobStore(small_disk / "content")
    store.ensure()
    big = tmp_path / "lesson.mp4"
    big.write_bytes(os.urandom(2 * 1024 * 1024))  # twice the disk

    with pytest.raises(DiskFull):
        store.add_file(big, sha256_file(big))

    assert visible(store) == []
    assert leftovers(store) == []
    # The space was given back: a file that fits still goes in.
    small = tmp_path / "notes.pdf"
    small.write_bytes(DATA)
    assert store.add_file(small, DATA_SHA) == DATA_SHA


def test_a_really_full_disk_stops_a_writer_too(small_disk: Path) -> None:
    store = BlobStore(small_disk / "content")
    with pytest.raises(DiskFull), store.writer() as out:
        for _ in range(4):
            out.write(os.urandom(CHUNK // 2))
    assert visible(store) == []
    assert leftovers(store) == []


class _FillingFile:
    """A file that runs out of room after ``room`` bytes, the way a full disk does."""

    def __init__(self, fh: Any, room: int, code: int) -> None:
        self._fh = fh
        self._room = room
        self._code = code

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._fh.write(data[: self._room])
            self._room = 0
            raise OSError(self._code, os.strerror(self._code))
        self._room -= len(data)
        return int(self._fh.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _FillingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


def _fill_after(monkeypatch: pytest.MonkeyPatch, room: int, code: int = errno.ENOSPC) -> None:
    """Makes every blob being written run out of room after ``room`` bytes."""
    real_open = Path.open

    def open_(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        fh = real_open(self, mode, *args, **kwargs)
        if self.suffix == ".part" and "w" in mode:
            return _FillingFile(fh, room, code)
        return fh

    monkeypatch.setattr(Path, "open", open_)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_disk_full_on_write_raises_disk_full_and_leaves_nothing(
    store: BlobStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int
) -> None:
    big = tmp_path / "lesson.mp4"
    big.write_bytes(os.urandom(3 * CHUNK))
    digest = sha256_file(big)
    _fill_after(monkeypatch, room=CHUNK + CHUNK // 2, code=code)

    with pytest.raises(DiskFull):
        store.add_file(big, digest)

    assert visible(store) == []
    assert leftovers(store) == []


def test_disk_full_on_fsync_raises_disk_full_and_leaves_nothing(
    store: BlobStore, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Some filesystems only find out at fsync that the blocks they promised are not there.
    def no_room(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(DiskFull):
        store.add_file(source, DATA_SHA)
    monkeypatch.undo()
    assert visible(store) == []
    assert leftovers(store) == []


def test_other_io_errors_are_not_disk_full(
    store: BlobStore, source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill_after(monkeypatch, room=10, code=errno.EIO)
    with pytest.raises(OSError) as raised:
        store.add_file(source, DATA_SHA)
    assert not isinstance(raised.value, DiskFull)
    assert raised.value.errno == errno.EIO
    monkeypatch.undo()
    assert visible(store) == []
    assert leftovers(store) == []
