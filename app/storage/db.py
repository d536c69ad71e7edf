"""Opening the client database: SQLite tuned for a shared PC that may lose power at any moment.

WAL journal (readers never wait for the writer), ``synchronous=FULL`` (a committed write
survives a power cut), foreign keys on, a busy timeout so the UI and a worker can share the file,
and every write transaction opened with ``BEGIN IMMEDIATE`` so two writers queue instead of
failing half-way. The schema is migrated with Alembic at start; opening an up-to-date database
does not import Alembic at all (start-up time on old PCs matters).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.storage.errors import DatabaseTooNewError, DiskFullError, StorageError
from wire.sqlite import tune_sqlite

#: The Alembic head this code expects; a unit test checks it matches the migration scripts.
SCHEMA_HEAD = "0005"
MIGRATIONS = Path(__file__).with_name("migrations")
BUSY_TIMEOUT_MS = 10_000


def make_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    return tune_sqlite(engine, BUSY_TIMEOUT_MS)


@dataclass
class Database:
    """The open client database: one engine, a reading and a writing session factory.

    Use one session per user action or worker job; never share a session across threads.
    """

    engine: Engine
    read_session: sessionmaker[Session]
    _write_session: sessionmaker[Session]

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction starts with ``BEGIN IMMEDIATE`` and commits on exit.

        Raises:
            DiskFullError: the disk is full; the transaction was rolled back.
        """
        with self._write_session() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as exc:
                if _is_disk_full(exc):
                    raise DiskFullError(str(exc.orig)) from exc
                raise

    def close(self) -> None:
        self.engine.dispose()


def _is_disk_full(exc: DBAPIError) -> bool:
    orig = exc.orig
    code = getattr(orig, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        has_table = conn.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).first()
        if not has_table:
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        conn.rollback()
        return str(row[0]) if row else None


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the schema to ``revision`` (Alembic ``upgrade``)."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def open_database(path: Path, *, migrate_schema: bool = True) -> Database:
    """Opens (creating if needed) the client database at ``path`` and migrates it to head.

    Raises:
        DatabaseTooNewError: written by a newer Lamplight; it is left untouched.
        StorageError: the file is not a database or cannot be opened.
    """
    engine = make_engine(path)
    try:
        revision = current_revision(engine)
        if revision != SCHEMA_HEAD and migrate_schema:
            if revision is not None and not _known_revision(revision):
                raise DatabaseTooNewError(
                    f"{path} was written by a newer version of Lamplight (schema {revision})"
                )
            migrate(engine)
    except DatabaseError as exc:  # also "file is not a database", which is no OperationalError
        engine.dispose()
        if _is_disk_full(exc):
            raise DiskFullError(str(exc.orig)) from exc
        raise StorageError(f"cannot open the database {path}: {exc.orig}") from exc
    except BaseException:
        engine.dispose()
        raise
    return Database(
        engine=engine,
        read_session=sessionmaker(engine, expire_on_commit=False),
        _write_session=sessionmaker(
            engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        ),
    )


def _known_revision(revision: str) -> bool:
    return any(p.name.startswith(f"{revision}_") for p in (MIGRATIONS / "versions").glob("*.py"))
