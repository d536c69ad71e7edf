"""Breakdowns by group (gender, age band, school, subject) and their tests of difference.

Which test, when::

    choices x groups          Pearson chi-square test of independence, no Yates correction
      2 x 2, an expected < 5  the p-value is Fisher's exact test (two-sided) instead
      larger, an expected < 5 chi-square all the same, with warning "low_expected"
    number x 2 groups         Welch's t-test (unequal variances), effect Cohen's d
    number x 3+ groups        one-way ANOVA (F test), effect eta squared

A test that is not defined (one group, every answer the same, no spread inside the groups)
gives ``p_value=None`` and a ``reason`` code from :data:`server.analysis.REASONS`; scipy is
never called on such data, so it never warns and no NaN reaches a result. Before any of this,
groups too small to be shown are pooled by :func:`server.analysis.merge_small_groups`.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from server.analysis import (
    MIN_CELL,
    NumberSummary,
    describe,
    is_number,
    merge_small_groups,
    order_groups,
)

#: Below this expected count a chi-square p-value is only approximate (Cochran).
MIN_EXPECTED = 5.0


@dataclass(frozen=True, slots=True)
class Significance:
    """A test of difference, or why there is none.

    Attributes:
        method: ``"chi2"``, ``"fisher_exact"``, ``"welch_t"`` or ``"anova"``; ``None`` when no
            test could be run.
        statistic: chi-square (also when the p-value is Fisher's), t, or F.
        df: degrees of freedom (chi-square; Welch's, fractional; ANOVA between groups).
        df2: ANOVA's degrees of freedom within groups; ``None`` otherwise.
        p_value: two-sided; ``None`` when ``reason`` says why.
        effect: Cramér's V, Cohen's d or eta squared, when defined.
        effect_name: ``"cramers_v"``, ``"cohens_d"`` or ``"eta_squared"``.
        reason: a code of :data:`server.analysis.REASONS` when ``p_value`` is ``None``.
        warning: ``"low_expected"`` when a chi-square p-value rests on small expected counts.
    """

    method: str | None = None
    statistic: float | None = None
    df: float | None = None
    df2: float | None = None
    p_value: float | None = None
    effect: float | None = None
    effect_name: str | None = None
    reason: str | None = None
    warning: str | None = None


@dataclass(frozen=True, slots=True)
class CrossTab:
    """Answers to a choice question broken down by group.

    Attributes:
        groups: the rows, in display order (see :func:`server.analysis.order_groups`).
        values: the columns: the form's choices, then values not among them (sorted).
        counts: ``counts[i][j]`` answers of group ``i`` that were ``values[j]``.
        row_percents: each count as a percentage of its group's answers.
        n: answers tabulated.
        missing: responses without an answer (not in the table).
        merged: groups pooled into OTHER_GROUP.
        min_expected: the smallest expected count of the tested table.
        low_expected_cells: cells of the tested table with an expected count below 5.
        test: chi-square (or Fisher's exact test); choices nobody picked are left out of it.
    """

    groups: tuple[str, ...]
    values: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    row_percents: tuple[tuple[float, ...], ...]
    n: int
    missing: int
    merged: tuple[str, ...]
    min_expected: float | None
    low_expected_cells: int
    test: Significance


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """One group of a numeric breakdown."""

    group: str
    summary: NumberSummary


@dataclass(frozen=True, slots=True)
class GroupComparison:
    """A numeric question broken down by group, and whether the means differ.

    Attributes:
        groups: per group, in display order.
        overall: every number given, all groups together.
        missing: responses without a number (not in any group).
        merged: groups pooled into OTHER_GROUP.
        test: Welch's t-test (2 groups) or one-way ANOVA (3 or more).
    """

    groups: tuple[GroupSummary, ...]
    overall: NumberSummary
    missing: int
    merged: tuple[str, ...]
    test: Significance


def _number(x: object) -> float | None:
    """A float from scipy, or ``None`` if it is not finite."""
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _p(x: object) -> float | None:
    """A p-value from scipy, clipped to [0, 1] (exact tests may sum to 1 + 1e-16)."""
    value = _number(x)
    return None if value is None else min(max(value, 0.0), 1.0)


def _chi_square(table: list[list[int]]) -> tuple[Significance, float | None, int]:
    """The test of a table whose rows and columns all have answers."""
    rows, cols = len(table), len(table[0]) if table else 0
    n = sum(map(sum, table))
    if n == 0:
        return Significance(reason="no_data"), None, 0
    if rows < 2:
        return Significance(reason="one_group"), None, 0
    if cols < 2:
        return Significance(reason="one_answer"), None, 0
    result = stats.chi2_contingency(table, correction=False)
    expected = [float(e) for row in result.expected_freq for e in row]
    low = sum(e < MIN_EXPECTED for e in expected)
    chi2 = float(result.statistic)
    v = math.sqrt(chi2 / (n * (min(rows, cols) - 1)))
    if rows == cols == 2 and low:
        method, p, warning = "fisher_exact", _p(stats.fisher_exact(table).pvalue), None
    else:
        method, p, warning = "chi2", _p(result.pvalue), "low_expected" if low else None
    test = Significance(
        method,
        statistic=chi2,
        df=float(result.dof),
        p_value=p,
        effect=v,
        effect_name="cramers_v",
        warning=warning,
    )
    return test, min(expected), low


def crosstab_choices(
    values: Sequence[str | None],
    groups: Sequence[str | None],
    choices: Sequence[str],
    *,
    min_cell: int = MIN_CELL,
    order: Sequence[str] | None = None,
) -> CrossTab:
    """Cross-tabulate a single-choice question by group, with a chi-square test.

    For a multiple-choice question, tabulate each choice on its own as ticked / not ticked.

    Args:
        values: one answer per response, ``None`` where none was given.
        groups: the group of each response (parallel to ``values``; ``None``: unknown).
        choices: the choice names in the form's order.
        min_cell: groups with fewer answers are pooled (see
            :func:`server.analysis.merge_small_groups`).
        order: the groups' natural order (see :func:`server.analysis.order_groups`).

    Raises:
        ValueError: ``values`` and ``groups`` differ in length, or a choice repeats.
    """
    if len(values) != len(groups):
        raise ValueError(f"{len(values)} answers but {len(groups)} group labels")
    if len(set(choices)) != len(choices):
        raise ValueError(f"choices repeat a name: {list(choices)}")
    answered = [(v, g) for v, g in zip(values, groups, strict=True) if v is not None]
    merge = merge_small_groups([g for _, g in answered], min_cell)
    pairs = Counter(zip(merge.labels, (v for v, _ in answered), strict=True))
    rows = order_groups(set(merge.labels), order)
    seen = {v for v, _ in answered}
    columns = tuple(choices) + tuple(sorted(seen - set(choices)))
    counts = [[pairs[g, v] for v in columns] for g in rows]
    percents = tuple(tuple(100.0 * c / sum(row) for c in row) for row in counts)
    used = [j for j in range(len(columns)) if any(row[j] for row in counts)]
    test, min_expected, low = _chi_square([[row[j] for j in used] for row in counts])
    return CrossTab(
        groups=rows,
        values=columns,
        counts=tuple(map(tuple, counts)),
        row_percents=percents,
        n=len(answered),
        missing=len(values) - len(answered),
        merged=merge.merged,
        min_expected=min_expected,
        low_expected_cells=low,
        test=test,
    )


def _welch(a: list[float], b: list[float]) -> Significance:
    result = stats.ttest_ind(a, b, equal_var=False)
    na, nb = len(a), len(b)
    pooled = ((na - 1) * statistics.variance(a) + (nb - 1) * statistics.variance(b)) / (na + nb - 2)
    d = (statistics.fmean(a) - statistics.fmean(b)) / math.sqrt(pooled) if pooled else None
    return Significance(
        "welch_t",
        statistic=_number(result.statistic),
        df=_number(result.df),
        p_value=_p(result.pvalue),
        effect=d,
        effect_name="cohens_d",
    )


def _anova(samples: list[list[float]]) -> Significance:
    result = stats.f_oneway(*samples)
    every = [x for s in samples for x in s]
    grand = statistics.fmean(every)
    total = math.fsum((x - grand) ** 2 for x in every)
    between = math.fsum(len(s) * (statistics.fmean(s) - grand) ** 2 for s in samples)
    return Significance(
        "anova",
        statistic=_number(result.statistic),
        df=float(len(samples) - 1),
        df2=float(len(every) - len(samples)),
        p_value=_p(result.pvalue),
        effect=between / total if total else None,
        effect_name="eta_squared",
    )


def _difference(samples: list[list[float]]) -> Significance:
    """Welch or ANOVA, unless the data leave the test undefined."""
    every = [x for s in samples for x in s]
    if not every:
        return Significance(reason="no_data")
    if len(samples) < 2:
        return Significance(reason="one_group")
    if any(len(s) < 2 for s in samples):
        return Significance(reason="group_too_small")
    if max(every) == min(every):
        return Significance(reason="no_variation")
    if all(max(s) == min(s) for s in samples):
        # The means differ but nothing varies inside a group: t and F would be infinite.
        return Significance(reason="no_variation_within_groups")
    return _welch(*samples) if len(samples) == 2 else _anova(samples)


def compare_numbers(
    values: Sequence[float | None],
    groups: Sequence[str | None],
    *,
    min_cell: int = MIN_CELL,
    order: Sequence[str] | None = None,
) -> GroupComparison:
    """Summaries of a numeric question per group, and a test of whether the means differ.

    Args:
        values: one number per response; ``None``, NaN and infinities are missing.
        groups: the group of each response (parallel to ``values``; ``None``: unknown).
        min_cell: groups with fewer numbers are pooled (see
            :func:`server.analysis.merge_small_groups`).
        order: the groups' natural order (see :func:`server.analysis.order_groups`).

    Raises:
        ValueError: ``values`` and ``groups`` differ in length.
    """
    if len(values) != len(groups):
        raise ValueError(f"{len(values)} answers but {len(groups)} group labels")
    given = [(float(v), g) for v, g in zip(values, groups, strict=True) if is_number(v)]
    merge = merge_small_groups([g for _, g in given], min_cell)
    by_group: dict[str, list[float]] = {}
    for label, (value, _) in zip(merge.labels, given, strict=True):
        by_group.setdefault(label, []).append(value)
    shown = order_groups(by_group, order)
    samples = [by_group[g] for g in shown]
    return GroupComparison(
        groups=tuple(GroupSummary(g, describe(s)) for g, s in zip(shown, samples, strict=True)),
        overall=describe(v for v, _ in given),
        missing=len(values) - len(given),
        merged=merge.merged,
        test=_difference(samples),
    )
