"""The sync layer's errors (the tree is drawn in :mod:`app.sync`).

Messages are plain English for the log; the UI picks the teacher's message by type.
A full disk is reported with the storage layer's :class:`app.storage.errors.DiskFullError`.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of the errors the sync layer raises on purpose."""


class OfflineError(SyncError):
    """The server could not be reached: connection refused, DNS failure, timeout or reset."""


class ServerError(SyncError):
    """The server answered with an HTTP status the client did not expect.

    Attributes:
        status: the HTTP status code.
    """

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class BadResponseError(SyncError):
    """The server's answer does not parse, or is not the document the API describes."""


class DownloadError(SyncError):
    """An asset could not be downloaded completely; what was received is kept for resuming."""


class ChecksumError(DownloadError):
    """The downloaded bytes are not the asset (wrong sha256 or size); they were deleted."""
