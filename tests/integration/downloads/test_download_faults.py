"""One video downloaded through the fault-injecting proxy from a real server: resets, stalls, a
slow drip, cut bodies and corrupted bytes. Each time the file arrives whole and verified, and
what is fetched again stays small: a dropped connection costs nothing the client had received,
a corrupted byte at most three blocks (the bad one, and the two received while it was checked).

Fixtures (``published``, ``downloader``, ``fault_proxy``, ``through_proxy``) are in this
folder's conftest; ``downloader.transport.total`` counts the body bytes the client received.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.storage import catalog
from app.storage.content import ContentStore
from app.storage.db import open_database
from app.storage.errors import DiskFullError
from app.sync.catalog_sync import refresh_catalog
from app.sync.client import ServerClient
from app.sync.downloads import download_asset
from app.sync.errors import ChecksumError, LowDiskSpaceError
from app.sync.partial import CHUNK, checkpoint_path, write_checkpoint
from app.sync.transport import RequestsTransport
from tests.helpers.bad_server import bad_server
from tests.helpers.faultproxy import FaultProxy, Faults
from tests.helpers.small_disk import grow, small_disk
from wire.blocks import BLOCK_SIZE

Through = Callable[..., ServerClient]
KB = 1000


def assert_stored_whole(downloader: Any, published: Any) -> None:
    assert downloader.stored_bytes == published.data
    assert downloader.is_recorded_stored()
    assert list(downloader.partial_dir.iterdir()) == []


def refetched(downloader: Any, published: Any) -> int:
    """Bytes of the video the client received more than once (or received and threw away)."""
    return downloader.transport.total - len(published.data)


def test_a_clean_link_fetches_each_byte_once(
    downloader: Any, published: Any, through_proxy: Through
) -> None:
    result = downloader.until_stored(through_proxy())
    assert (result.fetched, result.rejected, result.resumed_from) == (len(published.data), 0, 0)
    assert refetched(downloader, published) == 0
    assert_stored_whole(downloader, published)


def test_connections_reset_every_few_hundred_kb(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(reset_after_down=(150 * KB, 400 * KB), seed=4))
    downloader.until_stored(through_proxy())
    resets = fault_proxy.stats.count("reset_down")
    assert resets >= 5
    assert len(downloader.errors) == resets
    assert refetched(downloader, published) == 0  # every byte received was kept
    # On the wire, a reset costs what was in flight: the read being filled, the socket buffer.
    wire_waste = fault_proxy.stats.bytes_down - len(published.data)
    assert wire_waste / resets < 512 * 1024
    assert_stored_whole(downloader, published)


def test_stalled_connections_time_out_and_resume(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(stall_after_down=(300 * KB, 900 * KB), max_faulty=3, seed=2))
    downloader.until_stored(through_proxy(0.5))
    assert fault_proxy.stats.count("stall") == 3
    assert all("timed out" in str(e).lower() for e in downloader.errors), downloader.errors
    assert refetched(downloader, published) == 0
    assert_stored_whole(downloader, published)


def test_a_slow_drip_arrives_whole(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(bandwidth_bps=4_000_000, delay_s=0.002))
    result = downloader.until_stored(through_proxy(2.0))
    assert downloader.errors == []
    assert result.fetched == len(published.data)
    assert_stored_whole(downloader, published)


def test_bodies_cut_short_resume_where_they_stopped(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(truncate_after_down=(200 * KB, 700 * KB), seed=9))
    downloader.until_stored(through_proxy())
    cuts = fault_proxy.stats.count("truncate")
    assert cuts >= 3
    assert refetched(downloader, published) == 0
    assert_stored_whole(downloader, published)


def test_one_corrupted_byte_costs_about_three_blocks(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(corrupt_after_down=1_500_000, max_faulty=1))
    result = downloader.until_stored(through_proxy())
    assert fault_proxy.stats.count("corrupt") == 1
    assert downloader.errors == []  # found and fetched again inside the one call
    # Three blocks, and the one read that may carry a batch past a block's end.
    assert 0 < result.rejected <= 3 * BLOCK_SIZE + CHUNK
    assert result.fetched == len(published.data) + result.rejected
    assert refetched(downloader, published) == result.rejected
    assert_stored_whole(downloader, published)


def test_a_byte_corrupted_every_half_megabyte_on_every_connection(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through
) -> None:
    fault_proxy.set_faults(Faults(corrupt_after_down=(300 * KB, 600 * KB), corrupt_every=500 * KB))
    result = downloader.until_stored(through_proxy())
    bad = fault_proxy.stats.count("corrupt")
    assert bad >= 5
    assert downloader.errors == []
    assert result.rejected <= (3 * BLOCK_SIZE + CHUNK) * bad
    assert_stored_whole(downloader, published)


@pytest.mark.parametrize("seed", [1, 2])
def test_resets_truncations_and_corruption_together(
    downloader: Any, published: Any, fault_proxy: FaultProxy, through_proxy: Through, seed: int
) -> None:
    fault_proxy.set_faults(
        Faults(
            reset_after_down=(300 * KB, 1500 * KB),
            truncate_after_down=(200 * KB, 2000 * KB),
            corrupt_after_down=(100 * KB, 1000 * KB),
            probability=0.7,
            seed=seed,
        )
    )
    downloader.until_stored(through_proxy())
    corrupt = fault_proxy.stats.count("corrupt")
    # A bad block costs at most four blocks (after a resume mid-block); nothing else is fetched
    # twice.
    assert refetched(downloader, published) <= 4 * BLOCK_SIZE * corrupt
    assert_stored_whole(downloader, published)


# Servers that answer otherwise than asked (real HTTP, canned answers).


def _resume_from_a_megabyte(downloader: Any, published: Any) -> None:
    """A partial download of the video's first MB, left by an earlier attempt."""
    downloader.partial_dir.mkdir(parents=True, exist_ok=True)
    part = downloader.partial_dir / f"{published.sha256}.part"
    part.write_bytes(published.data[:1_000_000])
    write_checkpoint(part, 1_000_000)


def test_a_server_that_ignores_range_sends_it_whole_and_the_download_starts_over(
    downloader: Any, published: Any
) -> None:
    _resume_from_a_megabyte(downloader, published)
    path = f"/api/v1/assets/{published.sha256}"
    whole = (200, {"ETag": f'"{published.sha256}"'}, published.data)
    with bad_server({path: whole}) as url:
        result = downloader.until_stored(downloader.client(url, published.token, 10.0))
    assert (result.resumed_from, result.fetched) == (0, len(published.data))
    assert_stored_whole(downloader, published)


def test_a_file_changed_on_the_server_never_enters_the_store(
    downloader: Any, published: Any
) -> None:
    _resume_from_a_megabyte(downloader, published)
    other = os.urandom(len(published.data))  # same size, other bytes, another ETag
    path = f"/api/v1/assets/{published.sha256}"
    changed = (200, {"ETag": '"' + hashlib.sha256(other).hexdigest() + '"'}, other)
    with bad_server({path: changed}) as url:
        client = downloader.client(url, published.token, 10.0)
        with pytest.raises(ChecksumError, match="discarded"):
            download_asset(client, downloader.content, downloader.partial_dir, downloader.asset)
    assert not downloader.content.blobs.has(published.sha256)
    assert list(downloader.partial_dir.iterdir()) == []
    assert not downloader.is_recorded_stored()


def test_a_changed_file_of_another_size_is_refused_before_it_is_read(
    downloader: Any, published: Any
) -> None:
    _resume_from_a_megabyte(downloader, published)
    path = f"/api/v1/assets/{published.sha256}"
    with bad_server({path: (200, {"ETag": '"v2"'}, b"v2" * 1000)}) as url:
        client = downloader.client(url, published.token, 10.0)
        with pytest.raises(ChecksumError, match="the server has 2000 bytes"):
            download_asset(client, downloader.content, downloader.partial_dir, downloader.asset)
    assert not downloader.content.blobs.has(published.sha256)


# A disk that really fills up.


def test_a_really_full_disk_keeps_the_partial_and_resumes_once_there_is_room(
    tmp_path: Path, published: Any
) -> None:
    with small_disk(tmp_path / "small", "2m") as disk:
        db = open_database(disk / "lamplight.sqlite3")
        try:
            client = ServerClient(published.server.url, RequestsTransport(), token=published.token)
            refresh_catalog(db, client)
            with db.read_session() as session:
                (asset,) = catalog.missing_assets(session, "faults")
            content = ContentStore(disk / "content", db)
            partial_dir = disk / "content" / "partial"

            # Checked before starting: 3 MB will not fit on 2 MB.
            with pytest.raises(LowDiskSpaceError) as low:
                download_asset(client, content, partial_dir, asset)
            assert low.value.free < asset.size == low.value.needed  # no reserve asked

            # Told there is room (another program freed some, say), it fills the disk for real.
            with pytest.raises(DiskFullError) as full:
                download_asset(client, content, partial_dir, asset, free_space=lambda p: 1 << 40)
            assert not isinstance(full.value, LowDiskSpaceError)
            part = partial_dir / f"{asset.sha256}.part"
            kept = part.stat().st_size
            assert 0 < kept < asset.size
            assert part.read_bytes() == published.data[:kept]
            # The disk filled before the first checkpoint, and had no room left for one: the
            # bytes are kept anyway, and the block digests vouch for them on resume.
            ok = checkpoint_path(part)
            assert not ok.exists() or int(ok.read_text()) <= kept
            assert not content.blobs.has(asset.sha256)
            with db.read_session() as session:
                assert catalog.missing_assets(session, "faults") == [asset]

            grow(disk, "8m")
            result = download_asset(client, content, partial_dir, asset)
            assert result.stored and result.resumed_from >= kept - BLOCK_SIZE
            assert content.blobs.path(asset.sha256).read_bytes() == published.data
            client.close()
        finally:
            db.close()
