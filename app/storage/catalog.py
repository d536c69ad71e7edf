"""The local copy of the county catalog: storing catalog pages, and queries for the UI.

Queries return small frozen dataclasses, never live ORM objects, so the UI can hold them
across threads. Search and paging happen in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.storage import downloads, settings
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.models import Asset, Course, CourseSignature, Item, Lesson
from wire.api import CatalogCourse, CatalogPage


@dataclass(frozen=True)
class CourseRow:
    """One line of the catalog."""

    id: str
    title: str
    description: str
    item_count: int
    ready_count: int
    requested: bool

    @property
    def ready(self) -> bool:
        return self.item_count > 0 and self.ready_count == self.item_count


@dataclass(frozen=True)
class ItemRow:
    id: str
    lesson_title: str
    title: str
    kind: str
    sha256: str
    size: int
    media_type: str
    stored: bool


@dataclass(frozen=True)
class CourseDetail:
    id: str
    title: str
    description: str
    version: int
    requested: bool
    items: tuple[ItemRow, ...]


def item_id(course_id: str, item_key: str) -> str:
    return f"{course_id}/{item_key}"


def apply_catalog_page(session: Session, page: CatalogPage) -> None:
    """Stores one page of catalog changes and its cursor (in the caller's write transaction).

    Committing page by page is the checkpoint: an interrupted refresh resumes from the cursor.
    A course's new version replaces its lessons and items; assets already stored stay stored.
    What a new version of a wanted course adds is queued for download, and so is every course
    the county marks ``preload``. A course's county signature, when the server sent one, is
    kept with it (so the course can go on to a USB pack, signed); a version without one drops
    the previous version's.
    """
    if page.courses:
        _replace_courses(session, page.courses)
        _keep_signatures(session, page.courses)
        ids = [course.id for course in page.courses]
        downloads.enqueue_requested(session, ids)
        for course in page.courses:
            if course.preload:
                downloads.enqueue_course(session, course.id, priority=downloads.PRIORITY_COUNTY)
    settings.put(session, settings.CATALOG_CURSOR, page.cursor)


def _replace_courses(session: Session, courses: list[CatalogCourse]) -> None:
    ids = [c.id for c in courses]
    session.execute(delete(Item).where(Item.course_id.in_(ids)))
    session.execute(delete(Lesson).where(Lesson.course_id.in_(ids)))
    course_rows = [
        {
            "id": c.id,
            "version": c.version,
            "server_seq": c.seq,
            "title": c.title,
            "description": c.description,
            "language": c.language,
            "published_at": naive_utc(c.published_at),
        }
        for c in courses
    ]
    stmt = sqlite_insert(Course)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["id"],
            set_={k: stmt.excluded[k] for k in course_rows[0] if k != "id"},
        ),
        course_rows,
    )
    assets: dict[str, dict[str, Any]] = {}
    lesson_rows: list[dict[str, Any]] = []
    for c in courses:
        for lp, lesson in enumerate(c.lessons):
            lesson_rows.append(
                {"course_id": c.id, "key": lesson.id, "position": lp, "title": lesson.title}
            )
            for item in lesson.items:
                assets[item.asset.sha256] = {
                    "sha256": item.asset.sha256,
                    "size": item.asset.size,
                    "media_type": item.asset.media_type,
                }
    if assets:
        session.execute(sqlite_insert(Asset).on_conflict_do_nothing(), list(assets.values()))
    if not lesson_rows:
        return
    session.execute(sqlite_insert(Lesson), lesson_rows)
    lesson_ids = {
        (course_id, key): lid
        for lid, course_id, key in session.execute(
            select(Lesson.id, Lesson.course_id, Lesson.key).where(Lesson.course_id.in_(ids))
        )
    }
    item_rows = [
        {
            "id": item_id(c.id, item.id),
            "course_id": c.id,
            "lesson_id": lesson_ids[(c.id, lesson.id)],
            "lesson_position": lp,
            "position": ip,
            "kind": item.kind.value,
            "title": item.title,
            "asset_sha256": item.asset.sha256,
        }
        for c in courses
        for lp, lesson in enumerate(c.lessons)
        for ip, item in enumerate(lesson.items)
    ]
    if item_rows:  # a signed pack document may hold a lesson without items
        session.execute(sqlite_insert(Item), item_rows)


def _keep_signatures(session: Session, courses: list[CatalogCourse]) -> None:
    ids = [c.id for c in courses]
    session.execute(delete(CourseSignature).where(CourseSignature.course_id.in_(ids)))
    rows = [
        {
            "course_id": c.id,
            "version": c.version,
            "document": document.decode("utf-8"),
            "signature": c.signed.model_dump_json(exclude={"county"}),
        }
        for c in courses
        if c.signed is not None and (document := c.signed_document()) is not None
    ]
    if rows:
        session.execute(sqlite_insert(CourseSignature), rows)


def _course_rows_query(search: str) -> Any:
    ready = func.sum(case((Asset.stored_at.is_not(None), 1), else_=0))
    query = (
        select(
            Course.id,
            Course.title,
            Course.description,
            func.count(Item.id),
            func.coalesce(ready, 0),
            Course.download_requested_at.is_not(None),
        )
        .outerjoin(Item, Item.course_id == Course.id)
        .outerjoin(Asset, Asset.sha256 == Item.asset_sha256)
        .group_by(Course.id)
        .order_by(Course.title, Course.id)
    )
    words = search.split()
    for word in words:
        # LIKE is case-insensitive for ASCII in SQLite; autoescape keeps % and _ literal.
        query = query.where(
            or_(
                Course.title.contains(word, autoescape=True),
                Course.description.contains(word, autoescape=True),
            )
        )
    return query


def list_courses(
    session: Session, search: str = "", offset: int = 0, limit: int = 200
) -> list[CourseRow]:
    """One page of the catalog, sorted by title, optionally filtered by words in title or text."""
    rows = session.execute(_course_rows_query(search).offset(offset).limit(limit))
    return [CourseRow(*row) for row in rows]


def course_row(session: Session, course_id: str) -> CourseRow | None:
    """One course's catalog line (to redraw it after a download)."""
    row = session.execute(_course_rows_query("").where(Course.id == course_id)).first()
    return CourseRow(*row) if row else None


def count_courses(session: Session, search: str = "") -> int:
    sub = _course_rows_query(search).subquery()
    return int(session.scalar(select(func.count()).select_from(sub)) or 0)


def course_detail(session: Session, course_id: str) -> CourseDetail | None:
    course = session.get(Course, course_id)
    if course is None:
        return None
    rows = session.execute(
        select(
            Item.id,
            Lesson.title,
            Item.title,
            Item.kind,
            Asset.sha256,
            Asset.size,
            Asset.media_type,
            Asset.stored_at.is_not(None),
        )
        .join(Lesson, Lesson.id == Item.lesson_id)
        .join(Asset, Asset.sha256 == Item.asset_sha256)
        .where(Item.course_id == course_id)
        .order_by(Item.lesson_position, Item.position)
    )
    return CourseDetail(
        id=course.id,
        title=course.title,
        description=course.description,
        version=course.version,
        requested=course.download_requested_at is not None,
        items=tuple(ItemRow(*row) for row in rows),
    )


def request_download(session: Session, course_id: str, *, clock: Clock = utc_now) -> None:
    session.execute(
        update(Course)
        .where(Course.id == course_id, Course.download_requested_at.is_(None))
        .values(download_requested_at=clock())
    )


@dataclass(frozen=True)
class MissingAsset:
    sha256: str
    size: int
    media_type: str


def missing_assets(session: Session, course_id: str | None = None) -> list[MissingAsset]:
    """Assets of requested courses (or of one course) not yet in the content store."""
    query = (
        select(Asset.sha256, Asset.size, Asset.media_type)
        .join(Item, Item.asset_sha256 == Asset.sha256)
        .join(Course, Course.id == Item.course_id)
        .where(Asset.stored_at.is_(None))
        .distinct()
        .order_by(Asset.sha256)
    )
    if course_id is not None:
        query = query.where(Course.id == course_id)
    else:
        query = query.where(Course.download_requested_at.is_not(None))
    return [MissingAsset(*row) for row in session.execute(query)]


def mark_stored(session: Session, sha256: str, *, clock: Clock = utc_now) -> None:
    session.execute(update(Asset).where(Asset.sha256 == sha256).values(stored_at=clock()))


def mark_missing(session: Session, sha256: str) -> None:
    session.execute(update(Asset).where(Asset.sha256 == sha256).values(stored_at=None))
