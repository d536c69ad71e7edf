"""A real server process on loopback, on SQLite and on PostgreSQL: catalog paging and media."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from wire.api import CatalogPage, ErrorBody, ServerInfo

pytestmark = pytest.mark.slow

COURSES = 450
VIDEO_SIZE = 300_000


def _walk(http: httpx.Client, since: int, limit: int) -> tuple[list[CatalogPage], int]:
    """Every page from ``since`` on; returns them and the final cursor."""
    pages: list[CatalogPage] = []
    while True:
        response = http.get("/api/v1/catalog", params={"since": since, "limit": limit})
        assert response.status_code == 200, response.text
        page = CatalogPage.model_validate_json(response.content)
        pages.append(page)
        since = page.cursor
        if not page.has_more:
            return pages, since


def test_catalog_pages_through_450_courses_once_and_resumes(
    county: Any, write_course: Callable[..., Path], start_server: Callable[..., Any]
) -> None:
    folders = [write_course(f"course-{n:03d}", f"课程 {n}") for n in range(COURSES)]
    for folder in folders:
        county.publish(folder)
    server = start_server(county)

    with httpx.Client(base_url=server.base_url, headers=county.enroll(), timeout=30) as http:
        pages, cursor = _walk(http, 0, 200)

        assert [len(p.courses) for p in pages] == [200, 200, 50]
        assert [p.has_more for p in pages] == [True, True, False]
        ids = [c.id for p in pages for c in p.courses]
        assert ids == [f"course-{n:03d}" for n in range(COURSES)]
        # A client that stopped after the first page picks up exactly where it was.
        resumed, _ = _walk(http, pages[0].cursor, 200)
        assert [c.id for p in resumed for c in p.courses] == ids[200:]
        assert _walk(http, cursor, 200)[0][0] == CatalogPage(
            courses=[], cursor=cursor, has_more=False
        )

        changed = folders[7] / "course.toml"
        changed.write_text(
            changed.read_text(encoding="utf-8").replace("课程 7", "课程 7（修订）"),
            encoding="utf-8",
        )
        assert county.publish(folders[7]).version == 2

        (page,) = _walk(http, cursor, 200)[0]
        assert [(c.id, c.version, c.title) for c in page.courses] == [
            ("course-007", 2, "课程 7（修订）")
        ]
        assert page.cursor > cursor and not page.has_more
        everything, _ = _walk(http, 0, 500)
        again = [c.id for p in everything for c in p.courses]
        assert sorted(again) == sorted(ids) and again[-1] == "course-007"

    # uvicorn shuts down gracefully on SIGTERM, then re-raises it so the status says so.
    assert server.stop() in (0, -signal.SIGTERM)


@pytest.fixture
def served_video(
    county: Any, write_course: Callable[..., Path], start_server: Callable[..., Any]
) -> Iterator[tuple[httpx.Client, bytes, str]]:
    """A running server with one course; yields a client, the video bytes and their sha256."""
    folder = write_course("ict-basics", "信息技术基础", video_size=VIDEO_SIZE, seed=11)
    county.publish(folder)
    video = (folder / "media" / "intro.mp4").read_bytes()
    server = start_server(county)
    with httpx.Client(base_url=server.base_url, headers=county.enroll(), timeout=30) as http:
        yield http, video, hashlib.sha256(video).hexdigest()


def test_whole_asset_with_etag_and_head(served_video: tuple[httpx.Client, bytes, str]) -> None:
    http, video, sha = served_video

    full = http.get(f"/api/v1/assets/{sha}")
    head = http.head(f"/api/v1/assets/{sha}")

    assert full.status_code == 200
    assert hashlib.sha256(full.content).hexdigest() == sha and full.content == video
    for response in (full, head):
        assert response.headers["etag"] == f'"{sha}"'
        assert response.headers["content-type"] == "video/mp4"
        assert response.headers["content-length"] == str(VIDEO_SIZE)
        assert response.headers["accept-ranges"] == "bytes"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert head.status_code == 200 and head.content == b""


def test_ranges_and_if_range(served_video: tuple[httpx.Client, bytes, str]) -> None:
    http, video, sha = served_video
    url = f"/api/v1/assets/{sha}"

    part = http.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == video[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{VIDEO_SIZE}"

    resumed = http.get(url, headers={"Range": "bytes=100-199", "If-Range": f'"{sha}"'})
    assert resumed.status_code == 206 and resumed.content == video[100:200]

    stale = http.get(url, headers={"Range": "bytes=100-199", "If-Range": '"0123abcd"'})
    assert stale.status_code == 200 and stale.content == video

    tail = http.get(url, headers={"Range": f"bytes={VIDEO_SIZE - 10}-"})
    assert tail.status_code == 206 and tail.content == video[-10:]

    several = http.get(url, headers={"Range": "bytes=0-9,1000-1009"})
    assert several.status_code == 206
    assert several.headers["content-type"].startswith("multipart/byteranges; boundary=")
    assert video[:10] in several.content and video[1000:1010] in several.content

    past_end = http.get(url, headers={"Range": f"bytes={VIDEO_SIZE}-{VIDEO_SIZE + 100}"})
    assert past_end.status_code == 416
    assert past_end.headers["content-range"] == f"bytes */{VIDEO_SIZE}"


def test_unknown_asset_is_404(served_video: tuple[httpx.Client, bytes, str]) -> None:
    http, _, sha = served_video

    for name in ("f" * 64, sha.upper(), "not-a-hash"):
        response = http.get(f"/api/v1/assets/{name}")
        assert response.status_code == 404
        ErrorBody.model_validate_json(response.content)
    assert http.head(f"/api/v1/assets/{'f' * 64}").status_code == 404


def test_info_docs_and_openapi(served_video: tuple[httpx.Client, bytes, str]) -> None:
    http, _, _ = served_video

    info = ServerInfo.model_validate_json(http.get("/api/v1/info").content)
    assert abs(info.time - datetime.now(UTC)) < timedelta(minutes=1)
    assert info.name == "Lamplight county server" and info.api == 1

    docs = http.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    spec = http.get("/openapi.json").json()
    assert "/api/v1/catalog" in spec["paths"]


def test_serve_with_unreachable_database_exits_3(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            *(sys.executable, "-m", "server", "serve", "--data-dir", str(tmp_path / "data")),
            *("--port", "0", "--database-url", "postgresql://postgres@127.0.0.1:1/lamplight"),
        ],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.startswith("error: cannot open the database ")
    assert result.stderr.count("\n") == 1
