"""Cross-tabulations and tests of difference, against hand computations and scipy."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import asdict

import pytest
from scipy import stats

from server.analysis import OTHER_GROUP, REASONS, frequency
from server.analysis_compare import compare_numbers, crosstab_choices


def _answers(table: dict[str, dict[str, int]]) -> tuple[list[str | None], list[str | None]]:
    """Responses (values, groups) that tabulate to ``table[group][value]``."""
    values: list[str | None] = []
    groups: list[str | None] = []
    for group, row in table.items():
        for value, count in row.items():
            values += [value] * count
            groups += [group] * count
    return values, groups


def test_chi_square_of_a_2x3_table_by_hand() -> None:
    values, groups = _answers(
        {"male": {"a": 10, "b": 20, "c": 30}, "female": {"a": 20, "b": 20, "c": 20}}
    )

    tab = crosstab_choices(values, groups, ["a", "b", "c"])

    # Row totals 60 / 60, column totals 30 / 40 / 50, n = 120.
    # Expected = 60 * col / 120: 15, 20, 25 in both rows.
    # chi2 = (10-15)²/15 + 0 + (30-25)²/25 + (20-15)²/15 + 0 + (20-25)²/25
    #      = 25/15 + 25/25 + 25/15 + 25/25 = 16/3, df = (2-1)(3-1) = 2.
    # With 2 df the chi-square tail is exp(-x/2): p = exp(-8/3).
    # Cramér's V = sqrt(chi2 / (n * (min(2, 3) - 1))) = sqrt((16/3) / 120) = sqrt(2/45).
    assert tab.groups == ("female", "male")
    assert tab.counts == ((20, 20, 20), (10, 20, 30))
    assert tab.row_percents[1] == pytest.approx((100 / 6, 100 / 3, 50.0))
    assert tab.test.method == "chi2"
    assert tab.test.statistic == pytest.approx(16 / 3)
    assert tab.test.df == 2
    assert tab.test.p_value == pytest.approx(math.exp(-8 / 3))
    assert tab.test.effect == pytest.approx(math.sqrt(2 / 45))
    assert tab.test.effect_name == "cramers_v"
    assert (tab.min_expected, tab.low_expected_cells, tab.test.warning) == (15.0, 0, None)
    reference = stats.chi2_contingency([[20, 20, 20], [10, 20, 30]], correction=False)
    assert tab.test.p_value == pytest.approx(reference.pvalue)


def test_a_2x2_table_with_large_counts_is_chi_square_without_yates_correction() -> None:
    values, groups = _answers({"g1": {"yes": 20, "no": 10}, "g2": {"yes": 10, "no": 20}})

    tab = crosstab_choices(values, groups, ["yes", "no"])

    # Expected 15 everywhere: chi2 = 4 * (5² / 15) = 20/3; with 1 df, p = erfc(sqrt(chi2 / 2)).
    assert tab.test.method == "chi2"
    assert tab.test.statistic == pytest.approx(20 / 3)
    assert tab.test.p_value == pytest.approx(math.erfc(math.sqrt(10 / 3)))
    yates = stats.chi2_contingency([[20, 10], [10, 20]], correction=True)
    assert tab.test.p_value != pytest.approx(yates.pvalue)  # the correction is not applied


def test_a_2x2_table_with_small_expected_counts_uses_fishers_exact_test() -> None:
    values, groups = _answers({"g1": {"yes": 1, "no": 3}, "g2": {"yes": 3, "no": 1}})

    tab = crosstab_choices(values, groups, ["yes", "no"])

    # Margins 4/4 and 4/4 of 8: P(g1 has x "yes") = C(4,x) C(4,4-x) / C(8,4), over 70:
    # x = 0..4 -> 1, 16, 36, 16, 1. Observed x = 1 (16/70); tables as or less likely:
    # 1 + 16 + 16 + 1 = 34 -> p = 34/70. Expected counts are all 2, so chi2 = 4 * 1/2 = 2.
    assert tab.test.method == "fisher_exact"
    assert tab.test.p_value == pytest.approx(34 / 70)
    assert tab.test.statistic == pytest.approx(2.0)
    assert tab.test.effect == pytest.approx(0.5)  # sqrt(2 / 8)
    assert (tab.min_expected, tab.low_expected_cells) == (2.0, 4)


def test_a_larger_table_with_small_expected_counts_is_flagged() -> None:
    values, groups = _answers(
        {"g1": {"a": 6, "b": 1, "c": 1}, "g2": {"a": 1, "b": 3, "c": 4}, "g3": {"a": 3, "b": 3}}
    )

    tab = crosstab_choices(values, groups, ["a", "b", "c"])

    # Column totals 10 / 7 / 5 of 22; rows 8, 8, 6. Expected for a: 80/22 = 3.6 (rows 1, 2),
    # 60/22 = 2.7; b: 56/22, 56/22, 42/22; c: 40/22, 40/22, 30/22 -> all 9 cells below 5.
    assert tab.test.method == "chi2"
    assert tab.test.warning == "low_expected"
    assert tab.low_expected_cells == 9
    assert tab.min_expected == pytest.approx(30 / 22)
    assert REASONS["low_expected"]


def test_a_choice_nobody_picked_is_shown_but_left_out_of_the_test() -> None:
    values, groups = _answers({"g1": {"a": 20, "b": 10}, "g2": {"a": 10, "b": 20}})

    tab = crosstab_choices(values, groups, ["a", "b", "c"])

    assert tab.values == ("a", "b", "c")
    assert [row[2] for row in tab.counts] == [0, 0]
    assert tab.test.df == 1  # a 2x2 test, not 2x3 with an empty column
    assert tab.test.statistic == pytest.approx(20 / 3)


def test_missing_answers_are_counted_and_not_tabulated() -> None:
    values = ["a", None, "b", "a", None, "b", "a", "b"]
    groups = ["g1", "g1", "g1", "g1", "g2", "g2", "g2", "g2"]

    tab = crosstab_choices(values, groups, ["a", "b"])

    assert (tab.n, tab.missing) == (6, 2)
    assert tab.counts == ((2, 1), (1, 2))


@pytest.mark.parametrize(
    ("values", "groups", "reason"),
    [
        ([], [], "no_data"),
        ([None, None], ["g1", "g2"], "no_data"),
        (["a", "b", "a", "b"], ["g1"] * 4, "one_group"),
        (["a"] * 6, ["g1"] * 3 + ["g2"] * 3, "one_answer"),
    ],
)
def test_a_crosstab_without_a_test_says_why(
    values: list[str | None], groups: list[str | None], reason: str
) -> None:
    tab = crosstab_choices(values, groups, ["a", "b"])

    assert tab.test.p_value is None
    assert tab.test.method is None
    assert tab.test.reason == reason
    assert reason in REASONS
    json.dumps(asdict(tab), allow_nan=False)


def test_a_crosstab_never_shows_a_small_group_and_drops_no_answer() -> None:
    values, groups = _answers(
        {"school A": {"a": 5, "b": 5}, "school B": {"a": 4, "b": 4}, "school C": {"b": 1}}
    )

    tab = crosstab_choices(values, groups, ["a", "b"])

    # school C's one teacher would be identifiable: pooled with school B, the smallest left.
    assert tab.groups == ("school A", OTHER_GROUP)
    assert tab.merged == ("school B", "school C")
    assert min(sum(row) for row in tab.counts) >= 3
    overall = frequency(values, ["a", "b"])
    assert [sum(col) for col in zip(*tab.counts, strict=True)] == [r.count for r in overall.rows]


def test_crosstab_refuses_lists_of_different_lengths() -> None:
    with pytest.raises(ValueError, match="group labels"):
        crosstab_choices(["a", "b"], ["g1"], ["a", "b"])


def test_welch_t_test_by_hand_with_two_degrees_of_freedom() -> None:
    # a = 1, 3 (mean 2, s² 2); b = 5, 7 (mean 6, s² 2). se = sqrt(2/2 + 2/2) = sqrt(2),
    # t = (2 - 6) / sqrt(2) = -2 sqrt(2). Welch df = (1 + 1)² / (1²/1 + 1²/1) = 2.
    # With 2 df, the two-sided p is 1 - |t| / sqrt(2 + t²) = 1 - sqrt(8) / sqrt(10).
    # Cohen's d: pooled SD sqrt(2), d = -4 / sqrt(2) = -2 sqrt(2).
    comparison = compare_numbers([1, 3, 5, 7], ["a", "a", "b", "b"], min_cell=2)

    test = comparison.test
    assert test.method == "welch_t"
    assert test.statistic == pytest.approx(-2 * math.sqrt(2))
    assert test.df == pytest.approx(2.0)
    assert test.p_value == pytest.approx(1 - math.sqrt(8) / math.sqrt(10))
    assert test.effect == pytest.approx(-2 * math.sqrt(2))
    assert test.effect_name == "cohens_d"


def test_welch_t_test_with_unequal_groups_against_the_formula_and_scipy() -> None:
    a = [1.0, 2.0, 3.0, 4.0, 5.0]  # mean 3, s² = 10/4 = 2.5
    b = [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]  # mean 7, s² = 70/5 = 14

    comparison = compare_numbers(a + b, ["a"] * 5 + ["b"] * 6)

    va, vb = 2.5 / 5, 14 / 6  # s²/n
    t = (3 - 7) / math.sqrt(va + vb)  # -2.3764
    df = (va + vb) ** 2 / (va**2 / 4 + vb**2 / 5)  # 6.9722
    pooled_sd = math.sqrt((4 * 2.5 + 5 * 14) / 9)
    assert comparison.test.statistic == pytest.approx(t)
    assert comparison.test.df == pytest.approx(df)
    assert comparison.test.p_value == pytest.approx(2 * stats.t.sf(abs(t), df))
    assert comparison.test.p_value == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert comparison.test.effect == pytest.approx(-4 / pooled_sd)
    assert [g.summary.mean for g in comparison.groups] == [3.0, 7.0]


def test_one_way_anova_by_hand() -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9]
    groups = ["under30"] * 3 + ["30to39"] * 3 + ["40to49"] * 3

    comparison = compare_numbers(values, groups, order=["under30", "30to39", "40to49"])

    # Group means 2, 5, 8; grand mean 5. SS between = 3 * (9 + 0 + 9) = 54, SS within = 3 * 2
    # = 6. F = (54 / 2) / (6 / 6) = 27 on (2, 6) df; with 2 numerator df the tail is
    # (1 + 2F/6)^(-6/2) = 10^-3. eta² = 54 / (54 + 6) = 0.9.
    assert [g.group for g in comparison.groups] == ["under30", "30to39", "40to49"]
    test = comparison.test
    assert test.method == "anova"
    assert test.statistic == pytest.approx(27.0)
    assert (test.df, test.df2) == (2.0, 6.0)
    assert test.p_value == pytest.approx(1e-3)
    assert test.effect == pytest.approx(0.9)
    assert test.effect_name == "eta_squared"


def test_anova_with_unequal_groups_matches_scipy() -> None:
    rng = random.Random(6)
    samples = [[rng.gauss(mu, 1.0) for _ in range(n)] for mu, n in ((3, 4), (3.5, 7), (4, 5))]
    values = [x for s in samples for x in s]
    groups = [g for g, s in zip("abc", samples, strict=True) for _ in s]

    test = compare_numbers(values, groups).test

    reference = stats.f_oneway(*samples)
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)


@pytest.mark.parametrize(
    ("values", "groups", "min_cell", "reason"),
    [
        ([], [], 3, "no_data"),
        ([None, float("nan")], ["a", "b"], 3, "no_data"),
        ([1, 2, 3, 4], ["a"] * 4, 3, "one_group"),
        ([1, 2, 3, 4], ["a", "a", "b", "b"], 3, "one_group"),  # both below 3: pooled
        ([4, 4, 4, 4, 4, 4], ["a"] * 3 + ["b"] * 3, 3, "no_variation"),
        ([1, 1, 1, 2, 2, 2], ["a"] * 3 + ["b"] * 3, 3, "no_variation_within_groups"),
        ([1, 2, 3, 5], ["a", "a", "a", "b"], 1, "group_too_small"),
    ],
)
def test_a_comparison_without_a_test_says_why(
    values: list[float | None], groups: list[str | None], min_cell: int, reason: str
) -> None:
    comparison = compare_numbers(values, groups, min_cell=min_cell)

    assert comparison.test.p_value is None
    assert comparison.test.reason == reason
    assert reason in REASONS
    json.dumps(asdict(comparison), allow_nan=False)


def test_missing_numbers_are_left_out_and_counted() -> None:
    values = [1, None, 2, 3, float("nan"), 6, 7, 8]
    groups = ["a", "a", "a", "a", "b", "b", "b", "b"]

    comparison = compare_numbers(values, groups)

    assert comparison.missing == 2
    assert [g.summary.n for g in comparison.groups] == [3, 3]
    assert comparison.overall.n == 6


def test_a_small_group_of_numbers_is_pooled() -> None:
    values = [1, 2, 3, 4, 5, 6, 7, 100]
    groups = ["a", "a", "a", "b", "b", "b", "b", "c"]

    comparison = compare_numbers(values, groups)

    # c's one number (100) must not show as a group mean: c joins a (3, the smallest).
    assert Counter(g.group for g in comparison.groups) == {"b": 1, OTHER_GROUP: 1}
    assert comparison.merged == ("a", "c")
    assert all(g.summary.n >= 3 for g in comparison.groups)
