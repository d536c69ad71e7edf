"""The database side of importing a USB content pack (:mod:`app.sync.pack_import`).

Three things: what this PC already has of the courses a pack offers (:func:`local_courses`),
making one course visible once all its files are in the content store
(:func:`apply_pack_course`), and keeping the county's signature of a course this PC already has
at the same version but received unsigned (:func:`unsigned_courses`, :func:`keep_signature`),
so that it can be passed on in a peer pack. The copying, the signatures and the durability of
the files are :mod:`app.sync.pack_import`'s business; this module only writes rows, in the
caller's write transaction, so a course and everything about it appear together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import and_, case, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.storage.catalog import _replace_courses
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.models import Asset, Course, CourseSignature, Item, Lesson, QueuedDownload
from wire.pack import CourseContent

#: Ids or hashes per ``IN (...)`` clause: well under SQLite's limit on bound variables.
_IN_CHUNK = 500

T = TypeVar("T")


@dataclass(frozen=True)
class LocalCourse:
    """What this PC has of a course.

    Attributes:
        version: the version in the local catalog (from the network or an earlier pack).
        server_seq: the county catalog's sequence of that version (kept when a pack brings the
            same or a newer version, so the catalog order stays the server's).
        complete: every item's file is recorded as stored (an empty course counts as complete).
    """

    version: int
    server_seq: int
    complete: bool


def _chunks(values: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def local_courses(session: Session, course_ids: Iterable[str]) -> dict[str, LocalCourse]:
    """The courses of ``course_ids`` this PC knows, by id (the others are absent)."""
    ids = list(dict.fromkeys(course_ids))
    not_stored = and_(Item.id.is_not(None), Asset.stored_at.is_(None))
    missing = func.coalesce(func.sum(case((not_stored, 1), else_=0)), 0)
    found: dict[str, LocalCourse] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Course.id, Course.version, Course.server_seq, missing)
            .outerjoin(Item, Item.course_id == Course.id)
            .outerjoin(Asset, Asset.sha256 == Item.asset_sha256)
            .where(Course.id.in_(chunk))
            .group_by(Course.id)
        )
        for course_id, version, seq, unstored in rows:
            found[course_id] = LocalCourse(int(version), int(seq), int(unstored) == 0)
    return found


def apply_pack_course(
    session: Session,
    content: CourseContent,
    document: bytes,
    signature: str,
    *,
    clock: Clock = utc_now,
) -> bool:
    """Makes a pack's course visible, in the caller's write transaction.

    Call it only once every asset of ``content`` is durable in the content store. The course's
    lessons and items are replaced (item ids are stable across versions, so progress carries
    over), its assets are recorded as stored and leave the download queue, the signed document
    is kept (so the course can be copied on to another PC's pack), and the course is marked as
    wanted on this PC, so a newer version arriving over the network is queued for download.

    Args:
        content: the verified course (:class:`wire.pack.VerifiedCourse`'s ``content``).
        document: the signed bytes, as they were in the pack.
        signature: the signature file's JSON (``SignatureFile.model_dump_json()``).

    Returns:
        False, and nothing is written, when this PC already has a newer version (a pack never
        downgrades a course).
    """
    existing = session.execute(
        select(Course.version, Course.server_seq).where(Course.id == content.id)
    ).first()
    if existing is not None and existing.version > content.version:
        return False
    _replace_courses(session, [content.catalog_course(existing.server_seq if existing else 0)])
    now = clock()
    shas = [asset.sha256 for asset in content.assets()]
    for chunk in _chunks(shas):
        session.execute(
            update(Asset)
            .where(Asset.sha256.in_(chunk), Asset.stored_at.is_(None))
            .values(stored_at=now)
        )
        session.execute(delete(QueuedDownload).where(QueuedDownload.sha256.in_(chunk)))
    session.execute(
        update(Course)
        .where(Course.id == content.id, Course.download_requested_at.is_(None))
        .values(download_requested_at=now)
    )
    _store_signature(session, content, document, signature)
    return True


def unsigned_courses(session: Session, course_ids: Iterable[str]) -> set[str]:
    """Those of ``course_ids`` this PC has without a county signature for the version it has
    (none kept, or one kept for another version): candidates for :func:`keep_signature`."""
    ids = list(dict.fromkeys(course_ids))
    found: set[str] = set()
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Course.id)
            .outerjoin(
                CourseSignature,
                and_(
                    CourseSignature.course_id == Course.id,
                    CourseSignature.version == Course.version,
                ),
            )
            .where(Course.id.in_(chunk), CourseSignature.course_id.is_(None))
        )
        found.update(course_id for (course_id,) in rows)
    return found


def keep_signature(
    session: Session, content: CourseContent, document: bytes, signature: str
) -> bool:
    """Keeps a pack's signed document for a course this PC already has, unsigned, at the same
    version and with the same content; copies nothing and changes nothing else.

    A course that came from a server without the county key has no signature here, so it
    could never go on to another PC's pack; a county pack carrying it fixes that. "The same
    content" is what this PC shows of the course and what the signed document says of it:
    title, description, language, publication time, lessons and items in order (key, kind,
    title, file and size). The ``preload`` flag is not kept here, so it is not compared. When
    anything differs, the signature is not this course's and is not kept.

    Args:
        content: the verified course (:class:`wire.pack.VerifiedCourse`'s ``content``).
        document: the signed bytes, as they were in the pack.
        signature: the signature file's JSON (``SignatureFile.model_dump_json()``).

    Returns:
        Whether the signature was kept: False when the course is not here at this version,
        already has a signature for it, or differs from the signed document.
    """
    if content.id not in unsigned_courses(session, [content.id]):
        return False
    if _local_shape(session, content.id) != _shape_of(content):
        return False
    _store_signature(session, content, document, signature)
    return True


#: A course as this PC shows it: (version, title, description, language, published_at,
#: lessons as (key, title, items as (key, kind, title, sha256, size))).
_Shape = tuple[object, ...]


def _shape_of(content: CourseContent) -> _Shape:
    lessons = tuple(
        (
            lesson.id,
            lesson.title,
            tuple(
                (item.id, item.kind.value, item.title, item.asset.sha256, item.asset.size)
                for item in lesson.items
            ),
        )
        for lesson in content.lessons
    )
    return (
        content.version,
        content.title,
        content.description,
        content.language,
        naive_utc(content.published_at),
        lessons,
    )


def _local_shape(session: Session, course_id: str) -> _Shape | None:
    course = session.get(Course, course_id)
    if course is None:
        return None
    items: dict[int, list[tuple[object, ...]]] = {}
    prefix = f"{course_id}/"
    for lesson_id, item_id, kind, title, sha256, size in session.execute(
        select(Item.lesson_id, Item.id, Item.kind, Item.title, Item.asset_sha256, Asset.size)
        .join(Asset, Asset.sha256 == Item.asset_sha256)
        .where(Item.course_id == course_id)
        .order_by(Item.lesson_position, Item.position)
    ):
        items.setdefault(lesson_id, []).append(
            (item_id.removeprefix(prefix), kind, title, sha256, size)
        )
    lessons = tuple(
        (key, title, tuple(items.get(lesson_id, ())))
        for lesson_id, key, title in session.execute(
            select(Lesson.id, Lesson.key, Lesson.title)
            .where(Lesson.course_id == course_id)
            .order_by(Lesson.position)
        )
    )
    return (
        course.version,
        course.title,
        course.description,
        course.language,
        naive_utc(course.published_at),
        lessons,
    )


def _store_signature(
    session: Session, content: CourseContent, document: bytes, signature: str
) -> None:
    stmt = sqlite_insert(CourseSignature).values(
        course_id=content.id,
        version=content.version,
        document=document.decode("utf-8"),
        signature=signature,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["course_id"],
            set_={k: stmt.excluded[k] for k in ("version", "document", "signature")},
        )
    )
