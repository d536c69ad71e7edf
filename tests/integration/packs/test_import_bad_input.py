"""Every bad input the client can meet on a USB stick (issue 5), for real: altered and unsigned
documents, other counties, damaged, cut and missing files, names and links reaching outside,
huge and deeply nested JSON, formats from the future, a stick pulled out mid-import (a folder
deleted, and a real tmpfs unmounted), and a disk that really fills up.

Each test checks what a teacher would notice: a clear problem code and message, no course
partly there (no course, lesson, item or signature row; all of it or nothing), no file
written outside the content store (the data folder is compared before and after, the stick is
never written), and, for names reaching outside, that the target outside was neither created
nor read (its access time is set before the mtime, so any read moves it).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.county import CountyProfile
from app.paths import DataPaths
from app.storage.content import ContentStore
from app.storage.db import Database, open_database
from app.storage.models import Course, CourseSignature, Item, Lesson
from app.sync.pack_import import (
    CourseState,
    ImportProgress,
    ImportReport,
    PackPlan,
    StopReason,
    import_pack,
    scan_pack,
)
from tests.helpers.packs import Asset as PackAsset
from tests.helpers.packs import (
    BuiltCourse,
    blob_path,
    county_for,
    course_json,
    demo_key,
    make_pack,
    seeded_bytes,
    sha,
    write_course,
    write_index,
)
from tests.helpers.small_disk import small_disk
from wire import pack
from wire.pack import PackError, Problem

KEY = demo_key()
TRUST = county_for(KEY)


def data(seed: str, size: int = 4000) -> bytes:
    return seeded_bytes(seed, size)


@dataclass
class PC:
    paths: DataPaths
    db: Database
    content: ContentStore

    def scan(self, root: Path, county: CountyProfile = TRUST) -> PackPlan:
        return scan_pack(root, self.db, self.content, county)

    def import_(
        self,
        root: Path,
        ids: list[str] | None = None,
        county: CountyProfile = TRUST,
        on_progress: Callable[[ImportProgress], None] | None = None,
    ) -> ImportReport:
        plan = self.scan(root, county)
        chosen = plan.importable() if ids is None else ids
        return import_pack(plan, chosen, self.db, self.content, county, on_progress=on_progress)

    def visible(self) -> set[str]:
        with self.db.read_session() as session:
            return set(session.scalars(select(Course.id)))

    def assert_absent(self, course_id: str) -> None:
        """Nothing of the course: no row anywhere."""
        with self.db.read_session() as session:
            for model, column in (
                (Course, Course.id),
                (Lesson, Lesson.course_id),
                (Item, Item.course_id),
                (CourseSignature, CourseSignature.course_id),
            ):
                count = session.scalar(
                    select(func.count()).select_from(model).where(column == course_id)
                )
                assert count == 0, f"{model.__tablename__} holds {course_id}"

    def assert_whole_or_absent(self, built: dict[str, BuiltCourse]) -> None:
        for course_id, course in built.items():
            if course_id in self.visible():
                for blob in course.blobs:
                    assert self.content.blobs.path(sha(blob)).read_bytes() == blob
            else:
                self.assert_absent(course_id)


def open_pc(root: Path) -> PC:
    paths = DataPaths(root).ensure()
    db = open_database(paths.database)
    return PC(paths, db, ContentStore(paths.content, db))


@pytest.fixture
def pc(tmp_path: Path) -> Iterator[PC]:
    made = open_pc(tmp_path / "pc")
    yield made
    made.db.close()


def tree(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every name under ``folder`` (links not followed): kind, size, mtime."""
    found: dict[str, tuple[int, int, int]] = {}
    if not folder.exists():
        return found
    for path in [folder, *folder.rglob("*")]:
        info = path.lstat()
        found[str(path.relative_to(folder))] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def outside_content(pc: PC) -> dict[str, tuple[int, int, int]]:
    """The data folder, less the content store and the database files."""
    return {
        name: info
        for name, info in tree(pc.paths.root).items()
        if not name.startswith("content")
        and not name.startswith("lamplight.sqlite3")
        and name != "."
    }


@contextmanager
def nothing_written_outside(pc: PC, *folders: Path) -> Iterator[None]:
    """The data folder outside the content store, and ``folders`` (the stick...), unchanged."""
    before = outside_content(pc), [tree(f) for f in folders]
    yield
    assert (outside_content(pc), [tree(f) for f in folders]) == before


def blobs_in_store(pc: PC) -> set[str]:
    root = pc.content.blobs.root
    return {
        p.name for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] != "tmp"
    }


class Untouched:
    """A file outside the pack that must be neither read nor changed: its access time is put
    before its mtime, so any read moves it (relatime and strictatime alike)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        info = path.stat()
        os.utime(path, ns=(info.st_mtime_ns - 10**12, info.st_mtime_ns))
        self.info = path.stat()

    def check(self) -> None:
        now = self.path.stat()
        assert (now.st_atime_ns, now.st_mtime_ns, now.st_size) == (
            self.info.st_atime_ns,
            self.info.st_mtime_ns,
            self.info.st_size,
        ), f"{self.path} was read or changed"


def test_the_access_time_check_sees_a_read(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_bytes(b"x")
    watch = Untouched(target)
    watch.check()
    target.read_bytes()
    with pytest.raises(AssertionError, match="was read"):
        watch.check()


# --- documents ---------------------------------------------------------------------------------


def two_courses(root: Path) -> dict[str, BuiltCourse]:
    return make_pack(root, [("good", [data("g")]), ("bad", [data("b1"), data("b2")])])


def test_a_tampered_document_is_refused_and_the_others_come_in(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    doc = root / "courses" / "bad.json"
    body = doc.read_bytes()
    at = body.index("视频".encode())
    doc.write_bytes(body[:at] + "音频".encode() + body[at + len("视频".encode()) :])
    with nothing_written_outside(pc, root):
        plan = pc.scan(root)
        bad = {c.id: c for c in plan.courses}["bad"]
        assert bad.state is CourseState.PROBLEM and bad.problem is not None
        assert bad.problem.problem is Problem.TAMPERED
        assert "changed after the county signed it" in str(bad.problem)
        assert plan.importable() == ["good"]
        report = import_pack(plan, ["good", "bad"], pc.db, pc.content, TRUST)
    assert report.imported == ["good"]
    assert report.failed["bad"].problem is Problem.TAMPERED
    pc.assert_absent("bad")
    assert blobs_in_store(pc) == {sha(data("g"))}


def test_a_document_altered_after_the_scan_is_caught_at_import(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    plan = pc.scan(root)
    assert set(plan.importable()) == {"good", "bad"}
    doc = root / "courses" / "bad.json"
    doc.write_bytes(doc.read_bytes().replace(b'"version":1', b'"version":9'))
    with nothing_written_outside(pc, root):
        report = import_pack(plan, plan.importable(), pc.db, pc.content, TRUST)
    assert report.failed["bad"].problem is Problem.TAMPERED
    assert report.imported == ["good"] and report.stopped is StopReason.DONE
    pc.assert_absent("bad")


def test_another_countys_signature_is_not_trusted(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    make_pack(root, [("c1", [data("a")])], key=pack.new_signing_key())
    with nothing_written_outside(pc, root):
        plan = pc.scan(root)
        report = import_pack(plan, ["c1"], pc.db, pc.content, TRUST)
    problem = plan.courses[0].problem
    assert plan.courses[0].state is CourseState.PROBLEM and problem is not None
    assert problem.problem is Problem.WRONG_KEY and "does not trust" in str(problem)
    assert report.failed["c1"].problem is Problem.WRONG_KEY and report.bytes_copied == 0
    pc.assert_absent("c1")
    assert blobs_in_store(pc) == set()


def test_a_course_signed_for_another_county_code_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    make_pack(root, [("c1", [data("a")])], county="other")
    plan = pc.scan(root)
    assert plan.county == "other"
    problem = plan.courses[0].problem
    assert problem is not None and problem.problem is Problem.OTHER_COUNTY
    assert "'other', not 'demo'" in str(problem)
    pc.assert_absent("c1")


def test_a_pc_built_without_county_keys_takes_no_pack(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    make_pack(root, [("c1", [data("a")])])
    plan = pc.scan(root, CountyProfile())
    problem = plan.courses[0].problem
    assert problem is not None and problem.problem is Problem.WRONG_KEY
    assert plan.importable() == []


def test_an_unsigned_course_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    (root / "courses" / "bad.sig").unlink()
    with nothing_written_outside(pc, root):
        report = pc.import_(root, ["good", "bad"])
    assert report.failed["bad"].problem is Problem.UNSIGNED
    assert "carries no signature" in str(report.failed["bad"])
    assert report.imported == ["good"]
    pc.assert_absent("bad")


def test_a_listed_course_without_its_document_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    (root / "courses" / "bad.json").unlink()
    report = pc.import_(root, ["good", "bad"])
    assert report.failed["bad"].problem is Problem.MALFORMED
    assert "is missing" in str(report.failed["bad"])
    pc.assert_absent("bad")


def test_a_signed_document_naming_a_file_by_a_path_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    outside = tmp_path / "secret"
    outside.write_bytes(b"do not read")
    watch = Untouched(outside)
    listed = course_json("c1", [PackAsset.of(b"x")])
    course = course_json("c1", [PackAsset.of(b"x")])
    course["lessons"][0]["items"][0]["asset"]["sha256"] = "../../secret"
    write_course(root, course, KEY)
    write_index(root, [listed])
    with nothing_written_outside(pc, root):
        report = pc.import_(root, ["c1"])
    assert report.failed["c1"].problem is Problem.MALFORMED
    pc.assert_absent("c1")
    watch.check()


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("damage", "problem", "words"),
    [
        ("flip", Problem.BAD_BLOB, "does not match its sha256"),
        ("truncate", Problem.BAD_BLOB, "the course says"),
        ("extend", Problem.BAD_BLOB, "the course says"),
        ("delete", Problem.MISSING_BLOB, "is not in the pack"),
    ],
)
def test_a_damaged_or_missing_file_fails_its_course_only(
    tmp_path: Path, pc: PC, damage: str, problem: Problem, words: str
) -> None:
    root = tmp_path / "pack"
    built = two_courses(root)
    victim = blob_path(root, data("b2"))
    body = victim.read_bytes()
    if damage == "flip":
        victim.write_bytes(body[:100] + bytes([body[100] ^ 1]) + body[101:])
    elif damage == "truncate":
        victim.write_bytes(body[:-1])
    elif damage == "extend":
        victim.write_bytes(body + b"!")
    else:
        victim.unlink()
    seen: list[ImportProgress] = []
    with nothing_written_outside(pc, root):
        report = pc.import_(root, on_progress=seen.append)
    assert report.failed["bad"].problem is problem
    assert words in str(report.failed["bad"]) and "course bad" in str(report.failed["bad"])
    assert seen[-1].done_bytes == seen[-1].total_bytes  # the bar still reaches its end
    assert report.imported == ["good"] and report.stopped is StopReason.DONE
    pc.assert_absent("bad")
    assert sha(data("b2")) not in blobs_in_store(pc)
    assert list(pc.content.blobs.tmp.iterdir()) == []
    pc.assert_whole_or_absent(built)


def test_a_file_cut_short_while_it_is_copied_fails_its_course(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    make_pack(root, [(f"c{n}", [data(f"f{n}", 100_000)]) for n in range(5)])
    victim = blob_path(root, data("f4", 100_000))

    def cut(update: ImportProgress) -> None:
        if update.course_id != "c0" and victim.stat().st_size:
            os.truncate(victim, 10)

    report = pc.import_(root, on_progress=cut)
    assert report.failed["c4"].problem is Problem.BAD_BLOB
    assert report.stopped is StopReason.DONE and "c0" in report.imported
    pc.assert_absent("c4")


def test_a_fifo_in_place_of_a_file_is_refused_without_hanging(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    victim = blob_path(root, data("b1"))
    victim.unlink()
    os.mkfifo(victim)
    report = pc.import_(root)
    assert report.failed["bad"].problem is Problem.UNSAFE_NAME
    pc.assert_absent("bad")


# --- names reaching outside ------------------------------------------------------------------


@pytest.mark.parametrize("course_id", ["../x", "../../x", "/etc/x", "a/../../x", "C:x", "..\\x"])
def test_a_course_id_that_is_a_path_refuses_the_index(
    tmp_path: Path, pc: PC, course_id: str
) -> None:
    root = tmp_path / "pack"
    make_pack(root, [("c1", [data("a")])])
    outside = tmp_path / "x.json"
    good = (root / "courses" / "c1.json").read_bytes()
    outside.write_bytes(good)
    watch = Untouched(outside)
    index = (root / pack.INDEX_FILE).read_bytes()
    escaped = course_id.replace("\\", "\\\\")
    (root / pack.INDEX_FILE).write_bytes(index.replace(b'"id":"c1"', f'"id":"{escaped}"'.encode()))
    with nothing_written_outside(pc, root), pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is Problem.MALFORMED
    assert "courses.0.id" in str(caught.value)
    watch.check()
    assert not (tmp_path / "etc").exists() and not Path("/etc/x.json").exists()
    pc.assert_absent("c1")


def test_a_file_that_is_a_link_to_outside_is_not_followed(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    outside = tmp_path / "outside.bin"
    outside.write_bytes(data("b1"))  # the right bytes: only the link is wrong
    victim = blob_path(root, data("b1"))
    victim.unlink()
    victim.symlink_to(outside)
    watch = Untouched(outside)
    with nothing_written_outside(pc, root):
        report = pc.import_(root)
    assert report.failed["bad"].problem is Problem.UNSAFE_NAME
    assert "symbolic link" in str(report.failed["bad"])
    assert report.imported == ["good"]
    pc.assert_absent("bad")
    assert sha(data("b1")) not in blobs_in_store(pc)
    watch.check()


def test_a_course_document_that_is_a_link_is_refused_unread(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    doc = root / "courses" / "bad.json"
    outside = tmp_path / "bad.json"
    shutil.move(doc, outside)  # a valid, signed document, but outside the pack
    doc.symlink_to(outside)
    watch = Untouched(outside)
    with nothing_written_outside(pc, root):
        plan = pc.scan(root)
    bad = {c.id: c for c in plan.courses}["bad"]
    assert bad.problem is not None and bad.problem.problem is Problem.UNSAFE_NAME
    assert plan.importable() == ["good"]
    watch.check()


@pytest.mark.parametrize("folder", [pack.BLOBS_DIR, pack.COURSES_DIR])
def test_a_linked_folder_is_refused(tmp_path: Path, pc: PC, folder: str) -> None:
    root = tmp_path / "pack"
    built = two_courses(root)
    outside = tmp_path / "elsewhere"
    shutil.move(root / folder, outside)
    (root / folder).symlink_to(outside, target_is_directory=True)
    watches = [Untouched(p) for p in outside.rglob("*") if p.is_file()]
    with nothing_written_outside(pc, root, outside):
        report = pc.import_(root, ["good", "bad"])
    assert {e.problem for e in report.failed.values()} == {Problem.UNSAFE_NAME}
    assert set(report.failed) == set(built) and report.imported == []
    assert pc.visible() == set() and blobs_in_store(pc) == set()
    for watch in watches:
        watch.check()


def test_an_index_that_is_a_link_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    outside = tmp_path / "index.json"
    shutil.move(root / pack.INDEX_FILE, outside)
    (root / pack.INDEX_FILE).symlink_to(outside)
    watch = Untouched(outside)
    with pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is Problem.UNSAFE_NAME
    watch.check()


# --- size, depth, format -----------------------------------------------------------------------


def test_a_document_of_several_hundred_megabytes_is_refused_unread(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    with (root / "courses" / "bad.json").open("r+b") as fh:
        fh.truncate(300 * 1024 * 1024)  # sparse: costs no disk
    with nothing_written_outside(pc, root):
        plan = pc.scan(root)
    bad = {c.id: c for c in plan.courses}["bad"]
    assert bad.problem is not None and bad.problem.problem is Problem.TOO_LARGE
    assert "314572800 bytes" in str(bad.problem)
    assert plan.importable() == ["good"]


def test_an_index_of_several_hundred_megabytes_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    with (root / pack.INDEX_FILE).open("r+b") as fh:
        fh.truncate(500 * 1024 * 1024)
    with pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is Problem.TOO_LARGE


def test_deeply_nested_json_is_refused(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    nested = b"[" * 100_000 + b"]" * 100_000
    (root / "courses" / "bad.json").write_bytes(nested)
    plan = pc.scan(root)
    bad = {c.id: c for c in plan.courses}["bad"]
    assert bad.problem is not None and bad.problem.problem is Problem.MALFORMED
    assert "nests deeper" in str(bad.problem)
    (root / pack.INDEX_FILE).write_bytes(b'{"format":1,"courses":' + nested + b"}")
    with pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is Problem.MALFORMED and "nests deeper" in str(caught.value)


def test_an_index_from_a_newer_lamplight_is_refused_whole(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "pack"
    built = two_courses(root)
    write_index(root, [c.json for c in built.values()], fmt=2)
    with pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is Problem.NEWER_FORMAT
    assert "update Lamplight" in str(caught.value)


@pytest.mark.parametrize(("fmt", "problem"), [(2, Problem.NEWER_FORMAT), (0, Problem.MALFORMED)])
def test_a_course_document_of_an_unknown_format_is_refused(
    tmp_path: Path, pc: PC, fmt: int, problem: Problem
) -> None:
    root = tmp_path / "pack"
    two_courses(root)
    document = (root / "courses" / "bad.json").read_bytes()
    document = document.replace(b'"format":1', f'"format":{fmt}'.encode())
    (root / "courses" / "bad.json").write_bytes(document)
    (root / "courses" / "bad.sig").write_text(pack.sign_document(KEY, document).model_dump_json())
    report = pc.import_(root, ["good", "bad"])
    assert report.failed["bad"].problem is problem
    assert report.imported == ["good"]
    pc.assert_absent("bad")


@pytest.mark.parametrize(
    ("content", "problem"),
    [(None, Problem.NOT_A_PACK), (b"not json", Problem.MALFORMED), (b"{}", Problem.MALFORMED)],
)
def test_a_folder_that_is_no_pack_says_so(
    tmp_path: Path, pc: PC, content: bytes | None, problem: Problem
) -> None:
    root = tmp_path / "stick"
    root.mkdir()
    if content is not None:
        (root / pack.INDEX_FILE).write_bytes(content)
    with pytest.raises(PackError) as caught:
        pc.scan(root)
    assert caught.value.problem is problem


# --- the stick pulled out --------------------------------------------------------------------

COURSES = 6
SIZE = 200_000


def six_courses(root: Path) -> dict[str, BuiltCourse]:
    return make_pack(root, [(f"c{n}", [data(f"s{n}", SIZE)]) for n in range(COURSES)])


def pull_after_first_course(pull: Callable[[], None]) -> Callable[[ImportProgress], None]:
    pulled: list[bool] = []

    def on_progress(update: ImportProgress) -> None:
        if update.course_id != "c0" and not pulled:
            pulled.append(True)
            pull()

    return on_progress


def check_stopped_and_resumed(
    pc: PC, first: ImportReport, built: dict[str, BuiltCourse], back: Path
) -> None:
    assert first.stopped is StopReason.STICK_GONE
    assert "pulled out" in first.message and "only what is missing is copied" in first.message
    assert "c0" in first.imported and first.left and not first.failed
    assert pc.visible() == set(first.imported)
    pc.assert_whole_or_absent(built)
    assert list(pc.content.blobs.tmp.iterdir()) == []

    plan = pc.scan(back)
    assert set(plan.importable()) == set(first.left)
    second = import_pack(plan, plan.importable(), pc.db, pc.content, TRUST)
    assert second.stopped is StopReason.DONE and sorted(second.imported) == sorted(first.left)
    assert second.bytes_copied == plan.new_bytes
    assert first.bytes_copied + second.bytes_copied == COURSES * SIZE  # each file once
    assert pc.visible() == set(built)
    pc.assert_whole_or_absent(built)


def test_a_stick_pulled_out_mid_import_keeps_whole_courses_and_resumes(
    tmp_path: Path, pc: PC
) -> None:
    root = tmp_path / "stick" / "lamplight"
    built = six_courses(root)
    shutil.copytree(root, tmp_path / "kept")
    with nothing_written_outside(pc, tmp_path / "kept"):
        first = pc.import_(root, on_progress=pull_after_first_course(lambda: shutil.rmtree(root)))
    shutil.copytree(tmp_path / "kept", root)  # plugged in again
    check_stopped_and_resumed(pc, first, built, root)


def test_a_real_stick_unmounted_mid_import(tmp_path: Path, pc: PC) -> None:
    with small_disk(tmp_path / "stick", "16m") as stick:
        built = six_courses(stick / "lamplight")
        shutil.copytree(stick / "lamplight", tmp_path / "kept")

        def unmount() -> None:
            subprocess.run(["umount", "-l", str(stick)], check=True, timeout=10)

        with nothing_written_outside(pc):
            first = pc.import_(stick / "lamplight", on_progress=pull_after_first_course(unmount))
    with small_disk(tmp_path / "again", "16m") as again:  # the stick, plugged in again
        shutil.copytree(tmp_path / "kept", again / "lamplight")
        check_stopped_and_resumed(pc, first, built, again / "lamplight")


def test_a_stick_pulled_out_between_scan_and_import(tmp_path: Path, pc: PC) -> None:
    root = tmp_path / "stick" / "lamplight"
    six_courses(root)
    plan = pc.scan(root)
    shutil.rmtree(tmp_path / "stick")
    report = import_pack(plan, plan.importable(), pc.db, pc.content, TRUST)
    assert report.stopped is StopReason.STICK_GONE and report.imported == []
    assert report.left == plan.importable()
    assert pc.visible() == set() and blobs_in_store(pc) == set()


# --- a full disk ---------------------------------------------------------------------------


def fill(disk: Path) -> Path:
    """Writes a file until the disk is full; returns it."""
    filler = disk / "filler"
    block = b"\0" * (256 * 1024)
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def test_a_disk_that_fills_up_mid_import_leaves_no_course_half_there(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    built = make_pack(root, [(f"c{n}", [data(f"d{n}", 2_000_000)]) for n in range(5)])
    with small_disk(tmp_path / "small", "16m") as disk:
        pc = open_pc(disk / "pc")
        try:
            filled: list[Path] = []

            def fill_once(update: ImportProgress) -> None:
                if update.course_id != "c0" and not filled:
                    filled.append(fill(disk))

            with nothing_written_outside(pc, root):
                report = pc.import_(root, on_progress=fill_once)
            assert report.stopped is StopReason.DISK_FULL
            assert "disk is full" in report.message and report.left
            pc.assert_whole_or_absent(built)
            with pc.db.engine.connect() as conn:
                assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"

            filled[0].unlink()  # space freed: the import finishes
            again = pc.import_(root)
            assert again.stopped is StopReason.DONE and not again.failed
            assert pc.visible() == set(built)
            pc.assert_whole_or_absent(built)
        finally:
            pc.db.close()


def test_a_pack_bigger_than_the_free_space_is_refused_before_copying(tmp_path: Path) -> None:
    root = tmp_path / "pack"
    make_pack(root, [(f"c{n}", [data(f"d{n}", 2_000_000)]) for n in range(5)])
    with small_disk(tmp_path / "small", "6m") as disk:
        pc = open_pc(disk / "pc")
        try:
            plan = pc.scan(root)
            assert not plan.fits and plan.shortfall == plan.new_bytes - plan.free_bytes > 0
            before = blobs_in_store(pc)
            report = import_pack(plan, plan.importable(), pc.db, pc.content, TRUST)
            assert report.stopped is StopReason.DISK_FULL and report.bytes_copied == 0
            assert "free at least" in report.message
            assert blobs_in_store(pc) == before and pc.visible() == set()
        finally:
            pc.db.close()


# --- a crash ---------------------------------------------------------------------------------


def check_store_and_courses(pc: PC, built: dict[str, BuiltCourse]) -> None:
    """Every file under a final name is the blob it is named after; a visible course has all
    its files, recorded as stored; any other course has no row at all."""
    root = pc.content.blobs.root
    for path in root.rglob("*"):
        if path.is_file() and path.relative_to(root).parts[0] != "tmp":
            assert sha(path.read_bytes()) == path.name, f"{path} is not what it is named"
    pc.assert_whole_or_absent(built)
    with pc.db.read_session() as session:
        for course_id in pc.visible():
            unstored = session.scalar(
                text(
                    "SELECT count(*) FROM item JOIN asset ON asset.sha256 = item.asset_sha256 "
                    "WHERE item.course_id = :c AND asset.stored_at IS NULL"
                ),
                {"c": course_id},
            )
            assert unstored == 0


@pytest.mark.parametrize("courses_started", [1, 3, 5])
def test_a_killed_import_leaves_only_verified_files_and_whole_courses(
    tmp_path: Path, courses_started: int
) -> None:
    root = tmp_path / "stick" / "lamplight"
    built = make_pack(root, [(f"c{n}", [data(f"k{n}", 3_000_000)]) for n in range(6)])
    data_dir = tmp_path / "pc"
    child = subprocess.Popen(
        [sys.executable, "-m", "app", "import-pack", str(root), "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert child.stderr is not None
    seen = 0
    for line in child.stderr:
        seen += line.startswith("copying ")
        if seen >= courses_started:
            child.kill()  # SIGKILL: no clean-up at all
            break
    child.stderr.close()
    child.wait(timeout=60)
    pc = open_pc(data_dir)
    try:
        check_store_and_courses(pc, built)
        again = pc.import_(root)
        assert again.stopped is StopReason.DONE and not again.failed
        assert pc.visible() == set(built)
        check_store_and_courses(pc, built)
        assert list(pc.content.blobs.tmp.iterdir()) == []  # the dead import's folder went
    finally:
        pc.db.close()
