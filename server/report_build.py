"""A form's report: its responses turned into a :class:`~server.report_model.Report`.

Views, one sheet each, in this order::

    概况 Overview       the form, responses in total, by version (current, published earlier,
                        unknown to the server) and by school; questions not in the current
                        version and how often they were answered
    测验成绩 Quiz       quizzes only (server.report_build_quiz): score distribution, pass rate,
                        each question's difficulty and discrimination
    题目 Questions      one table per question: choices -> frequency table and bar chart;
                        multiple choice -> ticks per choice; ratings -> frequencies and mean,
                        SD, median, quartiles (by the choices' values); numbers -> the same
                        figures; text and dates -> how many answered
    文字回答 Texts      text questions' answers, sorted by their text, with nothing else
    按性别 / 按年龄段 / 按学校 / 按学科
                        breakdowns (server.report_build_groups): a table of the tests of
                        difference (chi-square for choices, Welch's t or ANOVA for numbers),
                        then each question by group

What is never in a report, whatever the form: teacher ids or names, response ids, submission
times, or any row about one response (per-teacher sheets are left out even for named forms:
the county's other tools hold names). An anonymous survey's responses must come without
teacher ids (:func:`server.responses.submitted` without ``identified``); a quiz's come with
them, only so each teacher's best attempt is counted once. Groups of fewer than ``min_cell``
answers are pooled in every breakdown (see :mod:`server.analysis`). Which responses count for
which question, across versions: :mod:`server.report_data`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from server.analysis import (
    MIN_CELL,
    FrequencyTable,
    NumberSummary,
    describe,
    frequency,
    multi_frequency,
    responses_by_group,
)
from server.report_build_groups import group_sheets
from server.report_build_quiz import quiz_sheet
from server.report_data import (
    COUNT,
    PERCENT,
    STAT,
    Column,
    FormData,
    collect,
    group_label,
    merged_note,
    two_columns,
)
from server.report_model import Cell, ChartSpec, Report, Sheet, Table
from server.report_text import Words
from server.responses import ServerResponse
from wire.forms import FormSpec, QuestionType


def build_form_report(
    spec: FormSpec,
    responses: Sequence[ServerResponse],
    *,
    versions: Mapping[str, FormSpec] | None = None,
    min_cell: int = MIN_CELL,
    language: str = "zh",
) -> Report:
    """The report of a form (see the module docstring for its views).

    Args:
        spec: the form's current version.
        responses: every response received (:func:`server.responses.submitted`), oldest first.
        versions: every published version by name, in the order published (the current one
            may be left out); questions that only earlier versions have are reported too.
        min_cell: the smallest group a breakdown shows on its own (1 shows every group).
        language: ``zh`` or ``en``, for headings and the form's own texts.

    Raises:
        ValueError: an unsupported language, ``min_cell`` below 1, or a response to an
            anonymous survey that carries a teacher id (it must never have been asked for).
    """
    words = Words(language)
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, not {min_cell}")
    if spec.anonymous and any(r.teacher_id is not None for r in responses):
        raise ValueError(f"responses to the anonymous survey {spec.id} carry teacher ids")
    data = collect(spec, versions or {}, responses, words, min_cell)
    sheets = [_overview(data)]
    if data.is_quiz:
        sheets.append(quiz_sheet(data))
    sheets.append(_questions(data))
    texts = _texts(data)
    if texts.tables:
        sheets.append(texts)
    sheets += group_sheets(data)
    return Report(words("report_title", title=data.text(spec.title)), tuple(sheets), _notes(data))


def _notes(data: FormData) -> tuple[str, ...]:
    words = data.words
    privacy = "anonymous_note" if data.spec.anonymous else "named_note"
    notes = [words(privacy, min_cell=data.min_cell)]
    unknown = sum(r.version not in data.versions for r in data.responses)
    if unknown:
        notes.append(words("unknown_versions_note", count=unknown))
    if not data.responses:
        notes.append(words("no_responses_note"))
    return tuple(notes)


# --- overview ------------------------------------------------------------------------------


def _overview(data: FormData) -> Sheet:
    words, spec = data.words, data.spec
    facts: list[tuple[str, Cell]] = [
        (words("title"), data.text(spec.title)),
        (words("form_id"), spec.id),
        (words("mode"), words("quiz_mode" if data.is_quiz else "survey")),
    ]
    if not data.is_quiz:
        facts.append((words("anonymous"), words("yes" if spec.anonymous else "no")))
    facts.append((words("current_version"), spec.version))
    if data.is_quiz:
        facts.append((words("submissions_total"), len(data.responses)))
        facts.append((words("teachers_counted"), len(data.counted)))
    else:
        facts.append((words("responses_total"), len(data.responses)))
    facts.append((words("min_cell"), data.min_cell))
    tables = [two_columns(words, words("form"), facts), _versions(data), _schools(data)]
    others = _other_questions(data)
    if others.rows:
        tables.append(others)
    return Sheet(words("overview"), tuple(tables))


def _versions(data: FormData) -> Table:
    words = data.words
    counts: dict[str, int] = {}
    for response in data.responses:
        counts[response.version] = counts.get(response.version, 0) + 1
    rows: list[tuple[Cell, ...]] = [
        (data.spec.version, words("status_current"), counts.pop(data.spec.version, 0))
    ]
    for version in data.versions:
        if version in counts:
            rows.append((version, words("status_earlier"), counts.pop(version)))
    rows += [(v, words("status_unknown"), counts[v]) for v in sorted(counts)]
    header = (words("version"), words("status"), words("responses"))
    return Table(words("versions"), header, tuple(rows), formats=(None, None, COUNT))


def _schools(data: FormData) -> Table:
    words = data.words
    schools = [group_label(r.who.school) for r in data.counted]
    counts = responses_by_group(schools, min_cell=data.min_cell)
    title = words("by_school_counts")
    return Table(
        title,
        (words("school"), words("responses")),
        tuple((words.group(g.group), g.count) for g in counts.groups),
        chart=ChartSpec(title, horizontal=True),
        notes=merged_note(words, counts.merged),
        formats=(None, COUNT),
    )


def _other_questions(data: FormData) -> Table:
    words = data.words
    rows: list[tuple[Cell, ...]] = []
    for column in data.columns:
        if column.earlier_only:
            name = column.question.name
            having = [v for v, s in data.versions.items() if _has(s, name)]
            where = words("earlier_version", versions=", ".join(having))
            rows.append((name, where, column.given + column.wrong_type))
    rows += [(n, words("unknown_version"), c) for n, c in data.unknown_names.items()]
    header = (words("question_name"), words("where"), words("answers"))
    return Table(words("other_questions"), header, tuple(rows), formats=(None, None, COUNT))


def _has(spec: FormSpec, name: str) -> bool:
    try:
        spec.question(name)
    except KeyError:
        return False
    return True


# --- questions -----------------------------------------------------------------------------


def _questions(data: FormData) -> Sheet:
    tables: list[Table] = []
    for column in data.columns:
        kind = column.question.type
        if kind in (QuestionType.SELECT_ONE, QuestionType.RATING):
            choices = [c.name for c in column.question.choices]
            tables.append(_frequency(data, column, frequency(column.choices(), choices)))
            if kind is QuestionType.RATING:
                title = data.words("stats_title", title=data.title(column))
                note = (data.words("rating_note"),)
                tables.append(_numbers(data, column, title, describe(column.numbers()), note))
        elif kind is QuestionType.SELECT_MULTIPLE:
            choices = [c.name for c in column.question.choices]
            table = multi_frequency([_set(v) for v in column.ticked()], choices)
            tables.append(_frequency(data, column, table))
        elif kind in (QuestionType.INTEGER, QuestionType.DECIMAL):
            tables.append(_numbers(data, column, data.title(column), describe(column.numbers())))
        else:
            tables.append(_answered(data, column))
    return Sheet(data.words("questions"), tuple(tables))


def _set(ticked: tuple[str, ...] | None) -> set[str] | None:
    return None if ticked is None else set(ticked)


def _wrong_type(data: FormData, column: Column) -> tuple[str, ...]:
    if not column.wrong_type:
        return ()
    return (data.words("wrong_type_note", count=column.wrong_type),)


def _frequency(data: FormData, column: Column, table: FrequencyTable) -> Table:
    words, question = data.words, column.question
    scored = data.is_quiz and question.scored
    header = [words("choice"), words("count"), words("percent")]
    if scored:
        header.append(words("correct"))
    rows: list[tuple[Cell, ...]] = []
    for row in table.rows:
        label = data.choice_label(column, row.value)
        cells: tuple[Cell, ...] = (label, row.count, row.percent)
        if scored:
            cells += ("✓" if row.value in question.correct else None,)
        rows.append(cells)
    notes = [words("answered_missing", base=table.base, missing=column.missing)]
    if table.multiple:
        notes.append(words("multiple_note"))
    notes += _wrong_type(data, column)
    title = data.title(column)
    return Table(
        title,
        tuple(header),
        tuple(rows),
        chart=ChartSpec(title, horizontal=True, y_title=words("count")),
        notes=tuple(notes),
        formats=(None, COUNT, PERCENT, None)[: len(header)],
    )


def _numbers(
    data: FormData,
    column: Column,
    title: str,
    summary: NumberSummary,
    notes: tuple[str, ...] = (),
) -> Table:
    words = data.words
    keys = ("n", "missing", "mean", "sd", "median", "q1", "q3", "min", "max")
    row = (
        summary.n,
        column.missing,
        summary.mean,
        summary.sd,
        summary.median,
        summary.q1,
        summary.q3,
        summary.min,
        summary.max,
    )
    return Table(
        title,
        tuple(words(k) for k in keys),
        (row,),
        notes=notes + _wrong_type(data, column),
        formats=(COUNT, COUNT) + (STAT,) * 7,
    )


def _answered(data: FormData, column: Column) -> Table:
    words = data.words
    notes: tuple[str, ...] = ()
    if column.question.type is QuestionType.TEXT and column.given:
        notes = (words("see_texts", sheet=words("texts")),)
    return Table(
        data.title(column),
        (words("answered"), words("missing")),
        ((column.given, column.missing),),
        notes=notes + _wrong_type(data, column),
        formats=(COUNT, COUNT),
    )


def _texts(data: FormData) -> Sheet:
    """Every text answer, sorted by its text so the order says nothing of who or when."""
    words = data.words
    tables: list[Table] = []
    for column in data.columns:
        if column.question.type is not QuestionType.TEXT or not column.given:
            continue
        texts = sorted(v for v in column.values if isinstance(v, str))
        notes = () if tables else (words("texts_note"),)
        tables.append(
            Table(data.title(column), (words("answer"),), tuple((t,) for t in texts), notes=notes)
        )
    return Sheet(words("texts"), tuple(tables))
