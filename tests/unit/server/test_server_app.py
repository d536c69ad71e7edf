"""The HTTP API in-process (Starlette's test client): documents, errors, asset headers.

The client is an enrolled device (its token sent with every request); :mod:`test_server_devices`
covers requests without one.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from server_sync_helpers import FakeClock, SyncServer, TestClient
from sqlalchemy.orm import Session, sessionmaker

from server.app import Settings, create_app
from server.db import make_engine, make_sessionmaker, migrate
from server.publish import publish_course
from wire.api import CATALOG_PAGE_MAX, CatalogPage, ServerInfo
from wire.blobs import BlobStore

NOON = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def client(sync_server: SyncServer, clock: FakeClock) -> TestClient:
    """The test client of an enrolled device: its token goes with every request."""
    clock.now = NOON
    pc = sync_server.enroll()
    sync_server.http.headers["Authorization"] = f"Bearer {pc.token}"
    return sync_server.http


def _publish(sessions: sessionmaker[Session], blobs: BlobStore, folder: Path) -> None:
    with sessions() as session:
        publish_course(session, blobs, folder)


def test_info_reports_name_version_id_and_the_injected_clock(client: TestClient) -> None:
    response = client.get("/api/v1/info", headers={"Authorization": ""})

    assert response.status_code == 200
    info = ServerInfo.model_validate_json(response.content)
    assert (info.name, info.api, info.time) == ("Lamplight county server", 1, NOON)
    assert str(uuid.UUID(info.server_id)) == info.server_id
    assert ServerInfo.model_validate_json(client.get("/api/v1/info").content).server_id == (
        info.server_id
    )


def test_each_new_database_is_a_new_server_id(
    sync_server: SyncServer, tmp_path: Path, blobs: BlobStore
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    migrate(engine)
    try:
        other = create_app(Settings(tmp_path, make_sessionmaker(engine), blobs))
        with TestClient(other) as http:
            theirs = http.get("/api/v1/info").json()["server_id"]
    finally:
        engine.dispose()

    assert theirs != sync_server.http.get("/api/v1/info").json()["server_id"]


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
        "/api/v1/assets/{sha256}/blocks",
        "/api/v1/devices/enroll",
        "/api/v1/sync/push",
        "/api/v1/sync/pull",
        "/api/v1/teachers",
        "/api/v1/teachers/{teacher_id}/claim",
    }
    assert set(spec["paths"]["/api/v1/assets/{sha256}"]) == {"get", "head"}
    assert {
        "CatalogPage",
        "CatalogCourse",
        "ServerInfo",
        "ErrorBody",
        "Enrollment",
        "PushResult",
        "PullRequest",
        "PullResult",
        "TeacherList",
        "TeacherProfile",
    } <= set(spec["components"]["schemas"])
    push_body = spec["paths"]["/api/v1/sync/push"]["post"]["requestBody"]
    assert "records" in push_body["content"]["application/json"]["schema"]["properties"]
    refs = re.findall(r'"\$ref": "([^"]+)"', json.dumps(spec))
    assert refs and all(
        ref.removeprefix("#/components/schemas/") in spec["components"]["schemas"] for ref in refs
    )
    # Every route but /info and /devices/enroll is documented as needing the bearer token.
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            secured = bool(operation.get("security"))
            assert secured == (path not in ("/api/v1/info", "/api/v1/devices/enroll")), path
    assert client.get("/docs").status_code == 200
