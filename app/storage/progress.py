"""A teacher's progress: an append-only log of events, and what is derived from it.

Events are facts ("watched 12.0-20.5 s of a 60 s video", "saw page 3 of 5"); they are only
ever inserted, each with a client-made UUID, the wall time (for people; never used to order or
merge) and a local monotonic sequence. What the UI shows is computed from them: a video's
watched share is the union of its watched ranges, so skipping ahead does not count as watching.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.storage.clock import Clock, utc_now
from app.storage.ids import new_id
from app.storage.models import ProgressEvent
from app.storage.profiles import Teacher
from wire.sync import FORM_ANSWER, FORM_PAGE, FORM_SUBMITTED

VIDEO_WATCHED = "video.watched"  # payload: start, end, duration (seconds)
DOCUMENT_PAGE = "document.page"  # payload: page (0-based), pages

#: Share of a video that must have been watched for it to count as done.
VIDEO_DONE_SHARE = 0.95


@dataclass(frozen=True)
class Event:
    seq: int
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ItemProgress:
    """What a teacher has done with one item, derived from their events."""

    share: float  # 0.0 - 1.0
    done: bool
    resume_at: float  # video: seconds; document: page index
    started: bool

    @classmethod
    def none(cls) -> ItemProgress:
        return cls(share=0.0, done=False, resume_at=0.0, started=False)


def record(
    session: Session,
    teacher: Teacher,
    item_id: str,
    kind: str,
    payload: dict[str, Any],
    *,
    clock: Clock = utc_now,
) -> str:
    """Appends one event (in the caller's write transaction); returns its id."""
    event_id = new_id()
    session.execute(
        insert(ProgressEvent).values(
            id=event_id,
            profile_id=teacher.id,
            item_id=item_id,
            kind=kind,
            payload=json.dumps(payload, separators=(",", ":")),
            wall_time=clock(),
        )
    )
    return event_id


def events_for(
    session: Session, teacher: Teacher, item_ids: Iterable[str]
) -> dict[str, list[Event]]:
    """The teacher's events for these items, oldest first."""
    ids = list(item_ids)
    out: dict[str, list[Event]] = {item_id: [] for item_id in ids}
    if not ids:
        return out
    rows = session.execute(
        select(ProgressEvent.item_id, ProgressEvent.seq, ProgressEvent.kind, ProgressEvent.payload)
        .where(ProgressEvent.profile_id == teacher.id, ProgressEvent.item_id.in_(ids))
        .order_by(ProgressEvent.seq)
    )
    for item_id, seq, kind, payload in rows:
        out[item_id].append(Event(seq, kind, json.loads(payload)))
    return out


def merge_ranges(ranges: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of closed ranges, as sorted disjoint ranges."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((min(a, b), max(a, b)) for a, b in ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def video_progress(events: Sequence[Event]) -> ItemProgress:
    watched = [e.payload for e in events if e.kind == VIDEO_WATCHED]
    if not watched:
        return ItemProgress.none()
    duration = max(float(p.get("duration", 0.0)) for p in watched)
    if duration <= 0:
        return ItemProgress.none()
    ranges = merge_ranges((float(p["start"]), float(p["end"])) for p in watched)
    # Clipped to the video after merging: clipping first turned a range past the end into a
    # reversed one, which merge_ranges then counted as watched.
    covered = sum(max(0.0, min(duration, end) - max(0.0, start)) for start, end in ranges)
    share = min(1.0, covered / duration)
    resume = float(watched[-1]["end"])
    if resume >= duration - 1.0:  # stopped at the very end: start again from the beginning
        resume = 0.0
    return ItemProgress(share=share, done=share >= VIDEO_DONE_SHARE, resume_at=resume, started=True)


def document_progress(events: Sequence[Event]) -> ItemProgress:
    pages_seen = [e.payload for e in events if e.kind == DOCUMENT_PAGE]
    if not pages_seen:
        return ItemProgress.none()
    total = max(int(p["pages"]) for p in pages_seen)
    if total <= 0:
        return ItemProgress.none()
    seen = {int(p["page"]) for p in pages_seen if 0 <= int(p["page"]) < total}
    share = len(seen) / total
    return ItemProgress(
        share=share, done=len(seen) == total, resume_at=float(pages_seen[-1]["page"]), started=True
    )


def form_progress(events: Sequence[Event]) -> ItemProgress:
    """A questionnaire or quiz: started with its first answer, done once submitted (the
    records of :mod:`app.storage.responses`)."""
    kinds = {e.kind for e in events}
    if FORM_SUBMITTED in kinds:
        return ItemProgress(share=1.0, done=True, resume_at=0.0, started=True)
    if kinds & {FORM_ANSWER, FORM_PAGE}:
        return ItemProgress(share=0.0, done=False, resume_at=0.0, started=True)
    return ItemProgress.none()


def derive(kind: str, events: Sequence[Event]) -> ItemProgress:
    """The progress of an item of ``kind`` ("video", "document", ...) from its events."""
    if kind == "video":
        return video_progress(events)
    if kind == "document":
        return document_progress(events)
    if kind in ("questionnaire", "quiz"):
        return form_progress(events)
    return ItemProgress.none()


class WatchTracker:
    """Turns a player's position updates into watched ranges.

    Positions that move forward by at most ``max_step`` seconds are continuous watching; any
    other jump is a seek and starts a new range, so skipping ahead is never counted. A range is
    handed out (to be recorded as an event) every ``flush_every`` seconds of watching, and on
    :meth:`flush` (pause, seek, end, close).
    """

    def __init__(self, max_step: float = 1.5, flush_every: float = 10.0) -> None:
        self.max_step = max_step
        self.flush_every = flush_every
        self._start: float | None = None
        self._last: float | None = None

    def update(self, position: float) -> tuple[float, float] | None:
        """Feeds a position (seconds); returns a range to record, if one is due."""
        if self._last is None or self._start is None:
            self._start = self._last = position
            return None
        step = position - self._last
        if 0.0 <= step <= self.max_step:
            self._last = position
            if self._last - self._start >= self.flush_every:
                done = (self._start, self._last)
                self._start = self._last
                return done
            return None
        cut = self.flush()
        self._start = self._last = position
        return cut

    def current(self) -> tuple[float, float] | None:
        """The range being watched now, not yet handed out."""
        if self._start is None or self._last is None or self._last <= self._start:
            return None
        return (self._start, self._last)

    def flush(self) -> tuple[float, float] | None:
        """Ends the current range; returns it if it covers any time."""
        if self._start is None or self._last is None:
            return None
        done = (self._start, self._last) if self._last > self._start else None
        self._start = self._last
        return done

    def reset(self) -> None:
        self._start = self._last = None
