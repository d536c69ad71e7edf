"""Peer copy (app.sync.pack_export, app.export_commands): a pack written from this PC's own
content keeps the county's signature, and a course that cannot travel intact is refused by
name while the others go."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert

from app.export_commands import run_export_pack
from app.paths import DataPaths
from app.storage.catalog import apply_catalog_page
from app.storage.content import ContentStore
from app.storage.db import Database, open_database
from app.storage.models import CourseSignature
from app.sync.pack_export import Refusal, export_courses
from wire.api import CatalogPage
from wire.pack import (
    CourseContent,
    PackError,
    Problem,
    blob_relpath,
    course_document_bytes,
    load_private_key_pem,
    new_signing_key,
    read_index,
    sign_document,
    verify_course,
)
from wire.pack_writer import PackWriter

REPO = Path(__file__).resolve().parents[3]
DEMO_KEY = load_private_key_pem(
    (REPO / "assets" / "demo" / "demo-county-signing-key.pem").read_bytes()
)
PUBLISHED = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Pc:
    """This PC's database and content store, filled the way a catalog and a pack would."""

    def __init__(self, db: Database, content: ContentStore, tmp_path: Path) -> None:
        self.db = db
        self.content = content
        self.incoming = tmp_path / "incoming"
        self.incoming.mkdir(exist_ok=True)
        self.documents: dict[str, bytes] = {}
        self.seq = 0

    def course(
        self,
        course_id: str,
        files: list[bytes],
        *,
        version: int = 1,
        signed: bool = True,
        stored: bool = True,
        county: str = "demo",
        key: Ed25519PrivateKey = DEMO_KEY,
        signed_version: int | None = None,
    ) -> CourseContent:
        """A course in the catalog, its files in the content store, its signature kept."""
        items = [
            {
                "id": f"item-{n}",
                "kind": "video",
                "title": f"视频 {n}",
                "asset": {"sha256": sha(data), "size": len(data), "media_type": "video/mp4"},
            }
            for n, data in enumerate(files)
        ]
        manifest = {
            "id": course_id,
            "version": version,
            "title": f"课程 {course_id}",
            "description": "",
            "language": "zh-CN",
            "published_at": PUBLISHED.isoformat().replace("+00:00", "Z"),
            "preload": False,
            "lessons": [{"id": "l1", "title": "第一课", "items": items}],
        }
        content = CourseContent.model_validate(manifest)
        self.seq += 1
        with self.db.write() as session:
            apply_catalog_page(
                session,
                CatalogPage(
                    courses=[content.catalog_course(self.seq)], cursor=self.seq, has_more=False
                ),
            )
        if stored:
            for data in files:
                source = self.incoming / sha(data)
                source.write_bytes(data)
                self.content.add_file(source, sha(data))
        if signed:
            signed_manifest = {**manifest, "version": signed_version or version}
            document = course_document_bytes(county, signed_manifest)
            with self.db.write() as session:
                session.execute(
                    insert(CourseSignature).values(
                        course_id=course_id,
                        version=signed_version or version,
                        document=document.decode("utf-8"),
                        signature=sign_document(key, document).model_dump_json(),
                    )
                )
            self.documents[course_id] = document
        return content


@pytest.fixture
def pc(db: Database, content: ContentStore, tmp_path: Path) -> Pc:
    return Pc(db, content, tmp_path)


def test_a_course_goes_on_the_stick_with_the_countys_signature_unchanged(
    pc: Pc, tmp_path: Path
) -> None:
    videos = [b"first video" * 1000, b"second video" * 800]
    pc.course("course-a", videos)
    pack = tmp_path / "stick" / "lamplight"

    done = export_courses(pc.db, pc.content, pack, ["course-a"], trusted=[DEMO_KEY.public_key()])

    assert done.refused == []
    assert done.report is not None
    assert (done.report.written, done.report.blobs_copied) == (["course-a"], 2)
    verified = verify_course(pack, "course-a", [DEMO_KEY.public_key()], "demo")
    assert verified.document == pc.documents["course-a"]
    assert read_index(pack).county == "demo"
    for video in videos:
        assert (pack / blob_relpath(sha(video))).read_bytes() == video


def test_a_course_without_a_kept_signature_is_refused_by_name(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-a", [b"a" * 100])
    pc.course("course-b", [b"b" * 100], signed=False)
    pack = tmp_path / "pack"

    done = export_courses(pc.db, pc.content, pack, ["course-a", "course-b"])

    assert [(r.course_id, r.reason) for r in done.refused] == [("course-b", Refusal.UNSIGNED)]
    assert "course-b" in done.refused[0].detail
    assert done.report is not None and done.report.written == ["course-a"]
    assert not (pack / "courses" / "course-b.json").exists()
    assert not (pack / blob_relpath(sha(b"b" * 100))).exists()


def test_a_course_whose_files_are_not_all_here_is_refused_and_nothing_of_it_written(
    pc: Pc, tmp_path: Path
) -> None:
    pc.course("course-a", [b"a" * 100])
    pc.course("course-b", [b"here" * 100], stored=True)
    pc.course("course-c", [b"here" * 100, b"not here" * 100], stored=False)
    pack = tmp_path / "pack"

    done = export_courses(pc.db, pc.content, pack, ["course-a", "course-c"])

    assert [(r.course_id, r.reason) for r in done.refused] == [("course-c", Refusal.FILES_MISSING)]
    assert "1 of its 2 files" in done.refused[0].detail
    assert [c.id for c in read_index(pack).courses] == ["course-a"]
    assert not (pack / blob_relpath(sha(b"here" * 100))).exists()


def test_when_no_course_can_go_the_stick_is_not_touched(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-b", [b"b" * 100], signed=False)
    pack = tmp_path / "pack"

    done = export_courses(pc.db, pc.content, pack, ["no-such-course", "course-b"])

    assert done.report is None
    assert [(r.course_id, r.reason) for r in done.refused] == [
        ("no-such-course", Refusal.NOT_HERE),
        ("course-b", Refusal.UNSIGNED),
    ]
    assert not pack.exists()


def test_a_signature_of_another_version_is_refused(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-a", [b"a" * 100], version=2, signed_version=1)

    done = export_courses(pc.db, pc.content, tmp_path / "pack", ["course-a"])

    assert [r.reason for r in done.refused] == [Refusal.OLD_SIGNATURE]
    assert "version 2" in done.refused[0].detail


def test_a_course_signed_by_a_key_the_county_profile_lacks_is_refused(
    pc: Pc, tmp_path: Path
) -> None:
    pc.course("course-a", [b"a" * 100], key=new_signing_key())

    done = export_courses(
        pc.db, pc.content, tmp_path / "pack", ["course-a"], trusted=[DEMO_KEY.public_key()]
    )

    assert [r.reason for r in done.refused] == [Refusal.NOT_TRUSTED]
    assert done.report is None


def test_a_file_damaged_in_the_content_store_fails_its_course_only(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-a", [b"a" * 100])
    pc.course("course-b", [b"b" * 100])
    pc.content.blobs.path(sha(b"b" * 100)).write_bytes(b"B" * 100)
    pack = tmp_path / "pack"

    done = export_courses(pc.db, pc.content, pack, ["course-a", "course-b"])

    assert [(r.course_id, r.reason) for r in done.refused] == [("course-b", Refusal.COPY_FAILED)]
    assert [c.id for c in read_index(pack).courses] == ["course-a"]
    assert not (pack / blob_relpath(sha(b"b" * 100))).exists()


def test_courses_of_two_counties_do_not_share_a_pack(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-a", [b"a" * 100])
    pc.course("course-b", [b"b" * 100], county="elsewhere")

    done = export_courses(pc.db, pc.content, tmp_path / "pack", ["course-a", "course-b"])

    assert [(r.course_id, r.reason) for r in done.refused] == [("course-b", Refusal.OTHER_COUNTY)]
    assert read_index(tmp_path / "pack").county == "demo"


def test_a_county_pack_is_topped_up_and_another_countys_refused(pc: Pc, tmp_path: Path) -> None:
    pc.course("course-a", [b"a" * 100])
    pc.course("course-b", [b"b" * 100])
    pack = tmp_path / "pack"
    export_courses(pc.db, pc.content, pack, ["course-a"])

    done = export_courses(pc.db, pc.content, pack, ["course-a", "course-b"])

    assert done.report is not None
    assert (done.report.written, done.report.unchanged) == (["course-b"], ["course-a"])
    assert [c.id for c in read_index(pack).courses] == ["course-a", "course-b"]
    other = tmp_path / "other"
    PackWriter.open(other, "elsewhere").finish()
    with pytest.raises(PackError) as caught:
        export_courses(pc.db, pc.content, other, ["course-a"])
    assert caught.value.problem == Problem.OTHER_COUNTY


# --- python -m app export-pack --------------------------------------------------------------------


@pytest.fixture
def paths(tmp_path: Path, migrated_db_file: Path) -> DataPaths:
    paths = DataPaths(tmp_path / "pc").ensure()
    shutil.copy(migrated_db_file, paths.database)
    return paths


@pytest.fixture
def pc_at(paths: DataPaths, tmp_path: Path) -> Any:
    db = open_database(paths.database)
    yield Pc(db, ContentStore(paths.content, db), tmp_path)
    db.close()


def test_the_command_writes_the_pack_and_names_what_it_refused(
    paths: DataPaths, pc_at: Pc, tmp_path: Path
) -> None:
    pc_at.course("course-a", [b"a" * 100])
    pc_at.course("course-b", [b"b" * 100], stored=False)
    out, err = io.StringIO(), io.StringIO()

    status = run_export_pack(
        paths, tmp_path / "pack", ["course-a", "course-b"], False, stdout=out, stderr=err
    )

    assert status == 5
    assert out.getvalue().splitlines()[0].endswith("1 course(s) new or updated, 0 already there")
    assert err.getvalue().splitlines()[-1].startswith("not copied: course course-b: 1 of its")
    assert verify_course(tmp_path / "pack", "course-a", [DEMO_KEY.public_key()], "demo")


def test_the_command_in_json(paths: DataPaths, pc_at: Pc, tmp_path: Path) -> None:
    pc_at.course("course-a", [b"a" * 100])
    out = io.StringIO()

    status = run_export_pack(paths, tmp_path / "pack", ["course-a"], True, stdout=out)

    result = json.loads(out.getvalue())
    assert status == result["exit"] == 0
    assert (result["written"], result["files_copied"], result["refused"]) == (["course-a"], 1, [])


def test_the_command_exit_statuses_for_usage_and_a_foreign_stick(
    paths: DataPaths, pc_at: Pc, tmp_path: Path
) -> None:
    pc_at.course("course-a", [b"a" * 100])
    other = tmp_path / "other"
    PackWriter.open(other, "elsewhere").finish()
    err = io.StringIO()

    assert run_export_pack(paths, tmp_path / "pack", [], False, stderr=err) == 2
    assert run_export_pack(paths, other, ["course-a"], False, stderr=err) == 2
    assert "'elsewhere'" in err.getvalue()
