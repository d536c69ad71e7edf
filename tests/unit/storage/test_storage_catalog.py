"""The local copy of the county catalog: storing pages of changes and the queries the UI runs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from storage_helpers import FakeClock, It, Les, course, make_teacher, page, sha

from app.storage import catalog, progress, settings
from app.storage.db import Database, open_database
from app.storage.models import Asset, Course, Item, Lesson
from wire.api import CatalogPage


def _apply(db: Database, catalog_page: CatalogPage) -> None:
    with db.write() as session:
        catalog.apply_catalog_page(session, catalog_page)


def _item_ids(db: Database, course_id: str) -> list[str]:
    with db.read_session() as session:
        detail = catalog.course_detail(session, course_id)
    assert detail is not None
    return [i.id for i in detail.items]


def _rows(db: Database, search: str = "", offset: int = 0, limit: int = 200) -> list[str]:
    with db.read_session() as session:
        return [r.id for r in catalog.list_courses(session, search, offset, limit)]


ICT = course(
    "ict-basics",
    Les("l1", (It("intro", "video", "课程介绍"), It("notes", "document", "讲义"))),
    Les("l2", (It("slides", "video", "制作课件"),)),
    title="信息技术基础",
    description="白板、投影与课件",
    seq=3,
)


# --- storing pages ---------------------------------------------------------------------------


def test_a_page_stores_courses_lessons_items_assets_and_the_cursor(db: Database) -> None:
    _apply(db, page(ICT, cursor=3, has_more=True))

    with db.read_session() as session:
        stored = session.get(Course, "ict-basics")
        assert stored is not None
        assert (stored.title, stored.version, stored.server_seq) == ("信息技术基础", 1, 3)
        assert stored.download_requested_at is None
        lessons = session.execute(
            select(Lesson.key, Lesson.position, Lesson.title).order_by(Lesson.position)
        ).all()
        assert [tuple(r) for r in lessons] == [("l1", 0, "第 l1 课"), ("l2", 1, "第 l2 课")]
        assets = {
            a.sha256: (a.size, a.media_type, a.stored_at) for a in session.scalars(select(Asset))
        }
        assert assets == {
            sha("intro"): (1000, "video/mp4", None),
            sha("notes"): (1000, "application/pdf", None),
            sha("slides"): (1000, "video/mp4", None),
        }
        assert settings.get(session, settings.CATALOG_CURSOR) == 3


def test_course_detail_lists_items_in_lesson_then_item_order(db: Database) -> None:
    _apply(db, page(ICT))
    with db.read_session() as session:
        detail = catalog.course_detail(session, "ict-basics")
    assert detail is not None
    assert (detail.title, detail.description, detail.version) == (
        "信息技术基础",
        "白板、投影与课件",
        1,
    )
    assert [(i.id, i.lesson_title, i.title, i.kind) for i in detail.items] == [
        ("ict-basics/intro", "第 l1 课", "课程介绍", "video"),
        ("ict-basics/notes", "第 l1 课", "讲义", "document"),
        ("ict-basics/slides", "第 l2 课", "制作课件", "video"),
    ]
    first = detail.items[0]
    assert (first.sha256, first.size, first.media_type, first.stored) == (
        sha("intro"),
        1000,
        "video/mp4",
        False,
    )


def test_an_unknown_course_has_no_detail(db: Database) -> None:
    with db.read_session() as session:
        assert catalog.course_detail(session, "no-such-course") is None


def test_an_empty_page_only_moves_the_cursor(db: Database) -> None:
    _apply(db, page(ICT))
    _apply(db, page(cursor=9))
    with db.read_session() as session:
        assert settings.get(session, settings.CATALOG_CURSOR) == 9
    assert _rows(db) == ["ict-basics"]


def test_an_interrupted_refresh_resumes_from_the_last_page_stored(db_path: Path) -> None:
    db = open_database(db_path)
    _apply(db, page(course("a-course", Les("l", (It("x"),)), seq=1), cursor=1, has_more=True))
    db.close()  # the power went out before the second page

    db = open_database(db_path)
    try:
        with db.read_session() as session:
            assert settings.get(session, settings.CATALOG_CURSOR) == 1
        assert _rows(db) == ["a-course"]
    finally:
        db.close()


def test_published_time_is_stored_as_naive_utc(db: Database) -> None:
    beijing = timezone(timedelta(hours=8))
    _apply(
        db,
        page(
            course(
                "c", Les("l", (It("x"),)), published_at=datetime(2026, 3, 1, 9, 0, tzinfo=beijing)
            )
        ),
    )
    with db.read_session() as session:
        stored = session.get(Course, "c")
    assert stored is not None
    assert stored.published_at == datetime(2026, 3, 1, 1, 0)


def test_a_new_version_replaces_the_courses_items(db: Database) -> None:
    _apply(db, page(ICT))
    v2 = course(
        "ict-basics",
        Les("l1", (It("intro", "video", "课程介绍（新版）"),)),
        Les("l3", (It("notes", "document", "讲义"), It("quiz-free", "video", "新内容"))),
        title="信息技术基础（第二版）",
        version=2,
        seq=8,
    )
    _apply(db, page(v2))

    assert _item_ids(db, "ict-basics") == [
        "ict-basics/intro",
        "ict-basics/notes",
        "ict-basics/quiz-free",
    ]
    with db.read_session() as session:
        detail = catalog.course_detail(session, "ict-basics")
        assert detail is not None
        assert detail.version == 2
        assert detail.title == "信息技术基础（第二版）"
        assert detail.items[0].title == "课程介绍（新版）"
        assert detail.items[1].lesson_title == "第 l3 课"  # moved to another lesson
        # Nothing of the first version is left behind.
        assert session.scalar(select(func.count()).select_from(Lesson)) == 2
        assert session.get(Item, "ict-basics/slides") is None


def test_progress_carries_over_to_a_new_version(db: Database) -> None:
    teacher = make_teacher(db)
    _apply(db, page(ICT))
    with db.write() as session:
        progress.record(
            session,
            teacher,
            "ict-basics/intro",
            progress.VIDEO_WATCHED,
            {"start": 0, "end": 60, "duration": 100},
        )
    _apply(db, page(course("ict-basics", Les("l1", (It("intro", "video"),)), version=2, seq=5)))

    [item_id] = _item_ids(db, "ict-basics")
    with db.read_session() as session:
        events = progress.events_for(session, teacher, [item_id])[item_id]
    assert progress.derive("video", events).share == pytest.approx(0.6)


def test_a_new_version_keeps_the_download_choice_and_stored_files(db: Database) -> None:
    _apply(db, page(ICT))
    with db.write() as session:
        catalog.request_download(session, "ict-basics")
        catalog.mark_stored(session, sha("intro"))
    v2 = course(
        "ict-basics",
        Les("l1", (It("intro", "video"), It("extra", "document"))),
        version=2,
        seq=6,
    )
    _apply(db, page(v2))

    with db.read_session() as session:
        detail = catalog.course_detail(session, "ict-basics")
        assert detail is not None
        assert detail.requested
        assert [(i.id, i.stored) for i in detail.items] == [
            ("ict-basics/intro", True),
            ("ict-basics/extra", False),
        ]
        assert [a.sha256 for a in catalog.missing_assets(session)] == [sha("extra")]


def test_other_courses_are_untouched_by_a_new_version(db: Database) -> None:
    other = course("other", Les("l", (It("x"), It("y"))), seq=4)
    _apply(db, page(ICT, other))
    _apply(db, page(course("ict-basics", Les("l1", (It("intro"),)), version=2, seq=9)))
    assert _item_ids(db, "other") == ["other/x", "other/y"]


def test_two_courses_can_share_an_asset(db: Database) -> None:
    a = course("a", Les("l", (It("intro", asset="shared"),)), seq=1)
    b = course("b", Les("l", (It("welcome", asset="shared"),)), seq=2)
    _apply(db, page(a, b))
    with db.write() as session:
        catalog.request_download(session, "a")
        catalog.request_download(session, "b")
    with db.read_session() as session:
        assert [m.sha256 for m in catalog.missing_assets(session)] == [sha("shared")]
    with db.write() as session:
        catalog.mark_stored(session, sha("shared"))
    with db.read_session() as session:
        assert all(row.ready for row in catalog.list_courses(session))


# --- the catalog list: search and paging -----------------------------------------------------


@pytest.fixture
def shelf(db: Database) -> Database:
    """A catalog with Chinese and English titles and the characters LIKE treats specially."""
    titles = {
        "ict-basics": ("信息技术基础", "白板、投影与课件"),
        "ict-advanced": ("信息技术进阶", "网络教研"),
        "reading": ("阅读教学", "低年级绘本"),
        "excel": ("Excel 入门", "成绩表与统计"),
        "percent": ("百分数 100% 掌握", ""),
        "score-table": ("成绩_表格", ""),
        "score-x-table": ("成绩X表格", ""),
        "arts": ("音乐/美术", "C:\\教案"),
    }
    _apply(
        db,
        page(
            *(
                course(cid, Les("l", (It("v"),)), title=title, description=text, seq=n)
                for n, (cid, (title, text)) in enumerate(titles.items(), start=1)
            )
        ),
    )
    return db


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("信息", {"ict-basics", "ict-advanced"}),
        ("信息 基础", {"ict-basics"}),  # every word must match
        ("  信息   进阶 ", {"ict-advanced"}),
        ("课件", {"ict-basics"}),  # the description counts too
        ("绘本 阅读", {"reading"}),  # in title or description, any order
        ("excel", {"excel"}),  # ASCII ignores case
        ("EXCEL 统计", {"excel"}),
        ("100%", {"percent"}),
        ("%", {"percent"}),  # a literal percent sign, not "anything"
        ("_", {"score-table"}),  # a literal underscore, not "any character"
        ("成绩_表格", {"score-table"}),
        ("/", {"arts"}),  # the escape character of the LIKE pattern is literal too
        ("\\", {"arts"}),
        ("化学", set()),
        (
            "",
            {
                "ict-basics",
                "ict-advanced",
                "reading",
                "excel",
                "percent",
                "score-table",
                "score-x-table",
                "arts",
            },
        ),
    ],
)
def test_search(shelf: Database, search: str, expected: set[str]) -> None:
    assert set(_rows(shelf, search)) == expected
    with shelf.read_session() as session:
        assert catalog.count_courses(session, search) == len(expected)


def test_courses_are_listed_by_title(shelf: Database) -> None:
    with shelf.read_session() as session:
        titles = [r.title for r in catalog.list_courses(session)]
    assert titles == sorted(titles)


def test_paging_walks_the_whole_catalog_once(db: Database) -> None:
    courses = [
        course(f"course-{n:02d}", Les("l", (It("v"),)), title=f"课程 {n:02d}", seq=n + 1)
        for n in range(25)
    ]
    _apply(db, page(*courses))

    pages = [_rows(db, offset=offset, limit=10) for offset in (0, 10, 20, 30)]
    assert [len(p) for p in pages] == [10, 10, 5, 0]
    assert [cid for p in pages for cid in p] == [f"course-{n:02d}" for n in range(25)]
    # "课程 1": 01, 10-19 and 21 contain a 1.
    assert _rows(db, "课程 1", offset=5, limit=3) == ["course-14", "course-15", "course-16"]
    with db.read_session() as session:
        assert catalog.count_courses(session) == 25
        assert catalog.count_courses(session, "课程 1") == 12


def test_an_empty_catalog(db: Database) -> None:
    with db.read_session() as session:
        assert catalog.list_courses(session) == []
        assert catalog.count_courses(session) == 0
        assert catalog.missing_assets(session) == []


# --- what is on this PC ----------------------------------------------------------------------


def test_a_course_is_ready_once_every_file_is_stored(db: Database) -> None:
    _apply(db, page(ICT))
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
    assert (row.item_count, row.ready_count, row.ready, row.requested) == (3, 0, False, False)

    with db.write() as session:
        catalog.mark_stored(session, sha("intro"))
        catalog.mark_stored(session, sha("notes"))
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
    assert (row.ready_count, row.ready) == (2, False)

    with db.write() as session:
        catalog.mark_stored(session, sha("slides"))
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
    assert (row.ready_count, row.ready) == (3, True)


def test_a_course_without_items_is_never_ready(db: Database) -> None:
    _apply(db, page(course("empty", seq=1)))
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
    assert (row.item_count, row.ready) == (0, False)


def test_mark_missing_makes_a_course_not_ready_again(db: Database) -> None:
    _apply(db, page(course("c", Les("l", (It("v"),)))))
    with db.write() as session:
        catalog.mark_stored(session, sha("v"))
    with db.write() as session:
        catalog.mark_missing(session, sha("v"))
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
        assert not row.ready
        assert [m.sha256 for m in catalog.missing_assets(session, "c")] == [sha("v")]


def test_missing_assets_are_those_of_requested_courses(db: Database) -> None:
    wanted = course(
        "wanted", Les("l", (It("a", size=5_000_000), It("b", "document", size=20_000))), seq=1
    )
    other = course("other", Les("l", (It("c"),)), seq=2)
    _apply(db, page(wanted, other))
    with db.read_session() as session:
        assert catalog.missing_assets(session) == []  # nothing chosen yet

    with db.write() as session:
        catalog.request_download(session, "wanted")
        catalog.mark_stored(session, sha("b"))
    with db.read_session() as session:
        assert catalog.missing_assets(session) == [
            catalog.MissingAsset(sha256=sha("a"), size=5_000_000, media_type="video/mp4")
        ]
        # One course's missing files, requested or not (the course page's download button).
        assert [m.sha256 for m in catalog.missing_assets(session, "other")] == [sha("c")]
        [wanted_row] = [r for r in catalog.list_courses(session) if r.id == "wanted"]
        assert wanted_row.requested is True


def test_requesting_a_download_twice_keeps_the_first_time(db: Database, clock: FakeClock) -> None:
    _apply(db, page(ICT))
    first = clock.now
    with db.write() as session:
        catalog.request_download(session, "ict-basics", clock=clock)
    clock.advance(hours=1)
    with db.write() as session:
        catalog.request_download(session, "ict-basics", clock=clock)
    with db.read_session() as session:
        stored = session.get(Course, "ict-basics")
    assert stored is not None
    assert stored.download_requested_at == first


def test_mark_stored_records_when(db: Database, clock: FakeClock) -> None:
    _apply(db, page(ICT))
    with db.write() as session:
        catalog.mark_stored(session, sha("notes"), clock=clock)
    with db.read_session() as session:
        asset = session.get(Asset, sha("notes"))
    assert asset is not None
    assert asset.stored_at == clock.now
