"""The commands of ``python -m app`` that run without a window: ``enroll`` and ``sync``.

Exit status (also in ``--json`` output as ``exit``):

    0  everything was pushed and pulled, and the download queue drained (or waits for its
       hours, or was paused by a teacher)
    1  an unexpected error (a bug: the message and the log say more)
    2  bad usage, or the data directory cannot be used
    3  the county server cannot be reached, or answered wrongly; try again later
    4  this PC is not enrolled, or was removed by the county; enroll with the school's code
    5  the sync ran, but records were refused by the server or are still waiting, or
       downloads failed and will be tried again
    6  another sync (or download) is running on this PC
    7  the disk is full (or only the reserve the downloads must leave is free)

``enroll --from-stick DIR`` also (:mod:`app.sync.stick_enroll`):

    2  ``DIR`` is not a folder, or the stick has registrations of several schools and
       ``--school`` did not choose one
    8  no registration file for this county (and school) on the stick; the problems of the
       files found are listed
    9  the stick cannot be written (read-only, locked, pulled out), so the registration could
       not be taken off it: nothing was stored, it is still on the stick
    10 this PC is enrolled already; the stick was not touched
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path
from typing import TextIO

from app.context import AppContext
from app.download_commands import drain
from app.paths import DataPaths
from app.storage.errors import DiskFullError, StorageError
from app.sync.download_runner import DrainReport, StopReason
from app.sync.errors import (
    BadResponseError,
    DeviceRevokedError,
    EnrollmentCodeError,
    NotEnrolledError,
    OfflineError,
    ServerError,
    SyncBusyError,
    SyncError,
    TooManyAttemptsError,
)

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_OFFLINE, EXIT_ENROLL, EXIT_PARTIAL, EXIT_BUSY, EXIT_DISK = (
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
)
EXIT_NO_CREDENTIAL, EXIT_STICK_READ_ONLY, EXIT_ALREADY_ENROLLED = 8, 9, 10

log = logging.getLogger(__name__)


def _exit_for(exc: BaseException) -> tuple[int, str]:
    """The exit status and a plain sentence for a failed sync or enrollment."""
    if isinstance(exc, SyncBusyError):
        return EXIT_BUSY, "another sync is already running on this computer; try again later"
    if isinstance(exc, DeviceRevokedError):
        return EXIT_ENROLL, (
            "the county removed this computer from the server; ask the training coordinator "
            "for the school's enrollment code and run: python -m app enroll --code CODE"
        )
    if isinstance(exc, NotEnrolledError):
        return EXIT_ENROLL, (
            f"this computer is not enrolled with the county server ({exc}); run: "
            "python -m app enroll --code CODE"
        )
    if isinstance(exc, EnrollmentCodeError):
        return EXIT_ENROLL, "the server does not know this enrollment code; check it and retry"
    if isinstance(exc, TooManyAttemptsError):
        wait = f" in {exc.retry_after} s" if exc.retry_after else " later"
        return EXIT_ENROLL, f"too many wrong attempts; try again{wait}"
    if isinstance(exc, OfflineError):
        return EXIT_OFFLINE, f"cannot reach the county server; work is kept here ({exc})"
    if isinstance(exc, ServerError | BadResponseError):
        return EXIT_OFFLINE, f"the county server could not complete the sync: {exc}"
    if isinstance(exc, DiskFullError):
        return EXIT_DISK, "the disk is full; free some space and sync again"
    if isinstance(exc, SyncError | StorageError):
        return EXIT_BUG, str(exc)
    return EXIT_BUG, f"unexpected error: {type(exc).__name__}: {exc}"


def _download_status(report: DrainReport) -> int:
    """The exit status of the download step (the records' sync went through already)."""
    return {
        StopReason.OFFLINE: EXIT_OFFLINE,
        StopReason.REFUSED: EXIT_ENROLL,
        StopReason.DISK: EXIT_DISK,
        StopReason.BUSY: EXIT_BUSY,
    }.get(report.reason, EXIT_OK)


def _emit(out: TextIO, as_json: bool, status: int, message: str, extra: dict[str, object]) -> None:
    if as_json:
        print(
            json.dumps({"exit": status, "message": message, **extra}, ensure_ascii=False),
            file=out,
            flush=True,
        )
    elif status == EXIT_OK:
        print(message, file=out, flush=True)
    else:
        print(f"error: {message}", file=sys.stderr, flush=True)


def run_enroll(
    paths: DataPaths, server: str | None, code: str, name: str | None, as_json: bool
) -> int:
    from app.sync.devices import enroll

    context = AppContext.open(paths, server)
    try:
        client = context.client()
        if client is None:
            _emit(sys.stdout, as_json, EXIT_USAGE, "no county server set: pass --server URL", {})
            return EXIT_USAGE
        try:
            state = enroll(context.db, client, code, name)
        except Exception as exc:  # every failure gets an exit status
            status, message = _exit_for(exc)
            _emit(sys.stdout, as_json, status, message, {})
            return status
        message = f"enrolled in {state.school} (device {state.device_id})"
        _emit(
            sys.stdout,
            as_json,
            EXIT_OK,
            message,
            {"school": state.school, "device_id": state.device_id},
        )
        return EXIT_OK
    finally:
        context.close()


def run_enroll_from_stick(
    paths: DataPaths, server: str | None, folder: Path, school: str | None, as_json: bool
) -> int:
    """``enroll --from-stick DIR``: takes one registration file the county put on the stick."""
    from app.sync.stick_enroll import take_credential

    if not folder.is_dir():
        message = f"{folder} is not a folder (is the stick plugged in?)"
        _emit(sys.stdout, as_json, EXIT_USAGE, message, {})
        return EXIT_USAGE
    try:
        context = AppContext.open(paths, server)
    except StorageError as exc:
        message = f"cannot use the data directory {paths.root}: {exc}"
        _emit(sys.stdout, as_json, EXIT_USAGE, message, {})
        return EXIT_USAGE
    try:
        try:
            state = take_credential(context.db, folder, context.county.code, school)
        except Exception as exc:  # every failure gets an exit status
            status, message, listed = _stick_exit_for(exc, context.county.code)
            if status == EXIT_BUG:
                log.exception("enroll --from-stick failed")
            _emit(sys.stdout, as_json, status, message, dict(listed))
            if not as_json:
                for line in (line for lines in listed.values() for line in lines):
                    print(f"  {line}", file=sys.stderr, flush=True)
            return status
        message = f"this PC is now enrolled for {state.school} (from the USB stick)"
        done: dict[str, object] = {"school": state.school, "device_id": state.device_id}
        _emit(sys.stdout, as_json, EXIT_OK, message, done)
        return EXIT_OK
    finally:
        context.close()


def _stick_exit_for(exc: BaseException, county: str) -> tuple[int, str, dict[str, list[str]]]:
    from app.sync.stick_enroll import (
        AlreadyEnrolledError,
        NoCredentialError,
        SeveralSchoolsError,
        StickNotWritableError,
    )

    if isinstance(exc, AlreadyEnrolledError):
        return (
            EXIT_ALREADY_ENROLLED,
            f"this PC is already enrolled for {exc.school}; the stick was not touched",
            {},
        )
    if isinstance(exc, NoCredentialError):
        whose = f"county {county!r}" if county else "this county"
        problems = [p.detail for p in exc.problems]
        return (
            EXIT_NO_CREDENTIAL,
            (
                f"{exc} (for {whose}); ask the training coordinator to bring a registration "
                "file from the county on the stick"
                + (f"; {len(problems)} file(s) on it cannot be used:" if problems else "")
            ),
            {"problems": problems},
        )
    if isinstance(exc, SeveralSchoolsError):
        return (
            EXIT_USAGE,
            f"{exc}; choose this PC's school with --school NAME",
            {"schools": exc.schools},
        )
    if isinstance(exc, StickNotWritableError):
        return (
            EXIT_STICK_READ_ONLY,
            (
                f"{exc}; check that the stick is pushed in well and not locked (some sticks "
                "have a small lock switch), then try again"
            ),
            {},
        )
    status, message = _exit_for(exc)
    return status, message, {}


def run_sync(
    paths: DataPaths,
    server: str | None,
    once: bool,
    as_json: bool,
    batch_size: int | None = None,
    downloads: bool = True,
) -> int:
    """``sync --once``: one sync; without ``--once``: sync every few minutes until Ctrl+C."""
    from app.sync.schedule import Backoff

    backoff = Backoff()
    while True:
        status = _sync_one(paths, server, as_json, batch_size, downloads)
        if once:
            return status
        delay = backoff.after_success() if status == EXIT_OK else backoff.after_failure()
        if status in (EXIT_ENROLL, EXIT_BUG):
            return status
        try:
            time.sleep(delay)
        except KeyboardInterrupt:
            return EXIT_OK if status == EXIT_OK else status


def _sync_one(
    paths: DataPaths,
    server: str | None,
    as_json: bool,
    batch_size: int | None,
    downloads: bool = True,
) -> int:
    from app.sync.engine import sync_once
    from app.sync.lock import sync_lock

    context = AppContext.open(paths, server)
    try:
        client = context.client()
        if client is None:
            _emit(sys.stdout, as_json, EXIT_USAGE, "no county server set: pass --server URL", {})
            return EXIT_USAGE
        try:
            with sync_lock(paths.root):
                report = sync_once(context.db, client, clock=context.clock, batch_size=batch_size)
        except Exception as exc:  # every failure gets an exit status
            status, message = _exit_for(exc)
            log.info("sync failed: %s", exc)
            _emit(sys.stdout, as_json, status, message, {})
            return status
        summary = (
            f"pushed {report.pushed} new records ({report.duplicates} already there), "
            f"pulled {report.pulled}, {report.courses_changed} courses changed"
        )
        extra: dict[str, object] = report.as_dict()
        fetched: DrainReport | None = None
        if downloads:
            fetched = drain(context, None if as_json else sys.stdout)
            extra["downloads"] = fetched.as_dict()
            summary += "; " + fetched.message
            status = _download_status(fetched)
            if status not in (EXIT_OK, EXIT_PARTIAL):
                _emit(sys.stdout, as_json, status, f"sync done ({summary})", extra)
                return status
        if (
            report.complete
            and report.problems == 0
            and report.teachers_refused == 0
            and (fetched is None or not fetched.failed)
        ):
            _emit(sys.stdout, as_json, EXIT_OK, f"sync complete: {summary}", extra)
            return EXIT_OK
        why = []
        if fetched is not None and fetched.failed:
            why.append(f"{len(fetched.failed)} downloads failed and will be tried again")
        if report.waiting:
            why.append(f"{report.waiting} records still waiting")
        if report.problems:
            why.append(f"{report.problems} records refused by the server")
        if report.teachers_refused:
            why.append(f"{report.teachers_refused} teachers not accepted on this computer")
        message = f"sync incomplete: {summary}; " + ", ".join(why or ["stopped early"])
        _emit(sys.stdout, as_json, EXIT_PARTIAL, message, extra)
        return EXIT_PARTIAL
    finally:
        context.close()
