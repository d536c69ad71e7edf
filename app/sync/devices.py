"""Enrolling this PC with the county server, and what it means for the sync state.

The school's enrollment code buys a device credential; it is kept in the database (the PC is
shared, its teachers share the credential, each opens only their own profile with a PIN).
Enrolling with a *different* server (the county reinstalled it: its id changed) starts the
sync state again: every cursor back to 0, every teacher to be announced again, every local
record pushed again (the server keeps each once).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.storage import settings
from app.storage.db import Database
from app.storage.models import TeacherSync
from app.sync.client import ServerClient


@dataclass(frozen=True)
class DeviceState:
    enrolled: bool
    device_id: str
    school: str
    server_id: str


def device_state(db: Database) -> DeviceState:
    with db.read_session() as session:
        return DeviceState(
            enrolled=bool(settings.get(session, settings.DEVICE_TOKEN)),
            device_id=settings.get(session, settings.DEVICE_ID),
            school=settings.get(session, settings.DEVICE_SCHOOL),
            server_id=settings.get(session, settings.SERVER_ID),
        )


def device_name() -> str:
    """This PC's host name: how the county sees it in its device list."""
    return (platform.node() or "PC")[:100]


def enroll(db: Database, client: ServerClient, code: str, name: str | None = None) -> DeviceState:
    """Enrolls with the school's ``code`` (as ``name``, by default the host name) and stores
    the credential.

    Raises:
        EnrollmentCodeError: the server does not know the code.
        TooManyAttemptsError: too many wrong codes lately.
        OfflineError, ServerError, BadResponseError: nothing was stored.
    """
    enrollment = client.enroll(code, name or device_name())
    with db.write() as session:
        known = settings.get(session, settings.SERVER_ID)
        if known and known != enrollment.server_id:
            reset_sync_state(session)
        settings.put(session, settings.DEVICE_ID, enrollment.device_id)
        settings.put(session, settings.DEVICE_TOKEN, enrollment.token)
        settings.put(session, settings.DEVICE_SCHOOL, enrollment.school)
        settings.put(session, settings.SERVER_ID, enrollment.server_id)
    client.token = enrollment.token
    return device_state(db)


def reset_sync_state(session: Session) -> None:
    """Everything as if this PC had never synced (its records stay, to be pushed again)."""
    settings.put(session, settings.PUSH_CURSOR, 0)
    settings.put(session, settings.CATALOG_CURSOR, 0)
    session.execute(update(TeacherSync).values(linked=False, pull_cursor=0, profile_seq=0))
