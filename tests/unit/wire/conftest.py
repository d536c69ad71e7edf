"""Fixtures for the wire tests: a really small disk, where the machine lets us mount one."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (Linux, as root); skips, saying why, where mounting is not allowed."""
    if sys.platform != "linux":
        pytest.skip("a small tmpfs can only be mounted on Linux")
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    try:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot mount a small tmpfs: {exc}")
    if result.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {result.stderr.strip() or result.returncode}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False, timeout=10)
