"""``Lamplight --self-test``: checks that this installation works, then exits.

Run by ``build_installer.py`` on every build it makes, and by an IT person on a school PC after
installing (``lamplight-cli.exe --self-test`` on Windows). It checks, in order:

- the county profile built in: readable, complete for a county build, its signing keys;
- the starter pack shipped inside, if any: every course's signature against those keys;
- the data directory: the database opens (or is created) and is migrated to the current
  schema, a write goes through, the content store is writable;
- the window side (:mod:`app.ui.self_check`): the bundled CJK font and the translations load,
  the video and PDF engines are there, and the main window builds, offscreen.

Each check prints one line (``ok`` or ``FAIL`` with what is wrong); the same report goes to
``<data>/logs/self-test.txt`` (a windowed build has no console). Exit 0 when all passed, 1
when one failed, 2 when the data directory cannot be used at all.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from app import __version__
from app.context import AppContext
from app.county import CountyProfile, load_county, missing_for_installer
from app.paths import DataPaths, resolve_data_dir
from app.storage import settings
from app.storage.db import SCHEMA_HEAD, current_revision
from app.storage.errors import StorageError
from app.storage.models import Course, Profile
from wire.pack import key_id

REPORT_FILE = "self-test.txt"
EXIT_OK, EXIT_FAILED, EXIT_DATA_DIR = 0, 1, 2


class CheckFailed(Exception):
    """A check found a problem; the message says what (one line, for the IT person)."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    failures: int = 0
    echo: Callable[[str], None] | None = None

    def add(self, line: str) -> None:
        self.lines.append(line)
        if self.echo is not None:
            self.echo(line)

    def check(self, name: str, run: Callable[[], str]) -> bool:
        """Runs one check: ``run`` returns what it found, or raises :class:`CheckFailed`."""
        try:
            found = run()
        except CheckFailed as exc:
            self.failures += 1
            self.add(f"FAIL {name}: {exc}")
            return False
        except Exception as exc:  # a bug or a missing piece of the build: say it, go on
            self.failures += 1
            self.add(f"FAIL {name}: {type(exc).__name__}: {exc}")
            self.lines.append(traceback.format_exc().rstrip())
            return False
        self.add(f"ok   {name}: {found}")
        return True


def run_self_test(data_dir: str | None, language: str | None) -> int:
    """Runs every check on ``data_dir`` (default: where the app keeps its data)."""
    # The window is built offscreen: no display needed, nothing flashes on a teacher's screen.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    report = Report(echo=_printer())
    frozen = bool(getattr(sys, "frozen", False))
    report.add(
        f"Lamplight {__version__} self-test ({'installed build' if frozen else 'source'}; "
        f"Python {platform.python_version()} on {platform.platform()})"
    )
    try:
        paths = resolve_data_dir(data_dir)
    except OSError as exc:
        report.add(f"FAIL data directory: cannot use it: {exc}")
        return EXIT_DATA_DIR
    report.add(f"data directory: {paths.root}")
    county = CountyProfile()

    def profile() -> str:
        nonlocal county
        county = load_county()
        problems = missing_for_installer(county)
        if frozen and problems:
            raise CheckFailed("; ".join(problems))
        keys = ", ".join(key_id(k) for k in county.signing_keys) or "none"
        where = county.server_url or "no server address"
        return f"{county.code or '(none)'} {county.name} - {where}; trusts keys {keys}"

    report.check("county profile", profile)
    context: AppContext | None = None

    def database() -> str:
        nonlocal context
        try:
            context = AppContext.open(paths, county=county)
            revision = current_revision(context.db.engine)
            if revision != SCHEMA_HEAD:
                raise CheckFailed(f"schema {revision}, expected {SCHEMA_HEAD}")
            with context.db.write() as session:
                settings.put(session, settings.LAST_SELF_TEST, datetime.now(UTC).isoformat())
        except StorageError as exc:  # a newer schema, not a database, a full disk: no bug
            raise CheckFailed(str(exc)) from exc
        with context.db.read_session() as session:
            teachers = session.scalar(select(func.count()).select_from(Profile))
            courses = session.scalar(select(func.count()).select_from(Course))
        return f"schema {revision}, {teachers} teacher(s), {courses} course(s); writable"

    try:
        report.check("database", database)
        if context is not None:
            opened = context
            report.check("content store", lambda: _content_writable(opened.paths))
            if county.starter_pack is not None:
                report.check("starter pack", lambda: _starter_pack(opened))
            try:
                from app.ui.self_check import window_checks
            except ImportError as exc:  # Qt's own libraries are missing from this system
                missing = exc
                report.check("window", lambda: _qt_missing(missing))
            else:
                for name, check in window_checks(opened, language):
                    report.check(name, check)
    finally:
        if context is not None:
            context.close()
    verdict = (
        "self-test passed"
        if report.failures == 0
        else f"self-test FAILED: {report.failures} problem(s)"
    )
    report.add(verdict)
    _save(paths, report)
    return EXIT_OK if report.failures == 0 else EXIT_FAILED


#: What Qt needs from a Linux system (Debian/Ubuntu names); see docs/counties.md.
LINUX_QT_PACKAGES = "libgl1 libegl1 libxkbcommon0 libxcb-cursor0 libfontconfig1 libdbus-1-3"


def qt_missing_message(exc: ImportError) -> str:
    """A plain sentence for Qt failing to load: which library, and what to install."""
    text = f"Qt cannot load ({exc})"
    if sys.platform.startswith("linux"):
        text += f"; install what it needs: sudo apt install {LINUX_QT_PACKAGES}"
    return text


def _qt_missing(exc: ImportError) -> str:
    raise CheckFailed(qt_missing_message(exc))


def _content_writable(paths: DataPaths) -> str:
    try:
        with tempfile.NamedTemporaryFile(dir=paths.content, prefix=".self-test-"):
            pass
    except OSError as exc:
        raise CheckFailed(f"cannot write in {paths.content}: {exc}") from exc
    return str(paths.content)


def _starter_pack(context: AppContext) -> str:
    from app.sync.pack_import import CourseState, scan_pack

    assert context.county.starter_pack is not None
    plan = scan_pack(context.county.starter_pack, context.db, context.content, context.county)
    refused = [c for c in plan.courses if c.state == CourseState.PROBLEM]
    if refused:
        raise CheckFailed(
            "; ".join(f"{c.id}: {c.problem.detail if c.problem else 'refused'}" for c in refused)
            + " (the pack is not signed by this county's key, or was changed)"
        )
    return f"{len(plan.courses)} course(s), every signature verified"


def _save(paths: DataPaths, report: Report) -> None:
    try:
        paths.logs.mkdir(parents=True, exist_ok=True)
        (paths.logs / REPORT_FILE).write_text("\n".join(report.lines) + "\n", encoding="utf-8")
    except OSError:
        pass  # the report was printed; a disk that cannot take it failed a check already


def _printer() -> Callable[[str], None] | None:
    stream = sys.stdout
    if stream is None:  # a windowed build on Windows: the report file is the output
        return None

    def echo(line: str) -> None:
        try:
            print(line, file=stream, flush=True)
        except (OSError, UnicodeEncodeError):
            print(line.encode("ascii", "replace").decode(), file=stream, flush=True)

    return echo
