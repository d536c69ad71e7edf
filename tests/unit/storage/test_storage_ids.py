"""Record ids: valid UUIDv7, unique, and in the order they were made."""

from __future__ import annotations

import time
import uuid

from app.storage.ids import new_id


def test_ids_are_version_7_uuids_of_the_rfc_variant() -> None:
    value = uuid.UUID(new_id())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_carry_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    millis = uuid.UUID(new_id()).int >> 80
    after = time.time_ns() // 1_000_000
    assert before <= millis <= after


def test_ids_are_unique_and_later_ones_sort_after_earlier_milliseconds() -> None:
    first = [new_id() for _ in range(20_000)]
    time.sleep(0.002)
    second = [new_id() for _ in range(1000)]
    assert len(set(first + second)) == 21_000
    assert max(first) < min(second)
