"""The sync protocol: devices, teachers and their records, as both sides see them.

Everything a teacher creates is a :class:`Record` with a client-made UUID. A device pushes its
records in batches (``POST /api/v1/sync/push``, gzip body); the server stores each record once,
acknowledges an id it already has with the same content again, and refuses the same id with
different content (``conflict``). It answers only after its transaction committed.

The server numbers every record it accepts with its own change sequence. A device pulls the
records of each of its teachers made on *other* devices (``POST /api/v1/sync/pull``) by a cursor
per teacher, and the teacher's current profile: mutable profile fields are resolved by that
sequence (the last change the server received wins), never by a client's clock.

Authentication: ``Authorization: Bearer <token>``, the device credential that
``POST /api/v1/devices/enroll`` hands out for a school's enrollment code. A teacher's records
reach a new PC only after ``POST /api/v1/teachers/{id}/claim`` with that teacher's PIN verifier
(:func:`pin_verifier`), checked and rate-limited by the server.

See ``docs/sync.md`` for the whole exchange.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# --- limits --------------------------------------------------------------------------------

PUSH_MAX_RECORDS = 5000
#: Largest push body the server reads, after gunzip (a gzip bomb stops here).
PUSH_MAX_BYTES = 16 * 1024 * 1024
PULL_DEFAULT_LIMIT = 2000
PULL_MAX_LIMIT = 5000
DATA_MAX_CHARS = 65536
TEACHERS_SEARCH_MAX = 20

# --- record kinds --------------------------------------------------------------------------

#: A new profile: data is :class:`ProfileFields` plus ``pin_verifier``.
PROFILE_CREATED = "profile.created"
#: Changed profile fields: data holds only the changed ones (and ``pin_verifier`` for a new PIN).
PROFILE_UPDATED = "profile.updated"
PROFILE_PREFIX = "profile."
#: A questionnaire or quiz (app.storage.responses): one answer, the page reached, the final
#: response. The server's reports read FORM_SUBMITTED.
FORM_ANSWER = "form.answer"
FORM_PAGE = "form.page"
FORM_SUBMITTED = "form.submitted"

UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
Uuid = Annotated[str, Field(pattern=UUID_PATTERN)]
Kind = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$", max_length=40)]

# --- machine-readable error codes (ErrorBody.code) -----------------------------------------

#: 401: no credential, or one the server does not know: enroll (again).
DEVICE_UNKNOWN = "device_unknown"
#: 403: the county removed this device.
DEVICE_REVOKED = "device_revoked"
#: 403: the enrollment code is not a school's current code.
ENROLLMENT_CODE_WRONG = "enrollment_code_wrong"
#: 403: the PIN verifier is not the teacher's (``attempts_left`` says how many tries remain).
PIN_WRONG = "pin_wrong"
#: 429: too many wrong codes or PINs; ``retry_after`` seconds (also the Retry-After header).
TOO_MANY_ATTEMPTS = "too_many_attempts"
#: 404: no such teacher on the server.
TEACHER_UNKNOWN = "teacher_unknown"
#: 403: pulling a teacher this device has not created or claimed.
TEACHER_NOT_ON_DEVICE = "teacher_not_on_device"
#: 413: more than PUSH_MAX_RECORDS records or PUSH_MAX_BYTES bytes.
BATCH_TOO_LARGE = "batch_too_large"
#: 400/422: the body is not what the endpoint takes.
INVALID = "invalid"

# Per-record refusals in PushResult.rejected.
REJECT_CONFLICT = "conflict"  # the server has this id with other content; nothing overwritten
REJECT_FORBIDDEN = "forbidden"  # the teacher does not live on this device
REJECT_INVALID = "invalid"  # e.g. data is not a JSON object
RejectCode = Literal["conflict", "forbidden", "invalid"]

_ENROLL_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Record(_Wire):
    """One thing a teacher did or changed, as pushed and pulled.

    ``at`` is the device's wall clock (naive UTC) when it happened: shown to people, corrected
    by the offset the server saw for reports, never used to order or merge. ``data`` is a JSON
    object as text, exactly as the device stored it (compared byte for byte).
    """

    id: Uuid
    teacher: Uuid
    kind: Kind
    item: str = Field(default="", max_length=130, description="item id; empty for profile.*")
    at: datetime
    data: str = Field(max_length=DATA_MAX_CHARS)


class PushBatch(_Wire):
    """``POST /api/v1/sync/push`` body (``Content-Encoding: gzip`` recommended)."""

    client_time: datetime = Field(description="the device's clock when sending (naive UTC)")
    records: list[Record] = Field(max_length=PUSH_MAX_RECORDS)


class Rejection(_Wire):
    id: str
    code: RejectCode
    detail: str


class PushResult(_Wire):
    """Sent only after the server committed: every record not in ``rejected`` is stored."""

    accepted: int = Field(ge=0, description="records new to the server")
    duplicates: int = Field(ge=0, description="records it already had, with the same content")
    rejected: list[Rejection] = []
    server_time: datetime


class ProfileFields(_Wire):
    name: str = Field(min_length=1, max_length=100)
    school: str = Field(max_length=200)
    gender: Literal["female", "male", "unspecified"]
    age_band: Literal["under30", "30to39", "40to49", "50plus"]
    subject: str = Field(max_length=100)


class TeacherProfile(ProfileFields):
    """A teacher as the server holds it now; ``seq`` is the server change that set it."""

    id: Uuid
    seq: int = Field(ge=1)


class PullRequest(_Wire):
    """``POST /api/v1/sync/pull``: the cursor this device holds for each of its teachers."""

    cursors: dict[str, int] = Field(description="teacher id -> cursor (0: from the start)")
    limit: int = Field(default=PULL_DEFAULT_LIMIT, ge=1, le=PULL_MAX_LIMIT)


class TeacherChanges(_Wire):
    """One teacher's records from other devices after the cursor, oldest first.

    ``profile`` is present when it changed after the cursor. Store ``cursor`` (with the records,
    in one transaction) and ask again while ``has_more``.
    """

    teacher: Uuid
    profile: TeacherProfile | None = None
    records: list[Record]
    cursor: int = Field(ge=0)
    has_more: bool


class PullResult(_Wire):
    teachers: list[TeacherChanges]
    server_time: datetime


class EnrollRequest(_Wire):
    """``POST /api/v1/devices/enroll``: no credential needed; the code is the credential."""

    code: str = Field(min_length=4, max_length=32)
    device_name: str = Field(min_length=1, max_length=100)


class Enrollment(_Wire):
    device_id: Uuid
    token: str = Field(description="send as `Authorization: Bearer <token>`; shown only once")
    school: str
    server_id: str


class TeacherSummary(_Wire):
    """``GET /api/v1/teachers?name=...``: enough to pick oneself from a list; no answers."""

    id: Uuid
    name: str
    school: str


class TeacherList(_Wire):
    teachers: list[TeacherSummary]


class ClaimRequest(_Wire):
    """``POST /api/v1/teachers/{id}/claim``: the PIN verifier of the teacher, typed on this PC."""

    pin_verifier: str = Field(pattern=r"^[0-9a-f]{64}$")


# --- helpers both sides use ----------------------------------------------------------------

PIN_VERIFIER_N, PIN_VERIFIER_R, PIN_VERIFIER_P = 2**14, 8, 1


def pin_verifier(teacher_id: str, pin: str) -> str:
    """What a device sends instead of a teacher's PIN: scrypt(PIN) salted by the teacher id.

    Any PC can compute it from the typed PIN, so the PIN itself never leaves the PC; the server
    stores only its own salted hash of it.
    """
    return hashlib.scrypt(
        pin.encode("utf-8"),
        salt=b"lamplight-teacher:" + teacher_id.encode("ascii"),
        n=PIN_VERIFIER_N,
        r=PIN_VERIFIER_R,
        p=PIN_VERIFIER_P,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    ).hex()


def normalize_enrollment_code(code: str) -> str:
    """Upper case without spaces or dashes, so ``ab3d-ef7h`` and ``AB3DEF7H`` are the same."""
    return re.sub(r"[\s\-]", "", code).upper()


def enrollment_alphabet() -> str:
    """The letters enrollment codes are made of (no easily confused 0/O, 1/I)."""
    return _ENROLL_CODE_ALPHABET
