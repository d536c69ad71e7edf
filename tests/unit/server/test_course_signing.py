"""The county signature on published versions, as the catalog serves it and a PC keeps it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.storage import catalog
from app.storage.db import open_database
from app.storage.models import CourseSignature
from server.catalog import catalog_page_json
from server.course_signing import sign_unsigned
from server.publish import publish_course
from wire.api import CatalogPage
from wire.blobs import BlobStore
from wire.pack import (
    PackError,
    Problem,
    SignatureFile,
    new_signing_key,
    verify_document,
)


def _page(sessions: sessionmaker[Session]) -> tuple[bytes, CatalogPage]:
    with sessions() as session:
        body = catalog_page_json(session, 0, 200)
    return body, CatalogPage.model_validate_json(body)


def test_versions_published_before_the_key_are_signed_once_it_exists(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore
) -> None:
    with sessions() as session:
        publish_course(session, blobs, kit.course("ict-basics"))
    _, unsigned = _page(sessions)
    assert unsigned.courses[0].signed is None

    key = new_signing_key()
    with sessions() as session:
        assert sign_unsigned(session, key, "demo") == 1
        assert sign_unsigned(session, key, "demo") == 0  # each version is signed once

    _, page = _page(sessions)
    course = page.courses[0]
    assert course.signed is not None and course.signed.county == "demo"
    document = course.signed_document()
    assert document is not None
    signature = SignatureFile.model_validate(course.signed.model_dump(exclude={"county"}))
    verify_document(document, signature, [key.public_key()], course=course.id)
    with pytest.raises(PackError) as refused:
        verify_document(document, signature, [new_signing_key().public_key()], course=course.id)
    assert refused.value.problem == Problem.WRONG_KEY


def test_a_pc_keeps_the_signature_with_the_course_and_drops_it_for_an_unsigned_version(
    kit: Any, sessions: sessionmaker[Session], blobs: BlobStore, tmp_path: Path
) -> None:
    folder = kit.course("ict-basics")
    key = new_signing_key()
    with sessions() as session:
        publish_course(session, blobs, folder)
        sign_unsigned(session, key, "demo")
    _, page = _page(sessions)
    pc = open_database(tmp_path / "pc.sqlite3")
    with pc.write() as session:
        catalog.apply_catalog_page(session, page)
    with pc.read_session() as session:
        kept = session.get(CourseSignature, "ict-basics")
        assert kept is not None and kept.version == 1
        signature = SignatureFile.model_validate_json(kept.signature)
        verify_document(
            kept.document.encode("utf-8"), signature, [key.public_key()], course="ict-basics"
        )

    toml = folder / "course.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("信息技术基础", "新版"), "utf-8")
    with sessions() as session:
        publish_course(session, blobs, folder)  # version 2, not signed yet
    _, page2 = _page(sessions)
    with pc.write() as session:
        catalog.apply_catalog_page(
            session, CatalogPage(courses=page2.courses, cursor=9, has_more=False)
        )
    with pc.read_session() as session:
        assert session.get(CourseSignature, "ict-basics") is None
    pc.close()


def test_a_field_unknown_to_this_version_stays_inside_the_signed_bytes() -> None:
    """A newer server may add fields; the client signs over what it received, not what it
    understood, so the signature still verifies."""
    import json

    from wire.canonical import course_document_bytes

    key = new_signing_key()
    manifest = {
        "id": "c",
        "version": 1,
        "title": "t",
        "description": "",
        "language": "zh-CN",
        "published_at": "2026-01-01T00:00:00Z",
        "lessons": [],
        "added_later": {"x": [1, 2]},
    }
    from wire.pack import sign_document

    signed = sign_document(key, course_document_bytes("demo", manifest))
    wire_course = {**manifest, "seq": 4, "signed": {"county": "demo", **signed.model_dump()}}
    page = CatalogPage.model_validate_json(
        json.dumps({"courses": [wire_course], "cursor": 4, "has_more": False})
    )
    document = page.courses[0].signed_document()
    assert document is not None
    verify_document(document, signed, [key.public_key()], course="c")


def test_publish_signs_at_once_when_the_server_has_the_key(
    kit: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from server.cli import main

    monkeypatch.delenv("LAMPLIGHT_DATABASE_URL", raising=False)  # this test reads SQLite

    data = tmp_path / "county"
    assert main(["keys", "init", "--county", "demo", "--data-dir", str(data)]) == 0
    assert main(["publish", str(kit.course("ict-basics")), "--data-dir", str(data)]) == 0
    with sqlite3.connect(data / "server.sqlite3") as db:
        (signature,) = db.execute("SELECT signature FROM course_version").fetchone()
    assert json.loads(signature)["county"] == "demo"
