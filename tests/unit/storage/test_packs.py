"""The database side of a pack import: what this PC has of a pack's courses, and making one
course visible in the caller's transaction."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from storage_helpers import FakeClock, It, Les, course, make_teacher, page

from app.storage import catalog, downloads, packs, progress
from app.storage.db import Database
from app.storage.models import Asset, Course, CourseSignature, Item, Lesson, QueuedDownload
from wire.api import CatalogCourse
from wire.pack import CourseContent, canonical_json


def content_of(catalog_course: CatalogCourse) -> CourseContent:
    return CourseContent.model_validate(catalog_course.model_dump())


def document_of(content: CourseContent) -> bytes:
    return canonical_json(
        {"format": 1, "county": "demo", "course": content.model_dump(mode="json")}
    )


SIGNATURE = '{"alg":"ed25519","key":"0123456789abcdef","signature":"c2ln"}'


def apply(db: Database, content: CourseContent, clock: FakeClock) -> bool:
    with db.write() as session:
        return packs.apply_pack_course(
            session, content, document_of(content), SIGNATURE, clock=clock
        )


def test_local_courses_tell_version_and_whether_every_file_is_here(
    db: Database, clock: FakeClock
) -> None:
    with db.write() as session:
        catalog.apply_catalog_page(
            session,
            page(
                course("half", Les("l1", [It("a"), It("b")]), version=3, seq=7),
                course("whole", Les("l1", [It("c")]), seq=8),
                course("empty", seq=9),
            ),
        )
        catalog.mark_stored(session, It("a").wire().asset.sha256, clock=clock)
        catalog.mark_stored(session, It("c").wire().asset.sha256, clock=clock)
    with db.read_session() as session:
        found = packs.local_courses(session, ["half", "whole", "empty", "unknown"])
    assert found == {
        "half": packs.LocalCourse(version=3, server_seq=7, complete=False),
        "whole": packs.LocalCourse(version=1, server_seq=8, complete=True),
        "empty": packs.LocalCourse(version=1, server_seq=9, complete=True),
    }


def test_a_new_course_appears_with_its_files_stored_its_signature_kept_and_wanted(
    db: Database, clock: FakeClock
) -> None:
    content = content_of(course("c1", Les("l1", [It("v1"), It("v2")]), version=2))
    assert apply(db, content, clock)
    with db.read_session() as session:
        detail = catalog.course_detail(session, "c1")
        signature = session.get(CourseSignature, "c1")
        row = session.get(Course, "c1")
    assert detail is not None and detail.version == 2 and detail.requested
    assert [i.id for i in detail.items] == ["c1/v1", "c1/v2"]
    assert all(i.stored for i in detail.items)
    assert row is not None and row.server_seq == 1 and row.download_requested_at == clock.now
    assert signature is not None and signature.version == 2
    assert signature.document.encode() == document_of(content)
    assert signature.signature == SIGNATURE


def test_a_course_known_from_the_network_leaves_the_download_queue(
    db: Database, clock: FakeClock
) -> None:
    listed = course("c1", Les("l1", [It("v1"), It("v2")]), seq=41)
    with db.write() as session:
        catalog.apply_catalog_page(session, page(listed))
        downloads.enqueue_course(session, "c1", clock=clock)
    clock.advance(hours=1)
    assert apply(db, content_of(listed), clock)
    with db.read_session() as session:
        queued = session.scalar(select(func.count()).select_from(QueuedDownload))
        row = session.get(Course, "c1")
        stored = session.scalars(select(Asset.stored_at)).all()
    assert queued == 0
    assert row is not None and row.server_seq == 41  # the catalog's order is kept
    assert row.download_requested_at == clock.now - timedelta(hours=1)
    assert stored == [clock.now, clock.now]


def test_a_newer_version_here_is_never_downgraded(db: Database, clock: FakeClock) -> None:
    with db.write() as session:
        catalog.apply_catalog_page(session, page(course("c1", Les("l1", [It("new")]), version=5)))
    old = content_of(course("c1", Les("l1", [It("old")]), version=4))
    assert not apply(db, old, clock)
    with db.read_session() as session:
        items = session.scalars(select(Item.id)).all()
        assert session.get(CourseSignature, "c1") is None
        assert session.scalar(select(Course.version)) == 5
    assert items == ["c1/new"]


def test_an_update_replaces_lessons_and_keeps_progress(db: Database, clock: FakeClock) -> None:
    teacher = make_teacher(db)
    assert apply(db, content_of(course("c1", Les("l1", [It("v1"), It("v2")]))), clock)
    with db.write() as session:
        progress.record(session, teacher, "c1/v1", "video.watched", {"ranges": [[0, 5]]})
    newer = course("c1", Les("l9", [It("v1", asset="v1-recut"), It("v3")]), version=2)
    assert apply(db, content_of(newer), clock)
    with db.read_session() as session:
        lessons = session.scalars(select(Lesson.key)).all()
        items = session.scalars(select(Item.id).order_by(Item.position)).all()
        events = progress.events_for(session, teacher, ["c1/v1"])
        signature = session.get(CourseSignature, "c1")
    assert lessons == ["l9"] and items == ["c1/v1", "c1/v3"]
    assert [e.kind for e in events["c1/v1"]] == ["video.watched"]
    assert signature is not None and signature.version == 2


def test_a_course_of_many_files_is_applied_in_chunks(db: Database, clock: FakeClock) -> None:
    many = course("big", Les("l1", [It(f"v{n}") for n in range(1200)]))
    with db.write() as session:
        catalog.apply_catalog_page(session, page(many))
        downloads.enqueue_course(session, "big", clock=clock)
    assert apply(db, content_of(many), clock)
    with db.read_session() as session:
        assert session.scalar(select(func.count()).select_from(QueuedDownload)) == 0
        assert session.scalar(select(func.count()).where(Asset.stored_at.is_(None))) == 0
        found = packs.local_courses(session, ["big"])
    assert found["big"].complete
