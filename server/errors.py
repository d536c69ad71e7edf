"""The errors the server raises on purpose; anything else is a bug.

Errors::

    ServerError
     ├── DatabaseError      the database cannot be used: unreachable, unsupported URL,
     │                      or written by a newer server
     ├── StorageError       a media file could not be stored: disk full, or it changed
     │                      while it was being published
     ├── NotFoundError      a school or device named on the command line does not exist
     └── ApiError           a request the API refuses: answered with its status and a
                            :class:`wire.api.ErrorBody` (see ``server.app``)

A course folder that cannot be published raises :class:`wire.course.CourseFormatError`, which
names the file and the field.
"""

from __future__ import annotations

from wire.api import ErrorBody


class ServerError(Exception):
    """Base of the errors this package raises on purpose; the message is meant for people."""


class DatabaseError(ServerError):
    """The database cannot be reached or used."""


class StorageError(ServerError):
    """The blob store could not take a file."""


class NotFoundError(ServerError):
    """No school or device with the id the coordinator gave."""


class ApiError(ServerError):
    """A refused request: the HTTP status and the machine-readable :class:`ErrorBody`.

    Attributes:
        status: the HTTP status code.
        code: one of :mod:`wire.sync`'s error codes.
        attempts_left: for ``pin_wrong``, tries left before claims are locked.
        retry_after: for ``too_many_attempts``, seconds until trying again makes sense.
    """

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        attempts_left: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.attempts_left = attempts_left
        self.retry_after = retry_after

    def body(self) -> ErrorBody:
        return ErrorBody(
            detail=self.detail,
            code=self.code,
            attempts_left=self.attempts_left,
            retry_after=self.retry_after,
        )
