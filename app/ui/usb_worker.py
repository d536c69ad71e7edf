"""The USB window's work, off the UI thread: listing the sticks, reading what is on one, copying
its courses, and sending this PC's progress on it.

Each job runs as an :class:`~app.ui.workers.Op`; at most one of reading, copying and sending
runs at a time (listing the sticks may run beside them: it only reads). Copying stops at its
next check when :meth:`UsbWorker.cancel` is called, keeping what was already copied. The jobs
never touch a widget: their results reach the window through this worker's signals. What they
call is a :class:`UsbBackend`, the real one by default (tests may replace a part).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from app.context import AppContext
from app.sync.drives import Drive, bundle_root, pack_folder, removable_drives
from app.ui.workers import Op
from wire.pack import PackError, Problem

if TYPE_CHECKING:
    from app.sync.bundles import BundleSummary, BundleWritten, ReceiptsApplied
    from app.sync.pack_import import ImportProgress, ImportReport, PackPlan

#: At most this many progress updates a second reach the window.
PROGRESS_PER_S = 8

Progress = Callable[["ImportProgress"], None]


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


@dataclass(frozen=True)
class UsbBackend:
    """What the window's jobs call; each part may be replaced (``dataclasses.replace``)."""

    drives: Callable[[], list[Drive]] = removable_drives
    find_pack: Callable[[Path], Path | None] = pack_folder
    scan: Callable[[AppContext, Path], PackPlan] = _scan
    import_courses: Callable[..., ImportReport] = _import
    waiting: Callable[[AppContext], BundleSummary] = _waiting
    apply_receipts: Callable[[AppContext, Path], ReceiptsApplied] = _apply_receipts
    export: Callable[[AppContext, Path], BundleWritten | None] = _export


@dataclass(frozen=True)
class StickContents:
    """What a chosen stick (or folder) holds.

    Attributes:
        folder: what the teacher chose.
        pack_root: the pack in it (``None``: no courses on it).
        plan: what copying its courses would do (``None`` without a pack).
        waiting: this PC's progress not yet sent.
    """

    folder: Path
    pack_root: Path | None
    plan: PackPlan | None
    waiting: BundleSummary


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
        failed(str, object): job (``"scan"``, ``"import"``, ``"send"``) failed with this exception.
        busy_changed(bool): a job started or ended.
    """

    drives_listed = Signal(object)
    scanned = Signal(object)
    progressed = Signal(object)
    imported = Signal(object)
    sent = Signal(object)
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
            return StickContents(folder, root, plan, backend.waiting(context))

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


def _every_so_often(report: Callable[[Any], None]) -> Progress:
    """Passes on the first update of each course, its last, and the latest every
    1/:data:`PROGRESS_PER_S` s."""
    state: dict[str, Any] = {"course": None, "at": 0.0}

    def on_progress(update: ImportProgress) -> None:
        now = time.monotonic()
        new_course = update.course_id != state["course"]
        complete = update.done_bytes >= update.total_bytes
        if not (new_course or complete or now - state["at"] >= 1 / PROGRESS_PER_S):
            return
        state["course"], state["at"] = update.course_id, now
        with contextlib.suppress(RuntimeError):
            report(update)

    return on_progress
