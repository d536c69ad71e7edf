"""What the USB window says: each course's state, each pack problem and each reason copying
stopped, as a sentence that says what happened and what to do, in the teacher's language."""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from app.ui.texts import format_size
from wire.pack import PackError, Problem

if TYPE_CHECKING:
    from app.sync.drives import Drive
    from app.sync.pack_export import Refusal
    from app.sync.pack_import import CourseInPack, StopReason
    from app.ui.usb_worker import PeerStop
    from wire.stick_enroll import StickEnrollError

# QCoreApplication.translate is spelt out at each text (not wrapped) so lupdate finds them.

GOOD, WAIT, ACT = "#2e7d32", "#8a6d3b", "#b00020"


def describe_problem(problem: Problem) -> str:
    """The sentence for a course (or a whole stick) that cannot be used."""
    if problem is Problem.NOT_A_PACK:
        return QCoreApplication.translate(
            "Usb",
            "There are no Lamplight courses here. If the training coordinator gave you this stick, choose the folder named lamplight on it.",
        )
    if problem is Problem.NEWER_FORMAT:
        return QCoreApplication.translate(
            "Usb",
            "These courses were made for a newer version of Lamplight, so they cannot be copied. Please update Lamplight on this computer first.",
        )
    if problem is Problem.UNSIGNED:
        return QCoreApplication.translate(
            "Usb",
            "This course does not carry the seal of your county's training office, so it cannot be copied.",
        )
    if problem is Problem.WRONG_KEY:
        return QCoreApplication.translate(
            "Usb",
            "This course was not made by your county's training office, so it cannot be copied.",
        )
    if problem is Problem.OTHER_COUNTY:
        return QCoreApplication.translate(
            "Usb", "This course is meant for another county, so it cannot be copied."
        )
    if problem is Problem.TAMPERED:
        return QCoreApplication.translate(
            "Usb",
            "This course was changed after your county's training office made it, so it cannot be copied. Ask your training coordinator for a new copy.",
        )
    if problem is Problem.MISSING_BLOB:
        return QCoreApplication.translate(
            "Usb",
            "Some files of this course are missing from the stick, so it cannot be copied. Ask your training coordinator to put the course on the stick again.",
        )
    if problem is Problem.BAD_BLOB:
        return QCoreApplication.translate(
            "Usb",
            "A file of this course is damaged on the stick, so the course cannot be copied. Ask your training coordinator for a new copy.",
        )
    if problem is Problem.READ_FAILED:
        return QCoreApplication.translate(
            "Usb",
            "The USB stick could not be read. Check that it is pushed in well and try again; if it happens again, the stick may be damaged.",
        )
    # MALFORMED, TOO_LARGE, UNSAFE_NAME: the files are not what Lamplight writes.
    return QCoreApplication.translate(
        "Usb",
        "The files of this course on the stick are damaged or wrong, so it cannot be copied. Ask your training coordinator for a new copy.",
    )


def describe_pack_error(exc: PackError) -> str:
    return describe_problem(exc.problem)


def describe_state(course: CourseInPack) -> tuple[str, str]:
    """A course's state in a few words, and its colour."""
    from app.sync.pack_import import CourseState

    state = course.state
    if state is CourseState.NEW:
        return QCoreApplication.translate("Usb", "New course"), GOOD
    if state is CourseState.UPDATE:
        return QCoreApplication.translate("Usb", "Newer version"), GOOD
    if state is CourseState.PRESENT:
        return QCoreApplication.translate("Usb", "Already on this computer"), WAIT
    if state is CourseState.OLDER:
        return (
            QCoreApplication.translate(
                "Usb", "This computer already has a newer version of this course"
            ),
            WAIT,
        )
    if course.problem is not None:
        return describe_problem(course.problem.problem), ACT
    return describe_problem(Problem.MALFORMED), ACT


def describe_stop(reason: StopReason) -> str | None:
    """Why copying stopped before the end and what to do; ``None`` when it finished."""
    from app.sync.pack_import import StopReason

    if reason is StopReason.STICK_GONE:
        return QCoreApplication.translate(
            "Usb",
            "The USB stick was taken out. Put it back and press Copy again; what was already copied is kept.",
        )
    if reason is StopReason.DISK_FULL:
        return QCoreApplication.translate(
            "Usb",
            "The disk of this computer is full, so copying stopped. What was already copied is kept. Ask the person who looks after this computer to free some space, then press Copy again.",
        )
    if reason is StopReason.CANCELLED:
        return QCoreApplication.translate(
            "Usb",
            "Copying was stopped. What was already copied is kept; press Copy again to copy the rest.",
        )
    return None


def describe_drive(drive: Drive) -> str:
    """``KINGSTON · Lamplight courses on it · 3.20 GB free``."""
    parts = [drive.label]
    if drive.has_pack:
        parts.append(QCoreApplication.translate("Usb", "Lamplight courses on it"))
    parts.append(
        QCoreApplication.translate("Usb", "%1 free").replace("%1", format_size(drive.free_bytes))
    )
    return " \u00b7 ".join(parts)


def describe_send_error(exc: BaseException) -> str | None:
    """The sentence for a failed "send our progress"; ``None`` for a bug."""
    from app.storage.errors import DiskFullError
    from app.sync.errors import DeviceRevokedError, NotEnrolledError
    from wire.blobs import DiskFull
    from wire.bundle import BundleError

    if isinstance(exc, NotEnrolledError | DeviceRevokedError):
        return QCoreApplication.translate(
            "Usb",
            "This computer is not registered with the county yet, so the county would not accept its progress. Ask your training coordinator to register it (with your school's enrollment code), then try again.",
        )
    if isinstance(exc, DiskFull | DiskFullError) or (
        isinstance(exc, OSError) and exc.errno == errno.ENOSPC
    ):
        return QCoreApplication.translate(
            "Usb",
            "The USB stick is full, so the progress could not be written on it. Use a stick with more free space, or delete files you no longer need from it.",
        )
    if isinstance(exc, PackError):
        return describe_pack_error(exc)
    if isinstance(exc, BundleError):  # the stick's progress folder cannot be read
        return describe_problem(Problem.READ_FAILED)
    if isinstance(exc, OSError):
        return QCoreApplication.translate(
            "Usb",
            "The progress could not be written on the USB stick. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then try again.",
        )
    return None


# --- copying this computer's courses to the stick (peer copy) ---------------------------------


def describe_refusal(reason: Refusal) -> str:
    """Why a course of this computer cannot go on the stick for another computer."""
    from app.sync.pack_export import Refusal

    if reason is Refusal.UNSIGNED:
        return QCoreApplication.translate(
            "Usb", "It does not carry the county's seal, so it cannot be copied."
        )
    if reason is Refusal.OLD_SIGNATURE:
        return QCoreApplication.translate(
            "Usb",
            "The county's seal kept here is for an older version of this course, so it cannot be copied.",
        )
    if reason in (Refusal.NOT_TRUSTED, Refusal.OTHER_COUNTY):
        return QCoreApplication.translate(
            "Usb",
            "This course was not made by your county's training office, so it cannot be copied.",
        )
    if reason is Refusal.FILES_MISSING:
        return QCoreApplication.translate(
            "Usb",
            "This course is not completely on this computer yet (it may still be downloading), so it cannot be copied.",
        )
    if reason is Refusal.NOT_HERE:
        return QCoreApplication.translate("Usb", "This course is no longer on this computer.")
    return QCoreApplication.translate(
        "Usb",
        "A file of this course is damaged on this computer, so it was not copied. Download the course again on this computer first.",
    )


def describe_peer_stop(stop: PeerStop, short_bytes: int) -> str | None:
    """Why copying to the stick stopped before the end and what to do; ``None`` when done."""
    from app.ui.usb_worker import PeerStop

    if stop is PeerStop.STICK_FULL:
        if short_bytes > 0:
            return QCoreApplication.translate(
                "Usb",
                "The USB stick is full. Nothing half-copied was left on it. Free %1 on the stick (delete files you no longer need from it) or use a bigger stick, then press Copy again.",
            ).replace("%1", format_size(short_bytes))
        return QCoreApplication.translate(
            "Usb",
            "The USB stick is full. Nothing half-copied was left on it. Delete files you no longer need from the stick or use a bigger stick, then press Copy again.",
        )
    if stop is PeerStop.STICK_GONE:
        return QCoreApplication.translate(
            "Usb",
            "The USB stick was taken out. The courses finished before are on it; nothing half-copied is. Put it back and press Copy again.",
        )
    if stop is PeerStop.CANNOT_WRITE:
        return QCoreApplication.translate(
            "Usb",
            "The USB stick could not be written. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then press Copy again.",
        )
    if stop is PeerStop.CANCELLED:
        return QCoreApplication.translate(
            "Usb",
            "Copying was stopped. The courses finished before are on the stick; press Copy again to copy the rest.",
        )
    return None


# --- registering this computer with a registration file from the stick ------------------------


def describe_enroll_offer(problems: list[StickEnrollError]) -> str:
    """What to do when this computer is not registered and the stick has no registration
    it can take (``problems``: the registration files on it that cannot be used)."""
    from wire.stick_enroll import EnrollProblem

    text = QCoreApplication.translate(
        "Usb",
        "This computer is not registered with the county yet, so its progress cannot be sent. Ask your training coordinator to bring a registration file from the county on this USB stick.",
    )
    kinds = {p.problem for p in problems}
    if EnrollProblem.OTHER_COUNTY in kinds:
        why = QCoreApplication.translate(
            "Usb", "The registration files on this stick are for another county."
        )
    elif EnrollProblem.NEWER_FORMAT in kinds:
        why = QCoreApplication.translate(
            "Usb",
            "The registration files on this stick were made for a newer version of Lamplight. Please update Lamplight on this computer first.",
        )
    elif kinds:
        why = QCoreApplication.translate(
            "Usb", "The registration files on this stick are damaged or could not be read."
        )
    else:
        return text
    return f"{text}\n{why}"


def describe_enroll_error(exc: BaseException) -> str | None:
    """The sentence for a registration from the stick that did not happen; ``None`` for a
    bug."""
    from app.storage.errors import DiskFullError
    from app.sync.stick_enroll import (
        AlreadyEnrolledError,
        NoCredentialError,
        SeveralSchoolsError,
        StickNotWritableError,
    )

    if isinstance(exc, AlreadyEnrolledError):
        return QCoreApplication.translate(
            "Usb", "This computer is already registered. Nothing was changed."
        )
    if isinstance(exc, StickNotWritableError):
        return QCoreApplication.translate(
            "Usb",
            "This computer was not registered: the registration file must be taken off the USB stick (so that no other computer uses it), and the stick could not be written. Check that it is pushed in well and is not locked (some sticks have a small lock switch), then try again.",
        )
    if isinstance(exc, NoCredentialError | SeveralSchoolsError):
        return QCoreApplication.translate(
            "Usb",
            "The registration file is no longer on this USB stick. Take the stick out, put it back and try again.",
        )
    if isinstance(exc, DiskFullError):
        return QCoreApplication.translate(
            "Usb",
            "The disk of this computer is full, so it could not be registered. Ask the person who looks after this computer to free some space, then try again.",
        )
    if isinstance(exc, OSError):
        return describe_problem(Problem.READ_FAILED)
    return None
