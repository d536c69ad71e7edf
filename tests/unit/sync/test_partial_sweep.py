"""Sweeping partial downloads (app.sync.partial_sweep): a partial whose asset is stored, or out
of the queue for two weeks, goes; a queued one stays however old; names not ours, links and
folders are never touched. The download runner sweeps when it starts, a real pack import after
its commit (not while a download holds the lock)."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.storage import catalog
from app.storage import downloads as queue
from app.storage.content import ContentStore
from app.storage.db import Database
from app.sync.catalog_sync import refresh_catalog
from app.sync.download_runner import DrainReport, StopReason, download_lock, drain_queue
from app.sync.pack_import import ImportReport, import_pack, scan_pack
from app.sync.partial_sweep import ORPHAN_AFTER, SweepResult, sweep_if_idle, sweep_partials
from app.sync.policy import DownloadPolicy
from tests.helpers.packs import Asset as PackAsset
from tests.helpers.packs import county_for, course_json, demo_key, make_pack
from tests.unit.sync.conftest import LOCAL_NOW, FakeCountyServer, local_clock, media, sha
from wire.api import CatalogCourse, CatalogPage

A = media("a", 5000)
B = media("b", 7000)
C = media("c", 3000)
KINDS = (".part", ".part.ok", ".blocks")


def touch_at(path: Path, days_ago: float) -> None:
    """Sets ``path``'s times ``days_ago`` days before the tests' clock (never through a link)."""
    moment = (LOCAL_NOW.replace(tzinfo=UTC) - timedelta(days=days_ago)).timestamp()
    os.utime(path, (moment, moment), follow_symlinks=False)


def make_partial(partial_dir: Path, data: bytes, days_ago: float = 0.0) -> list[Path]:
    """A partial download of ``data`` (half of it), with its checkpoint and digests."""
    partial_dir.mkdir(parents=True, exist_ok=True)
    digest = sha(data)
    files = [partial_dir / f"{digest}{kind}" for kind in KINDS]
    files[0].write_bytes(data[: len(data) // 2])
    files[1].write_text(str(len(data) // 2), encoding="ascii")
    files[2].write_bytes(b"\0" * 64)
    for path in files:
        touch_at(path, days_ago)
    return files


def size_of(files: list[Path]) -> int:
    return sum(p.stat().st_size for p in files)


def store(content: ContentStore, tmp_path: Path, data: bytes) -> None:
    source = tmp_path / f"incoming-{sha(data)}"
    source.write_bytes(data)
    content.add_file(source, sha(data))


@pytest.fixture
def published(db: Database, server: FakeCountyServer) -> FakeCountyServer:
    server.publish("c1", {"a": A, "b": B})
    server.publish("c2", {"c": C})
    refresh_catalog(db, server.client, clock=local_clock)
    return server


def enqueue(db: Database, *course_ids: str) -> None:
    with db.write() as session:
        for course_id in course_ids:
            queue.enqueue_course(session, course_id, clock=local_clock)


def sweep(db: Database, content: ContentStore, partial_dir: Path, **kwargs: object) -> SweepResult:
    return sweep_partials(db, content, partial_dir, clock=local_clock, **kwargs)  # type: ignore[arg-type]


def test_the_partial_of_an_asset_already_stored_is_removed_even_if_queued_and_fresh(
    tmp_path: Path, db: Database, content: ContentStore, partial_dir: Path, published: object
) -> None:
    enqueue(db, "c1")
    files = make_partial(partial_dir, A)
    freed = size_of(files)
    store(content, tmp_path, A)  # it came on a USB stick meanwhile
    assert sweep(db, content, partial_dir) == SweepResult(files=3, bytes=freed)
    assert not any(p.exists() for p in files)
    assert content.blobs.path(sha(A)).read_bytes() == A  # the store is left alone


def test_the_partial_of_an_asset_queued_and_not_stored_is_kept_however_old(
    db: Database, content: ContentStore, partial_dir: Path, published: object
) -> None:
    enqueue(db, "c1")
    with db.write() as session:
        queue.pause_course(session, "c1")  # paused is still wanted
    files = make_partial(partial_dir, A, days_ago=400)
    assert sweep(db, content, partial_dir) == SweepResult()
    assert all(p.exists() for p in files)


def test_an_orphan_goes_once_untouched_for_two_weeks_and_stays_before(
    db: Database, content: ContentStore, partial_dir: Path, published: object
) -> None:
    enqueue(db, "c1", "c2")
    with db.write() as session:
        queue.cancel_course(session, "c1")  # A and B leave the queue
        queue.cancel_course(session, "c2")
    days = ORPHAN_AFTER.days
    old = make_partial(partial_dir, A, days_ago=days + 1)
    recent = make_partial(partial_dir, B, days_ago=days - 1)  # cancelled, may be asked again
    # Resumed a day ago: its checkpoint was written then, so the partial is not old.
    resumed = make_partial(partial_dir, C, days_ago=days + 30)
    touch_at(resumed[1], 1)
    freed = size_of(old)
    assert sweep(db, content, partial_dir) == SweepResult(files=3, bytes=freed)
    assert not any(p.exists() for p in old)
    assert all(p.exists() for p in recent + resumed)


def test_a_cancelled_course_asked_for_again_resumes_from_its_partial(
    db: Database, content: ContentStore, partial_dir: Path, published: object
) -> None:
    enqueue(db, "c1")
    with db.write() as session:
        queue.cancel_course(session, "c1")
    files = make_partial(partial_dir, A, days_ago=3)
    assert sweep(db, content, partial_dir) == SweepResult()
    enqueue(db, "c1")
    with db.read_session() as session:
        have = {q.sha256: q.have for q in queue.queued(session, partial_dir)}
    assert have[sha(A)] == len(A) // 2
    assert all(p.exists() for p in files)


def test_names_not_ours_links_and_folders_are_left_alone(
    tmp_path: Path, db: Database, content: ContentStore, partial_dir: Path
) -> None:
    store(content, tmp_path, A)  # A's partial files would go: only real files of ours do
    digest = sha(A)
    partial_dir.mkdir(parents=True)
    outside = tmp_path / "outside.bin"
    outside.write_bytes(b"precious")
    link = partial_dir / f"{digest}.part"
    link.symlink_to(outside)
    folder = partial_dir / f"{sha(B)}.blocks"
    folder.mkdir()
    odd = [
        partial_dir / name
        for name in (
            "notes.txt",
            f"{digest}.part.ok.tmp",  # a checkpoint being written
            f"{digest}.blocks.tmp",
            f"{digest.upper()}.part",
            f"{digest[:63]}.part",
            f"{digest}.partial",
            f"x{digest}.part",
        )
    ]
    for path in odd:
        path.write_bytes(b"keep")
    ours = partial_dir / f"{digest}.part.ok"
    ours.write_text("4", encoding="ascii")
    for path in [*odd, ours, folder, link, outside]:
        touch_at(path, 100)
    result = sweep(db, content, partial_dir)
    assert result == SweepResult(files=1, bytes=1)
    assert not ours.exists()
    assert link.is_symlink() and outside.read_bytes() == b"precious"
    assert folder.is_dir()
    assert all(p.read_bytes() == b"keep" for p in odd)


def test_a_partial_folder_that_is_a_link_is_not_swept(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    store(content, tmp_path, A)
    elsewhere = tmp_path / "elsewhere"
    files = make_partial(elsewhere, A, days_ago=100)
    linked = tmp_path / "linked-partial"
    linked.symlink_to(elsewhere, target_is_directory=True)
    assert sweep(db, content, linked) == SweepResult()
    assert all(p.exists() for p in files)


def test_a_file_that_cannot_be_removed_is_logged_and_skipped(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    files = make_partial(partial_dir, A)
    others = make_partial(partial_dir, B)
    store(content, tmp_path, A)
    store(content, tmp_path, B)
    stuck = files[0]
    freed = size_of(files) + size_of(others) - stuck.stat().st_size

    def remove(path: Path) -> None:
        if path == stuck:
            raise PermissionError(13, "Permission denied", str(path))
        os.unlink(path)

    with caplog.at_level(logging.WARNING, logger="app.sync.partial_sweep"):
        result = sweep(db, content, partial_dir, remove=remove)
    assert result == SweepResult(files=5, bytes=freed, failed=1)
    assert stuck.exists() and not files[1].exists() and not any(p.exists() for p in others)
    assert any(str(stuck) in r.getMessage() for r in caplog.records)


def test_a_missing_partial_folder_sweeps_nothing(db: Database, content: ContentStore) -> None:
    assert sweep(db, content, content.blobs.root / "nowhere") == SweepResult()


# --- the download runner --------------------------------------------------------------------


def drain(
    db: Database, server: FakeCountyServer, content: ContentStore, data_dir: Path
) -> DrainReport:
    return drain_queue(
        db,
        server.client,
        content,
        data_dir,
        data_dir / "content" / "partial",
        policy=lambda: DownloadPolicy(reserve=0),
        clock=local_clock,
        local_now=lambda: datetime(2024, 9, 1, 19, 0),
        sleep=lambda _s: None,
        free_space=lambda _p: 10**12,
    )


def test_the_download_runner_sweeps_when_it_starts(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    published: FakeCountyServer,
) -> None:
    stored = make_partial(partial_dir, A)
    store(content, tmp_path, A)
    orphan = make_partial(partial_dir, B, days_ago=ORPHAN_AFTER.days + 1)
    report = drain(db, published, content, tmp_path)
    assert report.reason is StopReason.DONE
    assert not any(p.exists() for p in stored + orphan)


def test_the_runner_sweeps_before_it_resumes_and_never_a_queued_partial(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    published: FakeCountyServer,
) -> None:
    enqueue(db, "c2")
    make_partial(partial_dir, C, days_ago=ORPHAN_AFTER.days + 5)  # queued: resumed, not swept
    published.transport.requests.clear()
    report = drain(db, published, content, tmp_path)
    assert report.reason is StopReason.DONE
    assert content.blobs.path(sha(C)).read_bytes() == C
    ranges = [r.headers.get("Range") for r in published.asset_requests()]
    assert ranges == [f"bytes={len(C) // 2}-"]  # resumed from the kept half
    assert not list(partial_dir.iterdir())  # committed: its checkpoint and digests went too


def test_a_busy_runner_leaves_the_partials_alone(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    published: FakeCountyServer,
) -> None:
    files = make_partial(partial_dir, A)
    store(content, tmp_path, A)
    with download_lock(tmp_path) as held:
        assert held
        report = drain(db, published, content, tmp_path)
        assert sweep_if_idle(db, content, clock=local_clock) is None
    assert report.reason is StopReason.BUSY
    assert all(p.exists() for p in files)


# --- a pack import --------------------------------------------------------------------------

KEY = demo_key()
COUNTY = county_for(KEY)


def course_from_network(db: Database, built_json: dict[str, object]) -> None:
    """The course as the catalog brings it (no signature), wanted on this PC."""
    network = CatalogCourse.model_validate({**built_json, "seq": 1})
    with db.write() as session:
        catalog.apply_catalog_page(
            session, CatalogPage(courses=[network], cursor=1, has_more=False)
        )
        queue.enqueue_course(session, network.id, clock=local_clock)


def import_everything(pack_root: Path, db: Database, content: ContentStore) -> ImportReport:
    plan = scan_pack(pack_root, db, content, COUNTY)
    return import_pack(plan, plan.importable(), db, content, COUNTY, clock=local_clock)


def test_a_pack_import_removes_the_partial_of_a_file_it_brought(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [A, B])])
    course_from_network(db, built["c1"].json)
    half_way = make_partial(partial_dir, A)  # the network download was under way
    # A file queued for another course, not on the stick: its partial must stay.
    with db.write() as session:
        catalog.apply_catalog_page(
            session,
            CatalogPage(
                courses=[
                    CatalogCourse.model_validate({**course_json("c2", [PackAsset.of(C)]), "seq": 2})
                ],
                cursor=2,
                has_more=False,
            ),
        )
        queue.enqueue_course(session, "c2", clock=local_clock)
    queued_elsewhere = make_partial(partial_dir, C)
    report = import_everything(tmp_path / "pack", db, content)
    assert report.imported == ["c1"]
    assert not any(p.exists() for p in half_way)
    assert all(p.exists() for p in queued_elsewhere)
    assert not (tmp_path / "content" / "partial" / f"{sha(B)}.part").exists()
    with db.read_session() as session:
        assert [q.sha256 for q in queue.queued(session)] == [sha(C)]


def test_a_pack_import_leaves_the_partials_to_a_download_in_progress(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    published: FakeCountyServer,
) -> None:
    make_pack(tmp_path / "pack", [("p1", [A])])
    files = make_partial(partial_dir, A)
    with download_lock(tmp_path) as held:  # a download run is writing partial files
        assert held
        report = import_everything(tmp_path / "pack", db, content)
        assert report.imported == ["p1"]
        assert all(p.exists() for p in files)
    drain(db, published, content, tmp_path)  # the run's next start sweeps them
    assert not any(p.exists() for p in files)


def test_an_import_that_brings_nothing_does_not_sweep(
    tmp_path: Path, db: Database, content: ContentStore, partial_dir: Path
) -> None:
    make_pack(tmp_path / "pack", [("p1", [A])])
    import_everything(tmp_path / "pack", db, content)
    files = make_partial(partial_dir, A)  # left by some older version, say
    with download_lock(tmp_path) as held:
        assert held
        report = import_everything(tmp_path / "pack", db, content)  # everything is here
    assert report.imported == [] and report.files_copied == 0
    assert all(p.exists() for p in files)  # no sweep: nothing came in
    freed = size_of(files)
    assert sweep_if_idle(db, content, clock=local_clock) == SweepResult(3, freed)
    assert not any(p.exists() for p in files)
