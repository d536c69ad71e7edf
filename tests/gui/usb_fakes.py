"""Real USB packs for the USB window's tests: courses signed with the demo county's key,
written with :mod:`wire.pack_writer`, and ways to spoil them."""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from app.storage import settings
from app.storage.db import Database
from wire.api import AssetRef, CatalogItem, CatalogLesson
from wire.bundle import (
    BUNDLE_CONTEXT,
    MAX_BUNDLE_BYTES,
    ReceiptBody,
    body_sha256,
    bundle_body,
    bundle_key,
    encode_receipt,
    find_bundles,
    read_envelope,
    receipt_path,
    verify_envelope,
)
from wire.course import ItemKind
from wire.pack import (
    CourseContent,
    course_document_bytes,
    course_relpath,
    load_private_key_pem,
    new_signing_key,
    sign_document,
)
from wire.pack_courses import PackCourse, write_courses
from wire.pack_writer import PackWriter
from wire.stick_enroll import StickCredential, write_credential
from wire.sync import PROFILE_CREATED

REPO = Path(__file__).resolve().parents[2]
DEMO_KEY = REPO / "assets" / "demo" / "demo-county-signing-key.pem"
COUNTY = "demo"


def media(seed: str, size: int) -> bytes:
    block = hashlib.sha256(seed.encode()).digest()
    return (block * (size // len(block) + 1))[:size]


@dataclass(frozen=True)
class PackSpec:
    """One course to put in a pack: its id, title, version and file sizes."""

    id: str
    title: str
    sizes: tuple[int, ...] = (40_000, 60_000)
    version: int = 1
    foreign_key: bool = False


def course_content(spec: PackSpec) -> tuple[CourseContent, dict[str, bytes]]:
    files = {}
    items = []
    for number, size in enumerate(spec.sizes, start=1):
        data = media(f"{spec.id}-{spec.version}-{number}", size)
        sha = hashlib.sha256(data).hexdigest()
        files[sha] = data
        items.append(
            CatalogItem(
                id=f"item-{number}",
                kind=ItemKind.DOCUMENT,
                title=f"第{number}讲",
                asset=AssetRef(sha256=sha, size=size, media_type="application/pdf"),
            )
        )
    content = CourseContent(
        id=spec.id,
        version=spec.version,
        title=spec.title,
        description="",
        language="zh-CN",
        published_at=datetime(2024, 9, 1, tzinfo=UTC),
        lessons=[CatalogLesson(id="lesson-1", title="第一课", items=items)],
    )
    return content, files


def build_pack(root: Path, specs: list[PackSpec]) -> Path:
    """Writes a pack of ``specs`` at ``root`` (signed by the demo county, or by some other key
    for ``foreign_key``); returns ``root``."""
    county_key = load_private_key_pem(DEMO_KEY.read_bytes())
    courses, files = [], {}
    for spec in specs:
        content, data = course_content(spec)
        files.update(data)
        document = course_document_bytes(COUNTY, content.model_dump(mode="json"))
        key = new_signing_key() if spec.foreign_key else county_key
        courses.append(PackCourse(document, sign_document(key, document), content))
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder)
        for sha, data in files.items():
            (source / sha).write_bytes(data)
        writer = PackWriter.open(root, COUNTY, written_by="tests")
        report = write_courses(writer, courses, lambda sha: source / sha)
    assert not report.failed, report.failed
    return root


def tamper(root: Path, course_id: str) -> None:
    """Changes a course's title after it was signed (its signature no longer matches)."""
    path = root / course_relpath(course_id)
    document = json.loads(path.read_bytes())
    document["course"]["title"] += " (changed)"
    path.write_bytes(json.dumps(document, ensure_ascii=False).encode())


# --- an enrolled PC and the county's answer to its progress ---------------------------------

TOKEN = "usb-test-device-token"
DEVICE = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SERVER = "0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d"


def enroll_offline(db: Database) -> None:
    """Gives the PC the credential enrolling would have stored."""
    with db.write() as session:
        settings.put(session, settings.DEVICE_TOKEN, TOKEN)
        settings.put(session, settings.DEVICE_ID, DEVICE)
        settings.put(session, settings.SERVER_ID, SERVER)


def answer_bundles(pack_root: Path) -> int:
    """Writes the county's receipt next to each bundle of this PC on the stick (every record
    accepted); returns how many records were answered."""
    answered = 0
    for bundle in find_bundles(pack_root):
        envelope = read_envelope(bundle, limit=MAX_BUNDLE_BYTES)
        raw = verify_envelope(envelope, bundle_key(TOKEN), BUNDLE_CONTEXT, name=bundle.name)
        body = bundle_body(envelope, name=bundle.name)
        linked = sorted({r["teacher"] for r in body.records if r["kind"] == PROFILE_CREATED})
        receipt = ReceiptBody.model_validate(
            {
                "bundle_id": body.bundle_id,
                "server_id": SERVER,
                "imported_at": datetime(2024, 9, 3, 9, 0, tzinfo=UTC),
                "accepted": len(body.records),
                "duplicates": 0,
                "rejected": [],
                "linked_teachers": linked,
                "body_sha256": body_sha256(raw),
            }
        )
        path = receipt_path(bundle, body.bundle_id)
        path.write_bytes(encode_receipt(bundle_key(TOKEN), DEVICE, receipt))
        answered += len(body.records)
    return answered


# --- registration files the county puts on a stick (app.sync.stick_enroll) ------------------


def issue_credential(
    pack_root: Path, school: str = "石桥镇中心小学", county: str = COUNTY
) -> StickCredential:
    """Writes a registration file of ``school`` into ``pack_root``, as ``python -m server
    devices issue`` does; returns it."""
    credential = StickCredential(
        county=county,
        server_id=SERVER,
        device_id=str(uuid.uuid4()),
        token=uuid.uuid4().hex * 2,
        school=school,
        issued=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    )
    write_credential(pack_root, credential)
    return credential
