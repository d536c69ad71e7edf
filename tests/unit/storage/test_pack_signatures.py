"""A course here unsigned takes a pack's county signature (app.storage.packs.keep_signature)
only when it is here at that version with the very content the signed document describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from storage_helpers import FakeClock, It, Les, course, page

from app.storage import catalog, downloads, packs
from app.storage.db import Database
from app.storage.models import Course, CourseSignature, Item, Lesson, QueuedDownload
from wire.api import CatalogCourse
from wire.pack import CourseContent, canonical_json

SIGNATURE = '{"alg":"ed25519","key":"0123456789abcdef","signature":"c2ln"}'
OLD_SIGNATURE = '{"alg":"ed25519","key":"0123456789abcdef","signature":"b2xk"}'

HERE = course(
    "c1",
    Les("l1", [It("a"), It("b", kind="document")]),
    Les("l2", [It("c")]),
    version=2,
    seq=5,
    title="数学课堂",
    description="说明",
)


def content_of(catalog_course: CatalogCourse, **changes: object) -> CourseContent:
    return CourseContent.model_validate({**catalog_course.model_dump(), **changes})


def document_of(content: CourseContent) -> bytes:
    return canonical_json(
        {"format": 1, "county": "demo", "course": content.model_dump(mode="json")}
    )


def keep(db: Database, content: CourseContent) -> bool:
    with db.write() as session:
        return packs.keep_signature(session, content, document_of(content), SIGNATURE)


def signature_row(db: Database) -> tuple[int, str, str] | None:
    with db.read_session() as session:
        row = session.get(CourseSignature, "c1")
        return None if row is None else (row.version, row.document, row.signature)


def rows(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """What a teacher sees of the course and the queue (to check that nothing else moves)."""
    with db.read_session() as session:
        return {
            "course": [tuple(r) for r in session.execute(select(Course.__table__))],
            "lesson": [tuple(r) for r in session.execute(select(Lesson.__table__))],
            "item": [tuple(r) for r in session.execute(select(Item.__table__))],
            "queue": [tuple(r) for r in session.execute(select(QueuedDownload.__table__))],
        }


@pytest.fixture
def unsigned_here(db: Database, clock: FakeClock) -> None:
    """c1 v2 as a server without the county key sends it, queued for download."""
    with db.write() as session:
        catalog.apply_catalog_page(session, page(HERE))
        downloads.enqueue_course(session, "c1", clock=clock)


def test_a_course_here_unsigned_keeps_the_signature_and_nothing_else_changes(
    db: Database, unsigned_here: None
) -> None:
    with db.read_session() as session:
        assert packs.unsigned_courses(session, ["c1", "nowhere"]) == {"c1"}
    before = rows(db)
    content = content_of(HERE)
    assert keep(db, content)
    assert signature_row(db) == (2, document_of(content).decode(), SIGNATURE)
    assert rows(db) == before  # no course, lesson, item or queue row touched
    with db.read_session() as session:
        assert packs.unsigned_courses(session, ["c1"]) == set()


def test_an_aware_publication_time_in_another_zone_is_the_same_time(
    db: Database, unsigned_here: None
) -> None:
    shifted = HERE.published_at.astimezone(timezone(timedelta(hours=8)))
    assert keep(db, content_of(HERE, published_at=shifted))


def test_a_signature_kept_for_this_version_is_left_as_it_is(
    db: Database, unsigned_here: None
) -> None:
    content = content_of(HERE)
    with db.write() as session:
        session.add(
            CourseSignature(course_id="c1", version=2, document="{}", signature=OLD_SIGNATURE)
        )
    assert not keep(db, content)
    assert signature_row(db) == (2, "{}", OLD_SIGNATURE)


def test_a_signature_of_an_older_version_is_replaced(db: Database, unsigned_here: None) -> None:
    with db.write() as session:
        session.add(
            CourseSignature(course_id="c1", version=1, document="{}", signature=OLD_SIGNATURE)
        )
    content = content_of(HERE)
    assert keep(db, content)
    assert signature_row(db) == (2, document_of(content).decode(), SIGNATURE)


@pytest.mark.parametrize(
    "changes",
    [
        {"title": "另一门课"},
        {"description": "另一个说明"},
        {"language": "en"},
        {"published_at": datetime(2026, 3, 2, tzinfo=UTC)},
        {
            "lessons": [
                Les("l2", [It("c")]).wire(),
                Les("l1", [It("a"), It("b", kind="document")]).wire(),
            ]
        },
        {"lessons": [Les("l1", [It("a"), It("b", kind="document")]).wire()]},
        {"lessons": [Les("l1", [It("a"), It("b")]).wire(), Les("l2", [It("c")]).wire()]},
        {
            "lessons": [
                Les("l1", [It("b", kind="document"), It("a")]).wire(),
                Les("l2", [It("c")]).wire(),
            ]
        },
        {
            "lessons": [
                Les("l1", [It("a"), It("b", kind="document")]).wire(),
                Les("l2", [It("c", asset="other")]).wire(),
            ]
        },
        {
            "lessons": [
                Les("l1", [It("a"), It("b", kind="document")]).wire(),
                Les("l2", [It("c", size=999)]).wire(),
            ]
        },
        {
            "lessons": [
                Les("l1", [It("a"), It("b", kind="document")]).wire(),
                Les("l2", [It("c", title="改了")]).wire(),
            ]
        },
        {
            "lessons": [
                Les("l1", [It("a"), It("b", kind="document")], title="改了").wire(),
                Les("l2", [It("c")]).wire(),
            ]
        },
    ],
    ids=[
        "title",
        "description",
        "language",
        "published_at",
        "lesson order",
        "a lesson fewer",
        "item kind",
        "item order",
        "item file",
        "file size",
        "item title",
        "lesson title",
    ],
)
def test_a_course_whose_content_differs_at_the_same_version_keeps_no_signature(
    db: Database, unsigned_here: None, changes: dict[str, object]
) -> None:
    before = rows(db)
    assert not keep(db, content_of(HERE, **changes))
    assert signature_row(db) is None
    assert rows(db) == before


def test_another_version_or_an_absent_course_keeps_no_signature(
    db: Database, unsigned_here: None
) -> None:
    assert not keep(db, content_of(HERE, version=1))
    assert not keep(db, content_of(HERE, version=3))
    assert not keep(db, content_of(HERE, id="c2"))
    assert signature_row(db) is None
    with db.read_session() as session:
        assert session.get(Course, "c2") is None


def test_an_empty_course_here_unsigned_keeps_it_too(db: Database) -> None:
    empty = course("c1", version=1, seq=1)
    with db.write() as session:
        catalog.apply_catalog_page(session, page(empty))
    assert keep(db, content_of(empty))
    assert signature_row(db) is not None
