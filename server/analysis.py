"""Descriptive statistics for the county's reports, and the rule that keeps small groups hidden.

Everything here is a pure function over plain data: a list of answers (``None`` where a teacher
gave none) and, for breakdowns, a parallel list of group labels (a school, a gender, an age
band, a subject). No function ever sees who answered, so a report built from them cannot name
anyone. Results are small frozen dataclasses of ``str``/``int``/``float``/``None`` and tuples;
``dataclasses.asdict`` turns any of them into JSON-ready data, and no ``NaN`` or infinity ever
appears in them (a value that is not defined is ``None``).

The tests of difference live in :mod:`server.analysis_compare`, quiz scores and item statistics
in :mod:`server.analysis_quiz`.

Small groups (see :func:`merge_small_groups`)::

    every group with fewer than ``min_cell`` answers is pooled into OTHER_GROUP;
    if that pool is still smaller than ``min_cell``, the smallest remaining group joins it;
    nothing is ever dropped, so the groups shown always add up to the overall table.

Nothing is dropped because a dropped group could be recovered by subtraction: the overall
frequency table minus the groups shown would be the answers of the teachers left out.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeGuard

#: Smallest number of answers a group may have to be shown on its own in a breakdown.
MIN_CELL = 3
#: The group that small groups are pooled into (full-width brackets: no real label looks so).
OTHER_GROUP = "（其他合并）"
#: The group of answers whose group label is unknown (``None``); it is shown, never dropped.
UNKNOWN_GROUP = "（未填）"
RESERVED_GROUPS = (OTHER_GROUP, UNKNOWN_GROUP)

#: Why a statistic is ``None`` (codes in the results, sentences for the report).
REASONS = {
    "no_data": "没有回答，无法计算。",
    "too_few": "回答太少，无法计算。",
    "one_group": "合并小组后只剩一个组，无法比较。",
    "one_answer": "所有回答都相同，无法检验差异。",
    "no_variation": "所有数值都相同（标准差为 0），检验没有定义。",
    "no_variation_within_groups": "每个组内的数值都相同（组内标准差为 0），检验没有定义。",
    "group_too_small": "有的组少于 2 个回答，无法检验。",
    "all_same_score": "所有人这道题得分相同，区分度没有定义。",
    "rest_constant": "其余题目的总分人人相同，区分度没有定义。",
    "low_expected": "有期望频数小于 5 的格子，卡方检验的 p 值仅供参考。",
}


@dataclass(frozen=True, slots=True)
class FrequencyRow:
    """One answer of a frequency table.

    Attributes:
        value: the choice's name as stored in responses.
        count: how many answers (for multiple choice: respondents who ticked it).
        percent: ``count`` as a percentage (0-100) of the table's ``base``; ``None`` if no one
            answered.
        listed: ``False`` for a value that is not among the form's choices (an older version of
            the form, say); such rows come after the listed ones.
    """

    value: str
    count: int
    percent: float | None
    listed: bool = True


@dataclass(frozen=True, slots=True)
class FrequencyTable:
    """Counts of the answers to one choice question.

    Attributes:
        rows: one per choice, in the form's order, then unlisted values (sorted).
        total: responses considered, answered or not.
        base: the denominator of the percentages: answers given (single choice), respondents
            (multiple choice).
        missing: responses without an answer (``total - base`` for single choice).
        multiple: ``True`` for a multiple-choice question: percentages are of respondents and
            may add up to more than 100.
    """

    rows: tuple[FrequencyRow, ...]
    total: int
    base: int
    missing: int
    multiple: bool = False


@dataclass(frozen=True, slots=True)
class NumberSummary:
    """Mean, spread and quartiles of a numeric question (a number, a rating).

    ``sd`` is the sample standard deviation (``ddof=1``, as Excel's ``STDEV.S``): ``None`` for
    fewer than two numbers. Quartiles are Excel's ``QUARTILE.INC`` (linear interpolation,
    ``statistics.quantiles(method="inclusive")``), so a coordinator can check them in Excel.
    Every statistic is ``None`` when ``n`` is 0.
    """

    n: int
    missing: int
    mean: float | None
    sd: float | None
    median: float | None
    min: float | None
    max: float | None
    q1: float | None
    q3: float | None


@dataclass(frozen=True, slots=True)
class GroupCount:
    """One group of a breakdown and how many answers it holds."""

    group: str
    count: int


@dataclass(frozen=True, slots=True)
class GroupCounts:
    """Responses per group (per school, say), small groups pooled.

    Attributes:
        groups: in the order asked for, then UNKNOWN_GROUP and OTHER_GROUP when present.
        total: all responses.
        merged: the groups pooled into OTHER_GROUP, sorted (their sizes are not shown).
    """

    groups: tuple[GroupCount, ...]
    total: int
    merged: tuple[str, ...]


def is_number(value: float | None) -> TypeGuard[float]:
    """Whether ``value`` is a number to count (not missing, not NaN, not infinite)."""
    return value is not None and math.isfinite(value)


def _percent(count: int, base: int) -> float | None:
    return 100.0 * count / base if base else None


def _rows(counts: Counter[str], choices: Sequence[str], base: int) -> tuple[FrequencyRow, ...]:
    listed = [FrequencyRow(c, counts[c], _percent(counts[c], base)) for c in choices]
    unlisted = sorted(set(counts) - set(choices))
    extra = [FrequencyRow(v, counts[v], _percent(counts[v], base), listed=False) for v in unlisted]
    return tuple(listed + extra)


def _check_choices(choices: Sequence[str]) -> None:
    if len(set(choices)) != len(choices):
        raise ValueError(f"choices repeat a name: {list(choices)}")


def frequency(values: Sequence[str | None], choices: Sequence[str]) -> FrequencyTable:
    """Counts and percentages of the answers to a single-choice question.

    Args:
        values: one answer per response, ``None`` where none was given (skipped, or hidden by
            skip logic).
        choices: the choice names in the form's order; a choice no one picked gets a row of 0.

    Returns:
        Percentages of the answers given (valid percent); ``missing`` is reported apart.
    """
    _check_choices(choices)
    counts = Counter(v for v in values if v is not None)
    base = sum(counts.values())
    return FrequencyTable(_rows(counts, choices, base), len(values), base, len(values) - base)


def multi_frequency(
    answers: Sequence[Collection[str] | None],
    choices: Sequence[str],
    respondents: int | None = None,
) -> FrequencyTable:
    """Counts of a multiple-choice question: each choice counted once per respondent.

    Args:
        answers: the choices each response ticked; ``None`` where the question was not answered.
            An empty collection is an answer ("none of these") and counts as a respondent.
        choices: the choice names in the form's order.
        respondents: the denominator of the percentages, if not the number of answers given
            (the caller may want everyone who saw the question, for instance).

    Returns:
        Percentages of respondents: they may add up to more than 100.

    Raises:
        ValueError: ``respondents`` is smaller than the number of answers given.
    """
    _check_choices(choices)
    given = [set(a) for a in answers if a is not None]
    base = len(given) if respondents is None else respondents
    if base < len(given):
        raise ValueError(f"respondents ({base}) is fewer than the answers given ({len(given)})")
    counts: Counter[str] = Counter()
    for ticked in given:
        counts.update(ticked)
    return FrequencyTable(
        _rows(counts, choices, base), len(answers), base, len(answers) - len(given), True
    )


def describe(numbers: Iterable[float | None]) -> NumberSummary:
    """Summary of a numeric question; ``None``, NaN and infinities count as missing.

    Returns:
        ``n`` numbers described; ``sd`` needs two of them, the rest one.
    """
    given = list(numbers)
    data = sorted(float(x) for x in given if is_number(x))
    n = len(data)
    if n == 0:
        return NumberSummary(0, len(given), None, None, None, None, None, None, None)
    if n == 1:
        q1 = q3 = data[0]
    else:
        q1, _, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return NumberSummary(
        n=n,
        missing=len(given) - n,
        mean=statistics.fmean(data),
        sd=statistics.stdev(data) if n > 1 else None,
        median=statistics.median(data),
        min=data[0],
        max=data[-1],
        q1=q1,
        q3=q3,
    )


@dataclass(frozen=True, slots=True)
class GroupMerge:
    """What :func:`merge_small_groups` decided.

    Attributes:
        labels: the group of each answer after pooling (parallel to the input).
        merged: the original groups pooled into OTHER_GROUP, sorted.
    """

    labels: tuple[str, ...]
    merged: tuple[str, ...]


def merge_small_groups(groups: Sequence[str | None], min_cell: int = MIN_CELL) -> GroupMerge:
    """Pool groups too small to be shown, so no answer can be traced to a teacher.

    ``None`` becomes UNKNOWN_GROUP, which is a group like the others (dropping it would let the
    overall table minus the breakdown reveal its answers). Groups with fewer than ``min_cell``
    members go to OTHER_GROUP; if that pool is still below ``min_cell``, the smallest remaining
    group (ties: the label sorting first) joins it, so every group shown has at least
    ``min_cell`` members unless there are fewer than ``min_cell`` in all.

    Args:
        groups: one label per answer.
        min_cell: the smallest group shown on its own; 1 shows every group.

    Raises:
        ValueError: ``min_cell`` is below 1, or a label is one of RESERVED_GROUPS.
    """
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, not {min_cell}")
    for reserved in RESERVED_GROUPS:
        if reserved in groups:
            raise ValueError(f"{reserved!r} is reserved for the report's own groups")
    labels = [UNKNOWN_GROUP if g is None else g for g in groups]
    sizes = Counter(labels)
    small = {g for g, size in sizes.items() if size < min_cell}
    pooled = sum(sizes[g] for g in small)
    if small and pooled < min_cell:
        rest = [(size, g) for g, size in sizes.items() if g not in small]
        if rest:
            small.add(min(rest)[1])
    out = tuple(OTHER_GROUP if g in small else g for g in labels)
    return GroupMerge(out, tuple(sorted(small)))


def order_groups(present: Collection[str], order: Sequence[str] | None = None) -> tuple[str, ...]:
    """The groups of a breakdown in display order.

    Args:
        present: the groups that hold answers.
        order: the natural order (age bands, say); groups not in it follow, sorted. Without it
            all are sorted. UNKNOWN_GROUP and OTHER_GROUP always come last.
    """
    wanted = [g for g in (order or ()) if g in present]
    rest = sorted(g for g in present if g not in wanted and g not in RESERVED_GROUPS)
    tail = [g for g in RESERVED_GROUPS[::-1] if g in present]
    return tuple(wanted + rest + tail)


def responses_by_group(
    groups: Sequence[str | None],
    *,
    min_cell: int = MIN_CELL,
    order: Sequence[str] | None = None,
) -> GroupCounts:
    """Number of responses per group (per school, per gender), small groups pooled.

    The same rule as every other breakdown: a county may pass ``min_cell=1`` for a named
    survey, where knowing that a school sent one response is what the coordinator needs.

    Args:
        groups: the group of each response (``None``: unknown).
        min_cell: see :func:`merge_small_groups`.
        order: see :func:`order_groups`.
    """
    merge = merge_small_groups(groups, min_cell)
    sizes = Counter(merge.labels)
    shown = order_groups(sizes, order)
    return GroupCounts(tuple(GroupCount(g, sizes[g]) for g in shown), len(groups), merge.merged)
