"""Start-up benchmark: a client with 5,000 courses / 50,000 items, started from scratch.

Builds a data directory through the real catalog code path (``apply_catalog_page``), then starts
``python -m app --startup-probe`` several times (offscreen), each a new process, and measures
the wall time from launch until the main window is shown with the catalog populated, and the
process's peak RSS. Prints each run, then ``startup_s=<median> rss_mb=<peak>``.

Usage: python bench/startup.py [--runs 7] [--courses 5000] [--items-per-course 10]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.paths import DataPaths  # noqa: E402
from app.storage.catalog import apply_catalog_page  # noqa: E402
from app.storage.db import open_database  # noqa: E402
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage  # noqa: E402

TOPICS = [
    "信息技术",
    "在线教学",
    "课堂管理",
    "校园安全",
    "阅读指导",
    "数学思维",
    "科学探究",
    "心理健康",
]


def fake_sha(n: int) -> str:
    return hashlib.sha256(f"asset-{n}".encode()).hexdigest()


def build(paths: DataPaths, courses: int, items_per_course: int) -> float:
    started = time.perf_counter()
    db = open_database(paths.database)
    now = datetime.now(UTC)
    batch: list[CatalogCourse] = []
    asset_no = 0
    for c in range(courses):
        lessons = []
        for lesson_no in range(2):
            items = []
            for i in range(items_per_course // 2):
                asset_no += 1
                items.append(
                    CatalogItem(
                        id=f"i{lesson_no}-{i}",
                        kind="video" if i % 3 else "document",
                        title=f"第{i + 1}节 {TOPICS[(c + i) % len(TOPICS)]}",
                        asset=AssetRef(
                            sha256=fake_sha(asset_no), size=5_000_000, media_type="video/mp4"
                        ),
                    )
                )
            lessons.append(
                CatalogLesson(id=f"l{lesson_no}", title=f"第{lesson_no + 1}课", items=items)
            )
        batch.append(
            CatalogCourse(
                id=f"course-{c:05d}",
                version=1,
                seq=c + 1,
                title=f"{TOPICS[c % len(TOPICS)]}专题 {c:05d}",
                description="面向乡村教师的培训课程，包括视频讲解与讲义。",
                language="zh-CN",
                published_at=now,
                lessons=lessons,
            )
        )
        if len(batch) == 500:
            with db.write() as session:
                apply_catalog_page(session, CatalogPage(courses=batch, cursor=c + 1, has_more=True))
            batch = []
    if batch:
        with db.write() as session:
            apply_catalog_page(session, CatalogPage(courses=batch, cursor=courses, has_more=False))
    db.close()
    return time.perf_counter() - started


def one_run(data_dir: Path) -> tuple[float, float, int]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app",
            "--data-dir",
            str(data_dir),
            "--lang",
            "zh_CN",
            "--startup-probe",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    ready = None
    rows = 0
    for line in proc.stdout:
        if line.startswith("startup-probe ready"):
            ready = time.perf_counter() - started
            rows = int(line.split("rows=")[1].split()[0])
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if ready is None or proc.returncode != 0:
        raise SystemExit(f"the app did not report ready (exit code {proc.returncode})")
    return ready, usage.ru_maxrss / 1024, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--courses", type=int, default=5000)
    parser.add_argument("--items-per-course", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lamplight-bench-") as tmp:
        paths = DataPaths(Path(tmp)).ensure()
        built = build(paths, args.courses, args.items_per_course)
        print(
            f"built {args.courses} courses / {args.courses * args.items_per_course} items "
            f"in {built:.1f} s"
        )
        times: list[float] = []
        peak = 0.0
        for run in range(1, args.runs + 1):
            seconds, rss_mb, rows = one_run(paths.root)
            times.append(seconds)
            peak = max(peak, rss_mb)
            print(
                f"run {run}: ready in {seconds:.3f} s, peak RSS {rss_mb:.0f} MB, rows shown {rows}"
            )
        print(f"startup_s={statistics.median(times):.3f} rss_mb={peak:.0f}")


if __name__ == "__main__":
    main()
