"""``python -m server devices issue`` on a real data directory, on SQLite and on PostgreSQL:
credentials on a stick that a PC's bundle is signed with and the server takes, that also work
over HTTP, and the refusals (unknown school, bad count, no county code, a full or read-only
stick) that leave the database and the stick in agreement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from server.db import make_engine, make_sessionmaker
from server.models import Device, StoredRecord
from tests.helpers.small_disk import small_disk
from wire.bundle import (
    MAX_RECEIPT_BYTES,
    RECEIPT_CONTEXT,
    bundle_key,
    bundle_relpath,
    encode_bundle,
    read_envelope,
    receipt_body,
    receipt_relpath,
    record_json,
    verify_envelope,
    write_atomic,
)
from wire.stick_enroll import StickCredential, find_credentials
from wire.sync import PROFILE_CREATED, pin_verifier

REPO = Path(__file__).resolve().parents[3]
SCHOOL = "石桥镇中心小学"


def cli(county: Any, *argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m server ...`` for the county's data, in a new process."""
    env = dict(os.environ)
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run(
        [sys.executable, "-m", "server", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def data_args(county: Any) -> list[str]:
    return ["--data-dir", str(county.data_dir), "--database-url", county.database_url]


def issue(county: Any, stick: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return cli(county, "devices", "issue", str(stick), *options, *data_args(county))


@pytest.fixture
def office(county: Any) -> Any:
    """A county with its code (``keys init``) and one school."""
    for argv in (("keys", "init", "--county", "demo"), ("schools", "add", SCHOOL)):
        done = cli(county, *argv, *data_args(county))
        assert done.returncode == 0, done.stderr
    return county


def device_ids(county: Any) -> set[str]:
    engine = make_engine(county.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return set(session.scalars(select(Device.id)))
    finally:
        engine.dispose()


def stored_records(county: Any) -> set[str]:
    engine = make_engine(county.database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return set(session.scalars(select(StoredRecord.id)))
    finally:
        engine.dispose()


def files_on(stick: Path) -> set[str]:
    """The device ids of the credential files on the stick."""
    return {p.stem for p in stick.rglob("enroll/*.json")}


def records_of_a_new_teacher() -> list[dict[str, str]]:
    teacher = str(uuid.uuid4())
    profile = {
        "name": "王芳",
        "school": SCHOOL,
        "gender": "female",
        "age_band": "30to39",
        "subject": "数学",
        "pin_verifier": pin_verifier(teacher, "2468"),
    }
    at = "2026-03-01T09:15:30"
    return [
        {
            "id": str(uuid.uuid4()),
            "teacher": teacher,
            "kind": PROFILE_CREATED,
            "item": "",
            "at": at,
            "data": json.dumps(profile),
        },
        {
            "id": str(uuid.uuid4()),
            "teacher": teacher,
            "kind": "video.watched",
            "item": "ict-basics/intro",
            "at": at,
            "data": '{"start":0.0,"end":10.0}',
        },
    ]


def write_bundle(pack: Path, credential: StickCredential, records: list[dict[str, str]]) -> str:
    """What a PC enrolled with ``credential`` writes onto the stick; returns the bundle id."""
    bundle_id = str(uuid.uuid4())
    fields = {
        "bundle_id": bundle_id,
        "server_id": credential.server_id,
        "created": datetime(2026, 3, 1, 10, 0).isoformat(),
        "last_seq": len(records),
    }
    data = encode_bundle(
        bundle_key(credential.token),
        str(credential.device_id),
        fields,
        [record_json(r) for r in records],
    )
    write_atomic(pack / bundle_relpath(str(credential.device_id), bundle_id), data)
    return bundle_id


def test_a_credential_from_the_stick_signs_bundles_and_works_over_http(
    office: Any, tmp_path: Path, start_server: Any
) -> None:
    stick = tmp_path / "stick"
    stick.mkdir()
    (stick / "notes.txt").write_text("a stick with other files on it")

    done = issue(office, stick, "--school", SCHOOL, "--count", "2")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len([line for line in lines if line.startswith("device ")]) == 2
    assert f'2 credential(s) for "{SCHOOL}" in {stick / "lamplight" / "enroll"}' in lines
    assert "secret" in done.stdout and "devices revoke" in done.stdout
    found, problems = find_credentials(stick, "demo")
    assert problems == []
    assert {str(c.device_id) for _, c in found} == device_ids(office) == files_on(stick)
    (_, first), (_, second) = found
    assert (first.school, first.county) == (SCHOOL, "demo")
    listed = cli(office, "devices", "list", *data_args(office))
    assert listed.stdout.count("not yet taken") == 2

    pack = stick / "lamplight"
    records = records_of_a_new_teacher()
    bundle_id = write_bundle(pack, first, records)
    imported = cli(office, "import-bundle", str(stick), *data_args(office))

    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "2 new" in imported.stdout
    assert stored_records(office) == {r["id"] for r in records}
    receipt = read_envelope(
        pack / receipt_relpath(str(first.device_id), bundle_id), limit=MAX_RECEIPT_BYTES
    )
    verify_envelope(receipt, bundle_key(first.token), RECEIPT_CONTEXT, name="receipt")
    assert receipt_body(receipt, name="receipt").accepted == 2

    server = start_server(office)
    for credential in (first, second):
        answer = httpx.get(
            f"{server.base_url}/api/v1/catalog",
            headers={"Authorization": f"Bearer {credential.token}"},
        )
        assert answer.status_code == 200, answer.text
    listed = cli(office, "devices", "list", *data_args(office))
    assert "not yet taken" not in listed.stdout
    assert "never" not in listed.stdout


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--school", "没有这个学校", "--count", "2"), "schools list"),
        (("--school", SCHOOL, "--count", "0"), "1 to 200"),
        (("--school", SCHOOL, "--count", "201"), "1 to 200"),
    ],
)
def test_refusals_make_nothing(
    office: Any, tmp_path: Path, options: tuple[str, ...], message: str
) -> None:
    stick = tmp_path / "stick"

    done = issue(office, stick, *options)

    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.startswith("error: ")
    assert device_ids(office) == set()
    assert not stick.exists()


def test_a_server_without_a_county_code_refuses(county: Any, tmp_path: Path) -> None:
    added = cli(county, "schools", "add", SCHOOL, *data_args(county))
    assert added.returncode == 0, added.stderr

    done = issue(county, tmp_path / "stick", "--school", SCHOOL, "--count", "1")

    assert done.returncode == 5
    assert "python -m server keys init --county CODE" in done.stderr
    assert device_ids(county) == set()
    assert not (tmp_path / "stick").exists()


def test_a_full_stick_keeps_what_fits_and_the_database_agrees(office: Any, tmp_path: Path) -> None:
    with small_disk(tmp_path / "usb", "64k") as stick:
        done = issue(office, stick, "--school", SCHOOL, "--count", "200")

        assert done.returncode == 4, done.stdout + done.stderr
        written = files_on(stick)
        assert 0 < len(written) < 200
        assert f"{len(written)} of 200 credentials written" in done.stderr
        assert device_ids(office) == written
        assert not list(stick.rglob("*.tmp"))  # nothing half-written
        found, problems = find_credentials(stick, "demo")
        assert (len(found), problems) == (len(written), [])


def test_a_read_only_stick_leaves_no_device(office: Any, tmp_path: Path) -> None:
    with small_disk(tmp_path / "usb", "1m") as stick:
        remount = ["mount", "-o", "remount,ro", str(stick)]
        if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
            pytest.skip("cannot remount the small disk read-only")

        done = issue(office, stick, "--school", SCHOOL, "--count", "3")

        assert done.returncode == 4, done.stdout + done.stderr
        assert "0 of 3 credentials written" in done.stderr
        assert device_ids(office) == set()
        assert files_on(stick) == set()
