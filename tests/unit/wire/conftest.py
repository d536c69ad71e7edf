"""Fixtures for the wire tests: a really small disk, where the machine lets us mount one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.small_disk import small_disk as mounted


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (Linux, as root); skips, saying why, where mounting is not allowed."""
    with mounted(tmp_path / "small", "1m") as mount_point:
        yield mount_point
