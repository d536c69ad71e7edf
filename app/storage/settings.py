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

ALL_KEYS: tuple[Key[Any], ...] = (SERVER_URL, CATALOG_CURSOR, LAST_CONTACT, CLOCK_OFFSET_S)


def get(session: Session, key: Key[T]) -> T:
    row = session.get(Setting, key.name)
    if row is None:
        return key.default
    value: T = json.loads(row.value)
    return value


def put(session: Session, key: Key[T], value: T) -> None:
    """Sets a value (in the caller's write transaction)."""
    stmt = insert(Setting).values(key=key.name, value=json.dumps(value))
    session.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value})
    )
