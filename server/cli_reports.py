"""``python -m server report form FORM_ID``: a questionnaire's or quiz's report, as a file.

    report form FORM_ID [--format xlsx|csv|json] [--out PATH] [--lang zh|en] [--min-cell N]

``--format`` (default ``xlsx``): an Excel workbook with one sheet per view and bar charts; a
folder of CSV files (UTF-8 with BOM) and ``index.csv``; or JSON for the dashboard (read back
with :func:`server.report_export.read_json`). ``--out`` defaults to ``./FORM_ID-report.xlsx``,
``./FORM_ID-report.json`` or the folder ``./FORM_ID-report``. ``--lang`` is the language of
the headings, group names and the form's own texts (default Chinese). ``--min-cell`` (default
3) is the smallest group a breakdown shows on its own; 1 shows every group. The views:
:mod:`server.report_build`; anonymity: an anonymous survey's responses are read without any
teacher id (see :mod:`server.responses`).

A form with no responses yet still gets its report, which says 0. A report written again
replaces the file; for CSV, the files an earlier report listed in the folder's ``index.csv``
are removed first, so no stale table is left behind (a non-empty folder that holds no report
is refused).

Exit status: 0 written; 2 no form published under ``FORM_ID`` (the message lists those that
are) or a bad ``--out``; 3 the database cannot be used; 4 the report cannot be written.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from server.analysis import MIN_CELL
from server.form_store import current_form, form_versions, list_forms
from server.report_model import Report
from server.report_text import LANGUAGES
from server.responses import submitted
from wire.forms import FormMode

COMMANDS = frozenset({"report"})
FORMATS = ("xlsx", "csv", "json")
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_WRITE = 4

_Common = Callable[[argparse.ArgumentParser], None]


class Opened(Protocol):
    """What ``server.cli`` opened: the database sessions."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...


def add_commands(commands: argparse._SubParsersAction[Any], common: _Common) -> None:
    """Adds ``report`` (``form``) to the parser."""
    report = commands.add_parser("report", help="reports on the responses the county received")
    kinds = report.add_subparsers(dest="report_kind", required=True, metavar="KIND")
    form = kinds.add_parser(
        "form", help="a questionnaire's or quiz's report: counts, tables, tests, charts"
    )
    form.add_argument("form_id", metavar="FORM_ID", help="see `python -m server forms list`")
    form.add_argument(
        "--format", dest="report_format", choices=FORMATS, default="xlsx", help="default xlsx"
    )
    form.add_argument(
        "--out",
        type=Path,
        help="the file (a folder for csv); default ./FORM_ID-report.xlsx, .json or folder",
    )
    form.add_argument("--lang", choices=LANGUAGES, default="zh", help="default zh")
    form.add_argument(
        "--min-cell",
        type=_at_least_one,
        default=MIN_CELL,
        help=f"smallest group shown on its own in breakdowns (default {MIN_CELL})",
    )
    common(form)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def default_out(form_id: str, report_format: str) -> Path:
    name = f"{form_id}-report"
    return Path(name if report_format == "csv" else f"{name}.{report_format}")


def run(args: argparse.Namespace, opened: Opened) -> int:
    """Writes the report ``args`` asks for; prints where, or one error line on stderr."""
    out: Path = args.out or default_out(args.form_id, args.report_format)
    problem = _check_out(out, args.report_format)
    if problem is not None:
        return _fail(EXIT_USAGE, problem)
    with opened.sessions() as session:
        spec = current_form(session, args.form_id)
        if spec is None:
            return _fail(EXIT_USAGE, _unknown_form(session, args.form_id))
        versions = form_versions(session, args.form_id)
        # A quiz counts each teacher's best attempt, so it needs to tell teachers apart; an
        # anonymous survey (in any version) is never read with teacher ids.
        identified = spec.mode is FormMode.QUIZ and not any(v.anonymous for v in versions.values())
        responses = list(submitted(session, args.form_id, identified=identified))

    # scipy takes a while to load: only when a report is really made.
    from server.report_build import build_form_report

    report = build_form_report(
        spec, responses, versions=versions, min_cell=args.min_cell, language=args.lang
    )
    try:
        _write(report, args.report_format, out)
    except OSError as exc:
        return _fail(EXIT_WRITE, f"cannot write the report to {out}: {exc}")
    count = f"{len(responses)} response{'' if len(responses) == 1 else 's'}"
    if not responses:
        count = "no responses yet"
    print(f"report of form {spec.id} ({count}) written to {out}", flush=True)
    return EXIT_OK


def _fail(status: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return status


def _check_out(out: Path, report_format: str) -> str | None:
    if report_format != "csv":
        return f"{out} is a folder; --out needs a file name" if out.is_dir() else None
    if out.exists() and not out.is_dir():
        return f"{out} is a file; a CSV report is a folder"
    if out.is_dir() and any(out.iterdir()) and not (out / "index.csv").is_file():
        return f"{out} is a folder that holds other files than a report; choose another --out"
    return None


def _unknown_form(session: Session, form_id: str) -> str:
    forms = list_forms(session)
    message = f"no form {form_id!r} has been published on this server"
    received = sum(1 for _ in submitted(session, form_id))
    if received:
        message += f" ({received} responses to it were received: publish the form to report them)"
    if not forms:
        return message + "; none has yet (python -m server publish-form FILE.xlsx)"
    known = ", ".join(f"{f.form_id} ({f.title})" for f in forms)
    return f"{message}; published forms: {known}"


def _write(report: Report, report_format: str, out: Path) -> None:
    from server.report_export import write_csv, write_json, write_xlsx

    if report_format == "xlsx":
        write_xlsx(report, out)
    elif report_format == "json":
        write_json(report, out)
    else:
        _remove_earlier_csv(out)
        write_csv(report, out)


def _remove_earlier_csv(folder: Path) -> None:
    """Removes the files an earlier report listed in ``index.csv`` (and nothing else)."""
    index = folder / "index.csv"
    if not index.is_file():
        return
    with index.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    for row in rows[1:]:
        if row and Path(row[0]).name == row[0] and row[0].endswith(".csv"):
            (folder / row[0]).unlink(missing_ok=True)
