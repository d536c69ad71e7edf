"""Importing XLSForm workbooks (server/xlsform.py): the supported subset read right, quizzes,
the demo forms. Each workbook is a real .xlsx written with openpyxl and read by pyxform.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from xlsform_helpers import load

from server.xlsform import load_xlsform
from wire.forms import FeedbackTiming, FormMode, FormSpec, QuestionType

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "assets" / "demo" / "forms"
Rows = list[list[Any]]

# --- what Lamplight supports ------------------------------------------------------------------

EVERYTHING: Rows = [
    [
        "type",
        "name",
        "label::Chinese (zh)",
        "label::English (en)",
        "hint::zh",
        "required",
        "jr:requiredMsg::zh",
        "relevance",
        "constraint",
        "Constraint Message::Chinese (zh)",
        "default",
        "appearance",
        "notes",
        "$kuid",
        "choice_filter",
        "calculation",
    ],
    ["start", "started"],
    [
        "begin group",
        "about",
        "关于您",
        "About you",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        "field-list",
    ],
    ["select_one yn", "trained", "参加过吗", "Trained?", "选一个", True, "必答"],
    [
        "integer",
        "years",
        "教龄",
        "Years",
        None,
        "yes",
        None,
        "${trained} = ‘yes’",
        ". >= 0 and . <= 45",
        "0 到 45",
        3,
        None,
        "a note for authors",
        "abc123",
    ],
    ["end group", "about"],
    ["select all that apply levels", "levels", "学段", "Levels", None, "true()"],
    [
        "select_one agree",
        "useful",
        "有用",
        "Useful",
        None,
        "TRUE",
        None,
        None,
        None,
        None,
        None,
        "likert",
    ],
    ["text", "short", "简答", "Short", None, "no"],
    ["text", "long", "详答", "Long", None, None, None, None, None, None, None, "multiline"],
    ["int", "count", "次数", "Count", None, None, None, None, None, None, None, None],
    ["decimal", "hours", "小时", "Hours", None, None, None, None, None, None, 2.5],
    [
        "date",
        "when",
        "日期",
        "Date",
        None,
        None,
        None,
        None,
        ". <= today()",
        None,
        datetime(2024, 5, 1),
    ],
    [
        "select_multiple levels",
        "more",
        "更多",
        "More",
        None,
        None,
        None,
        None,
        None,
        None,
        "primary junior",
    ],
    ["note", "thanks", "谢谢", "Thanks"],
    ["end", "ended"],
]
EVERYTHING_CHOICES: Rows = [
    ["list_name", "name", "label::Chinese (zh)", "label::English (en)", "county"],
    ["yn", "yes", "是", "Yes", "x"],
    ["yn", "no", "否", "No"],
    ["levels", "primary", "小学", "Primary"],
    ["levels", "junior", "初中", "Junior"],
    ["agree", 1, "不同意", "Disagree"],
    ["agree", 2, "一般", "Neither"],
    ["agree", 3, "同意", "Agree"],
]
EVERYTHING_SETTINGS: Rows = [
    ["form_title::Chinese (zh)", "form_title::English (en)", "form_id", "version", "style"],
    ["全部题型", "Every type", "every-type", 2024050101, "pages"],
]


@pytest.fixture
def everything(tmp_path: Path) -> FormSpec:
    return load(tmp_path, EVERYTHING, EVERYTHING_CHOICES, EVERYTHING_SETTINGS)


def test_every_supported_type(everything: FormSpec) -> None:
    types = {q.name: q.type for q in everything.questions}
    assert types == {
        "trained": QuestionType.SELECT_ONE,
        "years": QuestionType.INTEGER,
        "levels": QuestionType.SELECT_MULTIPLE,
        "useful": QuestionType.RATING,
        "short": QuestionType.TEXT,
        "long": QuestionType.TEXT,
        "count": QuestionType.INTEGER,
        "hours": QuestionType.DECIMAL,
        "when": QuestionType.DATE,
        "more": QuestionType.SELECT_MULTIPLE,
        "thanks": QuestionType.NOTE,
    }
    assert everything.question("long").multiline
    assert not everything.question("short").multiline
    assert everything.question("useful").appearance is None  # likert became the type
    assert [c.name for c in everything.question("useful").choices] == ["1", "2", "3"]
    assert everything.question("useful").rating_value("3") == 3.0
    assert everything.question("more").choice_list == "levels"


def test_a_top_level_group_is_a_page_and_other_questions_have_their_own(
    everything: FormSpec,
) -> None:
    pages = [(p.name, [q.name for q in p.questions]) for p in everything.pages]
    assert pages == [
        ("about", ["trained", "years"]),
        (None, ["levels"]),
        (None, ["useful"]),
        (None, ["short"]),
        (None, ["long"]),
        (None, ["count"]),
        (None, ["hours"]),
        (None, ["when"]),
        (None, ["more"]),
        (None, ["thanks"]),
    ]
    assert everything.pages[0].title == {"zh": "关于您", "en": "About you"}


def test_columns_are_read_with_their_aliases_and_languages(everything: FormSpec) -> None:
    trained = everything.question("trained")
    assert trained.label == {"zh": "参加过吗", "en": "Trained?"}
    assert trained.hint == {"zh": "选一个"}
    assert trained.required
    assert trained.required_message == {"zh": "必答"}
    years = everything.question("years")
    assert years.relevant == "${trained} = 'yes'"  # the typographic quotes straightened
    assert years.constraint == ". >= 0 and . <= 45"
    assert years.constraint_message == {"zh": "0 到 45"}
    assert years.default == 3
    required = {q.name: q.required for q in everything.questions}
    assert required["levels"] and required["useful"] and not required["short"]


def test_defaults_become_typed_answers(everything: FormSpec) -> None:
    assert everything.defaults() == {
        "years": 3,
        "hours": 2.5,
        "when": "2024-05-01",
        "more": ["primary", "junior"],
    }


def test_settings_and_languages(everything: FormSpec) -> None:
    assert everything.id == "every-type"
    assert everything.version == "2024050101"
    assert everything.title == {"zh": "全部题型", "en": "Every type"}
    assert everything.default_language == "zh"
    assert everything.languages == ("zh", "en")
    assert everything.mode is FormMode.SURVEY
    assert not everything.anonymous
    assert everything.quiz is None


def test_skip_logic_from_the_spreadsheet_runs(everything: FormSpec) -> None:
    shown = [q.name for q in everything.visible_questions({"trained": "no"})]
    assert "years" not in shown
    shown = [q.name for q in everything.visible_questions({"trained": "yes"})]
    assert "years" in shown
    problem = everything.validate_answer("years", 50, {"trained": "yes"}, "zh")
    assert problem == "0 到 45"


def test_the_form_goes_through_json_unchanged(everything: FormSpec) -> None:
    again = FormSpec.model_validate_json(everything.model_dump_json())
    assert again == everything
    assert json.loads(everything.model_dump_json())["pages"][0]["name"] == "about"


# --- quizzes ----------------------------------------------------------------------------------

QUIZ: Rows = [
    [
        "type",
        "name",
        "label",
        "lamplight:answer",
        "lamplight:points",
        "lamplight:feedback",
        "lamplight:feedback::English (en)",
        "label::English (en)",
    ],
    ["note", "intro", "共三题", None, None, None, None, "Three questions"],
    ["select_one keys", "save", "保存的快捷键", "ctrl_s", 2, "Ctrl+S 保存", "Ctrl+S saves", "Save"],
    ["select_multiple ext", "pictures", "图片扩展名", "jpg  png", 1.5, None, None, "Pictures"],
    ["integer", "kb", "1 KB 是多少字节", 1024, 1, None, None, "Bytes in 1 KB"],
]
QUIZ_CHOICES: Rows = [
    ["list_name", "name", "label"],
    ["keys", "ctrl_s", "Ctrl+S"],
    ["keys", "ctrl_c", "Ctrl+C"],
    ["ext", "jpg", ".jpg"],
    ["ext", "png", ".png"],
    ["ext", "mp3", ".mp3"],
]
QUIZ_SETTINGS: Rows = [
    [
        "version",
        "lamplight:mode",
        "lamplight:pass_mark",
        "lamplight:attempts",
        "lamplight:show_feedback",
    ],
    ["1", "quiz", 3, 2, "never"],
]


def test_a_quiz_with_answers_points_and_feedback(tmp_path: Path) -> None:
    form = load(tmp_path, QUIZ, QUIZ_CHOICES, QUIZ_SETTINGS)
    assert form.mode is FormMode.QUIZ
    assert form.quiz is not None
    assert (form.quiz.pass_mark, form.quiz.attempts) == (3.0, 2)
    assert form.quiz.show_feedback is FeedbackTiming.NEVER
    save = form.question("save")
    assert (save.correct, save.points) == (("ctrl_s",), 2.0)
    assert save.feedback == {"zh": "Ctrl+S 保存", "en": "Ctrl+S saves"}
    assert form.question("pictures").correct == ("jpg", "png")
    assert form.question("kb").correct == ("1024",)
    assert form.total_points == 4.5
    score = form.score({"save": "ctrl_s", "pictures": ["png", "jpg"], "kb": 1000})
    assert (score.score, score.passed) == (3.5, True)


def test_quiz_settings_have_defaults(tmp_path: Path) -> None:
    form = load(tmp_path, QUIZ, QUIZ_CHOICES, [["version", "lamplight:mode"], ["1", "Quiz"]])
    assert form.quiz is not None
    assert (form.quiz.pass_mark, form.quiz.attempts) == (None, 0)
    assert form.quiz.show_feedback is FeedbackTiming.AT_END


def test_an_anonymous_survey(tmp_path: Path) -> None:
    form = load(
        tmp_path,
        [["type", "name", "label"], ["text", "a", "A"]],
        settings=[["version", "lamplight:anonymous"], ["1", "yes"]],
    )
    assert form.anonymous


# --- the demo forms ---------------------------------------------------------------------------


def test_the_demo_survey() -> None:
    form = load_xlsform(DEMO / "teacher-info-literacy.xlsx")
    assert (form.id, form.mode, form.anonymous) == ("teacher-info-literacy", FormMode.SURVEY, True)
    assert form.languages == ("zh", "en")
    assert form.title["zh"] == "乡村教师信息素养与网络研修调查"
    types = {q.type for q in form.questions}
    assert types == set(QuestionType)  # every type the runner must show
    ratings = [q.name for q in form.questions if q.type is QuestionType.RATING]
    assert len(ratings) == 6
    assert any(q.multiline for q in form.questions)
    base = {"school_type": "village", "years_teaching": 12, "grades": ["junior"]}
    no = [q.name for q in form.visible_questions({**base, "trained": "no"})]
    yes = [q.name for q in form.visible_questions({**base, "trained": "yes"})]
    assert "why_not" in no and "hours" not in no
    assert "hours" in yes and "why_not" not in yes and "platform_other" not in yes
    assert "platform_other" in [
        q.name for q in form.visible_questions({**base, "trained": "yes", "platforms": ["other"]})
    ]
    both = form.validate_answer("obstacles", ["none", "time"], {"trained": "yes"}, "zh")
    assert both == "选了“没有困难”就不能再选其他项"
    assert FormSpec.model_validate_json(form.model_dump_json()) == form


def test_the_demo_quiz() -> None:
    form = load_xlsform(DEMO / "ict-basics-quiz.xlsx")
    assert form.mode is FormMode.QUIZ
    assert form.quiz is not None
    assert (form.total_points, form.quiz.pass_mark, form.quiz.attempts) == (10.0, 6.0, 3)
    right = {
        "save_key": "ctrl_s",
        "safe_password": "mixed",
        "image_files": ["gif", "jpg", "png"],
        "kilobyte": 1024,
        "projector": "cable",
    }
    assert (form.score(right).score, form.score(right).passed) == (10.0, True)
    two_wrong = {**right, "kilobyte": 1000, "image_files": ["jpg", "png"]}
    assert (form.score(two_wrong).score, form.score(two_wrong).passed) == (6.0, True)
    three_wrong = {**two_wrong, "projector": "reinstall"}
    assert form.score(three_wrong).passed is False
