"""``python -m app import-pack DIR``: copy the courses of a USB pack into this PC.

``DIR`` is the pack folder or a stick holding one (``<stick>/lamplight``). The command shows
what the pack holds against this PC (:func:`app.sync.pack_import.scan_pack`), then imports every
course that is new or newer (:func:`app.sync.pack_import.import_pack`): a progress line on
stderr (redrawn on a terminal, a line per course otherwise; none with ``--json``), then a line
per course on stdout, or one JSON object with ``--json``. Ctrl+C stops within a moment, keeping
the courses completed; running the command again copies only what is missing.

Exit status (also ``exit`` in the JSON):

    0  every new course was imported (or there was nothing new)
    1  an unexpected error (a bug: the message and the log say more)
    2  not a pack, or a pack this PC cannot read at all (damaged index, a newer Lamplight's);
       or the data directory cannot be used
    3  some courses were refused (signature, another county, damaged or missing files); the
       others were imported
    7  not enough free disk space (the download reserve included), or the disk filled up;
       the message says how much to free
    8  the stick was pulled out (or could not be read) mid-import; put it back and run again
  130  interrupted (Ctrl+C); run again to finish

``python -m app import-starter`` (:mod:`app.starter_commands`) answers the same way, with the
pieces shared here: :class:`CommandOutput`, :func:`open_context` and :func:`ctrl_c_stops`.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from app.context import AppContext
from app.county import CountyProfile
from app.download_commands import format_bytes, format_duration
from app.paths import DataPaths
from app.storage.errors import StorageError
from app.sync.pack_import import (
    CourseInPack,
    CourseState,
    ImportProgress,
    ImportReport,
    PackPlan,
    StopReason,
    import_pack,
    scan_pack,
)
from wire.pack import PackError, find_pack

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_REFUSED, EXIT_DISK, EXIT_STICK, EXIT_INTERRUPTED = (
    0,
    1,
    2,
    3,
    7,
    8,
    130,
)

_EXIT_FOR_STOP = {
    StopReason.DISK_FULL: EXIT_DISK,
    StopReason.STICK_GONE: EXIT_STICK,
    StopReason.CANCELLED: EXIT_INTERRUPTED,
}

_STATE_WORDS = {
    CourseState.NEW: "new",
    CourseState.UPDATE: "newer version",
    CourseState.PRESENT: "already here",
    CourseState.OLDER: "this PC has a newer version",
    CourseState.PROBLEM: "refused",
}


class ImportProgressLine:
    """One line redrawn in place on a terminal (at most a few times a second); elsewhere a
    line per course started, so logs stay readable."""

    def __init__(self, out: TextIO, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.tty = out.isatty()
        self.monotonic = monotonic
        self._started = monotonic()
        self._last_draw = float("-inf")
        self._course = ""
        self._width = 0

    def __call__(self, update: ImportProgress) -> None:
        if not self.tty:
            if update.course_id != self._course:
                self._course = update.course_id
                print(
                    f"copying {update.course_id} {update.course_title} "
                    f"({format_bytes(update.done_bytes)} of {format_bytes(update.total_bytes)})",
                    file=self.out,
                    flush=True,
                )
            return
        now = self.monotonic()
        if now - self._last_draw < 0.25 and update.done_bytes < update.total_bytes:
            return
        self._last_draw = now
        line = self.line(update, now - self._started)
        pad = max(0, self._width - len(line))
        self._width = len(line)
        self.out.write("\r" + line + " " * pad)
        self.out.flush()

    @staticmethod
    def line(update: ImportProgress, elapsed: float) -> str:
        share = update.done_bytes / update.total_bytes if update.total_bytes else 1.0
        rate = update.done_bytes / elapsed if elapsed > 0 else 0.0
        left = ""
        if rate and update.done_bytes < update.total_bytes:
            left = f", {format_duration((update.total_bytes - update.done_bytes) / rate)} left"
        speed = f"{format_bytes(rate)}/s" if rate else "..."
        return (
            f"[{'#' * int(share * 20):<20}] {share:4.0%} {format_bytes(update.done_bytes)} of "
            f"{format_bytes(update.total_bytes)} | {update.files_done}/{update.files_total} files"
            f" | {update.course_title[:30]} | {speed}{left}"
        )

    def finish(self) -> None:
        if self.tty and self._width:
            self.out.write("\n")
            self.out.flush()
            self._width = 0


@contextmanager
def ctrl_c_stops() -> Iterator[Callable[[], bool]]:
    """Ctrl+C asks the import to stop (it keeps what is complete) instead of killing it."""
    asked = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield asked.is_set
        return

    def ask(signum: int, frame: FrameType | None) -> None:
        asked.set()

    previous = signal.signal(signal.SIGINT, ask)
    try:
        yield asked.is_set
    finally:
        signal.signal(signal.SIGINT, previous)


_ctrl_c_stops = ctrl_c_stops  # its former name, which tests/unit/test_import_commands.py uses


def _course_json(course: CourseInPack) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "version": course.version,
        "state": course.state.value,
        "size": course.size,
        "new_bytes": course.new_bytes,
        "problem": course.problem.problem.value if course.problem else None,
        "detail": course.problem.detail if course.problem else None,
    }


def _plan_lines(plan: PackPlan) -> list[str]:
    lines = [
        f"pack {plan.root} (county {plan.county}): {len(plan.courses)} course(s), "
        f"{format_bytes(plan.total_bytes)}; {format_bytes(plan.new_bytes)} new; "
        f"{format_bytes(plan.free_bytes)} free ({format_bytes(plan.reserve)} kept free)"
    ]
    for course in plan.courses:
        state = _STATE_WORDS[course.state]
        if course.problem is not None:
            state += f": {course.problem.detail}"
        elif course.new_bytes:
            state += f", {format_bytes(course.new_bytes)} to copy"
        size = format_bytes(course.size)
        lines.append(f"  {course.id}\t{course.title}\tv{course.version}\t{size}\t{state}")
    return lines


def _result_lines(report: ImportReport) -> list[str]:
    lines = [f"imported {course_id}" for course_id in report.imported]
    lines += [f"unchanged {course_id}" for course_id in report.unchanged]
    lines += [f"signature kept {course_id}" for course_id in report.signed]
    lines += [f"refused {course_id}: {error.detail}" for course_id, error in report.failed.items()]
    lines += [f"not copied yet {course_id}" for course_id in report.left]
    return lines


def _status(report: ImportReport) -> int:
    if report.stopped in _EXIT_FOR_STOP:
        return _EXIT_FOR_STOP[report.stopped]
    return EXIT_REFUSED if report.failed else EXIT_OK


class CommandOutput:
    """Where an import command's answer goes: with ``--json`` one JSON object (:attr:`result`
    plus ``exit`` and ``message``) on stdout; else lines on stdout, then the closing message on
    stdout (success) or as ``error: ...`` on stderr. ``import-starter`` shares it."""

    def __init__(
        self, as_json: bool, stdout: TextIO | None = None, stderr: TextIO | None = None
    ) -> None:
        self.as_json = as_json
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.result: dict[str, Any] = {}

    def lines(self, lines: list[str]) -> None:
        """Prints ``lines`` now (not with ``--json``)."""
        if self.as_json:
            return
        for line in lines:
            print(line, file=self.stdout, flush=True)

    def progress_line(self) -> ImportProgressLine | None:
        """The progress line on stderr (none with ``--json``)."""
        return None if self.as_json else ImportProgressLine(self.stderr)

    def plan(self, plan: PackPlan) -> None:
        """What the pack holds against this PC: in the JSON, and as lines now."""
        self.result["courses"] = [_course_json(c) for c in plan.courses]
        self.lines(_plan_lines(plan))

    def done(self, status: int, message: str, lines: list[str] | None = None) -> int:
        """Ends the command: prints the answer; returns ``status``."""
        if self.as_json:
            print(
                json.dumps({**self.result, "exit": status, "message": message}, ensure_ascii=False),
                file=self.stdout,
                flush=True,
            )
            return status
        self.lines(lines or [])
        if status == EXIT_OK:
            print(message, file=self.stdout, flush=True)
        else:
            print(f"error: {message}", file=self.stderr, flush=True)
        return status

    def imported(self, report: ImportReport, *, nothing_new: bool, message: str = "") -> int:
        """Ends the command with an import's outcome (the exit status above).

        Args:
            nothing_new: no course needed copying (the message then says so).
            message: instead of the report's own.
        """
        self.result.update(
            stopped=report.stopped.value,
            imported=report.imported,
            unchanged=report.unchanged,
            signed=report.signed,
            failed={
                course_id: {"problem": error.problem.value, "detail": error.detail}
                for course_id, error in report.failed.items()
            },
            left=report.left,
            bytes_copied=report.bytes_copied,
            files_copied=report.files_copied,
        )
        if nothing_new and report.stopped is StopReason.DONE:
            message = "nothing new to import: " + (
                f"{len(report.failed)} course(s) refused" if report.failed else "everything is here"
            )
            if report.signed:
                message += (
                    f"; the county's signature kept for {len(report.signed)} course(s) already here"
                )
        return self.done(_status(report), message or report.message, _result_lines(report))


def open_context(
    paths: DataPaths, county: CountyProfile | None, out: CommandOutput
) -> AppContext | int:
    """The app's context on ``paths``, or the exit status once ``out`` said why it cannot be
    opened."""
    try:
        return AppContext.open(paths, county=county)
    except (StorageError, ValueError) as exc:
        return out.done(EXIT_USAGE, f"cannot use the data directory {paths.root}: {exc}")


def run_import_pack(
    paths: DataPaths,
    folder: Path,
    as_json: bool,
    county: CountyProfile | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Imports every new course of the pack in ``folder``; returns the exit status (above).

    Args:
        county: the county profile to trust (default: the one this copy carries).
    """
    out = CommandOutput(as_json, stdout, stderr)
    out.result["folder"] = str(folder)
    root = find_pack(folder)
    if root is None:
        return out.done(EXIT_USAGE, f"{folder} holds no Lamplight pack (no lamplight-pack.json)")
    out.result["pack"] = str(root)
    context = open_context(paths, county, out)
    if isinstance(context, int):
        return context
    progress = out.progress_line()
    try:
        with ctrl_c_stops() as interrupted:
            try:
                plan = scan_pack(root, context.db, context.content, context.county)
            except PackError as exc:
                return out.done(EXIT_USAGE, str(exc))
            out.plan(plan)
            chosen = plan.importable()
            refused: dict[str, PackError] = {
                c.id: c.problem for c in plan.courses if c.problem is not None
            }
            if interrupted():
                return out.done(EXIT_INTERRUPTED, "interrupted before copying")
            report = import_pack(
                plan,
                chosen,
                context.db,
                context.content,
                context.county,
                on_progress=progress,
                should_stop=interrupted,
                clock=context.clock,
            )
        if progress is not None:
            progress.finish()
        report.failed = {**refused, **report.failed}
        return out.imported(report, nothing_new=not chosen)
    finally:
        if progress is not None:
            progress.finish()
        context.close()
