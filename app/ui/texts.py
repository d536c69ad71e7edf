"""Plain-language, translated texts for what went wrong, and for sizes and times.

Every known failure becomes a sentence that says what happened and what to do; anything else is
a bug and goes to the crash dialog.
"""

from __future__ import annotations

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
            "Texts", "That PIN is not right. You can try %n more time(s).", None, exc.attempts_left
        )
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


def format_size(size: int) -> str:
    """``12.3 MB`` style, for people."""
    if size < 1024 * 1024:
        return QCoreApplication.translate("Texts", "%1 KB").replace(
            "%1", f"{max(1, round(size / 1024))}"
        )
    return QCoreApplication.translate("Texts", "%1 MB").replace("%1", f"{size / (1024 * 1024):.1f}")


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
