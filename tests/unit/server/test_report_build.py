"""A form's report, built from a small fixed data set: every number checked against a hand
computation written out in the test, and nothing in any export that could name a teacher."""

from __future__ import annotations

import json
import math
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from server.analysis import OTHER_GROUP
from server.report_build import build_form_report
from server.report_export import write_csv, write_json, write_xlsx
from server.report_model import Cell, Report, Table, report_to_dict
from server.responses import Respondent, ServerResponse
from wire.forms import FormSpec

AT = datetime(2026, 3, 1, 9, 0)
SCHOOL_A, SCHOOL_B = "城关镇中心小学", "石桥小学"


def _choices(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"name": name, "label": {"zh": zh, "en": name.title()}} for name, zh in pairs]


def survey(version: str = "v1", **changes: Any) -> FormSpec:
    questions = [
        {
            "name": "device",
            "type": "select_one",
            "label": {"zh": "您最常用哪种设备上网？", "en": "Device"},
            "choices": _choices(("phone", "手机"), ("computer", "电脑"), ("tablet", "平板")),
        },
        {
            "name": "tools",
            "type": "select_multiple",
            "label": {"zh": "您用过哪些工具？", "en": "Tools"},
            "choices": _choices(("wechat", "微信"), ("video", "视频会议"), ("cloud", "网盘")),
        },
        {
            "name": "satisfied",
            "type": "rating",
            "label": {"zh": "您对在线培训满意吗？", "en": "Satisfaction"},
            "choices": [{"name": str(n), "label": {"zh": str(n)}} for n in range(1, 6)],
        },
        {"name": "hours", "type": "integer", "label": {"zh": "每周上网几小时？", "en": "Hours"}},
        {"name": "comment", "type": "text", "label": {"zh": "您的建议", "en": "Suggestions"}},
    ]
    return FormSpec.model_validate(
        {
            "id": "literacy",
            "version": version,
            "title": {"zh": "信息素养调查", "en": "Information literacy"},
            "default_language": "zh",
            "languages": ["zh", "en"],
            "pages": [{"questions": changes.pop("questions", questions)}],
            **changes,
        }
    )


# The fixed data set: 10 responses; 5 women, 5 men; 3 under 30, 4 aged 30-39, 3 aged 40-49;
# 5 per school. None: not answered.
#     gender   age      school    device      tools                    rating hours
ROWS: list[tuple[str, str, str, str, list[str] | None, str | None, int | None]] = [
    ("female", "under30", SCHOOL_A, "phone", ["wechat", "video"], "5", 2),
    ("female", "under30", SCHOOL_A, "phone", ["wechat"], "4", 4),
    ("female", "30to39", SCHOOL_A, "computer", ["wechat", "cloud"], "4", 6),
    ("female", "30to39", SCHOOL_B, "phone", ["video"], "3", 3),
    ("female", "40to49", SCHOOL_B, "computer", ["wechat", "video", "cloud"], "5", 5),
    ("male", "under30", SCHOOL_A, "computer", ["wechat"], "2", 1),
    ("male", "30to39", SCHOOL_B, "computer", ["cloud"], "3", 2),
    ("male", "40to49", SCHOOL_B, "tablet", ["wechat", "video"], "2", 4),
    ("male", "40to49", SCHOOL_A, "computer", None, "1", 3),
    ("male", "30to39", SCHOOL_B, "phone", ["wechat"], None, None),
]
COMMENTS = {0: "希望多一些视频课", 3: "=网速太慢", 6: "周末培训更好"}


def response(
    number: int,
    answers: dict[str, Any],
    who: Respondent,
    *,
    version: str = "v1",
    teacher_id: str | None = None,
    **score: Any,
) -> ServerResponse:
    return ServerResponse(
        response_id=f"resp-{number:04d}-7f3a",
        version=version,
        answers={k: v for k, v in answers.items() if v is not None},
        score=score.get("score"),
        max_score=score.get("max_score"),
        passed=score.get("passed"),
        at=AT + timedelta(minutes=number, seconds=17),
        who=who,
        teacher_id=teacher_id,
    )


def responses() -> list[ServerResponse]:
    out = []
    for number, (gender, age, school, device, tools, rating, hours) in enumerate(ROWS):
        answers = {
            "device": device,
            "tools": tools,
            "satisfied": rating,
            "hours": hours,
            "comment": COMMENTS.get(number),
        }
        out.append(response(number, answers, Respondent(school, gender, age, "数学")))
    return out


def table(report: Report, sheet: str, title: str) -> Table:
    """The table of ``sheet`` titled ``title``."""
    (found,) = (t for s in report.sheets if s.name == sheet for t in s.tables if t.title == title)
    return found


def column(found: Table, name: str) -> list[Cell]:
    index = found.header.index(name)
    return [row[index] for row in found.rows]


def facts(found: Table) -> dict[Cell, Cell]:
    return {row[0]: row[1] for row in found.rows}


def test_overview_counts_responses_by_version_and_by_school() -> None:
    report = build_form_report(survey(), responses())

    assert [s.name for s in report.sheets] == [
        "概况",
        "题目",
        "文字回答",
        "按性别",
        "按年龄段",
        "按学校",
        "按学科",
    ]
    assert report.title == "信息素养调查：结果报告"
    overview = facts(table(report, "概况", "表单"))
    assert overview["回答总数"] == 10 and overview["匿名"] == "否"
    assert table(report, "概况", "各版本的回答").rows == (("v1", "当前版本", 10),)
    schools = table(report, "概况", "各学校的回答数")
    assert schools.rows == ((SCHOOL_A, 5), (SCHOOL_B, 5))
    assert schools.chart is not None


def test_single_choice_frequencies_by_hand() -> None:
    report = build_form_report(survey(), responses())

    device = table(report, "题目", "1. 您最常用哪种设备上网？")
    # phone: responses 0, 1, 3, 9 = 4; computer: 2, 4, 5, 6, 8 = 5; tablet: 7 = 1; of 10.
    assert device.rows == (("手机", 4, 40.0), ("电脑", 5, 50.0), ("平板", 1, 10.0))
    assert device.notes[0] == "回答 10 人，未回答 0 人。"
    assert device.chart is not None and device.chart.horizontal


def test_multiple_choice_counts_each_respondent_once_by_hand() -> None:
    report = build_form_report(survey(), responses())

    tools = table(report, "题目", "2. 您用过哪些工具？")
    # 9 answered (response 8 did not): WeChat 0,1,2,4,5,7,9 = 7; video 0,3,4,7 = 4;
    # cloud 2,4,6 = 3. Percentages of the 9 respondents: 700/9, 400/9, 300/9.
    assert column(tools, "人数") == [7, 4, 3]
    assert column(tools, "%") == pytest.approx([700 / 9, 400 / 9, 300 / 9])
    assert tools.notes[0] == "回答 9 人，未回答 1 人。"


def test_rating_and_number_summaries_by_hand() -> None:
    report = build_form_report(survey(), responses())

    frequencies = table(report, "题目", "3. 您对在线培训满意吗？")
    assert column(frequencies, "人数") == [1, 2, 2, 2, 2]  # 1, 2 2, 3 3, 4 4, 5 5
    rating = facts_row(table(report, "题目", "3. 您对在线培训满意吗？：数值统计"))
    # 9 ratings: 5 4 4 3 5 2 3 2 1, sum 29, mean 29/9. Sum of squares 109, so the squared
    # deviations add to 109 - 29²/9 = 140/9 and the sample variance is (140/9) / 8 = 35/18.
    # Sorted 1 2 2 3 3 4 4 5 5: median 3; QUARTILE.INC at positions 2 and 6: 2 and 4.
    assert rating["人数"] == 9 and rating["未回答"] == 1
    assert rating["平均数"] == pytest.approx(29 / 9)
    assert rating["标准差"] == pytest.approx(math.sqrt(35 / 18))
    assert (rating["中位数"], rating["下四分位数"], rating["上四分位数"]) == (3.0, 2.0, 4.0)
    assert (rating["最小值"], rating["最大值"]) == (1.0, 5.0)

    hours = facts_row(table(report, "题目", "4. 每周上网几小时？"))
    # 2 4 6 3 5 1 2 4 3: sum 30, mean 10/3; squared deviations from 10/3:
    # (16 + 4 + 64 + 1 + 25 + 49 + 16 + 4 + 1) / 9 = 180/9 = 20; variance 20/8 = 2.5.
    assert hours["人数"] == 9
    assert hours["平均数"] == pytest.approx(10 / 3)
    assert hours["标准差"] == pytest.approx(math.sqrt(2.5))
    assert hours["中位数"] == 3.0


def facts_row(found: Table) -> dict[str, Cell]:
    (row,) = found.rows
    return dict(zip(found.header, row, strict=True))


def significance(report: Report, sheet: str) -> dict[Cell, dict[str, Cell]]:
    summary = report_sheet(report, sheet).tables[0]
    return {row[0]: dict(zip(summary.header, row, strict=True)) for row in summary.rows}


def report_sheet(report: Report, name: str) -> Any:
    (sheet,) = (s for s in report.sheets if s.name == name)
    return sheet


def test_chi_square_of_a_choice_by_gender_by_hand() -> None:
    report = build_form_report(survey(), responses())

    crosstab = table(report, "按性别", "1. 您最常用哪种设备上网？")
    # women: phone 0,1,3 = 3, computer 2,4 = 2, tablet 0; men: phone 9 = 1, computer 5,6,8 = 3,
    # tablet 7 = 1. Row totals 5 and 5, column totals 4, 5, 1, n = 10.
    assert crosstab.rows == (
        ("女", 5, 3, 60.0, 2, 40.0, 0, 0.0),
        ("男", 5, 1, 20.0, 3, 60.0, 1, 20.0),
    )
    # Expected (5 x column / 10): 2, 2.5, 0.5 in both rows.
    # chi2 = 1/2 + 0.25/2.5 + 0.25/0.5 + 1/2 + 0.25/2.5 + 0.25/0.5 = 2.2, df = 1 x 2 = 2;
    # with 2 df the upper tail is exp(-x/2): p = exp(-1.1). Cramér's V = sqrt(2.2 / 10).
    test = significance(report, "按性别")["1. 您最常用哪种设备上网？"]
    assert test["检验方法"] == "卡方检验"
    assert test["统计量"] == pytest.approx(2.2)
    assert test["自由度"] == 2
    assert test["p 值"] == pytest.approx(math.exp(-1.1))
    assert test["效应量"] == pytest.approx(math.sqrt(0.22))
    # Expected counts of 0.5 and 2: the p-value is flagged as approximate.
    assert test["说明"] == "有期望频数小于 5 的格子，卡方检验的 p 值仅供参考。"
    assert crosstab.notes[0].startswith("卡方检验：χ² = 2.200，df = 2，p = 0.333")


def test_welch_t_test_of_a_rating_by_gender_by_hand() -> None:
    report = build_form_report(survey(), responses())

    by_gender = table(report, "按性别", "3. 您对在线培训满意吗？")
    # women 5 4 4 3 5: mean 4.2, squared deviations .64+.04+.04+1.44+.64 = 2.8, variance 0.7;
    # men 2 3 2 1: mean 2, squared deviations 0+1+0+1 = 2, variance 2/3.
    assert column(by_gender, "组") == ["女", "男"]
    assert column(by_gender, "平均数") == pytest.approx([4.2, 2.0])
    assert column(by_gender, "标准差") == pytest.approx([math.sqrt(0.7), math.sqrt(2 / 3)])
    # Welch: se² = 0.7/5 + (2/3)/4 = 0.14 + 1/6; t = (4.2 - 2) / se;
    # df = se⁴ / ((0.7/5)²/4 + ((2/3)/4)²/3).
    se2 = 0.14 + 1 / 6
    test = significance(report, "按性别")["3. 您对在线培训满意吗？"]
    assert test["检验方法"] == "Welch t 检验"
    assert test["统计量"] == pytest.approx(2.2 / math.sqrt(se2))
    assert test["自由度"] == pytest.approx(se2**2 / (0.14**2 / 4 + (1 / 6) ** 2 / 3))
    assert 0 < float(test["p 值"] or 1) < 0.05  # t ≈ 3.97 on ≈ 6.6 df


def test_anova_of_a_number_by_age_band_by_hand() -> None:
    report = build_form_report(survey(), responses())

    by_age = table(report, "按年龄段", "4. 每周上网几小时？")
    # under 30: 2 4 1 (mean 7/3); 30-39: 6 3 2 (11/3; response 9 gave none); 40-49: 5 4 3 (4).
    assert column(by_age, "组") == ["30岁以下", "30–39岁", "40–49岁"]
    assert column(by_age, "平均数") == pytest.approx([7 / 3, 11 / 3, 4.0])
    # Grand mean 30/9 = 10/3. Between: 3(1)² + 3(1/3)² + 3(2/3)² = 3 + 1/3 + 4/3 = 14/3.
    # Within: (1/9 + 25/9 + 16/9) + (49/9 + 4/9 + 25/9) + (1 + 0 + 1) = 14/3 + 26/3 + 2 = 46/3.
    # F = (14/3 / 2) / (46/3 / 6) = 21/23 on (2, 6) df. With 2 numerator df the F tail is
    # (1 + 2F/6)^(-6/2): p = (30/23)^-3 = (23/30)³. Eta squared = (14/3) / (60/3) = 7/30.
    test = significance(report, "按年龄段")["4. 每周上网几小时？"]
    assert test["检验方法"] == "单因素方差分析"
    assert test["统计量"] == pytest.approx(21 / 23)
    assert (test["自由度"], test["组内自由度"]) == (2, 6)
    assert test["p 值"] == pytest.approx((23 / 30) ** 3)
    assert test["效应量"] == pytest.approx(7 / 30)


def test_a_group_too_small_is_pooled_and_never_shown_alone() -> None:
    report = build_form_report(survey(), responses())

    tools = table(report, "按年龄段", "2. 您用过哪些工具？")
    # Of those who answered, 40-49 has 2 (response 8 did not answer): pooled; the pool of 2 is
    # still below 3, so the smallest other group (under 30, 3) joins it.
    assert column(tools, "组") == ["30–39岁", OTHER_GROUP]
    assert column(tools, "人数") == [4, 5]
    # WeChat: 30-39 ticked 2 (responses 2, 9), the pool 5 (0, 1, 4, 5, 7).
    assert column(tools, "微信 人数") == [2, 5]
    assert "已合并的组：30岁以下、40–49岁" in tools.notes
    assert all(len(row) == len(tools.header) for row in tools.rows)


def test_groups_read_as_words_in_their_natural_order_in_english_too() -> None:
    report = build_form_report(survey(), responses(), language="en")

    assert [s.name for s in report.sheets][:2] == ["Overview", "Questions"]
    by_age = table(report, "By age band", "4. Hours")
    assert column(by_age, "Group") == ["Under 30", "30–39", "40–49"]
    assert column(table(report, "By gender", "1. Device"), "Group") == ["Female", "Male"]
    assert table(report, "Questions", "1. Device").rows[0][0] == "Phone"
    assert table(report, "By age band", "2. Tools").rows[1][0] == "(small groups pooled)"


def test_text_answers_are_listed_sorted_with_nothing_else() -> None:
    report = build_form_report(survey(), responses())

    texts = table(report, "文字回答", "5. 您的建议")
    assert texts.header == ("回答",)
    assert texts.rows == tuple((t,) for t in sorted(COMMENTS.values()))
    assert table(report, "题目", "5. 您的建议").rows == ((3, 7),)


def test_a_response_to_a_version_the_server_does_not_know_is_counted() -> None:
    unknown = response(
        99,
        {"device": "phone", "tools": "wechat", "retired_question": "是"},
        Respondent(SCHOOL_A, "female", "50plus", "语文"),
        version="v0-never-published",
    )

    report = build_form_report(survey(), [*responses(), unknown])

    assert table(report, "概况", "各版本的回答").rows == (
        ("v1", "当前版本", 10),
        ("v0-never-published", "服务器不知道的版本", 1),
    )
    assert facts(table(report, "概况", "表单"))["回答总数"] == 11
    # Its answer to "device" counts (phone 4 + 1 of 11); it did not answer the rating, which
    # its version may not have: the rating still counts 9 of the 10 that were asked.
    assert column(table(report, "题目", "1. 您最常用哪种设备上网？"), "人数") == [5, 5, 1]
    assert facts_row(table(report, "题目", "3. 您对在线培训满意吗？：数值统计"))["未回答"] == 1
    # A multiple choice sent as text does not fit the type: counted apart, not guessed at.
    tools = table(report, "题目", "2. 您用过哪些工具？")
    assert "1 个回答与本题的类型不符（来自其他版本），未计入。" in tools.notes
    others = table(report, "概况", "不在当前版本中的题目")
    assert others.rows == (("retired_question", "未知版本", 1),)
    assert "1 份回答来自服务器不知道的版本" in report.notes[1]


def test_questions_only_an_earlier_version_has_are_reported_with_its_labels() -> None:
    current = survey("v2")
    first = survey(
        "v1",
        questions=[
            {
                "name": "device",
                "type": "select_one",
                "label": {"zh": "设备"},
                "choices": _choices(("phone", "手机"), ("desktop", "台式机")),
            },
            {
                "name": "trained",
                "type": "select_one",
                "label": {"zh": "参加过培训吗？"},
                "choices": _choices(("yes", "是"), ("no", "否")),
            },
        ],
    )
    who = Respondent(SCHOOL_B, "male", "30to39", "数学")
    old = [
        response(50, {"device": "desktop", "trained": "yes"}, who),
        response(51, {"device": "phone", "trained": "no"}, who),
    ]

    report = build_form_report(current, [*old, *responses()], versions={"v1": first, "v2": current})

    assert table(report, "概况", "各版本的回答").rows == (
        ("v2", "当前版本", 0),
        ("v1", "较早发布的版本", 12),
    )
    device = table(report, "题目", "1. 您最常用哪种设备上网？")
    # phone 4 + 1; "desktop" is no current choice: its own row, labelled as v1 labelled it.
    assert [row[:2] for row in device.rows] == [
        ("手机", 5),
        ("电脑", 5),
        ("平板", 1),
        ("台式机（不在当前选项中）", 1),
    ]
    assert column(device, "%") == pytest.approx([500 / 12, 500 / 12, 100 / 12, 100 / 12])
    trained = table(report, "题目", "6. 参加过培训吗？（仅在较早版本中）")
    # Asked in v1 only; the ten v1 responses above carry no answer to it: missing.
    assert trained.rows == (("是", 1, 50.0), ("否", 1, 50.0))
    assert trained.notes[0] == "回答 2 人，未回答 10 人。"
    others = table(report, "概况", "不在当前版本中的题目")
    assert others.rows == (("trained", "较早版本 v1", 2),)


# --- quizzes -------------------------------------------------------------------------------


def quiz() -> FormSpec:
    return FormSpec.model_validate(
        {
            "id": "ict-quiz",
            "version": "q1",
            "title": {"zh": "信息技术测验"},
            "default_language": "zh",
            "languages": ["zh", "en"],
            "mode": "quiz",
            "quiz": {"pass_mark": 3},
            "pages": [
                {
                    "questions": [
                        {
                            "name": "qa",
                            "type": "select_one",
                            "label": {"zh": "哪个是浏览器？"},
                            "choices": _choices(("a", "记事本"), ("b", "火狐"), ("c", "画图")),
                            "correct": ["b"],
                            "points": 1,
                        },
                        {
                            "name": "qb",
                            "type": "select_multiple",
                            "label": {"zh": "哪些是文件格式？"},
                            "choices": _choices(("x", "PDF"), ("y", "DOCX"), ("z", "WiFi")),
                            "correct": ["x", "y"],
                            "points": 2,
                        },
                        {
                            "name": "qc",
                            "type": "integer",
                            "label": {"zh": "1 KB 约等于多少个 128 B？"},
                            "correct": ["8"],
                            "points": 1,
                        },
                    ]
                }
            ],
        }
    )


def attempt(
    number: int, teacher: str, answers: dict[str, Any], gender: str, *, sent: bool = True
) -> ServerResponse:
    """A quiz response; ``sent``: with the score the PC computed, else without one."""
    marked = quiz().score(answers)
    score = {"score": marked.score, "max_score": marked.max_score, "passed": marked.passed}
    who = Respondent(SCHOOL_A, gender, "30to39", "信息技术")
    return response(
        number, answers, who, version="q1", teacher_id=teacher, **(score if sent else {})
    )


T1, T2, T3, T4, T5 = (f"teacher-{n}-5c2e9b" for n in range(1, 6))


def attempts() -> list[ServerResponse]:
    # qa is right with b (1 point), qb with exactly x and y (2 points), qc with 8 (1 point).
    return [
        attempt(1, T1, {"qa": "a", "qb": ["x"], "qc": 8}, "female"),  # 1 point
        attempt(2, T2, {"qa": "b", "qb": ["x"], "qc": 8}, "female"),  # 1 + 1 = 2
        attempt(3, T3, {"qa": "a", "qb": ["y"], "qc": 5}, "male", sent=False),  # 0
        attempt(4, T4, {"qa": "b", "qb": ["x", "y"], "qc": 6}, "male"),  # 1 + 2 = 3
        attempt(5, T5, {"qa": "c", "qb": ["y", "x"], "qc": 8}, "male"),  # 2 + 1 = 3
        attempt(6, T1, {"qa": "b", "qb": ["x", "y"], "qc": 8}, "female"),  # 4: t1's best
    ]


def test_quiz_scores_pass_rate_and_item_statistics_by_hand() -> None:
    report = build_form_report(quiz(), attempts())

    assert [s.name for s in report.sheets][:3] == ["概况", "测验成绩", "题目"]
    overview = facts(table(report, "概况", "表单"))
    assert overview["提交总次数"] == 6 and overview["计入的教师人数（每人取最好的一次）"] == 5
    summary = facts(table(report, "测验成绩", "成绩概要"))
    # Best attempts: t1 4, t2 2, t3 0 (marked by the server: its PC sent no score), t4 3, t5 3.
    # Passed (3 of 4 points or more): t1, t4, t5 = 3 of 5 = 60 %. Mean 12/5 = 2.4; squared
    # deviations 2.56 + 0.16 + 5.76 + 0.36 + 0.36 = 9.2, variance 9.2/4 = 2.3. Median 3.
    assert summary["满分"] == 4 and summary["及格分"] == 3
    assert summary["及格人数"] == 3
    assert summary["及格率 %"] == pytest.approx(60.0)
    assert summary["平均数"] == pytest.approx(2.4)
    assert summary["标准差"] == pytest.approx(math.sqrt(2.3))
    assert summary["中位数"] == 3.0
    distribution = table(report, "测验成绩", "得分分布")
    assert [(row[0], row[1]) for row in distribution.rows] == [
        ("0", 1),
        ("1", 0),
        ("2", 1),
        ("3", 2),
        ("4", 1),
    ]
    assert distribution.chart is not None

    items = table(report, "测验成绩", "各题难度与区分度")
    # Right or wrong per teacher (t1..t5): qa 1 1 0 1 0; qb 1 0 0 1 1; qc 1 1 0 0 1.
    # Difficulty: 3/5 each. Discrimination of qa against the rest (qb + qc): rest 2 1 0 1 2,
    # means 0.6 and 1.2; Sxy = .4*.8 + .4*-.2 + -.6*-1.2 + .4*-.2 + -.6*.8 = 0.4,
    # Sxx = 3*.16 + 2*.36 = 1.2, Syy = .64 + .04 + 1.44 + .04 + .64 = 2.8.
    assert column(items, "难度（答对比例）") == pytest.approx([0.6, 0.6, 0.6])
    assert column(items, "人数") == [5, 5, 5]
    assert column(items, "区分度")[0] == pytest.approx(0.4 / math.sqrt(1.2 * 2.8))

    frequencies = table(report, "题目", "1. 哪个是浏览器？")
    # Counted attempts only: a by t3, b by t1 t2 t4, c by t5; the key is marked.
    assert frequencies.rows == (
        ("记事本", 1, 20.0, None),
        ("火狐", 3, 60.0, "✓"),
        ("画图", 1, 20.0, None),
    )
    # Teacher ids were read only to count each teacher once: they are in no table.
    exported = json.dumps(report_to_dict(report), ensure_ascii=False)
    assert not any(r.teacher_id in exported for r in attempts() if r.teacher_id)
    score_by_gender = table(report, "按性别", "测验总分")
    # women t1 4, t2 2: n 2 < 3, pooled with the men (3, 0 3 3) into one group: no test.
    assert column(score_by_gender, "人数") == [5]


# --- anonymity -----------------------------------------------------------------------------


def test_an_anonymous_survey_leaves_no_trace_of_who_in_any_export(tmp_path: Path) -> None:
    spec = survey(anonymous=True)
    given = responses()
    secrets = [r.response_id for r in given]
    secrets += [r.at.isoformat() for r in given] + [r.at.strftime("%H:%M:%S") for r in given]

    report = build_form_report(spec, given)
    write_xlsx(report, tmp_path / "r.xlsx")
    write_json(report, tmp_path / "r.json")
    files = write_csv(report, tmp_path / "csv")

    assert report.notes[0].startswith("匿名问卷：报告中没有教师的姓名、编号、提交时间")
    xlsx = _xlsx_texts(tmp_path / "r.xlsx")
    json_text = [(tmp_path / "r.json").read_text("utf-8")]
    csv_texts = [f.read_text("utf-8-sig") for f in [*files, tmp_path / "csv" / "index.csv"]]
    every = xlsx + json_text + csv_texts
    assert [secret for secret in secrets if any(secret in text for text in every)] == []
    # The answers themselves are what the report is for: they are there, in every format.
    for texts in (xlsx, json_text, csv_texts):
        assert any("希望多一些视频课" in text for text in texts)


def _xlsx_texts(path: Path) -> list[str]:
    """Every part of the workbook as text: cells, shared strings, charts, properties."""
    with zipfile.ZipFile(path) as archive:
        return [archive.read(name).decode("utf-8", "replace") for name in archive.namelist()]


def test_responses_to_an_anonymous_survey_with_teacher_ids_are_refused() -> None:
    named = [
        response(
            1,
            {"device": "phone"},
            Respondent(SCHOOL_A, "male", "50plus", "数学"),
            teacher_id="d3b07384-d9a0-4c9f-8f3e-000000000001",
        )
    ]

    with pytest.raises(ValueError, match="anonymous"):
        build_form_report(survey(anonymous=True), named)


def test_a_form_without_responses_still_gets_a_report_that_says_zero(tmp_path: Path) -> None:
    for spec in (survey(), quiz()):
        report = build_form_report(spec, [])

        assert "还没有收到回答。" in report.notes
        assert table(report, "概况", "各版本的回答").rows[0][2] == 0
        write_xlsx(report, tmp_path / f"{spec.id}.xlsx")  # every writer takes it
        write_json(report, tmp_path / f"{spec.id}.json")
        assert json.loads((tmp_path / f"{spec.id}.json").read_text("utf-8"))["sheets"]


@pytest.mark.parametrize("min_cell", [0, -1])
def test_min_cell_must_be_at_least_one(min_cell: int) -> None:
    with pytest.raises(ValueError, match="min_cell"):
        build_form_report(survey(), responses(), min_cell=min_cell)


def test_min_cell_one_shows_every_group() -> None:
    report = build_form_report(survey(), responses(), min_cell=1)

    tools = table(report, "按年龄段", "2. 您用过哪些工具？")
    assert column(tools, "组") == ["30岁以下", "30–39岁", "40–49岁"]
    assert column(tools, "人数") == [3, 4, 2]


def test_a_school_named_like_the_reports_own_groups_is_not_taken_for_them() -> None:
    given = [
        response(n, {"device": "phone"}, Respondent(OTHER_GROUP, "female", "under30", "数学"))
        for n in range(3)
    ]

    report = build_form_report(survey(), given)

    assert table(report, "概况", "各学校的回答数").rows == ((f"{OTHER_GROUP}*", 3),)


def test_a_language_without_words_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        build_form_report(survey(), responses(), language="fr")
