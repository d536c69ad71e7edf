"""Schema migrations: the head the code expects, upgrading a database full of a teacher's work,
and the models agreeing with what the migrations build."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.storage import catalog, downloads, profiles, progress, records, settings
from app.storage.db import (
    SCHEMA_HEAD,
    alembic_config,
    current_revision,
    make_engine,
    migrate,
    open_database,
)
from app.storage.errors import WrongPinError
from app.storage.models import Base
from app.storage.profiles import Teacher, unlock

VIDEO_SHA = "a" * 64
PDF_SHA = "b" * 64
PIN = "2580"
TEACHER = Teacher(id="3f0c9a4e-7d1b-4c55-9a51-1c2f6b8e0d42", name="王老师", school="石桥镇中心小学")


def _columns(engine: sa.Engine, table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_columns(table)}


def test_schema_head_is_the_head_of_the_migration_scripts(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "unused.sqlite3")
    try:
        scripts = ScriptDirectory.from_config(alembic_config(engine))
        assert scripts.get_heads() == [SCHEMA_HEAD]  # one head: no forked history
    finally:
        engine.dispose()


def _fill_at_0001(path: Path) -> None:
    """A database as Lamplight 0001 left it: one course with a video and a document, the video
    downloaded, a teacher (two wrong PINs so far) who watched 0-30 s and 20-45 s of the video."""
    engine = make_engine(path)
    try:
        migrate(engine, "0001")
        assert current_revision(engine) == "0001"
        assert "download_requested_at" not in _columns(engine, "course")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO course (id, version, server_seq, title, description, language, "
                "published_at) VALUES ('ict-basics', 2, 7, '信息技术基础', '白板与课件', 'zh-CN', "
                "'2026-02-01 00:00:00')"
            )
            conn.exec_driver_sql(
                "INSERT INTO lesson (id, course_id, key, position, title) "
                "VALUES (1, 'ict-basics', 'l1', 0, '第一课')"
            )
            conn.exec_driver_sql(
                "INSERT INTO asset (sha256, size, media_type, stored_at) VALUES "
                f"('{VIDEO_SHA}', 10485760, 'video/mp4', '2026-02-02 10:00:00'), "
                f"('{PDF_SHA}', 204800, 'application/pdf', NULL)"
            )
            conn.exec_driver_sql(
                "INSERT INTO item (id, course_id, lesson_id, lesson_position, position, kind, "
                "title, asset_sha256) VALUES "
                f"('ict-basics/intro', 'ict-basics', 1, 0, 0, 'video', '课程介绍', '{VIDEO_SHA}'), "
                f"('ict-basics/notes', 'ict-basics', 1, 0, 1, 'document', '讲义', '{PDF_SHA}')"
            )
            conn.exec_driver_sql(
                "INSERT INTO setting (key, value) VALUES ('catalog_cursor', '7'), "
                "('server_url', '\"http://county.example:8080\"')"
            )
            # The PIN hash in the format 0001 wrote: scrypt, parameters beside it.
            salt = bytes(range(16))
            pin_hash = hashlib.scrypt(PIN.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
            conn.execute(
                sa.text(
                    "INSERT INTO profile (id, name, school, gender, age_band, subject, pin_hash, "
                    "pin_salt, pin_params, created_at, failed_attempts, locked_until) VALUES "
                    "(:id, '王老师', '石桥镇中心小学', 'female', '30to39', '数学', :hash, :salt, "
                    "'scrypt:n=16384,r=8,p=1', '2026-02-01 09:00:00', 2, NULL)"
                ),
                {"id": TEACHER.id, "hash": pin_hash, "salt": salt},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO progress_event "
                    "(id, profile_id, item_id, kind, payload, wall_time) "
                    "VALUES (:id, :profile, 'ict-basics/intro', 'video.watched', :payload, :at)"
                ),
                [
                    {
                        "id": f"00000000-0000-4000-8000-00000000000{n}",
                        "profile": TEACHER.id,
                        "payload": payload,
                        "at": f"2026-02-03 1{n}:00:00",
                    }
                    for n, payload in enumerate(
                        (
                            '{"start":0.0,"end":30.0,"duration":100.0}',
                            '{"start":20.0,"end":45.0,"duration":100.0}',
                        )
                    )
                ],
            )
        assert current_revision(engine) == "0001"
    finally:
        engine.dispose()


def test_upgrading_from_0001_keeps_every_course_profile_and_progress(tmp_path: Path) -> None:
    path = tmp_path / "lamplight.sqlite3"
    _fill_at_0001(path)
    teacher = TEACHER

    db = open_database(path)
    try:
        assert current_revision(db.engine) == SCHEMA_HEAD == "0005"
        assert "download_requested_at" in _columns(db.engine, "course")
        assert "origin" in _columns(db.engine, "progress_event")

        with db.read_session() as session:
            detail = catalog.course_detail(session, "ict-basics")
            assert detail is not None
            assert (detail.title, detail.version, detail.requested) == ("信息技术基础", 2, False)
            assert [(i.id, i.kind, i.stored) for i in detail.items] == [
                ("ict-basics/intro", "video", True),
                ("ict-basics/notes", "document", False),
            ]
            [row] = catalog.list_courses(session)
            assert (row.item_count, row.ready_count, row.ready) == (2, 1, False)
            events = progress.events_for(session, teacher, ["ict-basics/intro"])
            watched = progress.derive("video", events["ict-basics/intro"])
            assert watched.share == pytest.approx(0.45)
            assert watched.resume_at == 45.0
            assert settings.get(session, settings.CATALOG_CURSOR) == 7

        # The two wrong PINs typed before the upgrade still count.
        with pytest.raises(WrongPinError) as wrong:
            unlock(db, teacher.id, "0000")
        assert wrong.value.attempts_left == 2
        assert unlock(db, teacher.id, PIN) == teacher

        with db.read_session() as session:
            assert [p.name for p in profiles.list_profiles(session)] == ["王老师"]
            # 0003 gave the teacher the profile record the server must see first, and the
            # earlier progress is all still waiting to be pushed.
            [created] = records.unlinked_profile_records(session)
            assert (created.teacher, created.kind) == (teacher.id, "profile.created")
            assert json.loads(created.data)["name"] == "王老师"
            assert "pin_verifier" not in json.loads(created.data)  # 0003 cannot know the PIN
            outbox = records.pending(session, 0, 100)
            assert [r.kind for r in outbox] == ["video.watched", "video.watched", "profile.created"]

        # The new column works: the teacher can ask for the rest of the course.
        with db.write() as session:
            catalog.request_download(session, "ict-basics")
        with db.read_session() as session:
            assert [a.sha256 for a in catalog.missing_assets(session)] == [PDF_SHA]
    finally:
        db.close()


def test_upgrading_to_0004_queues_what_courses_asked_for_earlier_still_miss(
    tmp_path: Path,
) -> None:
    path = tmp_path / "lamplight.sqlite3"
    _fill_at_0001(path)
    engine = make_engine(path)
    try:
        migrate(engine, "0003")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "UPDATE course SET download_requested_at = '2026-02-05 08:00:00' "
                "WHERE id = 'ict-basics'"
            )
    finally:
        engine.dispose()
    db = open_database(path)
    try:
        with db.read_session() as session:
            [queued] = downloads.queued(session)
        assert (queued.sha256, queued.course_id, queued.title) == (PDF_SHA, "ict-basics", "讲义")
    finally:
        db.close()


def test_downgrading_and_upgrading_again_loses_nothing(tmp_path: Path) -> None:
    """Batch mode rebuilds ``course`` to drop a column; its lessons and items must survive."""
    path = tmp_path / "lamplight.sqlite3"
    _fill_at_0001(path)
    open_database(path).close()  # at head

    engine = make_engine(path)
    try:
        command.downgrade(alembic_config(engine), "0001")
        assert current_revision(engine) == "0001"
        migrate(engine)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM lesson").scalar() == 1
            assert conn.exec_driver_sql("SELECT count(*) FROM item").scalar() == 2
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_an_upgrade_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    """Another Lamplight (a second teacher's session) writes while this one upgrades the file."""
    path = tmp_path / "lamplight.sqlite3"
    _fill_at_0001(path)
    assert command  # Alembic is imported already, so the upgrade starts at once

    holding = threading.Event()

    def other_writer() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO setting (key, value) VALUES ('last_contact', '\"x\"')")
            holding.set()
            time.sleep(0.8)
            conn.execute("COMMIT")
        finally:
            conn.close()

    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert holding.wait(5)
        db = open_database(path)  # must wait for the lock, not fail with "database is locked"
    finally:
        writer.join(10)
    try:
        assert current_revision(db.engine) == SCHEMA_HEAD
        with db.read_session() as session:
            assert settings.get(session, settings.LAST_CONTACT) == "x"
            assert catalog.course_detail(session, "ict-basics") is not None
    finally:
        db.close()


def test_the_models_match_the_migrated_schema(tmp_path: Path) -> None:
    db = open_database(tmp_path / "lamplight.sqlite3")
    try:
        with db.engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert differences == []
    finally:
        db.close()


def test_every_model_table_exists_after_migration(tmp_path: Path) -> None:
    db = open_database(tmp_path / "lamplight.sqlite3")
    try:
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
    finally:
        db.close()
