"""Works through the download queue (:mod:`app.storage.downloads`) until it is empty or must stop.

One run at a time per PC (``downloads.lock`` in the data directory; the operating system drops
it when a process dies): the app's download worker and ``python -m app sync --once`` share it,
so two processes never write the same partial file. Holding it, a run first removes partial
downloads nobody will finish (:func:`app.sync.partial_sweep.sweep_partials`: assets stored
meanwhile, or out of the queue for two weeks), which it can do safely because nothing else
downloads then.

A run follows the :class:`~app.sync.policy.DownloadPolicy`, read again every few seconds so a
change on the settings screen applies at once: outside the time window it stops (and says when
the window opens); the bandwidth cap throttles reading (TCP then slows the sender, so the link
stays usable for teaching); the disk reserve is checked before and during each asset.

Every few seconds it also looks at the queue again: an item a teacher opens jumps ahead (the
asset being fetched is set aside, its bytes kept), and a course paused on the downloads screen
stops at once.

Failures: a dropped connection resumes at once from the bytes on disk, and the run stops as
offline only when attempts in a row bring nothing; damaged bytes or a server error put the
asset back to wait (longer after each failure) while the others go on; a full disk, the reserve,
an unknown or revoked PC stop the run.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy.orm import Session

from app.storage import downloads as queue
from app.storage import settings
from app.storage.catalog import MissingAsset
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.downloads import QueuedAsset
from app.storage.errors import DiskFullError
from app.sync.client import ServerClient
from app.sync.downloads import download_asset
from app.sync.errors import (
    ChecksumError,
    DeviceRevokedError,
    DownloadError,
    NotEnrolledError,
    OfflineError,
    ServerError,
    SyncError,
)
from app.sync.partial_sweep import sweep_partials
from app.sync.policy import DownloadPolicy
from app.sync.throttle import RateLimiter

LOCK_FILE = "downloads.lock"
#: How often (seconds) a run looks again at the policy and the queue while fetching.
CHECK_EVERY_S = 2.0
#: Attempts in a row that bring no byte before the run stops as offline.
MAX_FRUITLESS = 3


class StopReason(StrEnum):
    """Why a run ended."""

    DONE = "done"  # nothing left that may go now (see DrainReport.wait_s)
    STOPPED = "stopped"  # asked to stop (the app closing)
    PAUSED = "paused"  # a teacher paused all downloads
    WINDOW = "window"  # outside the download hours
    OFFLINE = "offline"  # the server cannot be reached
    DISK = "disk"  # the disk is full, or only the reserve is left
    REFUSED = "refused"  # the server does not accept this PC (not enrolled, or revoked)
    BUSY = "busy"  # another run holds the lock


@dataclass(frozen=True)
class DownloadTick:
    """How the run is going, after every chunk received.

    Attributes:
        current: the asset being fetched.
        have: its bytes on disk.
        done: bytes present of everything queued in this run (finished ones included).
        total: bytes of everything queued in this run.
        rate: bytes per second, smoothed over the last seconds.
        eta_s: seconds left for the whole queue at this rate (``None``: not known yet).
        left: assets still to fetch, the current one included.
    """

    current: QueuedAsset
    have: int
    done: int
    total: int
    rate: float
    eta_s: float | None
    left: int


@dataclass(frozen=True)
class DrainReport:
    """How a run ended.

    Attributes:
        reason: why it ended.
        stored: the assets it put into the content store.
        failed: ``(sha256, error)`` of assets that failed and wait to be tried again.
        bytes_fetched: bytes received over the network.
        message: a plain sentence for the log and the terminal (the UI picks its own by reason).
        wait_s: when it is worth running again: the window opens, or a failed asset may be
            retried (``None``: when something is queued).
        refetched: bytes received again after an interruption (kept for the benchmark).
        interruptions: attempts that ended in a dropped connection.
    """

    reason: StopReason
    stored: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    bytes_fetched: int = 0
    message: str = ""
    wait_s: float | None = None
    interruptions: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "reason": self.reason.value,
            "stored": len(self.stored),
            "failed": [{"sha256": sha, "error": err} for sha, err in self.failed],
            "bytes_fetched": self.bytes_fetched,
            "wait_s": self.wait_s,
            "interruptions": self.interruptions,
        }


@contextmanager
def download_lock(data_dir: Path) -> Iterator[bool]:
    """Holds the PC's download lock; yields false (and holds nothing) when another run has it."""
    lock = FileLock(data_dir / LOCK_FILE)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


class RateMeter:
    """Bytes per second over a sliding window of a few seconds (for speed and time left)."""

    def __init__(self, monotonic: Callable[[], float], window_s: float = 5.0) -> None:
        self._now = monotonic
        self._window = window_s
        self._samples: list[tuple[float, int]] = []
        self._total = 0

    def add(self, n: int) -> None:
        self._total += n
        now = self._now()
        self._samples.append((now, self._total))
        while len(self._samples) > 2 and now - self._samples[1][0] > self._window:
            self._samples.pop(0)

    @property
    def rate(self) -> float:
        if len(self._samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass
class _Run:
    """What a run keeps track of (one per :func:`drain_queue` call)."""

    stored: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    fetched: int = 0
    interruptions: int = 0
    done_bytes: int = 0  # bytes of assets finished in this run

    def report(self, reason: StopReason, message: str, wait_s: float | None = None) -> DrainReport:
        return DrainReport(
            reason=reason,
            stored=tuple(self.stored),
            failed=tuple(self.failed),
            bytes_fetched=self.fetched,
            message=message,
            wait_s=wait_s,
            interruptions=self.interruptions,
        )


def _free_space(path: Path) -> int:
    return shutil.disk_usage(path).free


def drain_queue(
    db: Database,
    client: ServerClient,
    content: ContentStore,
    data_dir: Path,
    partial_dir: Path,
    *,
    policy: Callable[[], DownloadPolicy],
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[DownloadTick], None] | None = None,
    clock: Clock = utc_now,
    local_now: Callable[[], datetime] = datetime.now,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    free_space: Callable[[Path], int] = _free_space,
) -> DrainReport:
    """Downloads queued assets, highest priority first, until none is left or the run must stop.

    Holding the downloads lock, it first sweeps the partial downloads nobody will finish
    (:mod:`app.sync.partial_sweep`).

    Args:
        db, client, content: the client database, the county server, the content store.
        data_dir: where the lock file goes.
        partial_dir: partial downloads (on the content store's filesystem).
        policy: the current rules; called again every :data:`CHECK_EVERY_S` seconds.
        should_stop: checked after every chunk; true ends the run (``STOPPED``).
        on_progress: told a :class:`DownloadTick` after every chunk.
        clock: UTC time, for the queue's retry times and the age of partial downloads.
        local_now: the PC's local time, for the download window.
        monotonic, sleep: for the bandwidth cap and the speed figure.
        free_space: free bytes on the filesystem of a path.

    Never raises for network, server or disk trouble: the report says what happened.
    """
    with download_lock(data_dir) as held:
        if not held:
            return DrainReport(
                StopReason.BUSY, message="another download is running on this computer"
            )
        # Under the lock: no download writes a partial file while the sweep looks at them.
        sweep_partials(db, content, partial_dir, clock=clock)
        return _Drainer(
            db,
            client,
            content,
            partial_dir,
            policy=policy,
            should_stop=should_stop,
            on_progress=on_progress,
            clock=clock,
            local_now=local_now,
            monotonic=monotonic,
            sleep=sleep,
            free_space=free_space,
        ).run()


class _Drainer:
    def __init__(
        self,
        db: Database,
        client: ServerClient,
        content: ContentStore,
        partial_dir: Path,
        *,
        policy: Callable[[], DownloadPolicy],
        should_stop: Callable[[], bool],
        on_progress: Callable[[DownloadTick], None] | None,
        clock: Clock,
        local_now: Callable[[], datetime],
        monotonic: Callable[[], float],
        sleep: Callable[[float], None],
        free_space: Callable[[Path], int],
    ) -> None:
        self.db = db
        self.client = client
        self.content = content
        self.partial_dir = partial_dir
        self.policy_source = policy
        self.should_stop = should_stop
        self.on_progress = on_progress
        self.clock = clock
        self.local_now = local_now
        self.monotonic = monotonic
        self.sleep = sleep
        self.free_space = free_space
        self.policy = policy()
        self.limiter = RateLimiter(self.policy.max_rate or None, clock=monotonic, sleep=sleep)
        self.meter = RateMeter(monotonic)
        self.run_state = _Run()
        self._interrupt: StopReason | None = None
        self._preempted = False
        self._next_check = 0.0

    # The loop ---------------------------------------------------------------------------------
    def run(self) -> DrainReport:
        run = self.run_state
        fruitless = 0
        while True:
            if self.should_stop():
                return run.report(StopReason.STOPPED, "stopped")
            self._reload_policy()
            closed = self._window_closed()
            if closed is not None:
                return closed
            with self.db.write() as session:
                current = queue.next_asset(session, clock=self.clock)
                if current is None:
                    return self._nothing_to_do(session)
                queued_now = queue.queued(session, self.partial_dir)
            low = self._low_disk(current)
            if low is not None:
                return low
            outcome = self._fetch(current, queued_now)
            if isinstance(outcome, DrainReport):
                return outcome
            fruitless = 0 if outcome else fruitless + 1
            if fruitless >= MAX_FRUITLESS:
                return run.report(
                    StopReason.OFFLINE,
                    "the county server cannot be reached; downloads continue when it can",
                )
            if not outcome:
                self.sleep(min(0.5 * fruitless, 2.0))

    def _fetch(self, current: QueuedAsset, queued_now: list[QueuedAsset]) -> bool | DrainReport:
        """One attempt at one asset. Returns whether it made progress, or the run's end."""
        run = self.run_state
        self._interrupt = None
        self._preempted = False
        total = run.done_bytes + sum(q.size for q in queued_now if not q.paused)
        # Bytes present: finished in this run, plus the partial files of the others.
        base = run.done_bytes + sum(
            q.have for q in queued_now if not q.paused and q.sha256 != current.sha256
        )
        left = sum(1 for q in queued_now if not q.paused)
        policy = self.policy

        def on_asset_progress(have: int, size: int) -> None:
            if self.on_progress is None:
                return
            rate = self.meter.rate
            done = base + have
            eta = (total - done) / rate if rate > 0 else None
            self.on_progress(DownloadTick(current, have, done, total, rate, eta, left))

        fetched_before = [0]

        def stop_check() -> bool:
            return self._stop_check(current)

        try:
            result = download_asset(
                self.client,
                self.content,
                self.partial_dir,
                MissingAsset(current.sha256, current.size, current.media_type),
                on_progress=_metered(on_asset_progress, self.meter, fetched_before),
                should_stop=stop_check,
                limiter=self.limiter,
                reserve=policy.reserve,
                free_space=self.free_space,
            )
        except ChecksumError as exc:
            run.fetched += fetched_before[0]
            self._fail(current, f"damaged on the way: {exc}")
            return True
        except DiskFullError as exc:
            run.fetched += fetched_before[0]
            return run.report(StopReason.DISK, _disk_message(exc))
        except (NotEnrolledError, DeviceRevokedError) as exc:
            return run.report(StopReason.REFUSED, str(exc))
        except ServerError as exc:
            run.fetched += fetched_before[0]
            self._fail(current, f"the server answered {exc.status}: {exc}")
            return True
        except (OfflineError, DownloadError) as exc:
            run.fetched += fetched_before[0]
            run.interruptions += 1
            del exc  # resumed at once by the loop; only attempts in a row that bring nothing count
            return fetched_before[0] > 0
        except SyncError as exc:  # a bad response: the server is not what we expect
            run.fetched += fetched_before[0]
            self._fail(current, str(exc))
            return True
        run.fetched += result.fetched
        if result.stored:
            run.stored.append(current.sha256)
            run.done_bytes += current.size
            with self.db.write() as session:
                queue.done(session, current.sha256)
            return True
        reason = self._interrupt
        if reason is StopReason.STOPPED:
            return run.report(StopReason.STOPPED, "stopped")
        if reason is StopReason.WINDOW:
            closed = self._window_closed()
            if closed is not None:
                return closed
        return True  # pre-empted or paused: the loop picks what goes now

    # Checks ------------------------------------------------------------------------------------
    def _stop_check(self, current: QueuedAsset) -> bool:
        if self.should_stop():
            self._interrupt = StopReason.STOPPED
            return True
        now = self.monotonic()
        if now < self._next_check:
            return False
        self._next_check = now + CHECK_EVERY_S
        self._reload_policy()
        if self.policy.window is not None and not self.policy.window.is_open(self.local_now()):
            self._interrupt = StopReason.WINDOW
            return True
        with self.db.read_session() as session:
            first = queue.peek_next(session, clock=self.clock)
        if first is None or first.sha256 != current.sha256:
            self._interrupt = StopReason.PAUSED  # paused, or something else goes first now
            return True
        return False

    def _reload_policy(self) -> None:
        self.policy = self.policy_source()
        self.limiter.rate = self.policy.max_rate or None

    def _window_closed(self) -> DrainReport | None:
        window = self.policy.window
        if window is None:
            return None
        now = self.local_now()
        if window.is_open(now):
            return None
        wait = window.opens_after(now).total_seconds()
        return self.run_state.report(
            StopReason.WINDOW,
            f"downloads run only between {window.start:%H:%M} and {window.end:%H:%M}",
            wait_s=wait,
        )

    def _low_disk(self, current: QueuedAsset) -> DrainReport | None:
        needed = current.size - current.have
        free = self.free_space(self.partial_dir)
        if free - needed >= self.policy.reserve:
            return None
        return self.run_state.report(
            StopReason.DISK,
            f"not enough free disk space: {_mb(needed)} MB to download, {_mb(free)} MB free, "
            f"and {_mb(self.policy.reserve)} MB must stay free; free some space and try again",
        )

    def _nothing_to_do(self, session: Session) -> DrainReport:
        if settings.get(session, settings.DOWNLOADS_PAUSED):
            return self.run_state.report(StopReason.PAUSED, "downloads are paused")
        retry = queue.next_retry(session)
        wait = None
        if retry is not None:
            wait = max(0.0, (retry - naive_utc(self.clock())).total_seconds())
        return self.run_state.report(StopReason.DONE, "downloads complete", wait_s=wait)

    def _fail(self, current: QueuedAsset, error: str) -> None:
        self.run_state.failed.append((current.sha256, error))
        with self.db.write() as session:
            queue.note_failure(session, current.sha256, error, clock=self.clock)


def _metered(
    report: Callable[[int, int], None], meter: RateMeter, fetched: list[int]
) -> Callable[[int, int], None]:
    last: list[int | None] = [None]

    def on_progress(have: int, size: int) -> None:
        if last[0] is not None and have > last[0]:
            meter.add(have - last[0])
            fetched[0] += have - last[0]
        last[0] = have
        report(have, size)

    return on_progress


def _mb(n: int) -> int:
    return max(0, round(n / 1_000_000))


def _disk_message(exc: DiskFullError) -> str:
    return f"the disk is full; downloads stopped and nothing was damaged ({exc})"
