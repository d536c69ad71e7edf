"""The fault proxy itself, between ``requests`` (or a raw socket) and a small real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.helpers.faultproxy import FaultProxy, Faults, Injected

BODY = bytes(i % 251 for i in range(200_000))
CLIENT_ERRORS = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)


class _Origin(ThreadingHTTPServer):
    """``GET /bytes/N`` (N bytes of ``BODY``), ``GET /name``, ``POST /length``; keep-alive."""

    daemon_threads = True

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the proxy resets connections on purpose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Origin

    def do_GET(self) -> None:
        if self.path.startswith("/bytes/"):
            self._answer(BODY[: int(self.path.removeprefix("/bytes/"))])
        else:
            self._answer(self.server.name.encode())

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(str(len(body)).encode())

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


def _serve(name: str) -> Iterator[_Origin]:
    server = _Origin(name)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def origin() -> Iterator[_Origin]:
    yield from _serve("A")


@pytest.fixture
def proxy(origin: _Origin) -> Iterator[FaultProxy]:
    with FaultProxy(origin.url) as proxy:
        yield proxy


def _raw_get(proxy: FaultProxy, path: str) -> socket.socket:
    """A socket through the proxy that has sent one GET."""
    sock = socket.create_connection(proxy.address, timeout=2)
    try:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    except OSError:
        sock.close()
        raise
    return sock


def _drain(sock: socket.socket) -> tuple[bytes, OSError | None]:
    """Everything the socket receives until EOF or an error (returned, not raised)."""
    received = bytearray()
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except OSError as error:
        return bytes(received), error
    return bytes(received), None


def test_passthrough_keeps_one_connection_alive(proxy: FaultProxy) -> None:
    with requests.Session() as session:
        for n in (0, 10, 150_000):
            response = session.get(f"{proxy.url}/bytes/{n}", timeout=5)
            assert response.status_code == 200
            assert response.content == BODY[:n]
    stats = proxy.stats
    assert stats.connections == 1
    assert stats.bytes_down > 150_010
    assert stats.bytes_up > 0
    assert stats.injected == ()


def test_stats_count_exactly_the_bytes_each_way(proxy: FaultProxy) -> None:
    with _raw_get(proxy, "/bytes/1000") as sock:
        sock.shutdown(socket.SHUT_WR)  # the server answers, then closes
        received, error = _drain(sock)
    assert error is None
    assert received.endswith(BODY[:1000])
    request = len(b"GET /bytes/1000 HTTP/1.1\r\nHost: x\r\n\r\n")
    _wait_for(lambda: proxy.stats.active == 0)
    stats = proxy.stats
    assert (stats.connections, stats.bytes_up, stats.bytes_down) == (1, request, len(received))


def test_delay_adds_latency_each_way(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(delay_s=0.15))
    start = time.monotonic()
    assert requests.get(f"{proxy.url}/name", timeout=5).content == b"A"
    assert time.monotonic() - start >= 0.3  # the request up, the answer down


def test_bandwidth_cap_slows_a_download(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(bandwidth_bps=400_000))
    start = time.monotonic()
    assert requests.get(f"{proxy.url}/bytes/100000", timeout=5).content == BODY[:100_000]
    assert time.monotonic() - start >= 0.24  # 100 kB at 400 kB/s


def test_reset_after_down_cuts_the_answer_with_an_rst(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_down=5000))
    with _raw_get(proxy, "/bytes/100000") as sock:
        received, error = _drain(sock)
    assert isinstance(error, ConnectionResetError)
    assert 0 < len(received) <= 5000
    with pytest.raises(CLIENT_ERRORS):
        requests.get(f"{proxy.url}/bytes/100000", timeout=5)
    assert proxy.stats.injected == (
        Injected(1, "reset_down", 5000),
        Injected(2, "reset_down", 5000),
    )


def test_reset_after_down_lets_a_shorter_answer_through(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_down=5000))
    assert requests.get(f"{proxy.url}/bytes/1000", timeout=5).content == BODY[:1000]
    assert proxy.stats.injected == ()


def test_reset_after_up_cuts_an_upload(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_up=2000))
    with pytest.raises(requests.ConnectionError):
        requests.post(f"{proxy.url}/length", data=BODY, timeout=5)
    assert proxy.stats.injected == (Injected(1, "reset_up", 2000),)
    assert proxy.stats.bytes_up == 2000


def test_reset_in_a_range_cuts_each_connection_at_its_own_seeded_point(origin: _Origin) -> None:
    def cut_points(seed: int) -> list[int]:
        points = []
        with FaultProxy(origin.url, Faults(reset_after_down=(1000, 90_000), seed=seed)) as proxy:
            for _ in range(5):
                with _raw_get(proxy, "/bytes/100000") as sock:
                    received, error = _drain(sock)
                fault = proxy.stats.injected[-1]
                assert isinstance(error, ConnectionResetError)
                assert fault.kind == "reset_down" and fault.after is not None
                assert len(received) <= fault.after
                points.append(fault.after)
        return points

    first = cut_points(seed=1)
    assert all(1000 <= n <= 90_000 for n in first)
    assert len(set(first)) > 1
    assert cut_points(seed=1) == first
    assert cut_points(seed=2) != first


def test_truncate_closes_cleanly_after_n_bytes(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(truncate_after_down=3000))
    with _raw_get(proxy, "/bytes/100000") as sock:
        received, error = _drain(sock)
    assert error is None  # a FIN, not an RST
    assert len(received) == 3000
    with pytest.raises(requests.exceptions.ChunkedEncodingError, match="IncompleteRead"):
        requests.get(f"{proxy.url}/bytes/100000", timeout=5)


def test_corrupt_flips_bytes_at_n_and_every_k_after_keeping_the_length(
    proxy: FaultProxy,
) -> None:
    proxy.set_faults(Faults(corrupt_after_down=5000, corrupt_every=40_000))
    with _raw_get(proxy, "/bytes/100000") as sock:
        sock.shutdown(socket.SHUT_WR)
        received, error = _drain(sock)
    assert error is None
    head = received.index(b"\r\n\r\n") + 4
    body = received[head:]
    assert len(body) == 100_000
    flipped = [i + head for i in range(len(body)) if body[i] != BODY[i]]
    assert flipped == [5000, 45_000, 85_000]
    assert all(received[i] == BODY[i - head] ^ 0xFF for i in flipped)
    _wait_for(lambda: proxy.stats.active == 0)
    assert [f.after for f in proxy.stats.injected if f.kind == "corrupt"] == flipped


def test_corrupt_once_spares_the_next_connection_with_every(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(corrupt_after_down=3000, every=2))
    first = requests.get(f"{proxy.url}/bytes/10000", timeout=5).content
    with requests.Session() as session:  # a new connection
        second = session.get(f"{proxy.url}/bytes/10000", timeout=5).content
    assert first != BODY[:10000] and len(first) == 10000
    assert second == BODY[:10000]
    assert proxy.stats.count("corrupt") == 1


def test_stall_fires_the_read_timeout(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(stall_after_down=10))
    start = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(f"{proxy.url}/name", timeout=(2, 0.3))
    assert time.monotonic() - start < 2
    assert proxy.stats.count("stall") == 1
    _wait_for(lambda: proxy.stats.active == 0)  # the client gave up, the proxy followed


def test_a_stalled_connection_resumes_when_the_stall_is_lifted(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(stall_after_down=100))
    with _raw_get(proxy, "/bytes/1000") as sock:
        sock.settimeout(0.3)
        first = sock.recv(65536)
        while len(first) < 100:
            first += sock.recv(65536)
        assert len(first) == 100
        with pytest.raises(TimeoutError):
            sock.recv(65536)
        proxy.set_faults(Faults())
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(2)
        rest, error = _drain(sock)
    assert error is None
    assert (first + rest).endswith(BODY[:1000])


def test_refuse_close_and_reset(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(refuse="close"))
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{proxy.url}/name", timeout=5)
    proxy.set_faults(Faults(refuse="reset"))
    # the RST may come before connect() returns
    with pytest.raises(ConnectionResetError), _raw_get(proxy, "/name") as sock:
        _, error = _drain(sock)
        raise error or AssertionError("closed without a reset")
    assert proxy.stats.count("refuse") == 2


def test_unlisten_refuses_connections_on_the_same_port_until_lifted(proxy: FaultProxy) -> None:
    with requests.Session() as session:
        assert session.get(f"{proxy.url}/name", timeout=5).content == b"A"
        proxy.set_faults(Faults(refuse="unlisten"))
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(proxy.address, timeout=2).close()
        # a live connection is kept
        assert session.get(f"{proxy.url}/name", timeout=5).content == b"A"
        proxy.set_faults(Faults())
    assert requests.get(f"{proxy.url}/name", timeout=5).content == b"A"
    assert proxy.stats.connections == 2


def test_every_kth_connection_is_faulty(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_down=0, every=3))
    assert _outcomes(proxy, 7) == ["fail", "ok", "ok", "fail", "ok", "ok", "fail"]


def test_max_faulty_lets_a_retry_loop_through(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_down=0, max_faulty=2))
    assert _outcomes(proxy, 4) == ["fail", "fail", "ok", "ok"]


def test_probability_is_seeded(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(reset_after_down=0, probability=0.5, seed=3))
    first = _outcomes(proxy, 12)
    assert {"ok", "fail"} == set(first)
    proxy.set_faults(Faults(reset_after_down=0, probability=0.5, seed=3))
    assert _outcomes(proxy, 12) == first


def test_set_faults_reaches_a_live_keep_alive_connection(proxy: FaultProxy) -> None:
    with requests.Session() as session:
        assert session.get(f"{proxy.url}/bytes/10", timeout=5).content == BODY[:10]
        proxy.set_faults(Faults(reset_after_down=0))
        with pytest.raises(CLIENT_ERRORS):
            session.get(f"{proxy.url}/bytes/10", timeout=5)
    assert proxy.stats.connections == 1


def test_set_upstream_sends_new_connections_to_the_restarted_server(proxy: FaultProxy) -> None:
    with requests.Session() as old:
        assert old.get(f"{proxy.url}/name", timeout=5).content == b"A"
        for other in _serve("B"):
            proxy.set_upstream(other.url)
            assert requests.get(f"{proxy.url}/name", timeout=5).content == b"B"
            assert old.get(f"{proxy.url}/name", timeout=5).content == b"A"  # live: unchanged


def test_cut_all_resets_live_connections(proxy: FaultProxy) -> None:
    proxy.set_faults(Faults(stall_after_down=0))
    failures: list[BaseException] = []

    def stalled_get() -> None:
        try:
            requests.get(f"{proxy.url}/name", timeout=(2, 10))
        except requests.RequestException as error:
            failures.append(error)

    with _raw_get(proxy, "/name") as idle:
        waiting = threading.Thread(target=stalled_get)
        waiting.start()
        _wait_for(lambda: proxy.stats.count("stall") == 2)
        assert proxy.cut_all() == 2
        assert isinstance(_drain(idle)[1], ConnectionResetError)
        waiting.join(2)
    assert not waiting.is_alive()
    assert len(failures) == 1
    assert not isinstance(failures[0], requests.exceptions.Timeout)
    stats = proxy.stats
    assert (stats.active, stats.count("cut")) == (0, 2)


def test_no_upstream_resets_the_client() -> None:
    with FaultProxy(("127.0.0.1", _free_port())) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{proxy.url}/name", timeout=5)
        assert proxy.stats.count("no_upstream") == 1


def test_close_drops_everything_and_frees_the_port(origin: _Origin) -> None:
    with FaultProxy(origin.url, Faults(stall_after_down=0)) as proxy:
        stalled = _raw_get(proxy, "/name")
        _wait_for(lambda: proxy.stats.count("stall") == 1)
    with stalled:
        assert _drain(stalled) == (b"", None)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(proxy.address, timeout=2).close()


def _outcomes(proxy: FaultProxy, n: int) -> list[str]:
    """Fresh connections in turn: ``ok`` or ``fail`` for each."""
    outcomes = []
    for _ in range(n):
        try:
            requests.get(f"{proxy.url}/name", timeout=5)
            outcomes.append("ok")
        except CLIENT_ERRORS:
            outcomes.append("fail")
    return outcomes


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(condition: Callable[[], bool], timeout_s: float = 2.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)
