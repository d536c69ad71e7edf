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

:func:`peer_plan` lists, before anything is written, the courses on this PC (complete,
being downloaded, or with a signature kept) with whether each can go and why not, what of
each is not on the stick yet, and the stick's free space: what the USB window shows.
:func:`export_courses` can be stopped (``should_stop``): it stops between two chunks of a
file, leaves nothing half-written, and the index lists the courses completed.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError
from sqlalchemy import case, func, or_, select

from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.models import Asset, Course, CourseSignature, Item
from wire.pack import (
    CourseDocument,
    PackError,
    SignatureFile,
    blob_relpath,
    course_relpath,
    load_model,
    pack_path,
    pack_root_for_writing,
    read_index,
    verify_document,
)
from wire.pack_courses import CopyProgress, PackCourse, PackReport, write_courses
from wire.pack_writer import PackWriteError, PackWriter


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
    """What :func:`export_courses` did: ``report`` is ``None`` when no course could go.

    ``stopped``: ``should_stop`` stopped it; ``report`` then lists the courses completed
    (its file counts are of the files finished before the stop).
    """

    report: PackReport | None
    refused: list[RefusedCourse] = field(default_factory=list)
    stopped: bool = False


@dataclass(frozen=True)
class PeerCourse:
    """A course on this PC as the peer-copy window lists it.

    Attributes:
        refusal: why it cannot go (``None``: it can).
        size: the bytes of its distinct files.
        new_files: its files (sha256, size) not on the stick yet (all of them, for a course
            that cannot go).
        on_stick: the stick already holds this version (or a newer one) with every file.
    """

    course_id: str
    title: str
    version: int
    size: int
    refusal: Refusal | None = None
    detail: str = ""
    new_files: tuple[tuple[str, int], ...] = ()
    on_stick: bool = False

    @property
    def new_bytes(self) -> int:
        return sum(size for _, size in self.new_files)


@dataclass(frozen=True)
class PeerPlan:
    """What copying this PC's courses to a stick would do (see :func:`peer_plan`).

    Attributes:
        pack_root: where the pack goes (``wire.pack.pack_root_for_writing``).
        courses: the courses that can go first, then the others, each by title.
        free_bytes: the stick's free space (0 when it cannot be measured).
    """

    pack_root: Path
    courses: list[PeerCourse]
    free_bytes: int

    def passable(self) -> list[str]:
        return [c.course_id for c in self.courses if c.refusal is None]

    def new_bytes(self, course_ids: Sequence[str]) -> int:
        """The bytes ``course_ids`` would add to the stick (a file two courses share, once)."""
        chosen = set(course_ids)
        files = {f for c in self.courses if c.course_id in chosen for f in c.new_files}
        return sum(size for _, size in files)

    def shortfall(self, course_ids: Sequence[str]) -> int:
        """How many bytes to free on the stick for ``course_ids`` (0 or less: they fit).

        A little more than the files is asked for: folders and the course documents take
        room too, and filesystems round every file up.
        """
        chosen = set(course_ids)
        files = {f for c in self.courses if c.course_id in chosen for f in c.new_files}
        if not files:
            return 0
        needed = sum(size for _, size in files) + len(files) * _CLUSTER + _SLACK
        return needed - self.free_bytes


#: Room asked for beyond the files themselves: a cluster per file, and the documents.
_CLUSTER = 64 * 1024
_SLACK = 1024 * 1024


class _Stopped(Exception):
    """Raised into the writer's loop when ``should_stop`` says so."""


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
    should_stop: Callable[[], bool] | None = None,
) -> PeerExport:
    """Writes (or tops up) the pack at ``out`` with ``course_ids`` from this PC.

    Args:
        trusted: the county profile's keys; when given, a course signed by another key is
            refused here rather than by the PC it is carried to.
        should_stop: asked before each file and after each chunk copied; when it returns
            true the copy stops (the half-copied file is removed), the index is rebuilt
            from the courses completed, and :attr:`PeerExport.stopped` is set.

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
    if should_stop is None:
        report = write_courses(writer, courses, content_store.blobs.path, on_progress)
    else:
        try:
            report = _write_stoppable(writer, courses, content_store, on_progress, should_stop)
        except _Stopped:
            return PeerExport(_completed(writer, courses), refused, stopped=True)
    refused += [RefusedCourse(cid, Refusal.COPY_FAILED, why) for cid, why in report.failed]
    return PeerExport(report, refused)


def _write_stoppable(
    writer: PackWriter,
    courses: list[PackCourse],
    content_store: ContentStore,
    on_progress: Callable[[CopyProgress], None] | None,
    should_stop: Callable[[], bool],
) -> PackReport:
    # write_courses has no stop of its own: an exception raised from its source lookup (before
    # each file) or its progress callback (after each chunk) leaves it; add_blob removes the
    # half-copied file on the way out, and add_course is never reached for that course.
    def source(sha256: str) -> Path:
        if should_stop():
            raise _Stopped
        return content_store.blobs.path(sha256)

    def progress(update: CopyProgress) -> None:
        if on_progress is not None:
            on_progress(update)
        if should_stop():
            raise _Stopped

    return write_courses(writer, courses, source, progress)


def _completed(writer: PackWriter, courses: list[PackCourse]) -> PackReport:
    """After a stop: the index rebuilt, and the courses the stick now holds at their version."""
    with suppress(PackWriteError, PackError, OSError):
        writer.finish()
    report = PackReport(writer.root)
    for course in courses:
        if writer.existing_version(course.content.id) == course.content.version:
            report.written.append(course.content.id)
    return report


def peer_plan(
    db: Database,
    content_store: ContentStore,
    folder: Path,
    *,
    trusted: Sequence[Ed25519PublicKey] = (),
) -> PeerPlan:
    """The courses on this PC and whether each can go to the stick at ``folder``.

    "On this PC": every file here, or some, or asked for (being downloaded), or with the
    county's signature kept; the rest of the catalog is not listed. The stick is only read.
    """
    with db.read_session() as session:
        stored = func.sum(case((Asset.stored_at.is_not(None), 1), else_=0))
        rows = session.execute(
            select(Course.id, Course.title, Course.version)
            .outerjoin(Item, Item.course_id == Course.id)
            .outerjoin(Asset, Asset.sha256 == Item.asset_sha256)
            .outerjoin(CourseSignature, CourseSignature.course_id == Course.id)
            .group_by(Course.id)
            .having(
                or_(
                    func.coalesce(stored, 0) > 0,
                    Course.download_requested_at.is_not(None),
                    func.count(CourseSignature.course_id) > 0,
                )
            )
        ).all()
        sizes: dict[str, dict[str, int]] = {}
        for cid, sha256, size in session.execute(
            select(Item.course_id, Asset.sha256, Asset.size)
            .join(Asset, Asset.sha256 == Item.asset_sha256)
            .where(Item.course_id.in_([r[0] for r in rows]))
        ):
            sizes.setdefault(cid, {})[sha256] = size
    root = pack_root_for_writing(folder)
    stick = _StickFiles(root)
    titles = {cid: title for cid, title, _ in rows}
    courses: list[PeerCourse] = []
    for stored_course in _load(db, list(titles)):
        cid = stored_course.course_id
        version = stored_course.version or 0
        try:
            course, _ = _checked(stored_course, content_store, trusted)
        except _Refused as exc:
            files = sizes.get(cid, {})
            courses.append(
                PeerCourse(
                    cid,
                    titles[cid],
                    version,
                    sum(files.values()),
                    exc.reason,
                    str(exc),
                    tuple(sorted(files.items())),
                )
            )
            continue
        distinct = {a.sha256: a.size for a in course.content.assets()}
        new = tuple(sorted((s, n) for s, n in distinct.items() if not stick.has(s, n)))
        courses.append(
            PeerCourse(
                cid,
                titles[cid],
                version,
                sum(distinct.values()),
                new_files=new,
                on_stick=not new and stick.version(cid) >= version,
            )
        )
    courses.sort(key=lambda c: (c.refusal is not None, c.title, c.course_id))
    return PeerPlan(root, courses, _free(root))


class _StickFiles:
    """What the stick already holds, read once (the index is trusted for display only)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.versions: dict[str, int] = {}
        with suppress(PackError, OSError):
            self.versions = {c.id: c.version for c in read_index(root).courses}

    def version(self, course_id: str) -> int:
        return self.versions.get(course_id, -1)

    def has(self, sha256: str, size: int) -> bool:
        try:
            info = os.lstat(pack_path(self.root, blob_relpath(sha256)))
        except (OSError, PackError):
            return False
        return stat.S_ISREG(info.st_mode) and info.st_size == size


def _free(root: Path) -> int:
    """The free space where ``root`` will be (its nearest existing folder)."""
    for folder in (root, *root.parents):
        try:
            return shutil.disk_usage(folder).free
        except OSError:
            continue
    return 0


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
