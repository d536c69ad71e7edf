"""The transports: network failures become OfflineError, the fake answers what it is told."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Mapping
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import ProtocolError

from app import __version__
from app.sync.errors import OfflineError
from app.sync.transport import FakeResponse, FakeTransport, RequestsTransport


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScriptedAdapter(BaseAdapter):
    """A requests adapter that records requests and answers, or raises, what it is given."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer
        self.sent: list[requests.PreparedRequest] = []

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        self.sent.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        response: requests.Response = self.answer
        response.request = request
        return response

    def close(self) -> None:
        pass


def scripted_session(answer: Any) -> tuple[requests.Session, ScriptedAdapter]:
    session = requests.Session()
    adapter = ScriptedAdapter(answer)
    session.mount("http://", adapter)
    return session, adapter


def canned(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = body
    return response


class BrokenBody:
    """A urllib3-like raw body that drops the connection after the first read."""

    def stream(self, chunk_size: int, decode_content: bool = True) -> Any:
        yield b"first"
        raise ProtocolError("Connection broken: IncompleteRead(5 bytes read, 95 more expected)")

    def close(self) -> None:
        pass


def test_connection_refused_is_offline() -> None:
    transport = RequestsTransport()
    try:
        with pytest.raises(OfflineError, match=r"cannot reach http://127\.0\.0\.1"):
            transport.get(f"http://127.0.0.1:{closed_port()}/api/v1/info", timeout=(2, 2))
    finally:
        transport.close()


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectionError("Name or service not known"),
        requests.ConnectTimeout("connect timed out"),
        requests.ReadTimeout("read timed out"),
        requests.exceptions.ChunkedEncodingError("reset"),
    ],
    ids=["dns", "connect-timeout", "read-timeout", "reset"],
)
def test_network_failures_are_offline(failure: Exception) -> None:
    session, _ = scripted_session(failure)
    transport = RequestsTransport(session)
    with pytest.raises(OfflineError):
        transport.get("http://county.test/api/v1/info", timeout=1)
    transport.close()


def test_a_connection_dropped_mid_body_is_offline() -> None:
    response = requests.Response()
    response.status_code = 200
    response.raw = BrokenBody()
    session, _ = scripted_session(response)
    transport = RequestsTransport(session)
    answer = transport.get("http://county.test/api/v1/assets/x", stream=True, timeout=1)
    chunks = answer.iter_content(4)
    assert next(chunks) == b"first"
    with pytest.raises(OfflineError, match="connection lost"):
        next(chunks)
    transport.close()


def test_requests_transport_sends_user_agent_params_and_headers() -> None:
    session, adapter = scripted_session(canned(200, b'{"a": 1}'))
    transport = RequestsTransport(session)
    answer = transport.get(
        "http://county.test/api/v1/catalog",
        params={"since": 3, "limit": 2},
        headers={"Range": "bytes=5-"},
        timeout=1,
    )
    assert answer.status_code == 200
    assert answer.json() == {"a": 1}
    sent = adapter.sent[0]
    assert sent.url == "http://county.test/api/v1/catalog?since=3&limit=2"
    assert sent.headers["User-Agent"] == f"Lamplight/{__version__}"
    assert sent.headers["Range"] == "bytes=5-"
    transport.close()


def test_requests_transport_json_of_html_is_value_error() -> None:
    session, _ = scripted_session(canned(200, b"<html>login to the school wifi</html>"))
    transport = RequestsTransport(session)
    with pytest.raises(ValueError):
        transport.get("http://county.test/api/v1/catalog", timeout=1).json()
    transport.close()


def test_fake_transport_records_requests_and_answers_from_the_handler() -> None:
    transport = FakeTransport(lambda request: FakeResponse(201, content=request.path.encode()))
    answer = transport.get("http://x.test/a/b?c=1", params={"since": 0}, timeout=1)
    assert (answer.status_code, answer.content) == (201, b"/a/b")
    assert transport.requests[0].params == {"since": 0}
    assert list(FakeResponse(content=b"abcde").iter_content(2)) == [b"ab", b"cd", b"e"]


def test_fake_response_can_drop_the_connection_midway() -> None:
    answer = FakeResponse(chunks=[b"abc", OfflineError("reset")])
    chunks = answer.iter_content(10)
    assert next(chunks) == b"abc"
    with pytest.raises(OfflineError):
        next(chunks)


def test_sync_never_imports_qt() -> None:
    code = (
        "import sys, app.sync.catalog_sync, app.sync.downloads, app.sync.client;"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'app.ui'))];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
