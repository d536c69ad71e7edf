"""download_asset: resuming, restarting, and never letting bad or partial bytes into the store."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.storage import catalog
from app.storage.catalog import MissingAsset
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.errors import DiskFullError
from app.sync.catalog_sync import refresh_catalog
from app.sync.downloads import download_asset
from app.sync.errors import ChecksumError, DownloadError, OfflineError
from app.sync.partial import PartialFile, checkpoint_path, open_partial, write_checkpoint
from app.sync.transport import FakeRequest, FakeResponse

Clock = Callable[[], datetime]
Snapshot = Callable[[Database], dict[str, list[tuple[Any, ...]]]]
BlobFiles = Callable[[ContentStore], list[Path]]
CHUNK = 1000
DATA = os.urandom(5500)
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def asset(db: Database, server: Any, clock: Clock) -> MissingAsset:
    """DATA, published by the fake server and known to the local catalog, not downloaded."""
    server.publish("c1", {"intro": DATA})
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    with db.read_session() as session:
        (missing,) = catalog.missing_assets(session, "c1")
    return missing


def is_stored(db: Database, sha: str) -> bool:
    with db.read_session() as session:
        return sha not in {a.sha256 for a in catalog.missing_assets(session, "c1")}


def part_file(partial_dir: Path) -> Path:
    return partial_dir / f"{SHA}.part"


def leave_partial(partial_dir: Path, data: bytes, on_disk: int | None = None) -> None:
    """A partial file as an earlier attempt leaves it: ``on_disk`` bytes checkpointed."""
    partial_dir.mkdir(parents=True, exist_ok=True)
    part_file(partial_dir).write_bytes(data)
    write_checkpoint(part_file(partial_dir), len(data) if on_disk is None else on_disk)


def answer_asset_requests(server: Any, answer: Callable[[FakeRequest], FakeResponse]) -> None:
    server.override = lambda r: answer(r) if r.path.startswith("/api/v1/assets/") else None


class FullDisk:
    """A partial file on a disk with ``room`` bytes free: writes past it fail with ENOSPC."""

    def __init__(self, path: Path, append: bool, room: int) -> None:
        self._fh = open_partial(path, append)
        self.room = room

    def write(self, data: bytes, /) -> int:
        if len(data) > self.room:
            self._fh.write(data[: self.room])  # a short write, then the error
            self._fh.flush()
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self._fh.write(data)

    def flush(self) -> None:
        self._fh.flush()

    def fileno(self) -> int:
        return self._fh.fileno()

    def close(self) -> None:
        self._fh.close()


def full_disk(room: int) -> Callable[[Path, bool], PartialFile]:
    return lambda path, append: FullDisk(path, append, room)


def test_a_download_lands_verified_in_the_store(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    progress: list[tuple[int, int]] = []
    result = download_asset(
        server.client,
        content,
        partial_dir,
        asset,
        chunk=CHUNK,
        on_progress=lambda have, size: progress.append((have, size)),
    )
    assert (result.stored, result.fetched, result.resumed_from) == (True, len(DATA), 0)
    assert content.blobs.path(SHA).read_bytes() == DATA
    assert is_stored(db, SHA)
    assert list(partial_dir.iterdir()) == []
    assert progress[0] == (0, 5500)
    assert progress[-1] == (5500, 5500)
    assert [have for have, _ in progress] == sorted(have for have, _ in progress)


def test_resume_asks_for_the_rest_with_range_and_if_range(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, DATA[:2000])
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    (request,) = server.asset_requests()
    assert request.headers["Range"] == "bytes=2000-"
    assert request.headers["If-Range"] == f'"{SHA}"'
    assert (result.stored, result.fetched, result.resumed_from) == (True, 3500, 2000)
    assert content.blobs.path(SHA).read_bytes() == DATA


def test_a_stopped_download_keeps_its_bytes_and_resumes(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    first = download_asset(
        server.client, content, partial_dir, asset, chunk=CHUNK, should_stop=lambda: True
    )
    assert (first.stored, first.fetched) == (False, CHUNK)
    assert part_file(partial_dir).read_bytes() == DATA[:CHUNK]
    assert not content.blobs.has(SHA)
    assert not is_stored(db, SHA)

    second = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (second.stored, second.fetched, second.resumed_from) == (True, 4500, CHUNK)
    assert server.asset_requests()[-1].headers["Range"] == f"bytes={CHUNK}-"
    assert content.blobs.path(SHA).read_bytes() == DATA


def test_a_server_answering_200_to_a_range_restarts_from_zero(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, b"stale bytes from an older file")
    server.ignore_range = True
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert server.asset_requests()[0].headers["Range"] == "bytes=30-"
    assert (result.stored, result.fetched, result.resumed_from) == (True, len(DATA), 0)
    assert content.blobs.path(SHA).read_bytes() == DATA


def test_a_restart_from_zero_does_not_trust_the_old_checkpoint(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, b"x" * 3000)  # checkpointed, but of other bytes
    server.ignore_range = True
    stopped = download_asset(
        server.client, content, partial_dir, asset, chunk=CHUNK, should_stop=lambda: True
    )
    assert (stopped.stored, stopped.resumed_from) == (False, 0)
    assert part_file(partial_dir).read_bytes() == DATA[:CHUNK]
    assert checkpoint_path(part_file(partial_dir)).read_text() == str(CHUNK)


def test_a_range_not_satisfiable_restarts_from_zero(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, DATA[:100])
    answer_asset_requests(
        server, lambda r: FakeResponse(416) if "Range" in r.headers else server.asset(r)
    )
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert result.stored
    assert [("Range" in r.headers) for r in server.asset_requests()] == [True, False]


def test_corrupted_bytes_never_enter_the_store(
    db: Database,
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    blob_files: BlobFiles,
) -> None:
    corrupt = bytearray(DATA)
    corrupt[4000] ^= 0xFF
    answer_asset_requests(server, lambda r: FakeResponse(content=bytes(corrupt)))
    with pytest.raises(ChecksumError, match="discarded"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert not content.blobs.has(SHA)
    assert blob_files(content) == []
    assert not part_file(partial_dir).exists()
    assert not is_stored(db, SHA)


def test_a_corrupt_partial_file_is_discarded_then_downloaded_cleanly(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, b"\0" * 3000)  # e.g. bytes of some other file
    with pytest.raises(ChecksumError):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert not part_file(partial_dir).exists()
    assert download_asset(server.client, content, partial_dir, asset, chunk=CHUNK).stored
    assert content.blobs.path(SHA).read_bytes() == DATA


def test_more_bytes_than_the_catalog_says_is_a_checksum_error(
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    blob_files: BlobFiles,
) -> None:
    answer_asset_requests(server, lambda r: FakeResponse(content=DATA + b"trailing"))
    with pytest.raises(ChecksumError, match="more than 5500 bytes"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert blob_files(content) == []
    assert not part_file(partial_dir).exists()


def test_a_server_announcing_another_size_is_refused_before_reading(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    body = FakeResponse(headers={"Content-Length": "9"}, content=b"123456789")
    answer_asset_requests(server, lambda r: body)
    with pytest.raises(ChecksumError, match="the server has 9 bytes"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert body.closed


def test_a_full_disk_keeps_the_valid_partial_and_leaves_the_database_alone(
    db: Database,
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    snapshot: Snapshot,
    blob_files: BlobFiles,
) -> None:
    before = snapshot(db)
    with pytest.raises(DiskFullError):
        download_asset(
            server.client, content, partial_dir, asset, chunk=CHUNK, opener=full_disk(2500)
        )
    assert snapshot(db) == before
    assert blob_files(content) == []
    # Two whole chunks, then half of the third before the disk filled: all valid bytes.
    assert part_file(partial_dir).read_bytes() == DATA[:2500]
    assert checkpoint_path(part_file(partial_dir)).read_text() == "2000"

    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.resumed_from, result.fetched) == (True, 2000, 3500)
    assert content.blobs.path(SHA).read_bytes() == DATA


def test_a_disk_full_while_moving_into_the_store_keeps_the_complete_partial(
    db: Database,
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    snapshot: Snapshot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_space(*args: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    before = snapshot(db)
    monkeypatch.setattr(content.blobs, "commit", no_space)
    with pytest.raises(DiskFullError):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert snapshot(db) == before
    assert part_file(partial_dir).read_bytes() == DATA

    monkeypatch.undo()
    server.transport.requests.clear()
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.fetched, result.resumed_from) == (True, 0, len(DATA))
    assert server.asset_requests() == []


def test_bytes_past_the_checkpoint_are_not_trusted_after_a_power_cut(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    # Checkpointed at 2000 bytes; the filesystem then showed zeros where the tail never landed.
    leave_partial(partial_dir, DATA[:2000] + b"\0" * 1500, on_disk=2000)
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.resumed_from, result.fetched) == (True, 2000, 3500)
    assert server.asset_requests()[0].headers["Range"] == "bytes=2000-"
    assert content.blobs.path(SHA).read_bytes() == DATA
    assert list(partial_dir.iterdir()) == []


def test_a_partial_without_a_checkpoint_is_not_trusted(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    partial_dir.mkdir(parents=True)
    part_file(partial_dir).write_bytes(b"\0" * 2000)  # the power went before the first fsync
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.resumed_from) == (True, 0)
    assert "Range" not in server.asset_requests()[0].headers


def test_the_partial_is_checkpointed_every_few_chunks(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    checkpoints: list[str] = []

    def stop_and_look() -> bool:
        checkpoint = checkpoint_path(part_file(partial_dir))
        checkpoints.append(checkpoint.read_text() if checkpoint.exists() else "")
        return len(checkpoints) == 3

    download_asset(
        server.client,
        content,
        partial_dir,
        asset,
        chunk=CHUNK,
        sync_every=2 * CHUNK,
        should_stop=stop_and_look,
    )
    # After each chunk: none before the first fsync, then one every second chunk...
    assert checkpoints == ["", "2000", "2000"]
    # ...and one for everything when the download stops.
    assert checkpoint_path(part_file(partial_dir)).read_text() == "3000"


def test_a_connection_dropped_midway_keeps_the_bytes_received(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    dropped: list[bytes | Exception] = [DATA[:1000], DATA[1000:2000], OfflineError("reset")]
    answer_asset_requests(server, lambda r: FakeResponse(chunks=dropped))
    with pytest.raises(OfflineError):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert part_file(partial_dir).read_bytes() == DATA[:2000]
    assert checkpoint_path(part_file(partial_dir)).read_text() == "2000"


def test_a_body_that_ends_early_is_a_download_error_and_resumes(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    answer_asset_requests(server, lambda r: FakeResponse(content=DATA[:4000]))
    with pytest.raises(DownloadError, match="4000 of 5500"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    server.override = None
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.resumed_from, result.fetched) == (True, 4000, 1500)


def test_a_complete_partial_left_by_a_crash_is_committed_without_the_network(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, DATA)
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.fetched) == (True, 0)
    assert server.asset_requests() == []
    assert is_stored(db, SHA)


def test_an_asset_already_in_the_store_is_only_recorded(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    with content.blobs.writer(SHA) as out:
        out.write(DATA)
    result = download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert (result.stored, result.fetched) == (True, 0)
    assert server.asset_requests() == []
    assert is_stored(db, SHA)
