"""The sync layer's errors (the tree is drawn in :mod:`app.sync`).

Messages are plain English for the log; the UI picks the teacher's message by type.
A full disk is reported with the storage layer's :class:`app.storage.errors.DiskFullError`;
a download that would eat into the free space kept in reserve with its subclass
:class:`LowDiskSpaceError`.
"""

from __future__ import annotations

from app.storage.errors import DiskFullError


class SyncError(Exception):
    """Base of the errors the sync layer raises on purpose."""


class OfflineError(SyncError):
    """The server could not be reached: connection refused, DNS failure, timeout or reset."""


class ServerError(SyncError):
    """The server answered with an HTTP status the client did not expect.

    Attributes:
        status: the HTTP status code.
        code: the machine-readable ``code`` of the server's error body, if it sent one.
    """

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class BadResponseError(SyncError):
    """The server's answer does not parse, or is not the document the API describes."""


class DownloadError(SyncError):
    """An asset could not be downloaded completely; what was received is kept for resuming."""


class ChecksumError(DownloadError):
    """The downloaded bytes are not the asset (wrong sha256 or size); the bytes that did not
    match were deleted."""


class LowDiskSpaceError(DiskFullError):
    """A download stopped (or did not start) because it would leave less free disk space than
    the reserve; the bytes received so far are kept for later.

    Attributes:
        needed: bytes the download still needs on the disk, plus the reserve.
        free: bytes free on the disk when it was checked.
    """

    def __init__(self, needed: int, free: int) -> None:
        super().__init__(
            f"not enough free disk space for the download: {_mb(needed)} needed "
            f"(with the space kept free), {_mb(free)} free"
        )
        self.needed = needed
        self.free = free


def _mb(n: int) -> str:
    return f"{n / 1_000_000:,.1f} MB"


class NotEnrolledError(SyncError):
    """This PC has no device credential the server accepts: enroll with the school's code.

    Raised before any request when the PC never enrolled, and when the server answers 401
    (``device_unknown``: the server was reinstalled, or forgot the device).
    """


class DeviceRevokedError(SyncError):
    """The county removed this PC from the server (403 ``device_revoked``)."""


class EnrollmentCodeError(SyncError):
    """The server does not know this enrollment code (403 ``enrollment_code_wrong``)."""


class PinRejectedError(SyncError):
    """The server says the teacher's PIN is wrong (403 ``pin_wrong``).

    Attributes:
        attempts_left: tries left before the server locks claims of this teacher.
    """

    def __init__(self, message: str, attempts_left: int | None) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class TooManyAttemptsError(SyncError):
    """Too many wrong codes or PINs; the server refuses for ``retry_after`` seconds (429)."""

    def __init__(self, message: str, retry_after: int | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SyncBusyError(SyncError):
    """Another sync (this app or ``python -m app sync``) is running on this PC right now."""
