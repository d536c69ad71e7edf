"""The quiz sheet of a form's report: scores, pass rate, and how each question did.

One attempt per teacher is counted, the best (see :mod:`server.report_data`). Scores are in
points; when responses to versions with different full marks are mixed, they are percentages
of each one's full marks instead, so they can share one histogram. A response passed when the
teacher's PC said so (it applied the pass mark of the version answered), else by its version's
pass mark. Difficulty and discrimination are those of :func:`server.analysis_quiz.item_difficulty`,
for the current version's scored questions, each response marked by its own version's
definition (a version the server does not know: by the current one); a question its version
does not have counts as not put to the teacher.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.analysis_quiz import item_difficulty, quiz_scores
from server.report_data import (
    COUNT,
    PERCENT,
    STAT,
    FormData,
    passed_of,
    score_of,
    two_columns,
)
from server.report_model import Cell, ChartSpec, Sheet, Table


@dataclass(frozen=True)
class QuizPoints:
    """The counted responses' scores.

    Attributes:
        values: parallel to ``FormData.counted``; ``None``: no score.
        full: the full marks (100 when ``percent``).
        percent: the scores are percentages of each response's full marks.
    """

    values: tuple[float | None, ...]
    full: float
    percent: bool


def quiz_points(data: FormData) -> QuizPoints:
    scored = [score_of(data, r) for r in data.counted]
    fulls = {s[1] for s in scored if s is not None}
    if len(fulls) > 1:
        values = tuple(None if s is None else 100.0 * s[0] / s[1] for s in scored)
        return QuizPoints(values, 100.0, True)
    full = fulls.pop() if fulls else data.spec.total_points
    return QuizPoints(tuple(None if s is None else s[0] for s in scored), full, False)


def quiz_sheet(data: FormData) -> Sheet:
    return Sheet(data.words("quiz"), (*_scores(data), _items(data)))


def _scores(data: FormData) -> tuple[Table, Table]:
    words = data.words
    points = quiz_points(data)
    distribution = quiz_scores(points.values, points.full)
    summary = distribution.summary
    flags = [p for p in (passed_of(data, r) for r in data.counted) if p is not None]
    passed = sum(flags) if flags else None
    rate = 100.0 * sum(flags) / len(flags) if flags else None
    pass_mark = data.spec.quiz.pass_mark if data.spec.quiz else None
    facts: list[tuple[str, Cell]] = [
        (words("teachers_counted"), len(data.counted)),
        (words("full_marks"), points.full),
        (words("pass_mark"), pass_mark),
        (words("passed"), passed),
        (words("pass_rate"), rate),
        (words("mean"), summary.mean),
        (words("sd"), summary.sd),
        (words("median"), summary.median),
        (words("min"), summary.min),
        (words("max"), summary.max),
    ]
    notes: list[str] = []
    if points.percent:
        notes.append(words("score_scale_percent"))
    unscored = sum(v is None for v in points.values)
    if unscored:
        notes.append(words("no_score_note", count=unscored))
    facts_table = two_columns(words, words("score_summary"), facts, notes=tuple(notes))
    title = words("score_distribution")
    bins = Table(
        title,
        (words("score"), words("count"), words("percent")),
        tuple((b.label, b.count, b.percent) for b in distribution.bins),
        chart=ChartSpec(title, x_title=words("score"), y_title=words("count")),
        formats=(None, COUNT, PERCENT),
    )
    return facts_table, bins


def _items(data: FormData) -> Table:
    words, spec = data.words, data.spec
    scored = [q.name for q in spec.questions if q.scored]
    matrix: list[list[bool | None]] = []
    for response in data.counted:
        marked = data.rescore(response) or spec.score(response.answers)
        results = {r.name: r.correct for r in marked.results}
        matrix.append([results.get(name) for name in scored])
    titles = {c.question.name: data.title(c) for c in data.columns}
    rows = tuple(
        (
            titles[item.item],
            item.n,
            item.difficulty,
            item.discrimination,
            None if item.reason is None else words.reason(item.reason),
        )
        for item in item_difficulty(matrix, scored)
    )
    title = words("items")
    return Table(
        title,
        (
            words("question"),
            words("n"),
            words("difficulty"),
            words("discrimination"),
            words("remark"),
        ),
        rows,
        chart=ChartSpec(words("difficulty"), values=(2,), horizontal=True),
        notes=(words("items_note"),),
        formats=(None, COUNT, STAT, STAT, None),
    )
