"""A shaped link for bench/download.py: two network namespaces joined by a veth pair, ``tc tbf``
on both ends' egress, and a connection cutter made with ``iptables ... connbytes``.

Needs root and the Debian tools ``ip``, ``tc`` (iproute2) and ``iptables``; :func:`ensure_tools`
installs what is absent. Everything made here lives inside the two namespaces, so
:meth:`ShapedLink.destroy` (``ip netns del``) takes it all away: veth pair, qdiscs, rules.

The cut: the rule sits in the *client's* namespace, on its ``OUTPUT``::

    iptables -A OUTPUT -p tcp --dport P --tcp-flags RST NONE -m connbytes \\
        --connbytes N: --connbytes-dir both --connbytes-mode bytes \\
        [-m statistic --mode random --probability p] -j REJECT --reject-with tcp-reset

The first packet the client sends (an ACK) once the connection has carried N bytes is rejected
and the kernel resets the client's own socket at once; the server's next data segment then meets
no socket and the client's kernel answers it with an RST (let through: the rule skips RSTs), so
both ends see the cut within one round trip. Two reasons for not putting it in the server's
namespace (tried): a ``REJECT`` there resets only the server's socket (the RST goes to the
rejected packet's source, the server itself) and the client waits for its read timeout; and the
server's conntrack counts bytes *before* the qdisc, tbf drops and TCP retransmissions included,
so "5 MB" there was 1.9 MB on the wire. On the client side the count is of bytes delivered.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

#: Debian package of each tool.
PACKAGES = {"ip": "iproute2", "tc": "iproute2", "iptables": "iptables", "curl": "curl"}


class NetnsError(RuntimeError):
    """A command needed for the shaped link failed."""


def run(cmd: Sequence[str], *, check: bool = True, timeout: float = 30) -> str:
    """Runs ``cmd``; returns its stdout. Raises :class:`NetnsError` with its stderr on failure."""
    try:
        done = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise NetnsError(f"{' '.join(cmd)}: {exc}") from exc
    if check and done.returncode != 0:
        raise NetnsError(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def ensure_tools(tools: Sequence[str]) -> list[str]:
    """Installs (``apt-get install -y``) the Debian packages of the tools absent from PATH.

    Returns lines saying what was done; raises nothing: a tool still absent afterwards is
    reported by :func:`missing`.
    """
    absent = [tool for tool in tools if shutil.which(tool) is None]
    if not absent:
        return [f"tools present: {', '.join(tools)}"]
    packages = sorted({PACKAGES[tool] for tool in absent})
    notes = [f"absent: {', '.join(absent)}; installing {' '.join(packages)}"]
    if os.geteuid() != 0:
        return [*notes, "not root: cannot install"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    for attempt in (install, ["apt-get", "update"], install):
        done = subprocess.run(attempt, capture_output=True, text=True, env=env, check=False)
        if attempt is install and done.returncode == 0:
            break
        if done.returncode != 0:
            notes.append(f"{' '.join(attempt)}: exit {done.returncode}")
    still = missing(tools)
    notes.append(f"still absent: {', '.join(still)}" if still else "installed")
    return notes


def missing(tools: Sequence[str]) -> list[str]:
    return [tool for tool in tools if shutil.which(tool) is None]


@dataclass(frozen=True)
class QdiscStats:
    sent_bytes: int
    sent_packets: int
    dropped: int
    overlimits: int

    def __sub__(self, other: QdiscStats) -> QdiscStats:
        return QdiscStats(
            self.sent_bytes - other.sent_bytes,
            self.sent_packets - other.sent_packets,
            self.dropped - other.dropped,
            self.overlimits - other.overlimits,
        )


_SENT = re.compile(r"Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)")


@dataclass
class ShapedLink:
    """``srv`` and ``cli`` namespaces, ``srv_ip`` <-> ``cli_ip`` over a veth pair.

    Args:
        tag: makes the names unique (the bench passes its pid).
        rate: tbf rate, e.g. ``"8mbit"``.
        burst: tbf bucket, bytes.
        limit: tbf queue, bytes.
        mtu: of both veth ends.
    """

    tag: str
    rate: str = "8mbit"
    burst: int = 4542
    limit: int = 262144
    mtu: int = 1500
    srv: str = ""
    cli: str = ""
    srv_dev: str = "llb-srv"
    cli_dev: str = "llb-cli"
    srv_ip: str = "10.213.7.1"
    cli_ip: str = "10.213.7.2"
    iptables: str = "iptables"
    _made: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.srv = self.srv or f"lamplight-bench-srv-{self.tag}"
        self.cli = self.cli or f"lamplight-bench-cli-{self.tag}"

    def exec_in(self, ns: str) -> list[str]:
        """The prefix that runs a command inside namespace ``ns``."""
        return ["ip", "netns", "exec", ns]

    def create(self) -> None:
        """Makes both namespaces, the veth pair, addresses, and the tbf qdiscs.

        Raises:
            NetnsError: something could not be made (what was made is kept for :meth:`destroy`).
        """
        for ns in (self.srv, self.cli):
            run(["ip", "netns", "add", ns])
            self._made.append(ns)
        veth = ["type", "veth", "peer", "name", self.cli_dev, "netns", self.cli]
        run(["ip", "-n", self.srv, "link", "add", self.srv_dev, *veth])
        for ns, dev, ip in (
            (self.srv, self.srv_dev, self.srv_ip),
            (self.cli, self.cli_dev, self.cli_ip),
        ):
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", dev])
            run(["ip", "-n", ns, "link", "set", dev, "mtu", str(self.mtu), "up"])
            tbf = ["rate", self.rate, "burst", str(self.burst), "limit", str(self.limit)]
            run([*self.exec_in(ns), "tc", "qdisc", "add", "dev", dev, "root", "tbf", *tbf])
        self.iptables = self._pick_iptables()

    def _pick_iptables(self) -> str:
        """``iptables`` (nft backend on Debian 12), or ``iptables-legacy`` where nft fails."""
        errors = []
        for binary in ("iptables", "iptables-legacy"):
            if shutil.which(binary) is None:
                continue
            try:
                run([*self.exec_in(self.cli), binary, "-w", "-n", "-L", "OUTPUT"])
                return binary
            except NetnsError as exc:
                errors.append(str(exc))
        raise NetnsError("no working iptables: " + "; ".join(errors or ["not installed"]))

    def destroy(self) -> list[str]:
        """Deletes the namespaces made (with everything in them); returns what failed."""
        failed = []
        for ns in reversed(self._made):
            try:
                run(["ip", "netns", "del", ns])
            except NetnsError as exc:
                failed.append(str(exc))
        self._made.clear()
        return failed

    def add_cut(self, port: int, after_bytes: int, probability: float = 1.0) -> list[str]:
        """Resets TCP connections to ``port`` once they have carried ``after_bytes``: at the
        first packet the client sends after that, or, with ``probability`` < 1, at each such
        packet with that probability (a random extra stretch, geometric in the client's
        packets: ACKs, one per two segments). See the module doc for why the rule sits in the
        client's namespace. Returns the rule."""
        rule = ["-p", "tcp", "--dport", str(port), "--tcp-flags", "RST", "NONE"]
        rule += ["-m", "connbytes", "--connbytes", f"{after_bytes}:", "--connbytes-dir", "both"]
        rule += ["--connbytes-mode", "bytes"]
        if probability < 1.0:
            rule += ["-m", "statistic", "--mode", "random", "--probability", f"{probability:.4f}"]
        rule += ["-j", "REJECT", "--reject-with", "tcp-reset"]
        run([*self.exec_in(self.cli), self.iptables, "-w", "-A", "OUTPUT", *rule])
        return [self.iptables, "-A", "OUTPUT", *rule]

    def cut_count(self) -> int:
        """Packets the cut rules rejected (each resets one connection)."""
        out = run([*self.exec_in(self.cli), self.iptables, "-w", "-n", "-v", "-x", "-L", "OUTPUT"])
        return sum(int(line.split()[0]) for line in out.splitlines() if "REJECT" in line)

    def qdisc(self, ns: str, dev: str) -> QdiscStats:
        out = run([*self.exec_in(ns), "tc", "-s", "qdisc", "show", "dev", dev])
        match = _SENT.search(out)
        if match is None:
            raise NetnsError(f"no qdisc stats for {dev}: {out!r}")
        return QdiscStats(*(int(g) for g in match.groups()))

    def describe_qdisc(self, ns: str, dev: str) -> str:
        return run([*self.exec_in(ns), "tc", "qdisc", "show", "dev", dev]).strip()

    def sysctl(self, ns: str, key: str) -> str:
        path = "/proc/sys/" + key.replace(".", "/")
        return run([*self.exec_in(ns), "cat", path]).strip()
