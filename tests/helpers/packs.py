"""USB packs built directly with :mod:`wire.pack`, for the import tests and the benchmark.

:func:`make_pack` writes signed course documents, blobs and the index exactly as the format
says, so the client's import can be tested without the county's writer. Blob bytes are opaque
to the import (real media is not needed); :func:`demo_key` is the demo county's private key
(public by design: ``assets/demo``), :func:`county_for` a profile trusting a key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.county import CountyProfile
from app.resources import asset
from app.sync.policy import DownloadPolicy
from wire import pack

COUNTY = "demo"
PUBLISHED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def demo_key() -> Ed25519PrivateKey:
    """The demo county's signing key (``assets/demo/demo-county-signing-key.pem``)."""
    return pack.load_private_key_pem(asset("demo", "demo-county-signing-key.pem").read_bytes())


def county_for(key: Ed25519PrivateKey, code: str = COUNTY, *, reserve: int = 0) -> CountyProfile:
    """A county profile trusting ``key``'s signatures, asking ``reserve`` bytes kept free."""
    return CountyProfile(
        code=code,
        name="测试县",
        signing_keys=(key.public_key(),),
        downloads=DownloadPolicy(reserve=reserve),
    )


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seeded_bytes(seed: str, size: int) -> bytes:
    """``size`` bytes that differ with ``seed``: a distinct blob per seed, cheaply."""
    block = sha(seed.encode()).encode()
    return (block * (size // len(block) + 1))[:size]


@dataclass(frozen=True)
class Asset:
    """A file of a course: its hash and size (its bytes may live anywhere)."""

    sha256: str
    size: int

    @classmethod
    def of(cls, data: bytes) -> Asset:
        return cls(sha(data), len(data))


def course_json(
    course_id: str,
    assets: Sequence[Asset],
    *,
    version: int = 1,
    title: str = "",
    lesson_title: str = "第一课",
) -> dict[str, Any]:
    """A published course (a ``CourseContent`` as JSON): one lesson, one video per asset (no
    lesson when there is no asset)."""
    lessons = [
        {
            "id": "l1",
            "title": lesson_title,
            "items": [
                {
                    "id": f"v{n}",
                    "kind": "video",
                    "title": f"视频 {n}",
                    "asset": {"sha256": a.sha256, "size": a.size, "media_type": "video/mp4"},
                }
                for n, a in enumerate(assets, start=1)
            ],
        }
    ]
    return {
        "id": course_id,
        "version": version,
        "title": title or f"课程 {course_id}",
        "description": "",
        "language": "zh-CN",
        "published_at": PUBLISHED.isoformat().replace("+00:00", "Z"),
        "lessons": lessons if assets else [],
    }


def write_blob(root: Path, data: bytes) -> Asset:
    """Puts ``data`` in the pack at ``root`` under its hash."""
    found = Asset.of(data)
    path = root / pack.blob_relpath(found.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return found


def write_course(
    root: Path,
    course: dict[str, Any],
    key: Ed25519PrivateKey | None,
    county: str = COUNTY,
) -> bytes:
    """Writes ``courses/<id>.json`` and, with a key, its ``.sig``; returns the signed bytes."""
    document = pack.course_document_bytes(county, course)
    folder = root / pack.COURSES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{course['id']}.json").write_bytes(document)
    if key is not None:
        signature = pack.sign_document(key, document)
        (folder / f"{course['id']}.sig").write_text(signature.model_dump_json(), encoding="utf-8")
    return document


def write_index(
    root: Path,
    courses: Iterable[dict[str, Any]],
    county: str = COUNTY,
    *,
    fmt: int = pack.PACK_FORMAT,
) -> None:
    """Writes ``lamplight-pack.json`` listing ``courses`` (as the writer would, from them)."""
    listed: list[dict[str, Any]] = []
    assets: dict[str, int] = {}
    for course in courses:
        mine = {
            i["asset"]["sha256"]: i["asset"]["size"]
            for lesson in course["lessons"]
            for i in lesson["items"]
        }
        assets.update(mine)
        listed.append(
            {
                "id": course["id"],
                "version": course["version"],
                "title": course["title"],
                "size": sum(mine.values()),
                "assets": len(mine),
            }
        )
    index = {
        "format": fmt,
        "county": county,
        "created": PUBLISHED.isoformat(),
        "written_by": "tests.helpers.packs",
        "courses": listed,
        "assets": [{"sha256": s, "size": n} for s, n in assets.items()],
    }
    (root / pack.INDEX_FILE).write_bytes(pack.canonical_json(index))


@dataclass(frozen=True)
class BuiltCourse:
    id: str
    json: dict[str, Any]
    blobs: tuple[bytes, ...]

    @property
    def assets(self) -> list[Asset]:
        return list(dict.fromkeys(Asset.of(b) for b in self.blobs))

    @property
    def size(self) -> int:
        return sum(a.size for a in self.assets)


def make_pack(
    root: Path,
    courses: Sequence[tuple[str, Sequence[bytes]]],
    key: Ed25519PrivateKey | None = None,
    county: str = COUNTY,
    *,
    version: int = 1,
) -> dict[str, BuiltCourse]:
    """A pack folder at ``root`` holding ``courses`` (id, the bytes of each of its files),
    signed with ``key`` (the demo key when ``None``). Returns the courses by id."""
    key = key if key is not None else demo_key()
    root.mkdir(parents=True, exist_ok=True)
    built: dict[str, BuiltCourse] = {}
    for course_id, blobs in courses:
        assets = [write_blob(root, data) for data in blobs]
        document = course_json(course_id, assets, version=version)
        write_course(root, document, key, county)
        built[course_id] = BuiltCourse(course_id, document, tuple(blobs))
    write_index(root, [c.json for c in built.values()], county)
    return built


def blob_path(root: Path, data: bytes) -> Path:
    return root / pack.blob_relpath(sha(data))
