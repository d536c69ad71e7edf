"""The errors the server raises on purpose; anything else is a bug.

Errors::

    ServerError
     ├── DatabaseError      the database cannot be used: unreachable, unsupported URL,
     │                      or written by a newer server
     └── StorageError       a media file could not be stored: disk full, or it changed
                            while it was being published

A course folder that cannot be published raises :class:`wire.course.CourseFormatError`, which
names the file and the field.
"""

from __future__ import annotations


class ServerError(Exception):
    """Base of the errors this package raises on purpose; the message is meant for people."""


class DatabaseError(ServerError):
    """The database cannot be reached or used."""


class StorageError(ServerError):
    """The blob store could not take a file."""
