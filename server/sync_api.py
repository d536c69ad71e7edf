"""The sync routes of ``/api/v1`` (see ``docs/sync.md``); the work is done in
:mod:`server.devices`, :mod:`server.batches` and :mod:`server.push`, :mod:`server.pull` and
:mod:`server.teachers`.

Routes:
    POST /devices/enroll             :class:`wire.sync.Enrollment` for a school's code.
    POST /sync/push                  :class:`wire.sync.PushResult`, after the commit.
    POST /sync/pull                  :class:`wire.sync.PullResult`, gzip when accepted.
    GET  /teachers?name=             :class:`wire.sync.TeacherList`.
    POST /teachers/{id}/claim        :class:`wire.sync.TeacherProfile`.

Every route but ``/devices/enroll`` needs the device's bearer token (:mod:`server.auth`).
"""

from __future__ import annotations

import gzip
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from server import batches, devices, push, teachers
from server.auth import DeviceDep
from server.deps import SessionDep, SettingsDep
from server.errors import ApiError
from server.pull import pull
from wire import API_PREFIX
from wire.api import ErrorBody
from wire.sync import (
    BATCH_TOO_LARGE,
    INVALID,
    PUSH_MAX_BYTES,
    ClaimRequest,
    Enrollment,
    EnrollRequest,
    PullRequest,
    PullResult,
    PushBatch,
    PushResult,
    TeacherList,
    TeacherProfile,
)

#: Pull answers larger than this are gzipped for clients that accept it.
GZIP_MIN_BYTES = 1024
GZIP_LEVEL = 5
JSON = "application/json"

router = APIRouter(prefix=API_PREFIX)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "the body is not valid gzip",
        401: "`device_unknown`: no or an unknown device token",
        403: "refused; `code` says why",
        404: "`teacher_unknown`",
        413: "`batch_too_large`",
        415: "a `Content-Encoding` other than gzip",
        422: "`invalid`: the body is not what the route takes",
        429: "`too_many_attempts`; `retry_after` seconds (also `Retry-After`)",
    }
    return {status: {"model": ErrorBody, "description": described[status]} for status in statuses}


@router.post(
    "/devices/enroll",
    response_model=Enrollment,
    responses=_errors(403, 422, 429),
    tags=["devices"],
)
def enroll(
    body: EnrollRequest, request: Request, db: SessionDep, settings: SettingsDep
) -> Response:
    """A device credential for a school's enrollment code (case, spaces, dashes ignored).

    The token is shown only once; the server keeps its sha256. Too many wrong codes from one
    address answer 429 for a while.
    """
    address = request.client.host if request.client is not None else "unknown"
    enrollment = devices.enroll(db, body.code, body.device_name, address, settings.clock())
    return Response(enrollment.model_dump_json(), media_type=JSON)


def _push_body() -> dict[str, Any]:
    """The push route's documented body: it reads the bytes itself (gzip), so FastAPI cannot
    infer it. ``Record`` is in the components already (pull answers carry records)."""
    schema = PushBatch.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return {
        "requestBody": {
            "required": True,
            "description": "a PushBatch as JSON, preferably with `Content-Encoding: gzip`",
            "content": {JSON: {"schema": schema}},
        }
    }


@router.post(
    "/sync/push",
    response_model=PushResult,
    responses=_errors(400, 401, 403, 413, 415, 422),
    openapi_extra=_push_body(),
    tags=["sync"],
)
async def push_records(
    request: Request, device: DeviceDep, db: SessionDep, settings: SettingsDep
) -> Response:
    """Stores a batch of records, each once; answers after the commit.

    Per record: new (`accepted`), already stored with the same content (`duplicates`), or
    refused in `rejected` (`conflict`, `forbidden`, `invalid`).
    """
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ApiError(415, INVALID, f"Content-Encoding {encoding!r}: send gzip or nothing")
    body = await _read_capped(request)

    def work() -> PushResult:
        raw = batches.gunzip_capped(body) if encoding == "gzip" else body
        batch = batches.parse_batch(raw)
        hashes = batches.pre_hash(batch)
        return push.store_batch(db, device.id, batch, settings.clock(), hashes)

    result = await run_in_threadpool(work)
    return Response(result.model_dump_json(), media_type=JSON)


async def _read_capped(request: Request) -> bytes:
    """The request body, refusing more than ``PUSH_MAX_BYTES`` (before or after gunzip)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > PUSH_MAX_BYTES:
        raise ApiError(413, BATCH_TOO_LARGE, f"more than {PUSH_MAX_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > PUSH_MAX_BYTES:
            raise ApiError(413, BATCH_TOO_LARGE, f"more than {PUSH_MAX_BYTES} bytes")
    if not body:
        raise ApiError(422, INVALID, "the body is empty; send a PushBatch")
    return bytes(body)


@router.post(
    "/sync/pull",
    response_model=PullResult,
    responses=_errors(401, 403, 422),
    tags=["sync"],
)
def pull_records(
    body: PullRequest, request: Request, device: DeviceDep, db: SessionDep, settings: SettingsDep
) -> Response:
    """Records of other devices after each cursor, oldest first, and changed profiles.

    Ask again with the returned cursors while any `has_more`. gzip-compressed when the request
    says `Accept-Encoding: gzip` and the answer is over 1 KiB.
    """
    content = pull(db, device.id, body, settings.clock()).model_dump_json().encode("utf-8")
    if len(content) > GZIP_MIN_BYTES and accepts_gzip(request.headers.get("accept-encoding", "")):
        return Response(
            gzip.compress(content, compresslevel=GZIP_LEVEL, mtime=0),
            media_type=JSON,
            headers={"Content-Encoding": "gzip", "Vary": "Accept-Encoding"},
        )
    return Response(content, media_type=JSON, headers={"Vary": "Accept-Encoding"})


def accepts_gzip(header: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``gzip;q=0`` does not)."""
    for part in header.split(","):
        coding, _, params = part.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip"):
            continue
        name, _, value = params.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value) > 0
            except ValueError:
                return False
        return True
    return False


@router.get(
    "/teachers", response_model=TeacherList, responses=_errors(401, 403, 422), tags=["teachers"]
)
def find_teachers(
    device: DeviceDep,
    db: SessionDep,
    name: Annotated[str, Query(min_length=1, max_length=100, description="part of the name")],
) -> TeacherList:
    """Teachers whose name contains `name`, at most 20: enough to pick oneself from a list."""
    with db.begin():
        return TeacherList(teachers=teachers.find(db, name))


@router.post(
    "/teachers/{teacher_id}/claim",
    response_model=TeacherProfile,
    responses=_errors(401, 403, 404, 422, 429),
    tags=["teachers"],
)
def claim_teacher(
    teacher_id: str,
    body: ClaimRequest,
    device: DeviceDep,
    db: SessionDep,
    settings: SettingsDep,
) -> TeacherProfile:
    """The teacher's profile, when `pin_verifier` is the teacher's: the teacher then lives on
    this device too (its records come with pull).

    Five wrong PINs for a teacher lock its claims for 15 minutes, twenty from a device lock
    that device's claims for an hour (429, `retry_after`).
    """
    return teachers.claim(db, device.id, teacher_id, body.pin_verifier, settings.clock())
