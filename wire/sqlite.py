"""SQLite as both sides use it: safe on a PC that may lose power at any moment.

WAL journal (readers never wait for the writer), ``synchronous=FULL`` (a committed write
survives a power cut), foreign keys on, a busy timeout, and SQLAlchemy issuing ``BEGIN`` itself so
that a connection with the execution option ``sqlite_immediate=True`` starts its transactions
with ``BEGIN IMMEDIATE`` (two writers queue instead of failing half-way).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, event


def tune_sqlite(engine: Engine, busy_timeout_ms: int) -> Engine:
    """Attaches the pragmas and the ``BEGIN`` handling to a SQLite ``engine``; returns it."""

    def on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        # pysqlite's own transaction handling is off; the "begin" hook below issues BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.close()

    def on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine
