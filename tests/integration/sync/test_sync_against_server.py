"""The sync engine against a real county server process on loopback."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from app.storage import catalog, settings
from app.storage.db import Database
from app.sync.catalog_sync import refresh_catalog
from app.sync.client import ServerClient
from app.sync.downloads import CourseTick, download_course
from app.sync.errors import OfflineError
from tests.helpers.counting import CountingTransport

pytestmark = pytest.mark.slow

CHUNK = 256 * 1024


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump(db: Database) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        tables = [
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        ]
        return {t: sorted(map(repr, conn.execute(text(f'SELECT * FROM "{t}"')))) for t in tables}


def blob_files(root: Path) -> list[Path]:
    return [
        p
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in ("partial", "tmp")
    ]


@pytest.fixture
def counting() -> Iterator[CountingTransport]:
    transport = CountingTransport()
    yield transport
    transport.close()


def test_refresh_and_download_a_course_from_a_real_server(
    make_course: Callable[..., Any],
    server_process: Callable[..., str],
    connect: Callable[[str], ServerClient],
    client_data: Any,
) -> None:
    reading, maths = make_course("reading"), make_course("maths", video_size=40_000)
    client = connect(server_process(reading, maths))
    db, content = client_data.db, client_data.content

    assert refresh_catalog(db, client) == 2
    summary = download_course(db, client, content, client_data.partial_dir, "reading")

    assert summary.complete
    assert (summary.assets_total, summary.bytes_fetched, summary.failed) == (
        2,
        len(reading.video) + len(reading.document),
        (),
    )
    for data in (reading.video, reading.document):
        assert content.blobs.path(sha(data)).read_bytes() == data
    assert reading.video[4:8] == b"ftyp"
    assert list(client_data.partial_dir.iterdir()) == []
    with db.read_session() as session:
        assert catalog.missing_assets(session, "reading") == []
        assert len(catalog.missing_assets(session, "maths")) == 1  # not asked for
        detail = catalog.course_detail(session, "reading")
        assert detail is not None and [i.title for i in detail.items] == ["介绍", "讲义"]
        last_contact = settings.get(session, settings.LAST_CONTACT)
        offset = settings.get(session, settings.CLOCK_OFFSET_S)
    assert datetime.fromisoformat(last_contact)
    assert abs(offset) < 5  # same machine, same clock


def test_an_interrupted_catalog_refresh_resumes_from_its_last_page(
    make_course: Callable[..., Any],
    server_process: Callable[..., str],
    connect: Callable[[str], ServerClient],
    client_data: Any,
) -> None:
    client = connect(server_process(*(make_course(f"c{n}") for n in range(3))))
    pages: list[int] = []
    first = refresh_catalog(
        client_data.db,
        client,
        page_limit=1,
        on_page=lambda p, _c: pages.append(p),
        should_stop=lambda: bool(pages),
    )
    assert first == 1
    assert refresh_catalog(client_data.db, client, page_limit=1) == 2
    with client_data.db.read_session() as session:
        assert catalog.count_courses(session) == 3


def test_nothing_listening_is_offline_and_changes_nothing(
    free_port: int, connect: Callable[[str], ServerClient], client_data: Any
) -> None:
    client = connect(f"http://127.0.0.1:{free_port}")
    before = dump(client_data.db)
    with pytest.raises(OfflineError):
        refresh_catalog(client_data.db, client)
    assert dump(client_data.db) == before


def test_a_server_gone_before_the_download_is_offline(
    make_course: Callable[..., Any],
    county: Any,
    connect: Callable[[str], ServerClient],
    client_data: Any,
) -> None:
    county.publish(make_course("reading"))
    server = county.start()
    client = connect(server.base_url)
    refresh_catalog(client_data.db, client)
    server.stop()
    with pytest.raises(OfflineError):
        download_course(
            client_data.db, client, client_data.content, client_data.partial_dir, "reading"
        )
    assert blob_files(client_data.content.blobs.root) == []


def test_a_stopped_download_resumes_fetching_only_the_rest(
    make_course: Callable[..., Any],
    county: Any,
    server_process: Callable[..., str],
    counting: CountingTransport,
    client_data: Any,
) -> None:
    course = make_course("reading", video_size=3 * 1024 * 1024)
    video = sha(course.video)
    client = ServerClient(server_process(course), counting, token=county.token)
    db, content, partial_dir = client_data.db, client_data.content, client_data.partial_dir
    refresh_catalog(db, client)

    first = download_course(
        db,
        client,
        content,
        partial_dir,
        "reading",
        chunk=CHUNK,
        should_stop=lambda: counting.received[video] > 0,
    )
    assert first.stopped
    kept = counting.received[video]  # what the first read from the socket gave
    assert 0 < kept <= CHUNK
    assert (partial_dir / f"{video}.part").stat().st_size == kept

    second = download_course(db, client, content, partial_dir, "reading", chunk=CHUNK)
    assert second.complete
    assert counting.received[video] == len(course.video)  # the first chunk was not fetched again
    resumed = [headers for key, headers in counting.sent_headers if key == video][-1]
    assert resumed["Range"] == f"bytes={kept}-"
    assert resumed["If-Range"] == f'"{video}"'
    assert content.blobs.path(video).read_bytes() == course.video


def test_a_server_killed_mid_download_is_resumed_after_it_restarts(
    make_course: Callable[..., Any],
    county: Any,
    counting: CountingTransport,
    client_data: Any,
) -> None:
    # Bigger than loopback socket buffers, so the kill cuts the body off for real.
    course = make_course("reading", video_size=24 * 1024 * 1024)
    video = sha(course.video)
    county.publish(course)
    server = county.start()
    client = ServerClient(server.base_url, counting, token=county.token)
    db, content, partial_dir = client_data.db, client_data.content, client_data.partial_dir
    refresh_catalog(db, client)

    def kill_after_first_chunk(tick: CourseTick) -> None:
        if tick.title == "介绍" and counting.received[video] > 0:
            server.stop(kill=True)

    with pytest.raises(OfflineError):
        download_course(
            db, client, content, partial_dir, "reading", on_progress=kill_after_first_chunk
        )
    kept = (partial_dir / f"{video}.part").stat().st_size
    assert 0 < kept < len(course.video)
    assert not content.blobs.has(video)

    restarted = ServerClient(county.start().base_url, counting, token=county.token)
    before = counting.received[video]
    summary = download_course(db, restarted, content, partial_dir, "reading")
    assert summary.complete
    assert counting.received[video] - before == len(course.video) - kept
    assert content.blobs.path(video).read_bytes() == course.video


def test_corrupted_bytes_never_enter_the_store(
    make_course: Callable[..., Any],
    server_process: Callable[..., str],
    corrupting_proxy: Callable[[str], str],
    connect: Callable[[str], ServerClient],
    client_data: Any,
) -> None:
    course = make_course("reading", video_size=600_000)
    base_url = server_process(course)
    db, content, partial_dir = client_data.db, client_data.content, client_data.partial_dir
    refresh_catalog(db, connect(base_url))

    broken = connect(corrupting_proxy(base_url))
    summary = download_course(db, broken, content, partial_dir, "reading", chunk=CHUNK)
    assert set(summary.failed) == {sha(course.video), sha(course.document)}
    assert summary.assets_stored == 0
    assert blob_files(content.blobs.root) == []
    assert list(partial_dir.iterdir()) == []

    assert download_course(db, connect(base_url), content, partial_dir, "reading").complete
