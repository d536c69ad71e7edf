"""One sync at a time per PC, across processes; a killed process does not leave the lock held."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.sync.errors import SyncBusyError
from app.sync.lock import sync_lock

HOLDER = """
import sys, time
from pathlib import Path
from app.sync.lock import sync_lock
with sync_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_sync_in_this_process_is_refused(tmp_path: Path) -> None:
    with sync_lock(tmp_path), pytest.raises(SyncBusyError), sync_lock(tmp_path):
        pass
    with sync_lock(tmp_path):  # released: free again
        pass


def test_a_sync_in_another_process_blocks_until_it_is_killed(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(SyncBusyError), sync_lock(tmp_path):
            pass
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while True:
            try:
                with sync_lock(tmp_path):
                    break
            except SyncBusyError:
                assert time.monotonic() < deadline, "the lock outlived its killed holder"
                time.sleep(0.05)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
