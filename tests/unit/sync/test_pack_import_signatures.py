"""A pack import gives a course already here, unsigned, the county's signature the pack carries
(app.sync.pack_import): no file copied, only for the very content signed, only when it
verifies. Real pack folders (tests/helpers/packs.py), a real database and content store."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from app.storage import catalog
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.models import CourseSignature
from app.sync.pack_import import CourseState, ImportReport, import_pack, scan_pack
from tests.helpers.packs import (
    BuiltCourse,
    county_for,
    demo_key,
    make_pack,
    seeded_bytes,
    sha,
    write_course,
)
from wire.api import CatalogCourse, CatalogPage
from wire.pack import COURSES_DIR, new_signing_key

KEY = demo_key()
COUNTY = county_for(KEY)
A = seeded_bytes("a", 4000)
B = seeded_bytes("b", 9000)


def arrive_unsigned(
    tmp_path: Path, db: Database, content: ContentStore, built: BuiltCourse, **changes: object
) -> None:
    """The course as a server without the county key sends it, then downloaded."""
    network = CatalogCourse.model_validate({**built.json, **changes, "seq": 3})
    assert network.signed is None
    with db.write() as session:
        catalog.apply_catalog_page(
            session, CatalogPage(courses=[network], cursor=3, has_more=False)
        )
    for data in built.blobs:
        source = tmp_path / f"download-{sha(data)}"
        source.write_bytes(data)
        content.add_file(source, sha(data))


def signatures(db: Database) -> dict[str, tuple[int, str, str]]:
    with db.read_session() as session:
        return {
            row.course_id: (row.version, row.document, row.signature)
            for row in session.scalars(select(CourseSignature))
        }


def import_new(root: Path, db: Database, content: ContentStore) -> ImportReport:
    plan = scan_pack(root, db, content, COUNTY)
    return import_pack(plan, plan.importable(), db, content, COUNTY)


def pack_files(root: Path, course_id: str) -> tuple[str, str]:
    folder = root / COURSES_DIR
    return (
        (folder / f"{course_id}.json").read_text(encoding="utf-8"),
        (folder / f"{course_id}.sig").read_text(encoding="utf-8"),
    )


def test_a_course_here_unsigned_takes_the_signature_without_copying(
    tmp_path: Path,
    db: Database,
    content: ContentStore,
    blob_files: Callable[[ContentStore], list[Path]],
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [A, B])])
    arrive_unsigned(tmp_path, db, content, built["c1"])
    stat_before = {p: p.stat().st_mtime_ns for p in blob_files(content)}
    plan = scan_pack(tmp_path / "pack", db, content, COUNTY)
    assert [(c.id, c.state) for c in plan.courses] == [("c1", CourseState.PRESENT)]
    assert plan.importable() == []
    report = import_pack(plan, [], db, content, COUNTY)  # what `import-pack` chooses
    assert report.signed == ["c1"]
    assert report.imported == [] and report.failed == {}
    assert report.files_copied == 0 and report.bytes_copied == 0
    assert "signature kept for 1 course(s)" in report.message
    document, signature = pack_files(tmp_path / "pack", "c1")
    version, kept_document, kept_signature = signatures(db)["c1"]
    assert (version, kept_document) == (1, document)
    assert kept_signature.replace(" ", "") == signature.replace(" ", "")
    assert {p: p.stat().st_mtime_ns for p in blob_files(content)} == stat_before
    again = import_new(tmp_path / "pack", db, content)
    assert again.signed == []  # kept already: the stick is not read for it again


def test_a_chosen_course_here_is_unchanged_and_signed(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [A])])
    arrive_unsigned(tmp_path, db, content, built["c1"])
    plan = scan_pack(tmp_path / "pack", db, content, COUNTY)
    report = import_pack(plan, ["c1"], db, content, COUNTY)
    assert (report.unchanged, report.signed) == (["c1"], ["c1"])


@pytest.mark.parametrize(
    "changes",
    [{"title": "同一版本, 另一个标题"}, {"description": "改过的说明"}],
    ids=["title", "description"],
)
def test_a_course_here_with_other_content_at_that_version_takes_no_signature(
    tmp_path: Path, db: Database, content: ContentStore, changes: dict[str, object]
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [A])])
    arrive_unsigned(tmp_path, db, content, built["c1"], **changes)
    report = import_new(tmp_path / "pack", db, content)
    assert report.signed == [] and report.imported == []
    assert signatures(db) == {}


def test_a_document_changed_after_the_scan_gives_no_signature(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    built = make_pack(tmp_path / "pack", [("c1", [A])])
    arrive_unsigned(tmp_path, db, content, built["c1"])
    plan = scan_pack(tmp_path / "pack", db, content, COUNTY)
    # Re-signed by a key this PC does not trust, between the scan and the import.
    write_course(tmp_path / "pack", built["c1"].json, new_signing_key())
    report = import_pack(plan, [], db, content, COUNTY)
    assert report.signed == [] and signatures(db) == {}


def test_a_course_signed_already_keeps_its_own(
    tmp_path: Path, db: Database, content: ContentStore
) -> None:
    make_pack(tmp_path / "first", [("c1", [A])])
    import_new(tmp_path / "first", db, content)  # signed by the pack it came on
    kept = signatures(db)
    assert set(kept) == {"c1"}
    make_pack(tmp_path / "second", [("c1", [A])])
    report = import_new(tmp_path / "second", db, content)
    assert report.signed == [] and signatures(db) == kept
