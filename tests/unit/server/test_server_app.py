"""The HTTP API in-process (Starlette's test client): documents, errors, asset headers."""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from server.app import Settings, create_app
from server.publish import publish_course
from wire.api import CATALOG_PAGE_MAX, CatalogPage, ServerInfo
from wire.blobs import BlobStore

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 package; httpx, a dev dependency, works the same here.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOON = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(
    tmp_path: Path, sessions: sessionmaker[Session], blobs: BlobStore
) -> Iterator[TestClient]:
    app = create_app(Settings(tmp_path / "data", sessions, blobs, clock=lambda: NOON))
    with TestClient(app) as client:
        yield client


def _publish(sessions: sessionmaker[Session], blobs: BlobStore, folder: Path) -> None:
    with sessions() as session:
        publish_course(session, blobs, folder)


def test_info_reports_name_version_and_the_injected_clock(client: TestClient) -> None:
    response = client.get("/api/v1/info")

    assert response.status_code == 200
    info = ServerInfo.model_validate_json(response.content)
    assert (info.name, info.api, info.time) == ("Lamplight county server", 1, NOON)


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("limit=0", "query.limit"),
        (f"limit={CATALOG_PAGE_MAX + 1}", "query.limit"),
        ("since=-1", "query.since"),
        ("since=abc", "query.since"),
        (f"since={2**63}", "query.since"),
    ],
)
def test_out_of_range_catalog_query_is_a_json_422(
    client: TestClient, query: str, where: str
) -> None:
    response = client.get(f"/api/v1/catalog?{query}")

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail.startswith(f"{where}: ")


def test_catalog_default_and_maximum_limits_are_accepted(
    client: TestClient, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    _publish(sessions, blobs, kit.course())

    for query in ("", f"?limit={CATALOG_PAGE_MAX}", "?limit=1&since=0"):
        response = client.get(f"/api/v1/catalog{query}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        page = CatalogPage.model_validate_json(response.content)
        assert [c.id for c in page.courses] == ["ict-basics"]


@pytest.mark.parametrize(
    "name", ["0" * 63, "A" * 64, "g" * 64, "0" * 65, "..%2F..%2Fserver.sqlite3", "0" * 64]
)
def test_invalid_or_unknown_asset_is_a_json_404(client: TestClient, name: str) -> None:
    response = client.get(f"/api/v1/assets/{name}")

    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_asset_headers_and_bytes(
    client: TestClient, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    video = kit.mp4(size=5000, seed=3)
    _publish(sessions, blobs, kit.course(video=video))
    sha = hashlib.sha256(video).hexdigest()

    response = client.get(f"/api/v1/assets/{sha}")
    head = client.head(f"/api/v1/assets/{sha}")

    assert response.status_code == 200 and response.content == video
    for r in (response, head):
        assert r.headers["etag"] == f'"{sha}"'
        assert r.headers["content-type"] == "video/mp4"
        assert r.headers["content-length"] == "5000"
        assert r.headers["accept-ranges"] == "bytes"
        assert r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert head.status_code == 200 and head.content == b""


def test_version_1_media_is_still_served_after_version_2(
    client: TestClient, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    old = kit.mp4(seed=1)
    folder = kit.course(video=old)
    _publish(sessions, blobs, folder)
    (folder / "media" / "intro.mp4").write_bytes(kit.mp4(seed=2))
    _publish(sessions, blobs, folder)

    response = client.get(f"/api/v1/assets/{hashlib.sha256(old).hexdigest()}")

    assert response.status_code == 200 and response.content == old


def test_published_asset_whose_file_vanished_is_a_json_500(
    client: TestClient, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    video = kit.mp4(seed=4)
    _publish(sessions, blobs, kit.course(video=video))
    sha = hashlib.sha256(video).hexdigest()
    blobs.discard(sha)

    response = client.get(f"/api/v1/assets/{sha}")

    assert response.status_code == 500
    assert "missing" in response.json()["detail"]


def test_unknown_route_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


def test_openapi_documents_the_routes_with_wire_models(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    assert set(spec["paths"]) == {
        "/api/v1/info",
        "/api/v1/catalog",
        "/api/v1/assets/{sha256}",
    }
    assert set(spec["paths"]["/api/v1/assets/{sha256}"]) == {"get", "head"}
    assert {"CatalogPage", "CatalogCourse", "ServerInfo", "ErrorBody"} <= set(
        spec["components"]["schemas"]
    )
    assert client.get("/docs").status_code == 200
