"""A fault-injecting TCP proxy on loopback, for tests of the client against a flaky network.

The proxy runs its own asyncio loop in a background thread, listens on ``127.0.0.1`` (port 0)
and forwards every connection to an upstream server. ``Faults`` says what goes wrong::

    with FaultProxy(server.url) as proxy:
        proxy.set_faults(Faults(reset_after_down=(1_000, 50_000), every=2, seed=7))
        sync(server_url=proxy.url)            # every other connection is cut somewhere
        assert proxy.stats.count("reset_down") >= 1

``corrupt_after_down`` flips a byte (XOR 0xFF) of what the server sends, N bytes in (headers
count), and then every ``corrupt_every`` bytes; nothing else changes, so only a checksum finds it.

Byte thresholds count, per connection and direction, the bytes forwarded since the connection
opened or since the last ``set_faults``: a fault fires when more than N bytes would pass, so a
response that fits in N bytes gets through whole. Each new connection is dealt its faults in turn:
``every``, ``probability`` and ``max_faulty`` pick the faulty ones, ranges pick their N, all from
``random.Random(seed)``, so the same sequence of connections gets the same faults. Clean
connections get no fault at all, delay included. ``requests`` keeps connections alive, so faults
are per TCP connection, not per request; ``set_faults`` therefore also deals the new faults to the
live connections, in opening order, from a second deck of their own, so that what new connections
get never depends on how many old ones the proxy still holds.

Every public method blocks until the proxy's loop has done it. Unexpected errors inside the proxy
are raised by ``close()`` so that a broken proxy fails the test that used it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import struct
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")
Address = tuple[str, int]
Bytes = int | tuple[int, int]
"""A byte count, or an inclusive (min, max) range drawn per connection."""
Refuse = Literal["close", "reset", "unlisten"]
FaultKind = Literal[
    "reset_up", "reset_down", "stall", "truncate", "corrupt", "refuse", "cut", "no_upstream"
]
Direction = Literal["up", "down"]
Close = Literal["fin", "rst", "abort"]

CHUNK = 64 * 1024
CALL_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Faults:
    """What goes wrong on the faulty connections; combinable. The default is a clean pipe.

    Args:
        delay_s: sleep before forwarding each chunk read (up to 64 KiB), in each direction.
        bandwidth_bps: cap on bytes per second, per connection and direction.
        reset_after_up: RST both sides once the client sent more than N bytes.
        reset_after_down: RST both sides once the server sent more than N bytes.
        stall_after_down: forward N bytes to the client, then nothing, keeping the connection
            open until the client gives up, ``cut_all()``, or a ``set_faults`` that lifts it.
        truncate_after_down: forward N bytes to the client, then close both sides with a FIN.
        corrupt_after_down: flip the byte at offset N of what the server sends (bits inverted),
            the connection going on as if nothing happened.
        corrupt_every: with ``corrupt_after_down``, flip one byte every this many bytes after.
        refuse: ``"close"`` accepts then closes (FIN), ``"reset"`` accepts then resets;
            ``"unlisten"`` stops listening (connect is refused) until faults without it are set,
            and ignores ``every``/``probability``/``max_faulty``. Live connections are kept:
            ``cut_all()`` drops them.
        every: only connections 1, 1+k, 1+2k, ... (counted from ``set_faults``) are faulty.
        probability: of those, each is faulty with this probability.
        max_faulty: at most this many faulty connections, then all are clean.
        seed: seeds the draws of ``probability`` and of ranges.
    """

    delay_s: float = 0.0
    bandwidth_bps: int | None = None
    reset_after_up: Bytes | None = None
    reset_after_down: Bytes | None = None
    stall_after_down: Bytes | None = None
    truncate_after_down: Bytes | None = None
    corrupt_after_down: Bytes | None = None
    corrupt_every: int | None = None
    refuse: Refuse | None = None
    every: int = 1
    probability: float = 1.0
    max_faulty: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for n in (
            self.reset_after_up,
            self.reset_after_down,
            self.stall_after_down,
            self.truncate_after_down,
            self.corrupt_after_down,
        ):
            _check_bytes(n)
        if self.corrupt_every is not None and self.corrupt_every < 1:
            raise ValueError("corrupt_every must be >= 1")
        if self.delay_s < 0 or (self.bandwidth_bps is not None and self.bandwidth_bps <= 0):
            raise ValueError("delay_s must be >= 0 and bandwidth_bps > 0")
        if self.every < 1 or not 0.0 <= self.probability <= 1.0 or (self.max_faulty or 0) < 0:
            raise ValueError("every must be >= 1, probability in [0, 1], max_faulty >= 0")


def _check_bytes(n: Bytes | None) -> None:
    if n is None:
        return
    low, high = (n, n) if isinstance(n, int) else n
    if not 0 <= low <= high:
        raise ValueError(f"bad byte count or range: {n!r}")


@dataclass(frozen=True)
class Injected:
    """One fault that fired, on connection ``conn`` (numbered from 1 since the proxy started).

    ``kind`` is a fault of ``Faults``, or ``"cut"`` (``cut_all()``) or ``"no_upstream"`` (the
    upstream refused; the client was reset). ``after`` is the N that fired, for byte thresholds.
    """

    conn: int
    kind: FaultKind
    after: int | None = None


@dataclass(frozen=True)
class Stats:
    """A snapshot of the proxy's counters; bytes are those handed on, per direction."""

    connections: int
    active: int
    bytes_up: int
    bytes_down: int
    injected: tuple[Injected, ...]

    def count(self, kind: FaultKind) -> int:
        return sum(1 for fault in self.injected if fault.kind == kind)


@dataclass(frozen=True)
class _Plan:
    """One connection's faults, with ranges drawn."""

    delay_s: float = 0.0
    bandwidth_bps: int | None = None
    reset_up: int | None = None
    reset_down: int | None = None
    stall_down: int | None = None
    truncate_down: int | None = None
    corrupt_down: int | None = None
    corrupt_every: int | None = None
    refuse: Literal["close", "reset"] | None = None

    def limit(self, direction: Direction) -> tuple[int, FaultKind] | None:
        """The nearest byte threshold in ``direction`` and what fires there (reset first)."""
        found: list[tuple[int, FaultKind]] = []
        if direction == "up" and self.reset_up is not None:
            found.append((self.reset_up, "reset_up"))
        if direction == "down" and self.reset_down is not None:
            found.append((self.reset_down, "reset_down"))
        if direction == "down" and self.truncate_down is not None:
            found.append((self.truncate_down, "truncate"))
        if direction == "down" and self.stall_down is not None:
            found.append((self.stall_down, "stall"))
        return min(found, key=lambda item: item[0], default=None)

    def corrupted(self, sent: int, n: int) -> list[int]:
        """Offsets, within the ``n`` bytes that follow the first ``sent`` sent down, to flip."""
        first = self.corrupt_down
        if first is None or sent + n <= first:
            return []
        if self.corrupt_every is None:
            return [first - sent] if first >= sent else []
        k = max(0, -(-(sent - first) // self.corrupt_every))  # the first flip at or after sent
        return list(range(first + k * self.corrupt_every - sent, n, self.corrupt_every))


@dataclass
class _Tally:
    connections: int = 0
    bytes: dict[Direction, int] = field(default_factory=lambda: {"up": 0, "down": 0})
    injected: list[Injected] = field(default_factory=list)


class _Picker:
    """Deals plans to connections in order, as ``Faults`` says."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self._rng = random.Random(faults.seed)
        self._index = 0
        self._faulty = 0

    def next(self) -> _Plan:
        f = self.faults
        self._index += 1
        # Every draw is made for every connection, so the sequence does not depend on the picks.
        roll = self._rng.random()
        reset_up, reset_down = self._draw(f.reset_after_up), self._draw(f.reset_after_down)
        stall, truncate = self._draw(f.stall_after_down), self._draw(f.truncate_after_down)
        corrupt = self._draw(f.corrupt_after_down)  # draws nothing unless a range: old seeds hold
        faulty = (
            (self._index - 1) % f.every == 0
            and roll < f.probability
            and (f.max_faulty is None or self._faulty < f.max_faulty)
        )
        if not faulty:
            return _Plan()
        self._faulty += 1
        return _Plan(
            delay_s=f.delay_s,
            bandwidth_bps=f.bandwidth_bps,
            reset_up=reset_up,
            reset_down=reset_down,
            stall_down=stall,
            truncate_down=truncate,
            corrupt_down=corrupt,
            corrupt_every=f.corrupt_every,
            refuse=None if f.refuse == "unlisten" else f.refuse,
        )

    def _draw(self, n: Bytes | None) -> int | None:
        return self._rng.randint(*n) if isinstance(n, tuple) else n


def _close(writer: asyncio.StreamWriter, how: Close) -> None:
    """Starts closing: ``fin`` after what is buffered, ``rst`` at once with an RST
    (SO_LINGER 0), ``abort`` at once (the kernel sends a FIN unless data was left unread).
    """
    if how == "fin":
        writer.close()
        return
    sock = writer.get_extra_info("socket")
    if how == "rst" and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Waits for the transport to close; aborts it when the peer does not read the rest."""
    try:
        async with asyncio.timeout(CLOSE_TIMEOUT_S):
            await writer.wait_closed()
    except TimeoutError:
        writer.transport.abort()
    except OSError:
        return
    with contextlib.suppress(OSError):
        await writer.wait_closed()


class _Connection:
    """One client connection and its upstream connection: two pumps and a plan."""

    def __init__(
        self,
        number: int,
        plan: _Plan,
        client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
        tally: _Tally,
    ) -> None:
        self.number = number
        self.plan = plan
        self.client = client
        self.upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.closed = False
        self._tally = tally
        self._sent: dict[Direction, int] = {"up": 0, "down": 0}
        self._stalled = False
        self._wake = asyncio.Event()

    def apply(self, plan: _Plan) -> None:
        """A new plan for a live connection; its thresholds count from now."""
        self.plan = plan
        self._sent = {"up": 0, "down": 0}
        self._wake.set()

    def teardown(self, how: Close) -> None:
        """Closes both sides (once) and wakes a stalled pump."""
        if self.closed:
            return
        self.closed = True
        self._wake.set()
        _close(self.client[1], how)
        if self.upstream is not None:
            _close(self.upstream[1], how)

    def record(self, kind: FaultKind, after: int | None = None) -> None:
        self._tally.injected.append(Injected(self.number, kind, after))

    async def run(self) -> None:
        assert self.upstream is not None
        for _, writer in (self.client, self.upstream):
            writer.transport.set_write_buffer_limits(high=0)  # drain() waits for the kernel
        try:
            await asyncio.gather(self._pump("up"), self._pump("down"))
        finally:
            self.teardown("fin")
            await _closed(self.client[1])
            await _closed(self.upstream[1])

    async def _pump(self, direction: Direction) -> None:
        assert self.upstream is not None
        src, dst = (self.client[0], self.upstream[1])
        if direction == "down":
            src, dst = (self.upstream[0], self.client[1])
        try:
            while not self.closed:
                data = await src.read(CHUNK)
                if not data:
                    break
                if not await self._forward(direction, dst, data):
                    return
            if self.closed:
                return
            if direction == "up" and self._stalled:
                self.teardown("fin")  # the client gave up on its stalled answer
            elif dst.can_write_eof() and not dst.is_closing():
                dst.write_eof()
        except OSError:
            self.teardown("abort")

    async def _forward(self, direction: Direction, dst: asyncio.StreamWriter, data: bytes) -> bool:
        """Hands ``data`` on as the plan allows; False once the connection is finished."""
        if self.plan.delay_s:
            await asyncio.sleep(self.plan.delay_s)
        while data:
            if self.closed:
                return False
            n = len(data)
            limit = self.plan.limit(direction)
            if limit is not None:
                after, kind = limit
                n = min(n, after - self._sent[direction])
                if n <= 0:
                    self.record(kind, after)
                    if kind != "stall":
                        self.teardown("fin" if kind == "truncate" else "rst")
                        return False
                    self._stalled = True
                    self._wake.clear()
                    await self._wake.wait()  # until set_faults() or teardown()
                    self._stalled = False
                    continue
            bps = self.plan.bandwidth_bps
            if bps:
                n = min(n, max(1, bps // 20))
                await asyncio.sleep(n / bps)  # before writing: the last byte arrives on time too
                if self.closed:
                    return False
            piece, data = data[:n], data[n:]
            if direction == "down" and (flips := self.plan.corrupted(self._sent["down"], n)):
                damaged = bytearray(piece)
                for offset in flips:
                    damaged[offset] ^= 0xFF
                    self.record("corrupt", self._sent["down"] + offset)
                piece = bytes(damaged)
            dst.write(piece)
            self._sent[direction] += n
            self._tally.bytes[direction] += n
            await dst.drain()
        return True


def _address(upstream: Address | str) -> Address:
    if isinstance(upstream, str):
        parts = urlsplit(upstream)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"need a URL with host and port: {upstream!r}")
        return (parts.hostname, parts.port)
    return upstream


def _bound_socket(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if os.name != "nt":  # lets the port be bound again while accepted connections live on
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


class FaultProxy:
    """A TCP proxy on ``127.0.0.1`` that forwards to ``upstream`` and injects ``Faults``.

    Args:
        upstream: ``(host, port)`` or a URL such as ``"http://127.0.0.1:8765"``.
        faults: the initial faults; none by default.
    """

    def __init__(self, upstream: Address | str, faults: Faults | None = None) -> None:
        self._upstream = _address(upstream)
        self._picker = _Picker(faults or Faults())
        self._tally = _Tally()
        self._live: dict[int, _Connection] = {}
        self._server: asyncio.Server | None = None
        self._reserved: socket.socket | None = None  # holds the port while not listening
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._errors: list[str] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> Address:
        return ("127.0.0.1", self.port)

    def __enter__(self) -> FaultProxy:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> None:
        loop = asyncio.new_event_loop()
        loop.set_exception_handler(lambda _loop, context: self._errors.append(repr(context)))
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="faultproxy", daemon=True)
        self._thread.start()
        try:
            self._reserved = _bound_socket(0)
            self.port = self._reserved.getsockname()[1]
            self._call(self._listen(self._picker.faults.refuse != "unlisten"))
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Drops every connection, stops the loop, and raises what went wrong inside."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            self._call(self._shutdown())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(CALL_TIMEOUT_S)
            loop.close()
            self._loop = self._thread = None
        if self._errors:
            raise RuntimeError("fault proxy failed: " + "; ".join(self._errors))

    def set_faults(self, faults: Faults) -> None:
        """Applies ``faults`` to new connections and, drawn afresh, to live ones."""
        self._call(self._set_faults(faults))

    def set_upstream(self, upstream: Address | str) -> None:
        """New connections go to ``upstream``; live ones stay where they are."""
        self._upstream = _address(upstream)

    def cut_all(self) -> int:
        """Resets (RST) every live connection now; returns how many there were."""
        return self._call(self._cut_all())

    @property
    def stats(self) -> Stats:
        return self._call(self._stats())

    def _call(self, coro: Coroutine[Any, Any, T]) -> T:
        assert self._loop is not None, "the proxy is not running"
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(CALL_TIMEOUT_S)

    async def _stats(self) -> Stats:
        t = self._tally
        active = len(self._live)
        return Stats(t.connections, active, t.bytes["up"], t.bytes["down"], tuple(t.injected))

    async def _listen(self, listen: bool) -> None:
        if listen and self._server is None:
            sock, self._reserved = self._reserved or _bound_socket(self.port), None
            self._server = await asyncio.start_server(self._on_client, sock=sock)
        elif not listen and self._server is not None:
            self._server.close()  # closes the listening socket; accepted ones live on
            await self._server.wait_closed()
            self._server = None
            self._reserved = _bound_socket(self.port)  # bound, not listening: connect is refused

    async def _set_faults(self, faults: Faults) -> None:
        self._picker = _Picker(faults)
        live = _Picker(faults)  # its own deck: new connections' faults never depend on these
        for number in sorted(self._live):
            self._live[number].apply(live.next())
        await self._listen(faults.refuse != "unlisten")

    async def _cut_all(self) -> int:
        live = list(self._live.values())
        tasks = [task for conn in live if (task := self._tasks.get(conn.number)) is not None]
        for conn in live:
            conn.record("cut")
            conn.teardown("rst")
        if tasks:
            await asyncio.wait(tasks, timeout=CALL_TIMEOUT_S)
        return len(live)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tally.connections += 1
        number = self._tally.connections
        conn = _Connection(number, self._picker.next(), (reader, writer), self._tally)
        if conn.plan.refuse is not None:
            conn.record("refuse")
            conn.teardown("rst" if conn.plan.refuse == "reset" else "fin")
            await _closed(writer)
            return
        task = asyncio.current_task()
        assert task is not None
        self._live[number] = conn
        self._tasks[number] = task
        try:
            try:
                async with asyncio.timeout(CONNECT_TIMEOUT_S):
                    conn.upstream = await asyncio.open_connection(*self._upstream)
            except (OSError, TimeoutError):
                conn.record("no_upstream")
                conn.teardown("rst")
                await _closed(writer)
                return
            if not conn.closed:  # cut while connecting
                await conn.run()
        except Exception as error:  # a bug in the proxy: close() raises it
            self._errors.append(f"connection {number}: {error!r}")
            conn.teardown("rst")
        finally:
            del self._live[number]
            del self._tasks[number]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._reserved is not None:
            self._reserved.close()
            self._reserved = None
        for conn in self._live.values():
            conn.teardown("abort")
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if others:
            await asyncio.wait(others, timeout=CALL_TIMEOUT_S)
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await asyncio.get_running_loop().shutdown_default_executor()
