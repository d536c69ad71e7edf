"""A bandwidth cap for downloads: a token bucket that makes the receiving thread wait.

The bucket fills at ``rate`` bytes per second up to ``burst`` bytes; :meth:`RateLimiter.take`
spends bytes already received and sleeps while the bucket is in debt. Reading more slowly than
the server sends fills the socket's receive buffer, TCP's flow control then slows the server, and
the link keeps room for teaching.

The rate may be changed while a download runs (the settings screen, the county profile): a wait
is cut into short sleeps, and each one is computed at the rate of the moment. ``0`` or ``None``
means unlimited. The clock and ``sleep`` are parameters, so tests run on virtual time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

#: The longest single sleep, so that a changed rate takes effect this quickly.
MAX_SLEEP_S = 0.25
#: The default burst: this many seconds of traffic at the current rate...
BURST_S = 0.25
#: ...but at least this many bytes, so a slow rate still lets a whole network read through.
MIN_BURST = 64 * 1024


class RateLimiter:
    """A token bucket of bytes, shared by the downloads it caps.

    Args:
        rate_bytes_per_s: the cap; ``0`` or ``None`` for none.
        clock: monotonic seconds.
        sleep: waits that many seconds.
        burst: bytes the bucket holds when full (taken at once after an idle spell); by default
            a quarter of a second at the current rate, at least 64 KiB.
    """

    def __init__(
        self,
        rate_bytes_per_s: float | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        burst: int | None = None,
    ) -> None:
        if burst is not None and burst <= 0:
            raise ValueError("burst must be positive")
        self._clock = clock
        self._sleep = sleep
        self._burst = burst
        self._lock = threading.Lock()
        self._rate = self._checked(rate_bytes_per_s)
        self._tokens = float(self.burst)
        self._last = clock()

    @staticmethod
    def _checked(rate: float | None) -> float:
        if rate is not None and rate < 0:
            raise ValueError("the rate cannot be negative")
        return float(rate or 0)

    @property
    def rate(self) -> float | None:
        """Bytes per second, or None when unlimited; may be set from any thread at any time."""
        return self._rate or None

    @rate.setter
    def rate(self, rate_bytes_per_s: float | None) -> None:
        rate = self._checked(rate_bytes_per_s)
        with self._lock:
            self._refill()
            self._rate = rate
            self._tokens = min(self._tokens, float(self.burst))

    @property
    def burst(self) -> int:
        if self._burst is not None:
            return self._burst
        return max(MIN_BURST, int(self._rate * BURST_S))

    def _refill(self) -> None:
        now = self._clock()
        if self._rate:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self._rate)
        else:
            self._tokens = float(self.burst)
        self._last = now

    def take(self, n: int) -> None:
        """Accounts for ``n`` bytes; returns once the rate allows them (at once when unlimited).

        The bytes are spent at once and may drive the bucket into debt; the wait is for the
        debt to be paid back, so a large ``n`` is fine.
        """
        with self._lock:
            self._refill()
            self._tokens -= n
        while True:
            with self._lock:
                self._refill()
                if self._tokens > -1.0 or not self._rate:  # less than a byte: rounding
                    return
                wait = min(MAX_SLEEP_S, -self._tokens / self._rate)
            self._sleep(wait)
