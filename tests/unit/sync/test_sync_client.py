"""ServerClient: typed answers, and every way an answer can be wrong mapped to its error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from app.sync.client import ServerClient
from app.sync.errors import BadResponseError, OfflineError, ServerError
from app.sync.transport import FakeRequest, FakeResponse, FakeTransport

SHA = "ab" * 32


def client_answering(answer: FakeResponse | Exception) -> tuple[ServerClient, FakeTransport]:
    def handler(request: FakeRequest) -> FakeResponse:
        if isinstance(answer, Exception):
            raise answer
        return answer

    transport = FakeTransport(handler)
    return ServerClient("http://county.test:8000/", transport), transport


def page_json(**changes: Any) -> dict[str, Any]:
    page: dict[str, Any] = {"courses": [], "cursor": 7, "has_more": False}
    page.update(changes)
    return page


def test_the_constructor_sends_nothing() -> None:
    _, transport = client_answering(FakeResponse())
    assert transport.requests == []


def test_info_parses_the_server_clock() -> None:
    client, transport = client_answering(
        FakeResponse(json={"name": "county", "version": "1.0", "time": "2024-09-01T08:00:00Z"})
    )
    info = client.info()
    assert info.name == "county"
    assert info.time == datetime(2024, 9, 1, 8, 0, tzinfo=UTC)
    assert transport.requests[0].url == "http://county.test:8000/api/v1/info"
    assert transport.requests[0].timeout == (5.0, 30.0)


def test_catalog_page_sends_the_cursor_and_limit() -> None:
    client, transport = client_answering(FakeResponse(json=page_json(has_more=True)))
    page = client.catalog_page(since=3, limit=50)
    assert (page.cursor, page.has_more, page.courses) == (7, True, [])
    assert transport.requests[0].params == {"since": 3, "limit": 50}


def test_a_catalog_that_is_not_json_is_a_bad_response() -> None:
    portal = FakeResponse(
        headers={"Content-Type": "text/html"}, content=b"<html>Please log in to WiFi</html>"
    )
    client, _ = client_answering(portal)
    with pytest.raises(BadResponseError, match=r"not JSON \(text/html\)"):
        client.catalog_page(0, 10)


def test_a_catalog_of_the_wrong_shape_names_the_field() -> None:
    client, _ = client_answering(FakeResponse(json=page_json(cursor="soon")))
    with pytest.raises(BadResponseError, match="cursor"):
        client.catalog_page(0, 10)


def test_a_truncated_catalog_is_a_bad_response() -> None:
    client, _ = client_answering(FakeResponse(content=b'{"courses": [{"id": "a"'))
    with pytest.raises(BadResponseError):
        client.catalog_page(0, 10)


def test_server_errors_keep_the_status_and_detail() -> None:
    client, _ = client_answering(FakeResponse(503, json={"detail": "database is down"}))
    with pytest.raises(ServerError, match="HTTP 503 \\(database is down\\)") as caught:
        client.info()
    assert caught.value.status == 503


def test_a_server_error_without_a_json_body_still_has_its_status() -> None:
    client, _ = client_answering(FakeResponse(502, content=b"<h1>Bad Gateway</h1>"))
    with pytest.raises(ServerError) as caught:
        client.catalog_page(0, 10)
    assert caught.value.status == 502


def test_an_unreachable_server_is_offline() -> None:
    client, _ = client_answering(OfflineError("connection refused"))
    with pytest.raises(OfflineError):
        client.info()


def test_open_asset_from_the_start_sends_no_range() -> None:
    client, transport = client_answering(
        FakeResponse(headers={"Content-Length": "3"}, content=b"abc")
    )
    with client.open_asset(SHA) as stream:
        assert (stream.start, stream.total) == (0, 3)
        assert b"".join(stream.iter_chunks(2)) == b"abc"
    request = transport.requests[0]
    assert request.path == f"/api/v1/assets/{SHA}"
    assert request.stream is True
    assert "Range" not in request.headers
    assert "If-Range" not in request.headers
    assert request.headers["Accept-Encoding"] == "identity"


def test_open_asset_resuming_sends_range_and_if_range() -> None:
    answer = FakeResponse(206, headers={"Content-Range": "bytes 10-19/20"}, content=b"x" * 10)
    client, transport = client_answering(answer)
    with client.open_asset(SHA, start=10) as stream:
        assert (stream.start, stream.total) == (10, 20)
    assert transport.requests[0].headers["Range"] == "bytes=10-"
    assert transport.requests[0].headers["If-Range"] == f'"{SHA}"'
    assert answer.closed


def test_a_range_answer_for_other_bytes_is_a_bad_response() -> None:
    answer = FakeResponse(206, headers={"Content-Range": "bytes 0-19/20"}, content=b"x" * 20)
    client, _ = client_answering(answer)
    with pytest.raises(BadResponseError, match="Content-Range"):
        client.open_asset(SHA, start=10)
    assert answer.closed


def test_a_compressed_length_is_not_taken_for_the_asset_size() -> None:
    answer = FakeResponse(headers={"Content-Length": "3", "Content-Encoding": "gzip"})
    client, _ = client_answering(answer)
    with client.open_asset(SHA) as stream:
        assert stream.total is None


def test_a_missing_asset_is_a_server_error_404() -> None:
    client, _ = client_answering(FakeResponse(404, json={"detail": "no asset"}))
    with pytest.raises(ServerError) as caught:
        client.open_asset(SHA)
    assert caught.value.status == 404


def test_open_asset_refuses_what_is_not_a_sha256() -> None:
    client, transport = client_answering(FakeResponse())
    with pytest.raises(ValueError):
        client.open_asset("../../etc/passwd")
    assert transport.requests == []


def test_close_closes_the_transport() -> None:
    client, transport = client_answering(FakeResponse())
    client.close()
    assert transport.closed
