"""Reading a push body: gunzip with a cap, parse, and check each record on its own.

Nothing here touches the database; :mod:`server.push` stores what comes out. The hot path is
:func:`parse_batch`: one ``PushBatch.model_validate_json`` for the whole body, then one tight loop
that parses each record's ``data`` (it must be a JSON object) and checks profile records' fields.
A record that fails is refused ``invalid`` on its own; the slow path (:func:`_parse_leniently`)
does the same for records breaking the wire format, so one bad record never blocks a PC's queue.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json

from server.errors import ApiError
from server.pins import PinHash, hash_verifier, verifier_sha256
from wire.sync import (
    BATCH_TOO_LARGE,
    INVALID,
    PROFILE_CREATED,
    PROFILE_PREFIX,
    PROFILE_UPDATED,
    PUSH_MAX_BYTES,
    PUSH_MAX_RECORDS,
    ProfileFields,
    PushBatch,
    Record,
    Rejection,
)

PROFILE_FIELDS = tuple(ProfileFields.model_fields)
_VERIFIER = re.compile(r"[0-9a-f]{64}")
# Valid values for every field: a partial profile.updated is checked merged into these.
_PROFILE_BASE = {
    "name": "-",
    "school": "",
    "gender": "unspecified",
    "age_band": "under30",
    "subject": "",
}
RecordKey = tuple[str, str, str, datetime, str]  # teacher, kind, item, at (UTC), data
#: PIN verifiers hashed outside the transaction per batch (a PC has a few dozen teachers).
PRE_HASH_MAX = 50


class Prepared:
    """A record that passed the checks it can have on its own.

    A plain class with slots, not a dataclass: one is made per pushed record.

    Attributes:
        record: as pushed.
        at: ``record.at`` as aware UTC (a naive ``at`` is UTC).
        data: what is stored and compared (``pin_verifier`` replaced by its sha256).
        profile: for profile records, the fields it sets.
        verifier: for profile records that set the PIN, the verifier.
    """

    __slots__ = ("at", "data", "profile", "record", "verifier")

    def __init__(
        self,
        record: Record,
        at: datetime,
        data: str,
        profile: dict[str, str] | None = None,
        verifier: str | None = None,
    ) -> None:
        self.record = record
        self.at = at
        self.data = data
        self.profile = profile
        self.verifier = verifier

    def key(self) -> RecordKey:
        r = self.record
        return (r.teacher, r.kind, r.item, self.at, self.data)


@dataclass
class Batch:
    """A parsed push: its clock, the records that may be stored, and those already refused."""

    client_time: datetime
    records: list[Prepared]
    rejected: list[Rejection] = field(default_factory=list)


def gunzip_capped(body: bytes, cap: int = PUSH_MAX_BYTES) -> bytes:
    """Decompresses a gzip body, refusing to make more than ``cap`` bytes (a gzip bomb).

    Raises:
        ApiError: 413 ``batch_too_large`` past the cap; 400 ``invalid`` for broken gzip.
    """
    out = bytearray()
    data = body
    try:
        while data:  # one gzip member per round (concatenated members are valid gzip)
            member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            while data and not member.eof:
                out += member.decompress(data, cap + 1 - len(out))
                if len(out) > cap:
                    raise ApiError(413, BATCH_TOO_LARGE, f"more than {cap} bytes after gunzip")
                data = member.unconsumed_tail
            if not member.eof:
                raise ApiError(400, INVALID, "the gzip body is cut off")
            data = member.unused_data
    except zlib.error as exc:
        raise ApiError(400, INVALID, f"the body is not valid gzip: {exc}") from None
    return bytes(out)


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    client_time: datetime
    records: list[Any] = Field(max_length=PUSH_MAX_RECORDS)


def parse_batch(body: bytes) -> Batch:
    """Parses a push body; records that fail on their own are refused, not the batch.

    Raises:
        ApiError: 413 ``batch_too_large`` for more than ``PUSH_MAX_RECORDS`` records; 422
            ``invalid`` when the body is not a batch or a broken record has no id to refuse.
    """
    try:
        batch = PushBatch.model_validate_json(body)
    except ValidationError as exc:
        return _parse_leniently(body, exc)
    return _prepare_all(batch.client_time, batch.records, [])


def _parse_leniently(body: bytes, first: ValidationError) -> Batch:
    """The slow path: one broken record is refused ``invalid`` instead of the whole batch."""
    if any(_too_many(error) for error in first.errors()):
        raise ApiError(413, BATCH_TOO_LARGE, f"more than {PUSH_MAX_RECORDS} records")
    try:
        envelope = _Envelope.model_validate_json(body)
    except ValidationError as exc:
        if any(_too_many(error) for error in exc.errors()):
            raise ApiError(413, BATCH_TOO_LARGE, f"more than {PUSH_MAX_RECORDS} records") from None
        raise ApiError(422, INVALID, f"not a push batch: {_describe(exc)}") from None
    records: list[Record] = []
    rejected: list[Rejection] = []
    for index, raw in enumerate(envelope.records):
        try:
            records.append(Record.model_validate(raw))
        except ValidationError as exc:
            record_id = raw.get("id") if isinstance(raw, dict) else None
            if not isinstance(record_id, str) or not record_id or len(record_id) > 64:
                raise ApiError(
                    422, INVALID, f"records[{index}] has no id: {_describe(exc)}"
                ) from None
            rejected.append(Rejection(id=record_id, code="invalid", detail=_describe(exc)))
    return _prepare_all(envelope.client_time, records, rejected)


def _too_many(error: Any) -> bool:
    return bool(error.get("type") == "too_long" and tuple(error.get("loc", ())) == ("records",))


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg"))


def _prepare_all(
    client_time: datetime, records: Sequence[Record], rejected: list[Rejection]
) -> Batch:
    prepared: list[Prepared] = []
    append = prepared.append
    for record in records:  # the hot loop: kept to the checks every record needs
        try:
            data = from_json(record.data)
        except (ValueError, TypeError):
            outcome: Prepared | str = "data is not JSON"
        else:
            if type(data) is not dict:
                outcome = "data must be a JSON object"
            else:
                at = record.at
                at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
                if record.kind.startswith(PROFILE_PREFIX):
                    outcome = _prepare_profile(record, at, data)
                else:
                    append(Prepared(record, at, record.data))
                    continue
        if isinstance(outcome, Prepared):
            append(outcome)
        else:
            rejected.append(Rejection(id=record.id, code="invalid", detail=outcome))
    return Batch(as_utc(client_time), prepared, rejected)


def _prepare_profile(record: Record, at: datetime, data: dict[str, Any]) -> Prepared | str:
    if record.kind not in (PROFILE_CREATED, PROFILE_UPDATED):
        return f"unknown profile record kind {record.kind!r}"
    fields = {name: data[name] for name in PROFILE_FIELDS if name in data}
    if record.kind == PROFILE_CREATED and len(fields) < len(PROFILE_FIELDS):
        missing = ", ".join(name for name in PROFILE_FIELDS if name not in fields)
        return f"profile.created lacks {missing}"
    try:
        ProfileFields.model_validate({**_PROFILE_BASE, **fields})
    except ValidationError as exc:
        return _describe(exc)
    verifier = data.get("pin_verifier")
    if verifier is None:
        if record.kind == PROFILE_CREATED:
            return "profile.created lacks pin_verifier"
        return Prepared(record, at, record.data, fields)
    if not isinstance(verifier, str) or not _VERIFIER.fullmatch(verifier):
        return "pin_verifier must be 64 lowercase hex digits"
    stored = {
        ("pin_verifier_sha256" if name == "pin_verifier" else name): (
            verifier_sha256(verifier) if name == "pin_verifier" else value
        )
        for name, value in data.items()
    }
    text = json.dumps(stored, ensure_ascii=False, separators=(",", ":"))
    return Prepared(record, at, text, fields, verifier)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def pre_hash(batch: Batch, most: int = PRE_HASH_MAX) -> dict[str, PinHash]:
    """Hashes the last PIN verifier of each teacher in the batch, before any lock is taken.

    At most ``most`` of them: whether a teacher's records may be stored is known only inside
    the transaction, and a batch naming thousands of teachers must not buy thousands of scrypt
    runs up front. :func:`server.push.store_batch` hashes any other verifier it stores.
    """
    last: dict[str, str] = {}
    for item in batch.records:
        if item.verifier is not None:
            last[item.record.teacher] = item.verifier
    verifiers = list(dict.fromkeys(last.values()))[:most]
    return {verifier: hash_verifier(verifier) for verifier in verifiers}
