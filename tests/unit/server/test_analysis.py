"""Frequencies, number summaries and the small-group rule, against numbers worked out by hand."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import asdict

import numpy as np
import pytest

from server.analysis import (
    OTHER_GROUP,
    UNKNOWN_GROUP,
    describe,
    frequency,
    merge_small_groups,
    multi_frequency,
    order_groups,
    responses_by_group,
)

CHOICES = ["agree", "neutral", "disagree"]


def test_frequency_counts_and_percentages_of_the_answers_given() -> None:
    values = ["agree", "agree", "neutral", None, "agree", "disagree", None, "neutral"]

    table = frequency(values, CHOICES)

    # 6 answers given (2 missing): agree 3/6 = 50 %, neutral 2/6 = 33.3 %, disagree 1/6 = 16.7 %
    assert [(r.value, r.count) for r in table.rows] == [
        ("agree", 3),
        ("neutral", 2),
        ("disagree", 1),
    ]
    assert [r.percent for r in table.rows] == pytest.approx([50.0, 100 / 3, 100 / 6])
    assert (table.total, table.base, table.missing, table.multiple) == (8, 6, 2, False)


def test_a_choice_nobody_picked_has_a_row_and_an_unknown_value_comes_last() -> None:
    table = frequency(["agree", "old-choice", "agree", "agree"], CHOICES)

    assert [(r.value, r.count, r.listed) for r in table.rows] == [
        ("agree", 3, True),
        ("neutral", 0, True),
        ("disagree", 0, True),
        ("old-choice", 1, False),
    ]
    assert sum(r.percent or 0 for r in table.rows) == pytest.approx(100.0)


def test_no_answers_give_counts_of_zero_and_no_percentages() -> None:
    table = frequency([None, None], CHOICES)

    assert [r.count for r in table.rows] == [0, 0, 0]
    assert [r.percent for r in table.rows] == [None, None, None]
    assert (table.total, table.base, table.missing) == (2, 0, 2)


def test_repeated_choice_names_are_refused() -> None:
    with pytest.raises(ValueError, match="repeat"):
        frequency(["a"], ["a", "b", "a"])


def test_multiple_choice_counts_each_choice_once_per_respondent() -> None:
    answers = [
        {"phone", "pc"},
        ["phone", "phone"],  # ticked twice by a buggy client: still one respondent
        set(),  # answered "none of these"
        None,  # did not answer
        {"pc", "tablet"},
    ]

    table = multi_frequency(answers, ["phone", "pc", "tablet"])

    # 4 respondents: phone 2/4 = 50 %, pc 2/4 = 50 %, tablet 1/4 = 25 % (sum 125 % > 100 %)
    assert [(r.value, r.count) for r in table.rows] == [("phone", 2), ("pc", 2), ("tablet", 1)]
    assert [r.percent for r in table.rows] == [50.0, 50.0, 25.0]
    assert (table.total, table.base, table.missing, table.multiple) == (5, 4, 1, True)


def test_multiple_choice_percentages_of_a_given_number_of_respondents() -> None:
    table = multi_frequency([{"a"}, {"a", "b"}], ["a", "b"], respondents=8)

    assert [r.percent for r in table.rows] == [25.0, 12.5]  # 2/8, 1/8

    with pytest.raises(ValueError, match="fewer"):
        multi_frequency([{"a"}, {"b"}], ["a", "b"], respondents=1)


def test_describe_by_hand() -> None:
    numbers = [4, 2, 9, 4, 5, 4, 7, 5]

    summary = describe(numbers)

    # sorted 2 4 4 4 5 5 7 9; mean 40/8 = 5
    # squared deviations 9 1 1 1 0 0 4 16 = 32; sample SD sqrt(32 / 7)
    # median (4 + 5) / 2; QUARTILE.INC: position 7 * 0.25 = 1.75 -> 4 + 0.75 * (4 - 4) = 4,
    # position 7 * 0.75 = 5.25 -> 5 + 0.25 * (7 - 5) = 5.5
    assert summary.n == 8
    assert summary.mean == 5.0
    assert summary.sd == pytest.approx(math.sqrt(32 / 7))
    assert summary.median == 4.5
    assert (summary.min, summary.max) == (2.0, 9.0)
    assert (summary.q1, summary.q3) == (4.0, 5.5)
    # The same quartiles as numpy's default (linear) method, and the same SD as ddof=1.
    assert [summary.q1, summary.q3] == pytest.approx(np.percentile(numbers, [25, 75]))
    assert summary.sd == pytest.approx(float(np.std(numbers, ddof=1)))


def test_describe_counts_none_nan_and_infinity_as_missing() -> None:
    summary = describe([1, None, float("nan"), 3, float("inf")])

    assert (summary.n, summary.missing, summary.mean, summary.median) == (2, 3, 2.0, 2.0)


def test_describe_edge_cases_give_none_never_nan() -> None:
    empty, one, same = describe([]), describe([7]), describe([3, 3, 3])

    assert empty.n == 0 and empty.mean is None and empty.sd is None and empty.q1 is None
    assert (one.mean, one.sd, one.median, one.q1, one.q3) == (7.0, None, 7.0, 7.0, 7.0)
    assert (same.sd, same.q1, same.q3) == (0.0, 3.0, 3.0)
    json.dumps([asdict(s) for s in (empty, one, same)], allow_nan=False)


def test_big_groups_stay_as_they_are() -> None:
    merge = merge_small_groups(["A", "B", "A", "B", "A", "B"])

    assert merge.labels == ("A", "B", "A", "B", "A", "B")
    assert merge.merged == ()


def test_small_groups_are_pooled() -> None:
    groups = ["A"] * 5 + ["B"] * 2 + ["C"] * 4 + ["D"]

    merge = merge_small_groups(groups, min_cell=3)

    # B (2) and D (1) are below 3; pooled they make 3.
    assert Counter(merge.labels) == {"A": 5, "C": 4, OTHER_GROUP: 3}
    assert merge.merged == ("B", "D")


def test_a_pool_still_too_small_takes_in_the_smallest_other_group() -> None:
    groups = ["A"] * 5 + ["C"] * 4 + ["D"]

    merge = merge_small_groups(groups, min_cell=3)

    # D alone (1) would still be identifiable: C (4, the smallest) joins it -> 5.
    assert Counter(merge.labels) == {"A": 5, OTHER_GROUP: 5}
    assert merge.merged == ("C", "D")


def test_two_groups_one_tiny_become_one_group() -> None:
    # Showing the 38 men alone would reveal the 2 women's answers by subtraction from the total.
    merge = merge_small_groups(["male"] * 38 + ["female"] * 2)

    assert set(merge.labels) == {OTHER_GROUP}


def test_an_unknown_group_is_a_group_and_is_pooled_like_the_others() -> None:
    merge = merge_small_groups(["A", "A", "A", None, None, None, None, "B"])

    assert Counter(merge.labels) == {UNKNOWN_GROUP: 4, OTHER_GROUP: 1 + 3}
    assert merge.merged == ("A", "B")  # B (1) is pooled with A (3), the smallest


def test_min_cell_one_shows_every_group() -> None:
    merge = merge_small_groups(["A", "B", "C"], min_cell=1)

    assert merge.labels == ("A", "B", "C")


def test_reserved_labels_and_a_min_cell_below_one_are_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        merge_small_groups(["A", OTHER_GROUP])
    with pytest.raises(ValueError, match="min_cell"):
        merge_small_groups(["A"], min_cell=0)


@pytest.mark.parametrize("seed", range(50))
def test_no_group_shown_is_smaller_than_min_cell(seed: int) -> None:
    rng = random.Random(seed)
    min_cell = rng.randint(2, 6)
    groups = [rng.choice("ABCDEFG") for _ in range(rng.randint(min_cell, 40))]
    if rng.random() < 0.3:
        groups += [None] * rng.randint(1, 3)

    merge = merge_small_groups(groups, min_cell)

    sizes = Counter(merge.labels)
    assert min(sizes.values()) >= min_cell
    assert sum(sizes.values()) == len(groups)  # nothing dropped


def test_order_groups_follows_the_natural_order_then_sorts_the_rest() -> None:
    present = {"50plus", "under30", "30to39", "zz", OTHER_GROUP, UNKNOWN_GROUP, "aa"}

    shown = order_groups(present, ["under30", "30to39", "40to49", "50plus"])

    assert shown == ("under30", "30to39", "50plus", "aa", "zz", UNKNOWN_GROUP, OTHER_GROUP)


def test_responses_by_school() -> None:
    schools = ["城关小学"] * 4 + ["河口小学"] * 3 + ["山顶小学"] * 1 + ["岭下小学"] * 2

    counts = responses_by_group(schools)

    assert [(c.group, c.count) for c in counts.groups] == [
        ("城关小学", 4),
        ("河口小学", 3),
        (OTHER_GROUP, 3),
    ]
    assert counts.total == 10
    assert counts.merged == tuple(sorted(["山顶小学", "岭下小学"]))
