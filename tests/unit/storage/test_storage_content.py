"""The content store keeps the files and the database's record of them in step."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from storage_helpers import It, Les, course, page

from app.storage import catalog
from app.storage.content import ContentStore
from app.storage.db import Database
from wire.blobs import BlobMismatch

VIDEO_BYTES = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
VIDEO_SHA = hashlib.sha256(VIDEO_BYTES).hexdigest()


@pytest.fixture
def store(db: Database, tmp_path: Path) -> ContentStore:
    """A content store beside a catalog holding one requested course of one video."""
    video = It("intro", digest=VIDEO_SHA, size=len(VIDEO_BYTES))
    with db.write() as session:
        catalog.apply_catalog_page(session, page(course("c", Les("l", (video,)))))
        catalog.request_download(session, "c")
    return ContentStore(tmp_path / "content", db)


@pytest.fixture
def download(tmp_path: Path) -> Path:
    """The video as the downloader left it, finished and outside the store."""
    path = tmp_path / "download.part"
    path.write_bytes(VIDEO_BYTES)
    return path


def _ready(db: Database) -> bool:
    with db.read_session() as session:
        [row] = catalog.list_courses(session)
    return row.ready


def test_adding_a_file_stores_it_and_makes_the_course_ready(
    store: ContentStore, db: Database, download: Path
) -> None:
    assert not _ready(db)
    path = store.add_file(download, VIDEO_SHA)

    assert path.read_bytes() == VIDEO_BYTES
    assert path.name == VIDEO_SHA
    assert store.path_of(VIDEO_SHA) == path
    assert _ready(db)
    with db.read_session() as session:
        assert catalog.missing_assets(session) == []


def test_a_file_that_does_not_match_is_not_recorded(
    store: ContentStore, db: Database, download: Path
) -> None:
    download.write_bytes(VIDEO_BYTES[:-1] + b"!")  # one byte damaged on the way
    with pytest.raises(BlobMismatch):
        store.add_file(download, VIDEO_SHA)
    assert not _ready(db)
    assert store.path_of(VIDEO_SHA) is None
    with db.read_session() as session:
        assert [m.sha256 for m in catalog.missing_assets(session)] == [VIDEO_SHA]


def test_a_file_deleted_behind_its_back_is_marked_missing(
    store: ContentStore, db: Database, download: Path
) -> None:
    path = store.add_file(download, VIDEO_SHA)
    path.unlink()  # a cleaner program, or a teacher tidying up

    assert store.path_of(VIDEO_SHA) is None
    assert not _ready(db)
    with db.read_session() as session:
        # The downloader will fetch it again.
        assert [m.sha256 for m in catalog.missing_assets(session)] == [VIDEO_SHA]


def test_the_store_survives_a_new_content_store_object(
    store: ContentStore, db: Database, download: Path, tmp_path: Path
) -> None:
    path = store.add_file(download, VIDEO_SHA)
    again = ContentStore(tmp_path / "content", db)
    assert again.path_of(VIDEO_SHA) == path
    assert _ready(db)
