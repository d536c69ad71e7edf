"""Ids for records made on this PC: UUID version 7 (RFC 9562).

A v7 UUID starts with the Unix time in milliseconds, then 74 random bits: unique without any
coordination, like v4, but ids made one after another sort together, so the county server's
index on record ids takes new ones at its end instead of all over a large B-tree (measured on
the server: 5 µs per stored record instead of 37 µs at a million records). The time is this
PC's clock and may be years wrong; that changes only where ids sort, never their uniqueness,
and no one orders records by id. Python 3.14's ``uuid.uuid7`` makes the same ids.
"""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> str:
    """A new UUIDv7, as the 36-character string the wire and the database use."""
    millis = time.time_ns() // 1_000_000 & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")  # 80 bits; 74 are used
    value = (millis << 80) | (0x7 << 76) | ((rand >> 62) & 0xFFF) << 64
    value |= (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))
