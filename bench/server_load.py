"""Server load benchmark: 200 school PCs pushing at once to the county server on PostgreSQL.

Set-up (not timed): a fresh PostgreSQL database, ``python -m server serve`` on it with the demo
courses published and one school; 200 devices enroll, each announces its teacher.
Then all devices start together (a barrier), each in its own thread with its own connection,
and does what a PC's sync does: pushes 500 progress records in one gzip batch (built by the
app's own ``encode_batch``), then pulls the catalog. ``eps`` = all records / wall time from
the first push sent to the last answered; ``p99_ms`` = 99th percentile of push latency;
``errors`` = requests that failed or answered anything but 200.

Usage: python bench/server_load.py [--devices 200] [--events 500] [--workers N]
       [--postgres postgresql://postgres@127.0.0.1:5432/postgres]
Last line: ``eps=... p99_ms=... errors=...``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from app.demo import publish_demo  # noqa: E402
from app.storage.ids import new_id  # noqa: E402
from app.storage.records import Outgoing  # noqa: E402
from app.sync.client import ServerClient  # noqa: E402
from app.sync.engine import encode_batch  # noqa: E402
from app.sync.transport import RequestsTransport  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass
class Device:
    client: ServerClient
    teacher: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0


def _pg_admin(url: str) -> object:
    return create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )


def _database_url(admin_url: str, name: str) -> str:
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def _server(*args: str, data_dir: Path, database_url: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "server",
            *args,
            "--data-dir",
            str(data_dir),
            "--database-url",
            database_url,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=True,
        cwd=REPO,
    )
    return result.stdout


def _start(data_dir: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "server",
        "serve",
        "--data-dir",
        str(data_dir),
        "--database-url",
        database_url,
        "--port",
        "0",
    ]
    if workers > 1:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "listening on" in line:
            url = line.rsplit(" ", 1)[-1].strip()
            threading.Thread(target=_drain, args=(proc.stdout,), daemon=True).start()
            return proc, url
    raise SystemExit("the server did not start")


def _drain(stream: IO[str]) -> None:
    """Reads the server's access log so its pipe never fills up."""
    for _ in stream:
        pass


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (Linux /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values) - idle) / tick, sum(values) / tick


def _profile_batch(teacher: str, name: str) -> bytes:
    data = {
        "name": name,
        "school": "压力测试学校",
        "gender": "female",
        "age_band": "40to49",
        "subject": "数学",
        "pin_verifier": uuid.uuid4().hex + uuid.uuid4().hex,
    }
    record = Outgoing(
        seq=0,
        id=new_id(),
        teacher=teacher,
        kind="profile.created",
        item="",
        at=datetime(2026, 9, 1, 8, 0),
        data=json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    )
    return encode_batch([record], datetime(2026, 9, 1, 8, 0))


def _events(teacher: str, count: int) -> list[Outgoing]:
    start = datetime(2026, 9, 1, 8, 0)
    return [
        Outgoing(
            seq=n,
            id=new_id(),
            teacher=teacher,
            kind="video.watched",
            item=f"ict-basics/video-{n % 12}",
            at=start + timedelta(seconds=11 * n),
            data=json.dumps(
                {"start": float(n * 10 % 600), "end": float(n * 10 % 600 + 10), "duration": 612.4},
                separators=(",", ":"),
            ),
        )
        for n in range(count)
    ]


def _device_run(device: Device, events: list[Outgoing], barrier: threading.Barrier) -> None:
    barrier.wait()
    device.started = time.perf_counter()
    try:
        body = encode_batch(events, datetime.now())
        sent = time.perf_counter()
        result = device.client.push(body)
        device.latencies.append(time.perf_counter() - sent)
        if result.accepted != len(events):
            device.errors.append(f"accepted {result.accepted} of {len(events)}")
        device.client.catalog_page(0)
    except Exception as exc:  # counted and reported, not raised
        device.errors.append(f"{type(exc).__name__}: {exc}")
    device.finished = time.perf_counter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--postgres", default=os.environ.get("LAMPLIGHT_BENCH_PG", DEFAULT_PG))
    args = parser.parse_args()

    name = f"lamplight_load_{os.getpid()}"
    admin = _pg_admin(args.postgres)
    with admin.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = _database_url(args.postgres, name)
    server: subprocess.Popen[str] | None = None
    try:
        with tempfile.TemporaryDirectory(prefix="lamplight-bench-load-") as tmp:
            data_dir = Path(tmp) / "server"
            publish_demo_with(data_dir, database_url)
            code = _server(
                "schools", "add", "压力测试学校", data_dir=data_dir, database_url=database_url
            )
            code = code.split()[-1]
            server, url = _start(data_dir, database_url, args.workers)

            devices = []
            for n in range(args.devices):
                client = ServerClient(url, RequestsTransport(), timeout=(10.0, 120.0))
                client.token = client.enroll(code, f"load-pc-{n:03d}").token
                teacher = str(uuid.uuid4())
                client.push(_profile_batch(teacher, f"教师{n:03d}"))
                devices.append(Device(client, teacher))
            workload = [_events(d.teacher, args.events) for d in devices]
            print(f"{args.devices} devices enrolled, each with a teacher", flush=True)

            barrier = threading.Barrier(len(devices))
            threads = [
                threading.Thread(target=_device_run, args=(d, w, barrier))
                for d, w in zip(devices, workload, strict=True)
            ]
            server_cpu0, client_cpu0 = _cpu_seconds(server.pid), time.process_time()
            busy0, total0 = _machine_busy()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            busy1, total1 = _machine_busy()
            server_cpu = _cpu_seconds(server.pid) - server_cpu0
            client_cpu = time.process_time() - client_cpu0
            wall = max(d.finished for d in devices) - min(d.started for d in devices)
            latencies = sorted(lat for d in devices for lat in d.latencies)
            errors = [e for d in devices for e in d.errors]
            for device in devices:
                device.client.close()

            stored = create_engine(
                database_url.replace("postgresql://", "postgresql+psycopg://", 1)
            )
            with stored.connect() as conn:
                count = conn.execute(text("SELECT count(*) FROM record")).scalar_one()
            stored.dispose()
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with admin.connect() as conn:  # type: ignore[attr-defined]
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()  # type: ignore[attr-defined]

    total = args.devices * args.events
    p99 = latencies[max(0, int(len(latencies) * 0.99) - 1)] if latencies else float("nan")
    print(
        f"pushes: {len(latencies)}, median {statistics.median(latencies) * 1000:.0f} ms, "
        f"max {latencies[-1] * 1000:.0f} ms; records stored {count} "
        f"(expected {total + args.devices}); wall {wall:.2f} s",
        flush=True,
    )
    busy = busy1 - busy0
    print(
        f"CPU during the pushes: machine {busy:.1f} s busy of {total1 - total0:.1f} s "
        f"({os.cpu_count()} cores); server {server_cpu:.1f} s, load generator {client_cpu:.1f} s, "
        f"PostgreSQL and the rest {busy - server_cpu - client_cpu:.1f} s",
        flush=True,
    )
    for error in errors[:5]:
        print(f"error: {error}", flush=True)
    print(f"eps={total / wall:.0f} p99_ms={p99 * 1000:.0f} errors={len(errors)}")
    return 0


def publish_demo_with(data_dir: Path, database_url: str) -> None:
    """The demo courses, published into this database (so the catalog has something in it)."""
    previous = os.environ.get("LAMPLIGHT_DATABASE_URL")
    os.environ["LAMPLIGHT_DATABASE_URL"] = database_url
    try:
        publish_demo(data_dir)
    finally:
        if previous is None:
            del os.environ["LAMPLIGHT_DATABASE_URL"]
        else:
            os.environ["LAMPLIGHT_DATABASE_URL"] = previous


if __name__ == "__main__":
    sys.exit(main())
