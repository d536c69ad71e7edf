"""Working through the download queue in the background, again and again while there is work.

When a run starts:

* at start (if this PC is enrolled with a county server);
* at once on :meth:`DownloadWorker.wake`: a course was queued, an item opened, a pause lifted,
  the settings changed, a sync finished (it may have queued what the county marked), the server
  came back;
* by itself when the last run said when it is worth trying again (``DrainReport.wait_s``: the
  download hours begin, a failed file may be retried), never later than :data:`MAX_SLEEP_S`;
* after the server could not be reached, later and later with jitter (:class:`Backoff`).

Never two runs at once: a flag here (a wake during a run is remembered and served right after
it) and the PC's download lock inside :func:`app.sync.download_runner.drain_queue`, shared with
``python -m app sync``. A run may last hours, so it has a thread of its own rather than a place
in the shared thread pool (the status probe and catalog refreshes must not wait behind it).
The run never touches a widget; its ticks reach the UI thread through queued signals.

The queue is changed through this worker (:meth:`queue_course`, :meth:`pause_course`...), so
every change is followed by :attr:`queue_changed` and a wake.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.context import AppContext
from app.storage import downloads as queue
from app.storage import settings

if TYPE_CHECKING:
    from app.storage.downloads import QueuedAsset
    from app.sync.client import ServerClient
    from app.sync.download_runner import DownloadTick, DrainReport
    from app.sync.schedule import Backoff

#: ``drain_queue``'s signature: ``(db, client, content, data_dir, partial_dir, *, policy,
#: should_stop, on_progress) -> DrainReport``.
DrainFn = Callable[..., "DrainReport"]
ClientFactory = Callable[[], "ServerClient | None"]

#: The longest sleep between runs while something waits (the window, a retry): a PC that slept
#: or had its clock changed looks again this soon.
MAX_SLEEP_S = 15 * 60.0
#: After a full disk: someone has to free space; look again this often (or on "Try again").
DISK_RETRY_S = 10 * 60.0
#: At most this many ticks a second reach the UI (a fast link gives hundreds).
TICKS_PER_S = 4


def _default_drain(*args: Any, **kwargs: Any) -> DrainReport:
    from app.sync.download_runner import drain_queue

    return drain_queue(*args, **kwargs)


class _Relay(QObject):
    """Lives on the UI thread; the run's thread emits, the worker's slots receive (queued).

    Signals:
        ticked(object), ended(object)
    """

    ticked = Signal(object)
    ended = Signal(object)


class DownloadWorker(QObject):
    """Runs :func:`app.sync.download_runner.drain_queue` off the UI thread while there is work.

    Args:
        context: the running app's context (database, content store, folders, server, rules).
        parent: the owner (the main window).
        drain_fn: the run (tests give a fake).
        client_factory: a new server client for each run, made in the run's thread
            (default :meth:`AppContext.new_client`).
        backoff: when to try again after the server could not be reached.

    Signals:
        started(): a run began.
        ticked(object): how the run is going (a :class:`~app.sync.download_runner.DownloadTick`),
            a few times a second at most.
        stored(object): a queued asset (its :class:`~app.storage.downloads.QueuedAsset`) is now
            in the content store.
        finished(object): a run ended with this :class:`~app.sync.download_runner.DrainReport`.
        queue_changed(): what is queued changed (queued, paused, resumed, stored, failed).
        scheduled(float): the next run by itself is in this many seconds.
    """

    started = Signal()
    ticked = Signal(object)
    stored = Signal(object)
    finished = Signal(object)
    queue_changed = Signal()
    scheduled = Signal(float)

    def __init__(
        self,
        context: AppContext,
        parent: QObject | None = None,
        *,
        drain_fn: DrainFn | None = None,
        client_factory: ClientFactory | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(parent)
        from app.sync.schedule import Backoff

        self.context = context
        self.drain_fn: DrainFn = drain_fn or _default_drain
        self.client_factory: ClientFactory = client_factory or context.new_client
        self.backoff = backoff or Backoff()
        self.running = False
        self.stopping = False
        #: Woken during a run: another run follows right after it.
        self.again = False
        #: The last tick of the running run (``None`` between runs) and the last run's report.
        self.last_tick: DownloadTick | None = None
        self.last_report: DrainReport | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._relay = _Relay(self)
        self._relay.ticked.connect(self._ticked)
        self._relay.ended.connect(self._ended)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.wake)

    def can_run(self) -> bool:
        """A county server is set and this PC is enrolled with it (else nothing can come)."""
        if not self.context.server_url:
            return False
        with self.context.db.read_session() as session:
            return bool(settings.get(session, settings.DEVICE_TOKEN))

    def start(self) -> None:
        """Begins working through the queue (now, if there is anything to do)."""
        self.stopping = False
        self._stop.clear()
        self.wake()

    def wake(self) -> bool:
        """Starts a run unless one is running (then another follows it); returns whether one
        started now."""
        if self.stopping:
            return False
        if self.running:
            self.again = True
            return False
        if not self.can_run():
            return False
        self.timer.stop()
        self.running = True
        self.again = False
        self.last_tick = None
        context, drain, client_factory = self.context, self.drain_fn, self.client_factory
        should_stop, relay = self._stop.is_set, self._relay

        def work() -> None:
            outcome: object
            try:
                client = client_factory()
                if client is None:  # the server address was removed meanwhile
                    from app.sync.download_runner import DrainReport, StopReason

                    outcome = DrainReport(StopReason.OFFLINE, message="no county server is set")
                else:
                    try:
                        outcome = drain(
                            context.db,
                            client,
                            context.content,
                            context.paths.root,
                            context.paths.partial,
                            policy=context.download_policy,
                            should_stop=should_stop,
                            on_progress=_every_so_often(relay),
                        )
                    finally:
                        client.close()
            except BaseException as exc:  # a bug: the UI thread raises it (the crash dialog)
                outcome = exc
            # RuntimeError: the window (and the relay with it) is gone; nobody is listening.
            with contextlib.suppress(RuntimeError):
                relay.ended.emit(outcome)

        self._thread = threading.Thread(target=work, name="lamplight-downloads", daemon=True)
        self.started.emit()
        self._thread.start()
        return True

    def stop(self) -> None:
        """No more runs; the running one stops after its current chunk."""
        self.stopping = True
        self._stop.set()
        self.timer.stop()

    def wait_idle(self, timeout_s: float) -> bool:
        """Waits (blocking) up to ``timeout_s`` for the run's thread to end; true when none
        runs."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    # --- changing the queue (UI thread; small writes) ----------------------------------------

    def queue_course(self, course_id: str) -> int:
        """Queues a course's missing files; returns how many are queued for it."""
        with self.context.db.write() as session:
            count = queue.enqueue_course(session, course_id, clock=self.context.clock)
        self._changed()
        return count

    def queue_item(self, item_id: str) -> bool:
        """An item a teacher wants now: it goes first, its course behind it."""
        with self.context.db.write() as session:
            queued = queue.enqueue_item(session, item_id, clock=self.context.clock)
        self._changed()
        return queued

    def pause_course(self, course_id: str, paused: bool) -> None:
        with self.context.db.write() as session:
            queue.pause_course(session, course_id, paused)
            if not paused:  # "Resume" means "I want it now", whatever paused it
                queue.pause_all(session, False)
        self._changed()

    def pause_all(self, paused: bool) -> None:
        with self.context.db.write() as session:
            queue.pause_all(session, paused)
        self._changed()

    def paused_all(self) -> bool:
        with self.context.db.read_session() as session:
            return queue.paused_all(session)

    def retry_now(self) -> None:
        """The "Try again" button: files waiting after a failure go now, and a stopped run starts again."""
        with self.context.db.write() as session:
            queue.retry_now(session)
        self.backoff.failures = 0
        self._changed()

    def rules_changed(self) -> None:
        """The download settings changed: the run applies them within seconds; a run that
        stopped for the hours looks again now."""
        self.wake()

    def _changed(self) -> None:
        self.queue_changed.emit()
        self.wake()

    # --- the run's news, on the UI thread ----------------------------------------------------

    def _ticked(self, tick: DownloadTick) -> None:
        previous = self.last_tick
        self.last_tick = tick
        if previous is not None and previous.current.sha256 != tick.current.sha256:
            self._moved_on(previous.current)
        self.ticked.emit(tick)

    def _moved_on(self, asset: QueuedAsset) -> None:
        """The run went on to another asset: the last one is stored, failed or set aside."""
        if self.context.content.blobs.path(asset.sha256).is_file():
            self.stored.emit(asset)
        self.queue_changed.emit()

    def _ended(self, outcome: object) -> None:
        from app.sync.download_runner import DrainReport

        self.running = False
        self._thread = None
        last = self.last_tick
        self.last_tick = None
        if isinstance(outcome, BaseException):
            self._schedule(self.backoff.after_failure())
            raise outcome
        assert isinstance(outcome, DrainReport)
        self.last_report = outcome
        if last is not None and last.current.sha256 in outcome.stored:
            self.stored.emit(last.current)
        self.queue_changed.emit()
        self.finished.emit(outcome)
        if self.stopping:
            return
        if self.again:
            self.again = False
            QTimer.singleShot(0, self, self.wake)
            return
        delay = self._next_run_after(outcome)
        if delay is not None:
            self._schedule(delay)

    def _next_run_after(self, report: DrainReport) -> float | None:
        """Seconds until the next run by itself; ``None``: only when woken."""
        from app.sync.download_runner import StopReason

        reason = report.reason
        if reason in (StopReason.OFFLINE, StopReason.BUSY):
            return self.backoff.after_failure()
        self.backoff.failures = 0
        if reason is StopReason.DISK:
            return DISK_RETRY_S
        if reason in (StopReason.DONE, StopReason.WINDOW) and report.wait_s is not None:
            return report.wait_s
        return None  # paused, refused, stopped, or nothing left: a wake brings the next run

    def _schedule(self, delay_s: float) -> None:
        delay_s = min(max(delay_s, 0.0), MAX_SLEEP_S)
        self.timer.start(max(1, round(delay_s * 1000)))
        self.scheduled.emit(delay_s)


def _every_so_often(relay: _Relay) -> Callable[[DownloadTick], None]:
    """Passes a few ticks a second on to the UI: the first of each asset, its last, and the
    latest every 1/:data:`TICKS_PER_S` s."""
    state: dict[str, Any] = {"sha": "", "at": 0.0}

    def on_progress(tick: DownloadTick) -> None:
        now = time.monotonic()
        new_asset = tick.current.sha256 != state["sha"]
        complete = tick.have >= tick.current.size
        if not (new_asset or complete or now - state["at"] >= 1 / TICKS_PER_S):
            return
        state["sha"], state["at"] = tick.current.sha256, now
        with contextlib.suppress(RuntimeError):
            relay.ticked.emit(tick)

    return on_progress
