"""Progress by USB stick against a real county server, on SQLite and on PostgreSQL.

A school PC writes its progress to a stick (``python -m app export-bundle``), the county takes
it in (``python -m server import-bundle``) and writes receipts, the PC takes the receipts: every
record reaches the server once, whichever way it travels and however often, and a network
sync afterwards sends only what is new. Bundles from unknown or revoked PCs, altered ones,
ones for another server, and forged receipts are refused; a full or read-only stick leaves
nothing half-written and loses no import.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.storage import settings
from app.storage.clock import utc_now
from app.storage.models import BundleExport
from app.sync.bundles import apply_receipts, export_bundle, waiting
from server.bundles import IMPORTED, REFUSED, REPLAYED, BundleOutcome, import_bundles
from server.db import make_engine, make_sessionmaker
from tests.helpers.pcs import PC, County, add_events, add_teacher, new_pc, server_query
from tests.helpers.server_process import add_school, running_server
from tests.helpers.small_disk import grow, small_disk
from wire.bundle import (
    BundleProblem,
    bundle_key,
    bundle_relpath,
    encode_bundle,
    read_envelope,
    record_json,
    write_atomic,
)

REPO = Path(__file__).resolve().parents[3]
MakePC = Callable[..., PC]


def _county(tmp_path: Path, database_url: str) -> Iterator[County]:
    data_dir = tmp_path / "server"
    code = add_school(data_dir, "石桥镇中心小学", database_url)
    with running_server(data_dir, database_url) as server:
        yield County(server, data_dir, database_url, code)


@pytest.fixture
def office(tmp_path: Path, server_db_url: str) -> Iterator[County]:
    """The county server with one school, on SQLite and on PostgreSQL."""
    yield from _county(tmp_path, server_db_url)


@pytest.fixture
def sqlite_office(tmp_path: Path) -> Iterator[County]:
    yield from _county(tmp_path, f"sqlite:///{tmp_path / 'server' / 'server.sqlite3'}")


@pytest.fixture
def make_pc(tmp_path: Path) -> Iterator[MakePC]:
    made: list[PC] = []

    def make(url: str, code: str | None, name: str) -> PC:
        pc = new_pc(tmp_path / "pcs", url, code, name)
        made.append(pc)
        return pc

    yield make
    for pc in made:
        pc.close()


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def import_cli(county: County, folder: Path) -> subprocess.CompletedProcess[str]:
    return _run(
        *("server", "import-bundle", str(folder)),
        *("--data-dir", str(county.data_dir), "--database-url", county.database_url),
    )


def export_cli(pc: PC, folder: Path) -> tuple[int, dict[str, Any]]:
    done = _run("app", "export-bundle", str(folder), "--json", "--data-dir", str(pc.paths.root))
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def import_here(county: County, folder: Path) -> list[BundleOutcome]:
    """The server's import, in this process (the command line around it is tested too)."""
    engine = make_engine(county.database_url)
    try:
        return import_bundles(make_sessionmaker(engine), folder)
    finally:
        engine.dispose()


def server_records(county: County) -> list[str]:
    return [row[0] for row in server_query(county.database_url, "SELECT id FROM record")]


def test_progress_goes_by_stick_and_is_never_sent_twice(
    office: County, make_pc: MakePC, tmp_path: Path
) -> None:
    pc = make_pc(office.url, office.code, "pc-a")
    wang, li = add_teacher(pc, "王老师"), add_teacher(pc, "李老师")
    ids = add_events(pc, wang, 30) + add_events(pc, li, 5)
    stick = tmp_path / "stick"
    stick.mkdir()

    status, out = export_cli(pc, stick)
    assert status == 0, out
    assert (out["bundle"]["records"], out["bundle"]["teachers"]) == (37, 2)

    imported = import_cli(office, stick)
    assert imported.returncode == 0, imported.stderr
    assert "37 new, 0 already here, 0 refused" in imported.stdout
    stored = server_records(office)
    assert len(stored) == len(set(stored)) == 37 and set(ids) <= set(stored)
    teachers = server_query(office.database_url, "SELECT id FROM teacher ORDER BY id")
    assert sorted(t for (t,) in teachers) == sorted([wang.id, li.id])

    later = add_events(pc, wang, 4, first_second=900)  # made after the bundle left
    status, out = export_cli(pc, stick)  # the stick is back: receipt taken, new bundle
    assert status == 0, out
    assert out["receipts"] == {"bundles": 1, "records_delivered": 37, "problems": []}
    assert out["bundle"]["records"] == 4
    assert pc.setting(settings.PUSH_CURSOR) > 0

    # The network comes back before the stick does: only the four new records go.
    report = pc.sync()
    assert report.complete and (report.pushed, report.duplicates) == (4, 0)
    assert waiting(pc.db).records == 0

    # The stick reaches the county anyway, twice: nothing is stored again.
    again = import_cli(office, stick)
    assert again.returncode == 0, again.stderr
    assert "0 new, 4 already here" in again.stdout
    replay = import_cli(office, stick)
    assert replay.returncode == 0, replay.stderr
    assert "already imported" in replay.stdout and "receipt written again" in replay.stdout
    stored = server_records(office)
    assert len(stored) == len(set(stored)) == 41 and set(later) <= set(stored)

    status, out = export_cli(pc, stick)
    assert status == 0 and out["bundle"] is None
    assert out["receipts"]["bundles"] == 1 and out["receipts"]["problems"] == []
    assert pc.sync().pushed == 0
    assert list((stick / "lamplight" / "bundles").rglob("*.json")) == []  # all tidied


def test_a_network_sync_before_the_receipt_sends_nothing_twice(
    office: County, make_pc: MakePC, tmp_path: Path
) -> None:
    pc = make_pc(office.url, office.code, "pc-a")
    teacher = add_teacher(pc)
    add_events(pc, teacher, 20)
    stick = tmp_path / "stick"
    written = export_bundle(pc.db, stick, clock=pc.clock)
    assert written is not None

    assert pc.sync().pushed == 21  # the network got there first
    [outcome] = import_here(office, stick)
    assert outcome.status == IMPORTED and (outcome.accepted, outcome.duplicates) == (0, 21)
    cursor = pc.setting(settings.PUSH_CURSOR)
    applied = apply_receipts(pc.db, stick, clock=pc.clock)
    assert (applied.bundles, applied.records_delivered) == (1, 21)
    assert pc.setting(settings.PUSH_CURSOR) == cursor

    add_events(pc, teacher, 3, first_second=500)
    report = pc.sync()
    assert (report.pushed, report.duplicates) == (3, 0)
    assert len(server_records(office)) == 24


def _revoke(county: County, device_id: str) -> None:
    done = _run(
        *("server", "devices", "revoke", device_id),
        *("--data-dir", str(county.data_dir), "--database-url", county.database_url),
    )
    assert done.returncode == 0, done.stderr


def _forged_bundle(stick: Path, device_id: str, token: str, records: list[dict[str, Any]]) -> Path:
    bundle_id = str(uuid.uuid4())
    fields = {
        "bundle_id": bundle_id,
        "server_id": str(uuid.uuid4()),
        "created": "2024-09-01T08:00:00",
        "last_seq": 1,
    }
    path = stick / "lamplight" / bundle_relpath(device_id, bundle_id)
    data = encode_bundle(bundle_key(token), device_id, fields, [record_json(r) for r in records])
    write_atomic(path, data)
    return path


def test_bad_bundles_are_refused_and_the_good_ones_still_go_in(
    office: County, make_pc: MakePC, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    pack = stick / "lamplight"
    good_pc = make_pc(office.url, office.code, "pc-good")
    add_events(good_pc, add_teacher(good_pc, "王老师"), 3)
    good = export_bundle(good_pc.db, pack)
    assert good is not None
    body = json.loads(good.path.read_bytes())["body"]

    # From a PC the county has since removed.
    gone_pc = make_pc(office.url, office.code, "pc-revoked")
    add_events(gone_pc, add_teacher(gone_pc, "李老师"), 2)
    revoked = export_bundle(gone_pc.db, pack)
    assert revoked is not None
    _revoke(office, gone_pc.setting(settings.DEVICE_ID))

    # From a PC this server never enrolled.
    unknown = _forged_bundle(stick, str(uuid.uuid4()), "some other county's token", [])

    # One byte of a record changed on the stick, the MAC left as it was.
    add_events(good_pc, add_teacher(good_pc, "张老师"), 2)
    altered = export_bundle(good_pc.db, pack)
    assert altered is not None
    raw = altered.path.read_bytes()
    altered.path.write_bytes(raw.replace(b'\\"start\\":0.0', b'\\"start\\":5.0', 1))
    assert altered.path.read_bytes() != raw

    # Made for the good PC's device id, with a key that is not its own.
    device = good_pc.setting(settings.DEVICE_ID)
    wrong_key = _forged_bundle(stick, device, "a guessed token", body["records"])

    # Made by the good PC after it enrolled with another (or a reinstalled) server.
    with good_pc.db.write() as session:
        settings.put(session, settings.SERVER_ID, str(uuid.uuid4()))
    other_server = export_bundle(good_pc.db, pack)
    assert other_server is not None
    with good_pc.db.write() as session:
        settings.put(session, settings.SERVER_ID, body["server_id"])

    done = import_cli(office, stick)

    assert done.returncode == 3, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 7, lines  # six bundles and the summary
    assert lines[-1].startswith("6 bundles: 1 imported, 0 already imported, 5 refused")
    expected = {
        good.path: "imported",
        revoked.path: "removed from the server",
        unknown: "does not know",
        altered.path: "was changed after it was written",
        wrong_key: "was changed after it was written",
        other_server.path: "was made for county server",
    }
    for path, words in expected.items():
        [line] = [line for line in lines if path.name in line]
        assert words in line, line
    assert sorted(server_records(office)) == sorted(r["id"] for r in body["records"])
    receipts = sorted(p.name for p in pack.rglob("*.receipt.json"))
    assert receipts == [f"{good.bundle_id}.receipt.json"]

    # The same bundle id with other content, even with the right key, is not that bundle.
    good_text = good.path.read_bytes()
    forged = json.loads(good_text)["body"]
    forged["records"] = forged["records"][:1]
    fields = {k: v for k, v in forged.items() if k != "records"}
    token = good_pc.setting(settings.DEVICE_TOKEN)
    copy = tmp_path / "copy" / bundle_relpath(device, good.bundle_id)
    write_atomic(
        copy,
        encode_bundle(
            bundle_key(token), device, fields, [record_json(r) for r in forged["records"]]
        ),
    )
    [refused] = import_here(office, copy.parent)
    assert refused.status == REFUSED and refused.problem == BundleProblem.ALTERED
    assert "with other content" in refused.detail
    [replayed] = [o for o in import_here(office, good.path.parent) if o.path == good.path]
    assert replayed.status == REPLAYED and replayed.accepted == 4

    # A receipt changed on the stick is refused; the real one is then taken.
    receipt = good.path.with_name(f"{good.bundle_id}.receipt.json")
    genuine = receipt.read_bytes()
    receipt.write_bytes(genuine.replace(b'"accepted":4', b'"accepted":5', 1))
    applied = apply_receipts(good_pc.db, pack)
    assert applied.bundles == 0 and len(applied.problems) == 1
    assert "was changed after it was written" in applied.problems[0]
    receipt.write_bytes(genuine)
    applied = apply_receipts(good_pc.db, pack)
    assert (applied.bundles, applied.records_delivered, applied.problems) == (1, 4, [])
    # The revoked PC finds no receipt: its records wait, kept.
    assert waiting(gone_pc.db).records == 3
    assert read_envelope(revoked.path, limit=10**6).device_id == gone_pc.setting(settings.DEVICE_ID)


def test_a_full_stick_keeps_no_half_bundle(make_pc: MakePC, tmp_path: Path) -> None:
    pc = make_pc("http://127.0.0.1:9", None, "pc-offline")
    with pc.db.write() as session:  # as enrollment left it, long ago
        settings.put(session, settings.DEVICE_TOKEN, "token")
        settings.put(session, settings.DEVICE_ID, str(uuid.uuid4()))
        settings.put(session, settings.SERVER_ID, str(uuid.uuid4()))
    add_events(pc, add_teacher(pc), 2000)  # about 500 KB of records
    with small_disk(tmp_path / "usb", "128k") as stick:
        status, out = export_cli(pc, stick)
        assert status == 7, out
        assert "the stick is full" in out["message"]
        assert [p for p in stick.rglob("*") if p.is_file()] == []
        with pc.db.read_session() as session:
            assert session.scalars(select(BundleExport)).all() == []

        grow(stick, "2m")
        status, out = export_cli(pc, stick)
        assert status == 0, out
        assert out["bundle"]["records"] == 2001
        assert read_envelope(Path(out["bundle"]["path"]), limit=10**7).body["last_seq"] > 0


def test_a_read_only_stick_gets_its_receipt_the_next_time(
    sqlite_office: County, make_pc: MakePC, tmp_path: Path
) -> None:
    pc = make_pc(sqlite_office.url, sqlite_office.code, "pc-a")
    add_events(pc, add_teacher(pc), 5)
    with small_disk(tmp_path / "usb", "1m") as stick:
        written = export_bundle(pc.db, stick)
        assert written is not None
        remount = ["mount", "-o", "remount,ro", str(stick)]
        if subprocess.run(remount, capture_output=True, check=False).returncode != 0:
            pytest.skip("cannot remount the small disk read-only")
        done = import_cli(sqlite_office, stick)
        assert done.returncode == 4, done.stdout + done.stderr
        assert "NO RECEIPT" in done.stdout
        assert len(server_records(sqlite_office)) == 6  # the import itself is done

        subprocess.run(["mount", "-o", "remount,rw", str(stick)], check=True)
        again = import_cli(sqlite_office, stick)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "receipt written again" in again.stdout
        applied = apply_receipts(pc.db, stick)
        assert (applied.bundles, applied.records_delivered) == (1, 6)
    assert len(server_records(sqlite_office)) == 6


def _shift(county: County, device_id: str) -> set[timedelta]:
    """``at_corrected - at`` of the device's records on the server, to the second."""
    rows = server_query(
        county.database_url,
        "SELECT at, at_corrected FROM record WHERE device_id = :device",
        device=device_id,
    )

    def moment(value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    return {
        timedelta(seconds=round((moment(fixed) - moment(at)).total_seconds())) for at, fixed in rows
    }


def test_reports_get_the_pcs_clock_offset_not_the_sticks_journey(
    sqlite_office: County, make_pc: MakePC, tmp_path: Path
) -> None:
    stick = tmp_path / "stick"
    behind = make_pc(sqlite_office.url, sqlite_office.code, "pc-behind")
    with behind.db.write() as session:  # the server was 2 h ahead when it last synced
        settings.put(session, settings.CLOCK_OFFSET_S, 7200.0)
    add_events(behind, add_teacher(behind), 3)
    written = export_bundle(behind.db, stick, clock=lambda: utc_now() - timedelta(days=3))
    ahead = make_pc(sqlite_office.url, sqlite_office.code, "pc-ahead")
    add_events(ahead, add_teacher(ahead), 3)  # its clock has run 2 days ahead since
    later = export_bundle(ahead.db, stick, clock=lambda: utc_now() + timedelta(days=2))
    assert written is not None and later is not None

    assert {o.status for o in import_here(sqlite_office, stick)} == {IMPORTED}

    # Not the three days the stick took: the offset the PC last saw.
    assert _shift(sqlite_office, behind.setting(settings.DEVICE_ID)) == {timedelta(hours=2)}
    # A bundle cannot come from the future: at least that much of the error is taken off.
    [shift] = _shift(sqlite_office, ahead.setting(settings.DEVICE_ID))
    assert abs(shift + timedelta(days=2)) < timedelta(minutes=1)
