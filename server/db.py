"""The server database: SQLite (the default) or PostgreSQL, migrated with Alembic.

SQLite runs in WAL mode (the server reads while ``publish`` writes), with ``synchronous=FULL``,
foreign keys on and a busy timeout; SQLAlchemy issues ``BEGIN`` itself so a write transaction
can start with ``BEGIN IMMEDIATE`` (see :func:`begin_write`). PostgreSQL is reached through
psycopg 3; ``postgresql://`` URLs are rewritten to ``postgresql+psycopg://``.

Raises :class:`server.errors.DatabaseError` for a database that cannot be used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from server.errors import DatabaseError
from wire.sqlite import tune_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")
SQLITE_FILE = "server.sqlite3"
BUSY_TIMEOUT_MS = 15_000
PG_CONNECT_TIMEOUT_S = 10

# pg_advisory_xact_lock keys: writers queue behind each other so change sequence numbers are
# committed in the order they were drawn (a reader never sees seq 11 before seq 10 exists).
_PG_WRITE_LOCK = 0x4C414D50  # "LAMP"
_PG_MIGRATE_LOCK = 0x4C414D4D  # "LAMM"
# Connections per server process on PostgreSQL (up to 20): pushes from many devices run at once,
# each in a worker thread holding one connection for its transaction. With `serve --workers N`
# that is up to 20 N connections; PostgreSQL allows 100 by default.
PG_POOL_SIZE = 10
PG_MAX_OVERFLOW = 10


def default_database_url(data_dir: Path) -> str:
    """The SQLite database inside the data directory."""
    return f"sqlite:///{data_dir / SQLITE_FILE}"


def normalize_url(url: str) -> URL:
    """Parses a database URL, choosing psycopg 3 for PostgreSQL.

    Raises:
        DatabaseError: not a URL, or a database other than SQLite and PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise DatabaseError("the server needs a SQLite file, not an in-memory database")
        return parsed.set(drivername="sqlite")
    raise DatabaseError(
        f"unsupported database {backend!r}: use sqlite:///path or postgresql://user@host/db"
    )


def describe_url(url: URL) -> str:
    """The URL as it may be shown to people (no password)."""
    return url.render_as_string(hide_password=True)


def make_engine(url: str) -> Engine:
    """Creates the process's one engine; does not connect yet.

    Raises:
        DatabaseError: the URL is not usable (see :func:`normalize_url`).
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        tune_sqlite(engine, BUSY_TIMEOUT_MS)
        return engine
    return create_engine(
        parsed,
        pool_pre_ping=True,
        pool_size=PG_POOL_SIZE,
        max_overflow=PG_MAX_OVERFLOW,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S},
    )


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def begin_write(session: Session) -> None:
    """Makes the session's new transaction the only writer until it ends.

    ``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock on PostgreSQL. Call it
    first thing inside ``session.begin()``, before anything else touches the database.
    """
    conn = session.connection(execution_options={"sqlite_immediate": True})
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_WRITE_LOCK})")


def begin_immediate(session: Session) -> None:
    """Starts the session's transaction as a writer: ``BEGIN IMMEDIATE`` on SQLite.

    On PostgreSQL it is an ordinary transaction (row locks and :func:`lock_teachers` order the
    writers that matter). Call it first thing inside ``session.begin()``.
    """
    session.connection(execution_options={"sqlite_immediate": True})


def lock_teachers(session: Session, teacher_ids: Iterable[str]) -> None:
    """On PostgreSQL, holds each teacher's record lock until the transaction ends.

    Writers of one teacher's records queue behind each other, so that teacher's records are
    committed in the order their ``record.seq`` was drawn: a pull that sees seq 11 of a teacher
    also sees seq 10. Locks are taken in sorted order, so two batches never deadlock. Different
    teachers do not wait for each other. On SQLite (one writer at a time) this does nothing.
    """
    conn = session.connection(execution_options={"sqlite_immediate": True})
    if conn.dialect.name != "postgresql":
        return
    for key in sorted({teacher_lock_key(t) for t in teacher_ids}):
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": key})


def teacher_lock_key(teacher_id: str) -> int:
    """The advisory lock key of a teacher: 64 bits of the id's sha256, as a signed bigint.

    Two teachers sharing a key would only wait for each other, never lose a record.
    """
    digest = hashlib.sha256(teacher_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def check_connection(engine: Engine) -> None:
    """Connects once.

    Raises:
        DatabaseError: the database cannot be reached or opened.
    """
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        raise DatabaseError(
            f"cannot open the database {describe_url(engine.url)}: {_first_line(exc.orig)}"
        ) from exc


def _first_line(orig: BaseException | None) -> str:
    text = str(orig).strip() if orig is not None else ""
    return text.splitlines()[0] if text else "unknown error"


def alembic_config(connection: Connection | None = None) -> Any:
    """An Alembic config for the server's migrations (no ``alembic.ini`` needed).

    With ``connection``, migrations run on it; otherwise ``sqlalchemy.url`` must be set on the
    returned config (as when making a new revision with ``alembic.command.revision``).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Connects and brings the schema to ``revision``, holding off other migrating processes.

    Raises:
        DatabaseError: unreachable, or the schema was written by a newer server.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    check_connection(engine)
    known = {script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}
    with engine.connect() as conn:
        conn.execution_options(sqlite_immediate=True)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATE_LOCK})")
            current = MigrationContext.configure(conn).get_current_heads()
            unknown = [rev for rev in current if rev not in known]
            if unknown:
                raise DatabaseError(
                    f"the database {describe_url(engine.url)} has schema {unknown[0]}, "
                    "written by a newer Lamplight server; upgrade this server"
                )
            command.upgrade(alembic_config(conn), revision)
