"""A real county server with one published video, and clients that download it through the
fault-injecting proxy, counting every byte they receive.

The server is ``python -m server serve`` in a subprocess (started once per module: publishing
and starting take seconds); each test gets a fresh client database and content store, and its
own :class:`FaultProxy` in front of the server.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from app.storage import catalog
from app.storage.catalog import MissingAsset
from app.storage.content import ContentStore
from app.storage.db import Database, open_database
from app.sync.catalog_sync import refresh_catalog
from app.sync.client import ServerClient
from app.sync.downloads import AssetResult, download_asset
from app.sync.errors import DownloadError, OfflineError
from app.sync.transport import RequestsTransport
from tests.helpers.counting import CountingTransport
from tests.helpers.faultproxy import FaultProxy
from tests.helpers.media import MP4_HEADER
from tests.helpers.server_process import ServerProcess, add_school, publish, running_server

VIDEO_SIZE = 3 * 1024 * 1024 + 12_345  # 13 blocks, the last one short
COURSE = "faults"


@dataclass(frozen=True)
class PublishedVideo:
    """The running server, a device token for it, and the one video it publishes."""

    server: ServerProcess
    token: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _write_course(folder: Path, video: bytes) -> Path:
    (folder / "media").mkdir(parents=True)
    (folder / "media" / "talk.mp4").write_bytes(video)
    (folder / "course.toml").write_text(
        f'format = 1\nid = "{COURSE}"\ntitle = "断网也不怕"\nlanguage = "zh-CN"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n'
        '[[lessons.items]]\nid = "talk"\nkind = "video"\ntitle = "讲座"\n'
        'file = "media/talk.mp4"\n',
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishedVideo]:
    """A server publishing one video of random bytes (an mp4 ``ftyp`` box first)."""
    root = tmp_path_factory.mktemp("county")
    data_dir = root / "server"
    database_url = f"sqlite:///{data_dir / 'server.sqlite3'}"
    video = MP4_HEADER + os.urandom(VIDEO_SIZE - len(MP4_HEADER))
    code = add_school(data_dir, "石桥镇中心小学", database_url)
    publish(data_dir, [_write_course(root / "course", video)], database_url)
    with running_server(data_dir, database_url) as server:
        answer = requests.post(
            f"{server.url}/api/v1/devices/enroll",
            json={"code": code, "device_name": "faults-pc"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        yield PublishedVideo(server, answer.json()["token"], video)


@dataclass
class Downloader:
    """A client PC's content store, downloading the video through a proxy, retrying as a
    download queue would until it is stored."""

    db: Database
    content: ContentStore
    partial_dir: Path
    asset: MissingAsset
    transport: CountingTransport = field(default_factory=CountingTransport)
    errors: list[Exception] = field(default_factory=list)

    def client(self, url: str, token: str, read_timeout: float) -> ServerClient:
        return ServerClient(url, self.transport, token=token, timeout=(5.0, read_timeout))

    def until_stored(
        self, client: ServerClient, *, attempts: int = 200, **kwargs: object
    ) -> AssetResult:
        """Calls ``download_asset`` until the asset is stored; a dropped, stalled or cut
        connection just means another call, as in the app's download queue."""
        for _ in range(attempts):
            try:
                result = download_asset(
                    client,
                    self.content,
                    self.partial_dir,
                    self.asset,
                    **kwargs,  # type: ignore[arg-type]
                )
            except (OfflineError, DownloadError) as exc:
                assert type(exc).__name__ != "ChecksumError", exc
                self.errors.append(exc)
                continue
            if result.stored:
                return result
        raise AssertionError(f"not stored after {attempts} attempts: {self.errors[-3:]}")

    @property
    def stored_bytes(self) -> bytes:
        return self.content.blobs.path(self.asset.sha256).read_bytes()

    def is_recorded_stored(self) -> bool:
        with self.db.read_session() as session:
            return not catalog.missing_assets(session, COURSE)


@pytest.fixture
def downloader(tmp_path: Path, published: PublishedVideo) -> Iterator[Downloader]:
    """A fresh client database and content store that knows the video (not downloaded)."""
    root = tmp_path / "client"
    root.mkdir()
    db = open_database(root / "lamplight.sqlite3")
    direct = ServerClient(published.server.url, RequestsTransport(), token=published.token)
    refresh_catalog(db, direct)
    direct.close()
    with db.read_session() as session:
        (asset,) = catalog.missing_assets(session, COURSE)
    assert asset.sha256 == published.sha256
    made = Downloader(db, ContentStore(root / "content", db), root / "content" / "partial", asset)
    yield made
    made.transport.close()
    db.close()


@pytest.fixture
def fault_proxy(published: PublishedVideo) -> Iterator[FaultProxy]:
    """A clean proxy in front of the server; the test sets its faults."""
    with FaultProxy(published.server.url) as proxy:
        yield proxy


@pytest.fixture
def through_proxy(
    downloader: Downloader, fault_proxy: FaultProxy, published: PublishedVideo
) -> Callable[[float], ServerClient]:
    """``through_proxy(read_timeout)``: a client of the server through the proxy."""
    return lambda read_timeout=30.0: downloader.client(
        fault_proxy.url, published.token, read_timeout
    )
