"""Answers against a form: what the runner validates and how a quiz is scored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from form_helpers import ABC, SKIP_LOGIC, make, page, q, quiz

from wire.forms import FeedbackTiming, FormMode, FormSpec, normalise_text

# --- validating answers -----------------------------------------------------------------------

MESSAGES = make(
    page(
        q(
            "age",
            "integer",
            required=True,
            required_message={"zh": "请填年龄", "en": "Age, please"},
            constraint=". >= 18 and . <= 65",
            constraint_message={"zh": "18 到 65 岁"},
        ),
        q("start", "integer"),
        q("end", "integer", constraint=". >= ${start}"),
        q("score", "decimal"),
        q("born", "date", constraint=". <= today()"),
        q("pick", "select_one"),
        q("many", "select_multiple", choices=ABC, constraint="count-selected(.) <= 2"),
        q("words", required=True),
        q("info", "note"),
    )
)


def problem(name: str, value: Any, language: str = "zh", **answers: Any) -> str | None:
    return MESSAGES.validate_answer(name, value, answers, language, today=date(2024, 5, 11))


@pytest.mark.parametrize(
    ("name", "value", "language", "expected"),
    [
        ("age", None, "zh", "请填年龄"),
        ("age", None, "en", "Age, please"),
        ("age", None, "zh-CN", "请填年龄"),
        ("age", None, "fr", "请填年龄"),  # no French: the form's default language
        ("age", 70, "zh", "18 到 65 岁"),
        ("age", 70, "en", "18 到 65 岁"),  # the author wrote it in Chinese only
        ("age", 30, "zh", None),
        ("age", "30", "zh", "请填写一个整数。"),
        ("age", True, "en", "Please enter a whole number."),
        ("age", 30.0, "zh", "请填写一个整数。"),
        ("start", None, "zh", None),  # optional and empty: no constraint is checked
        ("score", 2, "zh", None),
        ("score", 2.5, "zh", None),
        ("score", float("nan"), "en", "Please enter a number."),
        ("score", "2.5", "en", "Please enter a number."),
        ("born", "2024-05-11", "zh", None),
        ("born", "2024-05-12", "zh", "这个答案不符合要求。"),
        ("born", "2024-13-01", "en", "Please choose a date."),
        ("born", "11/05/2024", "en", "Please choose a date."),
        ("pick", "yes", "zh", None),
        ("pick", "maybe", "en", "Please choose from the options."),
        ("pick", ["yes"], "en", "Please choose from the options."),
        ("many", ["a", "b"], "zh", None),
        ("many", ["a", "b", "c"], "en", "This answer is not allowed."),
        ("many", ["a", "a"], "en", "Please choose from the options."),
        ("many", ["z"], "en", "Please choose from the options."),
        ("many", [], "en", None),
        ("words", "   ", "en", "This question needs an answer."),
        ("words", "", "zh", "这道题必须回答。"),
        ("words", "好", "zh", None),
        ("words", 5, "en", "Please enter some text."),
        ("info", None, "zh", None),
    ],
)
def test_validate_answer(name: str, value: Any, language: str, expected: str | None) -> None:
    assert problem(name, value, language) == expected


def test_a_constraint_reads_the_other_answers() -> None:
    assert problem("end", 3, start=5) == "这个答案不符合要求。"
    assert problem("end", 7, start=5) is None


def test_a_constraint_reads_a_hidden_answer_as_empty() -> None:
    form = make(
        page(q("trained", "select_one")),
        page(q("hours", "integer", relevant="${trained} = 'yes'")),
        page(q("days", "integer", constraint="${hours} = '' or . <= ${hours}")),
    )
    stale = {"trained": "no", "hours": 5}
    assert form.validate_answer("days", 10, stale, "en") is None
    shown = {"trained": "yes", "hours": 5}
    assert form.validate_answer("days", 10, shown, "en") == "This answer is not allowed."


def test_validate_response_checks_only_what_is_shown() -> None:
    problems = SKIP_LOGIC.validate_response({"trained": "no"}, "en")
    assert problems == {}
    problems = SKIP_LOGIC.validate_response({"trained": "yes", "hours": 900}, "en")
    assert problems == {"hours": "This answer is not allowed."}
    problems = SKIP_LOGIC.validate_response({}, "zh")
    assert problems == {"trained": "这道题必须回答。"}


# --- quiz scores ------------------------------------------------------------------------------

QUIZ = FormSpec.model_validate(
    quiz(
        page(q("intro", "note")),
        page(q("one", "select_one", choices=ABC, correct=["b"], points=2, feedback={"zh": "选 B"})),
        page(q("many", "select_multiple", choices=ABC, correct=["a", "c"], points=3)),
        page(q("kb", "integer", correct=["1024"], points=1)),
        page(q("pi", "decimal", correct=["3.14"], points=1)),
        page(q("word", correct=["Ｗｉ-Fi  网络"], points=1)),
        page(q("day", "date", correct=["2024-09-10"], points=1)),
        page(q("free")),
        pass_mark=6,
        attempts=3,
        show_feedback="after_each",
    )
)
ALL_RIGHT = {
    "one": "b",
    "many": ["c", "a"],
    "kb": 1024,
    "pi": 3.14,
    "word": " wi-fi 网络 ",
    "day": "2024-09-10",
    "free": "anything",
}


def test_all_right_scores_every_point() -> None:
    score = QUIZ.score(ALL_RIGHT)
    assert (score.score, score.max_score, score.passed) == (9.0, 9.0, True)
    assert [r.name for r in score.results] == ["one", "many", "kb", "pi", "word", "day"]
    assert score.results[0].feedback == {"zh": "选 B"}
    assert QUIZ.quiz is not None
    assert QUIZ.quiz.show_feedback is FeedbackTiming.AFTER_EACH
    assert QUIZ.quiz.attempts == 3
    assert QUIZ.mode is FormMode.QUIZ


@pytest.mark.parametrize(
    ("name", "wrong"),
    [
        ("one", "a"),
        ("many", ["a"]),  # a multiple choice scores only when exactly right
        ("many", ["a", "b", "c"]),
        ("kb", 1000),
        ("kb", "1024"),
        ("pi", 3.1),
        ("word", "wifi 网络"),
        ("day", "2024-09-11"),
        ("one", None),
    ],
)
def test_a_wrong_answer_scores_nothing(name: str, wrong: Any) -> None:
    score = QUIZ.score({**ALL_RIGHT, name: wrong})
    result = next(r for r in score.results if r.name == name)
    assert not result.correct
    assert result.points == 0
    assert score.score == 9 - result.max_points


def test_the_pass_mark_is_reached_or_not() -> None:
    just = QUIZ.score({**ALL_RIGHT, "many": [], "pi": None})  # 9 - 3 - 1 = 5
    assert (just.score, just.passed) == (5.0, False)
    exactly = QUIZ.score({**ALL_RIGHT, "many": []})  # 6 = the pass mark
    assert (exactly.score, exactly.passed) == (6.0, True)


def test_without_a_pass_mark_there_is_no_pass_or_fail() -> None:
    form = FormSpec.model_validate(quiz(page(q("one", "select_one", correct=["yes"], points=1))))
    assert form.score({"one": "yes"}).passed is None


def test_a_survey_has_no_score() -> None:
    with pytest.raises(ValueError, match="survey"):
        SKIP_LOGIC.score({})


def test_quiz_text_is_compared_loosely() -> None:
    assert normalise_text("  ＡＢＣ  ｄｅｆ ") == "abc def"
