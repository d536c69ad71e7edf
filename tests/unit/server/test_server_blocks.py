"""GET /api/v1/assets/{sha256}/blocks: block digests computed once, kept beside the blobs."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest
from server_sync_helpers import SyncServer, TestClient
from sqlalchemy.orm import Session, sessionmaker

from server.blocks import BlockDigests
from server.publish import publish_course
from wire import blocks
from wire.blobs import BlobStore
from wire.blocks import BLOCK_SIZE


@pytest.fixture
def client(sync_server: SyncServer) -> TestClient:
    pc = sync_server.enroll()
    sync_server.http.headers["Authorization"] = f"Bearer {pc.token}"
    return sync_server.http


def _publish_video(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, size: int
) -> tuple[str, bytes]:
    video = kit.mp4(size=size, seed=5)
    with sessions() as session:
        publish_course(session, blobs, kit.course(video=video))
    return hashlib.sha256(video).hexdigest(), video


def test_the_digests_of_a_published_asset(
    client: TestClient,
    kit: Any,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    tmp_path: Path,
) -> None:
    sha, video = _publish_video(kit, sessions, blobs, 5 * BLOCK_SIZE + 77)

    response = client.get(f"/api/v1/assets/{sha}/blocks")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert blocks.decode(response.content) == blocks.digests_of(video)
    # Kept in a tree of its own beside the blob store, not inside it.
    sidecar = tmp_path / "data" / "blocks" / sha[:2] / f"{sha}.blocks"
    assert sidecar.read_bytes() == response.content
    assert not any(p.name.endswith(".blocks") for p in blobs.root.rglob("*"))


def test_a_damaged_sidecar_is_computed_again(
    client: TestClient,
    kit: Any,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    tmp_path: Path,
) -> None:
    sha, video = _publish_video(kit, sessions, blobs, 2 * BLOCK_SIZE)
    client.get(f"/api/v1/assets/{sha}/blocks")
    sidecar = tmp_path / "data" / "blocks" / sha[:2] / f"{sha}.blocks"
    for damage in (b"", b"\0" * 64, sidecar.read_bytes()[:-1]):
        sidecar.write_bytes(damage)  # a power cut, a bug, a disk error

        response = client.get(f"/api/v1/assets/{sha}/blocks")

        assert blocks.decode(response.content) == blocks.digests_of(video)
        assert sidecar.read_bytes() == response.content


@pytest.mark.parametrize("name", ["0" * 64, "A" * 64, "x"])
def test_unknown_assets_are_a_json_404(client: TestClient, name: str) -> None:
    response = client.get(f"/api/v1/assets/{name}/blocks")

    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_a_device_without_a_token_is_refused(
    sync_server: SyncServer, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    sha, _ = _publish_video(kit, sessions, blobs, 4096)

    response = sync_server.http.get(f"/api/v1/assets/{sha}/blocks")

    assert response.status_code == 401


def test_a_published_asset_whose_file_vanished_is_a_json_500(
    client: TestClient, kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    sha, _ = _publish_video(kit, sessions, blobs, 4096)
    blobs.discard(sha)

    response = client.get(f"/api/v1/assets/{sha}/blocks")

    assert response.status_code == 500
    assert "missing" in response.json()["detail"]


def test_the_route_is_in_the_openapi_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()

    route = spec["paths"]["/api/v1/assets/{sha256}/blocks"]
    assert set(route) == {"get"}
    assert "application/octet-stream" in route["get"]["responses"]["200"]["content"]


def test_many_threads_asking_at_once_compute_the_digests_once(tmp_path: Path) -> None:
    store = BlobStore(tmp_path / "blobs")
    with store.writer() as out:
        out.write(b"x" * (3 * BLOCK_SIZE))
    sha = hashlib.sha256(b"x" * (3 * BLOCK_SIZE)).hexdigest()
    computed: list[Path] = []

    def counting(path: Path) -> list[bytes]:
        computed.append(path)
        return blocks.digests_of_file(path)

    digests = BlockDigests(store, tmp_path / "blocks", compute=counting)
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(digests.get(sha))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(computed) == 1
    assert results == [blocks.encode(blocks.digests_of(b"x" * (3 * BLOCK_SIZE)))] * 8
