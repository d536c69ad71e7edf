"""The course list: a model that pages from SQL, search, and what the teacher sees."""

from __future__ import annotations

from datetime import UTC, datetime

from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import catalog
from app.ui.catalog_model import PAGE, CatalogModel
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage


def add_courses(context: AppContext, titles: list[str]) -> None:
    courses = [
        CatalogCourse(
            id=f"c{n:05d}",
            version=1,
            seq=n + 1,
            title=title,
            description=f"关于{title}的课程",
            language="zh-CN",
            published_at=datetime.now(UTC),
            lessons=[
                CatalogLesson(
                    id="l1",
                    title="第一课",
                    items=[
                        CatalogItem(
                            id="v1",
                            kind="video",
                            title="视频",
                            asset=AssetRef(sha256=f"{n:064x}", size=1000, media_type="video/mp4"),
                        )
                    ],
                )
            ],
        )
        for n, title in enumerate(titles)
    ]
    with context.db.write() as session:
        catalog.apply_catalog_page(
            session, CatalogPage(courses=courses, cursor=len(titles), has_more=False)
        )


def test_model_passes_qt_model_checks_and_pages(
    qtmodeltester: ModelTester, context: AppContext
) -> None:
    add_courses(context, [f"课程 {n:04d}" for n in range(PAGE * 2 + 10)])

    def load(search: str, offset: int, limit: int) -> list[catalog.CourseRow]:
        with context.db.read_session() as session:
            return catalog.list_courses(session, search, offset, limit)

    model = CatalogModel(load)
    model.reload("")
    assert model.rowCount() == PAGE
    qtmodeltester.check(model)
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == PAGE * 2 + 10
    assert model.course_at(0).title == "课程 0000"


def test_search_finds_chinese_words_and_says_when_nothing_matches(
    qtbot: QtBot, window, context: AppContext
) -> None:
    add_courses(context, ["信息技术基础", "在线教学入门", "校园安全"])
    window.catalog.reload()
    window.show_catalog()
    page = window.catalog
    assert page.model.rowCount() == 3
    qtbot.keyClicks(page.search, "safety")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.empty.isVisible()
    assert "safety" in page.empty.text()
    page.search.setText("教学")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1)
    assert page.model.course_at(0).title == "在线教学入门"
    assert not page.empty.isVisible()
    assert page.count_label.text() == "1 course(s)"


def test_empty_catalog_explains_where_courses_come_from(window) -> None:
    window.show_catalog()
    assert window.catalog.model.rowCount() == 0
    assert window.catalog.empty.isVisible()
    assert "county server" in window.catalog.empty.text()
