"""Opening the client database: the SQLite settings that keep it safe on a shared PC, the write
lock, and the files it refuses to open."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from storage_helpers import make_teacher

from app.storage import settings
from app.storage.db import BUSY_TIMEOUT_MS, SCHEMA_HEAD, Database, current_revision, open_database
from app.storage.errors import DatabaseTooNewError, DiskFullError, StorageError
from app.storage.models import Setting

COUNTER: settings.Key[int] = settings.Key("test_counter", 0, "a counter two writers bump")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pragma(db: Database, name: str) -> object:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(f"PRAGMA {name}").scalar()


def test_a_new_database_is_created_at_the_schema_head(db_path: Path) -> None:
    assert not db_path.exists()
    db = open_database(db_path)
    try:
        assert db_path.is_file()
        assert current_revision(db.engine) == SCHEMA_HEAD
    finally:
        db.close()


def test_connections_use_wal_full_sync_foreign_keys_and_a_busy_timeout(db: Database) -> None:
    assert _pragma(db, "journal_mode") == "wal"
    assert _pragma(db, "synchronous") == 2  # FULL: a committed write survives a power cut
    assert _pragma(db, "foreign_keys") == 1
    assert _pragma(db, "busy_timeout") == BUSY_TIMEOUT_MS
    assert BUSY_TIMEOUT_MS >= 5000


def test_every_pooled_connection_has_the_settings(db: Database) -> None:
    # The UI and a worker each hold a connection; both must have foreign keys on, including the
    # connection that ran the migrations when the file was created.
    with db.engine.connect() as first, db.engine.connect() as second:
        for conn in (first, second):
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(IntegrityError), db.write() as session:
        session.execute(
            text(
                "INSERT INTO progress_event (id, profile_id, item_id, kind, payload, wall_time) "
                "VALUES ('e1', 'no-such-profile', 'c/i', 'video.watched', '{}', "
                "'2026-03-02 08:30:00')"
            )
        )
    with db.read_session() as session:
        assert session.execute(text("SELECT count(*) FROM progress_event")).scalar() == 0


def test_write_commits_on_exit_and_rolls_back_on_error(db: Database) -> None:
    with db.write() as session:
        settings.put(session, COUNTER, 1)
    with pytest.raises(RuntimeError), db.write() as session:
        settings.put(session, COUNTER, 2)
        raise RuntimeError("the teacher closed the window")
    with db.read_session() as session:
        assert settings.get(session, COUNTER) == 1


def test_write_takes_the_write_lock_at_once(db: Database, db_path: Path) -> None:
    """``BEGIN IMMEDIATE``: even a write transaction that has only read so far holds the lock."""
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.write() as session:
            session.execute(select(Setting.key)).all()  # a read only
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        # Once write() has committed the lock is free again.
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_reads_do_not_take_the_write_lock(db: Database, db_path: Path) -> None:
    other = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        with db.read_session() as session:
            session.execute(select(Setting.key)).all()
            other.execute("BEGIN IMMEDIATE")  # WAL: a reader never blocks the writer
            other.execute("ROLLBACK")
    finally:
        other.close()


def test_two_writers_queue_instead_of_failing(db: Database) -> None:
    """Read-modify-write from two threads: the second waits for the first and sees its result.

    With a plain deferred ``BEGIN`` the second writer would read a stale snapshot and then fail
    with "database is locked" when it tries to write.
    """
    first_inside = threading.Event()
    errors: list[BaseException] = []

    def bump(hold: float, signal: threading.Event | None) -> None:
        try:
            with db.write() as session:
                value = settings.get(session, COUNTER)
                if signal is not None:
                    signal.set()
                time.sleep(hold)
                settings.put(session, COUNTER, value + 1)
        except BaseException as exc:
            errors.append(exc)

    first = threading.Thread(target=bump, args=(0.3, first_inside))
    first.start()
    assert first_inside.wait(5)
    second = threading.Thread(target=bump, args=(0.0, None))
    second.start()
    first.join(10)
    second.join(10)

    assert errors == []
    with db.read_session() as session:
        assert settings.get(session, COUNTER) == 2


def test_committed_writes_survive_reopening(db_path: Path) -> None:
    db = open_database(db_path)
    with db.write() as session:
        settings.put(session, settings.SERVER_URL, "http://county.example:8080")
    db.close()

    db = open_database(db_path)
    try:
        with db.read_session() as session:
            assert settings.get(session, settings.SERVER_URL) == "http://county.example:8080"
            assert settings.get(session, settings.CATALOG_CURSOR) == 0  # the default
    finally:
        db.close()


def test_a_database_from_a_newer_lamplight_is_refused_and_left_untouched(db_path: Path) -> None:
    db = open_database(db_path)
    make_teacher(db)
    with db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    db.close()
    before = _digest(db_path)
    files_before = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(DatabaseTooNewError, match="0099"):
        open_database(db_path)

    assert _digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == files_before
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]
        assert raw.execute("SELECT count(*) FROM profile").fetchone() == (1,)
    finally:
        raw.close()


def test_a_file_that_is_not_a_database_raises_storage_error(tmp_path: Path) -> None:
    junk = tmp_path / "lamplight.sqlite3"
    junk.write_bytes(hashlib.sha256(b"seed").digest() * 256)  # 8 KiB of noise
    before = _digest(junk)

    with pytest.raises(StorageError) as raised:
        open_database(junk)

    assert not isinstance(raised.value, DatabaseTooNewError | DiskFullError)
    assert str(junk) in str(raised.value)
    assert _digest(junk) == before


def test_a_database_in_a_missing_folder_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError):
        open_database(tmp_path / "no" / "such" / "folder" / "lamplight.sqlite3")


def test_opening_an_up_to_date_database_does_not_import_alembic(db_path: Path) -> None:
    open_database(db_path).close()
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from app.storage.db import open_database\n"
        "open_database(Path(sys.argv[1])).close()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(db_path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


# --- a real full disk ------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (Linux, as root); skips where mounting is not allowed."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    if sys.platform != "linux":
        pytest.skip("a small tmpfs can only be mounted on Linux")
    try:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a small tmpfs: {exc}")
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {result.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False, timeout=10)


def test_a_full_disk_raises_disk_full_and_keeps_what_was_committed(small_disk: Path) -> None:
    db = open_database(small_disk / "lamplight.sqlite3")
    try:
        with db.write() as session:
            settings.put(session, settings.SERVER_URL, "http://county.example")
        blob = os.urandom(64 * 1024).hex()  # 128 KiB of text that does not compress
        with pytest.raises(DiskFullError):  # fills the disk one write at a time
            for n in range(100):
                with db.write() as session:
                    session.add(Setting(key=f"filler-{n}", value=blob))
        with db.read_session() as session:
            assert settings.get(session, settings.SERVER_URL) == "http://county.example"
            assert session.execute(text("PRAGMA quick_check")).scalar() == "ok"
    finally:
        db.close()


def test_sqlite_full_becomes_disk_full_and_rolls_back(db: Database) -> None:
    """Where no small disk can be mounted: SQLite's own page limit gives the same SQLITE_FULL."""
    with db.write() as session:
        settings.put(session, settings.SERVER_URL, "http://county.example")
    with pytest.raises(DiskFullError), db.write() as session:
        pages = session.execute(text("PRAGMA page_count")).scalar_one()
        session.execute(text(f"PRAGMA max_page_count = {pages + 2}"))
        settings.put(session, COUNTER, 1)
        session.add(Setting(key="filler", value="x" * 64 * 1024))
    with db.read_session() as session:
        assert settings.get(session, settings.SERVER_URL) == "http://county.example"
        assert settings.get(session, COUNTER) == 0  # the whole transaction was rolled back
        assert session.get(Setting, "filler") is None
