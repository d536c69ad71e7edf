"""A teacher who already uses Lamplight elsewhere, opening their profile on this PC.

The teacher finds their name among the county's teachers, types their PIN; the server checks it
(and counts wrong ones), and the profile is made here with the same id. The next sync pulls the
teacher's records from the other PCs.
"""

from __future__ import annotations

from app.storage.clock import Clock, utc_now
from app.storage.db import Database
from app.storage.profiles import Teacher, adopt_profile, check_pin_rules
from app.sync.client import ServerClient
from wire.sync import TeacherSummary, pin_verifier


def find_teachers(client: ServerClient, name: str) -> list[TeacherSummary]:
    """Teachers whose name contains ``name`` (at most 20)."""
    name = name.strip()
    if not name:
        return []
    return list(client.find_teachers(name).teachers)


def claim_teacher(
    db: Database, client: ServerClient, teacher_id: str, pin: str, *, clock: Clock = utc_now
) -> Teacher:
    """Opens an existing teacher's profile on this PC after the server checked ``pin``.

    Raises:
        ProfileError: ``pin`` breaks the PIN rules (nothing was sent).
        PinRejectedError: the server says the PIN is wrong.
        TooManyAttemptsError: claims are locked for a while.
        OfflineError, ServerError, BadResponseError, NotEnrolledError, DeviceRevokedError.
    """
    check_pin_rules(pin)
    remote = client.claim_teacher(teacher_id, pin_verifier(teacher_id, pin))
    with db.write() as session:
        return adopt_profile(session, remote, pin, clock=clock)
