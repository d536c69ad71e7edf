"""Typed calls to the county server's ``/api/v1``.

:class:`ServerClient` turns HTTP into :mod:`wire.api` models and the errors of
:mod:`app.sync.errors`; it never touches the database or the disk. A captive portal answering a
login page instead of the catalog, for example, becomes a :class:`BadResponseError`.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.sync.errors import (
    BadResponseError,
    DeviceRevokedError,
    EnrollmentCodeError,
    NotEnrolledError,
    PinRejectedError,
    ServerError,
    TooManyAttemptsError,
)
from app.sync.transport import Params, Response, Timeout, Transport
from wire import API_PREFIX, blocks, sync
from wire.api import CATALOG_PAGE_DEFAULT, CatalogPage, ErrorBody, ServerInfo
from wire.sync import (
    ClaimRequest,
    Enrollment,
    EnrollRequest,
    PullRequest,
    PullResult,
    PushResult,
    TeacherList,
    TeacherProfile,
)

M = TypeVar("M", bound=BaseModel)

_SHA256 = re.compile(r"[0-9a-f]{64}")
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
_DETAIL_MAX = 200


def etag_of(sha256: str) -> str:
    """The ETag the server sends for an asset, as ``If-Range`` expects it."""
    return f'"{sha256}"'


@dataclass
class AssetStream:
    """An asset's body being received.

    Attributes:
        start: the offset of the first byte of the body in the asset: the ``Range`` start when
            the server answered 206, ``0`` when it sent the whole asset (200).
        total: the asset's full size as the server announced it, if it did.
    """

    start: int
    total: int | None
    _response: Response

    def iter_chunks(self, chunk_size: int) -> Iterator[bytes]:
        """The body, chunk by chunk.

        Raises:
            OfflineError: the connection dropped.
        """
        for data in self._response.iter_content(chunk_size):
            if data:
                yield data

    def close(self) -> None:
        self._response.close()

    def __enter__(self) -> AssetStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ServerClient:
    """The county server's API. Makes no request until a method is called.

    Args:
        base_url: the server's address, like ``http://192.168.1.10:8000``.
        transport: how requests are sent.
        token: this PC's device credential, sent with every request but ``/info`` and
            ``/devices/enroll``; empty before enrollment.
        timeout: ``(connect, read)`` seconds for every request.

    Every method may raise :class:`OfflineError`, :class:`ServerError` and
    :class:`BadResponseError`; the authenticated ones also :class:`NotEnrolledError` (401) and
    :class:`DeviceRevokedError`.
    """

    def __init__(
        self,
        base_url: str,
        transport: Transport,
        *,
        token: str = "",
        timeout: Timeout = (5.0, 30.0),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.transport = transport
        self.token = token
        self.timeout = timeout

    def _url(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _get_model(self, path: str, model: type[M], params: Params | None = None) -> M:
        response = self.transport.get(
            self._url(path), params=params, headers=self._auth(), timeout=self.timeout
        )
        return _parse(response, path, model)

    def _post_model(
        self,
        path: str,
        body: BaseModel | bytes,
        model: type[M],
        *,
        compress: bool = False,
        timeout: Timeout | None = None,
        content_encoding: str | None = None,
    ) -> M:
        content = body if isinstance(body, bytes) else body.model_dump_json().encode()
        headers = {"Content-Type": "application/json", **self._auth()}
        if compress:
            content = gzip_body(content)
            headers["Content-Encoding"] = "gzip"
        elif content_encoding:
            headers["Content-Encoding"] = content_encoding
        response = self.transport.post(
            self._url(path), content=content, headers=headers, timeout=timeout or self.timeout
        )
        return _parse(response, path, model)

    def info(self) -> ServerInfo:
        """``GET /info``: the server's name, version and clock; a cheap reachability probe.

        Raises:
            OfflineError, ServerError, BadResponseError.
        """
        return self._get_model("/info", ServerInfo)

    def catalog_page(self, since: int, limit: int = CATALOG_PAGE_DEFAULT) -> CatalogPage:
        """``GET /catalog``: the courses changed after the cursor ``since``.

        Raises:
            OfflineError, ServerError, BadResponseError.
        """
        return self._get_model("/catalog", CatalogPage, {"since": since, "limit": limit})

    def enroll(self, code: str, device_name: str) -> Enrollment:
        """``POST /devices/enroll``: a device credential for a school's enrollment code.

        Raises:
            EnrollmentCodeError: the server knows no such code.
            TooManyAttemptsError: too many wrong codes from here lately.
        """
        request = EnrollRequest(code=sync.normalize_enrollment_code(code), device_name=device_name)
        return self._post_model("/devices/enroll", request, Enrollment)

    def push(
        self, body: bytes, *, timeout: Timeout | None = None, compressed: bool = False
    ) -> PushResult:
        """``POST /sync/push`` with a :class:`wire.sync.PushBatch` already encoded as JSON (the
        caller builds it: it is the hot path); sent gzip-compressed (``compressed``: it already
        is, by :func:`gzip_body`)."""
        if compressed:
            return self._post_model(
                "/sync/push", body, PushResult, timeout=timeout, content_encoding="gzip"
            )
        return self._post_model("/sync/push", body, PushResult, compress=True, timeout=timeout)

    def pull(self, cursors: dict[str, int], limit: int = sync.PULL_DEFAULT_LIMIT) -> PullResult:
        """``POST /sync/pull``: the teachers' records from other devices after the cursors."""
        return self._post_model("/sync/pull", PullRequest(cursors=cursors, limit=limit), PullResult)

    def find_teachers(self, name: str) -> TeacherList:
        """``GET /teachers?name=``: teachers whose name contains ``name``."""
        return self._get_model("/teachers", TeacherList, {"name": name})

    def claim_teacher(self, teacher_id: str, verifier: str) -> TeacherProfile:
        """``POST /teachers/{id}/claim``: proves the teacher's PIN; the teacher then lives on
        this device too.

        Raises:
            PinRejectedError: wrong PIN.
            TooManyAttemptsError: claims of this teacher (or from here) are locked for a while.
            ServerError: 404 for a teacher the server does not know.
        """
        return self._post_model(
            f"/teachers/{teacher_id}/claim", ClaimRequest(pin_verifier=verifier), TeacherProfile
        )

    def open_asset(self, sha256: str, start: int = 0, if_range: str | None = None) -> AssetStream:
        """``GET /assets/{sha256}``, streamed; from byte ``start`` when ``start > 0``.

        Args:
            sha256: the asset.
            start: ask for the bytes from this offset on (``Range: bytes=<start>-``).
            if_range: sent as ``If-Range``, so a server whose asset is not this one sends the
                whole body instead of a range; defaults to the asset's ETag when resuming.

        Returns:
            The body, to be closed by the caller. Its ``start`` says where it begins: ``0`` if
            the server sent the whole asset although a range was asked for.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            OfflineError, BadResponseError.
            ServerError: any status but 200 and 206 (416 when ``start`` is past the end).
        """
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        path = f"/assets/{sha256}"
        # Byte offsets must be offsets in the file itself, never in a compressed encoding.
        headers = {"Accept-Encoding": "identity", **self._auth()}
        if start > 0:
            headers["Range"] = f"bytes={start}-"
            headers["If-Range"] = if_range if if_range is not None else etag_of(sha256)
        response = self.transport.get(
            self._url(path), headers=headers, stream=True, timeout=self.timeout
        )
        try:
            _raise_for_status(response, path)
            stream = _asset_stream(response, path, start)
        except BaseException:
            response.close()
            raise
        return stream

    def asset_blocks(self, sha256: str) -> list[bytes] | None:
        """``GET /assets/{sha256}/blocks``: the asset's block digests (:mod:`wire.blocks`).

        The caller checks them with :func:`wire.blocks.describes` before trusting them.

        Returns:
            The digests, or None from a server that has none for it (404: an older server,
            or no such asset).

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits.
            OfflineError, ServerError.
            BadResponseError: the body is not a whole number of digests.
        """
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        path = f"/assets/{sha256}/blocks"
        response = self.transport.get(self._url(path), headers=self._auth(), timeout=self.timeout)
        try:
            if response.status_code == 404:
                return None
            _raise_for_status(response, path)
            return blocks.decode(response.content)
        except ValueError as exc:
            raise BadResponseError(f"{path}: {exc}") from None
        finally:
            response.close()

    def close(self) -> None:
        """Closes the transport (its pooled connections)."""
        self.transport.close()


def _asset_stream(response: Response, path: str, start: int) -> AssetStream:
    if response.status_code == 206:
        header = response.headers.get("Content-Range", "")
        match = _CONTENT_RANGE.fullmatch(header.strip())
        if match is None or int(match.group(1)) != start:
            raise BadResponseError(
                f"{path}: asked for bytes from {start}, got Content-Range {header!r}"
            )
        total = None if match.group(3) == "*" else int(match.group(3))
        return AssetStream(start=start, total=total, _response=response)
    length = response.headers.get("Content-Length", "")
    encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
    total = int(length) if length.isdigit() and not encoded else None
    return AssetStream(start=0, total=total, _response=response)


def gzip_body(data: bytes) -> bytes:
    """gzip at a middle level: records compress ~6x already at levels 1-6; CPU is the limit."""
    return gzip.compress(data, compresslevel=5, mtime=0)


def _parse(response: Response, path: str, model: type[M]) -> M:
    try:
        _raise_for_status(response, path)
        data = response.content
        return model.model_validate_json(data)
    except ValidationError as exc:
        if _is_json_error(exc):
            raise BadResponseError(
                f"{path}: the answer is not JSON "
                f"({response.headers.get('Content-Type', 'no content type')})"
            ) from None
        raise BadResponseError(f"{path}: unexpected answer: {_first_error(exc)}") from None
    finally:
        response.close()


def _is_json_error(exc: ValidationError) -> bool:
    return any(error.get("type") == "json_invalid" for error in exc.errors())


def _raise_for_status(response: Response, path: str) -> None:
    status = response.status_code
    if status in (200, 206):
        return
    body = _error_body(response)
    detail = f" ({body.detail[:_DETAIL_MAX]})" if body is not None else ""
    message = f"{path}: the server answered HTTP {status}{detail}"
    code = body.code if body is not None else None
    if status == 401:
        raise NotEnrolledError(message)
    if status == 403 and code == sync.DEVICE_REVOKED:
        raise DeviceRevokedError(message)
    if status == 403 and code == sync.ENROLLMENT_CODE_WRONG:
        raise EnrollmentCodeError(message)
    if status == 403 and code == sync.PIN_WRONG:
        raise PinRejectedError(message, body.attempts_left if body is not None else None)
    if status == 429:
        retry = body.retry_after if body is not None else None
        if retry is None:
            header = response.headers.get("Retry-After", "")
            retry = int(header) if header.isdigit() else None
        raise TooManyAttemptsError(message, retry)
    raise ServerError(status, message, code)


def _error_body(response: Response) -> ErrorBody | None:
    """The server's ``{"detail": ..., "code": ...}``, or None."""
    try:
        return ErrorBody.model_validate(response.json())
    except Exception:  # not JSON, not an ErrorBody, or the connection dropped: keep the status
        return None


def _first_error(exc: ValidationError) -> str:
    first: Any = exc.errors()[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "(top level)"
    return f"{where}: {first.get('msg', 'invalid')}"
