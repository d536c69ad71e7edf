"""USB pack import benchmark: our verified import against ``cp -r`` + ``sync``, in one run.

Builds, in a temporary folder (``--dir``, default the system's temp folder; the data dirs go
next to the packs, so both sides read and write the same filesystem):

- a large pack: ``--large-courses`` courses (20) of ``--large-mb`` MB (50; 1 MB = 10^6 bytes)
  each, in ``--large-files`` files per course (1), random bytes;
- a small-files pack: ``--small-courses`` (20) x ``--small-items`` (100) files of
  ``--small-kb`` KB (100), one file per item: 2,000 files.

Then, ``--runs`` times (medians are reported):

1. ``import``: a fresh data dir (database and content store made before the clock starts);
   ``scan_pack`` + ``import_pack`` of every course, timed until it returns (every blob hashed
   while copied; files and database durable: the disk barrier is inside the import).
2. ``cp -r PACK DEST && sync``, timed together, into a fresh folder.
3. The same for the small-files pack.
4. ``reimport``: ``scan_pack`` + ``import_pack`` of both packs again into the data dirs that
   already hold them (nothing new): the whole call, signatures checked, files looked at.

As root, the page cache is dropped (``sync; echo 3 > /proc/sys/vm/drop_caches``) before each
timed step, so the packs are read from the disk by us and by ``cp`` alike; the output says
whether it was. Bounds are printed first: the disk's cold read rate of the large pack (``cat``),
sha256 on one core, and ``dd conv=fsync`` of 1 GB.

``--profile`` runs the reimport once more under cProfile and prints the top functions.

Last line: ``large_mb_s=<x> large_ratio_vs_cp=<x> small_files_s=<x> reimport_s=<x>`` where
``large_mb_s`` = large pack MB / import seconds, ``large_ratio_vs_cp`` = cp+sync seconds /
import seconds (speed ratio), ``small_files_s`` = small-files import seconds, ``reimport_s`` =
seconds to re-import both packs with nothing new.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.county import CountyProfile  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.storage.content import ContentStore  # noqa: E402
from app.storage.db import Database, open_database  # noqa: E402
from app.sync.pack_import import ImportReport, import_pack, scan_pack  # noqa: E402
from tests.helpers.packs import (  # noqa: E402
    Asset,
    county_for,
    course_json,
    demo_key,
    write_course,
    write_index,
)
from wire.pack import blob_relpath  # noqa: E402

MB = 1_000_000


def log(line: str = "") -> None:
    print(line, flush=True)


def can_drop_caches() -> bool:
    return os.geteuid() == 0 and Path("/proc/sys/vm/drop_caches").exists()


def drop_caches(enabled: bool) -> None:
    os.sync()
    if enabled:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")


def write_random(path: Path, size: int) -> Asset:
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        left = size
        while left > 0:
            block = os.urandom(min(left, 16 * MB))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return Asset(digest.hexdigest(), size)


def build_pack(root: Path, courses: int, files: int, size: int) -> int:
    """A pack of ``courses`` x ``files`` random files of ``size`` bytes; returns its bytes."""
    key = demo_key()
    documents: list[dict[str, Any]] = []
    tmp = root / "incoming"
    total = 0
    for c in range(courses):
        assets: list[Asset] = []
        for _ in range(files):
            made = write_random(tmp, size)
            final = root / blob_relpath(made.sha256)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
            assets.append(made)
            total += size
        document = course_json(f"bench-{c:03d}", assets, title=f"基准课程 {c}")
        write_course(root, document, key)
        documents.append(document)
    write_index(root, documents)
    return total


def fresh_data(folder: Path) -> tuple[Database, ContentStore]:
    shutil.rmtree(folder, ignore_errors=True)
    paths = DataPaths(folder).ensure()
    db = open_database(paths.database)
    return db, ContentStore(paths.content, db)


PC = tuple[Database, ContentStore]


def import_all(pack: Path, pc: PC, county: CountyProfile) -> ImportReport:
    db, content = pc
    plan = scan_pack(pack, db, content, county)
    return import_pack(plan, plan.importable(), db, content, county)


def timed_import(pack: Path, pc: PC, county: CountyProfile) -> tuple[float, ImportReport]:
    start = time.perf_counter()
    report = import_all(pack, pc, county)
    return time.perf_counter() - start, report


def cp_sync(source: Path, dest: Path) -> float:
    shutil.rmtree(dest, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(["cp", "-r", str(source), str(dest)], check=True)
    subprocess.run(["sync"], check=True)
    return time.perf_counter() - start


def bounds(root: Path, large: Path, drop: bool) -> None:
    data = os.urandom(64 * MB)
    start = time.perf_counter()
    for _ in range(4):
        hashlib.sha256(data).hexdigest()
    log(f"bound: sha256 on one core {4 * 64 / (time.perf_counter() - start):.0f} MB/s")
    drop_caches(drop)
    start = time.perf_counter()
    read = 0
    for path in sorted((large / "blobs").rglob("*")):
        if path.is_file():
            with path.open("rb", buffering=0) as fh:
                while chunk := fh.read(8 * MB):
                    read += len(chunk)
    log(f"bound: cold read of the large pack {read / MB / (time.perf_counter() - start):.0f} MB/s")
    out = root / "dd.bin"
    done = subprocess.run(
        ["dd", "if=/dev/zero", f"of={out}", "bs=8M", "count=128", "conv=fsync"],
        capture_output=True,
        text=True,
        check=False,
    )
    out.unlink(missing_ok=True)
    summary = (done.stderr.strip().splitlines() or ["?"])[-1]
    log(f"bound: dd 1 GiB conv=fsync: {summary}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="where to build the packs and data dirs (default: temp)")
    parser.add_argument("--large-courses", type=int, default=20)
    parser.add_argument("--large-files", type=int, default=1, help="files per large course")
    parser.add_argument("--large-mb", type=int, default=50, help="MB per large course")
    parser.add_argument("--small-courses", type=int, default=20)
    parser.add_argument("--small-items", type=int, default=100)
    parser.add_argument("--small-kb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the reimport")
    parser.add_argument("--keep", action="store_true", help="keep the folder afterwards")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="lamplight-bench-usb-", dir=args.dir))
    drop = can_drop_caches()
    county = county_for(demo_key())
    try:
        large, small = root / "large-pack", root / "small-pack"
        start = time.perf_counter()
        large_size = build_pack(
            large,
            args.large_courses,
            args.large_files,
            args.large_mb * MB // args.large_files,
        )
        small_size = build_pack(small, args.small_courses, args.small_items, args.small_kb * 1000)
        small_files = args.small_courses * args.small_items
        log(
            f"setup: {large_size / MB:.0f} MB large pack, {small_files} x {args.small_kb} KB "
            f"({small_size / MB:.0f} MB) small pack in {time.perf_counter() - start:.1f} s ({root})"
        )
        log(
            "page cache: "
            + ("dropped before each timed step" if drop else "NOT dropped (not root): warm reads")
        )
        bounds(root, large, drop)

        ours_large: list[float] = []
        cp_large: list[float] = []
        ours_small: list[float] = []
        cp_small: list[float] = []
        reimport: list[float] = []
        opened: dict[str, PC] = {}
        for run in range(1, args.runs + 1):
            for db, _ in opened.values():
                db.close()
            opened = {
                "large": fresh_data(root / "data-large"),
                "small": fresh_data(root / "data-small"),
            }
            drop_caches(drop)
            seconds, report = timed_import(large, opened["large"], county)
            assert report.bytes_copied == large_size and not report.failed, report
            ours_large.append(seconds)
            drop_caches(drop)
            cp_large.append(cp_sync(large, root / "cp-large"))
            drop_caches(drop)
            seconds, report = timed_import(small, opened["small"], county)
            assert report.files_copied == small_files and not report.failed, report
            ours_small.append(seconds)
            drop_caches(drop)
            cp_small.append(cp_sync(small, root / "cp-small"))
            drop_caches(drop)
            start = time.perf_counter()
            for name, pack in (("large", large), ("small", small)):
                report = import_all(pack, opened[name], county)
                assert report.bytes_copied == 0 and not report.imported, report
            reimport.append(time.perf_counter() - start)
            log(
                f"run {run}: import large {ours_large[-1]:.2f} s "
                f"({large_size / MB / ours_large[-1]:.0f} MB/s), cp+sync {cp_large[-1]:.2f} s; "
                f"import small {ours_small[-1]:.2f} s, cp+sync {cp_small[-1]:.2f} s; "
                f"reimport {reimport[-1]:.3f} s"
            )
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for name, pack in (("large", large), ("small", small)):
                import_all(pack, opened[name], county)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        for db, _ in opened.values():
            db.close()
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)

    t_large = statistics.median(ours_large)
    t_cp = statistics.median(cp_large)
    log(
        f"medians of {args.runs}: import large {t_large:.2f} s, cp+sync large {t_cp:.2f} s "
        f"({large_size / MB / t_cp:.0f} MB/s); import small {statistics.median(ours_small):.2f} s, "
        f"cp+sync small {statistics.median(cp_small):.2f} s; reimport "
        f"{statistics.median(reimport):.3f} s"
    )
    log(
        f"large_mb_s={large_size / MB / t_large:.0f} large_ratio_vs_cp={t_cp / t_large:.2f} "
        f"small_files_s={statistics.median(ours_small):.2f} "
        f"reimport_s={statistics.median(reimport):.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
