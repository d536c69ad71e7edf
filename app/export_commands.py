"""``python -m app export-pack DIR --course ID...``: copy courses from this PC to a USB pack
for another PC (see :mod:`app.sync.pack_export`).

Progress goes to stderr (one line redrawn on a terminal, a line per course otherwise; none with
``--json``), the summary to stdout (one JSON object with ``--json``).

Exit status (also ``exit`` in the JSON):

    0  every course named is in the pack (written now, or already there)
    1  an unexpected error (a bug: the message and the log say more)
    2  bad usage: no course named, the data directory cannot be used, or the folder holds
       another county's or a newer Lamplight's pack, or other files; nothing was written
    5  some (or all) of the courses named were not written, each named with why; the
       others were
    7  the stick is full or cannot be written; the courses completed before are in the pack
"""

from __future__ import annotations

import json
import logging
import platform
import sys
from pathlib import Path
from typing import Any, TextIO

from app import __version__
from app.context import AppContext
from app.paths import DataPaths
from app.storage.errors import StorageError
from app.sync.pack_export import PeerExport, export_courses
from wire.pack import PackError, pack_root_for_writing
from wire.pack_courses import ProgressLine
from wire.pack_writer import PackFull, PackWriteError

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_PARTIAL, EXIT_DISK = 0, 1, 2, 5, 7

log = logging.getLogger(__name__)


def run_export_pack(
    paths: DataPaths,
    out: Path,
    course_ids: list[str],
    as_json: bool,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Writes the pack; prints what happened; returns the exit status (see above)."""
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    out = pack_root_for_writing(out)  # a stick's root gets its lamplight folder
    result: dict[str, Any] = {"pack": str(out)}

    def fail(status: int, message: str) -> int:
        if as_json:
            print(json.dumps({**result, "exit": status, "error": message}), file=stdout)
        else:
            print(f"error: {message}", file=stderr)
        return status

    if not course_ids:
        return fail(EXIT_USAGE, "name the courses to copy with --course ID")
    try:
        context = AppContext.open(paths)
    except (StorageError, ValueError) as exc:
        return fail(EXIT_USAGE, f"cannot use the data directory {paths.root}: {exc}")
    progress = None if as_json else ProgressLine(stderr)
    try:
        done = export_courses(
            context.db,
            context.content,
            out,
            course_ids,
            progress,
            trusted=context.county.signing_keys,
            written_by=f"Lamplight {__version__} on {platform.node()}",
        )
    except PackFull as exc:
        return fail(EXIT_DISK, f"{exc}; the courses completed are in the pack")
    except PackWriteError as exc:
        return fail(EXIT_DISK, str(exc))
    except PackError as exc:
        return fail(EXIT_USAGE, str(exc))
    except Exception as exc:
        log.exception("export-pack failed")
        return fail(EXIT_BUG, f"unexpected error: {exc!r}")
    finally:
        if progress is not None:
            progress.finish()
        context.close()
    status = EXIT_PARTIAL if done.refused else EXIT_OK
    _print(done, status, result, as_json, stdout, stderr)
    return status


def _print(
    done: PeerExport,
    status: int,
    result: dict[str, Any],
    as_json: bool,
    stdout: TextIO,
    stderr: TextIO,
) -> None:
    report = done.report
    if as_json:
        result.update(
            exit=status,
            written=report.written if report else [],
            unchanged=report.unchanged if report else [],
            kept_newer=[
                {"course": cid, "on_stick": stick, "here": here}
                for cid, stick, here in (report.kept_newer if report else [])
            ],
            refused=[
                {"course": r.course_id, "reason": r.reason.value, "detail": r.detail}
                for r in done.refused
            ],
            files_copied=report.blobs_copied if report else 0,
            bytes_copied=report.bytes_copied if report else 0,
            files_present=report.blobs_present if report else 0,
        )
        print(json.dumps(result, ensure_ascii=False), file=stdout)
        return
    if report is not None:
        for line in report.lines():
            if not line.startswith("not written:"):  # said below, with the reason code
                print(line, file=stdout)
    else:
        print("nothing was written", file=stdout)
    for refusal in done.refused:
        print(f"not copied: {refusal.detail}", file=stderr)
