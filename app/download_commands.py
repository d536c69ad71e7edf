"""Downloads without a window: ``python -m app download`` and the download step of ``sync``.

``python -m app download COURSE...`` queues courses; ``--list`` shows the queue;
``--window/--max-rate/--reserve`` set this PC's download rules (what the settings screen sets);
``--pause/--resume`` hold or release every download. ``sync --once`` drains the queue after the
records are synced, with a progress line on a terminal.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from app.context import AppContext
from app.paths import DataPaths
from app.storage import downloads as queue
from app.sync.download_runner import DownloadTick, DrainReport, StopReason, drain_queue
from app.sync.policy import (
    DownloadPolicy,
    PolicyError,
    TimeWindow,
    format_rate,
    load_policy,
    parse_rate,
    parse_size,
    save_policy,
)


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover - the loop always returns


def format_duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class TerminalProgress:
    """One line redrawn in place on a terminal (at most a few times a second); on a pipe or a
    log file, a line per asset started, so logs stay readable."""

    def __init__(self, out: TextIO, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = out.isatty()
        self.monotonic = monotonic
        self._last_draw = float("-inf")
        self._last_sha = ""
        self._width = 0

    def __call__(self, tick: DownloadTick) -> None:
        if not self.tty:
            if tick.current.sha256 != self._last_sha:
                self._last_sha = tick.current.sha256
                print(
                    f"downloading {tick.current.course_title} / {tick.current.title} "
                    f"({format_bytes(tick.current.size)}, {tick.left} left)",
                    file=self.out,
                    flush=True,
                )
            return
        now = self.monotonic()
        if now - self._last_draw < 0.25 and tick.have < tick.current.size:
            return
        self._last_draw = now
        line = self.line(tick)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.out.write("\r" + line + " " * pad)
        self.out.flush()

    @staticmethod
    def line(tick: DownloadTick) -> str:
        share = tick.done / tick.total if tick.total else 1.0
        asset_share = tick.have / tick.current.size if tick.current.size else 1.0
        bar = "#" * int(share * 20)
        speed = f"{format_bytes(tick.rate)}/s" if tick.rate else "..."
        left = f", {format_duration(tick.eta_s)} left" if tick.eta_s is not None else ""
        return (
            f"[{bar:<20}] {share:4.0%} {format_bytes(tick.done)} of {format_bytes(tick.total)}"
            f" | {tick.current.title[:30]} {asset_share:4.0%} | {speed}{left}"
        )

    def finish(self) -> None:
        if self.tty and self._width:
            self.out.write("\n")
            self.out.flush()
            self._width = 0


def drain(context: AppContext, out: TextIO | None) -> DrainReport:
    """Drains the queue for ``sync``: progress on ``out`` (``None``: silent)."""
    client = context.client()
    if client is None:
        return DrainReport(StopReason.OFFLINE, message="no county server is set")
    progress = TerminalProgress(out) if out is not None else None
    try:
        return drain_queue(
            context.db,
            client,
            context.content,
            context.paths.root,
            context.paths.partial,
            policy=context.download_policy,
            on_progress=progress,
        )
    finally:
        if progress is not None:
            progress.finish()


@dataclass(frozen=True)
class DownloadArgs:
    courses: Sequence[str] = ()
    show: bool = False
    window: str | None = None
    max_rate: str | None = None
    reserve: str | None = None
    pause: bool = False
    resume: bool = False


def run_download(paths: DataPaths, args: DownloadArgs, out: TextIO | None = None) -> int:
    """``python -m app download``: queue courses, show the queue, set the rules. Exit 0 or 2."""
    out = out if out is not None else sys.stdout
    context = AppContext.open(paths)
    try:
        try:
            _change_policy(context, args)
        except PolicyError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        with context.db.write() as session:
            for course_id in args.courses:
                try:
                    n = queue.enqueue_course(session, course_id, clock=context.clock)
                except ValueError:
                    print(
                        f"error: no course {course_id!r} here; sync first to get the catalog",
                        file=sys.stderr,
                    )
                    return 2
                print(f"queued {course_id}: {n} file(s) to download", file=out)
            if args.pause or args.resume:
                queue.pause_all(session, args.pause)
        if args.show or not (args.courses or args.pause or args.resume):
            _show(context, out)
        return 0
    finally:
        context.close()


def _change_policy(context: AppContext, args: DownloadArgs) -> None:
    if args.window is None and args.max_rate is None and args.reserve is None:
        return
    with context.db.write() as session:
        policy = context.download_policy_in(session)
        window = policy.window
        if args.window is not None:
            window = TimeWindow.parse(args.window) if args.window.strip() else None
        save_policy(
            session,
            DownloadPolicy(
                window=window,
                max_rate=policy.max_rate if args.max_rate is None else parse_rate(args.max_rate),
                reserve=policy.reserve if args.reserve is None else parse_size(args.reserve),
            ),
        )


def _show(context: AppContext, out: TextIO) -> None:
    with context.db.read_session() as session:
        policy = load_policy(session, context.county.downloads)
        rows = queue.queued(session, context.paths.partial)
        paused = queue.paused_all(session)
    window = str(policy.window) if policy.window else "any time"
    rate = format_rate(policy.max_rate) or "no cap"
    print(
        f"rules: {window}, {rate}, keep {format_bytes(policy.reserve)} free"
        + (" (all downloads paused)" if paused else ""),
        file=out,
    )
    if not rows:
        print("nothing queued", file=out)
    for row in rows:
        state = "paused" if row.paused else (f"failed: {row.last_error}" if row.failures else "")
        print(
            f"{row.course_id}\t{row.title}\t{format_bytes(row.have)} of {format_bytes(row.size)}"
            + (f"\t{state}" if state else ""),
            file=out,
        )
