"""Publishing a course folder: validate, store its media, record a new version if it changed.

1. The whole folder is checked with :func:`wire.course.load_course_folder`, every
   questionnaire and quiz workbook is converted to its form's JSON (:mod:`server.publish_forms`)
   and every media file is hashed; nothing is written before this succeeds.
2. Media the blob store lacks is copied in (hashed again while copying, so a file that changed
   in between is refused). Each distinct file is stored once, whichever courses use it.
3. One database transaction adds the new assets and a ``course_version`` row, but only when the
   course's content (title, description, language, lessons, items and the sha256 of every file)
   differs from its current version. Publishing an unchanged folder changes nothing. The same
   transaction records each form version not recorded yet (``form_version``).

:func:`publish_form` publishes a form workbook on its own, as a one-item course named after it.

Old versions and their blobs stay, so clients holding an old version keep working. A failure
at any step leaves no new version behind (at worst an unreferenced blob, reused next time).

Raises :class:`wire.course.CourseFormatError` for a folder that cannot be published (a form's
workbook included), :class:`server.xlsform.FormImportError` for a stand-alone workbook that
cannot, and :class:`server.errors.StorageError` for media that cannot be stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from server.db import begin_write
from server.errors import StorageError
from server.models import Asset, Course, CourseVersion
from server.publish_forms import (
    FormAsset,
    check_forms,
    convert_course_forms,
    load_standalone,
    record_forms,
)
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson
from wire.blobs import BlobMismatch, BlobStore, DiskFull, sha256_file
from wire.course import COURSE_FILE, PUBLISHABLE_KINDS, CourseSpec, load_course_folder

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class PublishResult:
    """What :func:`publish_course` did."""

    course_id: str
    version: int
    changed: bool
    items: int
    new_files: int
    new_forms: int = 0

    def describe(self) -> str:
        if not self.changed:
            return f"{self.course_id} unchanged (version {self.version})"
        forms = f", {_plural(self.new_forms, 'new form version')}" if self.new_forms else ""
        return (
            f"published {self.course_id} version {self.version} "
            f"({_plural(self.items, 'item')}, {_plural(self.new_files, 'new file')}{forms})"
        )


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True)
class _Media:
    """An item's asset: a file of the folder, or bytes made from one (a form's JSON)."""

    path: Path
    ref: AssetRef
    data: bytes | None = None


@dataclass(frozen=True)
class PreparedCourse:
    """A course checked and its forms converted, nothing stored yet (see :func:`prepare_course`).

    Attributes:
        course, files: as :func:`wire.course.load_course_folder` returns them.
        forms: the converted form of each questionnaire and quiz item, by item id.
        source: the course folder, or the workbook of a form published on its own.
        standalone: a form published on its own (:func:`prepare_form`).
    """

    course: CourseSpec
    files: dict[str, Path]
    forms: dict[str, FormAsset]
    source: Path
    standalone: bool = False

    def where(self) -> tuple[str, str]:
        """The file and field an error about the course's id names."""
        if self.standalone:
            return str(self.source), ""
        return str(self.source / COURSE_FILE), "id"


def prepare_course(folder: Path) -> PreparedCourse:
    """Checks a course folder and converts its forms, changing nothing.

    Raises:
        CourseFormatError: the folder is not a valid course, or a form's workbook cannot be
            published (the message names the ``course.toml`` item, then sheet, row, column).
    """
    course, files = load_course_folder(folder)
    return PreparedCourse(course, files, convert_course_forms(folder, course, files), folder)


def prepare_form(workbook: Path) -> PreparedCourse:
    """Reads an XLSForm workbook to publish on its own: a course of one lesson and one item,
    all three named by the form's id and titled by its title
    (:func:`server.publish_forms.standalone_course`).

    Raises:
        FormImportError: the workbook cannot be published (sheet, row and column named).
    """
    course, files, forms = load_standalone(workbook)
    return PreparedCourse(course, files, forms, workbook, standalone=True)


def publish_course(
    session: Session,
    blobs: BlobStore,
    folder: Path,
    *,
    clock: Clock = utc_now,
    on_stored: Callable[[AssetRef], None] | None = None,
) -> PublishResult:
    """Publishes the course folder ``folder`` (see the module docstring).

    Args:
        session: a session with no transaction in progress; this function commits.
        blobs: the server's blob store.
        folder: the course folder (``course.toml`` and its media).
        clock: gives ``published_at``; must return an aware datetime.
        on_stored: told each asset once its file is in the blob store (the CLI computes its
            block digests there, so the first download need not wait for them).

    Raises:
        CourseFormatError: the folder is not a valid course, a form's workbook cannot be
            published, or a form breaks a rule of :mod:`server.publish_forms`; nothing was
            changed.
        StorageError: a file could not be stored; nothing was published.
    """
    return publish_prepared(
        session, blobs, prepare_course(folder), clock=clock, on_stored=on_stored
    )


def publish_form(
    session: Session,
    blobs: BlobStore,
    workbook: Path,
    *,
    clock: Clock = utc_now,
    on_stored: Callable[[AssetRef], None] | None = None,
) -> PublishResult:
    """Publishes an XLSForm workbook on its own (see :func:`prepare_form`); arguments as for
    :func:`publish_course`.

    Raises:
        FormImportError: the workbook cannot be published; nothing was changed.
        CourseFormatError: a course folder has the form's id, or the form breaks a rule of
            :mod:`server.publish_forms`; nothing was changed.
        StorageError: the form could not be stored; nothing was published.
    """
    return publish_prepared(
        session, blobs, prepare_form(workbook), clock=clock, on_stored=on_stored
    )


def publish_prepared(
    session: Session,
    blobs: BlobStore,
    prepared: PreparedCourse,
    *,
    clock: Clock = utc_now,
    on_stored: Callable[[AssetRef], None] | None = None,
) -> PublishResult:
    """Publishes what :func:`prepare_course` or :func:`prepare_form` read (the command line
    prepares every folder before publishing any); arguments as for :func:`publish_course`.

    Raises:
        CourseFormatError: a form breaks a rule of :mod:`server.publish_forms`.
        StorageError: a file could not be stored.
    """
    course, files, forms = prepared.course, prepared.files, prepared.forms
    standalone = prepared.standalone
    file, field = prepared.where()
    media = _hash_media(course, files, forms)
    lessons = _catalog_lessons(course, media)
    content_hash = _content_hash(course, lessons)

    def check() -> None:
        check_forms(
            session, course.id, forms.values(), standalone=standalone, file=file, field=field
        )

    with session.begin():  # refused before anything is stored; checked again below
        check()
    for item in media.values():
        _store(blobs, item)
        if on_stored is not None:
            on_stored(item.ref)

    with session.begin():
        begin_write(session)
        check()
        existing = session.get(Course, course.id)
        if existing is not None:
            current = session.scalars(
                select(CourseVersion.content_hash).where(
                    CourseVersion.course_id == course.id,
                    CourseVersion.version == existing.current_version,
                )
            ).one()
            if current == content_hash:
                return PublishResult(course.id, existing.current_version, False, len(files), 0)
        published_at = clock()
        if published_at.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        published_at = published_at.astimezone(UTC)
        new_files = _insert_assets(session, [m.ref for m in media.values()], published_at)
        version = 1 if existing is None else existing.current_version + 1
        if existing is None:
            session.add(
                Course(id=course.id, current_version=1, title=course.title, updated=published_at)
            )
        else:
            existing.current_version = version
            existing.title = course.title
            existing.updated = published_at
        session.flush()  # the course row must exist before its version references it
        session.add(
            CourseVersion(
                course_id=course.id,
                version=version,
                manifest=_manifest_json(course, version, published_at, lessons),
                content_hash=content_hash,
                published_at=published_at,
            )
        )
        new_forms = record_forms(
            session, course.id, forms.values(), published_at, standalone=standalone
        )
    return PublishResult(course.id, version, True, len(files), new_files, new_forms)


def _hash_media(
    course: CourseSpec, files: dict[str, Path], forms: dict[str, FormAsset]
) -> dict[str, _Media]:
    """Hashes each distinct file once; keyed by item id. A form's asset is its JSON."""
    by_path: dict[Path, AssetRef] = {}
    media: dict[str, _Media] = {}
    for lesson in course.lessons:
        for item in lesson.items:
            path = files[item.id]
            form = forms.get(item.id)
            if form is not None:
                media[item.id] = _Media(path, form.ref, form.data)
                continue
            ref = by_path.get(path)
            if ref is None:
                ref = AssetRef(
                    sha256=sha256_file(path),
                    size=path.stat().st_size,
                    media_type=PUBLISHABLE_KINDS[item.kind],
                )
                by_path[path] = ref
            media[item.id] = _Media(path, ref)
    return media


def _store(blobs: BlobStore, item: _Media) -> None:
    if blobs.has(item.ref.sha256):
        return
    try:
        if item.data is None:
            blobs.add_file(item.path, expected_sha256=item.ref.sha256)
        else:
            with blobs.writer(expected_sha256=item.ref.sha256) as out:
                out.write(item.data)
    except BlobMismatch:
        raise StorageError(
            f"{item.path}: changed while it was being published; publish again"
        ) from None
    except DiskFull as exc:
        raise StorageError(f"the disk holding the blob store is full ({exc})") from exc
    except OSError as exc:
        raise StorageError(f"{item.path}: cannot be copied into the blob store: {exc}") from exc


def _catalog_lessons(course: CourseSpec, media: dict[str, _Media]) -> list[CatalogLesson]:
    return [
        CatalogLesson(
            id=lesson.id,
            title=lesson.title,
            items=[
                CatalogItem(id=item.id, kind=item.kind, title=item.title, asset=media[item.id].ref)
                for item in lesson.items
            ],
        )
        for lesson in course.lessons
    ]


def _content_hash(course: CourseSpec, lessons: list[CatalogLesson]) -> str:
    """Hash of everything a learner sees; decides whether a new version is needed."""
    content: dict[str, Any] = {
        "title": course.title,
        "description": course.description,
        "language": course.language,
        **({"preload": True} if course.preload else {}),  # old hashes stay valid
        "lessons": [lesson.model_dump(mode="json") for lesson in lessons],
    }
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _manifest_json(
    course: CourseSpec, version: int, published_at: datetime, lessons: list[CatalogLesson]
) -> str:
    """The version's CatalogCourse as compact JSON, without ``seq`` (drawn on insert) and
    ``signed`` (added by :mod:`server.course_signing`)."""
    document = CatalogCourse(
        id=course.id,
        version=version,
        seq=1,  # placeholder: excluded below, added when a catalog page is served
        title=course.title,
        description=course.description,
        language=course.language,
        published_at=published_at,
        preload=course.preload,
        lessons=lessons,
    )
    data = document.model_dump(mode="json", exclude={"seq", "signed"})
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _insert_assets(session: Session, refs: list[AssetRef], created: datetime) -> int:
    """Adds the assets the database lacks; returns how many were new."""
    unique = {ref.sha256: ref for ref in refs}
    known = set(session.scalars(select(Asset.sha256).where(Asset.sha256.in_(unique))))
    rows = [
        {"sha256": ref.sha256, "size": ref.size, "media_type": ref.media_type, "created": created}
        for sha, ref in unique.items()
        if sha not in known
    ]
    if rows:
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        session.execute(insert(Asset).on_conflict_do_nothing(index_elements=["sha256"]), rows)
    return len(rows)
