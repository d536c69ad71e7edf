"""Catalog pages: current versions in change order, a cursor that resumes, stored JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server.catalog import catalog_page_json
from server.publish import publish_course
from wire.api import CatalogPage
from wire.blobs import BlobStore


def _page(sessions: sessionmaker[Session], since: int, limit: int) -> CatalogPage:
    with sessions() as session:
        return CatalogPage.model_validate_json(catalog_page_json(session, since, limit))


def _publish(sessions: sessionmaker[Session], blobs: BlobStore, folder: Path) -> None:
    with sessions() as session:
        publish_course(session, blobs, folder)


def _edit_title(folder: Path, title: str) -> None:
    toml = folder / "course.toml"
    text = toml.read_text(encoding="utf-8").replace('title = "信息技术基础"', f'title = "{title}"')
    toml.write_text(text, encoding="utf-8")


def test_empty_catalog_keeps_the_cursor(sessions: sessionmaker[Session]) -> None:
    assert _page(sessions, 0, 200) == CatalogPage(courses=[], cursor=0, has_more=False)
    assert _page(sessions, 42, 200) == CatalogPage(courses=[], cursor=42, has_more=False)


def test_pages_walk_every_course_once_in_change_order(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    for n in range(7):
        _publish(sessions, blobs, kit.course(f"course-{n}"))

    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = _page(sessions, cursor, 3)
        pages += 1
        seen += [c.id for c in page.courses]
        assert [c.seq for c in page.courses] == sorted(c.seq for c in page.courses)
        if page.courses:
            assert page.cursor == page.courses[-1].seq
        cursor = page.cursor
        if not page.has_more:
            break

    assert seen == [f"course-{n}" for n in range(7)]
    assert pages == 3
    assert _page(sessions, cursor, 3).courses == []


def test_republished_course_moves_to_the_end_and_appears_once(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    folders = [kit.course(f"course-{n}") for n in range(3)]
    for folder in folders:
        _publish(sessions, blobs, folder)
    cursor = _page(sessions, 0, 200).cursor
    _edit_title(folders[0], "新的标题")

    _publish(sessions, blobs, folders[0])

    everything = _page(sessions, 0, 200)
    assert [c.id for c in everything.courses] == ["course-1", "course-2", "course-0"]
    changes = _page(sessions, cursor, 200)
    assert [(c.id, c.version, c.title) for c in changes.courses] == [("course-0", 2, "新的标题")]
    assert changes.cursor > cursor


def test_page_carries_what_was_published(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    _publish(sessions, blobs, kit.course("ict-basics"))

    (course,) = _page(sessions, 0, 1).courses

    assert (course.id, course.version, course.title, course.language) == (
        "ict-basics",
        1,
        "信息技术基础",
        "zh-CN",
    )
    assert course.published_at.tzinfo is not None
    items = course.lessons[0].items
    assert [(i.id, i.kind.value) for i in items] == [("intro", "video"), ("notes", "document")]
    assert all(blobs.has(i.asset.sha256) for i in items)
