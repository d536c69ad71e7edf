"""The USB window's work, off the UI thread: listing the sticks, reading what is on one, copying
its courses, sending this PC's progress on it, copying this PC's courses onto it for another
PC (peer copy), and registering this PC with a registration file the county put on it.

Each job runs as an :class:`~app.ui.workers.Op`; at most one of reading, copying and sending
runs at a time (listing the sticks may run beside them: it only reads). Copying stops at its
next check when :meth:`UsbWorker.cancel` is called, keeping what was already copied. The jobs
never touch a widget: their results reach the window through this worker's signals. What they
call is a :class:`UsbBackend`, the real one by default (tests may replace a part).
"""

from __future__ import annotations

import contextlib
import platform
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app import __version__
from app.context import AppContext
from app.sync.drives import Drive, bundle_root, pack_folder, removable_drives
from app.ui.workers import Op
from wire.pack import PackError, Problem
from wire.pack_writer import PackFull, PackWriteError

if TYPE_CHECKING:
    from app.sync.bundles import BundleSummary, BundleWritten, ReceiptsApplied
    from app.sync.devices import DeviceState
    from app.sync.pack_export import PeerExport, PeerPlan, RefusedCourse
    from app.sync.pack_import import ImportReport, PackPlan
    from app.sync.stick_enroll import StickOffer
    from wire.pack_courses import CopyProgress

#: At most this many progress updates a second reach the window.
PROGRESS_PER_S = 8

Progress = Callable[[Any], None]  # an ImportProgress or a PeerProgress


def _scan(context: AppContext, root: Path) -> PackPlan:
    from app.sync.pack_import import scan_pack

    return scan_pack(root, context.db, context.content, context.county)


def _import(
    context: AppContext,
    plan: PackPlan,
    course_ids: list[str],
    on_progress: Progress,
    should_stop: Callable[[], bool],
) -> ImportReport:
    from app.sync.pack_import import import_pack

    return import_pack(
        plan,
        course_ids,
        context.db,
        context.content,
        context.county,
        on_progress=on_progress,
        should_stop=should_stop,
    )


def _waiting(context: AppContext) -> BundleSummary:
    from app.sync.bundles import waiting

    return waiting(context.db)


def _apply_receipts(context: AppContext, pack_root: Path) -> ReceiptsApplied:
    from app.sync.bundles import apply_receipts

    return apply_receipts(context.db, pack_root, clock=context.clock)


def _export(context: AppContext, pack_root: Path) -> BundleWritten | None:
    from app.sync.bundles import export_bundle

    return export_bundle(context.db, pack_root, clock=context.clock)


def _enroll_offer(context: AppContext, folder: Path) -> StickOffer:
    from app.sync.stick_enroll import offer

    return offer(context.db, folder, context.county.code)


def _take_credential(context: AppContext, folder: Path, school: str | None) -> DeviceState:
    from app.sync.stick_enroll import take_credential

    return take_credential(context.db, folder, context.county.code, school)


def _peer_plan(context: AppContext, folder: Path) -> PeerPlan:
    from app.sync.pack_export import peer_plan

    return peer_plan(context.db, context.content, folder, trusted=context.county.signing_keys)


def _peer_export(
    context: AppContext,
    pack_root: Path,
    course_ids: list[str],
    on_progress: Callable[[CopyProgress], None],
    should_stop: Callable[[], bool],
) -> PeerExport:
    from app.sync.pack_export import export_courses

    return export_courses(
        context.db,
        context.content,
        pack_root,
        course_ids,
        on_progress,
        trusted=context.county.signing_keys,
        written_by=f"Lamplight {__version__} on {platform.node()}",
        should_stop=should_stop,
    )


@dataclass(frozen=True)
class UsbBackend:
    """What the window's jobs call; each part may be replaced (``dataclasses.replace``).

    ``peer_plan(context, folder)`` lists this PC's courses for the stick at ``folder``;
    ``export_courses(context, pack_root, ids, on_progress, should_stop)`` copies them there.
    ``enroll_offer(context, folder)`` says what registration files the stick offers this PC;
    ``take_credential(context, folder, school)`` takes one.
    """

    drives: Callable[[], list[Drive]] = removable_drives
    find_pack: Callable[[Path], Path | None] = pack_folder
    scan: Callable[[AppContext, Path], PackPlan] = _scan
    import_courses: Callable[..., ImportReport] = _import
    waiting: Callable[[AppContext], BundleSummary] = _waiting
    apply_receipts: Callable[[AppContext, Path], ReceiptsApplied] = _apply_receipts
    export: Callable[[AppContext, Path], BundleWritten | None] = _export
    peer_plan: Callable[[AppContext, Path], PeerPlan] = _peer_plan
    export_courses: Callable[..., PeerExport] = _peer_export
    enroll_offer: Callable[[AppContext, Path], StickOffer] = _enroll_offer
    take_credential: Callable[[AppContext, Path, str | None], DeviceState] = _take_credential


@dataclass(frozen=True)
class StickContents:
    """What a chosen stick (or folder) holds.

    Attributes:
        folder: what the teacher chose.
        pack_root: the pack in it (``None``: no courses on it).
        plan: what copying its courses would do (``None`` without a pack).
        waiting: this PC's progress not yet sent.
        offer: whether this PC is registered, and the registration files on the stick
            (``None``: not known).
    """

    folder: Path
    pack_root: Path | None
    plan: PackPlan | None
    waiting: BundleSummary
    offer: StickOffer | None = None


@dataclass(frozen=True)
class PeerProgress:
    """How copying this PC's courses to the stick goes (the names :class:`ImportProgress`
    uses, so the copying page shows both)."""

    course_id: str
    course_title: str
    done_bytes: int
    total_bytes: int


class PeerStop(StrEnum):
    """How copying this PC's courses to the stick ended."""

    DONE = "done"
    CANCELLED = "cancelled"  # "Stop copying"
    STICK_FULL = "stick_full"
    STICK_GONE = "stick_gone"  # the stick was taken out
    CANNOT_WRITE = "cannot_write"  # locked, read-only, or a file too big for its filesystem


@dataclass(frozen=True)
class PeerResult:
    """What "copy this computer's courses to the stick" did.

    Attributes:
        chosen: the course ids the teacher chose.
        copied: those the stick now holds (written now, or already there).
        refused: those that could not go, and why.
        stop: how it ended.
        short_bytes: on a full stick, how much more room the rest needs (0: not known).
    """

    chosen: list[str]
    copied: list[str]
    stop: PeerStop = PeerStop.DONE
    refused: list[RefusedCourse] = field(default_factory=list)
    short_bytes: int = 0


@dataclass(frozen=True)
class SendResult:
    """What "send our progress on this stick" did: receipts taken, then a bundle written."""

    receipts: ReceiptsApplied
    written: BundleWritten | None
    waiting: BundleSummary


class UsbWorker(QObject):
    """Runs the USB window's jobs in the background.

    Args:
        context: the running app's context.
        parent: the window.
        backend: what the jobs call (the real modules by default).

    Signals:
        drives_listed(object): the removable drives now (``list[Drive]``).
        scanned(object): a stick's :class:`StickContents`.
        progressed(object): how copying goes (an ``ImportProgress``), a few times a second.
        imported(object): copying ended with this ``ImportReport`` (done or stopped).
        sent(object): progress was sent: a :class:`SendResult`.
        peer_planned(object): this PC's courses for a stick (a ``PeerPlan``).
        peer_copied(object): copying them to the stick ended: a :class:`PeerResult`.
        enrolled(object): this PC took a registration from the stick (its ``DeviceState``).
        failed(str, object): job (``"scan"``, ``"import"``, ``"send"``, ``"peer_plan"``,
            ``"peer_copy"``, ``"enroll"``) failed with this exception.
        busy_changed(bool): a job started or ended.
    """

    drives_listed = Signal(object)
    scanned = Signal(object)
    progressed = Signal(object)
    imported = Signal(object)
    sent = Signal(object)
    peer_planned = Signal(object)
    peer_copied = Signal(object)
    enrolled = Signal(object)
    failed = Signal(str, object)
    busy_changed = Signal(bool)

    def __init__(
        self, context: AppContext, parent: QObject | None = None, backend: UsbBackend | None = None
    ) -> None:
        super().__init__(parent)
        self.context = context
        self.backend = backend or UsbBackend()
        self.busy = False
        self.listing = False
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()

    # --- the jobs ----------------------------------------------------------------------------

    def list_drives(self) -> bool:
        """Looks for sticks (unless a look is under way); returns whether one started."""
        if self.listing:
            return False
        self.listing = True
        drives = self.backend.drives

        def listed(found: list[Drive]) -> None:
            self.listing = False
            self.drives_listed.emit(found)

        def list_failed(exc: BaseException) -> None:
            self.listing = False
            raise exc

        Op(self, drives).success(listed).failure(list_failed).run()
        return True

    def scan(self, folder: Path) -> bool:
        """Reads what is on ``folder`` (a stick or a chosen folder)."""
        backend, context = self.backend, self.context

        def work() -> StickContents:
            if not folder.is_dir():  # the stick was taken out
                raise PackError(Problem.READ_FAILED, f"{folder} is not there")
            root = backend.find_pack(folder)
            plan = backend.scan(context, root) if root is not None else None
            offer = backend.enroll_offer(context, folder)
            return StickContents(folder, root, plan, backend.waiting(context), offer)

        return self._run("scan", work, self.scanned.emit)

    def import_courses(self, plan: PackPlan, course_ids: list[str]) -> bool:
        """Copies ``course_ids`` of ``plan`` to this PC; :meth:`cancel` stops it."""
        backend, context, stop = self.backend, self.context, self._stop

        def work(report: Callable[[Any], None]) -> ImportReport:
            return backend.import_courses(
                context, plan, course_ids, _every_so_often(report), stop.is_set
            )

        return self._run("import", work, self.imported.emit, progress=self.progressed.emit)

    def send_progress(self, folder: Path) -> bool:
        """Takes the county's receipts from the stick, then writes this PC's progress on it
        (in its pack, or in a new ``lamplight`` folder)."""
        backend, context = self.backend, self.context
        root = bundle_root(folder)

        def work() -> SendResult:
            receipts = backend.apply_receipts(context, root)
            written = backend.export(context, root)
            return SendResult(receipts, written, backend.waiting(context))

        return self._run("send", work, self.sent.emit)

    def take_credential(self, folder: Path, school: str | None) -> bool:
        """Registers this PC with a registration file of ``school`` on the stick at ``folder``
        (taken off the stick first, then kept here)."""
        backend, context = self.backend, self.context

        def work() -> DeviceState:
            return backend.take_credential(context, folder, school)

        return self._run("enroll", work, self.enrolled.emit)

    def peer_plan(self, folder: Path) -> bool:
        """Lists this PC's courses and what of them the stick at ``folder`` lacks."""
        backend, context = self.backend, self.context

        def work() -> PeerPlan:
            if not folder.is_dir():  # the stick was taken out
                raise PackError(Problem.READ_FAILED, f"{folder} is not there")
            return backend.peer_plan(context, folder)

        return self._run("peer_plan", work, self.peer_planned.emit)

    def peer_copy(self, folder: Path, plan: PeerPlan, course_ids: list[str]) -> bool:
        """Copies ``course_ids`` of this PC to the stick at ``folder``; :meth:`cancel` stops it.

        A full stick, a stick taken out or one that cannot be written end it with a
        :class:`PeerResult` saying so (they are what happens to sticks, not failures).
        """
        backend, context, stop = self.backend, self.context, self._stop
        ids = list(course_ids)

        def work(report: Callable[[Any], None]) -> PeerResult:
            tell = _every_so_often(report)

            def on_progress(update: CopyProgress) -> None:
                tell(PeerProgress(update.course_id, update.course_title, update.done, update.total))

            if not folder.is_dir():
                return PeerResult(ids, [], PeerStop.STICK_GONE)
            try:
                done = backend.export_courses(
                    context, plan.pack_root, ids, on_progress, stop.is_set
                )
            except PackFull as exc:
                return _full(backend, context, folder, ids, exc)
            except PackWriteError:
                if not folder.is_dir():
                    return PeerResult(ids, [], PeerStop.STICK_GONE)
                return PeerResult(
                    ids, _on_stick(backend, context, folder, ids), PeerStop.CANNOT_WRITE
                )
            report_ = done.report
            copied = [] if report_ is None else [*report_.written, *report_.unchanged]
            copied += [cid for cid, _, _ in (report_.kept_newer if report_ else [])]
            ended = PeerStop.CANCELLED if done.stopped else PeerStop.DONE
            return PeerResult(ids, [c for c in ids if c in copied], ended, list(done.refused))

        return self._run("peer_copy", work, self.peer_copied.emit, progress=self.progressed.emit)

    def waiting(self) -> BundleSummary:
        """This PC's progress not sent yet (a small query, on the calling thread)."""
        return self.backend.waiting(self.context)

    def cancel(self) -> None:
        """Copying stops at its next check; what was copied is kept."""
        self._stop.set()

    def wait_idle(self, timeout_s: float) -> bool:
        """Waits (blocking) up to ``timeout_s`` for the running job to end; true when none runs."""
        return self._idle.wait(timeout_s)

    # --- running one job at a time -----------------------------------------------------------

    def _run(
        self,
        job: str,
        work: Callable[..., Any],
        done: Callable[[Any], None],
        *,
        progress: Callable[[Any], None] | None = None,
    ) -> bool:
        if self.busy:
            return False
        self.busy = True
        self._stop.clear()
        self._idle.clear()
        idle = self._idle

        def guarded(*args: Any) -> Any:
            try:
                return work(*args)
            finally:
                idle.set()

        def succeeded(result: Any) -> None:
            self._set_busy(False)
            done(result)

        def failed(exc: BaseException) -> None:
            self._set_busy(False)
            self.failed.emit(job, exc)

        op = Op(self, guarded).success(succeeded).failure(failed)
        if progress is not None:
            op.progress(progress)
        self.busy_changed.emit(True)
        op.run()
        return True

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_changed.emit(busy)


def _full(
    backend: UsbBackend, context: AppContext, folder: Path, ids: list[str], exc: PackFull
) -> PeerResult:
    """The stick filled up: what it holds now, and how much more room the rest needs."""
    try:
        after = backend.peer_plan(context, folder)
    except (PackError, OSError):
        return PeerResult(ids, [], PeerStop.STICK_FULL, short_bytes=max(exc.needed, 0))
    copied = [c.course_id for c in after.courses if c.on_stick and c.course_id in ids]
    rest = [c for c in ids if c not in copied]
    short = max(after.shortfall(rest), exc.needed - after.free_bytes, 0)
    return PeerResult(ids, copied, PeerStop.STICK_FULL, short_bytes=short)


def _on_stick(backend: UsbBackend, context: AppContext, folder: Path, ids: list[str]) -> list[str]:
    try:
        after = backend.peer_plan(context, folder)
    except (PackError, OSError):
        return []
    return [c.course_id for c in after.courses if c.on_stick and c.course_id in ids]


def _every_so_often(report: Callable[[Any], None]) -> Progress:
    """Passes on the first update of each course, its last, and the latest every
    1/:data:`PROGRESS_PER_S` s."""
    state: dict[str, Any] = {"course": None, "at": 0.0}

    def on_progress(update: Any) -> None:
        now = time.monotonic()
        new_course = update.course_id != state["course"]
        complete = update.done_bytes >= update.total_bytes
        if not (new_course or complete or now - state["at"] >= 1 / PROGRESS_PER_S):
            return
        state["course"], state["at"] = update.course_id, now
        with contextlib.suppress(RuntimeError):
            report(update)

    return on_progress
