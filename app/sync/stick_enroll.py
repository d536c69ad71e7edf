"""Enrolling this PC from a USB stick, for a school that never sees the network.

The county issues device credentials onto the coordinator's stick (``enroll/<device id>.json``
in its pack folder, :mod:`wire.stick_enroll`). A PC that is not enrolled takes **one**:

1. the credential file is removed from the stick first, durably
   (:func:`wire.stick_enroll.remove_credential`), so no second PC can take the same one;
   if it cannot be removed (a read-only or locked stick, a stick pulled out), nothing is
   stored and :class:`StickNotWritableError` says so;
2. then, in one database transaction, the PC stores ``DEVICE_ID``, ``DEVICE_TOKEN``,
   ``DEVICE_SCHOOL`` and ``SERVER_ID`` -- exactly what enrolling over the network stores
   (:func:`app.sync.devices.enroll`), including starting the sync state again when the PC
   was enrolled with another server before.

From then on the PC signs its progress bundles with that credential, and syncs with it when
the network comes.

**Removal first, on purpose.** Removing the file before storing the credential means a
credential is never held by two PCs (which the server could not tell apart). The price: if
the PC crashes or loses power between the two steps, that credential is lost -- it is no
longer on the stick and not on the PC. The county then issues another one and revokes the
lost one (``python -m server devices revoke``). If storing fails with an error (this PC's
disk is full), the credential is written back onto the stick (best effort) so it is not
lost.

A PC that is already enrolled never takes a credential (:class:`AlreadyEnrolledError`): a
working credential is never replaced.

Only credentials of this PC's county are offered (the county profile's ``code``; "" = any).
If the stick carries credentials for several schools, the caller names the school; a
credential of another school is never taken by default.

Errors::

    SyncError
     +-- StickEnrollmentError
          +-- AlreadyEnrolledError    this PC has a credential; the stick was not touched
          +-- NoCredentialError       none usable on the stick (``.problems`` says why)
          +-- SeveralSchoolsError     credentials of several schools and none was chosen
          +-- StickNotWritableError   the credential could not be taken off the stick;
                                      nothing was stored
    app.storage.errors.StorageError   this PC's database (the credential went back on the stick)
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass, field
from pathlib import Path

from app.storage import settings
from app.storage.db import Database
from app.sync.devices import DeviceState, device_state, reset_sync_state
from app.sync.errors import SyncError
from wire.blobs import DiskFull
from wire.bundle import BundleWriteError
from wire.stick_enroll import (
    StickCredential,
    StickEnrollError,
    find_credentials,
    remove_credential,
    write_credential,
)

Found = list[tuple[Path, StickCredential]]


class StickEnrollmentError(SyncError):
    """This PC could not be enrolled from the stick."""


class AlreadyEnrolledError(StickEnrollmentError):
    """This PC is enrolled already; nothing on the stick was touched.

    Attributes:
        school: the school it is enrolled for.
    """

    def __init__(self, school: str) -> None:
        super().__init__(f"this computer is already enrolled ({school or 'no school named'})")
        self.school = school


class NoCredentialError(StickEnrollmentError):
    """The stick carries no credential this PC can take.

    Attributes:
        problems: why the credential files found could not be used (another county's,
            damaged, written by a newer Lamplight).
    """

    def __init__(self, message: str, problems: list[StickEnrollError]) -> None:
        super().__init__(message)
        self.problems = problems


class SeveralSchoolsError(StickEnrollmentError):
    """The stick carries credentials of several schools, and none was chosen.

    Attributes:
        schools: the schools, in the order their credentials were found.
    """

    def __init__(self, schools: list[str]) -> None:
        super().__init__("the stick carries credentials for several schools: " + ", ".join(schools))
        self.schools = schools


class StickNotWritableError(StickEnrollmentError):
    """The credential could not be removed from the stick (read-only, locked, pulled out), so
    it was not taken: nothing was stored and it is still on the stick."""


@dataclass(frozen=True)
class StickOffer:
    """What the stick offers this PC.

    Attributes:
        enrolled: this PC is enrolled already (then the stick was not read).
        schools: the schools of the usable credentials, each once, in order.
        count: how many usable credentials.
        problems: the credential files that cannot be used.
    """

    enrolled: bool
    schools: list[str] = field(default_factory=list)
    count: int = 0
    problems: list[StickEnrollError] = field(default_factory=list)


def offer(db: Database, folder: Path, county_code: str) -> StickOffer:
    """What the stick at ``folder`` offers this PC (nothing when it is enrolled already)."""
    if device_state(db).enrolled:
        return StickOffer(enrolled=True)
    found, problems = find_credentials(folder, county_code)
    return StickOffer(False, _schools(found), len(found), problems)


def take_credential(
    db: Database, folder: Path, county_code: str, school: str | None = None
) -> DeviceState:
    """Takes one credential off the stick at ``folder`` and enrolls this PC with it.

    Args:
        db: this PC's database.
        folder: the stick, or its pack folder.
        county_code: this PC's county (``context.county.code``; "" = any).
        school: take a credential of this school; ``None``: the stick's only school.

    Returns:
        The PC's new state.

    Raises:
        AlreadyEnrolledError, NoCredentialError, SeveralSchoolsError, StickNotWritableError:
            see the module docstring; in each case nothing was stored.
        StorageError: this PC's database failed; the credential was put back on the stick.
    """
    state = device_state(db)
    if state.enrolled:
        raise AlreadyEnrolledError(state.school)
    found, problems = find_credentials(folder, county_code)
    if school is not None:
        found = [(path, c) for path, c in found if c.school == school]
    elif len(_schools(found)) > 1:
        raise SeveralSchoolsError(_schools(found))
    if not found:
        where = f" for {school}" if school is not None else ""
        raise NoCredentialError(f"no registration file{where} on the stick", problems)
    for path, credential in found:
        try:
            remove_credential(path)
        except BundleWriteError as exc:
            cause = exc.__cause__
            if isinstance(cause, OSError) and cause.errno == errno.ENOENT:
                continue  # taken a moment ago by someone else: the next one
            raise StickNotWritableError(
                f"the registration file could not be taken off the stick ({exc}); "
                "nothing was stored"
            ) from exc
        try:
            return _store(db, credential)
        except Exception:
            with contextlib.suppress(OSError, DiskFull):  # best effort: the stick may be gone
                write_credential(path.parent.parent, credential)
            raise
    raise NoCredentialError("the registration files on the stick were taken just now", problems)


def _store(db: Database, credential: StickCredential) -> DeviceState:
    with db.write() as session:
        if settings.get(session, settings.DEVICE_TOKEN):  # enrolled meanwhile (another window)
            raise AlreadyEnrolledError(settings.get(session, settings.DEVICE_SCHOOL))
        known = settings.get(session, settings.SERVER_ID)
        if known and known != credential.server_id:
            reset_sync_state(session)
        settings.put(session, settings.DEVICE_ID, credential.device_id)
        settings.put(session, settings.DEVICE_TOKEN, credential.token)
        settings.put(session, settings.DEVICE_SCHOOL, credential.school)
        settings.put(session, settings.SERVER_ID, credential.server_id)
    return device_state(db)


def _schools(found: Found) -> list[str]:
    return list(dict.fromkeys(c.school for _, c in found))
