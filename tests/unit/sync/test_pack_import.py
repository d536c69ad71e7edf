"""Importing a USB content pack: the scan's plan, copying with verification, skipping what is
here, resuming, cancelling, and the room it needs. Real pack folders (tests/helpers/packs.py),
a real SQLite database and content store; the bad inputs are in
tests/integration/packs/test_import_bad_input.py."""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import func, select

from app.county import CountyProfile
from app.storage import catalog, downloads, profiles, progress, settings
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.models import Asset, Course, CourseSignature, Item, QueuedDownload
from app.sync import pack_copy
from app.sync.pack_import import (
    CourseState,
    ImportProgress,
    ImportReport,
    PackPlan,
    StopReason,
    import_pack,
    scan_pack,
)
from tests.helpers.packs import (
    BuiltCourse,
    blob_path,
    county_for,
    course_json,
    demo_key,
    make_pack,
    seeded_bytes,
    sha,
    write_blob,
    write_course,
    write_index,
)
from wire.api import CatalogCourse, CatalogPage
from wire.pack import PackError, Problem, find_pack

KEY = demo_key()
COUNTY = county_for(KEY)


def blob(seed: str, size: int = 3000) -> bytes:
    return seeded_bytes(seed, size)


def scan(
    root: Path, db: Database, content: ContentStore, county: CountyProfile = COUNTY
) -> PackPlan:
    return scan_pack(root, db, content, county)


def import_all(
    root: Path,
    db: Database,
    content: ContentStore,
    county: CountyProfile = COUNTY,
    *,
    on_progress: Callable[[ImportProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[PackPlan, ImportReport]:
    plan = scan(root, db, content, county)
    report = import_pack(
        plan,
        plan.importable(),
        db,
        content,
        county,
        on_progress=on_progress,
        should_stop=should_stop,
    )
    return plan, report


def visible(db: Database) -> dict[str, int]:
    """Course id -> version of the courses this PC shows."""
    with db.read_session() as session:
        return {cid: v for cid, v in session.execute(select(Course.id, Course.version))}


def stored_ok(content: ContentStore, built: BuiltCourse) -> bool:
    return all(content.blobs.path(sha(b)).read_bytes() == b for b in built.blobs)


def test_find_pack_takes_the_folder_or_its_lamplight_folder(tmp_path: Path) -> None:
    make_pack(tmp_path / "stick" / "lamplight", [("c1", [blob("a")])])
    make_pack(tmp_path / "plain", [("c1", [blob("a")])])
    assert find_pack(tmp_path / "stick") == tmp_path / "stick" / "lamplight"
    assert find_pack(tmp_path / "plain") == tmp_path / "plain"
    assert find_pack(tmp_path / "stick" / "lamplight") == tmp_path / "stick" / "lamplight"
    assert find_pack(tmp_path) is None
    assert find_pack(tmp_path / "nowhere") is None


def test_a_fresh_pc_imports_every_course_verified(
    tmp_path: Path, db: Database, content: ContentStore, blob_files: Callable[..., list[Path]]
) -> None:
    built = make_pack(
        tmp_path / "pack",
        [("c1", [blob("a"), blob("b", 20_000)]), ("c2", [blob("c")]), ("c3", [])],
    )
    plan = scan(tmp_path / "pack", db, content)
    assert [(c.id, c.state) for c in plan.courses] == [
        ("c1", CourseState.NEW),
        ("c2", CourseState.NEW),
        ("c3", CourseState.NEW),
    ]
    assert plan.total_bytes == plan.new_bytes == 26_000
    assert plan.courses[0].size == plan.courses[0].new_bytes == 23_000
    assert plan.courses[0].assets == 2 and plan.courses[0].title == "课程 c1"
    assert plan.county == "demo" and plan.fits and plan.shortfall == 0

    report = import_pack(plan, plan.importable(), db, content, COUNTY)

    assert report.stopped is StopReason.DONE
    assert report.imported == ["c1", "c2", "c3"] and not report.failed and not report.left
    assert (report.bytes_copied, report.files_copied) == (26_000, 3)
    assert "3 course(s) imported" in report.message
    assert visible(db) == {"c1": 1, "c2": 1, "c3": 1}
    assert stored_ok(content, built["c1"]) and stored_ok(content, built["c2"])
    assert len(blob_files(content)) == 3
    assert list(content.blobs.tmp.iterdir()) == []  # nothing left behind
    with db.read_session() as session:
        detail = catalog.course_detail(session, "c1")
        signature = session.get(CourseSignature, "c1")
    assert detail is not None and detail.requested and all(i.stored for i in detail.items)
    assert signature is not None
    assert signature.document.encode() == (tmp_path / "pack/courses/c1.json").read_bytes()


def test_importing_again_copies_nothing(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "pack", [("c1", [blob("a")]), ("c2", [blob("b")])])
    import_all(tmp_path / "pack", db, content)
    plan = scan(tmp_path / "pack", db, content)
    assert {c.state for c in plan.courses} == {CourseState.PRESENT}
    assert plan.importable() == [] and plan.new_bytes == 0
    report = import_pack(plan, ["c1", "c2"], db, content, COUNTY)
    assert report.unchanged == ["c1", "c2"] and report.imported == []
    assert report.bytes_copied == report.files_copied == 0


def test_a_file_two_courses_share_is_copied_once(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    shared = blob("shared", 10_000)
    make_pack(tmp_path / "pack", [("c1", [shared, blob("a")]), ("c2", [blob("b"), shared])])
    plan, report = import_all(tmp_path / "pack", db, content)
    assert plan.new_bytes == 16_000  # counted once
    assert report.files_copied == 3 and report.bytes_copied == 16_000
    assert visible(db) == {"c1": 1, "c2": 1}


def test_files_already_in_the_store_are_skipped(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    here, new = blob("here", 5000), blob("new", 7000)
    make_pack(tmp_path / "pack", [("c1", [here, new])])
    content.blobs.add_file(blob_path(tmp_path / "pack", here), sha(here))
    plan, report = import_all(tmp_path / "pack", db, content)
    assert plan.courses[0].state is CourseState.NEW
    assert plan.courses[0].new_bytes == plan.new_bytes == 7000
    assert report.bytes_copied == 7000
    assert visible(db) == {"c1": 1}


def test_an_update_replaces_lessons_and_keeps_progress(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "v1", [("c1", [blob("a"), blob("b")])])
    import_all(tmp_path / "v1", db, content)
    with db.write() as session:
        teacher = profiles.create_profile(
            session, name="李老师", school="石桥小学", gender="female", age_band="30to39",
            subject="语文", pin="2468",
        )  # fmt: skip
        progress.record(session, teacher, "c1/v1", "video.watched", {"ranges": [[0, 30]]})
    make_pack(tmp_path / "v2", [("c1", [blob("a"), blob("c"), blob("d")])], version=2)

    plan, report = import_all(tmp_path / "v2", db, content)

    assert plan.courses[0].state is CourseState.UPDATE
    assert plan.courses[0].new_bytes == 6000  # "a" is here already
    assert report.imported == ["c1"]
    assert visible(db) == {"c1": 2}
    with db.read_session() as session:
        items = session.scalars(select(Item.id).order_by(Item.position)).all()
        kept = progress.events_for(session, teacher, ["c1/v1"])["c1/v1"]
        signature = session.get(CourseSignature, "c1")
    assert items == ["c1/v1", "c1/v2", "c1/v3"]
    assert [e.kind for e in kept] == ["video.watched"]
    assert signature is not None and signature.version == 2


def test_an_older_pack_never_downgrades(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "v2", [("c1", [blob("new")])], version=2)
    import_all(tmp_path / "v2", db, content)
    make_pack(tmp_path / "v1", [("c1", [blob("old")])], version=1)
    plan = scan(tmp_path / "v1", db, content)
    assert plan.courses[0].state is CourseState.OLDER and plan.importable() == []
    report = import_pack(plan, ["c1"], db, content, COUNTY)  # even when asked
    assert report.unchanged == ["c1"] and report.bytes_copied == 0
    assert visible(db) == {"c1": 2}


def _catalog_course(built: BuiltCourse, seq: int) -> CatalogCourse:
    return CatalogCourse.model_validate({**built.json, "seq": seq})


def test_a_course_the_network_listed_gets_its_files_from_the_stick(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [blob("a"), blob("b")])])
    with db.write() as session:
        catalog.apply_catalog_page(
            session,
            CatalogPage(courses=[_catalog_course(built["c1"], 17)], cursor=17, has_more=False),
        )
        downloads.enqueue_course(session, "c1")
    plan, report = import_all(tmp_path / "pack", db, content)
    assert plan.courses[0].state is CourseState.NEW  # same version, files not here
    assert report.imported == ["c1"]
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(QueuedDownload)) == 0
        assert session.scalar(select(func.count()).where(Asset.stored_at.is_(None))) == 0
        assert session.scalar(select(Course.server_seq)) == 17
    assert scan(tmp_path / "pack", db, content).courses[0].state is CourseState.PRESENT


def test_progress_follows_the_courses_and_ends_complete(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "pack", [(f"c{n}", [blob(f"b{n}", 50_000)]) for n in range(4)])
    seen: list[ImportProgress] = []
    import_all(tmp_path / "pack", db, content, on_progress=seen.append)
    assert seen[0].course_id == "c0"
    ids = list(dict.fromkeys(p.course_id for p in seen))
    assert ids == sorted(ids)  # in order, never back
    last = seen[-1]
    assert (last.done_bytes, last.total_bytes) == (200_000, 200_000)
    assert (last.files_done, last.files_total) == (4, 4)
    assert all(p.done_bytes <= p.total_bytes for p in seen)


def test_cancelling_keeps_what_is_complete_and_the_next_import_copies_the_rest(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    # Twelve courses: the copy runs at most a few courses ahead, so some are surely left.
    built = make_pack(tmp_path / "pack", [(f"c{n}", [blob(f"b{n}", 20_000)]) for n in range(12)])
    moved: list[str] = []

    def stop_once_moved_on(update: ImportProgress) -> None:
        moved.append(update.course_id)

    _, first = import_all(
        tmp_path / "pack",
        db,
        content,
        on_progress=stop_once_moved_on,
        should_stop=lambda: len(set(moved)) > 1,
    )
    assert first.stopped is StopReason.CANCELLED
    assert "c0" in first.imported and first.left  # what was complete stays; the rest waits
    assert "import again" in first.message
    assert set(visible(db)) == set(first.imported)
    assert list(content.blobs.tmp.iterdir()) == []

    again, second = import_all(tmp_path / "pack", db, content)
    assert second.stopped is StopReason.DONE
    assert second.bytes_copied == again.new_bytes
    assert first.bytes_copied + second.bytes_copied == 240_000  # each file copied once
    assert set(visible(db)) == set(built)


def test_not_enough_room_is_refused_before_copying_and_says_how_much_to_free(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "pack", [("c1", [blob("a", 100_000)])])
    greedy = county_for(KEY, reserve=10**18)  # a reserve no disk has
    plan = scan(tmp_path / "pack", db, content, greedy)
    assert plan.reserve == 10**18 and not plan.fits
    assert plan.shortfall == 100_000 + 10**18 - plan.free_bytes
    report = import_pack(plan, plan.importable(), db, content, greedy)
    assert report.stopped is StopReason.DISK_FULL
    assert "free at least" in report.message and "must stay free" in report.message
    assert report.bytes_copied == 0 and visible(db) == {} and report.left == ["c1"]


def test_this_pcs_reserve_setting_is_the_one_kept_free(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "pack", [("c1", [blob("a")])])
    with db.write() as session:
        settings.put(session, settings.DOWNLOAD_RESERVE, 123)
    assert scan(tmp_path / "pack", db, content).reserve == 123


def test_ids_not_worth_copying_are_reported_not_copied(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "pack", [("c1", [blob("a")])])
    plan = scan(tmp_path / "pack", db, content)
    report = import_pack(plan, ["nope", "c1", "c1"], db, content, COUNTY)
    assert report.imported == ["c1"]
    assert report.failed["nope"].problem is Problem.MALFORMED


def test_a_crashed_imports_temporary_folder_is_cleared_and_a_running_ones_is_not(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    tmp = content.blobs.tmp
    (tmp / "import-dead").mkdir(parents=True)
    (tmp / "import-dead" / "blob").write_bytes(b"half a file")
    (tmp / "import-dead.lock").touch()
    (tmp / "import-live").mkdir()
    live = FileLock(tmp / "import-live.lock")
    live.acquire()
    try:
        make_pack(tmp_path / "pack", [("c1", [blob("a")])])
        import_all(tmp_path / "pack", db, content)
        assert sorted(p.name for p in tmp.iterdir()) == ["import-live", "import-live.lock"]
    finally:
        live.release()


def test_a_failed_copy_leaves_no_temporary_file(tmp_path: Path) -> None:
    data = blob("a", 10_000)
    write_blob(tmp_path / "pack", data)
    (tmp_path / "pack" / "lamplight-pack.json").write_text("{}")
    out = tmp_path / "out"
    out.mkdir()
    buf = memoryview(bytearray(4096))
    wrong = pack_copy.BlobJob(sha(data), len(data) - 1)
    with pytest.raises(PackError) as caught:
        pack_copy.copy_blob(
            tmp_path / "pack", wrong, out, buf=buf, stop=threading.Event(), on_bytes=lambda n: None
        )
    assert caught.value.problem is Problem.BAD_BLOB
    stop = threading.Event()
    stop.set()
    with pytest.raises(pack_copy.Stopped):
        pack_copy.copy_blob(
            tmp_path / "pack",
            pack_copy.BlobJob(sha(data), len(data)),
            out,
            buf=buf,
            stop=stop,
            on_bytes=lambda n: None,
        )
    assert list(out.iterdir()) == []
    got: list[int] = []
    done = pack_copy.copy_blob(
        tmp_path / "pack",
        pack_copy.BlobJob(sha(data), len(data)),
        out,
        buf=buf,
        stop=threading.Event(),
        on_bytes=got.append,
    )
    assert done.read_bytes() == data and sum(got) == len(data) and len(got) == 3


def test_the_scan_reads_courses_in_index_order_and_an_id_listed_twice_once(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    root = tmp_path / "pack"
    docs = []
    for course_id in ("zeta", "alpha"):
        document = course_json(course_id, [write_blob(root, blob(course_id))])
        write_course(root, document, KEY)
        docs.append(document)
    write_index(root, [*docs, docs[0]])
    plan = scan(root, db, content)
    assert [c.id for c in plan.courses] == ["zeta", "alpha"]


def test_signed_sizes_are_used_not_the_index(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    root = tmp_path / "pack"
    document = course_json("c1", [write_blob(root, blob("a", 4000))])
    write_course(root, document, KEY)
    fake = {**document, "lessons": []}  # the index says the course is empty
    write_index(root, [fake])
    plan = scan(root, db, content)
    assert plan.courses[0].size == 4000 and plan.new_bytes == 4000


def test_nothing_to_copy_always_fits(tmp_path: Path, db: Database, content: ContentStore) -> None:
    data = blob("a")
    built = make_pack(tmp_path / "pack", [("c1", [data])])
    content.blobs.add_file(blob_path(tmp_path / "pack", data), sha(data))
    with db.write() as session:  # listed by the network, its file already here, not recorded
        listed = [_catalog_course(built["c1"], 3)]
        catalog.apply_catalog_page(session, CatalogPage(courses=listed, cursor=3, has_more=False))
    greedy = county_for(KEY, reserve=10**18)
    plan = scan(tmp_path / "pack", db, content, greedy)
    assert plan.importable() == ["c1"] and plan.new_bytes == 0
    assert plan.fits and plan.shortfall == 0
    report = import_pack(plan, ["c1"], db, content, greedy)
    assert report.stopped is StopReason.DONE and report.imported == ["c1"]
    assert scan(tmp_path / "pack", db, content).courses[0].state is CourseState.PRESENT


def test_read_errors_are_told_apart_stick_or_file(tmp_path: Path) -> None:
    make_pack(tmp_path / "pack", [("c1", [blob("a")])])
    rel, name = "blobs/ab/ab", "ab" * 32

    def told(error: int, root: Path) -> Exception:
        return pack_copy._source_error(root, OSError(error, os.strerror(error)), rel, name)

    assert isinstance(told(errno.EIO, tmp_path / "pack"), pack_copy.StickGone)  # a failing stick
    assert isinstance(told(errno.ENODEV, tmp_path / "pack"), pack_copy.StickGone)
    assert isinstance(told(errno.ENOENT, tmp_path / "gone"), pack_copy.StickGone)
    missing = told(errno.ENOENT, tmp_path / "pack")
    assert isinstance(missing, PackError) and missing.problem is Problem.MISSING_BLOB
    link = told(errno.ELOOP, tmp_path / "pack")
    assert isinstance(link, PackError) and link.problem is Problem.UNSAFE_NAME
