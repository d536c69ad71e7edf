"""When to sync next: every few minutes while things work, backing off when they do not.

Used by the app's sync worker and by ``python -m app sync`` without ``--once``; time is given
by the caller (monotonic seconds), so a wrong wall clock changes nothing here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

#: Between syncs while the server answers.
EVERY_S = 300.0
#: First delay after a failure; doubled per failure in a row, up to CAP_S.
BASE_S = 15.0
CAP_S = 1800.0


@dataclass
class Backoff:
    """Exponential backoff with jitter ("equal jitter": half fixed, half random), so a school's
    PCs that lost the network together do not all come back in the same second."""

    base_s: float = BASE_S
    cap_s: float = CAP_S
    every_s: float = EVERY_S
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def after_success(self) -> float:
        """Seconds until the next sync after one that worked."""
        self.failures = 0
        return self.every_s

    def after_failure(self) -> float:
        """Seconds until the next try after a failed one."""
        self.failures += 1
        ceiling: float = min(self.cap_s, self.base_s * 2.0 ** min(self.failures - 1, 30))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)
