"""The county's signature on each published course version.

A version is signed once the server holds the county key (``python -m server keys init``):
at publish, at ``keys init`` for what was published before, and when the server starts. The
signature covers :func:`wire.canonical.course_document_bytes` of the stored manifest, the very
bytes a USB pack's ``courses/<id>.json`` holds, so the catalog and the packs carry the same
signature and a PC can pass a course it downloaded on to another PC's pack.
"""

from __future__ import annotations

import json
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from server.db import begin_write
from server.models import CourseVersion
from wire.api import CatalogSignature
from wire.canonical import course_document_bytes
from wire.pack import sign_document


def signature_json(manifest: str, key: Ed25519PrivateKey, county: str) -> str:
    """The ``course_version.signature`` text for a stored manifest."""
    document = course_document_bytes(county, json.loads(manifest))
    signed = sign_document(key, document)
    return CatalogSignature(
        county=county, alg=signed.alg, key=signed.key, signature=signed.signature
    ).model_dump_json()


def sign_unsigned(session: Session, key: Ed25519PrivateKey, county: str) -> int:
    """Signs every version that has no signature yet; commits. Returns how many."""
    with session.begin():
        begin_write(session)
        rows = session.execute(
            select(CourseVersion.seq, CourseVersion.manifest).where(
                CourseVersion.signature.is_(None)
            )
        ).all()
        for seq, manifest in rows:
            session.execute(
                update(CourseVersion)
                .where(CourseVersion.seq == seq)
                .values(signature=signature_json(manifest, key, county))
            )
    return len(rows)


def sign_with_key_if_present(data_dir: Path, sessions: sessionmaker[Session]) -> str | None:
    """Signs what is unsigned when the server has the county key (``publish``,
    ``publish-form`` and ``serve`` call it; without a key the catalog serves versions unsigned
    and ``keys init`` signs them later).

    Returns:
        ``None``, or why nothing could be signed (a key file that cannot be read), for a
        warning: publishing goes on either way.
    """
    from server.keys import SigningKeyError, load_signing_key_if_present

    try:
        found = load_signing_key_if_present(data_dir)
    except SigningKeyError as exc:
        return str(exc)
    if found is not None:
        key, county = found
        with sessions() as session:
            sign_unsigned(session, key, county.code)
    return None
