"""The download queue: order, priorities, pausing, failures, and surviving a restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from storage_helpers import FakeClock, It, Les, course, page, sha

from app.storage import catalog, downloads, settings
from app.storage.db import Database, open_database
from app.storage.downloads import PRIORITY_COUNTY, PRIORITY_NOW, PRIORITY_TEACHER


def _publish(db: Database, *courses) -> None:  # type: ignore[no-untyped-def]
    with db.write() as session:
        catalog.apply_catalog_page(session, page(*courses))


MATHS = course("maths", Les("l1", (It("a"), It("b"))), Les("l2", (It("c"),)), title="数学")
SAFETY = course("safety", Les("l1", (It("s1"), It("s2"))), title="安全")


def _order(db: Database) -> list[str]:
    with db.read_session() as session:
        return [q.sha256 for q in downloads.queued(session)]


def test_a_chosen_course_queues_its_missing_assets_in_course_order(db: Database) -> None:
    _publish(db, MATHS)
    with db.write() as session:
        catalog.mark_stored(session, sha("b"))
        assert downloads.enqueue_course(session, "maths") == 2
    assert _order(db) == [sha("a"), sha("c")]
    with db.read_session() as session:
        first = downloads.queued(session)[0]
        assert (first.course_id, first.course_title, first.title) == ("maths", "数学", "条目 a")
        assert catalog.course_detail(session, "maths").requested  # type: ignore[union-attr]


def test_courses_go_in_the_order_asked_and_an_opened_item_goes_first(
    db: Database, clock: FakeClock
) -> None:
    _publish(db, MATHS, SAFETY)
    with db.write() as session:
        downloads.enqueue_course(session, "maths", clock=clock)
        downloads.enqueue_course(session, "safety", clock=clock)
    assert _order(db) == [sha("a"), sha("b"), sha("c"), sha("s1"), sha("s2")]
    with db.write() as session:
        assert downloads.enqueue_item(session, "safety/s2", clock=clock)
    assert _order(db)[0] == sha("s2")
    with db.write() as session:
        nxt = downloads.next_asset(session, clock=clock)
    assert nxt is not None and nxt.sha256 == sha("s2") and nxt.priority == PRIORITY_NOW


def test_asking_again_never_lowers_a_priority(db: Database) -> None:
    _publish(db, MATHS)
    with db.write() as session:
        downloads.enqueue_course(session, "maths", priority=PRIORITY_TEACHER)
        downloads.enqueue_course(session, "maths", priority=PRIORITY_COUNTY)
        assert {q.priority for q in downloads.queued(session)} == {PRIORITY_TEACHER}


def test_the_county_preloads_courses_on_catalog_refresh_behind_teacher_choices(
    db: Database,
) -> None:
    _publish(db, MATHS)
    with db.write() as session:
        downloads.enqueue_course(session, "maths")
    _publish(db, course("safety", Les("l1", (It("s1"),)), seq=2, preload=True))
    with db.read_session() as session:
        rows = downloads.queued(session)
    assert [r.sha256 for r in rows] == [sha("a"), sha("b"), sha("c"), sha("s1")]
    assert rows[-1].priority == PRIORITY_COUNTY


def test_a_new_version_of_a_wanted_course_queues_what_it_adds(db: Database) -> None:
    _publish(db, course("safety", Les("l1", (It("s1"),))))
    with db.write() as session:
        downloads.enqueue_course(session, "safety")
        catalog.mark_stored(session, sha("s1"))
    _publish(db, course("safety", Les("l1", (It("s1"), It("s3"))), version=2, seq=2))
    assert _order(db) == [sha("s3")]


def test_an_unwanted_course_is_not_queued_by_a_refresh(db: Database) -> None:
    _publish(db, MATHS)
    assert _order(db) == []


def test_paused_courses_and_pause_all_hold_downloads_back(db: Database) -> None:
    _publish(db, MATHS, SAFETY)
    with db.write() as session:
        downloads.enqueue_course(session, "maths")
        downloads.enqueue_course(session, "safety")
        downloads.pause_course(session, "maths")
        nxt = downloads.next_asset(session)
        assert nxt is not None and nxt.course_id == "safety"
        downloads.pause_all(session)
        assert downloads.next_asset(session) is None
        downloads.pause_all(session, False)
        downloads.pause_course(session, "maths", False)
        nxt = downloads.next_asset(session)
        assert nxt is not None and nxt.course_id == "maths"
        assert len(downloads.queued(session)) == 5  # paused ones are still listed


def test_asking_for_a_paused_course_again_resumes_it(db: Database) -> None:
    _publish(db, MATHS)
    with db.write() as session:
        downloads.enqueue_course(session, "maths")
        downloads.pause_course(session, "maths")
        downloads.enqueue_course(session, "maths")
        assert downloads.next_asset(session) is not None


def test_a_failed_asset_waits_longer_each_time_and_the_others_go_first(
    db: Database, clock: FakeClock
) -> None:
    _publish(db, SAFETY)
    with db.write() as session:
        downloads.enqueue_course(session, "safety", clock=clock)
        assert downloads.note_failure(session, sha("s1"), "damaged", clock=clock) == 1
        nxt = downloads.next_asset(session, clock=clock)
        assert nxt is not None and nxt.sha256 == sha("s2")
        downloads.note_failure(session, sha("s2"), "damaged", clock=clock)
        assert downloads.next_asset(session, clock=clock) is None
        retry = downloads.next_retry(session)
        assert retry == clock.now + downloads.RETRY_DELAYS[0]
    clock.advance(seconds=31)
    with db.write() as session:
        nxt = downloads.next_asset(session, clock=clock)
        assert nxt is not None and nxt.last_error == "damaged" and nxt.failures == 1
        assert downloads.note_failure(session, sha("s1"), "again", clock=clock) == 2
        row = next(q for q in downloads.queued(session) if q.sha256 == sha("s1"))
        assert row.retry_at == clock.now + downloads.RETRY_DELAYS[1]
        downloads.retry_now(session)
        assert downloads.next_asset(session, clock=clock) is not None


def test_stored_assets_leave_the_queue_however_they_arrived(db: Database) -> None:
    _publish(db, SAFETY)
    with db.write() as session:
        downloads.enqueue_course(session, "safety")
        downloads.done(session, sha("s1"))
        catalog.mark_stored(session, sha("s2"))  # e.g. from a USB pack
        assert downloads.next_asset(session) is None
        assert downloads.totals(session).assets == 0


def test_cancel_forgets_the_course(db: Database) -> None:
    _publish(db, MATHS, SAFETY)
    with db.write() as session:
        downloads.enqueue_course(session, "maths")
        downloads.enqueue_course(session, "safety")
        downloads.cancel_course(session, "maths")
    assert _order(db) == [sha("s1"), sha("s2")]
    with db.read_session() as session:
        assert not catalog.course_detail(session, "maths").requested  # type: ignore[union-attr]


def test_totals_and_bytes_on_disk(db: Database, tmp_path: Path) -> None:
    _publish(db, SAFETY)
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / f"{sha('s1')}.part").write_bytes(b"x" * 400)
    with db.write() as session:
        downloads.enqueue_course(session, "safety")
        downloads.pause_course(session, "safety")
        assert downloads.totals(session) == downloads.QueueTotals(2, 2000, 2)
        rows = downloads.queued(session, partial)
    assert [r.have for r in rows] == [400, 0]


def test_the_queue_survives_closing_and_reopening(db_path: Path) -> None:
    first = open_database(db_path)
    _publish(first, MATHS)
    with first.write() as session:
        downloads.enqueue_item(session, "maths/c")
        settings.put(session, settings.DOWNLOADS_PAUSED, True)
    first.close()
    again = open_database(db_path)
    try:
        assert _order(again) == [sha("c"), sha("a"), sha("b")]
        with again.read_session() as session:
            assert settings.get(session, settings.DOWNLOADS_PAUSED)
    finally:
        again.close()


def test_an_unknown_course_is_refused(db: Database) -> None:
    with db.write() as session, pytest.raises(ValueError):
        downloads.enqueue_course(session, "nope")
