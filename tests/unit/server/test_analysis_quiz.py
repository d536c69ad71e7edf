"""Quiz score distributions and item statistics, against hand computations and scipy."""

from __future__ import annotations

import json
import math
import random
from dataclasses import asdict

import pytest
from scipy import stats

from server.analysis_quiz import item_difficulty, quiz_scores


def test_whole_number_scores_get_one_bar_per_score() -> None:
    distribution = quiz_scores([5, 3, 4, 5, None, 2, 5], max_points=5, pass_mark=4)

    # 6 scores: 2 -> 1, 3 -> 1, 4 -> 1, 5 -> 3; passed (>= 4): 4 of 6.
    assert [(b.label, b.count) for b in distribution.bins] == [
        ("0", 0),
        ("1", 0),
        ("2", 1),
        ("3", 1),
        ("4", 1),
        ("5", 3),
    ]
    assert distribution.bins[5].percent == 50.0
    assert distribution.passed == 4
    assert distribution.pass_rate == pytest.approx(200 / 3)
    # sorted 2 3 4 5 5 5: mean 24/6 = 4; squared deviations 4+1+0+1+1+1 = 8, SD sqrt(8/5)
    assert distribution.summary.mean == 4.0
    assert distribution.summary.sd == pytest.approx(math.sqrt(8 / 5))
    assert distribution.summary.missing == 1


def test_a_hundred_point_quiz_gets_ten_bars_closed_on_the_left() -> None:
    distribution = quiz_scores([0, 9.5, 10, 59.5, 60, 99, 100], max_points=100, pass_mark=60)

    counts = {b.label: b.count for b in distribution.bins}
    # 0 and 9.5 in 0-10; 10 starts 10-20; 60 starts 60-70; 99 and the full 100 in 90-100.
    assert counts == {
        "0–10": 2,
        "10–20": 1,
        "20–30": 0,
        "30–40": 0,
        "40–50": 0,
        "50–60": 1,
        "60–70": 1,
        "70–80": 0,
        "80–90": 0,
        "90–100": 2,
    }
    assert distribution.passed == 3
    assert distribution.bins[-1].high == 100.0


def test_a_score_on_a_floating_point_boundary_lands_in_the_upper_bar() -> None:
    # 0.9 // 0.3 is 2.0 in binary floating point; 0.9 of 3 points is bar 3 (0.9-1.2).
    distribution = quiz_scores([0.9], max_points=3, bins=10)

    assert [b.count for b in distribution.bins].index(1) == 3


def test_no_scores_and_no_pass_mark() -> None:
    distribution = quiz_scores([None, None], max_points=10)

    assert all(b.count == 0 and b.percent is None for b in distribution.bins)
    assert (distribution.passed, distribution.pass_rate, distribution.summary.n) == (0, None, 0)
    json.dumps(asdict(distribution), allow_nan=False)


@pytest.mark.parametrize(
    ("scores", "max_points", "pass_mark"),
    [([11], 10, None), ([-1], 10, None), ([5], 10, 12), ([5], 0, None)],
)
def test_impossible_scores_are_refused(
    scores: list[float], max_points: float, pass_mark: float | None
) -> None:
    with pytest.raises(ValueError):
        quiz_scores(scores, max_points, pass_mark)


MATRIX = [
    [1, 1, 0],
    [1, 0, 0],
    [0, 1, 1],
    [1, 1, 1],
]


def test_difficulty_and_discrimination_by_hand() -> None:
    first, second, third = item_difficulty(MATRIX, ["q1", "q2", "q3"])

    # q1: right 3 of 4 -> p = 0.75. Rest scores (q2 + q3): 1, 0, 2, 2; x = 1, 1, 0, 1.
    # Deviations x: .25 .25 -.75 .25; rest (mean 1.25): -.25 -1.25 .75 .75.
    # Sxy = -.0625 - .3125 - .5625 + .1875 = -.75; Sxx = .75; Syy = .0625 + 1.5625 + .5625
    # + .5625 = 2.75; r = -.75 / sqrt(.75 * 2.75) = -0.5222.
    assert (first.item, first.n, first.difficulty) == ("q1", 4, 0.75)
    assert first.discrimination == pytest.approx(-0.75 / math.sqrt(0.75 * 2.75))
    # q2: p = 0.75; rest (q1 + q3): 1, 1, 1, 2; x = 1, 0, 1, 1.
    # Deviations x: .25 -.75 .25 .25; rest (mean 1.25): -.25 -.25 -.25 .75.
    # Sxy = -.0625 + .1875 - .0625 + .1875 = .25; Sxx = .75; Syy = 3 * .0625 + .5625 = .75.
    assert second.difficulty == 0.75
    assert second.discrimination == pytest.approx(0.25 / 0.75)
    # q3: p = 0.5; rest (q1 + q2): 2, 1, 1, 2; x = 0, 0, 1, 1 -> Sxy = 0, r = 0.
    assert third.difficulty == 0.5
    assert third.discrimination == pytest.approx(0.0)


def test_discrimination_matches_scipys_point_biserial_with_the_rest_score() -> None:
    rng = random.Random(6)
    ability = [rng.gauss(0, 1) for _ in range(40)]
    matrix = [[rng.gauss(a, 1) > cut for cut in (-1, 0, 0.5, 1)] for a in ability]

    items = item_difficulty(matrix)

    for k, item in enumerate(items):
        xs = [row[k] for row in matrix]
        rest = [sum(row) - row[k] for row in matrix]
        assert item.item == str(k + 1)
        assert item.difficulty == pytest.approx(sum(xs) / 40)
        assert item.discrimination == pytest.approx(stats.pointbiserialr(xs, rest).statistic)


def test_partial_credit_and_questions_not_put_to_everyone() -> None:
    matrix = [[1, None], [0.5, 1], [0, 0]]

    first, second = item_difficulty(matrix)

    assert (first.n, first.difficulty) == (3, 0.5)  # (1 + 0.5 + 0) / 3
    assert (second.n, second.difficulty) == (2, 0.5)  # the first respondent did not see q2
    # q2 against the rest score (q1): x = 1, 0 and rest = 0.5, 0: two points on a rising line.
    assert second.discrimination == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("matrix", "reason"),
    [
        ([[1, 1], [1, 0], [1, 1]], "all_same_score"),  # everyone got q1 right
        ([[1], [0], [1]], "rest_constant"),  # a one-question quiz has no rest score
        ([[1, 1]], "too_few"),
        ([[None, 1], [None, 0]], "no_data"),
    ],
)
def test_undefined_discrimination_says_why(matrix: list[list[float | None]], reason: str) -> None:
    first = item_difficulty(matrix)[0]

    assert first.discrimination is None
    assert first.reason == reason


def test_a_ragged_matrix_and_shares_outside_zero_to_one_are_refused() -> None:
    with pytest.raises(ValueError, match="respondent 2"):
        item_difficulty([[1, 0], [1]])
    with pytest.raises(ValueError, match="outside"):
        item_difficulty([[2, 0]])
    with pytest.raises(ValueError, match="respondent 1"):
        item_difficulty([[1]], ["q1", "q2"])


def test_an_empty_quiz_has_no_items() -> None:
    assert item_difficulty([]) == []
    assert item_difficulty([], ["q1"])[0].reason == "no_data"
