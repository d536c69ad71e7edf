"""Installing a newer Lamplight over an older one: the data directory the older release wrote
(``tests/fixtures/upgrade``, made by its own code) opens with this code, migrated at start, and
every teacher's profile, PIN, progress, pending record, downloaded file and queued download is
still there. Expectations come from the fixture's ``FIXTURE.json``, never from this file."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import queue
import sqlite3
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog, downloads, profiles, progress, records, settings
from app.storage.db import SCHEMA_HEAD, current_revision
from app.storage.errors import DatabaseTooNewError, WrongPinError
from app.storage.models import Profile, ProgressEvent
from app.sync.client import ServerClient
from app.sync.download_runner import StopReason, drain_queue
from app.sync.engine import sync_once
from app.sync.transport import RequestsTransport, Response, Timeout
from tests.helpers.pcs import server_query
from tests.helpers.server_process import REPO, ServerProcess, running_server
from tests.helpers.upgrade import county_dir, fixture_names, unpack_fixture

pytestmark = pytest.mark.slow

Fixture = dict[str, Any]


@pytest.fixture(params=fixture_names())
def old(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Fixture]:
    """A data directory an earlier release wrote (each there is), unpacked, and what it holds."""
    data_dir, fixture = unpack_fixture(tmp_path / "old", request.param)
    assert fixture["revision"] != SCHEMA_HEAD
    assert raw_revision(data_dir) == fixture["revision"]
    return data_dir, fixture


@pytest.fixture
def county(tmp_path: Path, old: tuple[Path, Fixture]) -> Iterator[ServerProcess]:
    """This code's county server over the county's data directory of the same fixture."""
    with running_server(county_dir(tmp_path / "old", old[1])) as server:
        yield server


def raw_revision(data_dir: Path) -> str | None:
    """The schema revision, read with plain sqlite3 (no Lamplight code, nothing written)."""
    conn = sqlite3.connect(f"file:{data_dir / 'lamplight.sqlite3'}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    finally:
        conn.close()


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``, by relative path."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def teacher_of(row: Mapping[str, Any]) -> profiles.Teacher:
    return profiles.Teacher(id=row["id"], name=row["name"], school=row["school"])


def check_everything_kept(context: AppContext, fixture: Fixture) -> None:
    """Everything the old release wrote reads back the same through this code (read only)."""
    assert current_revision(context.db.engine) == SCHEMA_HEAD
    with context.db.read_session() as session:
        # Teachers: every profile, its fields and its wrong-PIN counter.
        listed = {p.id: p for p in profiles.list_profiles(session)}
        assert set(listed) == {t["id"] for t in fixture["teachers"]}
        for row in fixture["teachers"]:
            shown = listed[row["id"]]
            assert (shown.name, shown.school, shown.gender, shown.age_band, shown.subject) == (
                row["name"],
                row["school"],
                row["gender"],
                row["age_band"],
                row["subject"],
            )
            profile = session.get(Profile, row["id"])
            assert profile is not None and profile.failed_attempts == row["failed_attempts"]

        # Progress, per teacher and item, derived by this code from the old records.
        courses = {c["id"]: c for c in fixture["courses"]}
        kinds = {i["id"]: i["kind"] for c in fixture["courses"] for i in c["items"]}
        for row in fixture["teachers"]:
            expected = fixture["progress"].get(row["id"], {})
            events = progress.events_for(session, teacher_of(row), list(kinds))
            got = {
                item: progress.derive(kinds[item], found) for item, found in events.items() if found
            }
            assert set(got) == set(expected), row["name"]
            for item, want in expected.items():
                assert len(events[item]) == want["events"]
                assert got[item].share == pytest.approx(want["share"]), (row["name"], item)
                assert (got[item].done, got[item].resume_at, got[item].started) == (
                    want["done"],
                    want["resume_at"],
                    want["started"],
                ), (row["name"], item)

        # Records: the acknowledged ones behind the push cursor, the others still waiting.
        cursor = settings.get(session, settings.PUSH_CURSOR)
        waiting = [r.id for r in records.pending(session, cursor, 10_000)]
        assert waiting == fixture["records"]["pending"]
        done = session.query(ProgressEvent.id).filter(ProgressEvent.seq <= cursor).all()
        assert [r.id for r in done] == fixture["records"]["acknowledged"]
        unlinked = {t["id"] for t in fixture["teachers"] if not t["linked"]}
        assert {r.teacher for r in records.unlinked_profile_records(session)} == unlinked

        # The catalog: the same courses, items and files, downloaded or not as they were.
        rows = {c.id: c for c in catalog.list_courses(session)}
        assert set(rows) == set(courses)
        for course_id, want in courses.items():
            assert (rows[course_id].title, rows[course_id].ready) == (want["title"], want["ready"])
            assert rows[course_id].requested == want["requested"]
            detail = catalog.course_detail(session, course_id)
            assert detail is not None and detail.version == want["version"]
            assert [
                (i.id, i.kind, i.title, i.lesson_title, i.sha256, i.size, i.stored)
                for i in detail.items
            ] == [
                (i["id"], i["kind"], i["title"], i["lesson"], i["sha256"], i["size"], i["stored"])
                for i in want["items"]
            ]

        # The download queue, paused course and partial bytes included.
        queued = downloads.queued(session, context.paths.partial)
        assert [
            (q.sha256, q.course_id, q.title, q.size, q.paused, q.priority, q.have) for q in queued
        ] == [
            (
                q["sha256"],
                q["course_id"],
                q["title"],
                q["size"],
                q["paused"],
                q["priority"],
                q["have"],
            )
            for q in fixture["queue"]
        ]

        # Settings: the school's and the sync state's, and the county's credential.
        keys = {key.name: key for key in settings.ALL_KEYS}
        for name, value in {**fixture["settings"], **fixture["run"]["settings"]}.items():
            assert settings.get(session, keys[name]) == value, name

    # Every stored file is still there and still verifies.
    for stored in fixture["content"]:
        path = context.content.path_of(stored["sha256"])
        assert path is not None
        assert path == context.paths.root / stored["path"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == stored["sha256"]
    for name in fixture["partial_files"]:
        assert (context.paths.root / name).is_file()


def test_the_old_data_directory_opens_migrated_with_everything_kept(
    old: tuple[Path, Fixture],
) -> None:
    data_dir, fixture = old
    context = AppContext.open(DataPaths(data_dir))  # the app's start: migrates
    try:
        assert raw_revision(data_dir) == SCHEMA_HEAD
        check_everything_kept(context, fixture)

        # Every teacher still opens with their PIN; the wrong PINs typed before still count.
        for row in fixture["teachers"]:
            left = profiles.MAX_ATTEMPTS - row["failed_attempts"] - 1
            with pytest.raises(WrongPinError) as wrong:
                profiles.unlock(context.db, row["id"], "0000")
            assert wrong.value.attempts_left == left, row["name"]
            assert profiles.unlock(context.db, row["id"], row["pin"]) == teacher_of(row)

        # The new tables work on the upgraded database.
        with context.db.read_session() as session:
            assert session.execute(text("SELECT count(*) FROM course_signature")).scalar() == 0
            assert session.execute(text("SELECT count(*) FROM bundle_export")).scalar() == 0
    finally:
        context.close()


def test_a_second_start_does_not_migrate_again(
    old: tuple[Path, Fixture], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir, fixture = old
    AppContext.open(DataPaths(data_dir)).close()
    before = digests(data_dir)

    def no_migration(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("an up-to-date database was migrated again")

    monkeypatch.setattr("app.storage.db.migrate", no_migration)
    context = AppContext.open(DataPaths(data_dir))
    try:
        check_everything_kept(context, fixture)
    finally:
        context.close()
    assert digests(data_dir) == before  # nothing was written by opening it again


class RecordingTransport(RequestsTransport):
    """A real transport that notes the id of every record it pushes."""

    def __init__(self) -> None:
        super().__init__()
        self.pushed: list[str] = []

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        if url.endswith("/sync/push"):
            body = gzip.decompress(content) if (headers or {}).get("Content-Encoding") else content
            self.pushed += [r["id"] for r in json.loads(body)["records"]]
        return super().post(url, content=content, headers=headers, timeout=timeout)


def server_ids(county: ServerProcess) -> list[str]:
    url = f"sqlite:///{county.data_dir / 'server.sqlite3'}"
    return [row[0] for row in server_query(url, "SELECT id FROM record")]


def test_pending_records_are_pushed_once_and_acknowledged_ones_never_again(
    old: tuple[Path, Fixture], county: ServerProcess
) -> None:
    data_dir, fixture = old
    acknowledged, pending = fixture["records"]["acknowledged"], fixture["records"]["pending"]
    assert sorted(server_ids(county)) == sorted(acknowledged)  # the county as it was

    # The county's address changed (a new loopback port): as `--server URL` does.
    context = AppContext.open(DataPaths(data_dir), county.url)
    transport = RecordingTransport()
    try:
        with context.db.read_session() as session:
            token = settings.get(session, settings.DEVICE_TOKEN)
            announced = [r.id for r in records.unlinked_profile_records(session)]
        assert token == fixture["run"]["settings"]["device_token"]
        assert len(announced) == sum(not t["linked"] for t in fixture["teachers"])
        client = ServerClient(context.server_url, transport, token=token)
        report = sync_once(context.db, client)
        assert report.complete, report
        assert set(transport.pushed) == set(pending)  # nothing acknowledged is sent again
        # The engine announces a teacher the county does not know before anything else, and
        # that record comes again in its place in the outbox: the county keeps it once.
        assert Counter(transport.pushed) == Counter(pending + announced)
        assert (report.pushed, report.duplicates, report.rejected) == (
            len(pending),
            len(announced),
            0,
        )

        again = sync_once(context.db, client)
        assert again.complete and (again.pushed, again.duplicates) == (0, 0)
        assert Counter(transport.pushed) == Counter(pending + announced)  # nothing more sent
        with context.db.read_session() as session:
            assert records.pending_count(session, settings.get(session, settings.PUSH_CURSOR)) == 0
            assert records.unlinked_profile_records(session) == []
        client.close()
    finally:
        context.close()

    stored = server_ids(county)
    assert len(stored) == len(set(stored)) == len(acknowledged) + len(pending)
    assert set(stored) == set(acknowledged) | set(pending)
    url = f"sqlite:///{county.data_dir / 'server.sqlite3'}"
    names = {row[0] for row in server_query(url, "SELECT name FROM teacher")}
    assert names == {t["name"] for t in fixture["teachers"]}


def test_the_paused_partial_download_resumes_where_it_stopped(
    old: tuple[Path, Fixture], county: ServerProcess
) -> None:
    data_dir, fixture = old
    context = AppContext.open(DataPaths(data_dir), county.url)
    try:
        client = context.new_client()
        assert client is not None
        course_ids = {q["course_id"] for q in fixture["queue"]}
        with context.db.write() as session:
            for course_id in course_ids:
                downloads.pause_course(session, course_id, False)  # the teacher resumes it
        report = drain_queue(
            context.db,
            client,
            context.content,
            context.paths.root,
            context.paths.partial,
            policy=context.download_policy,
        )
        client.close()
        assert report.reason == StopReason.DONE, report
        assert sorted(report.stored) == sorted(q["sha256"] for q in fixture["queue"])
        # Only what was missing came over the network: the partial bytes were kept.
        missing = sum(q["size"] - q["have"] for q in fixture["queue"])
        assert report.bytes_fetched == missing
        with context.db.read_session() as session:
            assert downloads.queued(session) == []
            for course_id in course_ids:
                row = catalog.course_row(session, course_id)
                assert row is not None and row.ready
        for q in fixture["queue"]:
            path = context.content.path_of(q["sha256"])
            assert path is not None
            assert hashlib.sha256(path.read_bytes()).hexdigest() == q["sha256"]
    finally:
        context.close()
    assert not any(context.paths.partial.glob("*.part"))


# Killing the upgrade -------------------------------------------------------------------------

#: A child that opens the data directory as the app starts, and stops dead (waiting for the
#: SIGKILL) inside the migration, just after the statement its command line names: the
#: migration's ``BEGIN IMMEDIATE``, its Nth statement that writes (``write:N``: tables made,
#: rows copied), or the new revision stamped (``UPDATE alembic_version``).
OPEN_AND_STOP = """
import sys, time
from pathlib import Path
from sqlalchemy import Engine, event

point = sys.argv[2]
writes = 0  # opening writes nothing but the migration

def stop_here(conn, cursor, statement, parameters, context, executemany):
    global writes
    said = " ".join(statement.split())
    write = said.split(" ", 1)[0].upper() in (
        "CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"
    )
    writes += write
    if point.startswith("write:"):
        hit = write and writes == int(point.split(":")[1])
    else:
        hit = said.upper().startswith(point.upper())
    if hit:
        print("AT " + said[:60], flush=True)
        time.sleep(600)

event.listen(Engine, "after_cursor_execute", stop_here)
from app.context import AppContext
from app.paths import DataPaths

AppContext.open(DataPaths(Path(sys.argv[1]))).close()
print("OPENED", flush=True)
"""

#: Points inside the one migration transaction (generic, so they hold for later migrations).
KILL_POINTS = ("BEGIN IMMEDIATE", "write:1", "write:2", "UPDATE alembic_version")


def open_and_kill(data_dir: Path, point: str) -> str:
    """Runs the app's start in a child and SIGKILLs it at ``point``; returns what it said."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", OPEN_AND_STOP, str(data_dir), point],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            lines.put(line.strip())
        lines.put("(exited)")

    threading.Thread(target=read, daemon=True).start()
    try:
        said = lines.get(timeout=120)
    finally:
        child.kill()  # SIGKILL: no cleanup, no rollback, the transaction just stops
        child.wait(timeout=30)
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
    return said


@pytest.mark.parametrize("point", KILL_POINTS)
def test_an_upgrade_killed_half_way_is_done_again_at_the_next_start(
    old: tuple[Path, Fixture], point: str
) -> None:
    data_dir, fixture = old
    said = open_and_kill(data_dir, point)
    assert said.startswith("AT "), said  # stopped inside the migration, then killed
    assert raw_revision(data_dir) == fixture["revision"]  # nothing of the upgrade committed

    context = AppContext.open(DataPaths(data_dir))
    try:
        check_everything_kept(context, fixture)
    finally:
        context.close()


def test_a_data_directory_from_a_newer_lamplight_is_refused_and_left_as_it_is(
    old: tuple[Path, Fixture],
) -> None:
    """Going back to an older Lamplight (an old installer run over a newer one)."""
    data_dir, _fixture = old
    AppContext.open(DataPaths(data_dir)).close()
    conn = sqlite3.connect(data_dir / "lamplight.sqlite3")
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    before = digests(data_dir)

    with pytest.raises(DatabaseTooNewError) as refused:
        AppContext.open(DataPaths(data_dir))

    assert "newer version of Lamplight" in str(refused.value)
    assert "0099" in str(refused.value)
    assert digests(data_dir) == before  # every file byte for byte, and no file added
