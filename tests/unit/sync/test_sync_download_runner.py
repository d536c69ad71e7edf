"""drain_queue: order, the rules (window, cap, reserve), stopping, failing, and what it reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from app.storage import catalog
from app.storage import downloads as queue
from app.storage.content import ContentStore
from app.storage.db import Database
from app.sync.catalog_sync import refresh_catalog
from app.sync.download_runner import (
    MAX_FRUITLESS,
    DownloadTick,
    DrainReport,
    StopReason,
    download_lock,
    drain_queue,
)
from app.sync.errors import OfflineError
from app.sync.policy import DownloadPolicy, TimeWindow
from app.sync.transport import FakeRequest, FakeResponse
from tests.unit.sync.conftest import FakeCountyServer, media, sha

MB = 1024 * 1024
A = media("a", 3 * MB + 17)
B = media("b", 2 * MB)
C = media("c", 1000)
EVENING = datetime(2024, 9, 1, 19, 0)  # local time
NOON = datetime(2024, 9, 1, 12, 0)
PLENTY = 10**12
NO_RULES = DownloadPolicy(reserve=0)


class FakeTime:
    """Monotonic time that moves only when slept, or by ``step`` on every reading."""

    def __init__(self, step: float = 0.0) -> None:
        self.now = 0.0
        self.step = step
        self.slept = 0.0

    def monotonic(self) -> float:
        self.now += self.step
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


@pytest.fixture
def published(db: Database, server: FakeCountyServer, clock: Any) -> FakeCountyServer:
    server.publish("c1", {"a": A, "b": B}, title="第一课程")
    server.publish("c2", {"c": C})
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    return server


def queue_courses(db: Database, *course_ids: str) -> None:
    with db.write() as session:
        for course_id in course_ids:
            queue.enqueue_course(session, course_id)


def stored(db: Database) -> set[str]:
    with db.read_session() as session:
        return {
            item.sha256
            for course_id in ("c1", "c2")
            for item in catalog.course_detail(session, course_id).items  # type: ignore[union-attr]
            if item.stored
        }


def run(
    db: Database,
    server: FakeCountyServer,
    content: ContentStore,
    partial_dir: Path,
    *,
    policy: DownloadPolicy | Callable[[], DownloadPolicy] = NO_RULES,
    time: FakeTime | None = None,
    local_now: Callable[[], datetime] = lambda: EVENING,
    free_space: Callable[[Path], int] = lambda _: PLENTY,
    **kwargs: Any,
) -> DrainReport:
    time = time or FakeTime()
    return drain_queue(
        db,
        server.client,
        content,
        partial_dir.parent,
        partial_dir,
        policy=policy if callable(policy) else (lambda: policy),
        local_now=local_now,
        monotonic=time.monotonic,
        sleep=time.sleep,
        free_space=free_space,
        **kwargs,
    )


def test_the_queue_drains_in_order_into_the_store(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c2", "c1")
    ticks: list[DownloadTick] = []
    report = run(db, published, content, partial_dir, on_progress=ticks.append)
    assert report.reason is StopReason.DONE and report.wait_s is None
    assert report.stored == (sha(C), sha(A), sha(B))
    assert report.bytes_fetched == len(A) + len(B) + len(C)
    assert stored(db) == {sha(A), sha(B), sha(C)}
    with db.read_session() as session:
        assert queue.queued(session) == []
    total = len(A) + len(B) + len(C)
    assert {t.total for t in ticks} == {total}
    assert ticks[-1].done == total and ticks[-1].left == 1
    assert [t.done for t in ticks] == sorted(t.done for t in ticks)  # never goes back


def test_outside_the_window_nothing_is_fetched_and_the_report_says_when_it_opens(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    night = DownloadPolicy(window=TimeWindow.parse("18:00-07:00"), reserve=0)
    report = run(db, published, content, partial_dir, policy=night, local_now=lambda: NOON)
    assert report.reason is StopReason.WINDOW
    assert report.wait_s == 6 * 3600
    assert "18:00" in report.message and "07:00" in report.message
    assert published.asset_requests() == []


def test_the_window_closing_mid_download_stops_and_keeps_the_bytes(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    night = DownloadPolicy(window=TimeWindow.parse("18:00-07:00"), reserve=0)
    times = iter([datetime(2024, 9, 2, 6, 59, 59)] * 2)  # then it is 07:00

    def local_now() -> datetime:
        return next(times, datetime(2024, 9, 2, 7, 0, 0))

    report = run(
        db,
        published,
        content,
        partial_dir,
        policy=night,
        local_now=local_now,
        time=FakeTime(step=1.0),
    )
    assert report.reason is StopReason.WINDOW and report.stored == ()
    assert 0 < (partial_dir / f"{sha(A)}.part").stat().st_size < len(A)
    # In the evening it continues from those bytes.
    again = run(db, published, content, partial_dir, policy=night)
    assert again.reason is StopReason.DONE
    assert again.bytes_fetched < len(A) + len(B)


def test_the_bandwidth_cap_is_honoured(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    rate = 512 * 1024
    time = FakeTime()
    report = run(
        db,
        published,
        content,
        partial_dir,
        policy=DownloadPolicy(max_rate=rate, reserve=0),
        time=time,
    )
    assert report.reason is StopReason.DONE
    fetched = len(A) + len(B)
    assert time.now >= (fetched - 2 * MB) / rate  # at most a small burst above the cap
    assert time.now <= fetched / rate + 5


def test_a_cap_set_mid_run_applies_at_once(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    policies = iter([DownloadPolicy(reserve=0)] * 2)
    capped = DownloadPolicy(max_rate=256 * 1024, reserve=0)
    time = FakeTime()
    report = run(
        db, published, content, partial_dir, policy=lambda: next(policies, capped), time=time
    )
    assert report.reason is StopReason.DONE
    assert time.slept > 10  # most of the 5 MB went at 256 KB/s (none would take 0 s)


def test_the_disk_reserve_stops_before_fetching(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    report = run(
        db,
        published,
        content,
        partial_dir,
        policy=DownloadPolicy(reserve=10**9),
        free_space=lambda _: 10**9 + MB,
    )
    assert report.reason is StopReason.DISK
    assert "3 MB to download" in report.message and "1000 MB must stay free" in report.message
    assert published.asset_requests() == []
    with db.read_session() as session:
        assert len(queue.queued(session)) == 2  # nothing lost from the queue


def test_another_run_holding_the_lock_makes_this_one_busy(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    with download_lock(partial_dir.parent) as held:
        assert held
        report = run(db, published, content, partial_dir)
    assert report.reason is StopReason.BUSY
    assert run(db, published, content, partial_dir).reason is StopReason.DONE


def test_an_unreachable_server_stops_the_run_as_offline_after_a_few_tries(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")

    def unreachable(request: FakeRequest) -> FakeResponse:
        raise OfflineError("connection refused")

    published.override = unreachable
    report = run(db, published, content, partial_dir)
    assert report.reason is StopReason.OFFLINE
    assert report.interruptions == MAX_FRUITLESS
    with db.read_session() as session:
        assert [q.failures for q in queue.queued(session)] == [0, 0]  # not the files' fault


def test_damaged_bytes_put_the_asset_back_to_wait_and_the_others_go_on(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c2", "c1")
    bad = bytearray(C)
    bad[10] ^= 0xFF

    def damaged(request: FakeRequest) -> FakeResponse | None:
        if request.path.endswith(sha(C)):
            return FakeResponse(200, headers={"Content-Length": str(len(C))}, content=bytes(bad))
        return None

    published.override = damaged
    report = run(db, published, content, partial_dir)
    assert report.reason is StopReason.DONE
    assert report.stored == (sha(A), sha(B))
    assert [s for s, _ in report.failed] == [sha(C)]
    assert report.wait_s == pytest.approx(queue.RETRY_DELAYS[0].total_seconds(), abs=1)
    with db.read_session() as session:
        [left] = queue.queued(session)
    assert left.sha256 == sha(C) and left.failures == 1 and "damaged" in left.last_error


def test_an_item_opened_now_goes_ahead_of_the_asset_being_fetched(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1", "c2")
    order: list[str] = []

    def on_progress(tick: DownloadTick) -> None:
        if not order or order[-1] != tick.current.sha256:
            order.append(tick.current.sha256)
        if tick.current.sha256 == sha(A) and tick.have >= MB:
            with db.write() as session:
                queue.enqueue_item(session, "c2/c")

    report = run(
        db, published, content, partial_dir, on_progress=on_progress, time=FakeTime(step=1.0)
    )
    assert report.reason is StopReason.DONE
    assert order[:3] == [sha(A), sha(C), sha(A)]  # A set aside, C fetched, A resumed
    assert report.bytes_fetched < len(A) + len(B) + len(C) + MB


def test_pausing_everything_mid_download_stops_and_keeps_the_bytes(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")

    def on_progress(tick: DownloadTick) -> None:
        if tick.have >= MB:
            with db.write() as session:
                queue.pause_all(session)

    report = run(
        db, published, content, partial_dir, on_progress=on_progress, time=FakeTime(step=1.0)
    )
    assert report.reason is StopReason.PAUSED
    assert (partial_dir / f"{sha(A)}.part").stat().st_size >= MB


def test_should_stop_ends_the_run_at_once(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    queue_courses(db, "c1")
    ticks: list[DownloadTick] = []
    report = run(
        db,
        published,
        content,
        partial_dir,
        on_progress=ticks.append,
        should_stop=lambda: len(ticks) >= 2,
    )
    assert report.reason is StopReason.STOPPED and report.stored == ()


def test_nothing_queued_is_done_and_pause_all_says_paused(
    db: Database, published: FakeCountyServer, content: ContentStore, partial_dir: Path
) -> None:
    assert run(db, published, content, partial_dir).reason is StopReason.DONE
    queue_courses(db, "c2")
    with db.write() as session:
        queue.pause_all(session)
    assert run(db, published, content, partial_dir).reason is StopReason.PAUSED
