"""Quiz results: how the scores spread, and how hard and how telling each question was.

Two classical test theory figures per question:

- **difficulty** ``p``: the mean share of the question's points that respondents earned; for a
  right-or-wrong question, the proportion who got it right (high ``p``: an easy question).
- **discrimination**: the point-biserial correlation between the question's score and the
  *rest score* (the total of the other questions), so the question is not correlated with
  itself. Near 0 or negative: the question does not separate those who know the material from
  those who do not (often a wrong key or an ambiguous wording).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from server.analysis import NumberSummary, describe, is_number

#: Up to this many points, and with whole-number scores, every score gets its own bar.
MAX_POINTS_PER_BAR = 20


@dataclass(frozen=True, slots=True)
class ScoreBin:
    """One bar of a score histogram: scores from ``low`` up to, not including, ``high``.

    The last bin includes ``high`` (the full score). For one bar per score, ``low == high``.
    """

    low: float
    high: float
    label: str
    count: int
    percent: float | None


@dataclass(frozen=True, slots=True)
class ScoreDistribution:
    """The scores of one quiz.

    Attributes:
        bins: the histogram, lowest scores first.
        summary: mean, SD, median, quartiles of the scores.
        max_points: the full score.
        pass_mark: the score needed to pass, in points; ``None`` if the quiz has none.
        passed: scores at or above ``pass_mark``.
        pass_rate: ``passed`` as a percentage of the scores; ``None`` without a pass mark or
            without scores.
    """

    bins: tuple[ScoreBin, ...]
    summary: NumberSummary
    max_points: float
    pass_mark: float | None
    passed: int
    pass_rate: float | None


@dataclass(frozen=True, slots=True)
class ItemStats:
    """Difficulty and discrimination of one quiz question.

    Attributes:
        item: the question's name.
        n: respondents the question was put to (``None`` in the matrix: not put).
        difficulty: the proportion correct (mean share of the points); ``None`` if ``n`` is 0.
        discrimination: point-biserial correlation with the rest score, or ``None``.
        reason: a code of :data:`server.analysis.REASONS` when ``discrimination`` is ``None``.
    """

    item: str
    n: int
    difficulty: float | None
    discrimination: float | None
    reason: str | None


def _label(x: float) -> str:
    return f"{x:g}"


def _edges(scores: list[float], max_points: float, bins: int) -> list[tuple[float, float]]:
    whole = max_points == int(max_points) and all(s == int(s) for s in scores)
    if whole and max_points <= MAX_POINTS_PER_BAR:
        return [(float(k), float(k)) for k in range(int(max_points) + 1)]
    return [(k * max_points / bins, (k + 1) * max_points / bins) for k in range(bins)]


def _bin_of(score: float, max_points: float, edges: list[tuple[float, float]]) -> int:
    if edges[0][0] == edges[0][1]:
        return int(score)
    # Multiplying first keeps 0.9 of 3 points in bar 3 of 10 (0.9 // 0.3 is 2.0 in floats).
    return min(int(score * len(edges) / max_points), len(edges) - 1)


def quiz_scores(
    scores: Sequence[float | None],
    max_points: float,
    pass_mark: float | None = None,
    *,
    bins: int = 10,
) -> ScoreDistribution:
    """The distribution of a quiz's scores, for a histogram and a pass rate.

    Args:
        scores: one score per submitted attempt counted (the caller picks which: best, last);
            ``None`` or NaN where there is none.
        max_points: the full score (more than 0).
        pass_mark: the score needed to pass, in points.
        bins: equal-width bars, used unless every score is a whole number and ``max_points``
            at most MAX_POINTS_PER_BAR (then one bar per score: 0, 1, ... max_points).

    Raises:
        ValueError: a score or the pass mark outside 0..max_points, or ``bins`` below 1.
    """
    if not (max_points > 0 and math.isfinite(max_points)) or bins < 1:
        raise ValueError(f"max_points must be positive and bins at least 1 ({max_points}, {bins})")
    max_points = float(max_points)
    pass_mark = None if pass_mark is None else float(pass_mark)
    if pass_mark is not None and not 0 <= pass_mark <= max_points:
        raise ValueError(f"pass mark {pass_mark} is outside 0..{max_points}")
    given = [float(s) for s in scores if is_number(s)]
    wrong = [s for s in given if not 0 <= s <= max_points]
    if wrong:
        raise ValueError(f"scores outside 0..{max_points}: {wrong[:5]}")
    edges = _edges(given, max_points, bins)
    counts = [0] * len(edges)
    for score in given:
        counts[_bin_of(score, max_points, edges)] += 1
    n = len(given)
    histogram = tuple(
        ScoreBin(
            low,
            high,
            _label(low) if low == high else f"{_label(low)}–{_label(high)}",
            count,
            100.0 * count / n if n else None,
        )
        for (low, high), count in zip(edges, counts, strict=True)
    )
    passed = 0 if pass_mark is None else sum(s >= pass_mark for s in given)
    rate = 100.0 * passed / n if n and pass_mark is not None else None
    return ScoreDistribution(histogram, describe(scores), max_points, pass_mark, passed, rate)


def _correlation(xs: list[float], ys: list[float]) -> tuple[float | None, str | None]:
    if len(xs) < 2:
        return None, "too_few"
    mx, my = math.fsum(xs) / len(xs), math.fsum(ys) / len(ys)
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    if sxx == 0:
        return None, "all_same_score"
    if syy == 0:
        return None, "rest_constant"
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy))), None


def item_difficulty(
    correct_matrix: Sequence[Sequence[float | bool | None]],
    items: Sequence[str] | None = None,
) -> list[ItemStats]:
    """Difficulty and discrimination of every question of a quiz.

    Args:
        correct_matrix: one row per respondent, one column per question: ``True``/``False``
            (right or wrong) or the share of the question's points earned (0..1). ``None``:
            the question was not put to this respondent (skip logic, another version of the
            quiz): left out of that question's figures, and 0 in the others' rest scores.
        items: the questions' names; by default "1", "2", ...

    Raises:
        ValueError: rows of different lengths, names that do not match the columns, or a
            share outside 0..1.
    """
    width = len(items) if items is not None else len(correct_matrix[0]) if correct_matrix else 0
    names = list(items) if items is not None else [str(k + 1) for k in range(width)]
    rows: list[list[float | None]] = []
    for number, row in enumerate(correct_matrix, start=1):
        if len(row) != width:
            raise ValueError(f"respondent {number} has {len(row)} answers, not {width}")
        values = [None if x is None else float(x) for x in row]
        if any(x is not None and not 0 <= x <= 1 for x in values):
            raise ValueError(f"respondent {number}: a share of points outside 0..1: {row}")
        rows.append(values)
    totals = [math.fsum(x for x in row if x is not None) for row in rows]
    out = []
    for k, name in enumerate(names):
        pairs = [
            (x, t - x) for row, t in zip(rows, totals, strict=True) if (x := row[k]) is not None
        ]
        if not pairs:
            out.append(ItemStats(name, 0, None, None, "no_data"))
            continue
        xs, rest = [x for x, _ in pairs], [r for _, r in pairs]
        r, reason = _correlation(xs, rest)
        out.append(ItemStats(name, len(xs), math.fsum(xs) / len(xs), r, reason))
    return out
