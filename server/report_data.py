"""A form's responses made ready for its report: one column of answers per question.

Which responses a question counts (so nothing received is ever dropped):

- the questions are the current version's, then those that only earlier published versions
  have (defined as in the last of them, in the order ``versions`` lists them);
- a response counts for a question when its version has the question (unanswered: missing),
  or when it answered it, whatever its version says: a response to a version this server does
  not know counts wherever its answers have a question's name;
- an answer that does not fit the question's type (a question whose type changed between
  versions) is counted apart as ``wrong_type``, never guessed at;
- answers to names no known version has are counted per name (:attr:`FormData.unknown_names`).

Quizzes count one attempt per teacher, the best (highest share of the full marks; ties: the
latest), in every view but the overview's totals, so a teacher who tried three times is not
three teachers. The score is the one the teacher's PC computed and showed, else the server
marks the answers with the version's definition.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.analysis import RESERVED_GROUPS
from server.report_model import Cell, Table
from server.report_text import Words
from server.responses import Respondent, ServerResponse
from wire.forms import FormMode, FormSpec, LocalText, Question, QuestionType, QuizScore, is_empty

Value = str | float | tuple[str, ...]
"""An answer as the report reads it: a choice name, text or date; a number; ticked choices."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Column:
    """The answers to one question, parallel to the groups of the responses that gave them.

    Attributes:
        number: the question's number in the report (1, 2, ... in form order).
        question: its definition (the current version's, else the last earlier one's).
        earlier_only: only earlier versions have it.
        values: one per response counted for it (see the module docstring); ``None``: missing.
        who: the groups of those responses, parallel to ``values``.
        wrong_type: answers that did not fit the question's type (left out of ``values``'
            figures: they are ``None`` there, and not counted as missing).
    """

    number: int
    question: Question
    earlier_only: bool
    values: tuple[Value | None, ...]
    who: tuple[Respondent, ...]
    wrong_type: int

    @property
    def given(self) -> int:
        return sum(v is not None for v in self.values)

    @property
    def missing(self) -> int:
        return len(self.values) - self.given - self.wrong_type

    def numbers(self) -> list[float | None]:
        """The answers as numbers: numbers as they are, ratings by their value."""
        question = self.question
        if question.type is QuestionType.RATING:
            return [v if v is None else question.rating_value(str(v)) for v in self.values]
        return [v if isinstance(v, float) else None for v in self.values]

    def choices(self) -> list[str | None]:
        return [v if isinstance(v, str) else None for v in self.values]

    def ticked(self) -> list[tuple[str, ...] | None]:
        return [v if isinstance(v, tuple) else None for v in self.values]


@dataclass(frozen=True)
class FormData:
    """Everything the report's views read.

    Attributes:
        spec: the current version.
        versions: every published version by its name (the current one included).
        words: the report's language.
        min_cell: the smallest group a breakdown shows on its own.
        responses: every response received, each once.
        counted: the responses the views count (quizzes: one per teacher).
        columns: one per question with answers (notes have none).
        unknown_names: answers to names no known version has, per name.
    """

    spec: FormSpec
    versions: Mapping[str, FormSpec]
    words: Words
    min_cell: int
    responses: tuple[ServerResponse, ...]
    counted: tuple[ServerResponse, ...]
    columns: tuple[Column, ...]
    unknown_names: Mapping[str, int]

    @property
    def is_quiz(self) -> bool:
        return self.spec.mode is FormMode.QUIZ

    def text(self, texts: LocalText) -> str:
        return self.spec.text(texts, self.words.language)

    def title(self, column: Column) -> str:
        label = self.text(column.question.label)
        if column.earlier_only:
            label += self.words("earlier_only")
        return self.words("question_title", number=column.number, label=label)

    def choice_label(self, column: Column, value: str) -> str:
        """A choice's label; a value the question does not list gets the label an earlier
        version gave it, marked as not a current choice."""
        choice = column.question.choice(value)
        if choice is not None:
            return self.text(choice.label)
        label = value
        for spec in self.versions.values():
            try:
                earlier = spec.question(column.question.name).choice(value)
            except KeyError:
                continue
            if earlier is not None:
                label = self.text(earlier.label)
        return self.words("not_a_choice", value=label)

    def rescore(self, response: ServerResponse) -> QuizScore | None:
        """The response marked by its version's definition (``None``: version unknown)."""
        spec = self.versions.get(response.version)
        if spec is None or spec.quiz is None:
            return None
        return spec.score(response.answers)


def collect(
    spec: FormSpec,
    versions: Mapping[str, FormSpec],
    responses: Sequence[ServerResponse],
    words: Words,
    min_cell: int,
) -> FormData:
    """The report's data (see the module docstring)."""
    every = {**versions, spec.version: spec}
    names = {version: {q.name for q in s.questions} for version, s in every.items()}
    data = FormData(spec, every, words, min_cell, tuple(responses), (), (), {})
    counted = best_attempts(data) if data.is_quiz else tuple(responses)
    columns = [
        _column(number, question, earlier, counted, names)
        for number, (question, earlier) in enumerate(_questions(spec, every), start=1)
    ]
    known = set().union(*names.values())
    unknown: Counter[str] = Counter(
        name
        for response in counted
        for name, value in response.answers.items()
        if name not in known and value is not None and not is_empty(value)
    )
    return FormData(
        spec,
        every,
        words,
        min_cell,
        tuple(responses),
        counted,
        tuple(columns),
        dict(sorted(unknown.items())),
    )


def _questions(spec: FormSpec, versions: Mapping[str, FormSpec]) -> list[tuple[Question, bool]]:
    current = [q for q in spec.questions if q.type is not QuestionType.NOTE]
    earlier: dict[str, Question] = {}
    for version, other in versions.items():
        if version == spec.version:
            continue
        for question in other.questions:
            if question.type is not QuestionType.NOTE:
                earlier.pop(question.name, None)  # keeps the last definition, in its place
                earlier[question.name] = question
    taken = {q.name for q in spec.questions}
    old = [q for name, q in earlier.items() if name not in taken]
    return [(q, False) for q in current] + [(q, True) for q in old]


def _column(
    number: int,
    question: Question,
    earlier: bool,
    responses: Sequence[ServerResponse],
    names: Mapping[str, set[str]],
) -> Column:
    values: list[Value | None] = []
    who: list[Respondent] = []
    wrong = 0
    for response in responses:
        raw = response.answers.get(question.name)
        answered = raw is not None and not is_empty(raw)
        if not answered and question.name not in names.get(response.version, ()):
            continue  # neither asked (as far as the server knows) nor answered
        value = _read(question.type, raw) if answered else None
        if answered and value is None:
            wrong += 1
        values.append(value)
        who.append(response.who)
    return Column(number, question, earlier, tuple(values), tuple(who), wrong)


def _read(kind: QuestionType, raw: object) -> Value | None:
    """An answer as its question's type stores it (see :mod:`wire.forms`), else ``None``."""
    match kind:
        case QuestionType.SELECT_ONE | QuestionType.RATING:
            return raw if isinstance(raw, str) and raw.strip() else None
        case QuestionType.SELECT_MULTIPLE:
            if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
                return tuple(dict.fromkeys(raw))  # each choice once, in the order ticked
            return None
        case QuestionType.INTEGER | QuestionType.DECIMAL:
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                return None
            return float(raw) if math.isfinite(raw) else None
        case QuestionType.TEXT:
            return raw.strip() if isinstance(raw, str) else None
        case QuestionType.DATE:
            return raw if isinstance(raw, str) and _DATE.match(raw) else None
        case _:
            return None


# --- quizzes -------------------------------------------------------------------------------


def score_of(data: FormData, response: ServerResponse) -> tuple[float, float] | None:
    """``(score, full marks)`` of a quiz response: as its PC computed it, else marked here.

    ``None`` when there is none (a version the server does not know, sent without a score) or
    it makes no sense (a score above the full marks).
    """
    score, full = response.score, response.max_score
    if score is None or full is None:
        marked = data.rescore(response)
        if marked is not None:
            score = marked.score if score is None else score
            full = marked.max_score if full is None else full
    if score is None or not full or not 0 <= score <= full:
        return None
    return float(score), float(full)


def passed_of(data: FormData, response: ServerResponse) -> bool | None:
    """Whether the response passed, as the teacher was told; else by its version's pass mark."""
    if response.passed is not None:
        return response.passed
    marked = data.rescore(response)
    return None if marked is None else marked.passed


def best_attempts(data: FormData) -> tuple[ServerResponse, ...]:
    """One response per teacher: the best share of the full marks, ties to the latest.

    Responses without a teacher id (not asked for) each count on their own.
    """
    best: dict[str, tuple[tuple[float, int], ServerResponse]] = {}
    alone: list[tuple[int, ServerResponse]] = []
    for order, response in enumerate(data.responses):
        if response.teacher_id is None:
            alone.append((order, response))
            continue
        scored = score_of(data, response)
        key = (-1.0 if scored is None else scored[0] / scored[1], order)
        kept = best.get(response.teacher_id)
        if kept is None or key > kept[0]:
            best[response.teacher_id] = (key, response)
    chosen = [(key[1], response) for key, response in best.values()] + alone
    return tuple(response for _, response in sorted(chosen, key=lambda pair: pair[0]))


# --- shared by the views -------------------------------------------------------------------

COUNT, PERCENT, STAT, P_VALUE = "0", "0.0", "0.00", "0.000"


def two_columns(words: Words, title: str, rows: Sequence[tuple[str, Cell]], **extra: Any) -> Table:
    """A table of items and their values (the form's facts, a quiz's summary)."""
    return Table(title, (words("item"), words("value")), tuple(rows), **extra)


def merged_note(words: Words, merged: Sequence[str]) -> tuple[str, ...]:
    """The note naming the groups pooled into the report's "other" group, if any."""
    if not merged:
        return ()
    joiner = "、" if words.language == "zh" else ", "
    return (words("merged_groups", groups=joiner.join(words.group(g) for g in merged)),)


def group_label(code: str, words: Callable[[str], str] | None = None) -> str | None:
    """A teacher's group as a breakdown shows it: ``None`` (unknown) when empty."""
    text = code.strip()
    if not text:
        return None
    label = words(text) if words else text
    # A school really named like the report's own groups must not be taken for them.
    return f"{label}*" if label in RESERVED_GROUPS else label
