"""The rules every form definition keeps, wherever it comes from, and where a broken one
is refused (the question or group, and the field)."""

from __future__ import annotations

from typing import Any

import pytest
from form_helpers import ABC, form_data, make, page, q, quiz, refused
from pydantic import ValidationError

from wire.forms import FormSpec

# --- definitions that break a rule ------------------------------------------------------------

BROKEN = [
    # names
    ("name twice", form_data(page(q("a")), page(q("a"))), "a", "name", "used twice"),
    ("group named like a question", form_data(page(q("a"), name="a")), "a", "name", "twice"),
    # expressions
    (
        "relevant does not parse",
        form_data(page(q("a")), page(q("b", relevant="${a} = "))),
        "b",
        "relevant",
        "does not parse: expected a value",
    ),
    (
        "relevant names an unknown question",
        form_data(page(q("a", relevant="${x} = 1"))),
        "a",
        "relevant",
        "${x} is not a question of this form",
    ),
    (
        "relevant names a group",
        form_data(page(q("a"), name="g"), page(q("b", relevant="${g} = 1"))),
        "b",
        "relevant",
        "is a group",
    ),
    (
        "relevant looks at a later question",
        form_data(page(q("a", relevant="${b} = 1")), page(q("b"))),
        "a",
        "relevant",
        "${b} comes later in the form",
    ),
    (
        "relevant on itself",
        form_data(page(q("a", relevant="${a} = 1"))),
        "a",
        "relevant",
        "round in a circle: a → a",
    ),
    (
        "relevance loop",
        form_data(page(q("a", relevant="${b} = 1")), page(q("b", relevant="${a} = 1"))),
        "a",
        "relevant",
        "round in a circle: a → b → a",
    ),
    (
        "relevance loop through a page",
        form_data(page(q("a", relevant="${b} = 1")), page(q("b"), name="p", relevant="${a} = 1")),
        "a",
        "relevant",
        "a → b → p → a",
    ),
    (
        "page relevant on its own question",
        form_data(page(q("a"), name="p", relevant="${a} = 1")),
        "p",
        "relevant",
        "round in a circle",
    ),
    (
        "dot in relevant",
        form_data(page(q("a", relevant=". = 1"))),
        "a",
        "relevant",
        "depend on itself",
    ),
    (
        "constraint looks at a later question",
        form_data(page(q("a", constraint=". < ${b}"), q("b"))),
        "a",
        "constraint",
        "comes later",
    ),
    (
        "constraint does not parse",
        form_data(page(q("a", constraint="..."))),
        "a",
        "constraint",
        "paths",
    ),
    # choices, appearance, notes, defaults
    ("choices on text", form_data(page(q("a", choices=ABC))), "a", "choices", "no choices"),
    (
        "select without choices",
        form_data(page(q("a", "select_one", choices=[]))),
        "a",
        "choices",
        "needs choices",
    ),
    (
        "choice twice",
        form_data(page(q("a", "select_one", choices=ABC + ABC[:1]))),
        "a",
        "choices",
        '"a" is listed twice',
    ),
    (
        "one-point rating",
        form_data(page(q("a", "rating", choices=ABC[:1]))),
        "a",
        "choices",
        "two points",
    ),
    (
        "likert on multiple",
        form_data(page(q("a", "select_multiple", appearance="likert"))),
        "a",
        "appearance",
        '"likert" is not an appearance',
    ),
    (
        "unknown appearance",
        form_data(page(q("a", appearance="numbers"))),
        "a",
        "appearance",
        "(these are: multiline)",
    ),
    (
        "required note",
        form_data(page(q("a", "note", required=True))),
        "a",
        "required",
        "takes no answer",
    ),
    (
        "default not a choice",
        form_data(page(q("a", "select_one", default="maybe"))),
        "a",
        "default",
        '"maybe" is not one of the choices (yes, no)',
    ),
    (
        "default of the wrong type",
        form_data(page(q("a", "integer", default="x"))),
        "a",
        "default",
        "not a whole number",
    ),
    (
        "default date",
        form_data(page(q("a", "date", default="2024-02-30"))),
        "a",
        "default",
        "YYYY-MM-DD",
    ),
    # languages
    (
        "default language not listed",
        form_data(page(q("a")), default_language="fr"),
        None,
        "default_language",
        "not one of the languages",
    ),
    (
        "label without the default language",
        form_data(page(q("a", label={"en": "A"}))),
        "a",
        "label",
        "missing in the default language (zh)",
    ),
    (
        "hint in an unlisted language",
        form_data(page(q("a", hint={"fr": "?"}))),
        "a",
        "hint",
        '"fr" is not one of',
    ),
    (
        "title without the default language",
        form_data(page(q("a")), title={"en": "T"}),
        None,
        "title",
        "missing in the default language",
    ),
    (
        "choice label without the default language",
        form_data(
            page(
                q(
                    "a",
                    "select_one",
                    choices=[
                        {"name": "x", "label": {"en": "X"}},
                        {"name": "y", "label": {"zh": "Y"}},
                    ],
                )
            )
        ),
        "a",
        "choices",
        "missing in the default language",
    ),
    # scoring
    (
        "points without an answer",
        quiz(page(q("a", points=1))),
        "a",
        "correct",
        "points needs a correct answer",
    ),
    (
        "answer without points",
        quiz(page(q("a", "select_one", correct=["yes"]))),
        "a",
        "points",
        "needs points",
    ),
    (
        "answer not a choice",
        quiz(page(q("a", "select_one", correct=["maybe"], points=1))),
        "a",
        "correct",
        '"maybe" is not one of the choices',
    ),
    (
        "two answers to a single choice",
        quiz(page(q("a", "select_one", correct=["yes", "no"], points=1))),
        "a",
        "correct",
        "exactly one",
    ),
    (
        "answer to a rating",
        quiz(page(q("a", "rating", correct=["yes"], points=1))),
        "a",
        "correct",
        "rating question cannot have a correct answer",
    ),
    (
        "answer to a note",
        quiz(page(q("a", "note", correct=["x"], points=1))),
        "a",
        "correct",
        "takes no answer",
    ),
    (
        "integer answer not a number",
        quiz(page(q("a", "integer", correct=["ten"], points=1))),
        "a",
        "correct",
        "not a whole number",
    ),
    # modes
    (
        "survey with answers",
        form_data(page(q("a", "select_one", correct=["yes"], points=1))),
        "a",
        "correct",
        "only a quiz",
    ),
    (
        "survey with quiz settings",
        form_data(page(q("a")), quiz={}),
        None,
        "quiz",
        "no quiz settings",
    ),
    (
        "quiz without settings",
        form_data(page(q("a", correct=["x"], points=1)), mode="quiz"),
        None,
        "quiz",
        "needs its settings",
    ),
    (
        "quiz without scored questions",
        quiz(page(q("a"))),
        None,
        "mode",
        "at least one scored question",
    ),
    (
        "anonymous quiz",
        {**quiz(page(q("a", correct=["x"], points=1))), "anonymous": True},
        None,
        "anonymous",
        "cannot be anonymous",
    ),
    (
        "pass mark above the points",
        quiz(page(q("a", correct=["x"], points=2)), pass_mark=3),
        None,
        "pass_mark",
        "the pass mark (3) is more than the quiz's 2 points",
    ),
    (
        "scored question with skip logic",
        quiz(page(q("a")), page(q("b", correct=["x"], points=1, relevant="${a} = 'y'"))),
        "b",
        "relevant",
        "cannot be skipped",
    ),
    (
        "scored question on a skipped page",
        quiz(page(q("a")), page(q("b", correct=["x"], points=1), name="p", relevant="${a} = 'y'")),
        "p",
        "relevant",
        "cannot be skipped",
    ),
]


@pytest.mark.parametrize(
    ("data", "where", "field", "words"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN]
)
def test_a_broken_definition_is_refused_saying_where(
    data: dict[str, Any], where: str | None, field: str, words: str
) -> None:
    error = refused(data)
    assert (error.where, error.field) == (where, field)
    assert words in error.problem


def test_a_constraint_may_name_its_own_question() -> None:
    form = make(page(q("a", "integer", constraint="${a} > 0 and . < 10")))
    assert form.validate_answer("a", 5, {}, "zh") is None
    assert form.validate_answer("a", 0, {}, "zh") is not None


@pytest.mark.parametrize(
    "data",
    [
        quiz(page(q("a", correct=["x"], points=float("inf")))),
        quiz(page(q("a", correct=["x"], points=float("nan")))),
        quiz(page(q("a", correct=["x"], points=1)), pass_mark=float("nan")),
        form_data(page(q("a b"))),
        form_data(page(q("a", "select_one", choices=[{"name": "x y", "label": {"zh": "?"}}]))),
    ],
    ids=["infinite points", "NaN points", "NaN pass mark", "space in a name", "space in a choice"],
)
def test_values_pydantic_refuses(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FormSpec.model_validate(data)


def test_names_may_be_chinese() -> None:
    form = make(page(q("年龄", "integer")), page(q("备注", relevant="${年龄} > 30")))
    assert [x.name for x in form.visible_questions({"年龄": 40})] == ["年龄", "备注"]
