"""When the next sync happens: every few minutes, backing off with jitter after failures."""

from __future__ import annotations

import random

from app.sync.schedule import Backoff


def test_failures_back_off_exponentially_with_jitter_up_to_a_cap() -> None:
    backoff = Backoff(base_s=10, cap_s=160, rng=random.Random(1))
    delays = [backoff.after_failure() for _ in range(8)]
    ceilings = [10, 20, 40, 80, 160, 160, 160, 160]
    for delay, ceiling in zip(delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_jitter_spreads_pcs_that_failed_together() -> None:
    firsts = {
        round(Backoff(base_s=60, rng=random.Random(seed)).after_failure(), 3) for seed in range(20)
    }
    assert len(firsts) == 20


def test_a_success_resets_the_backoff() -> None:
    backoff = Backoff(base_s=10, every_s=300, rng=random.Random(2))
    for _ in range(5):
        backoff.after_failure()
    assert backoff.after_success() == 300
    assert 5 <= backoff.after_failure() <= 10
