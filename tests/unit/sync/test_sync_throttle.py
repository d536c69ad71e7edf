"""RateLimiter: a bandwidth cap honoured on a virtual clock, and changed while it runs."""

from __future__ import annotations

import pytest

from app.sync.throttle import MAX_SLEEP_S, MIN_BURST, RateLimiter


class VirtualTime:
    """A clock that only moves when ``sleep`` is called (or the test moves it)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(time: VirtualTime, rate: float | None, burst: int | None = None) -> RateLimiter:
    return RateLimiter(rate, clock=time.clock, sleep=time.sleep, burst=burst)


@pytest.mark.parametrize("chunk", [1000, 64 * 1024, 1024 * 1024])
def test_n_bytes_at_rate_r_take_n_over_r_seconds(chunk: int) -> None:
    time = VirtualTime()
    rate, total, burst = 250_000, 10 * 1024 * 1024, 64 * 1024
    cap = limiter(time, rate, burst)
    start = time.now
    for _ in range(total // chunk):
        cap.take(chunk)
    sent = total // chunk * chunk
    elapsed = time.now - start
    # The first burst goes at once; then exactly the rate, give or take a byte's time.
    assert (sent - burst - 1) / rate <= elapsed <= (sent - burst + 1) / rate


def test_an_idle_spell_fills_the_bucket_only_up_to_the_burst() -> None:
    time = VirtualTime()
    cap = limiter(time, 1000, burst=2000)
    cap.take(2000)
    assert time.sleeps == []  # the full bucket
    time.now += 3600  # an hour without traffic
    cap.take(5000)
    assert sum(time.sleeps) == pytest.approx(3.0)  # 2000 saved up, 3000 at the rate


def test_waits_are_cut_into_short_sleeps() -> None:
    time = VirtualTime()
    cap = limiter(time, 1000, burst=1000)
    cap.take(1000 + 2000)
    assert sum(time.sleeps) == pytest.approx(2.0)
    assert max(time.sleeps) <= MAX_SLEEP_S


def test_unlimited_never_sleeps() -> None:
    for rate in (None, 0):
        time = VirtualTime()
        cap = limiter(time, rate)
        for _ in range(100):
            cap.take(10 * 1024 * 1024)
        assert time.sleeps == []
        assert cap.rate is None


def test_a_rate_lowered_mid_wait_slows_the_rest() -> None:
    time = VirtualTime()
    cap = limiter(time, 10_000, burst=1)

    def sleep(seconds: float) -> None:
        time.now += seconds
        if time.now >= 101.0:
            cap.rate = 1000  # the settings screen, from another thread

    cap._sleep = sleep
    cap.take(20_001)  # 2 s at the first rate; after 1 s the rest (10,000) goes at 1000 B/s
    assert time.now - 100.0 == pytest.approx(1.0 + 10.0)


def test_a_cap_lifted_mid_wait_returns_at_once() -> None:
    time = VirtualTime()
    cap = limiter(time, 1000, burst=1)

    def sleep(seconds: float) -> None:
        time.now += seconds
        cap.rate = None

    cap._sleep = sleep
    cap.take(1_000_000)  # 1000 s at the rate...
    assert time.now - 100.0 == pytest.approx(MAX_SLEEP_S)  # ...but lifted after one sleep


def test_the_default_burst_follows_the_rate() -> None:
    time = VirtualTime()
    cap = limiter(time, 8_000_000)
    assert cap.burst == 2_000_000  # a quarter of a second
    cap.rate = 1000
    assert cap.burst == MIN_BURST


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(-1)
    with pytest.raises(ValueError):
        RateLimiter(1000, burst=0)
    cap = RateLimiter(1000)
    with pytest.raises(ValueError):
        cap.rate = -5
