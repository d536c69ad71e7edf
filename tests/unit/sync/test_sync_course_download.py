"""download_course: every missing file of a course, one progress bar, stopping and resuming."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.storage import catalog
from app.storage.content import ContentStore
from app.storage.db import Database
from app.sync.catalog_sync import refresh_catalog
from app.sync.downloads import CourseTick, download_course
from app.sync.errors import OfflineError
from app.sync.transport import FakeRequest, FakeResponse

Clock = Callable[[], datetime]
CHUNK = 1000
FILES = {"intro": os.urandom(2500), "part2": os.urandom(3000), "part3": os.urandom(1200)}
TOTAL = sum(len(data) for data in FILES.values())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def course(db: Database, server: Any, clock: Clock) -> str:
    server.publish("c1", FILES, title="Reading aloud")
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    return "c1"


def test_a_course_downloads_whole_with_one_progress_bar(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    progress: list[tuple[int, int, str]] = []
    summary = download_course(
        db,
        server.client,
        content,
        partial_dir,
        course,
        chunk=CHUNK,
        on_progress=lambda t: progress.append((t.done, t.total, t.title)),
    )
    assert summary.complete
    assert (summary.assets_total, summary.assets_stored, summary.bytes_fetched) == (3, 3, TOTAL)
    assert (summary.stopped, summary.failed) == (False, ())
    for data in FILES.values():
        assert content.blobs.path(sha(data)).read_bytes() == data
    assert progress[0] == (0, TOTAL, "")
    assert progress[-1][:2] == (TOTAL, TOTAL)
    assert {title for _, _, title in progress[1:]} == {f"{k} title" for k in FILES}
    dones = [done for done, _, _ in progress]
    assert dones == sorted(dones)
    with db.read_session() as session:
        detail = catalog.course_detail(session, course)
        assert detail is not None and detail.requested
        assert all(item.stored for item in detail.items)


def test_each_asset_reports_its_own_progress(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    ticks: list[CourseTick] = []
    download_course(
        db, server.client, content, partial_dir, course, chunk=CHUNK, on_progress=ticks.append
    )
    last: dict[str, CourseTick] = {}
    for tick in ticks[1:]:
        assert 0 <= tick.asset_done <= tick.asset_size
        last[tick.sha256] = tick
    assert set(last) == {sha(data) for data in FILES.values()}
    assert all(
        t.asset_done == t.asset_size == len(FILES[k])
        for k, t in zip(FILES, (last[sha(d)] for d in FILES.values()), strict=True)
    )


def test_a_stopped_course_download_resumes_where_it_stopped(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    seen: list[int] = []
    first = download_course(
        db,
        server.client,
        content,
        partial_dir,
        course,
        chunk=CHUNK,
        on_progress=lambda t: seen.append(t.done),
        should_stop=lambda: len(seen) > 4,  # a few chunks in
    )
    assert first.stopped
    assert not first.complete
    server.transport.requests.clear()
    second = download_course(db, server.client, content, partial_dir, course, chunk=CHUNK)
    assert second.complete
    assert first.bytes_fetched + second.bytes_fetched == TOTAL  # nothing fetched twice


def test_bytes_already_stored_count_as_done(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    content.add_file(_write(partial_dir.parent / "x", FILES["part2"]), sha(FILES["part2"]))
    progress: list[tuple[int, int, str]] = []
    summary = download_course(
        db,
        server.client,
        content,
        partial_dir,
        course,
        chunk=CHUNK,
        on_progress=lambda t: progress.append((t.done, t.total, t.title)),
    )
    assert progress[0] == (3000, TOTAL, "")
    assert summary.bytes_fetched == TOTAL - 3000
    assert len(server.asset_requests()) == 2


def test_a_corrupt_file_is_reported_and_the_others_still_arrive(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    bad = sha(FILES["part2"])

    def corrupt_part2(request: FakeRequest) -> FakeResponse | None:
        if request.path.endswith(bad):
            return FakeResponse(content=b"x" * len(FILES["part2"]))
        return None

    server.override = corrupt_part2
    summary = download_course(db, server.client, content, partial_dir, course, chunk=CHUNK)
    assert summary.failed == (bad,)
    assert (summary.assets_stored, summary.complete) == (2, False)
    assert not content.blobs.has(bad)


def test_a_file_gone_from_disk_is_downloaded_again(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    download_course(db, server.client, content, partial_dir, course, chunk=CHUNK)
    lost = sha(FILES["intro"])
    content.blobs.path(lost).unlink()  # e.g. an antivirus quarantined it
    summary = download_course(db, server.client, content, partial_dir, course, chunk=CHUNK)
    assert summary.complete
    assert summary.bytes_fetched == len(FILES["intro"])
    assert content.blobs.has(lost)


def test_going_offline_midway_keeps_finished_files(
    db: Database, server: Any, content: ContentStore, partial_dir: Path, course: str
) -> None:
    calls = {"n": 0}

    def drop_second_asset(request: FakeRequest) -> FakeResponse | None:
        if request.path.startswith("/api/v1/assets/"):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OfflineError("network unreachable")
        return None

    server.override = drop_second_asset
    with pytest.raises(OfflineError):
        download_course(db, server.client, content, partial_dir, course, chunk=CHUNK)
    with db.read_session() as session:
        assert len(catalog.missing_assets(session, course)) == 2
        assert catalog.missing_assets(session) != []  # still requested: resumed later


def test_an_unknown_course_is_a_value_error(
    db: Database, server: Any, content: ContentStore, partial_dir: Path
) -> None:
    with pytest.raises(ValueError, match="not in the local catalog"):
        download_course(db, server.client, content, partial_dir, "nope")


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
