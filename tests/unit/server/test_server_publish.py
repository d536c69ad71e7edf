"""Publishing course folders: validation first, new versions only for changed content."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from server.errors import StorageError
from server.models import Asset, Course, CourseVersion
from server.publish import PublishResult, publish_course
from wire.blobs import BlobStore, DiskFull
from wire.course import CourseFormatError

FIXED = datetime(2025, 3, 1, 8, 30, tzinfo=UTC)


def publish(
    sessions: sessionmaker[Session], blobs: BlobStore, folder: Path, **kwargs: Any
) -> PublishResult:
    with sessions() as session:
        return publish_course(session, blobs, folder, **kwargs)


def _replace(folder: Path, old: str, new: str) -> None:
    toml = folder / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def _break_toml(folder: Path) -> None:
    (folder / "course.toml").write_text('format = 1\nid = "x\n', encoding="utf-8")


def _text_as_video(folder: Path) -> None:
    (folder / "media" / "intro.mp4").write_text("not a video, just text", encoding="utf-8")


def _duplicate_item_id(folder: Path) -> None:
    _replace(folder, 'id = "notes"', 'id = "intro"')


@pytest.mark.parametrize(
    ("breakage", "file_name", "field", "words"),
    [
        (_break_toml, "course.toml", "", "not valid TOML"),
        (
            lambda f: _replace(f, "format = 1", "format = 7"),
            "course.toml",
            "format",
            "unknown format version 7",
        ),
        (
            lambda f: (f / "media" / "notes.pdf").unlink(),
            "notes.pdf",
            "",
            "lessons[1].items[2].file",
        ),
        (_text_as_video, "intro.mp4", "", "not an mp4 video"),
        (_duplicate_item_id, "course.toml", "lessons[1].items[2].id", "'intro' is used twice"),
        (
            lambda f: _replace(f, "media/intro.mp4", "../outside.mp4"),
            "course.toml",
            "lessons[1].items[1].file",
            "inside the course folder",
        ),
    ],
    ids=["malformed-toml", "unknown-format", "missing-media", "text-as-mp4", "dup-id", "dotdot"],
)
def test_invalid_folder_is_refused_and_nothing_is_stored(
    kit: Any,
    sessions: sessionmaker[Session],
    blobs: BlobStore,
    counts: Callable[[], Any],
    breakage: Callable[[Path], None],
    file_name: str,
    field: str,
    words: str,
) -> None:
    folder = kit.course()
    (folder.parent / "outside.mp4").write_bytes(kit.mp4())
    breakage(folder)

    with pytest.raises(CourseFormatError) as caught:
        publish(sessions, blobs, folder)

    assert Path(caught.value.file).name == file_name
    assert caught.value.field == field
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{caught.value.file}: ")
    after = counts()
    assert (after.courses, after.versions, after.assets, after.blobs) == (0, 0, 0, 0)


def test_first_publish_stores_version_1_and_its_media(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    result = publish(sessions, blobs, kit.course(), clock=lambda: FIXED)

    assert result == PublishResult("ict-basics", 1, True, items=2, new_files=2)
    assert result.describe() == "published ict-basics version 1 (2 items, 2 new files)"
    after = counts()
    assert (after.courses, after.versions, after.assets, after.blobs) == (1, 1, 2, 2)
    with sessions() as session:
        version = session.scalars(select(CourseVersion)).one()
        assert version.published_at == FIXED
        manifest = json.loads(version.manifest)
    assert "seq" not in manifest
    assert manifest["published_at"] == "2025-03-01T08:30:00Z"
    items = manifest["lessons"][0]["items"]
    assert [i["asset"]["media_type"] for i in items] == ["video/mp4", "application/pdf"]
    assert all(blobs.has(i["asset"]["sha256"]) for i in items)


def test_republishing_unchanged_course_does_nothing(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    folder = kit.course()
    publish(sessions, blobs, folder)
    before = counts()

    again = publish(sessions, blobs, folder)

    assert again == PublishResult("ict-basics", 1, False, items=2, new_files=0)
    assert again.describe() == "ict-basics unchanged (version 1)"
    assert counts() == before


def test_changed_title_makes_version_2_and_keeps_version_1(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    folder = kit.course()
    publish(sessions, blobs, folder)
    _replace(folder, "信息技术基础", "信息技术基础（第二版）")

    result = publish(sessions, blobs, folder)

    assert result == PublishResult("ict-basics", 2, True, items=2, new_files=0)
    with sessions() as session:
        course = session.get_one(Course, "ict-basics")
        assert (course.current_version, course.title) == (2, "信息技术基础（第二版）")
        versions = session.scalars(select(CourseVersion).order_by(CourseVersion.seq)).all()
    assert [(v.version, json.loads(v.manifest)["title"]) for v in versions] == [
        (1, "信息技术基础"),
        (2, "信息技术基础（第二版）"),
    ]
    assert versions[0].seq < versions[1].seq


def test_replaced_media_makes_version_2_and_old_blob_stays(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    folder = kit.course()
    publish(sessions, blobs, folder)
    old_video = _video_sha(sessions, version=1)
    (folder / "media" / "intro.mp4").write_bytes(kit.mp4(seed=99))

    result = publish(sessions, blobs, folder)

    assert result == PublishResult("ict-basics", 2, True, items=2, new_files=1)
    assert result.describe() == "published ict-basics version 2 (2 items, 1 new file)"
    new_video = _video_sha(sessions, version=2)
    assert new_video != old_video
    assert blobs.has(old_video) and blobs.has(new_video)
    assert counts().assets == 3


def test_same_media_in_two_courses_is_stored_once(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    first = publish(sessions, blobs, kit.course("course-a"))
    second = publish(sessions, blobs, kit.course("course-b"))

    assert (first.new_files, second.new_files) == (2, 0)
    after = counts()
    assert (after.courses, after.versions, after.assets, after.blobs) == (2, 2, 2, 2)


def test_one_file_named_by_two_items_is_hashed_and_stored_once(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    folder = kit.course()
    _replace(folder, "media/notes.pdf", "media/intro.mp4")
    _replace(folder, 'kind = "document"', 'kind = "video"')

    result = publish(sessions, blobs, folder)

    assert (result.items, result.new_files) == (2, 1)
    assert (counts().assets, counts().blobs) == (1, 1)


class _FullDisk(BlobStore):
    def add_file(self, source: Path, expected_sha256: str | None = None) -> str:
        raise DiskFull("No space left on device")


def test_full_disk_publishes_nothing(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    with pytest.raises(StorageError, match="full"):
        publish(sessions, _FullDisk(blobs.root), kit.course())

    after = counts()
    assert (after.courses, after.versions, after.assets) == (0, 0, 0)


def test_failure_inside_the_transaction_publishes_nothing(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    folder = kit.course()
    publish(sessions, blobs, folder)
    _replace(folder, "第一课", "第一课：开始")

    def broken_clock() -> datetime:
        raise RuntimeError("clock exploded")

    with pytest.raises(RuntimeError):
        publish(sessions, blobs, folder, clock=broken_clock)

    after = counts()
    assert (after.courses, after.versions, after.assets) == (1, 1, 2)
    with sessions() as session:
        assert session.get_one(Course, "ict-basics").current_version == 1


def test_media_changed_while_copying_is_refused(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, counts: Callable[[], Any]
) -> None:
    folder = kit.course()

    class ChangesUnderfoot(BlobStore):
        def add_file(self, source: Path, expected_sha256: str | None = None) -> str:
            source.write_bytes(kit.mp4(seed=5))  # someone saves a new cut meanwhile
            return super().add_file(source, expected_sha256)

    with pytest.raises(StorageError, match="changed while it was being published"):
        publish(sessions, ChangesUnderfoot(blobs.root), folder)

    after = counts()
    assert (after.courses, after.versions, after.assets, after.blobs) == (0, 0, 0, 0)


def test_missing_blob_is_restored_by_publishing_again(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    folder = kit.course()
    publish(sessions, blobs, folder)
    video = _video_sha(sessions, version=1)
    blobs.discard(video)

    assert not publish(sessions, blobs, folder).changed
    assert blobs.has(video)


def _video_sha(sessions: sessionmaker[Session], version: int) -> str:
    with sessions() as session:
        manifest = session.scalars(
            select(CourseVersion.manifest).where(CourseVersion.version == version)
        ).one()
        sha = json.loads(manifest)["lessons"][0]["items"][0]["asset"]["sha256"]
        assert session.get(Asset, sha) is not None
    return str(sha)
