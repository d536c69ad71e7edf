"""Peer copy: a USB pack written from this PC's own content, for another PC.

A course goes on the stick with the county's signed document and signature exactly as this
PC received them (``course_signature``: from a pack, or from the catalog when the server
signs), so the other PC checks the county's signature as for a pack made by the county. Its
files come from the content store, hashed again while copied. The county the pack is for is
the one the documents name.

A course is refused, with a reason naming it, when it cannot travel intact: not on this PC,
no county signature kept for it, a signature for another version than the one here, not
signed by a key of this PC's county profile (when one is given), or not all its files here.
Nothing of a refused course is written; the others are. Writing is :mod:`wire.pack_writer`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from sqlalchemy import select

from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.models import Course, CourseSignature
from wire.pack import (
    CourseDocument,
    PackError,
    SignatureFile,
    course_relpath,
    load_model,
    verify_document,
)
from wire.pack_courses import CopyProgress, PackCourse, PackReport, write_courses
from wire.pack_writer import PackWriter


class Refusal(StrEnum):
    """Why a course was not put on the stick; the UI words each for teachers."""

    NOT_HERE = "not_here"  # no such course on this PC
    UNSIGNED = "unsigned"  # no county signature kept for it
    OLD_SIGNATURE = "old_signature"  # the signature is of another version than the one here
    NOT_TRUSTED = "not_trusted"  # not signed by a key of this PC's county profile
    OTHER_COUNTY = "other_county"  # signed for another county than the pack's
    FILES_MISSING = "files_missing"  # not all its files are on this PC
    COPY_FAILED = "copy_failed"  # a file was damaged or unreadable while copying


@dataclass(frozen=True)
class RefusedCourse:
    course_id: str
    reason: Refusal
    detail: str


@dataclass
class PeerExport:
    """What :func:`export_courses` did: ``report`` is ``None`` when no course could go."""

    report: PackReport | None
    refused: list[RefusedCourse] = field(default_factory=list)


@dataclass(frozen=True)
class _Stored:
    course_id: str
    version: int | None  # None: no such course here
    signature: CourseSignature | None


def export_courses(
    db: Database,
    content_store: ContentStore,
    out: Path,
    course_ids: Sequence[str],
    on_progress: Callable[[CopyProgress], None] | None = None,
    *,
    trusted: Sequence[Ed25519PublicKey] = (),
    written_by: str = "",
) -> PeerExport:
    """Writes (or tops up) the pack at ``out`` with ``course_ids`` from this PC.

    Args:
        trusted: the county profile's keys; when given, a course signed by another key is
            refused here rather than by the PC it is carried to.

    Raises:
        wire.pack.PackError: the folder holds another county's or a newer pack, or other
            files; nothing was written.
        wire.pack_writer.PackFull, PackWriteError: the stick is full or cannot be written;
            the courses completed before are in the pack and its index.
    """
    refused: list[RefusedCourse] = []
    courses: list[PackCourse] = []
    county = ""
    for stored in _load(db, course_ids):
        try:
            course, doc_county = _checked(stored, content_store, trusted)
        except _Refused as exc:
            refused.append(RefusedCourse(stored.course_id, exc.reason, str(exc)))
            continue
        county = county or doc_county
        if doc_county != county:
            refused.append(
                RefusedCourse(
                    stored.course_id,
                    Refusal.OTHER_COUNTY,
                    f"course {stored.course_id} is signed for county {doc_county!r}; the "
                    f"other courses for {county!r} (put it on another stick)",
                )
            )
            continue
        courses.append(course)
    if not courses:
        return PeerExport(None, refused)
    writer = PackWriter.open(out, county, written_by=written_by)
    report = write_courses(writer, courses, content_store.blobs.path, on_progress)
    refused += [RefusedCourse(cid, Refusal.COPY_FAILED, why) for cid, why in report.failed]
    return PeerExport(report, refused)


class _Refused(Exception):
    def __init__(self, reason: Refusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def _load(db: Database, course_ids: Sequence[str]) -> list[_Stored]:
    ids = list(dict.fromkeys(course_ids))
    with db.read_session() as session:
        versions: dict[str, int] = {
            cid: version
            for cid, version in session.execute(
                select(Course.id, Course.version).where(Course.id.in_(ids))
            )
        }
        signatures = {
            row.course_id: row
            for row in session.scalars(
                select(CourseSignature).where(CourseSignature.course_id.in_(ids))
            )
        }
    return [_Stored(cid, versions.get(cid), signatures.get(cid)) for cid in ids]


def _checked(
    stored: _Stored, content_store: ContentStore, trusted: Sequence[Ed25519PublicKey]
) -> tuple[PackCourse, str]:
    """The course ready to write, and the county it is signed for.

    Raises:
        _Refused: why it cannot go.
    """
    cid = stored.course_id
    if stored.version is None:
        raise _Refused(Refusal.NOT_HERE, f"there is no course {cid!r} on this PC")
    row = stored.signature
    if row is None:
        raise _Refused(
            Refusal.UNSIGNED,
            f"course {cid} came to this PC without the county's signature, so another PC "
            "could not trust it; it can only be copied from a county pack or a server that signs",
        )
    if row.version != stored.version:
        raise _Refused(
            Refusal.OLD_SIGNATURE,
            f"course {cid}: this PC has version {stored.version}, but the county's signature "
            f"kept is for version {row.version}",
        )
    document = row.document.encode("utf-8")
    try:
        parsed = load_model(CourseDocument, document, course_relpath(cid))
        signature = SignatureFile.model_validate_json(row.signature)
    except (PackError, ValidationError) as exc:
        raise _Refused(
            Refusal.UNSIGNED, f"course {cid}: the county's signature kept is damaged ({exc})"
        ) from None
    if parsed.course.id != cid or parsed.course.version != row.version:
        raise _Refused(
            Refusal.UNSIGNED, f"course {cid}: the signed document kept is of another course"
        )
    if trusted:
        try:
            verify_document(document, signature, list(trusted), course=cid)
        except PackError as exc:
            raise _Refused(Refusal.NOT_TRUSTED, str(exc)) from None
    assets = parsed.course.assets()
    absent = [a for a in assets if not _stored(content_store, a.sha256, a.size)]
    if absent:
        raise _Refused(
            Refusal.FILES_MISSING,
            f"course {cid}: {len(absent)} of its {len(assets)} files are not on this PC "
            "(download the course first)",
        )
    return PackCourse(document, signature, parsed.course), parsed.county


def _stored(content_store: ContentStore, sha256: str, size: int) -> bool:
    try:
        return content_store.blobs.path(sha256).stat().st_size == size
    except OSError:
        return False
