"""The rules a form definition (:mod:`wire.forms`) must keep, checked whenever one is built.

Each broken rule raises :class:`wire.forms.FormDefinitionError` naming the question (or group)
and the field, which :mod:`server.xlsform` turns into a sheet, row and column.

Per question (:func:`check_question`): choices exactly for choice types, unique choice names,
at least two points on a rating scale, appearances the type knows, expressions that parse,
nothing but a label on a note, a default of the right type, and a correct answer that fits the
question and comes with points (and points only with a correct answer).

Per form (:func:`check_form`): unique names; texts only in the form's languages, and labels
and the title in its default language; expressions that only name questions of the form;
no skip logic going round in a circle; ``relevant`` reading only earlier questions and a
``constraint`` only earlier questions and its own; and the quiz rules: a quiz has scored
questions, settings, a pass mark no higher than its points, is never anonymous, and no scored
question can be skipped (every teacher answers the same scored questions, so scores compare);
a survey has no correct answers.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import TYPE_CHECKING

from wire.expressions import ExpressionSyntaxError, find_cycle, parse, references, uses_current
from wire.forms import (
    APPEARANCES,
    CHOICE_TYPES,
    FORM_FORMAT,
    SCORABLE_TYPES,
    FormDefinitionError,
    FormMode,
    QuestionType,
)

if TYPE_CHECKING:
    from wire.forms import AnswerValue, FormSpec, LocalText, Question


def check_question(q: Question) -> None:
    def fail(field: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(q.name, field, problem)

    if q.type in CHOICE_TYPES and not q.choices:
        raise fail("choices", "a choice question needs choices")
    if q.type not in CHOICE_TYPES and q.choices:
        raise fail("choices", f"a {q.type.value} question has no choices")
    names = [c.name for c in q.choices]
    for name in names:
        if names.count(name) > 1:
            raise fail("choices", f'choice "{name}" is listed twice')
    if q.type is QuestionType.RATING and len(q.choices) < 2:
        raise fail("choices", "a rating scale needs at least two points")
    if q.appearance is not None:
        allowed = APPEARANCES.get(q.type, frozenset())
        for word in q.appearance.split():
            if word not in allowed:
                known = ", ".join(sorted(allowed)) or "none"
                raise fail(
                    "appearance",
                    f'"{word}" is not an appearance Lamplight shows for {q.type.value} '
                    f"questions (these are: {known})",
                )
    for field in ("relevant", "constraint"):
        text = getattr(q, field)
        if text is not None:
            try:
                parse(text)
            except ExpressionSyntaxError as exc:
                raise fail(field, f"does not parse: {exc}") from None
    if q.type is QuestionType.NOTE:
        for field in ("required", "constraint", "default", "correct"):
            if getattr(q, field):
                raise fail(field, "a note takes no answer")
    if q.default is not None:
        problem = value_problem(q, q.default)
        if problem:
            raise fail("default", problem)
    _check_scoring(q)


def _check_scoring(q: Question) -> None:
    def fail(field: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(q.name, field, problem)

    if q.correct and q.type not in SCORABLE_TYPES:
        raise fail("correct", f"a {q.type.value} question cannot have a correct answer")
    if q.correct and q.points <= 0:
        raise fail("points", "a question with a correct answer needs points")
    if q.points > 0 and not q.correct:
        raise fail("correct", "a question with points needs a correct answer")
    if not q.correct:
        return
    if q.type is QuestionType.SELECT_MULTIPLE:
        given: AnswerValue = list(q.correct)
    elif len(q.correct) != 1:
        raise fail("correct", "needs exactly one correct answer")
    else:
        given = _typed(q, q.correct[0])
    problem = value_problem(q, given)
    if problem:
        raise fail("correct", problem)


def _typed(q: Question, text: str) -> AnswerValue:
    """A correct answer written as text, as the answer it stands for."""
    if q.type is QuestionType.INTEGER:
        try:
            return int(text)
        except ValueError:
            return text
    if q.type is QuestionType.DECIMAL:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def value_problem(q: Question, value: AnswerValue) -> str | None:
    """Why ``value`` is not an answer of ``q``'s type and choices (in English), or ``None``.

    Shared by the definition checks (defaults, correct answers) and by the runner's checks,
    which show the teacher their own message instead (see :mod:`wire.form_answers`).
    """
    match q.type:
        case QuestionType.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                return f"{value!r} is not a whole number"
        case QuestionType.DECIMAL:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return f"{value!r} is not a number"
            if isinstance(value, float) and not math.isfinite(value):
                return f"{value!r} is not a number"
        case QuestionType.DATE:
            if not isinstance(value, str) or not _is_iso_date(value):
                return f"{value!r} is not a date written as YYYY-MM-DD"
        case QuestionType.SELECT_MULTIPLE:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return f"{value!r} is not a list of choices"
            for name in value:
                if q.choice(name) is None:
                    return f'"{name}" is not one of the choices ({_names(q)})'
            if len(set(value)) != len(value):
                return "a choice is given twice"
        case QuestionType.SELECT_ONE | QuestionType.RATING:
            if not isinstance(value, str):
                return f"{value!r} is not a choice"
            if q.choice(value) is None:
                return f'"{value}" is not one of the choices ({_names(q)})'
        case QuestionType.TEXT:
            if not isinstance(value, str):
                return f"{value!r} is not text"
        case QuestionType.NOTE:
            return "a note takes no answer"
    return None


def _names(q: Question) -> str:
    return ", ".join(c.name for c in q.choices)


def _is_iso_date(text: str) -> bool:
    if len(text) != 10:
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


# --- the whole form ---------------------------------------------------------------------------


def check_form(form: FormSpec) -> None:
    if form.format > FORM_FORMAT:
        raise FormDefinitionError(
            None,
            "format",
            f"made for a newer Lamplight (form format {form.format}; this one reads "
            f"{FORM_FORMAT}): update Lamplight",
        )
    _check_languages(form)
    order: dict[str, int] = {}  # question name -> position in the form
    groups: set[str] = set()
    for page in form.pages:
        if page.name is not None:
            if page.name in groups or page.name in order:
                raise FormDefinitionError(page.name, "name", f'"{page.name}" is used twice')
            groups.add(page.name)
        for q in page.questions:
            if q.name in order or q.name in groups:
                raise FormDefinitionError(q.name, "name", f'"{q.name}" is used twice')
            order[q.name] = len(order)
    _check_expressions(form, order, groups)
    _check_mode(form)


def _check_languages(form: FormSpec) -> None:
    languages = form.languages
    if len(set(languages)) != len(languages):
        raise FormDefinitionError(None, "languages", "a language is listed twice")
    if form.default_language not in languages:
        raise FormDefinitionError(
            None, "default_language", f'"{form.default_language}" is not one of the languages'
        )

    def check(where: str | None, field: str, texts: LocalText, needed: bool) -> None:
        for code in texts:
            if code not in languages:
                known = ", ".join(languages)
                raise FormDefinitionError(
                    where, field, f'language "{code}" is not one of the form\'s languages ({known})'
                )
        if needed and not texts.get(form.default_language, "").strip():
            raise FormDefinitionError(
                where, field, f"missing in the default language ({form.default_language})"
            )

    check(None, "title", form.title, True)
    for page in form.pages:
        check(page.name, "label", page.title, False)
        for q in page.questions:
            check(q.name, "label", q.label, True)
            for field in ("hint", "required_message", "constraint_message", "feedback"):
                check(q.name, field, getattr(q, field), False)
            for choice in q.choices:
                check(q.name, "choices", choice.label, True)


def _check_expressions(form: FormSpec, order: dict[str, int], groups: set[str]) -> None:
    depends: dict[str, set[str]] = {}
    for page in form.pages:
        if page.name is not None:
            if page.relevant is not None:
                try:
                    expr = parse(page.relevant)
                except ExpressionSyntaxError as exc:
                    raise FormDefinitionError(
                        page.name, "relevant", f"does not parse: {exc}"
                    ) from None
                if uses_current(expr):
                    raise FormDefinitionError(page.name, "relevant", _DOT_IN_RELEVANT)
                depends[page.name] = _known(references(expr), page.name, order, groups)
            else:
                depends[page.name] = set()
        for q in page.questions:
            own: set[str] = set()
            if q.relevant is not None:
                expr = parse(q.relevant)
                if uses_current(expr):
                    raise FormDefinitionError(q.name, "relevant", _DOT_IN_RELEVANT)
                own = _known(references(expr), q.name, order, groups)
            if page.name is not None and page.relevant is not None:
                own = own | {page.name}
            depends[q.name] = own
            if q.constraint is not None:
                _known(references(parse(q.constraint)), q.name, order, groups, "constraint")
    cycle = find_cycle(depends)
    if cycle is not None:
        where = _cycle_owner(cycle, form)
        raise FormDefinitionError(
            where, "relevant", "skip logic goes round in a circle: " + " → ".join(cycle)
        )
    for page in form.pages:
        first = order[page.questions[0].name]
        if page.name is not None and page.relevant is not None:
            _earlier(depends[page.name], first, page.name, order, "relevant")
        for q in page.questions:
            if q.relevant is not None:
                _earlier(references(parse(q.relevant)), order[q.name], q.name, order, "relevant")
            if q.constraint is not None:
                refs = references(parse(q.constraint)) - {q.name}
                _earlier(refs, order[q.name], q.name, order, "constraint")


_DOT_IN_RELEVANT = "'.' in skip logic would make a question depend on itself"


def _known(
    refs: set[str], where: str, order: dict[str, int], groups: set[str], field: str = "relevant"
) -> set[str]:
    for name in sorted(refs):
        if name in groups:
            raise FormDefinitionError(where, field, f"${{{name}}} is a group, not a question")
        if name not in order:
            raise FormDefinitionError(where, field, f"${{{name}}} is not a question of this form")
    return refs


def _earlier(refs: set[str], position: int, where: str, order: dict[str, int], field: str) -> None:
    for name in sorted(refs, key=lambda n: order[n]):
        if order[name] >= position:
            rule = (
                "skip logic may only look at earlier questions"
                if field == "relevant"
                else "a constraint may only look at this and earlier questions"
            )
            raise FormDefinitionError(where, field, f"${{{name}}} comes later in the form; {rule}")


def _cycle_owner(cycle: list[str], form: FormSpec) -> str:
    """The node of a cycle to blame: the first whose own expression makes the next step
    (a question whose step is only its page's skip logic points at the page instead)."""
    pages = {q.name: page.name for page in form.pages for q in page.questions}
    for here, there in itertools.pairwise(cycle):
        if pages.get(here) != there:
            return here
    return cycle[0]


def _check_mode(form: FormSpec) -> None:
    scored = [q for q in form.questions if q.scored]
    if form.mode is FormMode.SURVEY:
        if form.quiz is not None:
            raise FormDefinitionError(None, "quiz", "a survey has no quiz settings")
        if scored:
            raise FormDefinitionError(
                scored[0].name, "correct", "only a quiz has correct answers (this is a survey)"
            )
        return
    if form.quiz is None:
        raise FormDefinitionError(None, "quiz", "a quiz needs its settings")
    if form.anonymous:
        raise FormDefinitionError(None, "anonymous", "a quiz cannot be anonymous")
    if not scored:
        raise FormDefinitionError(None, "mode", "a quiz needs at least one scored question")
    for page in form.pages:
        for q in page.questions:
            if q.scored and q.relevant is not None:
                raise FormDefinitionError(q.name, "relevant", _SCORED_SKIPPED)
            if q.scored and page.relevant is not None:
                raise FormDefinitionError(page.name, "relevant", _SCORED_SKIPPED)
    total = form.total_points
    if form.quiz.pass_mark is not None and form.quiz.pass_mark > total:
        raise FormDefinitionError(
            None,
            "pass_mark",
            f"the pass mark ({_show(form.quiz.pass_mark)}) is more than the quiz's "
            f"{_show(total)} points",
        )


_SCORED_SKIPPED = "a scored question cannot be skipped: every teacher answers the same ones"


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)
