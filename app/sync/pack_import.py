"""Importing a USB content pack (:mod:`wire.pack`) into this PC's content store.

Two steps, each a function the import window runs in a worker thread:

:func:`scan_pack` reads the pack's index, verifies every course's signature against the county
keys this PC carries (cheap: a few KB per course), and compares with what this PC has: the
:class:`PackPlan` says, per course, whether it is new, an update, already here, older than
here, or refused (and why), how many bytes would be copied, and how much disk is free.

:func:`import_pack` copies the chosen courses. It trusts nothing the scan saw: each course's
document is read and verified again (the stick may have been swapped), sizes and hashes come
from the signed documents (never from the index), and every blob is hashed while it is copied
(:mod:`app.sync.pack_copy`). Blobs already in the content store are skipped, and a blob two
courses share is copied once. A course becomes visible (its rows, its assets marked stored,
its signed document kept, its files out of the download queue) in one database transaction,
only once all its files are durable under their final names. Files go in place in batches
(every :data:`FLUSH_BYTES`, every :data:`FLUSH_EVERY_S` once a course is complete, and at the
end), one disk barrier per batch rather than one fsync per file. A crash (or a power cut) at
any moment leaves unverified or undurable bytes only in the import's own temporary folder,
which the next import removes; a blob under its final name is verified and on the disk, and a
course visible in the database has all its files. The workers copy at most
:data:`LOOKAHEAD_COURSES` courses past the one in progress, so a pulled stick or a cancel
costs little, and courses become complete in order.

Decisions:

- Free space: an import must leave the download reserve free (the county's ``reserve``, or
  this PC's setting: :func:`app.sync.policy.load_policy`), the same rule downloads follow,
  so a stick can never fill the disk Windows and the lessons need. ``PackPlan.fits`` and the
  check before copying include it.
- Same version: a course this PC has at the pack's version is ``PRESENT`` when its files are
  all here; when they are not (the course came in the network catalog, its downloads never
  finished, or a file went missing) it is ``NEW``: the import copies only the missing files.
- Never downgrade: a course this PC has at a newer version is ``OLDER`` and left alone.
- Signatures of courses already here: a ``PRESENT`` course this PC holds without the county's
  signature (it came from a server without the signing key) takes the pack's signed document
  when it verifies and says exactly what this PC shows (:func:`app.storage.packs.keep_signature`),
  so the PC can pass it on in a peer pack. No file is copied; ``ImportReport.signed`` lists
  them. This is done for every ``PRESENT`` course of the plan, chosen or not: it changes nothing
  a teacher sees.
- Partial downloads: once an import has put files in the store, the partial downloads of those
  files (and others nobody will finish) are removed (:func:`app.sync.partial_sweep.sweep_if_idle`,
  after the database commit, skipped while a download run holds the downloads lock).
- Stopping (cancelled, the stick pulled out, the disk full): courses whose files were all
  copied are still made visible, and verified files of the course cut off are kept in the
  store, so running the import again copies only what is missing. A course that fails (a
  missing or damaged file) is not visible; its other verified files stay, harmless (files are
  named by their hash).

:func:`import_pack` never raises for a stick, disk or course problem: :class:`ImportReport`
says what happened. ``on_progress`` and ``should_stop`` are called on the calling thread.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.county import CountyProfile
from app.storage import packs
from app.storage.clock import Clock, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.errors import DiskFullError
from app.sync.pack_copy import (
    WORKERS,
    BlobCopier,
    BlobJob,
    CopyResult,
    StickGone,
    Stopped,
    make_durable,
    run_folder,
    stick_present,
)
from app.sync.partial_sweep import sweep_if_idle
from app.sync.policy import load_policy
from wire.blobs import BlobStore, DiskFull
from wire.pack import (
    CourseContent,
    IndexCourse,
    PackError,
    Problem,
    VerifiedCourse,
    read_index,
    verify_course,
)

log = logging.getLogger(__name__)

#: Verified bytes waiting for a disk barrier before they are put in place, at most.
FLUSH_BYTES = 256 * 1024 * 1024
#: Once a course is complete, it is made visible at least this often (seconds).
FLUSH_EVERY_S = 5.0
#: How many courses past the one being copied the workers may start on.
LOOKAHEAD_COURSES = 2
#: Progress is reported at most this often (seconds), and when the course changes.
PROGRESS_EVERY_S = 0.1


class CourseState(StrEnum):
    """A pack's course compared with this PC."""

    NEW = "new"  # not here, or listed here but its files are not all here
    UPDATE = "update"  # here at an older version
    PRESENT = "present"  # here at this version, every file here: nothing to copy
    OLDER = "older"  # here at a newer version: left alone
    PROBLEM = "problem"  # refused: see CourseInPack.problem


@dataclass(frozen=True)
class CourseInPack:
    """One course of a pack, as :func:`scan_pack` found it.

    Attributes:
        size: bytes of its distinct files (from the signed document; for a refused course,
            what the untrusted index says).
        new_bytes: of them, bytes not in the content store yet.
        assets: how many distinct files.
    """

    id: str
    title: str
    version: int
    size: int
    new_bytes: int
    assets: int
    state: CourseState
    problem: PackError | None = None


@dataclass(frozen=True)
class PackPlan:
    """What a pack holds, against this PC.

    Attributes:
        county: the county code the pack's index names (each course is checked on its own).
        total_bytes: bytes of the distinct files of the courses that verified.
        new_bytes: bytes to copy for every importable course (a shared file counted once).
        free_bytes: free space where the content store is.
        reserve: bytes an import must leave free (the download reserve; see the module doc).
    """

    root: Path
    county: str
    courses: tuple[CourseInPack, ...]
    total_bytes: int
    new_bytes: int
    free_bytes: int
    reserve: int = 0

    def importable(self) -> list[str]:
        """Ids of the courses an import would copy (``NEW`` or ``UPDATE``), in pack order."""
        return [c.id for c in self.courses if c.state in (CourseState.NEW, CourseState.UPDATE)]

    @property
    def fits(self) -> bool:
        """Whether every importable course fits, leaving the reserve free (nothing to copy
        always fits)."""
        return self.shortfall == 0

    @property
    def shortfall(self) -> int:
        """Bytes to free before every importable course fits (0 when it does)."""
        if not self.new_bytes:
            return 0
        return max(0, self.new_bytes + self.reserve - self.free_bytes)


@dataclass(frozen=True)
class ImportProgress:
    """How an import goes (bytes and files: of what is copied, not of what is skipped)."""

    course_id: str
    course_title: str
    done_bytes: int
    total_bytes: int
    files_done: int
    files_total: int


class StopReason(StrEnum):
    DONE = "done"  # every chosen course was handled (see ImportReport.failed)
    CANCELLED = "cancelled"  # should_stop said so
    STICK_GONE = "stick_gone"  # the pack could not be read any more
    DISK_FULL = "disk_full"  # not enough free space (checked before, or ENOSPC while copying)


@dataclass
class ImportReport:
    """How an import ended.

    Attributes:
        imported: courses made visible (new or updated), in import order.
        unchanged: courses left as they were (already here, or here at a newer version).
        signed: courses already here at the pack's version, unsigned until now, whose county
            signature was kept from the pack (no file copied; a chosen one is also in
            ``unchanged``).
        failed: courses refused, with why (their ``PackError.problem``).
        stopped: why the import ended.
        bytes_copied, files_copied: verified bytes and files copied into the store.
        message: a plain sentence for the terminal and the log (the UI words its own).
        left: chosen courses not reached because the import stopped; run it again.
    """

    imported: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    signed: list[str] = field(default_factory=list)
    failed: dict[str, PackError] = field(default_factory=dict)
    stopped: StopReason = StopReason.DONE
    bytes_copied: int = 0
    files_copied: int = 0
    message: str = ""
    left: list[str] = field(default_factory=list)


def free_space(path: Path) -> int:
    return shutil.disk_usage(path).free


def _present(store: BlobStore, sha256: str, size: int, cache: dict[str, bool]) -> bool:
    """Whether the store holds the blob: the store only ever has verified files under final
    names, so a file of the right size is the blob."""
    known = cache.get(sha256)
    if known is None:
        try:  # os.path, not pathlib: this runs for every file of a pack
            known = os.stat(os.path.join(store.root, sha256[:2], sha256)).st_size == size
        except OSError:
            known = False
        cache[sha256] = known
    return known


def scan_pack(root: Path, db: Database, content: ContentStore, county: CountyProfile) -> PackPlan:
    """Reads the pack at ``root`` and compares it with this PC (see the module doc).

    Raises:
        PackError: the pack cannot be read at all (``NOT_A_PACK``, ``MALFORMED`` or
            ``TOO_LARGE`` index, ``NEWER_FORMAT``, ``UNSAFE_NAME``, ``READ_FAILED``). A
            course's own problems are in its :attr:`CourseInPack.problem`.
    """
    index = read_index(root)
    entries: dict[str, IndexCourse] = {}
    for listed in index.courses:
        entries.setdefault(listed.id, listed)  # an id listed twice: the first entry counts
    verified: dict[str, CourseContent] = {}
    courses: dict[str, CourseInPack] = {}
    for entry in entries.values():
        try:
            checked = verify_course(root, entry.id, list(county.signing_keys), county.code)
        except PackError as exc:
            courses[entry.id] = CourseInPack(
                id=entry.id,
                title=entry.title,
                version=entry.version,
                size=entry.size,
                new_bytes=0,
                assets=entry.assets,
                state=CourseState.PROBLEM,
                problem=exc,
            )
        else:
            verified[entry.id] = checked.content
    with db.read_session() as session:
        local = packs.local_courses(session, verified)
        reserve = load_policy(session, county.downloads).reserve
    store = content.blobs
    cache: dict[str, bool] = {}
    total: dict[str, int] = {}
    new: dict[str, int] = {}
    for course in verified.values():
        assets = course.assets()
        missing = {a.sha256: a.size for a in assets if not _present(store, a.sha256, a.size, cache)}
        state = _state(course, local.get(course.id), bool(missing))
        total.update((a.sha256, a.size) for a in assets)
        if state in (CourseState.NEW, CourseState.UPDATE):
            new.update(missing)
        courses[course.id] = CourseInPack(
            id=course.id,
            title=course.title,
            version=course.version,
            size=sum(a.size for a in assets),
            new_bytes=sum(missing.values()),
            assets=len(assets),
            state=state,
        )
    return PackPlan(
        root=root,
        county=index.county,
        courses=tuple(courses[course_id] for course_id in entries),
        total_bytes=sum(total.values()),
        new_bytes=sum(new.values()),
        free_bytes=free_space(store.root),
        reserve=reserve,
    )


def _state(course: CourseContent, here: packs.LocalCourse | None, missing: bool) -> CourseState:
    if here is None:
        return CourseState.NEW
    if here.version < course.version:
        return CourseState.UPDATE
    if here.version > course.version:
        return CourseState.OLDER
    return CourseState.NEW if missing or not here.complete else CourseState.PRESENT


def import_pack(
    plan: PackPlan,
    course_ids: Sequence[str],
    db: Database,
    content: ContentStore,
    county: CountyProfile,
    *,
    on_progress: Callable[[ImportProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    clock: Clock = utc_now,
) -> ImportReport:
    """Copies the chosen courses of a scanned pack into the content store (module doc).

    Args:
        plan: what :func:`scan_pack` found (its states say which ids are worth copying; each
            chosen course is verified again here).
        course_ids: the courses to import, in order. Ids already here go to ``unchanged``,
            refused or unknown ones to ``failed``.
        on_progress: called on this thread, at most every :data:`PROGRESS_EVERY_S` and when
            the course being copied changes.
        should_stop: polled on this thread every few hundredths of a second; when it answers
            true, copying stops within a chunk and courses already complete are kept.
    """
    return _Run(plan, db, content, county, on_progress, should_stop, clock).run(course_ids)


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n / 1e6:.1f} MB"


class _Status(StrEnum):
    WAITING = "waiting"  # files being copied
    FAILED = "failed"
    DONE = "done"  # visible (or found to be here already)


@dataclass
class _Course:
    verified: VerifiedCourse
    assets: dict[str, int]  # sha256 -> size, each distinct file once
    status: _Status = _Status.WAITING
    position: int = 0  # in the import's order
    missing: int = 0  # of its files, how many are neither in the store nor copied yet

    @property
    def id(self) -> str:
        return self.verified.content.id


class _Run:
    """One :func:`import_pack` call: the chosen courses, their copy jobs, and what is done."""

    def __init__(
        self,
        plan: PackPlan,
        db: Database,
        content: ContentStore,
        county: CountyProfile,
        on_progress: Callable[[ImportProgress], None] | None,
        should_stop: Callable[[], bool] | None,
        clock: Clock,
    ) -> None:
        self.plan, self.root, self.db, self.county, self.clock = plan, plan.root, db, county, clock
        self.content = content
        self.store = content.blobs
        self.on_progress = on_progress
        self.should_stop = should_stop or (lambda: False)
        self.report = ImportReport()
        self.stop: StopReason | None = None
        self.courses: list[_Course] = []
        self.jobs: deque[BlobJob] = deque()
        self.needed_by: dict[str, list[_Course]] = {}  # sha256 -> the courses needing it
        self.first_needed: dict[str, int] = {}  # sha256 -> index of the first such course
        self.durable: set[str] = set()  # in the store under its final name
        self.copied: list[tuple[Path, BlobJob]] = []  # verified, waiting for the barrier
        self.complete: list[_Course] = []  # every file copied: visible at the next flush
        self.pending_bytes = 0
        self.in_flight = 0
        self.cursor = 0  # the first course not fully copied
        self.total_bytes = self.files_total = 0
        self._shown: tuple[str, float] = ("", float("-inf"))

    # --- choosing and planning ---------------------------------------------------------------

    def run(self, course_ids: Sequence[str]) -> ImportReport:
        self._choose(course_ids)
        if self.stop is None:
            self._keep_signatures()
        if self.stop is None:
            self._plan_jobs()
        if self.stop is None and self._room():
            with run_folder(self.store) as tmp_dir:
                self._copy(BlobCopier(self.root, tmp_dir))
        report = self._finish()
        if report.imported or report.files_copied:  # committed: the store has new files
            sweep_if_idle(self.db, self.content, clock=self.clock)
        return report

    def _choose(self, course_ids: Sequence[str]) -> None:
        by_id = {c.id: c for c in self.plan.courses}
        ids = list(dict.fromkeys(course_ids))
        for n, course_id in enumerate(ids):
            entry = by_id.get(course_id)
            if entry is None:
                self.report.failed[course_id] = PackError(
                    Problem.MALFORMED, f"course {course_id} is not in this pack", course=course_id
                )
            elif entry.state is CourseState.PROBLEM:
                assert entry.problem is not None
                self.report.failed[course_id] = entry.problem
            elif entry.state in (CourseState.PRESENT, CourseState.OLDER):
                self.report.unchanged.append(course_id)
            else:
                try:
                    verified = verify_course(
                        self.root, course_id, list(self.county.signing_keys), self.county.code
                    )
                except PackError as exc:
                    if exc.problem is Problem.READ_FAILED or not stick_present(self.root):
                        self.stop = StopReason.STICK_GONE
                        self.report.left = [c.id for c in self.courses] + ids[n:]
                        self.courses = []
                        return
                    self.report.failed[course_id] = exc
                    continue
                assets = {a.sha256: a.size for a in verified.content.assets()}
                self.courses.append(_Course(verified, assets, position=n))
        with self.db.read_session() as session:
            here = packs.local_courses(session, [c.id for c in self.courses])
        for course in self.courses:
            local = here.get(course.id)
            if local is not None and local.version > course.verified.content.version:
                course.status = _Status.DONE
                self.report.unchanged.append(course.id)
        self.courses = [c for c in self.courses if c.status is _Status.WAITING]

    def _keep_signatures(self) -> None:
        """Keeps the pack's county signature of the courses here at its version, unsigned."""
        present = [c.id for c in self.plan.courses if c.state is CourseState.PRESENT]
        if not present:
            return
        with self.db.read_session() as session:
            unsigned = packs.unsigned_courses(session, present)
        found: list[VerifiedCourse] = []
        for course_id in (c for c in present if c in unsigned):
            try:  # again: the stick may have changed since the scan
                found.append(
                    verify_course(
                        self.root, course_id, list(self.county.signing_keys), self.county.code
                    )
                )
            except PackError as exc:
                log.info("course %s: the pack's signature is not kept: %s", course_id, exc)
        if not found:
            return
        signed: list[str] = []
        try:
            with self.db.write() as session:
                for v in found:
                    signature = v.signature.model_dump_json()
                    if packs.keep_signature(session, v.content, v.document, signature):
                        signed.append(v.content.id)
        except DiskFullError:
            self.stop = StopReason.DISK_FULL
            return
        self.report.signed = signed

    def _plan_jobs(self) -> None:
        cache: dict[str, bool] = {}
        for n, course in enumerate(self.courses):
            for sha, size in course.assets.items():
                self.needed_by.setdefault(sha, []).append(course)
                if sha in self.durable:
                    continue
                course.missing += 1
                if sha in self.first_needed:
                    continue
                if _present(self.store, sha, size, cache):
                    self.durable.add(sha)
                    course.missing -= 1
                    continue
                self.first_needed[sha] = n
                self.jobs.append(BlobJob(sha, size))
                self.total_bytes += size
            if not course.missing:
                self.complete.append(course)
        self.files_total = len(self.jobs)

    def _room(self) -> bool:
        if not self.total_bytes:
            return True
        with self.db.read_session() as session:
            reserve = load_policy(session, self.county.downloads).reserve
        free = free_space(self.store.root)
        if self.total_bytes + reserve <= free:
            return True
        self.stop = StopReason.DISK_FULL
        short = self.total_bytes + reserve - free
        self.report.message = (
            f"not enough free disk space: {_megabytes(self.total_bytes)} to copy, "
            f"{_megabytes(free)} free, and {_megabytes(reserve)} must stay free; "
            f"free at least {_megabytes(short)} and import again"
        )
        return False

    # --- copying -----------------------------------------------------------------------------

    def _copy(self, copier: BlobCopier) -> None:
        last_flush = time.monotonic()
        self._advance()
        self._progress(0, force=True)
        try:
            while self.stop is None:
                self._advance()
                self._feed(copier)
                if not self.in_flight:
                    break
                result = copier.result(timeout=0.05)
                if result is not None:
                    self._take(result)
                    self._advance()
                if self.stop is None and self.should_stop():
                    self.stop = StopReason.CANCELLED
                now = time.monotonic()
                if self.pending_bytes >= FLUSH_BYTES or (
                    self.complete and now - last_flush >= FLUSH_EVERY_S
                ):
                    self._flush()
                    last_flush = now
                self._progress(copier.in_progress())
        finally:
            for result in copier.close():
                self._take(result)
        self._progress(0, force=True)
        self._flush()

    def _feed(self, copier: BlobCopier) -> None:
        while (
            self.jobs
            and self.in_flight < 4 * WORKERS
            and self.first_needed[self.jobs[0].sha256] <= self.cursor + LOOKAHEAD_COURSES
        ):
            job = self.jobs.popleft()
            if all(c.status is _Status.FAILED for c in self.needed_by[job.sha256]):
                self.total_bytes -= job.size  # nobody needs it any more
                self.files_total -= 1
                continue
            copier.submit(job)
            self.in_flight += 1

    def _take(self, result: CopyResult) -> None:
        self.in_flight -= 1
        job, error = result.job, result.error
        if result.tmp is not None:
            self.copied.append((result.tmp, job))
            for course in self.needed_by[job.sha256]:
                course.missing -= 1
                if not course.missing and course.status is _Status.WAITING:
                    self.complete.append(course)
            self.pending_bytes += job.size
            self.report.bytes_copied += job.size
            self.report.files_copied += 1
        elif isinstance(error, PackError):
            self.total_bytes -= job.size  # not to be copied: progress can still reach the end
            self.files_total -= 1
            for course in self.needed_by[job.sha256]:
                if course.status is _Status.WAITING:
                    course.status = _Status.FAILED
                    self.report.failed[course.id] = PackError(
                        error.problem,
                        f"course {course.id}: {error.detail}",
                        course=course.id,
                        path=error.path,
                    )
        elif isinstance(error, StickGone):
            self.stop = self.stop or StopReason.STICK_GONE
        elif isinstance(error, DiskFull):
            self.stop = self.stop or StopReason.DISK_FULL
        elif not isinstance(error, Stopped) and error is not None:
            raise error

    def _advance(self) -> None:
        while self.cursor < len(self.courses) and (
            self.courses[self.cursor].status is not _Status.WAITING
            or not self.courses[self.cursor].missing
        ):
            self.cursor += 1

    def _flush(self) -> None:
        """Puts the verified files in place durably, then makes complete courses visible."""
        try:
            make_durable(self.store, self.copied)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            self.stop = StopReason.DISK_FULL
            return
        self.durable.update(job.sha256 for _, job in self.copied)
        self.copied, self.pending_bytes = [], 0
        ready = sorted(
            (c for c in self.complete if c.status is _Status.WAITING), key=lambda c: c.position
        )
        if not ready:
            return
        applied: list[tuple[_Course, bool | None]] = []
        try:
            with self.db.write() as session:
                for course in ready:
                    applied.append((course, self._apply(session, course)))
        except DiskFullError:
            self.stop = StopReason.DISK_FULL
            return
        self.complete = []
        for course, done in applied:
            if done is None:
                course.status = _Status.FAILED
                self.report.failed[course.id] = PackError(
                    Problem.MALFORMED,
                    f"course {course.id} cannot be stored: its document repeats or lacks parts",
                    course=course.id,
                )
                continue
            course.status = _Status.DONE
            (self.report.imported if done else self.report.unchanged).append(course.id)

    def _apply(self, session: Session, course: _Course) -> bool | None:
        """Applies one course in a savepoint; ``None``: the database refused it (a signed
        document the publisher would never have made, such as an item id used twice)."""
        v = course.verified
        try:
            with session.begin_nested():
                return packs.apply_pack_course(
                    session, v.content, v.document, v.signature.model_dump_json(), clock=self.clock
                )
        except IntegrityError:
            return None

    def _progress(self, in_progress: int, *, force: bool = False) -> None:
        if self.on_progress is None or not self.courses:
            return
        course = self.courses[min(self.cursor, len(self.courses) - 1)]
        now = time.monotonic()
        last_id, last_at = self._shown
        if not force and course.id == last_id and now - last_at < PROGRESS_EVERY_S:
            return
        self._shown = (course.id, now)
        self.on_progress(
            ImportProgress(
                course_id=course.id,
                course_title=course.verified.content.title,
                done_bytes=min(self.report.bytes_copied + in_progress, self.total_bytes),
                total_bytes=self.total_bytes,
                files_done=self.report.files_copied,
                files_total=self.files_total,
            )
        )

    # --- the report --------------------------------------------------------------------------

    def _finish(self) -> ImportReport:
        report = self.report
        waiting = [c.id for c in self.courses if c.status is _Status.WAITING]
        report.left = report.left or waiting
        report.stopped = self.stop or StopReason.DONE
        if report.message:
            return report
        done = (
            f"{len(report.imported)} course(s) imported, {_megabytes(report.bytes_copied)} copied"
        )
        if report.stopped is StopReason.STICK_GONE:
            report.message = (
                f"the pack at {self.root} can no longer be read (was the USB stick pulled out?); "
                f"{done}; put the stick back and import again: only what is missing is copied"
            )
        elif report.stopped is StopReason.DISK_FULL:
            report.message = (
                f"the disk is full; {done}; free some space and import again: "
                "only what is missing is copied"
            )
        elif report.stopped is StopReason.CANCELLED:
            report.message = f"import stopped; {done}; import again to copy the rest"
        else:
            report.message = done + (f", {len(report.failed)} refused" if report.failed else "")
        if report.signed:
            report.message += (
                f"; the county's signature kept for {len(report.signed)} course(s) already here"
            )
        return report
