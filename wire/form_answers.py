"""A teacher's answers against a form (:mod:`wire.forms`): what is shown, what is
acceptable, and a quiz's score. :class:`wire.forms.FormSpec`'s methods are the way in.

Messages for the teacher are in Chinese or English (:data:`MESSAGES`); an author's own
``required_message`` or ``constraint_message`` wins when it has the language (or the form's
default language).
"""

from __future__ import annotations

import math
from datetime import date
from typing import TYPE_CHECKING

from wire.expression_eval import AnswerInput, Context, evaluate_bool
from wire.expressions import parse
from wire.form_checks import value_problem
from wire.forms import (
    QuestionResult,
    QuestionType,
    QuizScore,
    is_empty,
    normalise_text,
    pick_text,
)

if TYPE_CHECKING:
    from wire.forms import Answers, AnswerValue, FormSpec, Question

MESSAGES: dict[str, dict[str, str]] = {
    "required": {"zh": "这道题必须回答。", "en": "This question needs an answer."},
    "integer": {"zh": "请填写一个整数。", "en": "Please enter a whole number."},
    "decimal": {"zh": "请填写一个数字。", "en": "Please enter a number."},
    "date": {"zh": "请选择一个日期。", "en": "Please choose a date."},
    "text": {"zh": "请填写文字。", "en": "Please enter some text."},
    "choice": {"zh": "请从选项中选择。", "en": "Please choose from the options."},
    "constraint": {"zh": "这个答案不符合要求。", "en": "This answer is not allowed."},
}
"""Built-in messages, by kind and language (``zh``, ``en``); other languages get Chinese."""

_TYPE_MESSAGE = {
    QuestionType.INTEGER: "integer",
    QuestionType.DECIMAL: "decimal",
    QuestionType.DATE: "date",
    QuestionType.TEXT: "text",
}


def message(kind: str, language: str) -> str:
    texts = MESSAGES[kind]
    return texts.get(language.split("-")[0].lower(), texts["zh"])


def expression_answers(form: FormSpec, answers: Answers) -> dict[str, AnswerInput]:
    """Answers as expressions read them: a date question's ``YYYY-MM-DD`` becomes a date."""
    out: dict[str, AnswerInput] = {}
    for name, value in answers.items():
        try:
            question_type = form.question(name).type
        except KeyError:
            continue  # an answer to a question this version does not have
        out[name] = _as_date(value) if question_type is QuestionType.DATE else value
    return out


def _as_date(value: AnswerValue | None) -> AnswerInput:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def visible(form: FormSpec, answers: Answers, today: date | None) -> list[Question]:
    """One pass in form order: skip logic reads only earlier questions (see ``form_checks``),
    and what it reads of a hidden question is empty."""
    readable = expression_answers(form, answers)
    seen: dict[str, AnswerInput] = {}
    shown: list[Question] = []
    for page in form.pages:
        if page.relevant is not None and not evaluate_bool(
            parse(page.relevant), Context(seen, today=today)
        ):
            continue
        for question in page.questions:
            if question.relevant is None or evaluate_bool(
                parse(question.relevant), Context(seen, today=today)
            ):
                shown.append(question)
                seen[question.name] = readable.get(question.name)
    return shown


def problem_with(
    form: FormSpec,
    question: Question,
    value: AnswerValue | None,
    answers: Answers,
    language: str,
    today: date | None,
) -> str | None:
    """See :meth:`wire.forms.FormSpec.validate_answer`."""
    if question.type is QuestionType.NOTE:
        return None
    if value is None or is_empty(value):
        if not question.required:
            return None
        return _own(form, question.required_message, language) or message("required", language)
    if value_problem(question, value) is not None:
        kind = _TYPE_MESSAGE.get(question.type, "choice")
        return message(kind, language)
    if question.constraint is None:
        return None
    # What the constraint reads of a hidden question is empty, as for skip logic.
    shown = {q.name: answers.get(q.name) for q in visible(form, answers, today)}
    context = form.expression_context(
        {**shown, question.name: value}, current=question.name, today=today
    )
    if evaluate_bool(parse(question.constraint), context):
        return None
    return _own(form, question.constraint_message, language) or message("constraint", language)


def _own(form: FormSpec, texts: dict[str, str], language: str) -> str:
    return pick_text(texts, language, form.default_language) if texts else ""


def score(form: FormSpec, answers: Answers) -> QuizScore:
    """See :meth:`wire.forms.FormSpec.score`."""
    if form.quiz is None:
        raise ValueError(f"form {form.id} is a survey; only a quiz has a score")
    results: list[QuestionResult] = []
    for question in form.questions:
        if not question.scored:
            continue
        right = is_correct(question, answers.get(question.name))
        results.append(
            QuestionResult(
                name=question.name,
                correct=right,
                points=question.points if right else 0.0,
                max_points=question.points,
                feedback=question.feedback,
            )
        )
    total = sum(r.points for r in results)
    pass_mark = form.quiz.pass_mark
    return QuizScore(
        score=total,
        max_score=form.total_points,
        passed=None if pass_mark is None else total >= pass_mark,
        results=tuple(results),
    )


def is_correct(question: Question, value: AnswerValue | None) -> bool:
    """Whether ``value`` is the correct answer of a scored question (see ``Question``)."""
    if value is None or is_empty(value) or value_problem(question, value) is not None:
        return False
    key = question.correct
    match question.type:
        case QuestionType.SELECT_MULTIPLE:
            return isinstance(value, list) and set(value) == set(key)
        case QuestionType.INTEGER | QuestionType.DECIMAL:
            assert isinstance(value, int | float)
            return math.isclose(float(value), float(key[0]), rel_tol=1e-9, abs_tol=1e-9)
        case QuestionType.TEXT:
            return isinstance(value, str) and normalise_text(value) == normalise_text(key[0])
        case _:
            return value == key[0]
