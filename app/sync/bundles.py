"""Sending progress on a USB stick: bundles out, the county's receipts back.

A school without network sends its teachers' work to the county on the stick that brings it
courses (``docs/bundles.md``; the files are :mod:`wire.bundle`):

:func:`export_bundle`
    writes every record the server has not acknowledged -- the profile records of teachers it
    does not know yet first, then every local record after ``PUSH_CURSOR``, for all teachers
    -- into ``<pack root>/bundles/<device id>/<bundle id>.json``, MAC'd with this PC's device
    credential, and remembers the bundle (``bundle_export``: its id and the last local
    sequence it covers). A bundle does not move the push cursor: until a receipt comes back,
    each new bundle (and each network sync) carries those records again, and the server keeps
    each once. So a lost stick loses nothing, and the newest bundle always holds everything.
:func:`apply_receipts`
    reads the county's receipts in this PC's folder on the stick. A receipt is taken only if
    its MAC is this PC's key, it names this PC and the server this PC enrolled with, and it
    answers a bundle this PC wrote. Then, in one transaction, as if the server had answered a
    network push of the bundle: ``PUSH_CURSOR`` moves to the bundle's last sequence (never
    back), refused records are noted (:func:`app.storage.records.note_rejections`), teachers
    the server now knows are marked linked, and the bundle is marked answered. The records
    are therefore never pushed again over the network; those made after the bundle still are.
    A receipt taken before changes nothing. A delivered bundle and its receipt are removed from
    the stick (best effort), so the county does not read them again on every trip.
:func:`waiting`
    what a bundle written now would carry.

Errors (besides the storage layer's ``DiskFullError`` for this PC's own disk)::

    app.sync.errors.NotEnrolledError   this PC holds no device credential: nothing to sign with
    wire.blobs.DiskFull                the stick is full; no bundle was left on it
    wire.bundle.BundleWriteError       (an OSError) the stick is read-only or was pulled out
    wire.bundle.BundleError            the stick's bundles folder cannot be read or is unsafe

A receipt that is refused (forged, altered, another PC's or another server's, unknown) is not
an error: it is listed in :attr:`ReceiptsApplied.problems` and changes nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.orm import Session

from app.storage import records, settings
from app.storage.clock import Clock, utc_now
from app.storage.db import Database
from app.storage.ids import new_id
from app.storage.models import BundleExport, ProgressEvent, TeacherSync
from app.sync.errors import NotEnrolledError
from wire.bundle import (
    BUNDLE_SUFFIX,
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_RECORDS,
    MAX_RECEIPT_BYTES,
    RECEIPT_CONTEXT,
    BundleError,
    BundleProblem,
    ReceiptBody,
    bundle_id_of,
    bundle_key,
    device_folder,
    encode_bundle,
    find_receipts,
    read_envelope,
    receipt_body,
    record_json,
    verify_envelope,
    write_atomic,
)
from wire.pack import BUNDLES_DIR
from wire.sync import PROFILE_PREFIX

#: Room kept in a bundle's size limit for everything but the records.
_ENVELOPE_ROOM = 64 * 1024


@dataclass(frozen=True)
class BundleSummary:
    """What is waiting to be sent: records the server has not acknowledged, and whose."""

    records: int
    teachers: int


@dataclass(frozen=True)
class BundleWritten:
    """A bundle now on the stick."""

    bundle_id: str
    records: int
    teachers: int
    path: Path


@dataclass(frozen=True)
class ReceiptsApplied:
    """What the county's receipts on a stick did.

    Attributes:
        bundles: receipts taken now (one taken before is not counted again).
        records_delivered: records of those bundles the server holds (new or already there).
        problems: one plain English sentence per receipt refused.
    """

    bundles: int
    records_delivered: int
    problems: list[str]


@dataclass(frozen=True)
class _Device:
    id: str
    key: bytes
    server_id: str
    offset_ms: int


def _device(session: Session) -> _Device:
    token = settings.get(session, settings.DEVICE_TOKEN)
    device_id = settings.get(session, settings.DEVICE_ID)
    server_id = settings.get(session, settings.SERVER_ID)
    if not (token and device_id and server_id):
        raise NotEnrolledError("this computer is not enrolled with the county server")
    offset_ms = round(settings.get(session, settings.CLOCK_OFFSET_S) * 1000)
    return _Device(device_id, bundle_key(token), server_id, offset_ms)


def waiting(db: Database) -> BundleSummary:
    """Records the server has not acknowledged (what a bundle written now would carry, up to
    :data:`wire.bundle.MAX_BUNDLE_RECORDS`), and how many teachers they belong to."""
    with db.read_session() as session:
        cursor = settings.get(session, settings.PUSH_CURSOR)
        unlinked = select(TeacherSync.profile_id).where(TeacherSync.linked.is_(False))
        row = session.execute(
            select(func.count(), func.count(distinct(ProgressEvent.profile_id))).where(
                ProgressEvent.origin == "local",
                or_(
                    ProgressEvent.seq > cursor,
                    and_(
                        ProgressEvent.kind.startswith(PROFILE_PREFIX),
                        ProgressEvent.profile_id.in_(unlinked),
                    ),
                ),
            )
        ).one()
    return BundleSummary(records=int(row[0]), teachers=int(row[1]))


@dataclass
class Selection:
    """The records of a bundle about to be written.

    Attributes:
        records: each one's :func:`wire.bundle.record_json`, in order.
        teachers: whose records they are.
        last_seq: the last local sequence covered: every local record after the push cursor
            up to it is among ``records``.
    """

    records: list[bytes]
    teachers: set[str]
    last_seq: int


def select_outgoing(
    session: Session,
    *,
    max_records: int = MAX_BUNDLE_RECORDS,
    max_bytes: int = MAX_BUNDLE_BYTES - _ENVELOPE_ROOM,
) -> Selection:
    """What a bundle written now carries: the profile records of teachers the server does not
    know yet, then every local record after ``PUSH_CURSOR`` in order, each once, up to
    ``max_records`` records or ``max_bytes`` bytes (the rest goes in a later bundle).

    Call it in one read transaction, so both parts see the same database.
    """
    cursor = settings.get(session, settings.PUSH_CURSOR)
    first = records.unlinked_profile_records(session)
    rest = records.pending(session, cursor, max_records)
    chosen = Selection([], set(), cursor)
    budget = max_bytes
    seen: set[str] = set()
    for outgoing, advances in [*((r, False) for r in first), *((r, True) for r in rest)]:
        if outgoing.id not in seen:
            encoded = record_json(outgoing.wire())
            budget -= len(encoded) + 1
            if budget < 0 or len(chosen.records) >= max_records:
                break
            seen.add(outgoing.id)
            chosen.records.append(encoded)
            chosen.teachers.add(outgoing.teacher)
        if advances:
            chosen.last_seq = outgoing.seq
    return chosen


def export_bundle(db: Database, pack_root: Path, *, clock: Clock = utc_now) -> BundleWritten | None:
    """Writes a bundle of every record the server has not acknowledged (see the module
    docstring) to ``<pack_root>/bundles/<device id>/``.

    Returns:
        The bundle written, or ``None`` when nothing waits to be sent.

    Raises:
        NotEnrolledError: this PC has no device credential.
        DiskFull: the stick is full; no bundle was left on it.
        BundleWriteError: the stick cannot be written (read-only, pulled out).
        BundleError: the stick's ``bundles`` folder is a symlink or cannot be read.
        DiskFullError: this PC's disk is full (the bundle was not remembered or written).
    """
    with db.read_session() as session:
        device = _device(session)
        chosen = select_outgoing(session)
    if not chosen.records:
        return None
    bundle_id = new_id()
    created = clock()
    fields = {
        "bundle_id": bundle_id,
        "server_id": device.server_id,
        "created": created.isoformat(),
        "clock_offset_ms": device.offset_ms,
        "last_seq": chosen.last_seq,
    }
    data = encode_bundle(device.key, device.id, fields, chosen.records)
    path = device_folder(pack_root, device.id) / f"{bundle_id}{BUNDLE_SUFFIX}"
    # Remembered first: a bundle on the stick that this PC forgot would get a receipt it
    # refuses. A row whose file never got written is harmless (no receipt ever names it).
    with db.write() as session:
        session.add(
            BundleExport(
                bundle_id=bundle_id,
                created_at=created,
                last_seq=chosen.last_seq,
                records=len(chosen.records),
            )
        )
    try:
        write_atomic(path, data)
    except BaseException:
        with contextlib.suppress(Exception), db.write() as session:
            export = session.get(BundleExport, bundle_id)
            if export is not None:
                session.delete(export)
        raise
    return BundleWritten(bundle_id, len(chosen.records), len(chosen.teachers), path)


def apply_receipts(db: Database, pack_root: Path, *, clock: Clock = utc_now) -> ReceiptsApplied:
    """Takes the county's receipts for this PC's bundles from the stick (module docstring).

    Raises:
        NotEnrolledError: this PC has no device credential to check receipts with.
        BundleError: this PC's folder on the stick cannot be read, or is unsafe.
        DiskFullError: this PC's disk is full (the receipt being taken was rolled back).
    """
    with db.read_session() as session:
        device = _device(session)
    folder = device_folder(pack_root, device.id)
    taken = delivered = 0
    problems: list[str] = []
    for path in find_receipts(folder):
        try:
            receipt = _read_receipt(path, device)
            done = _apply(db, receipt, clock)
        except BundleError as exc:
            problems.append(str(exc))
            continue
        except FileNotFoundError:
            continue  # gone since the folder was listed
        if done:
            taken += 1
            delivered += receipt.accepted + receipt.duplicates
        _tidy(path, receipt.bundle_id)
    return ReceiptsApplied(bundles=taken, records_delivered=delivered, problems=problems)


def _read_receipt(path: Path, device: _Device) -> ReceiptBody:
    name = f"{BUNDLES_DIR}/{device.id}/{path.name}"
    envelope = read_envelope(path, limit=MAX_RECEIPT_BYTES, name=name)
    if envelope.device_id != device.id:
        raise BundleError(
            BundleProblem.WRONG_DEVICE,
            f"{name} is a receipt for another computer (device {envelope.device_id})",
            path=name,
        )
    verify_envelope(envelope, device.key, RECEIPT_CONTEXT, name=name)
    body = receipt_body(envelope, name=name)
    if body.bundle_id != bundle_id_of(path):
        raise BundleError(
            BundleProblem.MALFORMED,
            f"{name} answers bundle {body.bundle_id}: a receipt is named by its bundle",
            path=name,
        )
    if body.server_id != device.server_id:
        raise BundleError(
            BundleProblem.WRONG_SERVER,
            f"{name} comes from county server {body.server_id}, not the one this computer is "
            f"enrolled with ({device.server_id})",
            path=name,
        )
    return body


def _apply(db: Database, receipt: ReceiptBody, clock: Clock) -> bool:
    """Takes one verified receipt in one transaction; false when it was taken before.

    Raises:
        BundleError: ``UNKNOWN_BUNDLE``: this PC did not write (or does not remember) it.
    """
    with db.write() as session:
        export = session.get(BundleExport, receipt.bundle_id)
        if export is None:
            raise BundleError(
                BundleProblem.UNKNOWN_BUNDLE,
                f"the receipt for bundle {receipt.bundle_id} answers a bundle this computer "
                "did not write",
            )
        if export.receipt_at is not None:
            return False
        cursor = settings.get(session, settings.PUSH_CURSOR)
        if export.last_seq > cursor:
            settings.put(session, settings.PUSH_CURSOR, export.last_seq)
        records.note_rejections(session, receipt.rejected, clock=clock)
        records.mark_linked(session, receipt.linked_teachers)
        export.receipt_at = clock()
    return True


def _tidy(receipt: Path, bundle_id: str) -> None:
    """Removes a delivered bundle and its receipt from the stick; a read-only stick keeps them
    (the county then finds the bundle already imported)."""
    for path in (receipt.with_name(f"{bundle_id}{BUNDLE_SUFFIX}"), receipt):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
