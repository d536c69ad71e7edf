"""The breakdown sheets of a form's report: by gender, age band, school and subject.

Each sheet starts with a table of the tests of difference, one row per question (a multiple
choice: one row per choice, ticked or not), so a reader sees at a glance where groups differ;
then each question by group::

    single choice             groups x choices: counts and row percents, chi-square
                              (Fisher's exact p for a small 2 x 2), Cramér's V
    multiple choice           groups x choices: how many ticked each, one chi-square per choice
    rating, integer, decimal  per group: n, mean, SD, median; Welch's t (2 groups) or ANOVA
    quiz score                the same, first on the sheet
    text, date                not broken down

Groups are the teacher's profile at the time of the report; gender and age bands read as
words (女, 30–39岁), in their natural order; an empty school or subject is the unknown group.
Small groups are pooled per question (:func:`server.analysis.merge_small_groups`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.analysis_compare import (
    CrossTab,
    GroupComparison,
    Significance,
    compare_numbers,
    crosstab_choices,
)
from server.report_build_quiz import quiz_points
from server.report_data import (
    COUNT,
    P_VALUE,
    PERCENT,
    STAT,
    Column,
    FormData,
    group_label,
    merged_note,
)
from server.report_model import Cell, ChartSpec, Sheet, Table
from server.report_text import Words
from server.responses import Respondent
from wire.forms import QuestionType

_TICKED, _NOT_TICKED = "1", "0"


@dataclass(frozen=True)
class Dimension:
    """One way of grouping teachers."""

    sheet: str  # the sheet's name (a key of the report's words)
    name: str  # what the groups are (a key of the report's words)
    label: Callable[[Respondent], str | None]  # a teacher's group; None: unknown
    order: tuple[str, ...] | None  # the groups' natural order, if they have one


def dimensions(words: Words) -> tuple[Dimension, ...]:
    return (
        Dimension(
            "by_gender", "gender", lambda w: group_label(w.gender, words.gender), words.gender_order
        ),
        Dimension(
            "by_age_band",
            "age_band",
            lambda w: group_label(w.age_band, words.age_band),
            words.age_band_order,
        ),
        Dimension("by_school", "school_group", lambda w: group_label(w.school), None),
        Dimension("by_subject", "subject", lambda w: group_label(w.subject), None),
    )


def group_sheets(data: FormData) -> list[Sheet]:
    """One sheet per dimension (see the module docstring)."""
    return [_sheet(data, dimension) for dimension in dimensions(data.words)]


@dataclass
class _Sheet:
    tests: list[tuple[Cell, ...]]
    tables: list[Table]


def _sheet(data: FormData, dimension: Dimension) -> Sheet:
    words = data.words
    out = _Sheet([], [])
    if data.is_quiz:
        scores = quiz_points(data).values
        groups = [dimension.label(r.who) for r in data.counted]
        comparison = compare_numbers(scores, groups, min_cell=data.min_cell, order=dimension.order)
        _add_numbers(data, out, words("total_score"), comparison)
    for column in data.columns:
        groups = [dimension.label(who) for who in column.who]
        kind = column.question.type
        if kind is QuestionType.SELECT_ONE:
            _add_choices(data, out, column, groups, dimension.order)
        elif kind is QuestionType.SELECT_MULTIPLE:
            _add_ticks(data, out, column, groups, dimension.order)
        elif kind in (QuestionType.RATING, QuestionType.INTEGER, QuestionType.DECIMAL):
            comparison = compare_numbers(
                column.numbers(), groups, min_cell=data.min_cell, order=dimension.order
            )
            _add_numbers(data, out, data.title(column), comparison)
    header = tuple(
        words(k)
        for k in (
            "question",
            "method",
            "statistic",
            "df",
            "df2",
            "p_value",
            "effect",
            "effect_name",
            "remark",
        )
    )
    summary = Table(
        words("tests_title", dimension=words(dimension.name)),
        header,
        tuple(out.tests),
        formats=(None, None, P_VALUE, STAT, STAT, P_VALUE, P_VALUE, None, None),
    )
    return Sheet(words(dimension.sheet), (summary, *out.tables))


def _test_row(words: Words, title: str, test: Significance) -> tuple[Cell, ...]:
    remark = None
    if test.p_value is None:
        remark = words.reason(test.reason or "no_data")
    elif test.warning is not None:
        remark = words.reason(test.warning)
    return (
        title,
        words.method(test.method),
        test.statistic,
        test.df,
        test.df2,
        test.p_value,
        test.effect,
        words.effect_name(test.effect_name),
        remark,
    )


def _add_numbers(data: FormData, out: _Sheet, title: str, comparison: GroupComparison) -> None:
    words = data.words
    out.tests.append(_test_row(words, title, comparison.test))
    header = tuple(words(k) for k in ("group", "n", "mean", "sd", "median"))
    rows = tuple(
        (words.group(g.group), g.summary.n, g.summary.mean, g.summary.sd, g.summary.median)
        for g in comparison.groups
    )
    out.tables.append(
        Table(
            title,
            header,
            rows,
            chart=ChartSpec(
                words("chart_of", title=title, what=words("mean_by_group")),
                values=(2,),
                horizontal=True,
            ),
            notes=(words.test_line(comparison.test), *merged_note(words, comparison.merged)),
            formats=(None, COUNT, STAT, STAT, STAT),
        )
    )


def _choice_columns(
    data: FormData, column: Column, values: Sequence[str]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Header cells (count and percent of each value) and the percent columns' indexes."""
    words = data.words
    header: list[str] = []
    percents: list[int] = []
    for value in values:
        label = data.choice_label(column, value)
        header += [words("choice_count", choice=label), words("choice_percent", choice=label)]
        percents.append(2 + len(header) - 1)
    return tuple(header), tuple(percents)


def _add_choices(
    data: FormData,
    out: _Sheet,
    column: Column,
    groups: Sequence[str | None],
    order: Sequence[str] | None,
) -> None:
    words = data.words
    choices = [c.name for c in column.question.choices]
    tab: CrossTab = crosstab_choices(
        column.choices(), groups, choices, min_cell=data.min_cell, order=order
    )
    title = data.title(column)
    out.tests.append(_test_row(words, title, tab.test))
    cells, percents = _choice_columns(data, column, tab.values)
    rows = []
    for group, counts, shares in zip(tab.groups, tab.counts, tab.row_percents, strict=True):
        row: list[Cell] = [words.group(group), sum(counts)]
        for count, share in zip(counts, shares, strict=True):
            row += [count, share]
        rows.append(tuple(row))
    out.tables.append(
        Table(
            title,
            (words("group"), words("n"), *cells),
            tuple(rows),
            chart=ChartSpec(
                words("chart_of", title=title, what=words("percent_by_group")),
                values=percents or (1,),
            ),
            notes=(words.test_line(tab.test), *merged_note(words, tab.merged)),
            formats=(None, COUNT) + (COUNT, PERCENT) * len(tab.values),
        )
    )


def _add_ticks(
    data: FormData,
    out: _Sheet,
    column: Column,
    groups: Sequence[str | None],
    order: Sequence[str] | None,
) -> None:
    """A multiple choice: each choice tested on its own, ticked or not, by group."""
    words = data.words
    ticked = column.ticked()
    listed = [c.name for c in column.question.choices]
    seen = {name for answer in ticked if answer for name in answer}
    values = listed + sorted(seen - set(listed))
    title = data.title(column)
    tabs = []
    notes = []
    for value in values:
        marks = [None if t is None else (_TICKED if value in t else _NOT_TICKED) for t in ticked]
        tab = crosstab_choices(
            marks, groups, [_TICKED, _NOT_TICKED], min_cell=data.min_cell, order=order
        )
        label = data.choice_label(column, value)
        out.tests.append(
            _test_row(words, words("question_choice", question=title, choice=label), tab.test)
        )
        notes.append(words("chart_of", title=label, what=words.test_line(tab.test)))
        tabs.append(tab)
    first = tabs[0]  # every choice pools the same respondents, so the same groups
    rows = []
    for i, group in enumerate(first.groups):
        row: list[Cell] = [words.group(group), sum(first.counts[i])]
        for tab in tabs:
            row += [tab.counts[i][0], tab.row_percents[i][0]]
        rows.append(tuple(row))
    cells, percents = _choice_columns(data, column, values)
    out.tables.append(
        Table(
            title,
            (words("group"), words("n"), *cells),
            tuple(rows),
            chart=ChartSpec(
                words("chart_of", title=title, what=words("percent_by_group")), values=percents
            ),
            notes=(*notes, words("multiple_note"), *merged_note(words, first.merged)),
            formats=(None, COUNT) + (COUNT, PERCENT) * len(values),
        )
    )
