"""``python -m app export-bundle DIR``: this PC's progress onto a USB stick for the county.

First the county's receipts found on the stick are taken (records they confirm are not sent
again), then a bundle of every record still not acknowledged is written, if there is one
(:mod:`app.sync.bundles`). ``DIR`` is the stick or its pack folder: the bundle goes into the
pack found there (``DIR`` or ``DIR/lamplight``), else into a new ``DIR/lamplight`` -- where the
app's USB window puts it too.

Exit status (also ``exit`` in the ``--json`` object):

    0  done: receipts taken, and a bundle written or nothing left to send
    1  an unexpected error (a bug: the message and the log say more)
    2  ``DIR`` is not a folder, or the stick cannot be read or written (read-only, pulled
       out), or the data directory cannot be used
    4  this PC is not enrolled: it has no credential to sign its progress with
    5  a receipt on the stick was refused (forged, altered, another PC's or another
       server's); the rest was done
    7  the stick (or this PC's disk) is full; no bundle was left half-written
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from app.paths import DataPaths
from app.storage.clock import Clock, utc_now
from app.storage.db import Database, open_database
from app.storage.errors import DiskFullError, StorageError
from app.sync.bundles import BundleWritten, ReceiptsApplied, apply_receipts, export_bundle
from app.sync.errors import NotEnrolledError
from wire.blobs import DiskFull
from wire.bundle import BundleError, BundleWriteError
from wire.pack import pack_root_for_writing

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_ENROLL, EXIT_RECEIPT, EXIT_DISK = 0, 1, 2, 4, 5, 7

log = logging.getLogger(__name__)


def run_export_bundle(
    paths: DataPaths,
    folder: Path,
    as_json: bool,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    clock: Clock = utc_now,
) -> int:
    """Takes receipts, writes a bundle; prints what it did; returns the exit status above."""
    out = stdout if stdout is not None else sys.stdout
    err = stderr if stderr is not None else sys.stderr
    report: dict[str, Any] = {"receipts": None, "bundle": None}

    def finish(status: int, message: str) -> int:
        if as_json:
            print(
                json.dumps({"exit": status, "message": message, **report}, ensure_ascii=False),
                file=out,
                flush=True,
            )
        elif status in (EXIT_OK, EXIT_RECEIPT):
            print(message, file=out, flush=True)
        else:
            print(f"error: {message}", file=err, flush=True)
        return status

    if not folder.is_dir():
        return finish(EXIT_USAGE, f"{folder} is not a folder (is the stick plugged in?)")
    try:
        db = open_database(paths.database)
    except StorageError as exc:
        return finish(EXIT_USAGE, f"cannot use the data directory {paths.root}: {exc}")
    try:
        return _run(db, pack_root_for_writing(folder), clock, report, finish, err, as_json)
    except NotEnrolledError:
        return finish(
            EXIT_ENROLL,
            "this computer is not enrolled with the county server, so it cannot sign its "
            "progress; enroll it with the school's code first (python -m app enroll --code CODE)",
        )
    except DiskFull as exc:
        return finish(EXIT_DISK, f"the stick is full ({exc}); nothing was left half-written")
    except DiskFullError:
        return finish(EXIT_DISK, "this computer's disk is full; free some space and try again")
    except (BundleWriteError, BundleError) as exc:
        return finish(EXIT_USAGE, f"cannot use the stick: {exc}")
    except Exception as exc:  # every failure gets an exit status
        log.exception("export-bundle failed")
        return finish(EXIT_BUG, f"unexpected error: {type(exc).__name__}: {exc}")
    finally:
        db.close()


def _run(
    db: Database,
    root: Path,
    clock: Clock,
    report: dict[str, Any],
    finish: Callable[[int, str], int],
    err: TextIO,
    as_json: bool,
) -> int:
    applied = apply_receipts(db, root, clock=clock)
    report["receipts"] = {
        "bundles": applied.bundles,
        "records_delivered": applied.records_delivered,
        "problems": applied.problems,
    }
    if not as_json:
        for problem in applied.problems:
            print(f"warning: receipt refused: {problem}", file=err, flush=True)
    written = export_bundle(db, root, clock=clock)
    if written is not None:
        report["bundle"] = {
            "bundle_id": written.bundle_id,
            "records": written.records,
            "teachers": written.teachers,
            "path": str(written.path),
        }
    status = EXIT_RECEIPT if applied.problems else EXIT_OK
    return finish(status, describe(applied, written))


def describe(applied: ReceiptsApplied, written: BundleWritten | None) -> str:
    """What the command did, in one or two sentences."""
    parts = []
    if applied.bundles:
        s = "s" if applied.bundles != 1 else ""
        parts.append(
            f"took {applied.bundles} receipt{s} from the county: "
            f"{applied.records_delivered} records delivered"
        )
    if applied.problems:
        parts.append(f"{len(applied.problems)} receipt(s) refused")
    if written is None:
        parts.append("nothing to send: the county server has every record of this computer")
    else:
        parts.append(
            f"wrote {written.records} records of {written.teachers} teacher(s) to {written.path}"
        )
    return "; ".join(parts)
