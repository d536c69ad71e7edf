"""Syncing with the county server in the background, on a schedule, one sync at a time.

When a sync runs:

* at start (if this PC is enrolled), then every few minutes (:meth:`Backoff.after_success`);
* after a failure, later and later with jitter (:meth:`Backoff.after_failure`);
* at once on "Sync now", after enrolling, after a teacher was claimed, and when the status
  line's probe sees the server come back.

Never two at once: an in-process flag (a request while one runs is remembered and served right
after it), and around each sync the PC's :func:`app.sync.lock.sync_lock`, shared with
``python -m app sync``. A PC the server does not accept (not enrolled, unknown, revoked) stops
the schedule and asks to be enrolled instead. The sync itself runs in the thread pool through
:class:`app.ui.workers.Op` and never touches a widget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import AppContext
from app.storage import settings
from app.ui.workers import Op

if TYPE_CHECKING:
    from app.sync.client import ServerClient
    from app.sync.engine import SyncReport
    from app.sync.schedule import Backoff

#: ``sync_once``'s signature: ``(db, client, *, clock, should_stop, on_progress) -> SyncReport``.
SyncFn = Callable[..., "SyncReport"]
ClientFactory = Callable[[], "ServerClient | None"]


def _default_sync(*args: Any, **kwargs: Any) -> SyncReport:
    from app.sync.engine import sync_once

    return sync_once(*args, **kwargs)


class SyncWorker(QObject):
    """Runs :func:`app.sync.engine.sync_once` off the UI thread, when it is time.

    Args:
        context: the running app's context (its database, data folder and server).
        parent: the owner (the main window).
        sync_fn: the sync to run (tests give a fake).
        client_factory: a new server client for each sync, made in the worker thread
            (default :meth:`AppContext.new_client`).
        backoff: when to sync next.

    Signals:
        started(): a sync began.
        progressed(str): the stage the running sync reached (``push``, ``catalog``, ``pull``).
        finished(object): a sync ended with this :class:`~app.sync.engine.SyncReport`.
        failed(object): a sync failed with this exception.
        enrollment_needed(object): the server does not accept this PC (the exception; ``None``
            when it never enrolled); periodic syncing stops until it enrolls.
        scheduled(float): the next automatic sync is in this many seconds.
    """

    started = Signal()
    progressed = Signal(str)
    finished = Signal(object)
    failed = Signal(object)
    enrollment_needed = Signal(object)
    scheduled = Signal(float)

    def __init__(
        self,
        context: AppContext,
        parent: QObject | None = None,
        *,
        sync_fn: SyncFn | None = None,
        client_factory: ClientFactory | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        from app.sync.schedule import Backoff

        self.context = context
        self.sync_fn: SyncFn = sync_fn or _default_sync
        self.client_factory: ClientFactory = client_factory or context.new_client
        self.backoff = backoff or Backoff()
        self.running = False
        self.stopping = False
        #: A sync was asked for while one ran: it runs as soon as that one ends.
        self.again = False
        self._stop = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.sync_now)

    def enrolled(self) -> bool:
        with self.context.db.read_session() as session:
            return bool(self.context.server_url and settings.get(session, settings.DEVICE_TOKEN))

    def start(self) -> None:
        """Syncs now and then on schedule; asks for enrollment instead when not enrolled."""
        self.stopping = False
        self._stop.clear()
        if not self.context.server_url:
            return
        if not self.enrolled():
            self.enrollment_needed.emit(None)
            return
        self.sync_now()

    def sync_now(self) -> bool:
        """Starts a sync unless one is running (then it runs right after); returns whether one
        started now."""
        if self.stopping or not self.context.server_url:
            return False
        if self.running:
            self.again = True
            return False
        if not self.enrolled():  # start() asked already; the probe or a timer should not
            return False
        self.timer.stop()
        self.running = True
        self.again = False
        self._idle.clear()
        context, sync_fn, client_factory = self.context, self.sync_fn, self.client_factory
        should_stop, idle = self._stop.is_set, self._idle

        def work(report: Callable[[str], None]) -> SyncReport:
            from app.sync.lock import sync_lock

            try:
                with sync_lock(context.paths.root):
                    client = client_factory()
                    if client is None:  # the server address was removed meanwhile
                        from app.sync.engine import SyncReport

                        return SyncReport(stopped=True)
                    try:
                        return sync_fn(
                            context.db,
                            client,
                            clock=context.clock,
                            should_stop=should_stop,
                            on_progress=lambda stage, _done, _total: report(stage),
                        )
                    finally:
                        client.close()
            finally:
                idle.set()

        self.started.emit()
        Op(self, work).progress(self._progressed).success(self._succeeded).failure(
            self._failed
        ).run()
        return True

    def stop(self) -> None:
        """No more syncs; the running one stops at its next batch or page."""
        self.stopping = True
        self._stop.set()
        self.timer.stop()

    def wait_idle(self, timeout_s: float) -> bool:
        """Waits (blocking) up to ``timeout_s`` for the running sync's thread to let go of the
        database; true when none runs."""
        return self._idle.wait(timeout_s)

    # --- results, on the UI thread --------------------------------------------------------

    def _progressed(self, stage: object) -> None:
        self.progressed.emit(str(stage))

    def _succeeded(self, report: SyncReport) -> None:
        self.running = False
        self.finished.emit(report)
        if not self.stopping:
            self._schedule(self.backoff.after_success())

    def _failed(self, exc: BaseException) -> None:
        from app.sync.errors import DeviceRevokedError, NotEnrolledError

        self.running = False
        if isinstance(exc, NotEnrolledError | DeviceRevokedError):
            self.timer.stop()
            self.again = False
            self.failed.emit(exc)
            self.enrollment_needed.emit(exc)
            return
        delay = self.backoff.after_failure()
        self.failed.emit(exc)
        if not self.stopping:
            self._schedule(delay)

    def _schedule(self, delay_s: float) -> None:
        if self.again:
            self.again = False
            QTimer.singleShot(0, self, self.sync_now)
            return
        self.timer.start(max(1, round(delay_s * 1000)))
        self.scheduled.emit(delay_s)
