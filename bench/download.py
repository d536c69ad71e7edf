"""Download benchmark: our client against curl on loopback, and on a shaped link that is cut
every 5 MB. Run as root on Debian (for the namespaces); takes about 2-3 minutes.

(a) Loopback: a real county server (``python -m server serve --port 0``) with a published course
    whose one video is ``--size-mb`` MiB of random bytes (an MP4 header first). Our client
    (``app.sync.downloads.download_asset`` into a fresh data dir: sha256 checked, fsynced, moved
    into the content store) and ``curl -o`` (same URL, same Bearer credential, same filesystem)
    take turns, ``--runs`` times each; the medians are compared: ``loopback_ratio`` = ours / curl.
    As bounds it also prints the disk's write+fsync rate (``dd conv=fsync``), sha256's rate, and
    curl followed by an fsync of its file (``sync FILE``).

(b) Shaped: namespaces ``srv`` and ``cli`` joined by a veth pair (MTU 1500), ``tc tbf rate
    8mbit`` on both ends' egress, the server inside ``srv``, our client in ``cli`` as a
    subprocess (``bench/download.py --client-only``). First, without cuts, our client and curl
    fetch a 16 MiB asset (the link's ceiling, measured). Then TCP connections to the server are
    reset after 5 MB on average (iptables connbytes in the client's namespace, at a random point
    past 4.74 MB; see ``bench/_netns.py`` and ``CUT_JITTER``); ``curl -C -`` in a loop fetches
    the 16 MiB asset through the cuts as a reference, and then our client keeps calling
    ``download_asset`` on ``OfflineError`` / ``DownloadError`` with no pause, as a queue runner
    would, until the ``--shaped-mb`` MiB asset is stored. Each attempt is printed: where it
    started and stopped, the bytes its connection received, how many of them were not kept, and
    how long from the broken body to the next response.

    ``shaped_goodput_ratio`` = asset bytes / elapsed seconds / (8e6/8) bytes/s. tbf counts
    Ethernet frames; a full frame of 1514 bytes carries 1448 bytes of payload (MTU 1500 - IP 20
    - TCP 20 - timestamps 12), so no TCP client can exceed 1448/1514 = 0.956 here. The server's
    tbf counters split each download's time into: sending the asset's frames, sending anything
    else (bytes received again, headers, handshakes), and idle.

    ``refetch_kb_per_cut`` = (TCP payload bytes the client's sockets received over all attempts,
    less HTTP response headers and other responses' bodies, less the asset size) / 1024 / cuts;
    cuts = attempts that ended in an error. The bytes come from the kernel
    (``TCP_INFO.tcpi_bytes_received`` of each connection), so they include what was received
    but lost in buffers at the reset, which ``AssetResult.fetched`` cannot see (and failed
    attempts return no ``AssetResult``). The bytes written twice (the sum of what each attempt
    appended, less the asset size) are printed too.

    tbf settings. ``burst 4542`` (3 full frames): no less than rate/HZ for HZ >= 250, so timer
    granularity cannot starve the link, and small, because the bucket refills while the link
    idles between a cut and the next response and lets that much through faster than 8 Mbit/s
    (at most 4.4 KiB per cut, under 0.1% of a 5 MB stretch). ``limit 262144`` (~270 ms at 8
    Mbit/s, a common modem buffer): every cut starts a new connection, whose BBR startup (the
    congestion control here) briefly queues ~140 KB; with ``limit 131072`` the qdisc dropped
    ~1,400 segments in a 40 MiB run with cuts and the link idled twice as long (0.77 s against
    0.34 s), with 54 KB thousands; once started BBR keeps only 10-15 KB queued, so the larger
    limit adds little to what is in flight at a cut. It must hold 64 KiB GSO packets anyway
    (the server's TCP hands the veth's qdisc whole ones). ``--tbf-burst``/``--tbf-limit``
    change them.

    Where namespaces cannot be made (not root, no ``ip``/``tc``/``iptables``), (b) says so and
    uses the fault proxy (``tests/helpers/faultproxy.py``) on loopback instead: its bandwidth
    cap (1,000,000 payload bytes/s, no header overhead: ceiling 1.0) and ``reset_after_down``.

Usage: python bench/download.py [--size-mb 1024] [--shaped-mb 40] [--runs 3]
                                [--skip-loopback] [--skip-shaped] [--force-proxy]
                                [--tbf-burst 4542] [--tbf-limit 262144]
Last line: ``loopback_ratio=<x> shaped_goodput_ratio=<x> refetch_kb_per_cut=<x>``
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import _netns  # noqa: E402  (bench/ is the script's directory, first on sys.path)

from app.paths import DataPaths  # noqa: E402
from app.storage.catalog import MissingAsset  # noqa: E402
from app.storage.content import ContentStore  # noqa: E402
from app.storage.db import open_database  # noqa: E402
from app.sync.client import ServerClient  # noqa: E402
from app.sync.downloads import download_asset  # noqa: E402
from app.sync.errors import DownloadError, OfflineError  # noqa: E402
from app.sync.transport import Params, RequestsTransport, Response, Timeout  # noqa: E402
from tests.helpers.faultproxy import FaultProxy, Faults  # noqa: E402
from tests.helpers.server_process import add_school, publish, running_server  # noqa: E402

MiB = 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
LINK_BPS = 8_000_000  # bits per second
LINK_RATE = LINK_BPS // 8  # bytes per second
CUT_EVERY = 5_000_000
#: Cuts fall at random points, not every time the same distance past a client's buffer or
#: block boundary (which would make the bytes lost per cut the same remainder every time):
#: after CUT_EVERY - CUT_JITTER bytes, each packet the client sends (an ACK per two segments
#: of ACK_PAYLOAD bytes) cuts with a probability such that the extra stretch averages
#: CUT_JITTER. The proxy draws its threshold uniformly from CUT_EVERY +- CUT_JITTER / 2.
CUT_JITTER = 256 * 1024
ACK_PAYLOAD = 2 * 1448
SHAPED_PORT = 8780
BASELINE_MB = 16
TBF_BURST = 4542  # 3 full frames (see the module doc)
TBF_LIMIT = 262144
ETH_HEADER = 14
START_TIMEOUT_S = 60
TCP_INFO_LEN = 232
TCPI_RCV_MSS = 20  # offsets in struct tcp_info (linux/tcp.h)
TCPI_BYTES_RECEIVED = 128


def log(line: str = "") -> None:
    print(line, flush=True)


def mbps(nbytes: float, seconds: float) -> float:
    return nbytes / seconds / 1e6 if seconds > 0 else float("nan")


# --- the course on the server -------------------------------------------------------------


@dataclass(frozen=True)
class Asset:
    sha256: str
    size: int

    @property
    def missing(self) -> MissingAsset:
        return MissingAsset(self.sha256, self.size, "video/mp4")


def random_mp4(path: Path, size: int) -> Asset:
    """``size`` bytes: an MP4 ``ftyp`` box, then random bytes; returns its sha256."""
    digest = hashlib.sha256()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        head = MP4_HEAD[:size]
        fh.write(head)
        digest.update(head)
        left = size - len(head)
        while left > 0:
            block = os.urandom(min(left, 16 * MiB))
            fh.write(block)
            digest.update(block)
            left -= len(block)
    return Asset(digest.hexdigest(), size)


def make_course(folder: Path, course_id: str, videos: Mapping[str, int]) -> dict[str, Asset]:
    """A course folder with one lesson and one video item per entry of ``videos`` (bytes)."""
    assets = {}
    items = []
    for name, size in videos.items():
        assets[name] = random_mp4(folder / "media" / f"{name}.mp4", size)
        items.append(
            f'  [[lessons.items]]\n  id = "{name}"\n  kind = "video"\n  title = "{name}"\n'
            f'  file = "media/{name}.mp4"\n'
        )
    (folder / "course.toml").write_text(
        f'format = 1\nid = "{course_id}"\ntitle = "Bench {course_id}"\n'
        '[[lessons]]\nid = "l"\ntitle = "L"\n' + "".join(items),
        encoding="utf-8",
    )
    return assets


def enroll_token(url: str, code: str) -> str:
    client = ServerClient(url, RequestsTransport())
    try:
        return client.enroll(code, "bench-download").token
    finally:
        client.close()


@contextlib.contextmanager
def server_in(prefix: Sequence[str], data_dir: Path, host: str, port: int) -> Iterator[str]:
    """``python -m server serve`` run under ``prefix`` (``ip netns exec NS``); yields its URL."""
    cmd = [*prefix, sys.executable, "-m", "server", "serve", "--data-dir", str(data_dir)]
    cmd += ["--host", host, "--port", str(port)]
    with (data_dir / "server-ns-stderr.log").open("w") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=REPO)
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "listening on" in line and not found:
                found.append(line.rsplit(" ", 1)[-1].strip())
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        ready.wait(START_TIMEOUT_S)
        if not found:
            log_text = (data_dir / "server-ns-stderr.log").read_text(errors="replace")
            raise RuntimeError(f"server in namespace did not start: {log_text[-2000:]}")
        yield found[0]
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


# --- the client side (also run alone, in the client's namespace, with --client-only) ----------


class WireCountingTransport(RequestsTransport):
    """Counts what crossed the network, from the kernel: keeps a duplicate of each connection's
    socket so as to read ``TCP_INFO.tcpi_bytes_received`` (TCP payload bytes received) even
    after the connection was reset and ``requests`` closed it; and notes, per request, the
    header bytes, the bodies of requests other than the streamed asset, and when it was sent.
    Every request is made streamed, so that its socket can be seen; a non-streamed one has its
    body read here, as ``requests`` would have done."""

    def __init__(self) -> None:
        super().__init__()
        self._conns: dict[int, list[int]] = {}  # socket inode -> [duplicate fd, bytes counted]
        self.heads = 0
        self.other_bodies = 0
        self.requests: list[tuple[float, float, str]] = []  # (sent, headers in, path)
        self.broken: list[float] = []  # when a body stopped with an error
        self.available = True
        self.rcv_mss = 0

    def get(
        self,
        url: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: Timeout,
    ) -> Response:
        sent = time.perf_counter()
        response = super().get(url, params=params, headers=headers, stream=True, timeout=timeout)
        self.requests.append((sent, time.perf_counter(), url.rsplit("/", 1)[-1][:12]))
        raw = getattr(getattr(response, "_response", None), "raw", None)
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if sock is None:
            self.available = False
        else:
            key = os.fstat(sock.fileno()).st_ino  # unique while the duplicate keeps it open
            if key not in self._conns:
                self._conns[key] = [os.dup(sock.fileno()), 0]
        self.heads += _header_bytes(raw)
        if not stream:
            self.other_bodies += len(response.content)
        return response

    def collect(self) -> int:
        """TCP payload bytes received since the last call, over every connection."""
        received = 0
        for conn in self._conns.values():
            with socket.socket(fileno=os.dup(conn[0])) as sock:
                info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, TCP_INFO_LEN)
            if len(info) < TCPI_BYTES_RECEIVED + 8:
                self.available = False
                continue
            total = struct.unpack_from("Q", info, TCPI_BYTES_RECEIVED)[0]
            received += total - conn[1]
            conn[1] = total
            self.rcv_mss = max(self.rcv_mss, struct.unpack_from("I", info, TCPI_RCV_MSS)[0])
        return received

    def close(self) -> None:
        super().close()
        for fd, _ in self._conns.values():
            os.close(fd)
        self._conns.clear()


def _header_bytes(raw: Any) -> int:
    """The size of the status line and headers as received."""
    try:
        line = len(f"HTTP/1.1 {raw.status} {raw.reason}\r\n")
        return line + sum(len(k) + len(v) + 4 for k, v in raw.headers.items()) + 2
    except AttributeError:
        return 0


def fresh_store(root: Path) -> tuple[Any, ContentStore, Path]:
    paths = DataPaths(root).ensure()
    db = open_database(paths.database)
    return db, ContentStore(paths.content, db), paths.partial


def run_client(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Downloads one asset, calling ``download_asset`` again after every OfflineError or
    DownloadError (no pause) until it is stored; reports each attempt."""
    asset = Asset(spec["sha256"], spec["size"])
    db, store, partial_dir = fresh_store(Path(spec["data_dir"]))
    transport = WireCountingTransport()
    client = ServerClient(spec["url"], transport, token=spec["token"])
    deadline = time.perf_counter() + spec.get("max_seconds", 600)
    attempts: list[dict[str, Any]] = []
    stored = False
    fatal = ""
    started = time.perf_counter()
    while not stored and time.perf_counter() < deadline:
        seen: dict[str, float] = {}

        def on_progress(have: int, _size: int, seen: dict[str, float] = seen) -> None:
            now = time.perf_counter() - started
            if "start" not in seen:  # called once before anything is fetched
                seen["start"], seen["loaded"] = have, now
            elif "first" not in seen and have > seen["start"]:
                seen["first"] = now
            elif now - seen["last"] > seen.get("stall", 0.0):
                seen["stall"], seen["stall_at"] = now - seen["last"], have
            seen["end"], seen["last"] = have, now

        t0 = time.perf_counter() - started
        heads, others = transport.heads, transport.other_bodies
        nrequests, nbroken = len(transport.requests), len(transport.broken)
        error = ""
        try:
            result = download_asset(
                client, store, partial_dir, asset.missing, on_progress=on_progress
            )
            stored = result.stored
        except (OfflineError, DownloadError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # anything else ends the run: the bench reports it
            error = fatal = f"{type(exc).__name__}: {exc}"
        t1 = time.perf_counter() - started
        start = int(seen.get("start", 0))
        sent = [
            (round(a - started, 4), round(b - started, 4), path)
            for a, b, path in transport.requests[nrequests:]
        ]
        attempts.append(
            {
                "t_start": t0,
                "t_loaded": seen.get("loaded", t1),
                "t_first": seen.get("first", t1),
                "t_end": t1,
                "t_broken": broken[-1] - started if (broken := transport.broken[nbroken:]) else t1,
                "requests": sent,
                "start": start,
                "end": int(seen.get("end", start)),
                "stall": seen.get("stall", 0.0),
                "stall_at": int(seen.get("stall_at", 0)),
                "wire": transport.collect(),
                "heads": transport.heads - heads,
                "others": transport.other_bodies - others,
                "error": error,
            }
        )
        if fatal:
            break
    elapsed = time.perf_counter() - started
    stored = stored and store.blobs.has(asset.sha256)
    client.close()
    db.close()
    return {
        "elapsed": elapsed,
        "stored": stored,
        "fatal": fatal,
        "attempts": attempts,
        "wire_counted": transport.available,
        "rcv_mss": transport.rcv_mss,
    }


def client_subprocess(prefix: Sequence[str], spec: Mapping[str, Any]) -> dict[str, Any]:
    """``run_client`` in a new process under ``prefix`` (e.g. ``ip netns exec cli``)."""
    cmd = [*prefix, sys.executable, str(Path(__file__).resolve()), "--client-only"]
    done = subprocess.run(
        cmd,
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=spec.get("max_seconds", 600) + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"client failed (exit {done.returncode}): {done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def curl(
    prefix: Sequence[str], url: str, token: str, out: Path, *, expect: int
) -> tuple[float, int]:
    """curl's own time_total (s) and the bytes it wrote."""
    cmd = [*prefix, "curl", "-sS", "--fail", "-o", str(out), "-H", f"Authorization: Bearer {token}"]
    cmd += ["-w", "%{time_total} %{size_download}", url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"curl failed (exit {done.returncode}): {done.stderr.strip()}")
    seconds, size = done.stdout.split()
    if int(size) != expect or out.stat().st_size != expect:
        raise RuntimeError(f"curl fetched {size} bytes, expected {expect}")
    return float(seconds), int(size)


# --- (a) loopback ---------------------------------------------------------------------------


def sha256_rate(nbytes: int = 512 * MiB) -> float:
    block = os.urandom(64 * MiB)
    digest = hashlib.sha256()
    started = time.perf_counter()
    for _ in range(nbytes // len(block)):
        digest.update(block)
    return mbps(nbytes, time.perf_counter() - started)


def bench_loopback(root: Path, url: str, token: str, asset: Asset, runs: int) -> float:
    log(f"== (a) loopback: {asset.size / MiB:.0f} MiB asset from {url} ==")
    asset_url = f"{url}/api/v1/assets/{asset.sha256}"
    ours: list[float] = []
    theirs: list[float] = []
    for n in range(1, runs + 1):
        data = root / f"ours-{n}"
        db, store, partial_dir = fresh_store(data)
        client = ServerClient(url, RequestsTransport(), token=token)
        os.sync()  # no dirty pages of the setup or of the run before (each run starts clean)
        started = time.perf_counter()
        result = download_asset(client, store, partial_dir, asset.missing)
        seconds = time.perf_counter() - started
        client.close()
        ok = result.stored and store.blobs.has(asset.sha256)
        db.close()
        if not ok:
            raise RuntimeError(f"our client did not store the asset: {result}")
        ours.append(mbps(asset.size, seconds))
        log(f"run {n} ours: {seconds:6.2f} s  {ours[-1]:7.1f} MB/s  (verified, fsynced, stored)")
        shutil.rmtree(data)

        out = root / f"curl-{n}.bin"
        os.sync()
        seconds, _ = curl([], asset_url, token, out, expect=asset.size)
        theirs.append(mbps(asset.size, seconds))
        log(f"run {n} curl: {seconds:6.2f} s  {theirs[-1]:7.1f} MB/s  (curl -o, no fsync)")
        out.unlink()

    out = root / "curl-sync.bin"
    os.sync()
    seconds, _ = curl([], asset_url, token, out, expect=asset.size)
    started = time.perf_counter()
    subprocess.run(["sync", str(out)], check=True)
    synced = time.perf_counter() - started
    curl_synced = mbps(asset.size, seconds + synced)
    log(f"bound: curl -o then sync FILE: {seconds:.2f} + {synced:.2f} s = {curl_synced:.1f} MB/s")
    out.unlink()
    out = root / "dd.bin"
    count = max(1, asset.size // MiB)
    os.sync()
    started = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={out}", "bs=1M", f"count={count}", "conv=fsync"],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    disk = mbps(count * MiB, seconds)
    log(f"bound: dd bs=1M count={count} conv=fsync: {seconds:.2f} s = {disk:.1f} MB/s")
    out.unlink()
    log(f"bound: sha256 (hashlib, in memory): {sha256_rate():.0f} MB/s")
    ratio = statistics.median(ours) / statistics.median(theirs)
    log(
        f"bound: a client that must have every byte on disk when it is done cannot beat the "
        f"disk: dd / curl = {disk / statistics.median(theirs):.2f}, "
        f"(curl + sync) / curl = {curl_synced / statistics.median(theirs):.2f}"
    )
    log(
        f"loopback: ours median {statistics.median(ours):.1f} MB/s, "
        f"curl median {statistics.median(theirs):.1f} MB/s, ratio {ratio:.3f}"
    )
    return ratio


# --- (b) shaped -----------------------------------------------------------------------------


@dataclass
class Shaped:
    goodput_ratio: float
    refetch_kb_per_cut: float


def payload_ceiling(timestamps: bool, mtu: int = 1500) -> tuple[int, float]:
    mss = mtu - 20 - 20 - (12 if timestamps else 0)
    return mss, mss / (mtu + ETH_HEADER)


def ratio_line(name: str, nbytes: int, seconds: float) -> float:
    """Logs and returns the bytes-per-second rate of a transfer."""
    rate = nbytes / seconds
    log(
        f"{name}: {nbytes / MiB:.0f} MiB in {seconds:.2f} s = {rate / 1e6:.3f} MB/s, "
        f"ratio {rate / LINK_RATE:.3f}"
    )
    return rate


CURL_LOOP = """n=0
until curl -sS -C - -o "$1" -H "$2" "$3" 2>/dev/null; do
  n=$((n + 1)); [ "$n" -ge 200 ] && exit 1
done
echo "$n"
"""


def curl_with_cuts(
    prefix: Sequence[str], url: str, token: str, out: Path, size: int
) -> tuple[float, int]:
    """curl -C - again and again (a shell loop, no pause) until the file is whole: seconds, cuts."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            *prefix,
            "sh",
            "-c",
            CURL_LOOP,
            "curl-loop",
            str(out),
            f"Authorization: Bearer {token}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0 or out.stat().st_size != size:
        raise RuntimeError(f"curl -C - loop failed: {done.stderr.strip()}")
    return seconds, int(done.stdout.split()[-1])


def link_time(sent: _netns.QdiscStats, elapsed: float, useful: int, ceiling: float) -> None:
    """How the link spent the download's time, from the server's qdisc counters: sending the
    asset's bytes in full frames, sending anything else, or nothing."""
    asset_s = useful / ceiling / LINK_RATE
    other_s = sent.sent_bytes / LINK_RATE - asset_s
    idle_s = max(0.0, elapsed - sent.sent_bytes / LINK_RATE)  # tbf's burst can beat the rate
    log(
        f"  link (server's tbf: {sent.sent_bytes:,} bytes in {sent.sent_packets:,} frames, "
        f"{sent.dropped} dropped): the asset's frames {asset_s:.2f} s, other bytes {other_s:.2f} s "
        f"({other_s * LINK_RATE / 1024:.0f} KiB: re-sent, headers, handshakes), "
        f"idle {idle_s:.2f} s of {elapsed:.2f} s"
    )


@dataclass
class Link:
    """Where (b) runs: how to run the client there, how to cut, what the link can carry."""

    url: str
    prefix: list[str]  # runs a command on the client's side
    ceiling: float  # the most payload a TCP stream can carry, as a part of the link rate
    cut: Any  # () -> str: starts cutting every connection after ~CUT_EVERY bytes; says how
    resets: Any  # () -> int: connections cut so far
    egress: Any = None  # () -> _netns.QdiscStats of the server's side, or None


def bench_shaped(root: Path, token: str, big: Asset, small: Asset, link: Link) -> Shaped:
    spec = {"url": link.url, "token": token, "max_seconds": 150}
    small_url = f"{link.url}/api/v1/assets/{small.sha256}"

    def egress() -> _netns.QdiscStats | None:
        return link.egress() if link.egress else None

    def show_link(before: _netns.QdiscStats | None, elapsed: float, useful: int) -> None:
        if before is not None and (after := egress()) is not None:
            link_time(after - before, elapsed, useful, link.ceiling)

    before = egress()
    base = client_subprocess(link.prefix, {**spec, **asdict(small), "data_dir": str(root / "base")})
    if base["fatal"] or not base["stored"] or len(base["attempts"]) != 1:
        raise RuntimeError(f"the download without cuts failed: {base}")
    ours_rate = ratio_line("no cuts, ours", small.size, base["elapsed"])
    first = base["attempts"][0]
    steps = [f"{path}… answered at {got:.3f} s" for _, got, path in first["requests"]]
    log(
        f"  requests: {', '.join(steps)}; first bytes at {first['t_first']:.3f} s; longest "
        f"wait for a chunk {first['stall']:.3f} s (at {first['stall_at'] / MiB:.2f} MiB)"
    )
    show_link(before, base["elapsed"], small.size)
    if base["rcv_mss"] and link.egress:
        log(f"  (payload per segment received, TCP_INFO rcv_mss: {base['rcv_mss']} bytes)")
    before = egress()
    seconds, _ = curl(link.prefix, small_url, token, root / "c.bin", expect=small.size)
    curl_rate = ratio_line("no cuts, curl", small.size, seconds)
    show_link(before, seconds, small.size)

    log(f"cutting every connection after {CUT_EVERY:,} bytes on average: {link.cut()}")
    resets, before = link.resets(), egress()
    seconds, cuts = curl_with_cuts(link.prefix, small_url, token, root / "cc.bin", small.size)
    ratio_line(f"with {cuts} cuts, curl -C - in a loop (reference)", small.size, seconds)
    show_link(before, seconds, small.size)
    log(
        f"  cost per cut, curl: {(seconds - small.size / curl_rate) / max(1, cuts) * 1000:.0f} ms "
        f"against its rate without cuts; the rule fired {link.resets() - resets} times"
    )

    resets, before = link.resets(), egress()
    result = client_subprocess(link.prefix, {**spec, **asdict(big), "data_dir": str(root / "cut")})
    if result["fatal"] or not result["stored"]:
        raise RuntimeError(f"the download with cuts failed: {result['fatal'] or 'not in time'}")
    attempts, elapsed = result["attempts"], result["elapsed"]
    ncuts = sum(1 for a in attempts if a["error"])
    log(
        f"with cuts, ours: {len(attempts)} attempts, {ncuts} cuts "
        f"(the rule fired {link.resets() - resets} times)"
    )
    idle: list[float] = []
    log(
        "  attempt   from MiB  to MiB     s  received KiB  not kept KiB  longest chunk wait s"
        "  break -> returned / re-hashed / next response, ms  end"
    )
    for i, a in enumerate(attempts):
        following = attempts[i + 1] if i + 1 < len(attempts) else None
        kept = (following["start"] if following else big.size) - a["start"]
        body = a["wire"] - a["heads"] - a["others"]
        after = ""
        if following is not None and following["requests"]:
            # From the broken body to the next response's headers nothing new can arrive.
            idle.append(following["requests"][-1][1] - a["t_broken"])
            after = (
                f"{(a['t_end'] - a['t_broken']) * 1000:.0f} / "
                f"{(following['t_loaded'] - following['t_start']) * 1000:.0f} / "
                f"{idle[-1] * 1000:.0f}"
            )
        log(
            f"  {i + 1:7d}   {a['start'] / MiB:8.2f}  {a['end'] / MiB:6.2f}  "
            f"{a['t_end'] - a['t_start']:5.2f}  {body / 1024:12.1f}  {(body - kept) / 1024:12.1f}"
            f"  {a['stall']:20.2f}  {after:>50}  "
            + (a["error"].split(":")[0] if a["error"] else "stored")
        )
    wire_body = sum(a["wire"] - a["heads"] - a["others"] for a in attempts)
    written = sum(a["end"] - a["start"] for a in attempts)
    per_cut = max(1, ncuts)
    refetch = (wire_body - big.size) / 1024 / per_cut
    ratio = ratio_line("with cuts, ours", big.size, elapsed) / LINK_RATE
    show_link(before, elapsed, big.size)
    log(
        f"  cost per cut, ours: {(elapsed - big.size / ours_rate) / per_cut * 1000:.0f} ms against "
        f"its rate without cuts; re-fetching takes {refetch * 1024 / ours_rate * 1000:.0f} ms of "
        f"it, the break to the next response {statistics.mean(idle or [0]) * 1000:.0f} ms"
    )
    log(
        f"  re-fetched per cut: {refetch:.1f} KiB received by the client's sockets but not kept"
        + ("" if result["wire_counted"] else " (TCP_INFO unavailable: not measured)")
        + f"; {(written - big.size) / 1024 / per_cut:.1f} KiB written twice (appended - size)"
    )
    log(
        f"bounds: ceiling {link.ceiling:.3f}; without cuts ours {ours_rate / LINK_RATE:.3f}, "
        f"curl {curl_rate / LINK_RATE:.3f}; with {ncuts} cuts ours {ratio:.3f}"
    )
    return Shaped(ratio, refetch if result["wire_counted"] else float("nan"))


def bench_shaped_netns(
    root: Path, server_dir: Path, token: str, big: Asset, small: Asset, ns: _netns.ShapedLink
) -> Shaped:
    with server_in(ns.exec_in(ns.srv), server_dir, ns.srv_ip, SHAPED_PORT) as url:
        log(f"server in namespace {ns.srv} at {url}; client in {ns.cli}; veth MTU {ns.mtu}")
        for name, dev in ((ns.srv, ns.srv_dev), (ns.cli, ns.cli_dev)):
            log(f"  {name} {dev}: {ns.describe_qdisc(name, dev)}")
        cc = ns.sysctl(ns.cli, "net.ipv4.tcp_congestion_control")
        timestamps = ns.sysctl(ns.cli, "net.ipv4.tcp_timestamps") != "0"
        mss, ceiling = payload_ceiling(timestamps, ns.mtu)
        log(
            f"  TCP {cc}, timestamps {'on' if timestamps else 'off'}: {mss} bytes of payload per "
            f"{ns.mtu + ETH_HEADER}-byte frame (tbf counts frames): ceiling {ceiling:.4f} of the "
            f"link = {ceiling * LINK_RATE / 1e6:.3f} MB/s"
        )
        link = Link(
            url=url,
            prefix=ns.exec_in(ns.cli),
            ceiling=ceiling,
            cut=lambda: " ".join(
                ns.add_cut(SHAPED_PORT, CUT_EVERY - CUT_JITTER, ACK_PAYLOAD / CUT_JITTER)
            ),
            resets=ns.cut_count,
            egress=lambda: ns.qdisc(ns.srv, ns.srv_dev),
        )
        return bench_shaped(root, token, big, small, link)


def bench_shaped_proxy(root: Path, url: str, token: str, big: Asset, small: Asset) -> Shaped:
    with FaultProxy(url, Faults(bandwidth_bps=LINK_RATE)) as proxy:
        log(
            f"fault proxy at {proxy.url} -> {url}: {LINK_RATE:,} payload bytes/s each way "
            "(no header overhead: ceiling 1.0)"
        )

        def cut() -> str:
            low, high = CUT_EVERY - CUT_JITTER // 2, CUT_EVERY + CUT_JITTER // 2
            proxy.set_faults(
                Faults(bandwidth_bps=LINK_RATE, reset_after_down=(low, high), seed=int(time.time()))
            )
            return f"proxy reset_after_down=({low:,}, {high:,}) bytes"

        link = Link(
            url=proxy.url,
            prefix=[],
            ceiling=1.0,
            cut=cut,
            resets=lambda: proxy.stats.count("reset_down"),
        )
        return bench_shaped(root, token, big, small, link)


# --- main -----------------------------------------------------------------------------------


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: servers, namespaces, temp dirs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="(a) asset, MiB")
    parser.add_argument("--shaped-mb", type=int, default=40, help="(b) asset, MiB")
    parser.add_argument("--runs", type=int, default=3, help="(a) runs of each client")
    parser.add_argument("--skip-loopback", action="store_true")
    parser.add_argument("--skip-shaped", action="store_true")
    parser.add_argument("--force-proxy", action="store_true", help="(b) through the proxy")
    parser.add_argument("--tbf-burst", type=int, default=TBF_BURST, help="(b) bytes")
    parser.add_argument("--tbf-limit", type=int, default=TBF_LIMIT, help="(b) bytes")
    parser.add_argument("--client-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client_only:
        print(json.dumps(run_client(json.load(sys.stdin))))
        return 0
    signal.signal(signal.SIGTERM, _terminate)
    began = time.perf_counter()
    loopback_ratio = goodput = refetch = float("nan")

    tools = ["curl"] + ([] if args.skip_shaped or args.force_proxy else ["ip", "tc", "iptables"])
    for note in _netns.ensure_tools(tools):
        log(note)
    root = Path(tempfile.mkdtemp(prefix="lamplight-bench-download-"))
    link: _netns.ShapedLink | None = None
    try:
        server_dir = root / "server"
        code = add_school(server_dir, "基准测试学校")
        courses: list[Path] = []
        assets: dict[str, Asset] = {}
        started = time.perf_counter()
        if not args.skip_loopback:
            assets |= make_course(root / "big", "bench-big", {"big": args.size_mb * MiB})
            courses.append(root / "big")
        if not args.skip_shaped:
            small = min(BASELINE_MB, args.shaped_mb) * MiB
            assets |= make_course(
                root / "shaped", "bench-shaped", {"cut": args.shaped_mb * MiB, "base": small}
            )
            courses.append(root / "shaped")
        made = time.perf_counter()
        if courses:
            publish(server_dir, courses)
        log(
            f"setup: assets written in {made - started:.1f} s, published in "
            f"{time.perf_counter() - made:.1f} s ({root})"
        )
        with running_server(server_dir) as server:
            token = enroll_token(server.url, code)
            if not args.skip_loopback:
                loopback_ratio = bench_loopback(root, server.url, token, assets["big"], args.runs)
            if not args.skip_shaped:
                log("== (b) shaped link: 8 Mbit/s, cut every 5 MB ==")
                reason = "--force-proxy" if args.force_proxy else ""
                if not reason and os.geteuid() != 0:
                    reason = "not root"
                if not reason and (absent := _netns.missing(["ip", "tc", "iptables"])):
                    reason = f"missing {', '.join(absent)}"
                if not reason:
                    link = _netns.ShapedLink(
                        tag=str(os.getpid()), burst=args.tbf_burst, limit=args.tbf_limit
                    )
                    try:
                        link.create()
                    except _netns.NetnsError as exc:
                        reason = f"cannot make network namespaces: {exc}"
                        link.destroy()
                        link = None
                if link is not None:
                    shaped = bench_shaped_netns(
                        root, server_dir, token, assets["cut"], assets["base"], link
                    )
                else:
                    log(f"NO NAMESPACES ({reason}): falling back to the fault proxy's rate limit")
                    shaped = bench_shaped_proxy(
                        root, server.url, token, assets["cut"], assets["base"]
                    )
                goodput, refetch = shaped.goodput_ratio, shaped.refetch_kb_per_cut
    finally:
        if link is not None:
            for failure in link.destroy():
                log(f"cleanup: {failure}")
        shutil.rmtree(root, ignore_errors=True)
    log(f"total {time.perf_counter() - began:.0f} s")
    print(
        f"loopback_ratio={loopback_ratio:.2f} shaped_goodput_ratio={goodput:.2f} "
        f"refetch_kb_per_cut={refetch:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
