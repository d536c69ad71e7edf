"""Plain-language, translated texts for what went wrong, and for sizes and times.

Every known failure becomes a sentence that says what happened and what to do; anything else is
a bug and goes to the crash dialog.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

from PySide6.QtCore import QCoreApplication

from app.storage.errors import (
    DatabaseTooNewError,
    DiskFullError,
    ProfileError,
    ProfileLockedError,
    StorageError,
    WrongPinError,
)

# QCoreApplication.translate is spelt out at each text (not wrapped) so lupdate finds them.


def describe_error(exc: BaseException) -> str | None:
    """The teacher-facing sentence for a known failure; ``None`` for a bug."""
    from app.sync import errors as sync_errors

    if isinstance(exc, WrongPinError):
        return QCoreApplication.translate(
            "Texts", "That PIN is not right. You can try %n more time(s)."
        ).replace("%n", str(exc.attempts_left))
    if isinstance(exc, ProfileLockedError):
        return QCoreApplication.translate(
            "Texts", "Too many wrong PINs. Please wait one minute, then try again."
        )
    if isinstance(exc, DiskFullError):
        return QCoreApplication.translate(
            "Texts",
            "The disk of this computer is full. Nothing was lost. Delete some files you no "
            "longer need (or ask your school's computer teacher), then try again.",
        )
    if isinstance(exc, DatabaseTooNewError):
        return QCoreApplication.translate(
            "Texts",
            "This computer's Lamplight data was made by a newer version of Lamplight. "
            "Please install the newer version.",
        )
    if isinstance(exc, sync_errors.DeviceRevokedError):
        return QCoreApplication.translate(
            "Texts",
            "The county removed this computer from its server. Ask your training coordinator for "
            "your school's enrollment code, then connect this computer again.",
        )
    if isinstance(exc, sync_errors.NotEnrolledError):
        return QCoreApplication.translate(
            "Texts",
            "This computer is not connected to the county server. Connect it with your school's "
            "enrollment code; your work stays saved on this computer meanwhile.",
        )
    if isinstance(exc, sync_errors.EnrollmentCodeError):
        return QCoreApplication.translate(
            "Texts",
            "The county server does not know this enrollment code. Check each letter and digit, "
            "or ask your training coordinator for your school's code.",
        )
    if isinstance(exc, sync_errors.PinRejectedError):
        if exc.attempts_left is None:
            return QCoreApplication.translate("Texts", "That PIN is not right. Please try again.")
        return QCoreApplication.translate(
            "Texts", "That PIN is not right. You can try %n more time(s)."
        ).replace("%n", str(exc.attempts_left))
    if isinstance(exc, sync_errors.TooManyAttemptsError):
        if not exc.retry_after:
            return QCoreApplication.translate(
                "Texts", "Too many wrong tries. Please wait a while, then try again."
            )
        at = (datetime.now().astimezone() + timedelta(seconds=exc.retry_after)).strftime("%H:%M")
        return (
            QCoreApplication.translate(
                "Texts", "Too many wrong tries. Please try again after %1 (in about %n minute(s))."
            )
            .replace("%n", str(max(1, math.ceil(exc.retry_after / 60))))
            .replace("%1", at)
        )
    if isinstance(exc, sync_errors.SyncBusyError):
        return QCoreApplication.translate(
            "Texts",
            "Another sync is running on this computer right now. Lamplight will try again in a "
            "moment.",
        )
    if isinstance(exc, sync_errors.OfflineError):
        return QCoreApplication.translate(
            "Texts",
            "Cannot reach the county server. You can keep learning with what is already "
            "downloaded; Lamplight will try again later.",
        )
    if isinstance(exc, sync_errors.ChecksumError):
        return QCoreApplication.translate(
            "Texts",
            "A downloaded file was damaged on the way and was thrown away. "
            "Press Download to fetch it again.",
        )
    if isinstance(exc, sync_errors.BadResponseError):
        return QCoreApplication.translate(
            "Texts",
            "The county server sent an answer Lamplight cannot read. Nothing was changed. "
            "Please tell your training coordinator.",
        )
    if isinstance(exc, sync_errors.ServerError):
        return QCoreApplication.translate(
            "Texts", "The county server has a problem right now. Please try again later."
        )
    if isinstance(exc, ProfileError):
        return QCoreApplication.translate(
            "Texts", "This profile cannot be opened. Please choose your name again."
        )
    if isinstance(exc, StorageError):
        return QCoreApplication.translate(
            "Texts", "Lamplight could not use its data folder: %1"
        ).replace("%1", str(exc))
    return None


def describe_sync_error(exc: BaseException) -> str | None:
    """Like :func:`describe_error`, worded for a sync: the teacher's work is safe here."""
    from app.sync.errors import OfflineError

    if isinstance(exc, OfflineError):
        return QCoreApplication.translate(
            "Texts",
            "Cannot reach the county server. Your work is saved on this computer and will be "
            "sent when the network is back.",
        )
    return describe_error(exc)


def local_time(moment: datetime) -> datetime:
    """A naive-UTC (or aware) moment in this PC's time zone."""
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone()


def format_when(iso: str, today: date | None = None) -> str:
    """``today 10:05``, ``yesterday 18:30`` or ``2024-09-01 10:05`` (local time) for a stored
    naive-UTC ISO time; ``never`` when there is none."""
    try:
        moment = local_time(datetime.fromisoformat(iso)) if iso else None
    except ValueError:
        moment = None
    if moment is None:
        return QCoreApplication.translate("Texts", "never")
    today = today or datetime.now().astimezone().date()
    clock = moment.strftime("%H:%M")
    days = (today - moment.date()).days
    if days == 0:
        return QCoreApplication.translate("Texts", "today %1").replace("%1", clock)
    if days == 1:
        return QCoreApplication.translate("Texts", "yesterday %1").replace("%1", clock)
    return moment.strftime("%Y-%m-%d %H:%M")


def format_size(size: int) -> str:
    """``12.3 MB`` style, for people (``0 KB`` for nothing, ``1 KB`` for a few bytes)."""
    if size < 1024 * 1024:
        kb = 0 if size <= 0 else max(1, round(size / 1024))
        return QCoreApplication.translate("Texts", "%1 KB").replace("%1", f"{kb}")
    if size < 1024**3:
        return QCoreApplication.translate("Texts", "%1 MB").replace("%1", f"{size / 1024**2:.1f}")
    return QCoreApplication.translate("Texts", "%1 GB").replace("%1", f"{size / 1024**3:.2f}")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
