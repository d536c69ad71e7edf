"""``POST /api/v1/sync/push``: storing a device's batch of records, each exactly once.

:mod:`server.batches` has checked every record on its own, outside any transaction. Then one
write transaction (:func:`store_batch`):

1. locks the batch's teachers (PostgreSQL advisory locks, sorted; SQLite: ``BEGIN IMMEDIATE``);
2. keeps the records of teachers this device created or claimed, or creates with this batch
   (its ``profile.created``, anywhere in the batch); the others are ``forbidden``;
3. looks up the batch's ids only (``IN`` lists of 900 on SQLite, ``= ANY`` on PostgreSQL):
   same content is a duplicate, other content a ``conflict`` (logged, never overwritten);
4. inserts new teachers, then the new records in one Core executemany of plain dicts
   (``record.seq`` in batch order), then applies the new profile records to the teacher rows,
   last by seq winning.

The answer is built after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    column,
    func,
    insert,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from server.batches import Batch, Prepared, RecordKey
from server.db import lock_teachers
from server.models import DeviceTeacher, StoredRecord, Teacher, utc_storage
from server.pins import PinHash, hash_verifier
from wire.sync import PROFILE_CREATED, PushResult, Rejection

log = logging.getLogger(__name__)

#: Ids per ``IN (...)`` query: below SQLite's old limit of 999 bound parameters.
ID_CHUNK = 900
# Core tables: the hot path inserts plain dicts with Core, not ORM objects. The record insert
# names the columns without their types: its values are already in database form.
_RECORD_ROWS = table(
    "record",
    *(
        column(name)
        for name in (
            "id",
            "teacher_id",
            "device_id",
            "kind",
            "item",
            "at",
            "at_corrected",
            "received",
            "data",
        )
    ),
)
_TEACHER = cast(Table, Teacher.__table__)
_DEVICE_TEACHER = cast(Table, DeviceTeacher.__table__)


def store_batch(
    session: Session,
    device_id: str,
    batch: Batch,
    now: datetime,
    pin_hashes: dict[str, PinHash] | None = None,
) -> PushResult:
    """Stores the batch in one transaction (see the module docstring); commits.

    Args:
        session: a session with no transaction in progress.
        device_id: the pushing device.
        batch: from :func:`server.batches.parse_batch`.
        now: the server's clock, aware UTC (``received``, and the clock offset).
        pin_hashes: verifier -> hash already computed (:func:`server.batches.pre_hash`).
    """
    rejected = list(batch.rejected)
    if not batch.records:
        return PushResult(accepted=0, duplicates=0, rejected=rejected, server_time=now)
    # The rows are made before the transaction: on SQLite the write lock is held shorter.
    rows = _rows(batch, device_id, now, session.get_bind().dialect.name)
    with session.begin():
        teachers = {item.record.teacher for item in batch.records}
        lock_teachers(session, teachers)  # first: also BEGIN IMMEDIATE on SQLite
        allowed, creators = _allowed_teachers(session, device_id, batch.records, teachers)
        known = _known_records(session, [item.record.id for item in batch.records])
        new: list[Prepared] = []
        new_rows: list[dict[str, Any]] = []
        duplicates = 0
        for item, row in zip(batch.records, rows, strict=True):
            record = item.record
            if record.teacher not in allowed:
                rejected.append(
                    Rejection(
                        id=record.id,
                        code="forbidden",
                        detail=f"teacher {record.teacher} does not live on this device; "
                        "claim the teacher first",
                    )
                )
                continue
            prior = known.get(record.id)
            if prior is None:
                known[record.id] = item.key()
                new.append(item)
                new_rows.append(row)
            elif prior == item.key():
                duplicates += 1
            else:
                log.warning(
                    "conflict: device %s pushed record %s (teacher %s, %s) with content other "
                    "than the stored one; kept the stored one",
                    device_id,
                    record.id,
                    record.teacher,
                    record.kind,
                )
                rejected.append(
                    Rejection(
                        id=record.id,
                        code="conflict",
                        detail="the server has a record with this id and other content; "
                        "it keeps its own",
                    )
                )
        profiles = _fold_profiles(new)
        hashes = dict(pin_hashes or {})
        _insert_teachers(session, device_id, creators, profiles, hashes, now)
        if new_rows:
            session.execute(insert(_RECORD_ROWS), new_rows)
        _apply_profiles(session, profiles, creators, hashes)
    return PushResult(accepted=len(new), duplicates=duplicates, rejected=rejected, server_time=now)


def _allowed_teachers(
    session: Session, device_id: str, items: Sequence[Prepared], teachers: set[str]
) -> tuple[set[str], dict[str, Prepared]]:
    """The teachers this device may push for, and the new ones this batch creates."""
    linked = set(
        _chunked_scalars(
            session,
            lambda chunk: select(DeviceTeacher.teacher_id).where(
                DeviceTeacher.device_id == device_id, DeviceTeacher.teacher_id.in_(chunk)
            ),
            sorted(teachers),
        )
    )
    unlinked = sorted(teachers - linked)
    existing = set(
        _chunked_scalars(
            session, lambda chunk: select(Teacher.id).where(Teacher.id.in_(chunk)), unlinked
        )
    )
    first_of_id: dict[str, Prepared] = {}
    for item in items:
        first_of_id.setdefault(item.record.id, item)
    creators: dict[str, Prepared] = {}
    candidates = [
        item
        for item in items
        if item.record.kind == PROFILE_CREATED
        and item.record.teacher not in linked
        and item.record.teacher not in existing
        and first_of_id[item.record.id] is item
    ]
    if candidates:
        stored = _known_records(session, [item.record.id for item in candidates])
        for item in candidates:
            if item.record.id not in stored:
                creators.setdefault(item.record.teacher, item)
    return linked | set(creators), creators


def _known_records(session: Session, ids: Sequence[str]) -> dict[str, RecordKey]:
    """The stored records among ``ids``, as what a duplicate must equal.

    Only the batch's ids are looked up: ``IN`` lists of at most 900 on SQLite, one
    ``= ANY(array)`` on PostgreSQL (a list of 900 bound values costs psycopg more than the
    lookup itself).
    """
    known: dict[str, RecordKey] = {}
    unique = sorted(set(ids))
    if not unique:
        return known
    columns = select(
        StoredRecord.id,
        StoredRecord.teacher_id,
        StoredRecord.kind,
        StoredRecord.item,
        StoredRecord.at,
        StoredRecord.data,
    )
    if session.get_bind().dialect.name == "postgresql":
        ids_param = bindparam("ids", unique, type_=postgresql.ARRAY(String))
        queries = [columns.where(StoredRecord.id == any_(ids_param))]
    else:
        queries = [columns.where(StoredRecord.id.in_(chunk)) for chunk in _chunks(unique)]
    for query in queries:
        for record_id, teacher, kind, item, at, data in session.execute(query):
            known[record_id] = (teacher, kind, item, at, data)
    return known


@dataclass
class _Profile:
    """What a batch's new profile records do to one teacher, in seq order."""

    fields: dict[str, str] = field(default_factory=dict)
    verifier: str | None = None
    record_ids: list[str] = field(default_factory=list)


def _fold_profiles(new: Iterable[Prepared]) -> dict[str, _Profile]:
    profiles: dict[str, _Profile] = {}
    for item in new:
        if item.profile is None:
            continue
        profile = profiles.setdefault(item.record.teacher, _Profile())
        profile.fields.update(item.profile)
        if item.verifier is not None:
            profile.verifier = item.verifier
        profile.record_ids.append(item.record.id)
    return profiles


def _pin(hashes: dict[str, PinHash], verifier: str) -> PinHash:
    pin = hashes.get(verifier)
    if pin is None:
        pin = hashes[verifier] = hash_verifier(verifier)
    return pin


def _insert_teachers(
    session: Session,
    device_id: str,
    creators: dict[str, Prepared],
    profiles: dict[str, _Profile],
    hashes: dict[str, PinHash],
    now: datetime,
) -> None:
    """Inserts the teachers this batch creates (``profile_seq`` is set once seqs exist)."""
    if not creators:
        return
    rows = []
    for teacher_id in creators:
        profile = profiles[teacher_id]  # the creating record is new, so it was folded
        assert profile.verifier is not None  # profile.created always carries one
        pin = _pin(hashes, profile.verifier)
        rows.append(
            {
                "id": teacher_id,
                **profile.fields,
                "pin_hash": pin.hash,
                "pin_salt": pin.salt,
                "pin_params": pin.params,
                "profile_seq": 0,
                "created_device_id": device_id,
                "created": now,
            }
        )
    session.execute(insert(_TEACHER), rows)
    session.execute(
        insert(_DEVICE_TEACHER),
        [{"device_id": device_id, "teacher_id": t, "how": "created", "at": now} for t in creators],
    )


def _apply_profiles(
    session: Session,
    profiles: dict[str, _Profile],
    creators: dict[str, Prepared],
    hashes: dict[str, PinHash],
) -> None:
    """Sets each changed teacher's fields, PIN and ``profile_seq`` (its last profile record)."""
    if not profiles:
        return
    ids = [record_id for profile in profiles.values() for record_id in profile.record_ids]
    last_seq: dict[str, int] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(StoredRecord.teacher_id, func.max(StoredRecord.seq))
            .where(StoredRecord.id.in_(chunk))
            .group_by(StoredRecord.teacher_id)
        )
        for teacher_id, seq in rows:
            last_seq[teacher_id] = max(seq, last_seq.get(teacher_id, 0))
    for teacher_id, profile in profiles.items():
        values: dict[str, Any] = {"profile_seq": last_seq[teacher_id]}
        if teacher_id not in creators:
            values.update(profile.fields)
            if profile.verifier is not None:
                pin = _pin(hashes, profile.verifier)
                values.update(pin_hash=pin.hash, pin_salt=pin.salt, pin_params=pin.params)
        session.execute(update(Teacher).where(Teacher.id == teacher_id).values(**values))


def _rows(batch: Batch, device_id: str, now: datetime, dialect: str) -> list[dict[str, Any]]:
    """The ``record`` rows of the batch, values as the database takes them (no type
    processing per value: see :func:`server.models.utc_storage`)."""
    to_db = utc_storage(dialect)
    naive = dialect == "sqlite"  # SQLite stores naive UTC text: skip making datetimes aware
    received = to_db(now)
    offset = now - batch.client_time
    rows = []
    for item in batch.records:
        record = item.record
        at = item.at  # aware UTC
        if naive:
            at = record.at if record.at.tzinfo is None else at.replace(tzinfo=None)
        try:
            corrected = at + offset
        except OverflowError:  # a clock so wrong the correction leaves the calendar
            corrected = at
        rows.append(
            {
                "id": record.id,
                "teacher_id": record.teacher,
                "device_id": device_id,
                "kind": record.kind,
                "item": record.item,
                "at": to_db(at),
                "at_corrected": to_db(corrected),
                "received": received,
                "data": item.data,
            }
        )
    return rows


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), ID_CHUNK):
        yield values[start : start + ID_CHUNK]


def _chunked_scalars(session: Session, query: Any, values: Sequence[str]) -> Iterator[str]:
    for chunk in _chunks(values):
        yield from session.scalars(query(chunk))
