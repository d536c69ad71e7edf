"""Small persisted state in the ``setting`` table, typed by key.

Each key has a type and a default here, in one table; the county profile and the settings
screen fill it in later issues.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from app.storage.models import Setting

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str
    default: T
    description: str


SERVER_URL: Key[str] = Key("server_url", "", "address of the county server")
CATALOG_CURSOR: Key[int] = Key("catalog_cursor", 0, "server change sequence already pulled")
LAST_CONTACT: Key[str] = Key("last_contact", "", "UTC time of the last successful server reply")
CLOCK_OFFSET_S: Key[float] = Key(
    "clock_offset_s", 0.0, "server time minus this PC's time, as last seen (seconds)"
)

DEVICE_ID: Key[str] = Key("device_id", "", "this PC's id on the county server")
DEVICE_TOKEN: Key[str] = Key("device_token", "", "this PC's credential (empty: not enrolled)")
DEVICE_SCHOOL: Key[str] = Key("device_school", "", "the school this PC enrolled in")
SERVER_ID: Key[str] = Key("server_id", "", "the id of the server this PC enrolled with")
PUSH_CURSOR: Key[int] = Key("push_cursor", 0, "local record seq the server acknowledged through")
PUSH_BATCH: Key[int] = Key("push_batch", 1000, "records per push, adapted to the link")
SYNC_STAGE: Key[str] = Key("sync_stage", "idle", "the stage the last sync reached")
LAST_SYNC: Key[str] = Key("last_sync", "", "UTC time of the last sync that finished everything")
LAST_SYNC_ERROR: Key[str] = Key("last_sync_error", "", "why the last sync stopped, for the log")

DOWNLOADS_PAUSED: Key[bool] = Key("downloads_paused", False, "all downloads paused by a teacher")
# Unset (absent) means: as the county profile says (app.county). See app.sync.policy.
DOWNLOAD_WINDOW: Key[str] = Key(
    "download_window", "", 'hours downloads may run, e.g. "18:00-07:00"; "" = any time'
)
DOWNLOAD_MAX_RATE: Key[int] = Key(
    "download_max_rate", 0, "download bandwidth cap in bytes per second; 0 = no cap"
)
DOWNLOAD_RESERVE: Key[int] = Key(
    "download_reserve", 1024**3, "bytes of disk always left free by downloads"
)

STARTER_PACK_IMPORTED: Key[str] = Key(
    "starter_pack_imported",
    "",
    "the installer's starter pack last imported to the end (sha256 of its index; app.starter)",
)
LAST_SELF_TEST: Key[str] = Key(
    "last_self_test", "", "when `Lamplight --self-test` last ran here (UTC, ISO 8601)"
)

ALL_KEYS: tuple[Key[Any], ...] = (
    SERVER_URL,
    CATALOG_CURSOR,
    LAST_CONTACT,
    CLOCK_OFFSET_S,
    DEVICE_ID,
    DEVICE_TOKEN,
    DEVICE_SCHOOL,
    SERVER_ID,
    PUSH_CURSOR,
    PUSH_BATCH,
    SYNC_STAGE,
    LAST_SYNC,
    LAST_SYNC_ERROR,
    DOWNLOADS_PAUSED,
    DOWNLOAD_WINDOW,
    DOWNLOAD_MAX_RATE,
    DOWNLOAD_RESERVE,
    STARTER_PACK_IMPORTED,
    LAST_SELF_TEST,
)


def get(session: Session, key: Key[T]) -> T:
    row = session.get(Setting, key.name)
    if row is None:
        return key.default
    value: T = json.loads(row.value)
    return value


def get_set(session: Session, key: Key[T]) -> T | None:
    """The value if one was ever set here, else ``None`` (so a county default can apply)."""
    row = session.get(Setting, key.name)
    if row is None:
        return None
    value: T = json.loads(row.value)
    return value


def clear(session: Session, key: Key[T]) -> None:
    """Forgets a value (back to the default)."""
    row = session.get(Setting, key.name)
    if row is not None:
        session.delete(row)


def put(session: Session, key: Key[T], value: T) -> None:
    """Sets a value (in the caller's write transaction)."""
    stmt = insert(Setting).values(key=key.name, value=json.dumps(value))
    session.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value})
    )
