"""Progress on a stick, the PC's side (app.sync.bundles), against a real SQLite database.

The county is played by :func:`answer`, which writes the receipt the server would (made with
``wire.bundle``, the server's own code path is covered by tests/integration/sync/
test_sneakernet.py): what a bundle holds and in what order, that a receipt marks exactly its
records delivered, once, and that a forged, altered or foreign receipt changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from app.storage import profiles, records, settings
from app.storage.db import Database
from app.storage.ids import new_id
from app.storage.models import BundleExport, ProgressEvent, TeacherSync
from app.storage.profiles import Teacher
from app.sync.bundles import (
    BundleSummary,
    apply_receipts,
    export_bundle,
    select_outgoing,
    waiting,
)
from app.sync.errors import NotEnrolledError
from wire.bundle import (
    BUNDLE_CONTEXT,
    MAX_BUNDLE_BYTES,
    BundleBody,
    BundleWriteError,
    ReceiptBody,
    body_sha256,
    bundle_body,
    bundle_key,
    encode_receipt,
    key_from_digest,
    read_envelope,
    receipt_path,
    verify_envelope,
)
from wire.pack import canonical_json
from wire.sync import PROFILE_CREATED, Rejection

TOKEN = "the-token-this-pc-got-at-enrollment"
DEVICE = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SERVER = "0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"
NOW = datetime(2024, 9, 1, 8, 0, 0)
Snapshot = Callable[[Database], dict[str, list[tuple[Any, ...]]]]


def clock() -> datetime:
    return NOW


@pytest.fixture
def pc(db: Database) -> Database:
    """The test database, enrolled (as ``enroll`` leaves it) with a clock 2.5 s behind."""
    with db.write() as session:
        settings.put(session, settings.DEVICE_TOKEN, TOKEN)
        settings.put(session, settings.DEVICE_ID, DEVICE)
        settings.put(session, settings.SERVER_ID, SERVER)
        settings.put(session, settings.CLOCK_OFFSET_S, 2.5)
    return db


@pytest.fixture
def stick(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "stick" / "lamplight"
    yield root


def add_teacher(db: Database, name: str) -> Teacher:
    with db.write() as session:
        return profiles.create_profile(
            session,
            name=name,
            school="石桥镇中心小学",
            gender="female",
            age_band="30to39",
            subject="语文",
            pin="2468",
            clock=clock,
        )


def add_events(db: Database, teacher: Teacher, count: int) -> list[str]:
    ids = [new_id() for _ in range(count)]
    rows = [
        {
            "id": ids[n],
            "profile_id": teacher.id,
            "item_id": "ict-basics/intro",
            "kind": "video.watched",
            "payload": json.dumps({"start": 10 * n, "end": 10 * n + 10}),
            "wall_time": NOW + timedelta(seconds=n),
            "origin": "local",
        }
        for n in range(count)
    ]
    with db.write() as session:
        session.execute(insert(ProgressEvent), rows)
    return ids


def acknowledge(db: Database, linked: list[Teacher]) -> None:
    """As a network sync leaves it: everything so far pushed, these teachers linked."""
    with db.write() as session:
        top = session.scalar(select(ProgressEvent.seq).order_by(ProgressEvent.seq.desc()))
        settings.put(session, settings.PUSH_CURSOR, top or 0)
        records.mark_linked(session, [t.id for t in linked])


def cursor(db: Database) -> int:
    with db.read_session() as session:
        return settings.get(session, settings.PUSH_CURSOR)


def read_bundle(path: Path) -> BundleBody:
    """Reads a bundle as the server does: with the sha256 of the token it keeps."""
    key = key_from_digest(hashlib.sha256(TOKEN.encode()).hexdigest())
    envelope = read_envelope(path, limit=MAX_BUNDLE_BYTES)
    verify_envelope(envelope, key, BUNDLE_CONTEXT, name=path.name)
    assert envelope.device_id == DEVICE
    return bundle_body(envelope, name=path.name)


def answer(
    bundle: Path,
    *,
    rejected: list[Rejection] | None = None,
    key: bytes | None = None,
    device: str = DEVICE,
    **changes: Any,
) -> Path:
    """The county's receipt for ``bundle``, next to it: every record accepted but
    ``rejected``; teachers whose profile.created was accepted linked."""
    body = read_bundle(bundle)
    refused = rejected or []
    refused_ids = {r.id for r in refused}
    linked = sorted(
        {
            r["teacher"]
            for r in body.records
            if r["kind"] == PROFILE_CREATED and r["id"] not in refused_ids
        }
    )
    raw = json.loads(bundle.read_bytes())["body"]
    values: dict[str, Any] = {
        "bundle_id": body.bundle_id,
        "server_id": SERVER,
        "imported_at": datetime(2024, 9, 3, 9, 0, tzinfo=UTC),
        "accepted": len(body.records) - len(refused),
        "duplicates": 0,
        "rejected": refused,
        "linked_teachers": linked,
        "body_sha256": body_sha256(canonical_json(raw)),
        **changes,
    }
    receipt = ReceiptBody.model_validate(values)
    path = receipt_path(bundle, body.bundle_id)
    path.write_bytes(encode_receipt(key or bundle_key(TOKEN), device, receipt))
    return path


def test_nothing_waiting_writes_nothing(pc: Database, stick: Path) -> None:
    assert waiting(pc) == BundleSummary(records=0, teachers=0)
    assert export_bundle(pc, stick, clock=clock) is None
    assert not stick.exists()


def test_a_pc_that_never_enrolled_has_nothing_to_sign_with(db: Database, stick: Path) -> None:
    add_events(db, add_teacher(db, "王老师"), 2)
    assert waiting(db) == BundleSummary(records=3, teachers=1)
    with pytest.raises(NotEnrolledError):
        export_bundle(db, stick, clock=clock)
    with pytest.raises(NotEnrolledError):
        apply_receipts(db, stick, clock=clock)
    assert not stick.exists()


def test_a_bundle_holds_new_teachers_first_then_everything_not_acknowledged(
    pc: Database, stick: Path
) -> None:
    known = add_teacher(pc, "王老师")
    copied = add_teacher(pc, "李老师")  # on this PC, but the server refused it: not linked
    old = add_events(pc, known, 3)
    acknowledge(pc, linked=[known])
    new = add_teacher(pc, "张老师")
    later = add_events(pc, known, 2) + add_events(pc, new, 2)
    assert waiting(pc) == BundleSummary(records=1 + 1 + 4, teachers=3)

    written = export_bundle(pc, stick, clock=clock)

    assert written is not None
    assert (written.records, written.teachers) == (6, 3)
    assert written.path == stick / "bundles" / DEVICE / f"{written.bundle_id}.json"
    body = read_bundle(written.path)
    ids = [r["id"] for r in body.records]
    kinds = [r["kind"] for r in body.records]
    assert kinds[:2] == [PROFILE_CREATED] * 2  # both unlinked profiles, in log order
    assert [r["teacher"] for r in body.records[:2]] == [copied.id, new.id]
    assert ids[2:] == later and not set(old) & set(ids)  # then after the cursor, each once
    assert (body.bundle_id, body.server_id) == (written.bundle_id, SERVER)
    assert body.created == NOW and body.clock_offset_ms == 2500
    with pc.read_session() as session:
        export = session.get(BundleExport, written.bundle_id)
        top = session.scalar(select(ProgressEvent.seq).order_by(ProgressEvent.seq.desc()))
    assert export is not None and (export.last_seq, export.records) == (top, 6)
    assert body.last_seq == top and export.receipt_at is None
    # Written, not delivered: nothing moved, the same records still wait.
    assert waiting(pc) == BundleSummary(records=6, teachers=3)


def test_a_receipt_marks_exactly_that_bundle_delivered(pc: Database, stick: Path) -> None:
    teacher = add_teacher(pc, "王老师")
    ids = add_events(pc, teacher, 4)
    written = export_bundle(pc, stick, clock=clock)
    assert written is not None
    after = add_events(pc, teacher, 2)  # made after the bundle: not in it
    refusal = Rejection(id=ids[1], code="conflict", detail="the server keeps its own")
    receipt = answer(written.path, rejected=[refusal])

    applied = apply_receipts(pc, stick, clock=clock)

    assert (applied.bundles, applied.records_delivered, applied.problems) == (1, 4, [])
    with pc.read_session() as session:
        export = session.get(BundleExport, written.bundle_id)
        linked = session.get(TeacherSync, teacher.id)
        noted = records.problems(session)
        assert export is not None and export.receipt_at == NOW
        assert cursor(pc) == export.last_seq
        assert linked is not None and linked.linked
    assert [(p.record_id, p.code) for p in noted] == [(ids[1], "conflict")]
    assert waiting(pc) == BundleSummary(records=2, teachers=1)
    again = export_bundle(pc, stick, clock=clock)
    assert again is not None and [r["id"] for r in read_bundle(again.path).records] == after
    # The delivered bundle and its receipt left the stick; the new bundle is there.
    assert not written.path.exists() and not receipt.exists() and again.path.exists()


def test_a_receipt_taken_twice_changes_nothing(
    pc: Database, stick: Path, tmp_path: Path, snapshot: Snapshot
) -> None:
    add_events(pc, add_teacher(pc, "王老师"), 3)
    written = export_bundle(pc, stick, clock=clock)
    assert written is not None
    receipt = answer(written.path)
    kept = shutil.copy(receipt, tmp_path / "copy")
    assert apply_receipts(pc, stick, clock=clock).bundles == 1
    before = snapshot(pc)

    shutil.copy(kept, receipt)
    applied = apply_receipts(pc, stick, clock=lambda: NOW + timedelta(days=1))

    assert (applied.bundles, applied.records_delivered, applied.problems) == (0, 0, [])
    assert snapshot(pc) == before


def test_a_receipt_never_moves_the_cursor_back(pc: Database, stick: Path) -> None:
    teacher = add_teacher(pc, "王老师")
    add_events(pc, teacher, 3)
    written = export_bundle(pc, stick, clock=clock)
    assert written is not None
    add_events(pc, teacher, 3)
    acknowledge(pc, linked=[teacher])  # a network sync got through meanwhile
    synced = cursor(pc)
    answer(written.path, duplicates=0)
    assert apply_receipts(pc, stick, clock=clock).bundles == 1
    assert cursor(pc) == synced


def test_bundles_written_before_any_receipt_each_carry_everything(
    pc: Database, stick: Path
) -> None:
    teacher = add_teacher(pc, "王老师")
    first_ids = add_events(pc, teacher, 2)
    first = export_bundle(pc, stick, clock=clock)
    more = add_events(pc, teacher, 2)
    second = export_bundle(pc, stick, clock=clock)
    assert first is not None and second is not None
    second_ids = [r["id"] for r in read_bundle(second.path).records]
    assert second_ids[1:] == first_ids + more  # the stick may have lost the first

    answer(first.path)
    assert apply_receipts(pc, stick, clock=clock).records_delivered == 3
    assert waiting(pc).records == 2
    answer(second.path)
    assert apply_receipts(pc, stick, clock=clock).records_delivered == 5
    assert waiting(pc).records == 0


def test_a_bundle_stops_at_its_limits_and_the_rest_follows(pc: Database) -> None:
    teacher = add_teacher(pc, "王老师")
    ids = add_events(pc, teacher, 5)
    with pc.read_session() as session:
        few = select_outgoing(session, max_records=3)
        small = select_outgoing(session, max_bytes=700)
        seqs = list(session.scalars(select(ProgressEvent.seq).order_by(ProgressEvent.seq)))
    assert [json.loads(r)["id"] for r in few.records[1:]] == ids[:2]
    assert few.last_seq == seqs[2]  # profile, then two: the cursor may move past those only
    assert 0 < len(small.records) < 6 and small.last_seq == seqs[len(small.records) - 1]


def _forge(kind: str, bundle: Path, stick: Path) -> None:
    if kind == "another key":
        answer(bundle, key=bundle_key("a token someone guessed"))
    elif kind == "another device":
        answer(bundle, device=str(uuid.uuid4()), key=bundle_key("the other pc's token"))
    elif kind == "another server":
        answer(bundle, server_id=str(uuid.uuid4()))
    elif kind == "a bundle this pc never wrote":
        unknown = new_id()
        receipt = answer(bundle, bundle_id=unknown)
        receipt.rename(receipt.with_name(f"{unknown}.receipt.json"))
    elif kind == "a count changed after the mac":
        receipt = answer(bundle)
        receipt.write_bytes(receipt.read_bytes().replace(b'"accepted":3', b'"accepted":9'))
    elif kind == "misnamed":
        receipt = answer(bundle)
        receipt.rename(receipt.with_name(f"{new_id()}.receipt.json"))
    elif kind == "not json":
        receipt_path(bundle, new_id()).write_bytes(b"\x00garbage")


FORGERIES = [
    "another key",
    "another device",
    "another server",
    "a bundle this pc never wrote",
    "a count changed after the mac",
    "misnamed",
    "not json",
]


@pytest.mark.parametrize("kind", FORGERIES)
def test_a_forged_or_foreign_receipt_changes_nothing(
    pc: Database, stick: Path, snapshot: Snapshot, kind: str
) -> None:
    add_events(pc, add_teacher(pc, "王老师"), 2)
    written = export_bundle(pc, stick, clock=clock)
    assert written is not None
    _forge(kind, written.path, stick)
    before = snapshot(pc)

    applied = apply_receipts(pc, stick, clock=clock)

    assert (applied.bundles, applied.records_delivered) == (0, 0)
    assert len(applied.problems) == 1 and applied.problems[0]
    assert snapshot(pc) == before
    assert written.path.exists()  # nothing was tidied away either
    assert waiting(pc).records == 3


def test_a_stick_that_cannot_be_written_leaves_no_bundle_remembered(
    pc: Database, tmp_path: Path, snapshot: Snapshot
) -> None:
    add_events(pc, add_teacher(pc, "王老师"), 2)
    blocked = tmp_path / "stick"
    (blocked / "bundles").mkdir(parents=True)
    (blocked / "bundles" / DEVICE).write_text("a file where this PC's folder should be")
    before = snapshot(pc)
    with pytest.raises(BundleWriteError):
        export_bundle(pc, blocked, clock=clock)
    assert snapshot(pc) == before
    with pc.read_session() as session:
        assert session.scalars(select(BundleExport)).all() == []
