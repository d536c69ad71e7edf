"""The server database: URLs, engine settings, and migrations that match the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from server.db import (
    MIGRATIONS,
    alembic_config,
    check_connection,
    make_engine,
    migrate,
    normalize_url,
)
from server.errors import DatabaseError
from server.models import Base


@pytest.fixture
def empty_engine(server_db_url: str) -> Iterator[Engine]:
    engine = make_engine(server_db_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@db.example/lamplight", "postgresql+psycopg://u@db.example/lamplight"),
        ("postgres://u@db.example/lamplight", "postgresql+psycopg://u@db.example/lamplight"),
        ("postgresql+psycopg://u@h:5433/x", "postgresql+psycopg://u@h:5433/x"),
        ("sqlite:///relative/server.sqlite3", "sqlite:///relative/server.sqlite3"),
    ],
)
def test_urls_are_normalized(given: str, expected: str) -> None:
    assert normalize_url(given).render_as_string(hide_password=False) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/db", "sqlite://", "sqlite:///:memory:", "not a url"])
def test_unusable_urls_are_refused(url: str) -> None:
    with pytest.raises(DatabaseError):
        normalize_url(url)


def test_unreachable_postgres_is_a_database_error() -> None:
    engine = make_engine("postgresql://postgres@127.0.0.1:1/lamplight")
    try:
        with pytest.raises(DatabaseError, match="cannot open the database"):
            check_connection(engine)
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'server.sqlite3'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() > 0
    finally:
        engine.dispose()


def test_empty_database_upgrades_to_head_and_matches_the_models(empty_engine: Engine) -> None:
    migrate(empty_engine)
    migrate(empty_engine)  # a second run finds nothing to do

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    with empty_engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_heads() == (head,)
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    assert {"course", "course_version", "asset"} <= set(inspect(empty_engine).get_table_names())


def test_downgrade_to_base_and_back(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert "course" not in inspect(empty_engine).get_table_names()

    migrate(empty_engine)

    assert "course" in inspect(empty_engine).get_table_names()


def test_database_from_a_newer_server_is_refused(empty_engine: Engine) -> None:
    migrate(empty_engine)
    with empty_engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(DatabaseError, match="newer"):
        migrate(empty_engine)
