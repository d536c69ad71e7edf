"""Sync benchmark: a real county server on loopback (SQLite), a client with 100,000 queued records.

1. Starts ``python -m server serve`` (SQLite) and adds a school; PC A enrolls.
2. PC A gets ``--teachers`` profiles and ``--events`` progress records (made with the same
   storage code the app uses, inserted in bulk), then one ``sync_once`` pushes them all:
   ``push_eps`` = records / wall time of that whole sync (check, push, catalog, pull).
3. PC B enrolls, each teacher opens their profile there with their PIN (claim), and one
   ``sync_once`` pulls every record: ``pull_eps``.
4. ``noop_s``: the median wall time of PC A's sync when there is nothing to do.
5. ``bytes_per_event``: bytes on the wire for the push (request bodies as sent, gzip, plus
   response bodies as received), per record. ``rss_mb``: this process's peak RSS (it is the
   client; the server runs in its own process).

Usage: python bench/sync.py [--events 100000] [--teachers 10]
Last line: ``push_eps=... pull_eps=... noop_s=... bytes_per_event=... rss_mb=...``
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert  # noqa: E402

from app.demo import start_server  # noqa: E402
from app.paths import DataPaths  # noqa: E402
from app.storage import profiles  # noqa: E402
from app.storage.db import Database, open_database  # noqa: E402
from app.storage.ids import new_id  # noqa: E402
from app.storage.models import ProgressEvent  # noqa: E402
from app.sync.client import ServerClient  # noqa: E402
from app.sync.devices import enroll  # noqa: E402
from app.sync.engine import sync_once  # noqa: E402
from app.sync.teachers import claim_teacher  # noqa: E402
from app.sync.transport import RequestsTransport, Response, Timeout  # noqa: E402

PIN = "2468"


class CountingTransport(RequestsTransport):
    """Counts the bytes of request bodies as sent and response bodies as received."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.received = 0

    def post(
        self,
        url: str,
        *,
        content: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: Timeout,
    ) -> Response:
        self.sent += len(content)
        response = super().post(url, content=content, headers=headers, timeout=timeout)
        raw = response.headers.get("Content-Length")
        self.received += int(raw) if raw and raw.isdigit() else len(response.content)
        return response


def add_school(server_dir: Path) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            "schools",
            "add",
            "基准测试学校",
            "--data-dir",
            str(server_dir),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    return result.stdout.split()[-1]


def make_pc(
    root: Path, url: str, code: str, name: str
) -> tuple[Database, ServerClient, CountingTransport]:
    paths = DataPaths(root / name).ensure()
    db = open_database(paths.database)
    transport = CountingTransport()
    client = ServerClient(url, transport)
    enroll(db, client, code, name)
    return db, client, transport


def fill(db: Database, teachers: int, events: int) -> list[str]:
    """``teachers`` profiles and ``events`` video records spread over them, like real use."""
    ids = []
    with db.write() as session:
        for n in range(teachers):
            teacher = profiles.create_profile(
                session,
                name=f"教师{n:03d}",
                school="基准测试学校",
                gender="female" if n % 2 else "male",
                age_band="40to49",
                subject="数学",
                pin=PIN,
            )
            ids.append(teacher.id)
    start = datetime(2026, 9, 1, 8, 0)
    rows = []
    for n in range(events):
        begin = (n * 10) % 600
        rows.append(
            {
                "id": new_id(),
                "profile_id": ids[n % teachers],
                "item_id": f"ict-basics/video-{n % 12}",
                "kind": "video.watched",
                "payload": json.dumps(
                    {"start": float(begin), "end": begin + 10.0, "duration": 612.4},
                    separators=(",", ":"),
                ),
                "wall_time": start + timedelta(seconds=7 * n),
                "origin": "local",
            }
        )
    with db.write() as session:
        for chunk in range(0, len(rows), 20_000):
            session.execute(insert(ProgressEvent), rows[chunk : chunk + 20_000])
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--teachers", type=int, default=10)
    parser.add_argument("--noop-runs", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="lamplight-bench-sync-") as tmp:
        root = Path(tmp)
        server_dir = root / "server"
        subprocess.run(
            [sys.executable, "-m", "server", "schools", "list", "--data-dir", str(server_dir)],
            capture_output=True,
            check=True,
            cwd=REPO,
        )  # migrates the database before the server starts
        code = add_school(server_dir)
        server, url = start_server(server_dir)
        try:
            db_a, client_a, wire_a = make_pc(root, url, code, "pc-a")
            teachers = fill(db_a, args.teachers, args.events)
            print(f"PC A: {args.teachers} teachers, {args.events} records queued", flush=True)

            wire_a.sent = wire_a.received = 0
            started = time.perf_counter()
            report = sync_once(db_a, client_a)
            push_s = time.perf_counter() - started
            assert report.complete, report
            assert report.pushed == args.events + args.teachers, report
            push_bytes = wire_a.sent + wire_a.received
            print(
                f"push: {report.pushed} records in {push_s:.2f} s; "
                f"{wire_a.sent} bytes sent, {wire_a.received} received",
                flush=True,
            )

            db_b, client_b, wire_b = make_pc(root, url, code, "pc-b")
            for teacher_id in teachers:
                claim_teacher(db_b, client_b, teacher_id, PIN)
            wire_b.sent = wire_b.received = 0
            started = time.perf_counter()
            pulled = sync_once(db_b, client_b)
            pull_s = time.perf_counter() - started
            assert pulled.complete and pulled.pulled == args.events, pulled
            print(
                f"pull: {pulled.pulled} records in {pull_s:.2f} s; "
                f"{wire_b.received} bytes received",
                flush=True,
            )

            noops = []
            for _ in range(args.noop_runs):
                started = time.perf_counter()
                again = sync_once(db_a, client_a)
                noops.append(time.perf_counter() - started)
                assert again.complete and again.pushed == 0 and again.pulled == 0, again
            print("no-op syncs: " + " ".join(f"{s * 1000:.1f}ms" for s in noops), flush=True)
            for db in (db_a, db_b):
                db.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
            if server.stdout is not None:
                server.stdout.close()

    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"push_eps={args.events / push_s:.0f} pull_eps={args.events / pull_s:.0f} "
        f"noop_s={statistics.median(noops):.3f} "
        f"bytes_per_event={push_bytes / (args.events + args.teachers):.1f} rss_mb={rss_mb:.0f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
