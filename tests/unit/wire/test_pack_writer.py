"""Writing USB packs (wire.pack_writer): a new pack, top-ups, refusals, damaged sources and
sticks, a full stick, and what the written pack looks like to a reader (wire.pack)."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from wire.blobs import BlobMismatch, DiskFull
from wire.pack import (
    INDEX_FILE,
    CourseContent,
    PackError,
    Problem,
    blob_relpath,
    course_document_bytes,
    new_signing_key,
    read_index,
    sign_document,
    verify_course,
)
from wire.pack_courses import CopyProgress, PackCourse, PackReport, ProgressLine, write_courses
from wire.pack_writer import PARTIAL_DIR, AddResult, PackFull, PackWriter

KEY = new_signing_key()
COUNTY = "demo"
PUBLISHED = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Source:
    """Media files on the exporting side, found by sha256 (a blob store stand-in)."""

    root: Path

    def add(self, data: bytes) -> str:
        digest = sha(data)
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / digest).write_bytes(data)
        return digest

    def path(self, digest: str) -> Path:
        return self.root / digest


@pytest.fixture
def source(tmp_path: Path) -> Source:
    return Source(tmp_path / "source")


def make_course(
    source: Source,
    course_id: str,
    files: list[bytes],
    *,
    version: int = 1,
    county: str = COUNTY,
) -> PackCourse:
    """A signed course with one lesson holding one video per file."""
    items = [
        {
            "id": f"item-{n}",
            "kind": "video",
            "title": f"视频 {n}",
            "asset": {"sha256": source.add(data), "size": len(data), "media_type": "video/mp4"},
        }
        for n, data in enumerate(files)
    ]
    manifest = {
        "id": course_id,
        "version": version,
        "title": f"课程 {course_id}",
        "description": "",
        "language": "zh-CN",
        "published_at": PUBLISHED.isoformat(),
        "preload": False,
        "lessons": [{"id": "l1", "title": "第一课", "items": items}],
    }
    document = course_document_bytes(county, manifest)
    return PackCourse(
        document, sign_document(KEY, document), CourseContent.model_validate(manifest)
    )


def blob_files(pack: Path) -> dict[str, bytes]:
    """Every file under blobs/, by name."""
    return {p.name: p.read_bytes() for p in (pack / "blobs").rglob("*") if p.is_file()}


def leftovers(pack: Path) -> list[str]:
    folder = pack / PARTIAL_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def export(
    pack: Path,
    source: Source,
    courses: list[PackCourse],
    *,
    verify: bool = False,
    on_progress: Callable[[CopyProgress], None] | None = None,
    chunk_size: int = 1024 * 1024,
) -> tuple[PackWriter, PackReport]:
    writer = PackWriter.open(pack, COUNTY, written_by="test", verify=verify, chunk_size=chunk_size)
    return writer, write_courses(writer, courses, source.path, on_progress)


# --- a new pack -----------------------------------------------------------------------------


def test_a_new_pack_holds_signed_courses_their_blobs_and_an_index(
    tmp_path: Path, source: Source
) -> None:
    shared = b"shared video " * 1000
    a = make_course(source, "course-a", [shared, b"a only" * 500])
    b = make_course(source, "course-b", [shared, b"b only" * 700])
    pack = tmp_path / "stick" / "lamplight"
    ticks: list[CopyProgress] = []

    _, report = export(pack, source, [a, b], on_progress=ticks.append)

    index = read_index(pack)
    assert (index.format, index.county, index.written_by) == (1, COUNTY, "test")
    assert [(c.id, c.version, c.assets) for c in index.courses] == [
        ("course-a", 1, 2),
        ("course-b", 1, 2),
    ]
    assert index.courses[0].size == len(shared) + 3000
    assert {(x.sha256, x.size) for x in index.assets} == {
        (sha(shared), len(shared)),
        (sha(b"a only" * 500), 3000),
        (sha(b"b only" * 700), 4200),
    }
    assert blob_files(pack) == {sha(d): d for d in (shared, b"a only" * 500, b"b only" * 700)}
    for course in (a, b):
        verified = verify_course(pack, course.content.id, [KEY.public_key()], COUNTY)
        assert verified.document == course.document
    assert (report.written, report.blobs_copied, report.blobs_present) == (
        ["course-a", "course-b"],
        3,
        1,  # the shared video, once copied for course-a
    )
    assert ticks[-1].done == ticks[-1].total == len(shared) + 3000 + 4200
    assert ticks[-1].files_total == 3
    assert leftovers(pack) == []


def test_blobs_are_copied_in_chunks_and_progress_counts_every_byte(
    tmp_path: Path, source: Source
) -> None:
    video = os.urandom(300_000)
    course = make_course(source, "course-a", [video])
    writer = PackWriter.open(tmp_path / "pack", COUNTY, chunk_size=64 * 1024)
    seen: list[int] = []

    assert writer.missing_bytes(course.content.assets()) == 300_000
    assert writer.add_blob(sha(video), len(video), source.path(sha(video)), seen.append)

    assert seen == [65536] * 4 + [300_000 - 4 * 65536]
    assert (tmp_path / "pack" / blob_relpath(sha(video))).read_bytes() == video
    assert writer.missing_bytes(course.content.assets()) == 0


def test_a_folder_holding_other_files_is_not_turned_into_a_pack(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "photos").mkdir()
    (stick / "report.docx").write_bytes(b"x")

    with pytest.raises(PackError) as caught:
        PackWriter.open(stick, COUNTY)

    assert caught.value.problem == Problem.NOT_A_PACK
    assert "lamplight" in str(caught.value)
    assert sorted(p.name for p in stick.iterdir()) == ["photos", "report.docx"]


def test_a_file_where_the_pack_should_go_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "lamplight"
    target.write_bytes(b"not a folder")

    with pytest.raises(PackError) as caught:
        PackWriter.open(target, COUNTY)

    assert caught.value.problem == Problem.NOT_A_PACK


# --- topping up -------------------------------------------------------------------------------


def test_top_up_copies_only_what_is_missing_and_indexes_old_and_new(
    tmp_path: Path, source: Source
) -> None:
    shared = os.urandom(50_000)
    a = make_course(source, "course-a", [shared])
    pack = tmp_path / "pack"
    export(pack, source, [a])
    before = os.stat(pack / blob_relpath(sha(shared)))
    created = read_index(pack).created

    b = make_course(source, "course-b", [shared, b"new" * 100])
    _, report = export(pack, source, [b])

    assert (report.blobs_copied, report.bytes_copied, report.blobs_present) == (1, 300, 1)
    after = os.stat(pack / blob_relpath(sha(shared)))
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    index = read_index(pack)
    assert [c.id for c in index.courses] == ["course-a", "course-b"]
    assert {x.sha256 for x in index.assets} == {sha(shared), sha(b"new" * 100)}
    assert index.created == created


def test_the_same_course_again_is_left_untouched(tmp_path: Path, source: Source) -> None:
    a = make_course(source, "course-a", [b"video" * 100])
    pack = tmp_path / "pack"
    export(pack, source, [a])
    document = pack / "courses" / "course-a.json"
    before = os.stat(document)

    writer = PackWriter.open(pack, COUNTY)
    assert writer.add_course(a.document, a.signature, a.content) == AddResult.UNCHANGED

    assert os.stat(document).st_mtime_ns == before.st_mtime_ns


def test_a_new_version_replaces_the_old_one(tmp_path: Path, source: Source) -> None:
    pack = tmp_path / "pack"
    export(pack, source, [make_course(source, "course-a", [b"v1" * 100])])

    v2 = make_course(source, "course-a", [b"v2" * 100], version=2)
    _, report = export(pack, source, [v2])

    assert report.written == ["course-a"]
    assert [(c.id, c.version) for c in read_index(pack).courses] == [("course-a", 2)]
    assert verify_course(pack, "course-a", [KEY.public_key()]).content.version == 2


def test_a_newer_version_on_the_stick_is_kept(tmp_path: Path, source: Source) -> None:
    pack = tmp_path / "pack"
    v2 = make_course(source, "course-a", [b"v2" * 100], version=2)
    export(pack, source, [v2])

    v1 = make_course(source, "course-a", [b"v1 file" * 100], version=1)
    writer, report = export(pack, source, [v1])

    assert report.kept_newer == [("course-a", 2, 1)]
    assert report.blobs_copied == 0
    assert sha(b"v1 file" * 100) not in blob_files(pack)
    assert (pack / "courses" / "course-a.json").read_bytes() == v2.document
    assert writer.add_course(v1.document, v1.signature, v1.content) == AddResult.KEPT_NEWER


def test_another_countys_pack_is_refused_and_left_alone(tmp_path: Path, source: Source) -> None:
    pack = tmp_path / "pack"
    export(pack, source, [make_course(source, "course-a", [b"x" * 100])])
    index_before = (pack / INDEX_FILE).read_bytes()

    with pytest.raises(PackError) as caught:
        PackWriter.open(pack, "another-county")

    assert caught.value.problem == Problem.OTHER_COUNTY
    assert (pack / INDEX_FILE).read_bytes() == index_before


def test_a_pack_of_a_newer_format_is_refused(tmp_path: Path, source: Source) -> None:
    pack = tmp_path / "pack"
    export(pack, source, [make_course(source, "course-a", [b"x" * 100])])
    index = json.loads((pack / INDEX_FILE).read_text())
    (pack / INDEX_FILE).write_text(json.dumps({**index, "format": 2}))

    with pytest.raises(PackError) as caught:
        PackWriter.open(pack, COUNTY)

    assert caught.value.problem == Problem.NEWER_FORMAT


def test_a_course_signed_for_another_county_is_not_added(tmp_path: Path, source: Source) -> None:
    good = make_course(source, "course-a", [b"a" * 100])
    foreign = make_course(source, "course-b", [b"b" * 100], county="elsewhere")
    pack = tmp_path / "pack"

    _, report = export(pack, source, [good, foreign])

    assert report.written == ["course-a"]
    assert [cid for cid, _ in report.failed] == ["course-b"]
    assert not (pack / "courses" / "course-b.json").exists()
    assert [c.id for c in read_index(pack).courses] == ["course-a"]


def test_a_damaged_index_is_rebuilt_from_the_course_documents(
    tmp_path: Path, source: Source
) -> None:
    pack = tmp_path / "pack"
    export(pack, source, [make_course(source, "course-a", [b"a" * 100])])
    (pack / INDEX_FILE).write_bytes(b'{"format": 1, "coun')

    writer, _ = export(pack, source, [make_course(source, "course-b", [b"b" * 100])])

    assert INDEX_FILE in writer.skipped
    assert [c.id for c in read_index(pack).courses] == ["course-a", "course-b"]


def test_leftovers_of_a_cut_off_write_are_removed_on_opening(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    PackWriter.open(pack, COUNTY).finish()
    (pack / PARTIAL_DIR).mkdir()
    (pack / PARTIAL_DIR / "0123.part").write_bytes(b"half a video")

    PackWriter.open(pack, COUNTY)

    assert leftovers(pack) == []


# --- damaged sources and sticks ------------------------------------------------------------


def test_a_source_that_is_not_the_blob_is_refused_and_leaves_nothing(
    tmp_path: Path, source: Source
) -> None:
    video = b"the real video" * 100
    course = make_course(source, "course-a", [video])
    source.path(sha(video)).write_bytes(b"THE REAL VIDEO" * 100)  # same size, other bytes
    writer = PackWriter.open(tmp_path / "pack", COUNTY)

    with pytest.raises(BlobMismatch, match="not the file it should be"):
        writer.add_blob(sha(video), len(video), source.path(sha(video)))

    assert blob_files(tmp_path / "pack") == {}
    assert leftovers(tmp_path / "pack") == []
    with pytest.raises(PackError) as caught:
        writer.add_course(course.document, course.signature, course.content)
    assert caught.value.problem == Problem.MISSING_BLOB
    assert not (tmp_path / "pack" / "courses" / "course-a.json").exists()


@pytest.mark.parametrize("actual", [b"short", b"the real video" * 100 + b"and more"])
def test_a_source_of_the_wrong_size_is_refused(
    tmp_path: Path, source: Source, actual: bytes
) -> None:
    video = b"the real video" * 100
    source.add(video)
    source.path(sha(video)).write_bytes(actual)
    writer = PackWriter.open(tmp_path / "pack", COUNTY)

    with pytest.raises(BlobMismatch):
        writer.add_blob(sha(video), len(video), source.path(sha(video)))

    assert blob_files(tmp_path / "pack") == {}


def test_a_damaged_source_fails_its_course_only(tmp_path: Path, source: Source) -> None:
    good = make_course(source, "course-a", [b"good" * 100])
    bad_video = b"bad" * 100
    bad = make_course(source, "course-b", [bad_video])
    source.path(sha(bad_video)).write_bytes(b"BAD" * 100)
    pack = tmp_path / "pack"

    _, report = export(pack, source, [bad, good])

    assert report.written == ["course-a"]
    assert [cid for cid, _ in report.failed] == ["course-b"]
    assert [c.id for c in read_index(pack).courses] == ["course-a"]
    assert set(blob_files(pack)) == {sha(b"good" * 100)}


def test_a_blob_of_the_wrong_size_on_the_stick_is_replaced(tmp_path: Path, source: Source) -> None:
    video = os.urandom(10_000)
    course = make_course(source, "course-a", [video])
    pack = tmp_path / "pack"
    export(pack, source, [course])
    (pack / blob_relpath(sha(video))).write_bytes(video[:5000])  # cut short

    _, report = export(pack, source, [course])

    assert report.blobs_copied == 1
    assert (pack / blob_relpath(sha(video))).read_bytes() == video


def test_a_same_size_damaged_blob_is_only_seen_with_verify(tmp_path: Path, source: Source) -> None:
    video = os.urandom(10_000)
    course = make_course(source, "course-a", [video])
    pack = tmp_path / "pack"
    export(pack, source, [course])
    damaged = bytes(10_000)
    (pack / blob_relpath(sha(video))).write_bytes(damaged)

    _, trusting = export(pack, source, [course])
    assert trusting.blobs_copied == 0
    assert (pack / blob_relpath(sha(video))).read_bytes() == damaged

    _, verified = export(pack, source, [course], verify=True)
    assert verified.blobs_copied == 1
    assert (pack / blob_relpath(sha(video))).read_bytes() == video


def test_a_symlinked_blob_folder_on_the_stick_is_never_written_through(
    tmp_path: Path, source: Source
) -> None:
    video = b"video" * 100
    course = make_course(source, "course-a", [video])
    pack = tmp_path / "pack"
    PackWriter.open(pack, COUNTY).finish()
    outside = tmp_path / "outside"
    outside.mkdir()
    (pack / "blobs" / sha(video)[:2]).symlink_to(outside)

    with pytest.raises(PackError) as caught:
        export(pack, source, [course])

    assert caught.value.problem == Problem.UNSAFE_NAME
    assert list(outside.iterdir()) == []
    assert not (pack / "courses" / "course-a.json").exists()


# --- a full stick -------------------------------------------------------------------------------


def test_a_stick_too_small_is_refused_before_anything_is_copied(
    small_disk: Path, tmp_path: Path
) -> None:
    source = Source(tmp_path / "source")
    course = make_course(source, "course-a", [os.urandom(700_000), os.urandom(700_000)])
    pack = small_disk / "lamplight"

    with pytest.raises(PackFull) as caught:
        export(pack, source, [course])

    assert isinstance(caught.value, DiskFull)
    assert "more are needed" in str(caught.value)
    assert blob_files(pack) == {}


def test_a_stick_filling_up_mid_copy_keeps_a_consistent_pack_and_tops_up_later(
    small_disk: Path, tmp_path: Path
) -> None:
    source = Source(tmp_path / "source")
    first = make_course(source, "course-a", [os.urandom(100_000)])
    second_video = os.urandom(400_000)
    second = make_course(source, "course-b", [second_video])
    pack = small_disk / "lamplight"
    export(pack, source, [first])
    filler = small_disk / "someone-elses-file"

    def fill_the_stick(progress: CopyProgress) -> None:
        # After the first chunk another program takes all the room left.
        if not filler.exists():
            with filler.open("wb") as fh, pytest.raises(OSError):
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
                    os.fsync(fh.fileno())

    with pytest.raises(PackFull):
        export(pack, source, [second], on_progress=fill_the_stick, chunk_size=65536)

    assert sha(second_video) not in blob_files(pack)
    assert leftovers(pack) == []
    assert [c.id for c in read_index(pack).courses] == ["course-a"]
    assert not (pack / "courses" / "course-b.json").exists()

    filler.unlink()
    _, report = export(pack, source, [second])
    assert report.written == ["course-b"]
    assert [c.id for c in read_index(pack).courses] == ["course-a", "course-b"]


# --- progress on a terminal ----------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _tick(done: int, course: str = "course-a") -> CopyProgress:
    return CopyProgress(done, 1000, 0, 2, course, "课程")


def test_progress_redraws_one_line_on_a_terminal() -> None:
    out = _Terminal()
    now = [0.0]
    line = ProgressLine(out, monotonic=lambda: now[0])

    line(_tick(100))
    line(_tick(200))  # too soon: not drawn
    now[0] = 1.0
    line(_tick(1000))
    line.finish()

    text = out.getvalue()
    assert text.count("\r") == 2
    assert "100%" in text and text.endswith("\n")


def test_progress_on_a_pipe_is_a_plain_line_per_course() -> None:
    out = io.StringIO()
    line = ProgressLine(out)

    for tick in (_tick(0), _tick(500), _tick(600, "course-b")):
        line(tick)
    line.finish()

    assert out.getvalue().splitlines() == [
        "copying course-a (课程): 0.0 MB of 0.0 MB",
        "copying course-b (课程): 0.0 MB of 0.0 MB",
    ]
