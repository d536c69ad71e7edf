"""The client's tables (SQLAlchemy 2 typed declarative). Schema changes go through Alembic.

Courses, lessons, items and assets mirror the county catalog; a new course version replaces the
course's lessons and items (item ids are stable across versions, so progress carries over).
Everything a teacher creates is an append-only log of records (``progress_event``): progress,
answers and profile changes, each with a client-made UUID. Rows are inserted, never deleted; the
sync engine's push cursor, not a flag on the rows, says which were acknowledged by the server.
Timestamps are stored as naive UTC.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ITEM_KINDS = ("video", "document", "quiz", "questionnaire")
GENDERS = ("female", "male", "unspecified")
AGE_BANDS = ("under30", "30to39", "40to49", "50plus")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Course(Base):
    __tablename__ = "course"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    server_seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(DateTime)
    # When someone on this PC chose to download the course (NULL: not chosen). Revision 0002.
    download_requested_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Lesson(Base):
    __tablename__ = "lesson"
    __table_args__ = (UniqueConstraint("course_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))


class Asset(Base):
    __tablename__ = "asset"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    # Set once the verified file is in the content store; NULL while missing.
    stored_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (
        CheckConstraint("kind IN ('video', 'document', 'quiz', 'questionnaire')", name="kind"),
        Index("ix_item_course_position", "course_id", "lesson_position", "position"),
    )

    # "<course id>/<item key>": globally unique and stable across course versions.
    id: Mapped[str] = mapped_column(String(130), primary_key=True)
    course_id: Mapped[str] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    lesson_position: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    asset_sha256: Mapped[str] = mapped_column(ForeignKey("asset.sha256"), index=True)


class Profile(Base):
    __tablename__ = "profile"
    __table_args__ = (
        CheckConstraint("gender IN ('female', 'male', 'unspecified')", name="gender"),
        CheckConstraint("age_band IN ('under30', '30to39', '40to49', '50plus')", name="age_band"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    school: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(100))
    # hashlib.scrypt of the PIN; the PIN itself is never stored.
    pin_hash: Mapped[bytes] = mapped_column(LargeBinary(64))
    pin_salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    pin_params: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, default=None)


RECORD_ORIGINS = ("local", "pulled")


class ProgressEvent(Base):
    """One record of the teacher's log (the outbox too: see :mod:`app.storage.records`)."""

    __tablename__ = "progress_event"
    __table_args__ = (
        Index("ix_progress_profile_item", "profile_id", "item_id", "seq"),
        {"sqlite_autoincrement": True},
    )

    # Local monotonic sequence: AUTOINCREMENT never reuses a number, even after deletes.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)  # client-made UUID
    profile_id: Mapped[str] = mapped_column(ForeignKey("profile.id"))
    # Not a foreign key: progress outlives an item dropped from a newer course version.
    item_id: Mapped[str] = mapped_column(String(130))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[str] = mapped_column(Text)  # JSON
    wall_time: Mapped[datetime] = mapped_column(DateTime)
    # "local": made on this PC, to be pushed; "pulled": made on another PC, from the server.
    # Revision 0003.
    origin: Mapped[str] = mapped_column(String(8), default="local", server_default="local")


class TeacherSync(Base):
    """Per teacher on this PC: whether the server knows the teacher lives here, and how far
    this PC has pulled the teacher's records made on other PCs. Revision 0003."""

    __tablename__ = "teacher_sync"

    profile_id: Mapped[str] = mapped_column(
        ForeignKey("profile.id", ondelete="CASCADE"), primary_key=True
    )
    # True once the server accepted the teacher's profile.created from here, or a claim.
    linked: Mapped[bool] = mapped_column(default=False)
    pull_cursor: Mapped[int] = mapped_column(Integer, default=0)
    # The server sequence of the profile fields last applied here.
    profile_seq: Mapped[int] = mapped_column(Integer, default=0)


class SyncProblem(Base):
    """A record the server refused (conflict, forbidden, invalid): kept here, shown, never lost.
    Revision 0003."""

    __tablename__ = "sync_problem"

    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    code: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    noted_at: Mapped[datetime] = mapped_column(DateTime)


class QueuedDownload(Base):
    """An asset waiting to be downloaded (see :mod:`app.storage.downloads`). Revision 0004.

    One row per asset, whoever asked for it: the content store keeps one copy per PC. The row
    goes when the asset is stored.
    """

    __tablename__ = "download_queue"
    __table_args__ = (Index("ix_download_queue_order", "priority", "seq"),)

    sha256: Mapped[str] = mapped_column(
        ForeignKey("asset.sha256", ondelete="CASCADE"), primary_key=True
    )
    # The course it was queued for (the first, if several courses share the file).
    course_id: Mapped[str] = mapped_column(String(64))
    # Higher first: PRIORITY_NOW (a teacher opened it), PRIORITY_TEACHER, PRIORITY_COUNTY.
    priority: Mapped[int] = mapped_column(Integer)
    # Order within a priority: courses in the order asked for, items in course order.
    seq: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    paused: Mapped[bool] = mapped_column(default=False)
    # Downloads that failed in a way a retry may fix (damaged bytes, a server error).
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Not tried again before this time (after a failure); NULL: now.
    retry_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class CourseSignature(Base):
    """The county-signed document a course arrived with (:mod:`wire.pack`), kept so the course
    can be copied to another PC's pack with its signature. Revision 0005."""

    __tablename__ = "course_signature"

    course_id: Mapped[str] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    # The signed bytes (canonical JSON, UTF-8) and the signature file, as they were in the pack.
    document: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(Text)


class BundleExport(Base):
    """A progress bundle written to a stick (:mod:`wire.bundle`). Revision 0005.

    It holds every local record up to ``last_seq`` that the server had not acknowledged; the
    server's receipt for it moves the push cursor there (``receipt_at`` set), so the records
    are not sent again over the network.
    """

    __tablename__ = "bundle_export"

    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seq: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    receipt_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Setting(Base):
    """Small key/value state: the catalog cursor, the server address, last contact."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
