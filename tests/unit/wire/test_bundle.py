"""The bundle and receipt files (wire.bundle): what is written reads back and verifies; a
changed byte, another key, a receipt passed off as a bundle, a newer format, a file too large
or too deep, a symlink are each refused with their code; writing to a full or read-only stick
leaves nothing behind; bundles are found wherever on the stick they are."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from wire.blobs import DiskFull
from wire.bundle import (
    BUNDLE_CONTEXT,
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_RECORDS,
    RECEIPT_CONTEXT,
    BundleError,
    BundleProblem,
    BundleWriteError,
    ReceiptBody,
    body_sha256,
    bundle_body,
    bundle_id_of,
    bundle_key,
    bundle_relpath,
    encode_bundle,
    encode_receipt,
    find_bundles,
    find_receipts,
    key_from_digest,
    read_envelope,
    receipt_body,
    receipt_relpath,
    record_json,
    verify_envelope,
    write_atomic,
)
from wire.pack import canonical_json
from wire.sync import Rejection

TOKEN = "device-token-of-pc-2"
KEY = bundle_key(TOKEN)
DEVICE = str(uuid.uuid4())
BUNDLE = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
SERVER = str(uuid.uuid4())
TEACHER = str(uuid.uuid4())


def _records(n: int = 3) -> list[dict[str, str]]:
    return [
        {
            "id": str(uuid.uuid4()),
            "teacher": TEACHER,
            "kind": "video.watched",
            "item": "ict-basics/intro",
            "at": f"2024-09-01T08:00:{i:02d}",
            "data": json.dumps({"start": 10 * i, "end": 10 * i + 10, "note": '第一课 "引号"'}),
        }
        for i in range(n)
    ]


def _fields(**changes: Any) -> dict[str, Any]:
    fields = {
        "bundle_id": BUNDLE,
        "server_id": SERVER,
        "created": "2024-09-01T08:10:00",
        "clock_offset_ms": -1500,
        "last_seq": 42,
    }
    return {**fields, **changes}


def _bundle(tmp_path: Path, records: list[dict[str, str]] | None = None, **changes: Any) -> Path:
    path = tmp_path / bundle_relpath(DEVICE, BUNDLE)
    data = encode_bundle(
        KEY, DEVICE, _fields(**changes), [record_json(r) for r in records or _records()]
    )
    write_atomic(path, data)
    return path


def _read(path: Path, key: bytes = KEY) -> tuple[Any, bytes]:
    envelope = read_envelope(path, limit=MAX_BUNDLE_BYTES)
    body_bytes = verify_envelope(envelope, key, BUNDLE_CONTEXT, name=path.name)
    return bundle_body(envelope, name=path.name), body_bytes


def _problem(excinfo: pytest.ExceptionInfo[BundleError]) -> BundleProblem:
    return excinfo.value.problem


def test_a_bundle_reads_back_as_written_and_is_canonical_json(tmp_path: Path) -> None:
    records = _records(5)
    path = _bundle(tmp_path, records)
    raw = path.read_bytes()
    assert raw == canonical_json(json.loads(raw))  # the splice made exactly the canonical bytes

    body, body_bytes = _read(path)
    assert body.bundle_id == BUNDLE and body.server_id == SERVER and body.last_seq == 42
    assert body.created == datetime(2024, 9, 1, 8, 10) and body.clock_offset_ms == -1500
    assert body.records == records
    assert body_sha256(body_bytes) == body_sha256(canonical_json(json.loads(raw)["body"]))


def test_the_server_key_is_the_sha256_it_keeps_of_the_token(tmp_path: Path) -> None:
    import hashlib

    stored = hashlib.sha256(TOKEN.encode()).hexdigest()  # what device.token_sha256 holds
    body, _ = _read(_bundle(tmp_path), key_from_digest(stored))
    assert body.bundle_id == BUNDLE


def test_the_mac_covers_the_json_not_its_layout(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    path.write_text(json.dumps(json.loads(path.read_bytes()), indent=2, ensure_ascii=True))
    body, _ = _read(path)
    assert len(body.records) == 3


def test_one_changed_byte_in_a_record_is_refused_as_altered(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    raw = path.read_bytes()
    changed = raw.replace(rb"\"start\": 10,", rb"\"start\": 19,", 1)
    assert changed != raw and len(changed) == len(raw)
    path.write_bytes(changed)
    with pytest.raises(BundleError) as excinfo:
        _read(path)
    assert _problem(excinfo) == BundleProblem.ALTERED


def test_a_mac_made_with_another_key_is_refused_as_altered(tmp_path: Path) -> None:
    path = tmp_path / "forged.json"
    write_atomic(
        path,
        encode_bundle(bundle_key("a guessed token"), DEVICE, _fields(), [b'{"id":"x"}']),
    )
    with pytest.raises(BundleError) as excinfo:
        _read(path)
    assert _problem(excinfo) == BundleProblem.ALTERED


def _receipt(**changes: Any) -> ReceiptBody:
    values: dict[str, Any] = {
        "bundle_id": BUNDLE,
        "server_id": SERVER,
        "imported_at": datetime(2024, 9, 3, 9, 0, tzinfo=UTC),
        "accepted": 2,
        "duplicates": 1,
        "rejected": [Rejection(id="r1", code="forbidden", detail="不是这台电脑的老师")],
        "linked_teachers": [TEACHER],
        "body_sha256": "ab" * 32,
    }
    return ReceiptBody.model_validate({**values, **changes})


def test_a_receipt_reads_back_and_cannot_pass_for_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / receipt_relpath(DEVICE, BUNDLE)
    write_atomic(path, encode_receipt(KEY, DEVICE, _receipt()))
    envelope = read_envelope(path, limit=MAX_BUNDLE_BYTES)
    verify_envelope(envelope, KEY, RECEIPT_CONTEXT, name="receipt")
    assert receipt_body(envelope, name="receipt") == _receipt()
    with pytest.raises(BundleError) as excinfo:  # same key, other context: not a bundle
        verify_envelope(envelope, KEY, BUNDLE_CONTEXT, name="receipt")
    assert _problem(excinfo) == BundleProblem.ALTERED


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": 2, "device_id": "x", "mac": "", "body": {}}', BundleProblem.NEWER_FORMAT),
        (b'{"format": 0, "device_id": "x", "mac": "", "body": {}}', BundleProblem.MALFORMED),
        (b'{"device_id": "x", "body": {}}', BundleProblem.MALFORMED),
        (b'{"format": true}', BundleProblem.MALFORMED),
        (b"\xff\xfe not json", BundleProblem.MALFORMED),
        (b"[" * 100 + b"]" * 100, BundleProblem.MALFORMED),
        (
            b'{"format": 1, "device_id": "../../etc", "mac": "00", "body": {}}',
            BundleProblem.MALFORMED,
        ),
    ],
    ids=["newer", "older", "no-format", "bool-format", "not-json", "too-deep", "bad-envelope"],
)
def test_files_that_are_not_bundles_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, problem: BundleProblem
) -> None:
    path = tmp_path / "b.json"
    path.write_bytes(content)
    with pytest.raises(BundleError) as excinfo:
        read_envelope(path, limit=MAX_BUNDLE_BYTES)
    assert _problem(excinfo) == problem
    assert str(excinfo.value)


def test_a_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = _bundle(tmp_path)
    with pytest.raises(BundleError) as excinfo:
        read_envelope(path, limit=path.stat().st_size - 1)
    assert _problem(excinfo) == BundleProblem.TOO_LARGE


def test_more_records_than_a_bundle_may_hold_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    write_atomic(path, encode_bundle(KEY, DEVICE, _fields(), [b"0"] * (MAX_BUNDLE_RECORDS + 1)))
    with pytest.raises(BundleError) as excinfo:
        _read(path)
    assert _problem(excinfo) == BundleProblem.MALFORMED


def test_a_symlink_is_not_read(tmp_path: Path) -> None:
    target = _bundle(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(target)
    with pytest.raises(BundleError) as excinfo:
        read_envelope(link, limit=MAX_BUNDLE_BYTES)
    assert _problem(excinfo) in (BundleProblem.UNSAFE_NAME, BundleProblem.READ_FAILED)


def test_a_full_stick_keeps_nothing_of_the_file(small_disk: Path) -> None:
    path = small_disk / bundle_relpath(DEVICE, BUNDLE)
    with pytest.raises(DiskFull):
        write_atomic(path, b"x" * (2 * 1024 * 1024))
    assert [p for p in small_disk.rglob("*") if p.is_file()] == []


def test_a_read_only_stick_is_a_write_error_not_a_crash(small_disk: Path) -> None:
    (small_disk / "bundles").mkdir()
    remount = ["mount", "-o", "remount,ro", str(small_disk)]
    if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot remount the small disk read-only")
    with pytest.raises(BundleWriteError) as excinfo:
        write_atomic(small_disk / bundle_relpath(DEVICE, BUNDLE), b"{}")
    assert isinstance(excinfo.value, OSError) and "cannot write" in str(excinfo.value)


def test_bundles_are_found_from_the_stick_the_pack_or_the_bundles_folder(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    pack = stick / "lamplight"
    first = pack / bundle_relpath(DEVICE, BUNDLE)
    other_device = str(uuid.uuid4())
    second = pack / bundle_relpath(other_device, "0190a1b2-c3d4-7e5f-8a9b-000000000002")
    for path in (first, second):
        write_atomic(path, b"{}")
    write_atomic(pack / receipt_relpath(DEVICE, BUNDLE), b"{}")  # receipts are not bundles
    (first.parent / f".{first.name}.abc.tmp").write_bytes(b"{}")  # nor temporaries
    (first.parent / "notes.json").write_bytes(b"{}")  # nor other names
    (first.parent / "0190a1b2-c3d4-7e5f-8a9b-00000000000f.json").symlink_to(first)  # nor links
    (pack / "bundles" / "not-a-device").mkdir()
    (pack / "bundles" / "not-a-device" / f"{BUNDLE}.json").write_bytes(b"{}")

    expected = sorted([first, second], key=lambda p: (p.parent.name, p.name))
    for folder in (stick, pack, pack / "bundles"):
        assert find_bundles(folder) == expected
    assert find_bundles(first.parent) == [first]
    assert find_bundles(tmp_path / "empty") == []
    assert find_receipts(first.parent) == [pack / receipt_relpath(DEVICE, BUNDLE)]
    assert bundle_id_of(first) == BUNDLE and bundle_id_of(pack / "x.json") == ""
