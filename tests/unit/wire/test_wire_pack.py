"""The pack format's own checks: names, sizes, nesting, versions, signatures."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from wire import pack
from wire.pack import PackError, Problem


def _course(course_id: str = "c1") -> dict[str, object]:
    return {
        "id": course_id,
        "version": 2,
        "title": "信息技术基础",
        "description": "",
        "language": "zh-CN",
        "published_at": "2026-01-01T00:00:00Z",
        "lessons": [
            {
                "id": "l1",
                "title": "第一课",
                "items": [
                    {
                        "id": "v1",
                        "kind": "video",
                        "title": "介绍",
                        "asset": {"sha256": "a" * 64, "size": 10, "media_type": "video/mp4"},
                    }
                ],
            }
        ],
    }


def _write_course(root: Path, key: object, course_id: str = "c1", county: str = "demo") -> bytes:
    document = pack.course_document_bytes(county, _course(course_id))
    (root / "courses").mkdir(parents=True, exist_ok=True)
    (root / "courses" / f"{course_id}.json").write_bytes(document)
    signature = pack.sign_document(key, document)  # type: ignore[arg-type]
    (root / "courses" / f"{course_id}.sig").write_text(signature.model_dump_json())
    return document


def test_a_signed_course_verifies_and_names_its_assets(tmp_path: Path) -> None:
    key = pack.new_signing_key()
    _write_course(tmp_path, key)
    verified = pack.verify_course(tmp_path, "c1", [key.public_key()], county="demo")
    assert verified.content.title == "信息技术基础"
    assert [a.sha256 for a in verified.content.assets()] == ["a" * 64]
    assert verified.content.catalog_course().seq == 1


def test_one_changed_byte_is_tampering(tmp_path: Path) -> None:
    key = pack.new_signing_key()
    document = _write_course(tmp_path, key)
    changed = document.replace("第一课".encode(), "第二课".encode())
    (tmp_path / "courses" / "c1.json").write_bytes(changed)
    with pytest.raises(PackError) as caught:
        pack.verify_course(tmp_path, "c1", [key.public_key()])
    assert caught.value.problem == Problem.TAMPERED


def test_another_countys_key_and_no_signature_are_refused(tmp_path: Path) -> None:
    ours, theirs = pack.new_signing_key(), pack.new_signing_key()
    _write_course(tmp_path, theirs)
    with pytest.raises(PackError) as other:
        pack.verify_course(tmp_path, "c1", [ours.public_key()])
    assert other.value.problem == Problem.WRONG_KEY
    (tmp_path / "courses" / "c1.sig").unlink()
    with pytest.raises(PackError) as unsigned:
        pack.verify_course(tmp_path, "c1", [ours.public_key()])
    assert unsigned.value.problem == Problem.UNSIGNED


def test_a_course_signed_for_another_county_code_is_refused(tmp_path: Path) -> None:
    key = pack.new_signing_key()
    _write_course(tmp_path, key, county="elsewhere")
    with pytest.raises(PackError) as caught:
        pack.verify_course(tmp_path, "c1", [key.public_key()], county="demo")
    assert caught.value.problem == Problem.OTHER_COUNTY


@pytest.mark.parametrize(
    "name", ["../outside", "/etc/passwd", "blobs/../../x", "C:/x", "a\\b", "", "a//b", "./a"]
)
def test_unsafe_names_never_become_paths(tmp_path: Path, name: str) -> None:
    with pytest.raises(PackError) as caught:
        pack.pack_path(tmp_path, name)
    assert caught.value.problem == Problem.UNSAFE_NAME


def test_a_symlink_anywhere_on_the_way_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("x")
    root = tmp_path / "pack"
    (root / "blobs").mkdir(parents=True)
    os.symlink(outside, root / "blobs" / "ab")
    with pytest.raises(PackError) as through_dir:
        pack.pack_path(root, "blobs/ab/secret")
    assert through_dir.value.problem == Problem.UNSAFE_NAME
    os.symlink(outside / "secret", root / "link")
    with pytest.raises(PackError) as link:
        pack.pack_path(root, "link")
    assert link.value.problem == Problem.UNSAFE_NAME
    assert pack.pack_path(root, "blobs/cd/new") == root / "blobs" / "cd" / "new"


def test_a_huge_file_is_refused_unread(tmp_path: Path) -> None:
    huge = tmp_path / pack.INDEX_FILE
    with huge.open("wb") as fh:
        fh.truncate(600 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(PackError) as caught:
        pack.read_index(tmp_path)
    assert caught.value.problem == Problem.TOO_LARGE


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    (tmp_path / pack.INDEX_FILE).write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(PackError) as caught:
        pack.read_index(tmp_path)
    assert caught.value.problem == Problem.MALFORMED
    assert "deeper" in str(caught.value)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"title": "[" * 1000 + '\\"{' * 100}).encode()
    assert pack.parse_json(text, "x")["title"].startswith("[[[")


@pytest.mark.parametrize(
    ("fmt", "problem"),
    [
        (2, Problem.NEWER_FORMAT),
        (0, Problem.MALFORMED),
        ("1", Problem.MALFORMED),
        (True, Problem.MALFORMED),
    ],
)
def test_unknown_format_versions(tmp_path: Path, fmt: object, problem: Problem) -> None:
    index = {
        "format": fmt,
        "county": "demo",
        "created": "2026-01-01T00:00:00Z",
        "courses": [],
        "assets": [],
    }
    (tmp_path / pack.INDEX_FILE).write_text(json.dumps(index))
    with pytest.raises(PackError) as caught:
        pack.read_index(tmp_path)
    assert caught.value.problem == problem


def test_no_index_is_not_a_pack_and_a_malformed_one_names_the_field(tmp_path: Path) -> None:
    with pytest.raises(PackError) as missing:
        pack.read_index(tmp_path)
    assert missing.value.problem == Problem.NOT_A_PACK
    index = {
        "format": 1,
        "county": "demo",
        "created": "2026-01-01T00:00:00Z",
        "courses": [{"id": "../x"}],
        "assets": [],
    }
    (tmp_path / pack.INDEX_FILE).write_text(json.dumps(index))
    with pytest.raises(PackError) as malformed:
        pack.read_index(tmp_path)
    assert malformed.value.problem == Problem.MALFORMED
    assert "courses.0.id" in str(malformed.value)


def test_public_keys_round_trip_as_text() -> None:
    key = pack.new_signing_key().public_key()
    text = pack.public_key_text(key)
    assert text.startswith("ed25519:")
    assert pack.key_id(pack.parse_public_key(text)) == pack.key_id(key)
    pem = pack.private_key_pem(pack.new_signing_key())
    assert pack.load_private_key_pem(pem).public_key() is not None


def test_a_fifo_in_place_of_a_document_is_refused_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / pack.INDEX_FILE)
    with pytest.raises(PackError) as caught:
        pack.read_index(tmp_path)
    assert caught.value.problem == Problem.UNSAFE_NAME


def test_every_writer_meets_in_one_place_on_a_stick(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "照片").mkdir()  # a stick holds other things too
    assert pack.pack_root_for_writing(stick) == stick / "lamplight"
    assert pack.pack_root_for_writing(stick / "lamplight") == stick / "lamplight"
    assert pack.pack_root_for_writing(tmp_path / "new") == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert pack.pack_root_for_writing(tmp_path / "empty") == tmp_path / "empty"
    (stick / "mine").mkdir()
    (stick / "mine" / pack.INDEX_FILE).write_text("{}")
    assert pack.pack_root_for_writing(stick / "mine") == stick / "mine"  # the pack already there
    assert pack.find_pack(stick / "mine") == stick / "mine"
    assert pack.find_pack(stick) is None


def test_a_stick_that_so_far_carried_only_progress_is_found_again(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    (stick / pack.BUNDLES_DIR).mkdir(parents=True)  # the first bundle went to the empty stick
    assert pack.pack_root_for_writing(stick) == stick
    other = tmp_path / "other"
    (other / "lamplight" / pack.BUNDLES_DIR).mkdir(parents=True)
    (other / "photos").mkdir()
    assert pack.pack_root_for_writing(other) == other / "lamplight"
