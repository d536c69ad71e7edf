"""The storage layer's errors (the tree is drawn in ``app.storage``)."""

from __future__ import annotations

from datetime import datetime


class StorageError(Exception):
    """Base of the errors this layer raises on purpose."""


class DiskFullError(StorageError):
    """No space left on the disk; the operation was rolled back."""


class DatabaseTooNewError(StorageError):
    """The database has a schema revision this version of Lamplight does not know."""


class ProfileError(StorageError):
    """A teacher profile could not be opened or made."""


class WrongPinError(ProfileError):
    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"wrong PIN ({attempts_left} attempts left)")
        self.attempts_left = attempts_left


class ProfileLockedError(ProfileError):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"too many wrong PINs; locked until {until.isoformat()}")
        self.until = until
