"""Small persisted state in the ``setting`` table."""

from __future__ import annotations

from app.storage import settings
from app.storage.db import Database


def test_an_unset_key_reads_as_its_default(db: Database) -> None:
    with db.read_session() as session:
        for key in settings.ALL_KEYS:
            assert settings.get(session, key) == key.default


def test_values_keep_their_type_and_the_last_write_wins(db: Database) -> None:
    with db.write() as session:
        settings.put(session, settings.SERVER_URL, "http://192.168.1.20:8080")
        settings.put(session, settings.CATALOG_CURSOR, 41)
        settings.put(session, settings.CLOCK_OFFSET_S, -3.25)
    with db.write() as session:
        settings.put(session, settings.CATALOG_CURSOR, 42)
    with db.read_session() as session:
        assert settings.get(session, settings.SERVER_URL) == "http://192.168.1.20:8080"
        assert settings.get(session, settings.CATALOG_CURSOR) == 42
        assert settings.get(session, settings.CLOCK_OFFSET_S) == -3.25


def test_every_key_is_described_and_unique() -> None:
    names = [key.name for key in settings.ALL_KEYS]
    assert len(names) == len(set(names))
    assert all(key.description for key in settings.ALL_KEYS)
