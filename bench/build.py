"""County build benchmark: how long ``build_installer.py`` takes, how big the build is, and
how fast the frozen app opens its window.

Builds the demo county (``counties/demo.toml``) with the demo courses as its starter pack,
exactly as ``python build_installer.py`` does (profile and pack checks, PyInstaller from
scratch with ``--clean``, stripping, the build's own self-test). Then imports the starter pack
with the frozen app, and starts the frozen app ``--runs`` times with ``--startup-probe``
(offscreen): the time from launching the program until its main window is shown with the
courses in it. Run as root, it also drops the page cache before one more start (an old PC
switched on in the morning: nothing of the app in memory).

Prints each step, then ``build_s=<x> bundle_mb=<x> frozen_start_s=<median>`` (and
``frozen_cold_start_s=`` as root). Goals (issue 7): bundle_mb <= 250, frozen_start_s <= 2.0.

Usage: python bench/build.py [--runs 7] [--county counties/demo.toml]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import build_installer  # noqa: E402
from scripts.make_starter_pack import make_starter_pack  # noqa: E402


def start_once(program: Path, data: Path) -> float:
    """Seconds from launching the frozen app until its window shows the catalog."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(program), "--startup-probe", "--data-dir", str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("startup-probe ready"):
            elapsed = time.perf_counter() - started
            proc.wait(timeout=60)
            return elapsed
    proc.wait(timeout=60)
    raise RuntimeError(f"the frozen app exited ({proc.returncode}) without opening its window")


def drop_caches() -> bool:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:  # root on Linux only
        return False
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--county", type=Path, default=REPO / "counties" / "demo.toml")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lamplight-bench-build-") as tmp:
        root = Path(tmp)
        make_starter_pack(root / "starter")
        started = time.perf_counter()
        built = build_installer.build(args.county, root / "starter", root / "dist")
        build_s = time.perf_counter() - started
        bundle_mb = built.size / 1e6
        print(f"build: {build_s:.1f} s, {bundle_mb:.1f} MB in {built.folder.name}")
        program = build_installer.cli_executable(built.folder)
        data = root / "data"
        subprocess.run(
            [str(program), "import-starter", "--data-dir", str(data)],
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
            capture_output=True,
            check=True,
        )
        start_once(program, data)  # the first start after a build; not counted
        times = []
        for run in range(args.runs):
            times.append(start_once(program, data))
            print(f"start {run + 1}: {times[-1]:.3f} s")
        line = (
            f"build_s={build_s:.1f} bundle_mb={bundle_mb:.1f} "
            f"frozen_start_s={statistics.median(times):.3f}"
        )
        if drop_caches():
            cold = start_once(program, data)
            print(f"cold start (page cache dropped): {cold:.3f} s")
            line += f" frozen_cold_start_s={cold:.3f}"
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
