"""Taking in progress bundles brought on USB sticks (``python -m server import-bundle``).

A bundle (:mod:`wire.bundle`) is a school PC's unacknowledged records, authenticated with the
PC's device credential. Each one found under the folder given is checked, in this order:

1. the file: size, nesting, format, envelope (``malformed``, ``too_large``, ``newer_format``);
   it lies in the folder of the device it names;
2. the device is known here (``unknown_device``);
3. the MAC, with the device's key, ``sha256(token)`` -- the ``device.token_sha256`` the server
   authenticates it by anyway (``altered``: changed on the stick, or not made with the key);
4. the device is not revoked (``revoked_device``: a revoked PC may not push, by network or
   by stick);
5. the body, and that the file is named by its bundle id (``malformed``);
6. it was made for this server (``wrong_server``: the PC enrolled with another or a
   reinstalled server);
7. whether this bundle id was imported before (``bundle_import``): with the same body it is a
   *replay*, not an error: nothing is stored again and the stored receipt is written again;
   with another body, or from another device, it is refused as ``altered``.

Then its records go through exactly the code of a network push, in pieces of
``PUSH_MAX_RECORDS``: :func:`server.batches.parse_batch` (every piece is parsed before any is
stored, so a malformed bundle stores nothing), :func:`server.batches.pre_hash` and
:func:`server.push.store_batch` as the bundle's device. Each record is therefore stored once,
by id, whatever else brought it (a network push, an earlier bundle, a second import); a record
refused over the network is refused here, for the same reason. Each piece is its own
transaction, like a network batch: an import cut off half-way stored some pieces, and running
it again finds those as duplicates.

The batches' ``client_time`` carries the clock offset: the bundle holds the offset the PC last
saw over the network (``clock_offset_ms``), and a bundle cannot have been made after it is
imported, which bounds the offset of a PC whose clock runs ahead. A PC that never saw the
server is taken at its word (offset 0).

Last, a ``bundle_import`` row keeps the bundle id, device, body digest, counts and the receipt
text (:class:`wire.bundle.ReceiptBody`, MAC'd with the device's key), and the receipt is
written next to the bundle atomically. A full or read-only stick at that point is reported
(:attr:`BundleOutcome.receipt_error`) but the import stays done: bringing the stick again
writes the stored receipt.

Bundles that are refused are reported and skipped; the others still go in.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server import batches, devices, push
from server.errors import ApiError
from server.models import BundleImport, Device, School
from server.publish import utc_now
from wire.blobs import DiskFull
from wire.bundle import (
    BUNDLE_CONTEXT,
    MAX_BUNDLE_BYTES,
    MAX_OFFSET_MS,
    BundleBody,
    BundleError,
    BundleProblem,
    BundleWriteError,
    ReceiptBody,
    body_sha256,
    bundle_body,
    bundle_id_of,
    encode_receipt,
    find_bundles,
    key_from_digest,
    read_envelope,
    receipt_path,
    verify_envelope,
    write_atomic,
)
from wire.pack import BUNDLES_DIR, PackError, read_limited
from wire.sync import PROFILE_CREATED, PUSH_MAX_RECORDS, Rejection

Status = Literal["imported", "replayed", "refused"]
IMPORTED: Status = "imported"
REPLAYED: Status = "replayed"
REFUSED: Status = "refused"


@dataclass(frozen=True)
class BundleOutcome:
    """What became of one bundle file.

    Attributes:
        status: ``imported`` now, ``replayed`` (imported before: its receipt written again),
            or ``refused`` (``problem`` and ``detail`` say why; nothing of it was stored).
        accepted, duplicates, rejected: as in a push result (for a replay: as first imported).
        receipt_error: the receipt could not be written (stick full, read-only, pulled out);
            the import itself is done.
    """

    path: Path
    status: Status
    bundle_id: str = ""
    device_id: str = ""
    device_name: str = ""
    school: str = ""
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    problem: BundleProblem | None = None
    detail: str = ""
    receipt_error: str = ""

    @property
    def ok(self) -> bool:
        """Taken in (now or before) and its receipt is on the stick."""
        return self.status != REFUSED and not self.receipt_error


@dataclass(frozen=True)
class _Device:
    id: str
    key: bytes
    revoked: bool
    name: str
    school: str


@dataclass(frozen=True)
class _Checked:
    """A bundle that passed every check before its records are looked at."""

    device: _Device
    body: BundleBody
    digest: str


@dataclass
class _Stored:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)


def import_bundles(
    sessions: sessionmaker[Session],
    folder: Path,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_outcome: Callable[[BundleOutcome], None] | None = None,
) -> list[BundleOutcome]:
    """Imports every bundle found under ``folder`` (see :func:`wire.bundle.find_bundles`).

    Args:
        sessions: the server's session factory.
        folder: a stick, a pack folder, its ``bundles`` folder, or one device's folder.
        clock: the server's clock, aware UTC.
        on_outcome: told after each bundle (the command line prints it at once).

    Raises:
        BundleError: ``READ_FAILED`` when the folder cannot be listed.
    """
    outcomes = []
    for path in find_bundles(folder):
        outcome = import_bundle(sessions, path, clock=clock)
        outcomes.append(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return outcomes


def import_bundle(
    sessions: sessionmaker[Session], path: Path, *, clock: Callable[[], datetime] = utc_now
) -> BundleOutcome:
    """Imports one bundle file (see the module docstring); never raises for a bad bundle."""
    name = f"{BUNDLES_DIR}/{path.parent.name}/{path.name}"
    try:
        checked = _check(sessions, path, name)
    except BundleError as exc:
        return _refused(path, exc.problem, exc.detail)
    except FileNotFoundError:
        return _refused(path, BundleProblem.READ_FAILED, f"{name} disappeared while reading")
    device, body = checked.device, checked.body
    with sessions() as session:
        with session.begin():
            prior = session.get(BundleImport, body.bundle_id)
        if prior is not None:
            return _replay(path, prior, checked)
        now = clock()
        try:
            pieces = _parse(body, now)
        except BundleError as exc:
            return _refused(path, exc.problem, f"{name}: {exc.detail}")
        stored = _store(session, device.id, pieces, now)
        receipt = ReceiptBody(
            bundle_id=body.bundle_id,
            server_id=body.server_id,
            imported_at=now,
            accepted=stored.accepted,
            duplicates=stored.duplicates,
            rejected=stored.rejected,
            linked_teachers=sorted(stored.linked),
            body_sha256=checked.digest,
        )
        text = encode_receipt(device.key, device.id, receipt).decode("utf-8")
        try:
            with session.begin():
                session.add(
                    BundleImport(
                        bundle_id=body.bundle_id,
                        device_id=device.id,
                        body_sha256=checked.digest,
                        imported_at=now,
                        accepted=stored.accepted,
                        duplicates=stored.duplicates,
                        rejected=len(stored.rejected),
                        receipt=text,
                    )
                )
        except IntegrityError:
            # Another import-bundle took the same bundle in at the same moment: its row
            # (and receipt) stands; ours stored nothing it had not.
            with session.begin():
                prior = session.get(BundleImport, body.bundle_id)
            if prior is None:
                raise
            return _replay(path, prior, checked)
    return _taken(
        path,
        IMPORTED,
        checked,
        (stored.accepted, stored.duplicates, len(stored.rejected)),
        _write_receipt(path, body.bundle_id, text),
    )


def _refused(path: Path, problem: BundleProblem, detail: str) -> BundleOutcome:
    device = path.parent.name
    return BundleOutcome(
        path,
        REFUSED,
        bundle_id=bundle_id_of(path),
        device_id=device if len(device) == 36 else "",
        problem=problem,
        detail=detail,
    )


def _check(sessions: sessionmaker[Session], path: Path, name: str) -> _Checked:
    envelope = read_envelope(path, limit=MAX_BUNDLE_BYTES, name=name)
    if path.parent.name != envelope.device_id:
        raise BundleError(
            BundleProblem.MALFORMED,
            f"{name} names device {envelope.device_id} but lies in another device's folder",
            path=name,
        )
    with sessions() as session, session.begin():
        device = _device(session, envelope.device_id)
        this_server = devices.server_id(session)
    if device is None:
        raise BundleError(
            BundleProblem.UNKNOWN_DEVICE,
            f"{name} comes from device {envelope.device_id}, which this server does not know "
            "(enrolled with another county server, or before it was reinstalled)",
            path=name,
        )
    body_bytes = verify_envelope(envelope, device.key, BUNDLE_CONTEXT, name=name)
    if device.revoked:
        raise BundleError(
            BundleProblem.REVOKED_DEVICE,
            f"{name} comes from device {device.id} ({device.name}, {device.school}), which the "
            "county removed from the server",
            path=name,
        )
    body = bundle_body(envelope, name=name)
    if bundle_id_of(path) != body.bundle_id:
        raise BundleError(
            BundleProblem.MALFORMED,
            f"{name} holds bundle {body.bundle_id}: a bundle file is named by its id",
            path=name,
        )
    if body.server_id != this_server:
        raise BundleError(
            BundleProblem.WRONG_SERVER,
            f"{name} was made for county server {body.server_id}, not this one "
            f"({this_server}): the PC enrolled with another server",
            path=name,
        )
    return _Checked(device, body, body_sha256(body_bytes))


def _device(session: Session, device_id: str) -> _Device | None:
    row = session.execute(
        select(Device.id, Device.token_sha256, Device.revoked_at, Device.name, School.name)
        .join(School, School.id == Device.school_id)
        .where(Device.id == device_id)
    ).first()
    if row is None:
        return None
    id_, digest, revoked_at, name, school = row
    return _Device(id_, key_from_digest(digest), revoked_at is not None, name, school)


def _taken(
    path: Path, status: Status, checked: _Checked, counts: tuple[int, int, int], receipt_error: str
) -> BundleOutcome:
    accepted, duplicates, rejected = counts
    return BundleOutcome(
        path,
        status,
        bundle_id=checked.body.bundle_id,
        device_id=checked.device.id,
        device_name=checked.device.name,
        school=checked.device.school,
        accepted=accepted,
        duplicates=duplicates,
        rejected=rejected,
        receipt_error=receipt_error,
    )


def _replay(path: Path, prior: BundleImport, checked: _Checked) -> BundleOutcome:
    if prior.device_id != checked.device.id or prior.body_sha256 != checked.digest:
        return _refused(
            path,
            BundleProblem.ALTERED,
            f"bundle {prior.bundle_id} was imported on {prior.imported_at:%Y-%m-%d %H:%M} UTC "
            "with other content: this copy is not that bundle; nothing was taken",
        )
    return _taken(
        path,
        REPLAYED,
        checked,
        (prior.accepted, prior.duplicates, prior.rejected),
        _write_receipt(path, prior.bundle_id, prior.receipt),
    )


def client_time(body: BundleBody, now: datetime) -> datetime:
    """The ``client_time`` the bundle's batches carry: ``now`` less the PC's clock offset.

    The offset is the one the PC last saw over the network, but never so large that the bundle
    would have been made after ``now`` (which catches a clock running ahead since).
    """
    created = body.created
    created = created.replace(tzinfo=UTC) if created.tzinfo is None else created.astimezone(UTC)
    offset_ms = body.clock_offset_ms if abs(body.clock_offset_ms) <= MAX_OFFSET_MS else 0
    try:
        offset = min(timedelta(milliseconds=offset_ms), now - created)
        return now - offset
    except OverflowError:  # a clock so wrong the arithmetic leaves the calendar
        return now


def _parse(body: BundleBody, now: datetime) -> list[batches.Batch]:
    """Every piece of the bundle parsed as a push batch, before anything is stored."""
    moment = client_time(body, now).isoformat()
    pieces = []
    for start in range(0, len(body.records), PUSH_MAX_RECORDS):
        chunk = body.records[start : start + PUSH_MAX_RECORDS]
        raw = json.dumps({"client_time": moment, "records": chunk}, ensure_ascii=False)
        try:
            pieces.append(batches.parse_batch(raw.encode("utf-8")))
        except ApiError as exc:
            raise BundleError(
                BundleProblem.MALFORMED, f"records {start}-{start + len(chunk) - 1}: {exc}"
            ) from None
    return pieces


def _store(session: Session, device_id: str, pieces: list[batches.Batch], now: datetime) -> _Stored:
    stored = _Stored()
    for batch in pieces:
        result = push.store_batch(session, device_id, batch, now, batches.pre_hash(batch))
        stored.accepted += result.accepted
        stored.duplicates += result.duplicates
        stored.rejected.extend(result.rejected)
        refused = {r.id for r in result.rejected}
        # As the network push: a teacher whose profile.created was not refused is linked.
        stored.linked.update(
            item.record.teacher for item in _created(batch) if item.record.id not in refused
        )
    return stored


def _created(batch: batches.Batch) -> Iterator[batches.Prepared]:
    return (item for item in batch.records if item.record.kind == PROFILE_CREATED)


def _write_receipt(path: Path, bundle_id: str, text: str) -> str:
    """Writes the receipt next to the bundle; returns why it could not ("" when written)."""
    target = receipt_path(path, bundle_id)
    data = text.encode("utf-8")
    try:
        if read_limited(target, len(data), target.name) == data:
            return ""  # already there (a replay): a read-only stick is no problem
    except (OSError, PackError):
        pass  # none yet, or another file in its place: written anew
    try:
        write_atomic(target, data)
    except DiskFull:
        return "the stick is full: make room and import it again to write the receipt"
    except BundleWriteError as exc:
        return f"the receipt could not be written ({exc}); import it again to write it"
    return ""
