"""How the client sends HTTP requests: a small protocol, a ``requests`` transport and a fake.

The sync code sends ``GET`` and ``POST`` requests through a :class:`Transport`, so tests give it a
:class:`FakeTransport` (a handler function that answers canned responses, like httpx's
``MockTransport``) and the application gives it a :class:`RequestsTransport`.

Whatever the transport, a failure to reach the server (refused, DNS, timeout, a connection
reset mid-body) surfaces as :class:`~app.sync.errors.OfflineError`, from ``get`` and from the
response's ``content``/``iter_content`` alike.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from app import __version__
from app.sync.errors import OfflineError

#: ``(connect, read)`` seconds, or one number for both (as ``requests`` takes it).
Timeout = float | tuple[float, float]
Params = Mapping[str, str | int]

USER_AGENT = f"Lamplight/{__version__}"


class Response(Protocol):
    """The parts of an HTTP response the client reads."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]:
        """Case-insensitive."""
        ...

    @property
    def content(self) -> bytes:
        """The whole body (read now, if the request was streamed)."""
        ...

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        ...

    def iter_content(self, chunk_size: int) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class Transport(Protocol):
    """Sends one request."""

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: Timeout,
    ) -> Response:
        """Sends a GET and returns the response (the body unread when ``stream``).

        Raises:
            OfflineError: the server could not be reached.
        """
        ...

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        """Sends a POST with ``content`` as the body; the response body is read.

        Raises:
            OfflineError: the server could not be reached or the connection dropped.
        """
        ...

    def close(self) -> None: ...


_NETWORK_ERRORS = (
    requests.ConnectionError,  # refused, DNS, reset; also read timeouts while streaming
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # the connection dropped inside the body
)


class _RequestsResponse:
    """A ``requests.Response`` whose body errors become :class:`OfflineError`."""

    def __init__(self, response: requests.Response) -> None:
        self._response = response

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def content(self) -> bytes:
        try:
            return self._response.content
        except _NETWORK_ERRORS as exc:
            raise OfflineError(f"connection lost while reading the answer: {exc}") from exc

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        """The body in pieces of ``chunk_size`` (the last one shorter). When the connection
        drops, the part-filled piece is still handed over before the error, so every byte
        received is kept (``requests``' own ``iter_content`` loses it). Bodies with a
        ``Content-Encoding`` go through ``requests``.
        """
        raw = self._response.raw
        encoded = self._response.headers.get("Content-Encoding", "identity").lower()
        if encoded != "identity" or not hasattr(raw, "read1"):
            try:
                yield from self._response.iter_content(chunk_size)
            except _NETWORK_ERRORS as exc:
                raise OfflineError(f"connection lost while downloading: {exc}") from exc
            return
        while True:
            parts: list[bytes] = []
            size = 0
            try:
                while size < chunk_size:
                    data = raw.read1(chunk_size - size)
                    if not data:
                        break
                    parts.append(data)
                    size += len(data)
            except (*_NETWORK_ERRORS, urllib3.exceptions.HTTPError, OSError) as exc:
                if parts:  # what arrived before the drop is kept
                    yield b"".join(parts)
                raise OfflineError(f"connection lost while downloading: {exc}") from exc
            if parts:
                yield parts[0] if len(parts) == 1 else b"".join(parts)
            if size < chunk_size:
                return

    def close(self) -> None:
        self._response.close()


class RequestsTransport:
    """A :class:`Transport` over one ``requests.Session`` (its connections are reused).

    Use one per worker thread: a ``requests.Session`` is not meant to be shared across threads.

    Args:
        session: the session to use (tests mount adapters on it); a new one by default.
        user_agent: sent with every request.
    """

    def __init__(
        self, session: requests.Session | None = None, *, user_agent: str = USER_AGENT
    ) -> None:
        self._session = session if session is not None else _new_session()
        self._session.headers["User-Agent"] = user_agent

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: Timeout,
    ) -> Response:
        try:
            response = self._session.get(
                url,
                params=dict(params) if params else None,
                headers=dict(headers) if headers else None,
                stream=stream,
                timeout=timeout,
            )
        except _NETWORK_ERRORS as exc:
            raise OfflineError(f"cannot reach {_origin(url)}: {exc}") from exc
        return _RequestsResponse(response)

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        try:
            response = self._session.post(
                url, data=content, headers=dict(headers) if headers else None, timeout=timeout
            )
        except _NETWORK_ERRORS as exc:
            raise OfflineError(f"cannot reach {_origin(url)}: {exc}") from exc
        return _RequestsResponse(response)

    def close(self) -> None:
        self._session.close()


def _new_session() -> requests.Session:
    """A session that tries a request once more when the connection broke before any answer
    came: typically a kept-alive connection the server had just closed as idle. Every request
    the client sends is safe to repeat (a push is idempotent on the server)."""
    session = requests.Session()
    retry = Retry(
        total=1,
        connect=1,
        read=1,
        status=0,
        other=0,
        allowed_methods=None,
        backoff_factor=0,
        respect_retry_after_header=False,  # a 429 goes to the caller, who says when to retry
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass(frozen=True)
class FakeRequest:
    """A request a :class:`FakeTransport` received."""

    url: str
    params: dict[str, str | int]
    headers: CaseInsensitiveDict[str]
    stream: bool
    timeout: Timeout
    method: str = "GET"
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class FakeResponse:
    """A canned response.

    Args:
        status_code: the HTTP status.
        headers: response headers (looked up case-insensitively).
        content: the body.
        json: a JSON body instead of ``content`` (sets ``Content-Type``).
        chunks: the body as it arrives; an exception among them is raised at that point
            (e.g. an ``OfflineError`` for a connection dropped mid-body).
    """

    def __init__(
        self,
        status_code: int = 200,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
        json: Any = None,
        chunks: Iterable[bytes | Exception] | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        if json is not None:
            content = jsonlib.dumps(json, default=str).encode()
            self.headers.setdefault("Content-Type", "application/json")
        self._content = content
        self._chunks = list(chunks) if chunks is not None else None
        self.closed = False

    @property
    def content(self) -> bytes:
        if self._chunks is None:
            return self._content
        return b"".join(self.iter_content(1 << 20))

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def iter_content(self, chunk_size: int) -> Iterator[bytes]:
        if self._chunks is not None:
            for part in self._chunks:
                if isinstance(part, Exception):
                    raise part
                yield part
            return
        for start in range(0, len(self._content), chunk_size):
            yield self._content[start : start + chunk_size]

    def close(self) -> None:
        self.closed = True


Handler = Callable[[FakeRequest], FakeResponse]


@dataclass
class FakeTransport:
    """A :class:`Transport` that answers with ``handler(request)`` and records the requests.

    The handler may raise :class:`OfflineError` to act as an unreachable server.
    """

    handler: Handler
    requests: list[FakeRequest] = field(default_factory=list)
    closed: bool = False

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: Timeout,
    ) -> Response:
        request = FakeRequest(
            url=url,
            params=dict(params or {}),
            headers=CaseInsensitiveDict(dict(headers or {})),
            stream=stream,
            timeout=timeout,
        )
        self.requests.append(request)
        return self.handler(request)

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        request = FakeRequest(
            url=url,
            params={},
            headers=CaseInsensitiveDict(dict(headers or {})),
            stream=False,
            timeout=timeout,
            method="POST",
            body=content,
        )
        self.requests.append(request)
        return self.handler(request)

    def close(self) -> None:
        self.closed = True
