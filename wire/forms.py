"""A questionnaire or quiz, as the county server publishes it and the PC runs it.

The server makes a :class:`FormSpec` from a coordinator's XLSForm spreadsheet
(:mod:`server.xlsform`) and sends it as JSON; the client's runner reads the same model back
(``FormSpec.model_validate_json``) and asks it what to show, whether an answer is acceptable
and, for a quiz, the score. Nothing here depends on the spreadsheet: every check a definition
must pass lives in the model (:mod:`wire.form_checks`), so a form that reaches a PC by any
route has passed them.

Structure. A form is a list of :class:`Page`\\ s, shown one at a time: a top-level group of
the spreadsheet is one page (its label the page title, its ``relevant`` skipping the whole
page); a question outside any group gets a page of its own. A page holds
:class:`Question`\\ s in order.

Answers. ``answers`` maps a question name to its value, as the runner stores it in JSON:
``str`` for single choice and rating (the choice name), text, and date (``YYYY-MM-DD``);
``int`` for integer; ``int`` or ``float`` for decimal; ``list[str]`` of choice names for
multiple choice; ``None`` (or absent) when unanswered. Text of only spaces counts as
unanswered. Notes take no answer.

Skip logic. ``relevant`` may only read earlier questions (checked on publishing), so one pass
in form order decides what is shown, and an answer to a question that is hidden reads as
empty to the questions after it. A hidden question is neither validated nor submitted
(:meth:`FormSpec.shown_answers`).

Texts are ``{language code: text}`` (:data:`LocalText`), e.g. ``{"zh": "...", "en": "..."}``;
:meth:`FormSpec.text` picks one for the teacher's language, falling back to the form's
default language.

Compatibility. ``format`` says which features a definition uses; a client refuses a format
newer than :data:`FORM_FORMAT` (an incompatible feature bumps it), and ignores fields it does
not know (a compatible addition does not).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from wire.course import Identifier
from wire.expression_eval import AnswerInput, Context
from wire.expressions import NAME_PATTERN

FORM_FORMAT = 1

LocalText = dict[str, str]
"""A text in several languages: language code (``zh``, ``en``) to text."""

AnswerValue = str | int | float | list[str]
"""One stored answer (see the module docstring)."""

Answers = Mapping[str, AnswerValue | None]

QuestionName = Annotated[str, Field(pattern=f"^{NAME_PATTERN}$", max_length=100)]


class FormMode(StrEnum):
    SURVEY = "survey"  # no right answers; may be anonymous
    QUIZ = "quiz"  # correct answers, points, a pass mark; always named


class FeedbackTiming(StrEnum):
    """When a quiz shows the teacher which answers were right, with the author's feedback.

    The score (and pass or fail) is shown after submitting in every case.
    """

    AFTER_EACH = "after_each"  # as each scored question is answered; the answer then locks
    AT_END = "at_end"  # after submitting, question by question
    NEVER = "never"  # only the score: for a test taken again, the answers stay unknown


class QuestionType(StrEnum):
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    RATING = "rating"  # a Likert scale: one choice from an ordered list
    TEXT = "text"  # short; long with appearance "multiline"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    NOTE = "note"  # text to read; takes no answer


CHOICE_TYPES = frozenset(
    {QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE, QuestionType.RATING}
)
SCORABLE_TYPES = frozenset(
    {
        QuestionType.SELECT_ONE,
        QuestionType.SELECT_MULTIPLE,
        QuestionType.TEXT,
        QuestionType.INTEGER,
        QuestionType.DECIMAL,
        QuestionType.DATE,
    }
)
_LAYOUTS = frozenset({"minimal", "horizontal", "horizontal-compact", "columns"})
APPEARANCES: dict[QuestionType, frozenset[str]] = {
    QuestionType.TEXT: frozenset({"multiline"}),
    QuestionType.SELECT_ONE: _LAYOUTS,
    QuestionType.SELECT_MULTIPLE: _LAYOUTS,
    QuestionType.RATING: frozenset({"horizontal", "horizontal-compact"}),
}
"""The appearances each type may have (space-separated words); a runner may ignore layouts."""


class FormDefinitionError(ValueError):
    """A definition that breaks a rule; says where, so an importer can point at the cell.

    Attributes:
        where: the question or group (page) name it is about; ``None`` for the form itself.
        field: the field of that question, page or form (``relevant``, ``pass_mark``, ...).
        problem: what is wrong, in a sentence.
    """

    def __init__(self, where: str | None, field: str, problem: str) -> None:
        self.where = where
        self.field = field
        self.problem = problem
        place = f'"{where}" {field}' if where else field
        super().__init__(f"{place}: {problem}")


class _Frozen(BaseModel):
    # Unknown fields are ignored so an older client can read a newer server (see `format`).
    model_config = ConfigDict(extra="ignore", frozen=True)


class Choice(_Frozen):
    name: str = Field(min_length=1, max_length=100, pattern=r"^\S+$")
    label: LocalText


class Question(_Frozen):
    """One question (or note) and, in a quiz, its correct answer.

    ``correct`` holds choice names for choice questions (all of them must be chosen, and
    nothing else, for a multiple choice to score), or one value written as text otherwise:
    numbers compare as numbers, dates as dates, text ignoring case, full- and half-width
    forms and surrounding spaces. A question is scored when it has a correct answer.
    """

    name: QuestionName
    type: QuestionType
    label: LocalText = Field(min_length=1)
    hint: LocalText = Field(default_factory=dict)
    required: bool = False
    required_message: LocalText = Field(default_factory=dict)
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: LocalText = Field(default_factory=dict)
    default: AnswerValue | None = None
    appearance: str | None = None
    choice_list: str | None = None  # the spreadsheet's list name, shared by Likert items
    choices: tuple[Choice, ...] = ()
    correct: tuple[str, ...] = ()
    points: float = Field(default=0, ge=0, allow_inf_nan=False)
    feedback: LocalText = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Question:
        from wire.form_checks import check_question

        check_question(self)
        return self

    @property
    def multiline(self) -> bool:
        """A long text answer."""
        return self.type is QuestionType.TEXT and "multiline" in (self.appearance or "").split()

    @property
    def scored(self) -> bool:
        return bool(self.correct)

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    def rating_value(self, choice: str) -> float | None:
        """A choice as a number, for means: its own number when every choice name is a
        number (``1`` .. ``5``), otherwise its position in the list (first = 1)."""
        names = [c.name for c in self.choices]
        if choice not in names:
            return None
        numbers = [_number(n) for n in names]
        if all(n is not None for n in numbers):
            return numbers[names.index(choice)]
        return float(names.index(choice) + 1)


class Page(_Frozen):
    """What the runner shows at once."""

    name: str | None = None  # the group's name; None for the page of an ungrouped question
    title: LocalText = Field(default_factory=dict)
    relevant: str | None = None
    questions: tuple[Question, ...] = Field(min_length=1)


class QuizSettings(_Frozen):
    # points; None: no pass or fail
    pass_mark: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    attempts: int = Field(default=0, ge=0)  # submissions allowed; 0 = unlimited
    show_feedback: FeedbackTiming = FeedbackTiming.AT_END


@dataclass(frozen=True)
class QuestionResult:
    name: str
    correct: bool
    points: float  # awarded
    max_points: float
    feedback: LocalText


@dataclass(frozen=True)
class QuizScore:
    score: float
    max_score: float
    passed: bool | None  # None when the quiz has no pass mark
    results: tuple[QuestionResult, ...]


class FormSpec(_Frozen):
    format: int = FORM_FORMAT
    id: Identifier
    version: str = Field(min_length=1, max_length=64)
    title: LocalText
    default_language: str = Field(min_length=1)
    languages: tuple[str, ...] = Field(min_length=1)
    mode: FormMode = FormMode.SURVEY
    anonymous: bool = False  # surveys only: responses carry no teacher
    quiz: QuizSettings | None = None  # present exactly for quizzes
    pages: tuple[Page, ...] = Field(min_length=1)

    _index: dict[str, tuple[int, Question]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> FormSpec:
        from wire.form_checks import check_form

        check_form(self)
        return self

    def model_post_init(self, context: object, /) -> None:
        for number, page in enumerate(self.pages):
            for question in page.questions:
                self._index[question.name] = (number, question)

    # --- lookup -------------------------------------------------------------------------------

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(q for page in self.pages for q in page.questions)

    def question(self, name: str) -> Question:
        """Raises ``KeyError`` for a name the form does not have."""
        return self._index[name][1]

    def page_of(self, name: str) -> int:
        """The index of the page holding question ``name``."""
        return self._index[name][0]

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions if q.scored)

    def text(self, texts: LocalText, language: str) -> str:
        """``texts`` in ``language`` (``zh-CN`` also finds ``zh``), else in the default
        language, else in any; ``""`` when there is none."""
        return pick_text(texts, language, self.default_language)

    def defaults(self) -> dict[str, AnswerValue]:
        """The answers the runner fills in before the teacher answers."""
        return {q.name: q.default for q in self.questions if q.default is not None}

    # --- answering ----------------------------------------------------------------------------

    def visible_questions(self, answers: Answers, *, today: date | None = None) -> list[Question]:
        """The questions shown for these answers, in order (notes included)."""
        from wire.form_answers import visible

        return visible(self, answers, today)

    def visible_pages(self, answers: Answers, *, today: date | None = None) -> list[int]:
        """Indexes of the pages shown: pages with at least one visible question."""
        shown = {self.page_of(q.name) for q in self.visible_questions(answers, today=today)}
        return sorted(shown)

    def shown_answers(
        self, answers: Answers, *, today: date | None = None
    ) -> dict[str, AnswerValue]:
        """What a submission keeps: the non-empty answers to visible questions."""
        return {
            q.name: value
            for q in self.visible_questions(answers, today=today)
            if q.type is not QuestionType.NOTE
            and (value := answers.get(q.name)) is not None
            and not is_empty(value)
        }

    def validate_answer(
        self,
        name: str,
        value: AnswerValue | None,
        answers: Answers,
        language: str,
        *,
        today: date | None = None,
    ) -> str | None:
        """Why ``value`` cannot be the answer to ``name`` (in ``language``), or ``None``.

        Checks, in order: required, the type, choice membership, the constraint (evaluated
        with ``value`` as ``.`` and ``answers`` for the other questions). An empty answer to
        an optional question is always fine, as in ODK.
        """
        from wire.form_answers import problem_with

        return problem_with(self, self.question(name), value, answers, language, today)

    def validate_response(
        self, answers: Answers, language: str, *, today: date | None = None
    ) -> dict[str, str]:
        """Every visible question whose answer cannot be submitted, with the reason."""
        problems: dict[str, str] = {}
        for question in self.visible_questions(answers, today=today):
            problem = self.validate_answer(
                question.name, answers.get(question.name), answers, language, today=today
            )
            if problem is not None:
                problems[question.name] = problem
        return problems

    def score(self, answers: Answers) -> QuizScore:
        """Marks a quiz response. Raises ``ValueError`` for a survey."""
        from wire.form_answers import score

        return score(self, answers)

    def expression_context(
        self, answers: Answers, *, current: str | None = None, today: date | None = None
    ) -> Context:
        """Answers as expressions read them: dates as dates."""
        from wire.form_answers import expression_answers

        return Context(expression_answers(self, answers), current=current, today=today)


def pick_text(texts: Mapping[str, str], language: str, default_language: str) -> str:
    """See :meth:`FormSpec.text`."""
    if language in texts:
        return texts[language]
    primary = language.split("-")[0].lower()
    for code, text in texts.items():
        if code.split("-")[0].lower() == primary:
            return text
    if default_language in texts:
        return texts[default_language]
    return next(iter(texts.values()), "")


def is_empty(value: AnswerInput) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def normalise_text(value: str) -> str:
    """Text as quiz answers compare it: NFKC (full-width to half-width), case-folded,
    inner spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
