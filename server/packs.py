"""Exporting courses to a USB pack (``python -m server export-pack``).

Each course goes on the stick at its current version: its document is
:func:`wire.pack.course_document_bytes` of the stored manifest for the county, signed with the
county key (Ed25519 signatures are deterministic: the same bytes the catalog's signature
covers, the same signature). Blobs come from the server's blob store; only those the stick
lacks are copied, so running the export again on the same stick tops it up. The writing
itself, its order and its guarantees are :mod:`wire.pack_writer`'s.

Every course id is checked before anything is written: one unknown id and the stick is not
touched.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from server import __version__
from server.errors import NotFoundError
from server.models import Course, CourseVersion
from wire.blobs import BlobStore
from wire.pack import CourseContent, course_document_bytes, sign_document
from wire.pack_courses import CopyProgress, PackCourse, PackReport, write_courses
from wire.pack_writer import PackWriter

WRITTEN_BY = f"Lamplight county server {__version__}"


class UnknownCourseError(NotFoundError):
    """A course id named for export was never published here."""


def signed_courses(
    session: Session, course_ids: Sequence[str] | None, key: Ed25519PrivateKey, county: str
) -> list[PackCourse]:
    """The current version of each course (every course when ``course_ids`` is ``None``),
    signed for ``county``, in the order asked (by id for all).

    Raises:
        UnknownCourseError: an id was never published (all such ids are named), or nothing
            is published at all.
    """
    query = select(CourseVersion.course_id, CourseVersion.manifest).join(
        Course,
        and_(
            Course.id == CourseVersion.course_id,
            Course.current_version == CourseVersion.version,
        ),
    )
    if course_ids is not None:
        query = query.where(CourseVersion.course_id.in_(set(course_ids)))
    with session.begin():
        manifests: dict[str, str] = {cid: text for cid, text in session.execute(query)}
    if course_ids is None:
        if not manifests:
            raise UnknownCourseError("no course is published yet: publish one first")
        course_ids = sorted(manifests)
    unknown = [cid for cid in dict.fromkeys(course_ids) if cid not in manifests]
    if unknown:
        raise UnknownCourseError(
            f"no published course {', '.join(repr(c) for c in unknown)} on this server"
        )
    courses = []
    for course_id in dict.fromkeys(course_ids):
        manifest = json.loads(manifests[course_id])
        document = course_document_bytes(county, manifest)
        courses.append(
            PackCourse(
                document=document,
                signature=sign_document(key, document),
                content=CourseContent.model_validate(manifest),
            )
        )
    return courses


def export_pack(
    session: Session,
    blobs: BlobStore,
    out: Path,
    course_ids: Sequence[str] | None,
    key: Ed25519PrivateKey,
    county: str,
    on_progress: Callable[[CopyProgress], None] | None = None,
    *,
    verify: bool = False,
    written_by: str = WRITTEN_BY,
) -> PackReport:
    """Writes (or tops up) the pack at ``out`` with the named courses (``None``: all).

    Args:
        session: a session with no transaction in progress.
        verify: hash the blobs already on the stick rather than trusting their size, and
            replace any that are damaged.

    Returns:
        What was written; a course whose blob in the blob store is missing or damaged is in
        ``failed`` (the others are written).

    Raises:
        UnknownCourseError: before the stick is touched.
        wire.pack.PackError: the folder holds another county's or a newer pack, or other files.
        wire.pack_writer.PackFull, PackWriteError: the stick is full or cannot be written.
    """
    courses = signed_courses(session, course_ids, key, county)
    writer = PackWriter.open(out, county, written_by=written_by, verify=verify)
    return write_courses(writer, courses, blobs.path, on_progress)
