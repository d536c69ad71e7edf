"""A small filesystem for disk-full tests: a tmpfs mounted for the test (Linux, as root)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(mount_point: Path, size: str = "1m") -> Iterator[Path]:
    """Mounts a tmpfs of ``size`` at ``mount_point``; skips the test, saying why, where that is
    not possible (CI runs as root on Linux, where it is)."""
    if sys.platform != "linux":
        pytest.skip("a small tmpfs can only be mounted on Linux")
    mount_point.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
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


def grow(mount_point: Path, size: str) -> None:
    """Makes room: remounts the tmpfs with a larger ``size``."""
    subprocess.run(
        ["mount", "-o", f"remount,size={size}", str(mount_point)], check=True, timeout=10
    )
