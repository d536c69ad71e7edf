"""Writes a shared school PC's data directory with the code of an OLDER Lamplight release.

Not run by hand: ``scripts/make_upgrade_fixture.py`` extracts an old commit's tree, then runs
this file with that tree first on ``sys.path`` (and as the working directory), so every
``app``, ``server`` and ``wire`` import below is the old release's code, and the data directory
is what that release really wrote. Only the old code's own API and commands are used:

- the county: ``python -m server publish`` of two course folders, ``schools add``, ``serve`` on
  loopback (the old server, in a subprocess);
- the PC: ``AppContext.open`` with the server address, ``enroll`` with the school's code,
  ``sync_once`` (which applies the catalog pages with ``apply_catalog_page``), the download
  queue (``enqueue_course``, ``drain_queue``, ``pause_course``), profiles with PINs, progress
  records, wrong PINs typed at the PC, settings.

The story, in order: the PC enrolls and syncs (catalog); the course 信息技术基础 is downloaded
whole; 王秀英 and 李建国 make profiles and learn; a sync pushes all of that (acknowledged);
they go on learning, 张丽 makes her profile and starts (all pending: the network went away);
李建国 types a wrong PIN twice; 朗读教学 is queued, cut off after its first chunk (a partial
download) and paused.

Ids and the PC's clock are fixed (``FixedClock``, ``fixed_id``), so the expectations written to
``FIXTURE.json`` are the same on every run; what the county server makes (the device token,
ids, its own times, the loopback port) differs from run to run and is kept under ``"run"``.

Usage (what make_upgrade_fixture.py runs)::

    cd OLD_TREE && PYTHONPATH=OLD_TREE python /path/to/upgrade_fixture_writer.py \
        --tree OLD_TREE --work WORK --commit SHA
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import queue
import shutil
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 10, 12, 8, 0, 0)  # the PC's clock (naive UTC), one second per reading
SCHOOL = "石桥镇中心小学"
PC_NAME = "石桥镇中心小学-多媒体教室"
LISTENING = "Lamplight server listening on "

ICT = "ict-basics"
READING = "reading-aloud"
INTRO, NOTES, DEMO = f"{ICT}/intro", f"{ICT}/notes", f"{ICT}/whiteboard"
INTRO_S, DEMO_S = 120.0, 60.0  # the videos' durations as the player reports them

TEACHERS = (
    {
        "key": "wang",
        "name": "王秀英",
        "school": SCHOOL,
        "gender": "female",
        "age_band": "40to49",
        "subject": "语文",
        "pin": "2580",
    },
    {
        "key": "li",
        "name": "李建国",
        "school": SCHOOL,
        "gender": "male",
        "age_band": "50plus",
        "subject": "数学",
        "pin": "1357",
    },
    {
        "key": "zhang",
        "name": "张丽",
        "school": SCHOOL,
        "gender": "female",
        "age_band": "under30",
        "subject": "英语",
        "pin": "8642",
    },
)
WRONG_PINS = {"li": 2}  # wrong PINs typed at this PC, still counting at the upgrade


class FixedClock:
    """A PC clock that starts at ``START`` and moves on one second each time it is read."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class FixedIds:
    """UUIDv7-shaped ids made from the fixed clock and a counter: the same on every run."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        millis = int((self.clock.now - datetime(1970, 1, 1)).total_seconds() * 1000)
        value = (millis << 80) | (0x7 << 76) | (0b10 << 62) | self.count
        return str(uuid.UUID(int=value))


# Course folders -------------------------------------------------------------------------------


def tiny_pdf(lines: list[str]) -> bytes:
    """A real one-page PDF (text in Helvetica) with a correct cross-reference table."""
    text = b"BT /F1 14 Tf 40 150 Td 18 TL " + b"".join(
        b"(" + line.encode("ascii") + b") Tj T* " for line in lines
    )
    stream = text + b"ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 200] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def write_video(path: Path, size: int, seed: str) -> None:
    """A video-like file publish accepts (an MP4 ``ftyp`` box first), the same bytes every run.

    The old tree's own ``tests/helpers/media.write_video`` when it has one (it does at 0004).
    """
    seed_bytes = hashlib.sha256(seed.encode()).digest() * 128  # 4 KiB, repeated: compresses
    try:
        from tests.helpers.media import write_video as old_write_video
    except ImportError:
        old_write_video = None
    if old_write_video is not None:
        old_write_video(path, size, seed=seed_bytes)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    header = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
    body = (seed_bytes * (size // len(seed_bytes) + 1))[: size - len(header)]
    path.write_bytes(header + body)


def write_courses(root: Path) -> list[Path]:
    ict = root / ICT
    write_video(ict / "media" / "intro.mp4", 48_000, "ict-intro")
    write_video(ict / "media" / "whiteboard.mp4", 24_000, "ict-whiteboard")
    (ict / "media" / "notes.pdf").write_bytes(
        tiny_pdf(["Lamplight: ICT basics", "Lesson 1 handout", "Interactive whiteboard"])
    )
    (ict / "course.toml").write_text(
        'format = 1\nid = "ict-basics"\ntitle = "信息技术基础"\n'
        'description = "电子白板与多媒体课件的基本用法"\nlanguage = "zh-CN"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课 认识电子白板"\n\n'
        '[[lessons.items]]\nid = "intro"\nkind = "video"\ntitle = "课程介绍"\n'
        'file = "media/intro.mp4"\n\n'
        '[[lessons.items]]\nid = "notes"\nkind = "document"\ntitle = "讲义"\n'
        'file = "media/notes.pdf"\n\n'
        '[[lessons]]\nid = "l2"\ntitle = "第二课 动手操作"\n\n'
        '[[lessons.items]]\nid = "whiteboard"\nkind = "video"\ntitle = "白板演示"\n'
        'file = "media/whiteboard.mp4"\n',
        encoding="utf-8",
    )
    reading = root / READING
    # More than one network read (128 KiB at 0004), so stopping after the first leaves a part.
    write_video(reading / "media" / "model.mp4", 600_000, "reading-model")
    (reading / "media" / "guide.pdf").write_bytes(
        tiny_pdf(["Lamplight: reading aloud", "Teacher's guide"])
    )
    (reading / "course.toml").write_text(
        'format = 1\nid = "reading-aloud"\ntitle = "朗读教学"\n'
        'description = "小学语文课堂朗读指导"\nlanguage = "zh-CN"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课 示范朗读"\n\n'
        '[[lessons.items]]\nid = "model"\nkind = "video"\ntitle = "示范朗读"\n'
        'file = "media/model.mp4"\n\n'
        '[[lessons.items]]\nid = "guide"\nkind = "document"\ntitle = "教师指导"\n'
        'file = "media/guide.pdf"\n',
        encoding="utf-8",
    )
    return [ict, reading]


# The old county server ------------------------------------------------------------------------


def server_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "server", *args]


def run_server_command(tree: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONIOENCODING": "utf-8"}
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    done = subprocess.run(
        server_command(*args),
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"python -m server {' '.join(args)} failed: {done.stderr}")
    return done.stdout


class OldServer:
    """``python -m server serve --port 0`` of the old tree, on loopback."""

    def __init__(self, tree: Path, data_dir: Path) -> None:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        env.pop("LAMPLIGHT_DATABASE_URL", None)
        self.log = data_dir.parent / "server-stderr.log"  # outside what is archived
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen(
                server_command("serve", "--data-dir", str(data_dir), "--port", "0"),
                cwd=tree,
                env=env,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                encoding="utf-8",
            )
        lines: queue.Queue[str] = queue.Queue()

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put("(exited)")

        threading.Thread(target=read, daemon=True).start()
        first = lines.get(timeout=60)
        if not first.startswith(LISTENING):
            self.stop()
            raise SystemExit(f"the old server did not start: {first}\n{self.log.read_text()}")
        self.url = first.removeprefix(LISTENING)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()


# The PC ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tree", type=Path, required=True, help="the old release's source tree")
    parser.add_argument("--work", type=Path, required=True, help="an empty folder to write into")
    parser.add_argument("--commit", required=True, help="the old release's commit (recorded)")
    args = parser.parse_args()
    tree: Path = args.tree.resolve()
    work: Path = args.work.resolve()
    sys.path.insert(0, str(tree))

    import app
    import server
    import wire

    for package in (app, server, wire):
        where = Path(package.__file__ or "").resolve()
        if not where.is_relative_to(tree):
            raise SystemExit(f"{package.__name__} comes from {where}, not from the old tree")

    from app.context import AppContext
    from app.paths import DataPaths
    from app.storage import catalog, downloads, profiles, progress, settings
    from app.storage.db import SCHEMA_HEAD, current_revision
    from app.storage.errors import WrongPinError
    from app.sync.devices import enroll
    from app.sync.download_runner import StopReason, drain_queue
    from app.sync.engine import sync_once

    clock = FixedClock()
    fixed_id = FixedIds(clock)
    # Every record id this PC makes comes from here (the modules took new_id by name).
    profiles.new_id = fixed_id  # type: ignore[attr-defined]
    progress.new_id = fixed_id  # type: ignore[attr-defined]

    county_dir = work / "county"
    pc_dir = work / "pc"
    folders = write_courses(work / "course-folders")
    run_server_command(tree, "publish", *map(str, folders), "--data-dir", str(county_dir))
    code = run_server_command(tree, "schools", "add", SCHOOL, "--data-dir", str(county_dir))
    code = code.split()[-1]

    old_server = OldServer(tree, county_dir)
    try:
        paths = DataPaths(pc_dir).ensure()
        context = AppContext.open(paths, old_server.url, clock=clock)
        db = context.db
        client = context.client()
        assert client is not None
        enroll(db, client, code, PC_NAME)
        with db.write() as session:
            # The school set a smaller disk reserve on this PC (its disk is small).
            settings.put(session, settings.DOWNLOAD_RESERVE, 64 * 1024 * 1024)
        first = sync_once(db, client, clock=clock)
        assert first.complete and first.courses_changed == 2, first

        # A teacher asks for 信息技术基础: it is downloaded whole.
        with db.write() as session:
            downloads.enqueue_course(session, ICT, clock=clock)
        drained = drain_queue(
            db,
            client,
            context.content,
            paths.root,
            paths.partial,
            policy=context.download_policy,
            clock=clock,
        )
        assert drained.reason == StopReason.DONE and len(drained.stored) == 3, drained

        teachers: dict[str, Any] = {}

        def create(key: str) -> None:
            spec = next(t for t in TEACHERS if t["key"] == key)
            fields = {k: v for k, v in spec.items() if k not in ("key", "pin")}
            with db.write() as session:
                teachers[key] = profiles.create_profile(
                    session, **fields, pin=spec["pin"], clock=clock
                )

        def learn(key: str, item: str, kind: str, **payload: float) -> None:
            with db.write() as session:
                progress.record(session, teachers[key], item, kind, payload, clock=clock)

        watched, page = progress.VIDEO_WATCHED, progress.DOCUMENT_PAGE
        create("wang")
        create("li")
        learn("wang", INTRO, watched, start=0.0, end=30.0, duration=INTRO_S)
        learn("wang", INTRO, watched, start=20.0, end=45.0, duration=INTRO_S)
        learn("wang", NOTES, page, page=0, pages=2)
        learn("li", INTRO, watched, start=0.0, end=12.0, duration=INTRO_S)
        pushed = sync_once(db, client, clock=clock)
        assert pushed.complete and pushed.pushed == 6, pushed

        # The network is gone from here on: all of this waits to be pushed.
        learn("wang", NOTES, page, page=1, pages=2)  # the handout read to the end: done
        learn("wang", DEMO, watched, start=0.0, end=DEMO_S, duration=DEMO_S)  # done
        learn("wang", INTRO, watched, start=45.0, end=50.0, duration=INTRO_S)
        learn("li", NOTES, page, page=0, pages=2)  # opened
        create("zhang")
        learn("zhang", INTRO, watched, start=0.0, end=10.0, duration=INTRO_S)
        for key, wrong in WRONG_PINS.items():
            for _ in range(wrong):
                try:
                    profiles.unlock(db, teachers[key].id, "0000", clock=clock)
                except WrongPinError:
                    pass
                else:
                    raise SystemExit("a wrong PIN opened a profile")

        # 朗读教学 is queued; the first chunk of its video arrives, then the PC is shut down.
        with db.write() as session:
            downloads.enqueue_course(session, READING, clock=clock)
        got: list[int] = []
        with db.read_session() as session:
            detail = catalog.course_detail(session, READING)
        assert detail is not None
        video_sha = next(i.sha256 for i in detail.items if i.kind == "video")

        def on_tick(tick: Any) -> None:
            if tick.current.sha256 == video_sha and tick.have > 0:
                got.append(tick.have)

        cut = drain_queue(
            db,
            client,
            context.content,
            paths.root,
            paths.partial,
            policy=context.download_policy,
            should_stop=lambda: bool(got),
            on_progress=on_tick,
            clock=clock,
        )
        assert cut.reason == StopReason.STOPPED, cut
        with db.write() as session:
            downloads.pause_course(session, READING)  # and a teacher paused it

        fixture = describe(context, teachers, commit=args.commit, revision=SCHEMA_HEAD)
        assert current_revision(db.engine) == SCHEMA_HEAD
        context.close()
    finally:
        old_server.stop()

    # The county keeps exactly the records this PC saw acknowledged.
    fixture["county"] = {"records": county_records(county_dir / "server.sqlite3")}
    assert fixture["county"]["records"] == len(fixture["records"]["acknowledged"])
    shutil.rmtree(work / "course-folders")
    for leftover in [*work.rglob("*.sqlite3-wal"), *work.rglob("*.sqlite3-shm")]:
        raise SystemExit(f"a database was not closed cleanly: {leftover}")
    (work / "FIXTURE.json").write_text(
        json.dumps(fixture, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return 0


def describe(
    context: Any, teachers: dict[str, Any], *, commit: str, revision: str
) -> dict[str, Any]:
    """What the old code itself reads back from the data directory it wrote: the expectations."""
    from app.storage import catalog, downloads, progress, records, settings
    from app.storage.models import Profile, ProgressEvent, TeacherSync

    db, paths = context.db, context.paths
    with db.read_session() as session:
        push_cursor = settings.get(session, settings.PUSH_CURSOR)
        local = session.query(ProgressEvent).order_by(ProgressEvent.seq).all()
        acknowledged = [e.id for e in local if e.seq <= push_cursor]
        pending = [r.id for r in records.pending(session, push_cursor, 10_000)]
        assert len(pending) == records.pending_count(session, push_cursor)
        teacher_rows = []
        progress_by_teacher: dict[str, dict[str, dict[str, Any]]] = {}
        for spec in TEACHERS:
            teacher = teachers[spec["key"]]
            profile = session.get(Profile, teacher.id)
            state = session.get(TeacherSync, teacher.id)
            teacher_rows.append(
                {
                    "id": teacher.id,
                    "name": profile.name,
                    "school": profile.school,
                    "gender": profile.gender,
                    "age_band": profile.age_band,
                    "subject": profile.subject,
                    "pin": spec["pin"],
                    "failed_attempts": profile.failed_attempts,
                    "linked": bool(state.linked),
                }
            )
            shown: dict[str, dict[str, Any]] = {}
            for course in catalog.list_courses(session):
                detail = catalog.course_detail(session, course.id)
                events = progress.events_for(session, teacher, [i.id for i in detail.items])
                for item in detail.items:
                    if events[item.id]:
                        got = progress.derive(item.kind, events[item.id])
                        shown[item.id] = {
                            "share": got.share,
                            "done": got.done,
                            "resume_at": got.resume_at,
                            "started": got.started,
                            "events": len(events[item.id]),
                        }
            progress_by_teacher[teacher.id] = shown
        courses = []
        for course in catalog.list_courses(session):
            detail = catalog.course_detail(session, course.id)
            courses.append(
                {
                    "id": course.id,
                    "title": course.title,
                    "version": detail.version,
                    "ready": course.ready,
                    "requested": course.requested,
                    "items": [
                        {
                            "id": i.id,
                            "kind": i.kind,
                            "title": i.title,
                            "lesson": i.lesson_title,
                            "sha256": i.sha256,
                            "size": i.size,
                            "stored": i.stored,
                        }
                        for i in detail.items
                    ],
                }
            )
        queued = [
            {
                "sha256": q.sha256,
                "course_id": q.course_id,
                "title": q.title,
                "size": q.size,
                "paused": q.paused,
                "priority": q.priority,
                "have": q.have,
            }
            for q in downloads.queued(session, paths.partial)
        ]
        stored_settings = {
            key.name: settings.get(session, key)
            for key in (
                settings.CATALOG_CURSOR,
                settings.PUSH_CURSOR,
                settings.DEVICE_SCHOOL,
                settings.DOWNLOAD_RESERVE,
                settings.DOWNLOADS_PAUSED,
                settings.LAST_SYNC,
            )
        }
        run_settings = {
            key.name: settings.get(session, key)
            for key in (
                settings.SERVER_URL,
                settings.DEVICE_ID,
                settings.DEVICE_TOKEN,
                settings.SERVER_ID,
            )
        }
    content = []
    for course in courses:
        for item in course["items"]:
            if item["stored"]:
                path = context.content.blobs.path(item["sha256"])
                data = path.read_bytes()
                assert hashlib.sha256(data).hexdigest() == item["sha256"]
                content.append(
                    {
                        "sha256": item["sha256"],
                        "size": len(data),
                        "path": path.relative_to(paths.root).as_posix(),
                        "item": item["id"],
                    }
                )
    partial = sorted(p.relative_to(paths.root).as_posix() for p in paths.partial.rglob("*"))
    return {
        "format": 1,
        "made_by": "scripts/make_upgrade_fixture.py",
        "commit": commit,
        "revision": revision,
        "data_dir": "pc",
        "county_dir": "county",
        "story": (
            "A shared PC of 石桥镇中心小学 enrolled with the county server and synced; "
            "信息技术基础 downloaded whole; 王秀英 and 李建国 learned and synced (acknowledged); "
            "then, offline, they went on, 张丽 joined (pending), 李建国 typed two wrong PINs; "
            "朗读教学 was queued, cut off after its first chunk and paused."
        ),
        "teachers": teacher_rows,
        "progress": progress_by_teacher,
        "records": {"acknowledged": acknowledged, "pending": pending},
        "courses": courses,
        "content": content,
        "queue": queued,
        "partial_files": partial,
        "settings": stored_settings,
        "run": {
            "note": "made by the county server on this run: differs every time it is made",
            "settings": run_settings,
        },
    }


def county_records(database: Path) -> int:
    conn = sqlite3.connect(database)
    try:
        return int(conn.execute("SELECT count(*) FROM record").fetchone()[0])
    finally:
        conn.close()


if __name__ == "__main__":
    sys.exit(main())
