"""A teacher's progress: the append-only event log and what the UI derives from it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from storage_helpers import FakeClock, make_teacher

from app.storage import progress
from app.storage.db import Database, open_database
from app.storage.models import ProgressEvent
from app.storage.profiles import Teacher
from app.storage.progress import DOCUMENT_PAGE, VIDEO_WATCHED, Event, ItemProgress
from wire.sync import FORM_ANSWER, FORM_SUBMITTED

VIDEO = "ict-basics/intro"
DOC = "ict-basics/notes"


def watched(*ranges: tuple[float, float], duration: float = 100.0) -> list[Event]:
    return [
        Event(seq, VIDEO_WATCHED, {"start": start, "end": end, "duration": duration})
        for seq, (start, end) in enumerate(ranges, start=1)
    ]


def pages(*seen: int, total: int = 5) -> list[Event]:
    return [
        Event(seq, DOCUMENT_PAGE, {"page": page, "pages": total})
        for seq, page in enumerate(seen, start=1)
    ]


def _record(db: Database, teacher: Teacher, item: str, kind: str, **payload: Any) -> str:
    with db.write() as session:
        return progress.record(session, teacher, item, kind, payload)


def _progress(db: Database, teacher: Teacher, item: str, kind: str) -> ItemProgress:
    with db.read_session() as session:
        events = progress.events_for(session, teacher, [item])[item]
    return progress.derive(kind, events)


# --- the event log ---------------------------------------------------------------------------


def test_events_are_appended_with_a_rising_sequence(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db)
    ids = []
    for start in (0.0, 10.0, 20.0):
        clock.advance(seconds=10)
        with db.write() as session:
            ids.append(
                progress.record(
                    session,
                    teacher,
                    VIDEO,
                    VIDEO_WATCHED,
                    {"start": start, "end": start + 10, "duration": 100.0},
                    clock=clock,
                )
            )
    with db.read_session() as session:
        rows = session.execute(
            select(ProgressEvent.id, ProgressEvent.seq, ProgressEvent.wall_time)
            .where(ProgressEvent.item_id == VIDEO)
            .order_by(ProgressEvent.seq)
        ).all()
        events = progress.events_for(session, teacher, [VIDEO])[VIDEO]

    assert [r.id for r in rows] == ids
    assert len(set(ids)) == 3
    seqs = [r.seq for r in rows]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert [r.wall_time for r in rows] == sorted(r.wall_time for r in rows)
    assert [e.seq for e in events] == seqs
    assert [e.payload["start"] for e in events] == [0.0, 10.0, 20.0]


def test_a_sequence_number_is_never_reused(db: Database) -> None:
    teacher = make_teacher(db)
    _record(db, teacher, VIDEO, VIDEO_WATCHED, start=0.0, end=5.0, duration=100.0)
    last = _record(db, teacher, VIDEO, VIDEO_WATCHED, start=5.0, end=9.0, duration=100.0)
    with db.write() as session:
        old_seq = session.scalar(select(ProgressEvent.seq).where(ProgressEvent.id == last))
        session.execute(text("DELETE FROM progress_event WHERE id = :id"), {"id": last})
    newest = _record(db, teacher, VIDEO, VIDEO_WATCHED, start=9.0, end=12.0, duration=100.0)
    with db.read_session() as session:
        new_seq = session.scalar(select(ProgressEvent.seq).where(ProgressEvent.id == newest))
    assert old_seq is not None and new_seq is not None
    assert new_seq > old_seq


def test_recording_never_changes_earlier_events(db: Database) -> None:
    teacher = make_teacher(db)
    _record(db, teacher, DOC, DOCUMENT_PAGE, page=0, pages=3)
    with db.read_session() as session:
        before = session.execute(select(ProgressEvent.seq, ProgressEvent.payload)).all()
    _record(db, teacher, DOC, DOCUMENT_PAGE, page=1, pages=3)
    with db.read_session() as session:
        after = session.execute(
            select(ProgressEvent.seq, ProgressEvent.payload).order_by(ProgressEvent.seq)
        ).all()
    assert after[: len(before)] == before
    assert len(after) == len(before) + 1


def test_one_teachers_events_are_not_anothers(db: Database) -> None:
    wang = make_teacher(db, name="王老师", pin="2468")
    li = make_teacher(db, name="李老师", pin="1357")
    _record(db, wang, VIDEO, VIDEO_WATCHED, start=0.0, end=100.0, duration=100.0)
    _record(db, li, VIDEO, VIDEO_WATCHED, start=0.0, end=10.0, duration=100.0)

    assert _progress(db, wang, VIDEO, "video").done
    mine = _progress(db, li, VIDEO, "video")
    assert (mine.share, mine.done) == (0.1, False)
    with db.read_session() as session:
        assert progress.events_for(session, li, [DOC]) == {DOC: []}


def test_events_for_returns_every_asked_item(db: Database) -> None:
    teacher = make_teacher(db)
    _record(db, teacher, DOC, DOCUMENT_PAGE, page=2, pages=5)
    with db.read_session() as session:
        found = progress.events_for(session, teacher, [VIDEO, DOC])
        assert progress.events_for(session, teacher, []) == {}
    assert found[VIDEO] == []
    assert [e.payload for e in found[DOC]] == [{"page": 2, "pages": 5}]


def test_progress_survives_closing_and_reopening(db_path: Path) -> None:
    db = open_database(db_path)
    teacher = make_teacher(db)
    _record(db, teacher, VIDEO, VIDEO_WATCHED, start=0.0, end=40.0, duration=80.0)
    _record(db, teacher, DOC, DOCUMENT_PAGE, page=0, pages=2)
    _record(db, teacher, DOC, DOCUMENT_PAGE, page=1, pages=2)
    db.close()

    db = open_database(db_path)
    try:
        video = _progress(db, teacher, VIDEO, "video")
        assert (video.share, video.resume_at, video.done) == (0.5, 40.0, False)
        assert _progress(db, teacher, DOC, "document").done
    finally:
        db.close()


# --- videos: the union of what was watched ---------------------------------------------------


def test_nothing_watched_is_not_started() -> None:
    assert progress.video_progress([]) == ItemProgress.none()
    assert not ItemProgress.none().started


def test_overlapping_ranges_are_not_counted_twice() -> None:
    seen = progress.video_progress(watched((0, 30), (20, 40), (10, 25)))
    assert seen.share == pytest.approx(0.40)
    assert seen.started and not seen.done


def test_skipping_ahead_does_not_count_as_watching() -> None:
    # Watched the first 10 s, dragged the slider to 90 s, watched to the end.
    seen = progress.video_progress(watched((0, 10), (90, 100)))
    assert seen.share == pytest.approx(0.20)
    assert not seen.done


def test_watching_the_same_part_again_adds_nothing() -> None:
    once = progress.video_progress(watched((0, 50)))
    thrice = progress.video_progress(watched((0, 50), (0, 50), (10, 40)))
    assert once.share == thrice.share == pytest.approx(0.5)


def test_ninety_five_percent_counts_as_done() -> None:
    assert not progress.video_progress(watched((0, 94.9))).done
    assert progress.video_progress(watched((0, 95))).done
    # Credits skipped: 0-60 and 65-100 is 95 s of 100.
    assert progress.video_progress(watched((0, 60), (65, 100))).done


def test_done_only_from_watching_not_from_ranges_past_the_end() -> None:
    # A player reporting positions past the duration must not fill in the missing minutes.
    seen = progress.video_progress(watched((0, 50), (120, 160), duration=100.0))
    assert seen.share == pytest.approx(0.5)
    assert not seen.done


def test_a_range_starting_before_zero_is_clipped() -> None:
    assert progress.video_progress(watched((-5, 10))).share == pytest.approx(0.10)


def test_resume_at_the_end_of_the_last_range_watched() -> None:
    # Watched 0-50, then went back and watched 10-20: resume where she stopped, at 20 s.
    assert progress.video_progress(watched((0, 50), (10, 20))).resume_at == 20.0
    assert progress.video_progress(watched((0, 10), (30, 42.5))).resume_at == 42.5


@pytest.mark.parametrize("end", [100.0, 99.5, 99.0])
def test_finished_at_the_very_end_starts_again_from_zero(end: float) -> None:
    seen = progress.video_progress(watched((0, end)))
    assert seen.resume_at == 0.0
    assert seen.done


def test_stopping_shortly_before_the_end_resumes_there() -> None:
    assert progress.video_progress(watched((0, 97))).resume_at == 97.0


def test_the_longest_duration_reported_is_used() -> None:
    events = [
        Event(1, VIDEO_WATCHED, {"start": 0, "end": 60, "duration": 0}),  # not yet known
        Event(2, VIDEO_WATCHED, {"start": 60, "end": 90, "duration": 120}),
    ]
    assert progress.video_progress(events).share == pytest.approx(0.75)


def test_a_video_without_a_known_duration_shows_no_progress() -> None:
    assert progress.video_progress(watched((0, 30), duration=0)) == ItemProgress.none()


def test_merge_ranges() -> None:
    assert progress.merge_ranges([]) == []
    assert progress.merge_ranges([(5, 10), (0, 3), (2, 6), (20, 25)]) == [(0, 10), (20, 25)]
    assert progress.merge_ranges([(0, 5), (5, 8)]) == [(0, 8)]  # touching ranges join
    assert progress.merge_ranges([(8, 2)]) == [(2, 8)]


# --- documents: the pages seen ---------------------------------------------------------------


def test_pages_seen_out_of_the_total() -> None:
    seen = progress.document_progress(pages(0, 1, 3))
    assert seen.share == pytest.approx(0.6)
    assert not seen.done
    assert seen.started


def test_a_page_seen_twice_counts_once() -> None:
    assert progress.document_progress(pages(0, 1, 0, 1, 1)).share == pytest.approx(0.4)


def test_a_document_is_done_when_every_page_was_seen() -> None:
    assert progress.document_progress(pages(4, 0, 2, 1, 3)).done
    assert not progress.document_progress(pages(0, 1, 2, 3)).done


def test_a_document_resumes_on_the_last_page_seen() -> None:
    assert progress.document_progress(pages(0, 1, 2, 1)).resume_at == 1
    assert progress.document_progress(pages(0, 1, 2, 3, 4)).resume_at == 4


def test_pages_outside_the_document_do_not_count() -> None:
    seen = progress.document_progress(pages(0, 5, -1, total=5))
    assert seen.share == pytest.approx(0.2)


def test_derive_picks_by_kind() -> None:
    assert progress.derive("video", watched((0, 100))).done
    assert progress.derive("document", pages(0, total=1)).done
    assert progress.derive("quiz", watched((0, 100))) == ItemProgress.none()
    # A document's events do not make a video watched, nor the reverse.
    assert progress.derive("video", pages(0, total=1)) == ItemProgress.none()
    assert progress.derive("document", watched((0, 100))) == ItemProgress.none()


# --- the player's positions, turned into ranges ----------------------------------------------


def _feed(tracker: progress.WatchTracker, positions: list[float]) -> list[tuple[float, float]]:
    ranges = [r for p in positions if (r := tracker.update(p)) is not None]
    if (last := tracker.flush()) is not None:
        ranges.append(last)
    return ranges


def test_playing_on_is_one_range_handed_out_every_few_seconds() -> None:
    tracker = progress.WatchTracker(max_step=1.5, flush_every=10.0)
    ranges = _feed(tracker, [float(s) for s in range(0, 26)])
    assert ranges == [(0.0, 10.0), (10.0, 20.0), (20.0, 25.0)]


def test_a_seek_forward_ends_the_range_and_is_not_counted() -> None:
    tracker = progress.WatchTracker(max_step=1.5, flush_every=100.0)
    ranges = _feed(tracker, [0.0, 1.0, 2.0, 3.0, 60.0, 61.0, 62.0])
    assert ranges == [(0.0, 3.0), (60.0, 62.0)]
    assert progress.video_progress(watched(*ranges)).share == pytest.approx(0.05)


def test_a_seek_back_starts_a_new_range() -> None:
    tracker = progress.WatchTracker(max_step=1.5, flush_every=100.0)
    assert _feed(tracker, [10.0, 11.0, 12.0, 5.0, 6.0]) == [(10.0, 12.0), (5.0, 6.0)]


def test_pausing_and_flushing_twice_hands_out_nothing_more() -> None:
    tracker = progress.WatchTracker()
    tracker.update(4.0)
    tracker.update(5.0)
    assert tracker.flush() == (4.0, 5.0)
    assert tracker.flush() is None
    tracker.reset()
    assert tracker.update(30.0) is None
    assert tracker.flush() is None  # a single position covers no time


def test_the_range_being_watched_is_visible_before_it_is_handed_out() -> None:
    tracker = progress.WatchTracker(max_step=1.5, flush_every=10.0)
    assert tracker.current() is None
    for second in (3.0, 4.0, 5.0):
        tracker.update(second)
    assert tracker.current() == (3.0, 5.0)
    assert tracker.flush() == (3.0, 5.0)
    assert tracker.current() is None


def test_a_form_is_started_by_its_first_answer_and_done_once_submitted() -> None:
    assert progress.derive("questionnaire", []) == ItemProgress.none()
    answered = [Event(1, FORM_ANSWER, {"response": "r", "question": "q", "value": 1})]
    started = progress.derive("quiz", answered)
    assert started.started and not started.done and started.share == 0.0
    submitted = [*answered, Event(2, FORM_SUBMITTED, {"response": "r", "answers": {}})]
    done = progress.derive("questionnaire", submitted)
    assert done.done and done.share == 1.0
