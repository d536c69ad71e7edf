"""The server's tables (SQLAlchemy 2 typed declarative). Schema changes go through Alembic.

``course_version.seq`` is the server's change sequence: every published version draws the next
number, and the catalog hands out changes in that order. ``course_version.manifest`` holds the
version's :class:`wire.api.CatalogCourse` as JSON without ``seq``, so a catalog page is put
together from stored text. Versions and assets are never deleted: a client holding version 1
can still fetch its media after version 2 is published.

Sync (revision 0002, see ``docs/sync.md``): schools hand out enrollment codes, devices hold a
token (only its sha256 is kept), teachers live on the devices that created or claimed them
(``device_teacher``), and ``record`` keeps every record a device pushed, once, numbered by a
second change sequence (``record.seq``) that pull cursors follow. ``attempt`` counts wrong
enrollment codes and PINs in the database, so limits hold across restarts and workers.

Forms (revision 0004, see ``docs/forms.md``): ``form_version`` keeps each published version of
a questionnaire or quiz, for the reports to read answers against.

Timestamps are timezone-aware UTC. ``record.at`` is the device's naive UTC clock, stored as UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
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


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both engines (SQLite keeps no zone, so it is added back)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; the server stores UTC with its zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utc_storage(dialect_name: str) -> Callable[[datetime], object]:
    """What a :class:`UTCDateTime` column holds for a UTC datetime (aware, or naive meaning
    UTC), made without SQLAlchemy's per-value type processing: the push hot path inserts
    thousands of rows at a time.

    SQLite: the text ``UTCDateTime`` writes (naive UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``);
    PostgreSQL: an aware datetime. A test checks both against the typed column.
    """
    if dialect_name == "sqlite":

        def to_text(value: datetime) -> object:
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return value.isoformat(" ", "microseconds")

        return to_text

    def to_aware(value: datetime) -> object:
        if value.tzinfo is UTC:
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    return to_aware


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Course(Base):
    """One course id; points at its current version."""

    __tablename__ = "course"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    current_version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    updated: Mapped[datetime] = mapped_column(UTCDateTime)


class CourseVersion(Base):
    """One published version of a course, as the catalog serves it."""

    __tablename__ = "course_version"
    __table_args__ = (
        UniqueConstraint("course_id", "version"),
        {"sqlite_autoincrement": True},  # a seq is never handed out twice
    )

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    course_id: Mapped[str] = mapped_column(String(64), ForeignKey("course.id"))
    version: Mapped[int] = mapped_column(Integer)
    manifest: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The county's signature of ``manifest`` (JSON of wire.api.CatalogSignature); NULL until
    # the server has the county key. Revision 0003.
    signature: Mapped[str | None] = mapped_column(Text, default=None)


class Asset(Base):
    """A media file in the blob store, named by its sha256."""

    __tablename__ = "asset"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


# --- sync (revision 0002) ------------------------------------------------------------------

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY is the rowid (and can AUTOINCREMENT).
_SEQ = BigInteger().with_variant(Integer, "sqlite")
_UUID = String(36)


class ServerMeta(Base):
    """One row: this server database's identity, made when revision 0002 created the table."""

    __tablename__ = "server_meta"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    server_id: Mapped[str] = mapped_column(_UUID)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class School(Base):
    """A school; its PCs enroll with its current enrollment code (stored normalized)."""

    __tablename__ = "school"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    enrollment_code: Mapped[str] = mapped_column(String(16), unique=True)
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class Device(Base):
    """An enrolled PC. The token itself is never stored, only its sha256."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, ForeignKey("school.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Written at most once a minute per device (see server.auth), not on every request.
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)


class Teacher(Base):
    """A teacher's current profile, kept by the profile records (last by ``record.seq`` wins).

    ``pin_hash`` is scrypt (``pin_params``) of the PIN verifier the device sent, salted with
    ``pin_salt``; the verifier itself is not stored.
    """

    __tablename__ = "teacher"

    id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    school: Mapped[str] = mapped_column(String(200))
    gender: Mapped[str] = mapped_column(String(16))
    age_band: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(100))
    pin_hash: Mapped[str] = mapped_column(String(64))
    pin_salt: Mapped[str] = mapped_column(String(32))
    pin_params: Mapped[str] = mapped_column(String(64))
    profile_seq: Mapped[int] = mapped_column(_SEQ)
    created_device_id: Mapped[str] = mapped_column(_UUID, ForeignKey("device.id"))
    created: Mapped[datetime] = mapped_column(UTCDateTime)


class DeviceTeacher(Base):
    """A teacher lives on a device: it ``created`` the teacher, or ``claimed`` it with the PIN."""

    __tablename__ = "device_teacher"
    __table_args__ = (CheckConstraint("how IN ('created', 'claimed')", name="how"),)

    device_id: Mapped[str] = mapped_column(_UUID, ForeignKey("device.id"), primary_key=True)
    teacher_id: Mapped[str] = mapped_column(_UUID, ForeignKey("teacher.id"), primary_key=True)
    how: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class StoredRecord(Base):
    """A record as pushed (:class:`wire.sync.Record`), stored once under its client-made id.

    ``seq`` is the server's record sequence (never reused); ``at_corrected`` is ``at`` shifted
    by the batch's clock offset (server time - client time), for reports; ``received`` is the
    server's clock. For profile records, ``data`` holds ``pin_verifier_sha256`` instead of the
    verifier.
    """

    __tablename__ = "record"
    __table_args__ = (
        Index("ix_record_teacher_id_seq", "teacher_id", "seq"),
        {"sqlite_autoincrement": True},  # a seq is never handed out twice
    )

    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(_UUID, unique=True)
    teacher_id: Mapped[str] = mapped_column(_UUID, ForeignKey("teacher.id"))
    device_id: Mapped[str] = mapped_column(_UUID, ForeignKey("device.id"))
    kind: Mapped[str] = mapped_column(String(40))
    item: Mapped[str] = mapped_column(String(130))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    at_corrected: Mapped[datetime] = mapped_column(UTCDateTime)
    received: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[str] = mapped_column(Text)


class Attempt(Base):
    """Wrong enrollment codes or PINs counted under one key (see :mod:`server.ratelimit`)."""

    __tablename__ = "attempt"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class BundleImport(Base):
    """A progress bundle taken in from a USB stick (revision 0003), with the receipt written
    for it: the same bundle brought again gets the same receipt."""

    __tablename__ = "bundle_import"

    bundle_id: Mapped[str] = mapped_column(_UUID, primary_key=True)
    device_id: Mapped[str] = mapped_column(_UUID, ForeignKey("device.id"))
    body_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted: Mapped[int] = mapped_column(Integer)
    duplicates: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    receipt: Mapped[str] = mapped_column(Text)


# --- forms (revision 0004) -----------------------------------------------------------------


class FormVersion(Base):
    """One published version of a questionnaire or quiz (see :mod:`server.form_store`).

    Written in the transaction that publishes the course version carrying it, once per
    ``(form_id, version)``: the same version published again (the course republished) adds no
    row, and different content under a version already published is refused. ``spec`` is the
    :class:`wire.forms.FormSpec` as canonical JSON, the very bytes of asset ``asset_sha256``.
    A form id belongs to one course (``course_id``); ``standalone`` marks the one-item courses
    ``python -m server publish-form`` makes, whose id is the form's.
    """

    __tablename__ = "form_version"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    spec: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    course_id: Mapped[str] = mapped_column(String(64), ForeignKey("course.id"))
    item_id: Mapped[str] = mapped_column(String(64))
    asset_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("asset.sha256"))
    standalone: Mapped[bool] = mapped_column(Boolean, default=False)
