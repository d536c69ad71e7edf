"""``python -m server publish-form`` and ``python -m server forms list``: questionnaires and
quizzes published on their own, and the forms the county has published.

    publish-form FILE.xlsx [FILE.xlsx ...]
                    publishes each XLSForm workbook as a course of its own (one lesson, one
                    item, named by the form's id and titled by its title), which every PC lists
                    and downloads like any course; every workbook is checked before any is
                    published. A form inside a course is an item of its course.toml instead
                    (see docs/forms.md).
    forms list      every published form: id (what ``report form FORM_ID`` takes), mode,
                    versions, the course item carrying it, and title

Each takes ``--data-dir D`` (and ``--database-url``).

Exit status: 0 done; 2 a workbook Lamplight cannot publish (the message names the sheet, row
and column), a form id taken by a course, a version already published with other content, or
bad usage (nothing published). Database errors are 3 and storage errors 4, as for every command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from server.form_store import FormInfo, list_forms
from wire.blobs import BlobStore
from wire.course import CourseFormatError

COMMANDS = frozenset({"publish-form", "forms"})
EXIT_OK = 0
EXIT_INVALID = 2

_Common = Callable[[argparse.ArgumentParser], None]


class Opened(Protocol):
    """What ``server.cli`` opened: the database sessions and the blob store."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def blobs(self) -> BlobStore: ...


def add_commands(commands: argparse._SubParsersAction[Any], common: _Common) -> None:
    """Adds ``publish-form`` and ``forms`` (``list``) to the parser."""
    publish = commands.add_parser(
        "publish-form", help="publish questionnaires or quizzes (XLSForm workbooks) on their own"
    )
    publish.add_argument("workbooks", nargs="+", type=Path, metavar="FILE.xlsx")
    common(publish)
    forms = commands.add_parser("forms", help="the questionnaires and quizzes published")
    actions = forms.add_subparsers(dest="action", required=True, metavar="ACTION")
    common(actions.add_parser("list", help="list every published form and its versions"))


def run(args: argparse.Namespace, opened: Opened) -> int:
    """Runs ``publish-form`` or ``forms list``; returns the exit status."""
    if args.command == "publish-form":
        from server.xlsform import FormImportError  # pyxform: only when a form is read

        try:
            return _publish_forms(args, opened)
        except (FormImportError, CourseFormatError) as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            return EXIT_INVALID
    with opened.sessions() as session:
        forms = list_forms(session)
    print(format_forms(forms), flush=True)
    return EXIT_OK


def _publish_forms(args: argparse.Namespace, opened: Opened) -> int:
    from server.publish import prepare_form, publish_prepared

    prepared = []
    sources: dict[str, Path] = {}
    for workbook in args.workbooks:
        form = prepare_form(workbook)
        form_id = form.course.id
        if form_id in sources:
            raise CourseFormatError(
                str(workbook), "", f'form id "{form_id}" is also the id of {sources[form_id]}'
            )
        sources[form_id] = workbook
        prepared.append(form)
    for form in prepared:
        with opened.sessions() as session:
            result = publish_prepared(session, opened.blobs, form)
        (spec,) = (f.spec for f in form.forms.values())
        what = f"form {spec.id} version {spec.version} ({spec.mode.value})"
        if result.changed:
            print(f"published {what} as course {result.course_id} version {result.version}")
        else:
            print(f"{what} unchanged (course {result.course_id} version {result.version})")
    from server.course_signing import sign_with_key_if_present

    problem = sign_with_key_if_present(args.data_dir, opened.sessions)
    if problem is not None:
        print(f"warning: forms not signed: {problem}", file=sys.stderr, flush=True)
    return EXIT_OK


def format_forms(forms: list[FormInfo]) -> str:
    """The ``forms list`` table: the title last, since Chinese text breaks the alignment."""
    if not forms:
        return "no forms published yet"
    header = ("FORM", "MODE", "VERSIONS", "LATEST", "COURSE/ITEM", "TITLE")
    rows = [
        (
            form.form_id,
            form.mode.value,
            str(len(form.versions)),
            form.latest_version,
            f"{form.course_id}/{form.item_id}",
            form.title,
        )
        for form in forms
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[-1]])
        for row in [header, *rows]
    )
