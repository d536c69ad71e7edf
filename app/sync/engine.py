"""One sync with the county server: explicit stages, each committed before the next.

Stages (the one reached is kept in ``SYNC_STAGE``, for the log and the status line):

``check``
    ``GET /info``: the server is there; the clock offset is noted; a server whose id changed
    (reinstalled) stops the sync: the PC must enroll again (:mod:`app.sync.devices`).
``push``
    First the profile records of teachers the server does not know yet, then every local record
    after ``PUSH_CURSOR``, in batches, oldest first. A batch's acknowledgement, the records it
    refused and the new cursor are written in one transaction, so a sync killed at any point
    sends at most the batch in flight again, and the server keeps each record once. The batch
    size follows the link: doubled while batches are quick, halved when one was slow or cut.
``catalog``
    :func:`app.sync.catalog_sync.refresh_catalog`, page by page.
``pull``
    Each teacher's records made on other PCs after the teacher's cursor, page by page; a page's
    records and cursors are written in one transaction.
``done``
    ``LAST_SYNC`` and the last contact are recorded.

The wall clock of this PC is never used to order or merge anything: records carry it for
people, the server orders by its own sequence.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from app.storage import records, settings
from app.storage.clock import Clock, utc_now
from app.storage.db import Database
from app.sync.catalog_sync import probe, record_contact, refresh_catalog
from app.sync.client import ServerClient, gzip_body
from app.sync.errors import BadResponseError, NotEnrolledError, OfflineError, ServerError
from app.sync.transport import Timeout
from wire.sync import (
    PROFILE_CREATED,
    PULL_MAX_LIMIT,
    PUSH_MAX_RECORDS,
    TEACHER_NOT_ON_DEVICE,
    PullResult,
    PushResult,
)

BATCH_MIN = 50
BATCH_MAX = PUSH_MAX_RECORDS
#: A batch answered faster than this doubles the next one; slower than SLOW_S halves it.
QUICK_S = 1.0
SLOW_S = 8.0
PUSH_TIMEOUT = (10.0, 120.0)

#: ``on_progress(stage, done, total)``; ``total`` is 0 when not known.
ProgressCallback = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    """What one sync did. ``complete`` only when every stage finished."""

    pushed: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    courses_changed: int = 0
    waiting: int = 0
    problems: int = 0
    teachers_refused: int = 0
    clock_offset_s: float = 0.0
    complete: bool = False
    stopped: bool = False
    stages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "pushed": self.pushed,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "pulled": self.pulled,
            "courses_changed": self.courses_changed,
            "waiting": self.waiting,
            "problems": self.problems,
            "teachers_refused": self.teachers_refused,
            "clock_offset_s": self.clock_offset_s,
            "complete": self.complete,
            "stopped": self.stopped,
        }


@dataclass(frozen=True)
class _Prepared:
    """A batch read from the outbox and its request body."""

    batch: list[records.Outgoing]
    body: bytes
    size: int


class SyncEngine:
    """Runs the stages above against one server.

    Args:
        db: the client database.
        client: the county server, with this PC's token.
        clock: naive-UTC now (injected: tests set it years off).
        should_stop: checked between batches and pages; a stopped sync returns early with
            everything done so far committed.
        on_progress: told after each batch or page.
        pull_limit: records asked for per pull page.
        batch_size: records per push, fixed (default: adapted to the link, remembered).
        push_timeout: ``(connect, read)`` seconds for a push: longer than other requests, as
            the server answers only once it has committed a whole batch.
    """

    def __init__(
        self,
        db: Database,
        client: ServerClient,
        *,
        clock: Clock = utc_now,
        should_stop: Callable[[], bool] | None = None,
        on_progress: ProgressCallback | None = None,
        pull_limit: int = PULL_MAX_LIMIT,
        batch_size: int | None = None,
        push_timeout: Timeout = PUSH_TIMEOUT,
    ) -> None:
        self.db = db
        self.client = client
        self.clock = clock
        self.should_stop = should_stop or (lambda: False)
        self.on_progress = on_progress or (lambda _stage, _done, _total: None)
        self.pull_limit = pull_limit
        self.fixed_batch = batch_size
        self.push_timeout = push_timeout
        self.report = SyncReport()

    def run(self) -> SyncReport:
        """One sync.

        Raises:
            NotEnrolledError: this PC has no credential the server accepts.
            DeviceRevokedError, OfflineError, ServerError, BadResponseError: the sync stopped;
                what was committed stays, the next sync goes on from there.
            DiskFullError: the write in progress was rolled back.
        """
        with self.db.read_session() as session:
            token = settings.get(session, settings.DEVICE_TOKEN)
        if not token:
            raise NotEnrolledError("this computer is not enrolled with the county server")
        self.client.token = token
        for stage, step in (
            ("check", self._check),
            ("push", self._push),
            ("catalog", self._catalog),
            ("pull", self._pull),
        ):
            if self.should_stop():
                self.report.stopped = True
                break
            self._enter(stage)
            step()
        else:
            self._finish()
        self._count_waiting()
        return self.report

    # --- stages -------------------------------------------------------------------------

    def _enter(self, stage: str) -> None:
        self.report.stages.append(stage)
        with self.db.write() as session:
            settings.put(session, settings.SYNC_STAGE, stage)

    def _check(self) -> None:
        info, self.report.clock_offset_s = probe(self.client, self.clock)
        with self.db.write() as session:
            known = settings.get(session, settings.SERVER_ID)
            if known and info.server_id and info.server_id != known:
                raise NotEnrolledError(
                    "the county server was reinstalled (its id changed): enroll again"
                )
            record_contact(session, self.report.clock_offset_s, clock=self.clock)

    def _push(self) -> None:
        with self.db.read_session() as session:
            unlinked = records.unlinked_profile_records(session)
            cursor = settings.get(session, settings.PUSH_CURSOR)
        if unlinked:
            body = gzip_body(encode_batch(unlinked, self.clock()))
            self._send(_Prepared(unlinked, body, 0), advance=False)
        # The next batch is read and encoded while the server stores the one before: the two
        # halves of a push overlap. The prepared batch starts after the one in flight; if that
        # one fails, the sync ends and the next sync starts again from the stored cursor.
        with ThreadPoolExecutor(1, thread_name_prefix="push-prepare") as prepare:
            upcoming = prepare.submit(self._prepare, cursor)
            while not self.should_stop():
                current = upcoming.result()
                if not current.batch:
                    return
                upcoming = prepare.submit(self._prepare, current.batch[-1].seq)
                self._send(current, advance=True)
        self.report.stopped = True

    def _prepare(self, after_seq: int) -> _Prepared:
        with self.db.read_session() as session:
            size = self.fixed_batch or settings.get(session, settings.PUSH_BATCH)
            size = max(BATCH_MIN, min(size, BATCH_MAX))
            batch = records.pending(session, after_seq, size)
        body = gzip_body(encode_batch(batch, self.clock())) if batch else b""
        return _Prepared(batch, body, size)

    def _send(self, prepared: _Prepared, *, advance: bool) -> None:
        """Pushes a batch; with ``advance``, moves the push cursor past it and adapts the batch
        size (to the size asked for: a short last batch says nothing about the link)."""
        batch, size = prepared.batch, prepared.size
        started = time.monotonic()
        try:
            result = self.client.push(prepared.body, timeout=self.push_timeout, compressed=True)
        except OfflineError:
            if advance and time.monotonic() - started > SLOW_S:
                self._resize(size, slow=True)
            raise
        elapsed = time.monotonic() - started
        refused = {r.id for r in result.rejected}
        created = {r.teacher for r in batch if r.kind == PROFILE_CREATED and r.id not in refused}
        with self.db.write() as session:
            records.note_rejections(session, result.rejected, clock=self.clock)
            records.mark_linked(session, created)
            if advance:
                # Never back: a USB receipt applied meanwhile may have moved it further.
                cursor = max(settings.get(session, settings.PUSH_CURSOR), batch[-1].seq)
                settings.put(session, settings.PUSH_CURSOR, cursor)
                if self.fixed_batch is None and (len(batch) == size or elapsed > SLOW_S):
                    settings.put(session, settings.PUSH_BATCH, next_batch_size(size, elapsed))
        self._tally(result)
        self.on_progress("push", self.report.pushed + self.report.duplicates, 0)

    def _resize(self, size: int, *, slow: bool) -> None:
        if self.fixed_batch is not None:
            return
        with self.db.write() as session:
            settings.put(
                session, settings.PUSH_BATCH, next_batch_size(size, SLOW_S * 2 if slow else 0)
            )

    def _tally(self, result: PushResult) -> None:
        self.report.pushed += result.accepted
        self.report.duplicates += result.duplicates
        self.report.rejected += len(result.rejected)

    def _catalog(self) -> None:
        self.report.courses_changed = refresh_catalog(
            self.db,
            self.client,
            clock=self.clock,
            should_stop=self.should_stop,
            on_page=lambda pages, changed: self.on_progress("catalog", changed, 0),
            check_first=False,
        )

    def _pull(self) -> None:
        with self.db.read_session() as session:
            cursors = {s.teacher: s.cursor for s in records.pull_cursors(session)}
        if not cursors:
            return
        # The next page is asked for while this one is being stored (its cursors are in the
        # answer); a page is stored, with its cursors, in one transaction, in order.
        with ThreadPoolExecutor(1, thread_name_prefix="pull-fetch") as fetch:
            upcoming: Future[PullResult] | None = fetch.submit(self._fetch_page, cursors)
            while upcoming is not None:
                try:
                    result = upcoming.result()
                except ServerError as exc:
                    if exc.status != 403 or exc.code != TEACHER_NOT_ON_DEVICE:
                        raise
                    cursors = self._drop_refused_teachers(cursors)
                    upcoming = fetch.submit(self._fetch_page, cursors) if cursors else None
                    continue
                more = next_cursors(cursors, result)
                stop = self.should_stop()
                upcoming = fetch.submit(self._fetch_page, more) if more and not stop else None
                self._store_pull(cursors, result)
                cursors = more
                if stop and more:
                    self.report.stopped = True

    def _fetch_page(self, cursors: dict[str, int]) -> PullResult:
        return self.client.pull(cursors, self.pull_limit)

    def _store_pull(self, cursors: dict[str, int], result: PullResult) -> None:
        """Stores one page and its cursors in one transaction."""
        with self.db.write() as session:
            push_cursor = settings.get(session, settings.PUSH_CURSOR)
            for changes in result.teachers:
                if changes.teacher not in cursors:
                    continue  # not asked for: ignore rather than trust
                self.report.pulled += records.store_pulled(
                    session,
                    changes.teacher,
                    changes.records,
                    changes.cursor,
                    changes.profile,
                    push_cursor=push_cursor,
                )
        self.on_progress("pull", self.report.pulled, 0)

    def _drop_refused_teachers(self, cursors: dict[str, int]) -> dict[str, int]:
        """The server refused a pull because a teacher here does not live on this PC for it
        (a profile copied from another PC, or this PC re-enrolled). Asks teacher by teacher,
        so the others are still pulled; refused ones are marked not linked (their profile
        records are sent again at the next push; a copied profile needs its teacher's PIN)."""
        allowed: dict[str, int] = {}
        refused: list[str] = []
        for teacher, cursor in cursors.items():
            try:
                self.client.pull({teacher: cursor}, 1)
            except ServerError as exc:
                if exc.status != 403 or exc.code != TEACHER_NOT_ON_DEVICE:
                    raise
                refused.append(teacher)
                continue
            allowed[teacher] = cursor
        if not refused:
            raise BadResponseError("/sync/pull: refused as a whole, but no teacher alone")
        with self.db.write() as session:
            records.mark_unlinked(session, refused)
        self.report.teachers_refused += len(refused)
        return allowed

    def _finish(self) -> None:
        with self.db.write() as session:
            settings.put(session, settings.SYNC_STAGE, "done")
            settings.put(session, settings.LAST_SYNC, self.clock().isoformat())
            settings.put(session, settings.LAST_SYNC_ERROR, "")
        self.report.stages.append("done")
        self.report.complete = True

    def _count_waiting(self) -> None:
        with self.db.read_session() as session:
            cursor = settings.get(session, settings.PUSH_CURSOR)
            self.report.waiting = records.pending_count(session, cursor)
            self.report.problems = records.problem_count(session)
        if self.report.waiting:
            self.report.complete = False


def next_cursors(cursors: dict[str, int], result: PullResult) -> dict[str, int]:
    """The cursors to ask with next: those of the teachers with more to come.

    A teacher may come back unchanged with ``has_more`` when the page was filled by others;
    a page in which no teacher moved at all would repeat forever, and is refused.

    Raises:
        BadResponseError: a cursor went back, or nothing moved.
    """
    more: dict[str, int] = {}
    moved = False
    for changes in result.teachers:
        since = cursors.get(changes.teacher)
        if since is None:
            continue
        if changes.cursor < since:
            raise BadResponseError(
                f"/sync/pull: cursor of {changes.teacher} went back "
                f"(since={since}, got {changes.cursor})"
            )
        moved = moved or changes.cursor > since or bool(changes.records)
        if changes.has_more:
            more[changes.teacher] = changes.cursor
    if more and not moved:
        raise BadResponseError(
            f"/sync/pull: no cursor advanced (since {cursors}); the page would repeat"
        )
    return more


def next_batch_size(size: int, elapsed_s: float) -> int:
    """The next push batch: twice as big after a quick one, half after a slow one."""
    if elapsed_s < QUICK_S:
        return min(BATCH_MAX, size * 2)
    if elapsed_s > SLOW_S:
        return max(BATCH_MIN, size // 2)
    return max(BATCH_MIN, min(BATCH_MAX, size))


def encode_batch(batch: Sequence[records.Outgoing], client_time: datetime) -> bytes:
    """A :class:`wire.sync.PushBatch` as JSON bytes, built without pydantic (hot path)."""
    document = {
        "client_time": client_time.isoformat(),
        "records": [record.wire() for record in batch],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sync_once(
    db: Database,
    client: ServerClient,
    *,
    clock: Clock = utc_now,
    should_stop: Callable[[], bool] | None = None,
    on_progress: ProgressCallback | None = None,
    batch_size: int | None = None,
) -> SyncReport:
    """Runs :class:`SyncEngine` once; on failure notes why in ``LAST_SYNC_ERROR`` and re-raises."""
    engine = SyncEngine(
        db,
        client,
        clock=clock,
        should_stop=should_stop,
        on_progress=on_progress,
        batch_size=batch_size,
    )
    try:
        return engine.run()
    except Exception as exc:
        try:
            with db.write() as session:
                settings.put(session, settings.LAST_SYNC_ERROR, f"{type(exc).__name__}: {exc}")
        except Exception:  # the database itself may be the problem (full disk): keep the first
            pass
        raise
