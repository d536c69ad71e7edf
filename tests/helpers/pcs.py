"""School PCs for sync tests: a data directory with its own database, enrolled with a real
server, teachers and their records made through the app's storage code."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, insert, select, text

from app.paths import DataPaths
from app.storage import profiles, settings
from app.storage.clock import Clock, utc_now
from app.storage.db import Database, open_database
from app.storage.ids import new_id
from app.storage.models import ProgressEvent
from app.storage.profiles import Teacher
from app.sync.client import ServerClient
from app.sync.devices import enroll
from app.sync.engine import SyncReport, sync_once
from app.sync.transport import RequestsTransport, Timeout
from tests.helpers.server_process import ServerProcess

PIN = "2468"
VIDEO = "ict-basics/intro"


@dataclass
class County:
    """A running county server with one school."""

    server: ServerProcess
    data_dir: Path
    database_url: str
    code: str

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class PC:
    """One school PC: its data directory, database and server client."""

    name: str
    paths: DataPaths
    db: Database
    client: ServerClient
    clock: Clock = utc_now
    closed: bool = field(default=False)

    def sync(self, **kwargs: Any) -> SyncReport:
        return sync_once(self.db, self.client, clock=self.clock, **kwargs)

    def setting(self, key: settings.Key[Any]) -> Any:
        with self.db.read_session() as session:
            return settings.get(session, key)

    def record_ids(self, origin: str | None = None) -> list[str]:
        query = select(ProgressEvent.id).order_by(ProgressEvent.seq)
        if origin is not None:
            query = query.where(ProgressEvent.origin == origin)
        with self.db.read_session() as session:
            return list(session.scalars(query))

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.db.close()
            self.closed = True


def new_pc(
    root: Path,
    url: str,
    code: str | None,
    name: str,
    *,
    clock: Clock = utc_now,
    timeout: Timeout = (5.0, 30.0),
) -> PC:
    """A PC with its own data directory; enrolled with ``code`` unless it is None."""
    paths = DataPaths(root / name).ensure()
    db = open_database(paths.database)
    with db.write() as session:
        settings.put(session, settings.SERVER_URL, url)
    client = ServerClient(url, RequestsTransport(), timeout=timeout)
    if code is not None:
        enroll(db, client, code, name)
    return PC(name, paths, db, client, clock)


def add_teacher(pc: PC, name: str = "王老师", pin: str = PIN) -> Teacher:
    with pc.db.write() as session:
        return profiles.create_profile(
            session,
            name=name,
            school="石桥镇中心小学",
            gender="female",
            age_band="40to49",
            subject="数学",
            pin=pin,
            clock=pc.clock,
        )


def add_events(
    pc: PC,
    teacher: Teacher,
    count: int,
    *,
    start: datetime | None = None,
    item: str = VIDEO,
    first_second: float = 0.0,
) -> list[str]:
    """``count`` watched ranges of 10 s, one after another, in one transaction (bulk)."""
    at = start or pc.clock()
    rows = []
    for n in range(count):
        begin = first_second + 10.0 * n
        rows.append(
            {
                "id": new_id(),
                "profile_id": teacher.id,
                "item_id": item,
                "kind": "video.watched",
                "payload": json.dumps(
                    {"start": begin, "end": begin + 10.0, "duration": 1e6}, separators=(",", ":")
                ),
                "wall_time": at + timedelta(seconds=n),
                "origin": "local",
            }
        )
    with pc.db.write() as session:
        for chunk in range(0, len(rows), 10_000):
            session.execute(insert(ProgressEvent), rows[chunk : chunk + 10_000])
    return [r["id"] for r in rows]


def server_database_url(data_dir: Path, database_url: str | None) -> str:
    return database_url or f"sqlite:///{data_dir / 'server.sqlite3'}"


def server_query(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """Reads the server's database directly (to check what it really stored)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()


def server_record_ids(url: str) -> list[str]:
    return [row[0] for row in server_query(url, "SELECT id FROM record")]


def wait_until(check: Callable[[], bool], timeout_s: float = 30.0, step_s: float = 0.02) -> bool:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step_s)
    return check()
