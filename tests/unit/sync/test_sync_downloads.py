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
from app.sync.errors import (
    BadResponseError,
    ChecksumError,
    DownloadError,
    LowDiskSpaceError,
    OfflineError,
)
from app.sync.partial import PartialFile, checkpoint_path, open_partial, write_checkpoint
from app.sync.throttle import RateLimiter
from app.sync.transport import FakeRequest, FakeResponse
from wire import blocks
from wire.blocks import BLOCK_SIZE

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
    checkpoints: list[int] = []
    written: list[int] = []

    def stop_and_look() -> bool:
        checkpoint = checkpoint_path(part_file(partial_dir))
        written.append(part_file(partial_dir).stat().st_size)
        checkpoints.append(int(checkpoint.read_text()) if checkpoint.exists() else 0)
        return len(checkpoints) == 4

    download_asset(
        server.client,
        content,
        partial_dir,
        asset,
        chunk=CHUNK,
        sync_every=2 * CHUNK,
        should_stop=stop_and_look,
    )
    # fsyncs run in the background, every second chunk: a checkpoint trails the bytes written,
    # only ever vouches for a length asked to be synced, and never for more than is there...
    assert set(checkpoints) <= {0, 2000, 4000}
    assert checkpoints == sorted(checkpoints)
    assert all(c <= w for c, w in zip(checkpoints, written, strict=True))
    # ...and one for everything when the download stops.
    assert checkpoint_path(part_file(partial_dir)).read_text() == "4000"


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


# Block digests: assets of more than four blocks are checked block by block as they arrive.

BIG = os.urandom(6 * BLOCK_SIZE + 12345)  # seven blocks, the last one short
BIG_SHA = hashlib.sha256(BIG).hexdigest()
BIG_DIGESTS = blocks.digests_of(BIG)


@pytest.fixture
def big(db: Database, server: Any, clock: Clock) -> MissingAsset:
    """BIG, published by the fake server and known to the local catalog, not downloaded."""
    server.publish("c1", {"intro": BIG})
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    with db.read_session() as session:
        (missing,) = catalog.missing_assets(session, "c1")
    return missing


def big_part(partial_dir: Path) -> Path:
    return partial_dir / f"{BIG_SHA}.part"


def flipped(data: bytes, *offsets: int) -> bytes:
    damaged = bytearray(data)
    for offset in offsets:
        damaged[offset] ^= 0xFF
    return bytes(damaged)


class BlockServer:
    """Bends the fake server: it also answers ``/blocks`` (``digests``: the real ones by
    default, or raw bytes), and damages the asset's bytes at ``corrupt`` offsets in the next
    ``times`` bodies that hold them."""

    def __init__(self, server: Any, digests: bytes | None = None) -> None:
        self.server = server
        self.digests = digests
        self.corrupt: list[int] = []
        self.times = 0
        server.override = self.answer

    def answer(self, request: FakeRequest) -> FakeResponse | None:
        if request.path.endswith("/blocks"):
            data = self.server.blobs.get(request.path.split("/")[-2])
            if data is None:
                return FakeResponse(404, json={"detail": "no such asset"})
            body = blocks.encode(blocks.digests_of(data)) if self.digests is None else self.digests
            return FakeResponse(headers={"Content-Type": blocks.MEDIA_TYPE}, content=body)
        if not request.path.startswith("/api/v1/assets/"):
            return None
        answer = self.server.asset(request)
        start = 0
        if answer.status_code == 206:
            start = int(answer.headers["Content-Range"].split()[1].split("-")[0])
        hits = [o - start for o in self.corrupt if start <= o < start + len(answer._content)]
        if hits and self.times > 0:
            self.times -= 1
            answer._content = flipped(answer._content, *hits)
        return answer

    def ranges(self) -> list[str | None]:
        return [r.headers.get("Range") for r in self.server.asset_requests()]


def test_a_bad_block_is_cut_off_and_fetched_again_alone(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    bent = BlockServer(server)
    bent.corrupt, bent.times = [3 * BLOCK_SIZE + 100], 1
    result = download_asset(server.client, content, partial_dir, big)
    assert result.stored
    assert content.blobs.path(BIG_SHA).read_bytes() == BIG
    # The digests, the whole asset, then the rest from the bad block's start.
    assert [r.path.endswith("/blocks") for r in server.asset_requests()] == [True, False, False]
    assert bent.ranges()[1:] == [None, f"bytes={3 * BLOCK_SIZE}-"]
    # Thrown away: the bad block, and what was received while it was being checked (the
    # download writes one batch of a block ahead of the checks, and holds the next).
    assert 0 < result.rejected <= 3 * BLOCK_SIZE
    assert result.fetched == len(BIG) + result.rejected
    assert list(partial_dir.iterdir()) == []  # digests and checkpoint gone with the partial


def test_a_block_that_keeps_arriving_bad_fails_keeping_the_good_bytes_before_it(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    bent = BlockServer(server)
    bent.corrupt, bent.times = [2 * BLOCK_SIZE + 5], 1000
    with pytest.raises(ChecksumError, match="block 2 "):
        download_asset(server.client, content, partial_dir, big)
    assert bent.ranges()[1:] == [None] + [f"bytes={2 * BLOCK_SIZE}-"] * 2
    assert big_part(partial_dir).read_bytes() == BIG[: 2 * BLOCK_SIZE]
    assert not content.blobs.has(BIG_SHA)
    assert not is_stored(db, BIG_SHA)

    bent.times = 0  # the link is clean again: the next attempt resumes at the bad block
    result = download_asset(server.client, content, partial_dir, big)
    assert (result.stored, result.resumed_from) == (True, 2 * BLOCK_SIZE)


@pytest.mark.parametrize(
    "digests",
    [
        pytest.param(blocks.encode(BIG_DIGESTS[:-1]), id="one digest short"),
        pytest.param(blocks.encode(BIG_DIGESTS + BIG_DIGESTS[:1]), id="one digest more"),
        pytest.param(blocks.encode(blocks.digests_of(BIG[::-1])), id="another asset's"),
        pytest.param(b"\0" * 33, id="not whole digests"),
    ],
)
def test_block_digests_that_are_not_the_assets_are_never_trusted(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset, digests: bytes
) -> None:
    bent = BlockServer(server, digests)
    bent.corrupt, bent.times = [3 * BLOCK_SIZE + 100], 1
    # No block checks: the bad byte is only found by the whole-file check, which throws all away.
    with pytest.raises(ChecksumError, match="discarded"):
        download_asset(server.client, content, partial_dir, big)
    assert list(partial_dir.iterdir()) == []
    assert download_asset(server.client, content, partial_dir, big).stored


def test_a_server_without_block_digests_still_downloads_a_big_asset(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    result = download_asset(server.client, content, partial_dir, big)  # /blocks: 404
    assert (result.stored, result.fetched) == (True, len(BIG))
    assert content.blobs.path(BIG_SHA).read_bytes() == BIG


def test_assets_of_four_blocks_or_less_rely_on_their_sha256_alone(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, clock: Clock
) -> None:
    data = os.urandom(4 * BLOCK_SIZE)
    server.publish("c1", {"intro": data})
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    BlockServer(server)
    with db.read_session() as session:
        (missing,) = catalog.missing_assets(session, "c1")
    assert download_asset(server.client, content, partial_dir, missing).stored
    assert [r.path.endswith("/blocks") for r in server.asset_requests()] == [False]


def test_block_digests_are_asked_once_and_kept_beside_the_partial(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    BlockServer(server)
    first = download_asset(server.client, content, partial_dir, big, should_stop=lambda: True)
    assert not first.stored
    assert blocks.decode((partial_dir / f"{BIG_SHA}.blocks").read_bytes()) == BIG_DIGESTS
    server.transport.requests.clear()
    second = download_asset(server.client, content, partial_dir, big)
    assert second.stored
    assert not any(r.path.endswith("/blocks") for r in server.asset_requests())
    assert list(partial_dir.iterdir()) == []


def test_after_a_kill_every_whole_block_past_the_checkpoint_is_kept(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    # Killed: 3.5 blocks written, only the first block fsynced and checkpointed.
    have = 3 * BLOCK_SIZE + BLOCK_SIZE // 2
    partial_dir.mkdir(parents=True)
    big_part(partial_dir).write_bytes(BIG[:have])
    write_checkpoint(big_part(partial_dir), BLOCK_SIZE)
    bent = BlockServer(server)
    result = download_asset(server.client, content, partial_dir, big)
    # The incomplete fourth block too: it was checked once its other half arrived.
    assert (result.stored, result.resumed_from, result.fetched) == (True, have, len(BIG) - have)
    assert bent.ranges()[1:] == [f"bytes={have}-"]


def test_zeros_a_power_cut_left_past_the_checkpoint_are_cut_at_the_first_bad_block(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    zeros = BIG[: 2 * BLOCK_SIZE] + b"\0" * BLOCK_SIZE + BIG[3 * BLOCK_SIZE : 4 * BLOCK_SIZE]
    partial_dir.mkdir(parents=True)
    big_part(partial_dir).write_bytes(zeros)
    write_checkpoint(big_part(partial_dir), 2 * BLOCK_SIZE)
    bent = BlockServer(server)
    result = download_asset(server.client, content, partial_dir, big)
    assert (result.stored, result.resumed_from) == (True, 2 * BLOCK_SIZE)
    assert bent.ranges()[1:] == [f"bytes={2 * BLOCK_SIZE}-"]
    assert content.blobs.path(BIG_SHA).read_bytes() == BIG


def test_a_bad_incomplete_last_block_is_caught_once_complete(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    half = BLOCK_SIZE // 2
    partial_dir.mkdir(parents=True)
    big_part(partial_dir).write_bytes(BIG[: 2 * BLOCK_SIZE] + b"\0" * half)
    write_checkpoint(big_part(partial_dir), 2 * BLOCK_SIZE)
    bent = BlockServer(server)
    result = download_asset(server.client, content, partial_dir, big)
    assert (result.stored, result.resumed_from) == (True, 2 * BLOCK_SIZE + half)
    assert bent.ranges()[1:] == [f"bytes={2 * BLOCK_SIZE + half}-", f"bytes={2 * BLOCK_SIZE}-"]
    # The bad block, the rest of the batch that completed it, and the two received meanwhile.
    assert BLOCK_SIZE <= result.rejected <= 4 * BLOCK_SIZE
    assert content.blobs.path(BIG_SHA).read_bytes() == BIG


def test_a_bad_block_among_the_checkpointed_bytes_lowers_the_checkpoint(
    server: Any, content: ContentStore, partial_dir: Path, big: MissingAsset
) -> None:
    partial_dir.mkdir(parents=True)
    big_part(partial_dir).write_bytes(flipped(BIG[: 3 * BLOCK_SIZE], BLOCK_SIZE + 7))
    write_checkpoint(big_part(partial_dir), 3 * BLOCK_SIZE)
    BlockServer(server)
    stopped = download_asset(
        server.client, content, partial_dir, big, should_stop=lambda: True, chunk=1000
    )
    assert stopped.resumed_from == BLOCK_SIZE
    assert big_part(partial_dir).read_bytes() == BIG[: BLOCK_SIZE + 1000]
    assert checkpoint_path(big_part(partial_dir)).read_text() == str(BLOCK_SIZE + 1000)


# A file that changed on the server.


def test_a_changed_file_on_the_server_is_sent_whole_and_checked_from_zero(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, DATA[:2000])
    other = os.urandom(len(DATA))  # same size, other bytes: its ETag is not the catalog's

    def changed(request: FakeRequest) -> FakeResponse:
        etag = '"' + hashlib.sha256(other).hexdigest() + '"'
        assert request.headers["If-Range"] != etag  # so the server must send it whole
        return FakeResponse(200, headers={"ETag": etag, "Content-Length": "5500"}, content=other)

    answer_asset_requests(server, changed)
    with pytest.raises(ChecksumError, match="discarded"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    (request,) = server.asset_requests()
    assert (request.headers["Range"], request.headers["If-Range"]) == ("bytes=2000-", f'"{SHA}"')
    assert not part_file(partial_dir).exists()
    assert not content.blobs.has(SHA) and not is_stored(db, SHA)


def test_a_changed_file_of_another_size_is_refused_before_it_is_read(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    leave_partial(partial_dir, DATA[:2000])
    body = FakeResponse(200, headers={"ETag": '"x"', "Content-Length": "6000"}, content=b"y" * 6000)
    answer_asset_requests(server, lambda r: body)
    with pytest.raises(ChecksumError, match="the server has 6000 bytes"):
        download_asset(server.client, content, partial_dir, asset, chunk=CHUNK)
    assert not part_file(partial_dir).exists()


# Bandwidth cap.


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_bandwidth_cap_paces_the_download(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    time = VirtualTime()
    limiter = RateLimiter(1000, clock=time.clock, sleep=time.sleep, burst=500)
    result = download_asset(
        server.client, content, partial_dir, asset, chunk=CHUNK, limiter=limiter
    )
    assert result.stored
    assert (len(DATA) - 500) / 1000 <= time.now <= len(DATA) / 1000


def test_a_cap_lifted_mid_download_takes_effect_at_once(
    server: Any, content: ContentStore, partial_dir: Path, asset: MissingAsset
) -> None:
    time = VirtualTime()
    limiter = RateLimiter(1000, clock=time.clock, sleep=time.sleep, burst=500)

    def lift(have: int, size: int) -> None:
        if have >= 2 * CHUNK:
            limiter.rate = None  # the settings screen: no cap any more

    assert download_asset(
        server.client, content, partial_dir, asset, chunk=CHUNK, limiter=limiter, on_progress=lift
    ).stored
    assert time.now == pytest.approx((2 * CHUNK - 500) / 1000)


# Disk space.


def test_no_download_starts_without_room_for_it_and_the_reserve(
    db: Database,
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    snapshot: Snapshot,
) -> None:
    before = snapshot(db)
    with pytest.raises(LowDiskSpaceError) as raised:
        download_asset(
            server.client,
            content,
            partial_dir,
            asset,
            reserve=5000,
            free_space=lambda path: 10_000,
        )
    assert isinstance(raised.value, DiskFullError)
    assert (raised.value.needed, raised.value.free) == (5500 + 5000, 10_000)
    assert "disk space" in str(raised.value)
    assert server.asset_requests() == []
    assert not part_file(partial_dir).exists()
    assert snapshot(db) == before


def test_room_running_out_mid_download_stops_cleanly_and_resumes_later(
    db: Database,
    server: Any,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    snapshot: Snapshot,
    blob_files: BlobFiles,
) -> None:
    free = iter([1_000_000, 6000])  # at the start, then at the first fsync (another program)
    before = snapshot(db)
    with pytest.raises(LowDiskSpaceError) as raised:
        download_asset(
            server.client,
            content,
            partial_dir,
            asset,
            chunk=CHUNK,
            sync_every=2 * CHUNK,
            reserve=4000,
            free_space=lambda path: next(free),
        )
    assert (raised.value.needed, raised.value.free) == (3500 + 4000, 6000)
    assert part_file(partial_dir).read_bytes() == DATA[:2000]
    assert checkpoint_path(part_file(partial_dir)).read_text() == "2000"
    assert snapshot(db) == before
    assert blob_files(content) == []

    result = download_asset(server.client, content, partial_dir, asset, reserve=4000)
    assert (result.stored, result.resumed_from) == (True, 2000)


# The client's side of GET /assets/{sha256}/blocks.


def test_asset_blocks_reads_the_digests_or_none_from_an_older_server(server: Any) -> None:
    server.blobs[BIG_SHA] = BIG
    assert server.client.asset_blocks(BIG_SHA) is None  # the fake server has no such route
    BlockServer(server)
    assert server.client.asset_blocks(BIG_SHA) == BIG_DIGESTS
    BlockServer(server, digests=b"\1" * 40)
    with pytest.raises(BadResponseError, match="not a whole number"):
        server.client.asset_blocks(BIG_SHA)
    with pytest.raises(ValueError):
        server.client.asset_blocks("../../etc/passwd")
