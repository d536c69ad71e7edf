"""End to end, through the commands: a course that reached a PC unsigned (from a server without
the county key) takes the county's signature from a stick that carries it, copying no file,
and this PC can then pass it on (`export-pack`) to a PC that verifies it. A course whose
content differs at the same version is not given the signature, and stays unexportable."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from app.context import AppContext
from app.export_commands import run_export_pack
from app.import_commands import run_import_pack
from app.paths import DataPaths
from app.storage import catalog
from tests.helpers.packs import BuiltCourse, county_for, demo_key, make_pack, seeded_bytes, sha
from wire.api import CatalogCourse, CatalogPage
from wire.pack import read_index, verify_course

KEY = demo_key()
COUNTY = county_for(KEY)
FILES = [seeded_bytes("video-1", 70_000), seeded_bytes("handout", 5_000)]


def pc(tmp_path: Path, name: str) -> DataPaths:
    return DataPaths(tmp_path / name).ensure()


def arrive_unsigned(paths: DataPaths, built: BuiltCourse, **changes: object) -> None:
    """The course from the network catalog, unsigned, then its files downloaded."""
    context = AppContext.open(paths, county=COUNTY)
    try:
        network = CatalogCourse.model_validate({**built.json, **changes, "seq": 1})
        assert network.signed is None
        with context.db.write() as session:
            catalog.apply_catalog_page(
                session, CatalogPage(courses=[network], cursor=1, has_more=False)
            )
        for data in built.blobs:
            source = paths.root / "incoming.bin"
            source.write_bytes(data)
            context.content.add_file(source, sha(data))
            source.unlink()
    finally:
        context.close()


def import_json(paths: DataPaths, stick: Path) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    status = run_import_pack(paths, stick, True, COUNTY, stdout=out, stderr=io.StringIO())
    return status, json.loads(out.getvalue())


def export_json(paths: DataPaths, stick: Path, course_id: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    status = run_export_pack(paths, stick, [course_id], True, stdout=out, stderr=io.StringIO())
    return status, json.loads(out.getvalue())


def content_files(paths: DataPaths) -> dict[Path, int]:
    return {
        p: p.stat().st_ino
        for p in paths.content.rglob("*")
        if p.is_file() and p.relative_to(paths.content).parts[0] not in ("partial", "tmp")
    }


def test_an_unsigned_course_takes_the_sticks_signature_and_can_be_passed_on(
    tmp_path: Path,
) -> None:
    county_stick = tmp_path / "county-stick"
    built = make_pack(county_stick / "lamplight", [("maths", FILES)])["maths"]
    school = pc(tmp_path, "school-pc")
    arrive_unsigned(school, built)

    # Before: the PC cannot pass it on.
    status, refused = export_json(school, tmp_path / "too-early", "maths")
    assert status == 5 and refused["refused"][0]["reason"] == "unsigned"

    files_before = content_files(school)
    status, result = import_json(school, county_stick)
    assert status == 0, result
    assert result["courses"][0]["state"] == "present"
    assert result["signed"] == ["maths"]
    assert (result["imported"], result["files_copied"], result["bytes_copied"]) == ([], 0, 0)
    assert "signature kept for 1 course(s)" in result["message"]
    assert content_files(school) == files_before  # not a file copied or replaced

    peer_stick = tmp_path / "peer-stick"
    status, exported = export_json(school, peer_stick, "maths")
    assert status == 0, exported
    assert exported["written"] == ["maths"]
    peer_pack = Path(exported["pack"])  # the stick's own folder for a pack (wire.pack rule)
    checked = verify_course(peer_pack, "maths", [KEY.public_key()], "demo")
    assert checked.document == (county_stick / "lamplight/courses/maths.json").read_bytes()
    assert [c.id for c in read_index(peer_pack).courses] == ["maths"]

    other = pc(tmp_path, "other-pc")
    status, taken = import_json(other, peer_stick)
    assert status == 0 and taken["imported"] == ["maths"], taken
    assert taken["files_copied"] == len(FILES)


def test_a_course_with_other_content_at_that_version_stays_unsigned(tmp_path: Path) -> None:
    county_stick = tmp_path / "county-stick"
    built = make_pack(county_stick / "lamplight", [("maths", FILES)])["maths"]
    school = pc(tmp_path, "school-pc")
    arrive_unsigned(school, built, title="数学 (另一份, 同一版本)")

    status, result = import_json(school, county_stick)
    assert status == 0 and result["signed"] == [] and result["files_copied"] == 0
    status, refused = export_json(school, tmp_path / "peer-stick", "maths")
    assert status == 5 and refused["refused"][0]["reason"] == "unsigned"


def test_the_plain_output_says_the_signature_was_kept(tmp_path: Path) -> None:
    county_stick = tmp_path / "county-stick"
    built = make_pack(county_stick / "lamplight", [("maths", FILES)])["maths"]
    school = pc(tmp_path, "school-pc")
    arrive_unsigned(school, built)
    out = io.StringIO()
    status = run_import_pack(school, county_stick, False, COUNTY, stdout=out, stderr=io.StringIO())
    lines = out.getvalue().splitlines()
    assert status == 0
    assert "signature kept maths" in lines
    assert lines[-1] == (
        "nothing new to import: everything is here; "
        "the county's signature kept for 1 course(s) already here"
    )
