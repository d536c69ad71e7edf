"""The words of a form's report, in Chinese and English, and how results read as text.

:class:`Words` is bound to one language: ``words("overview")`` is a heading, ``words.gender(code)``
a group label, ``words.test_line(test)`` a test's result as one sentence. The report's own
groups (:data:`server.analysis.OTHER_GROUP`, :data:`server.analysis.UNKNOWN_GROUP`) and the
reasons a statistic is missing (:data:`server.analysis.REASONS`) get English words here too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from server.analysis import OTHER_GROUP, REASONS, UNKNOWN_GROUP

if TYPE_CHECKING:  # the module itself imports scipy, which the command line loads late
    from server.analysis_compare import Significance

LANGUAGES = ("zh", "en")

# app.storage.models.GENDERS and AGE_BANDS (the server does not import the client).
GENDERS = ("female", "male", "unspecified")
AGE_BANDS = ("under30", "30to39", "40to49", "50plus")

_GENDER = {
    "zh": {"female": "女", "male": "男", "unspecified": "未说明"},
    "en": {"female": "Female", "male": "Male", "unspecified": "Not stated"},
}
_AGE_BAND = {
    "zh": {"under30": "30岁以下", "30to39": "30–39岁", "40to49": "40–49岁", "50plus": "50岁及以上"},
    "en": {"under30": "Under 30", "30to39": "30–39", "40to49": "40–49", "50plus": "50 and over"},
}
_OWN_GROUPS = {
    "zh": {OTHER_GROUP: OTHER_GROUP, UNKNOWN_GROUP: UNKNOWN_GROUP},
    "en": {OTHER_GROUP: "(small groups pooled)", UNKNOWN_GROUP: "(not given)"},
}
_REASONS_EN = {
    "no_data": "No answers: nothing to compute.",
    "too_few": "Too few answers to compute.",
    "one_group": "Only one group is left after pooling small groups: nothing to compare.",
    "one_answer": "Every answer is the same: no difference to test.",
    "no_variation": "Every number is the same (SD 0): the test is not defined.",
    "no_variation_within_groups": "Nothing varies inside any group (SD 0): the test is not "
    "defined.",
    "group_too_small": "A group has fewer than 2 answers: no test.",
    "all_same_score": "Everyone scored the same on this question: no discrimination.",
    "rest_constant": "The rest of the quiz scored the same for everyone: no discrimination.",
    "low_expected": "Some expected counts are below 5: the chi-square p-value is approximate.",
}
_METHODS = {
    "zh": {
        "chi2": "卡方检验",
        "fisher_exact": "Fisher 精确检验",
        "welch_t": "Welch t 检验",
        "anova": "单因素方差分析",
    },
    "en": {
        "chi2": "Chi-square test",
        "fisher_exact": "Fisher's exact test",
        "welch_t": "Welch's t-test",
        "anova": "One-way ANOVA",
    },
}
_EFFECTS = {"cramers_v": "Cramér's V", "cohens_d": "Cohen's d", "eta_squared": "η²"}
_STATISTICS = {"chi2": "χ²", "fisher_exact": "χ²", "welch_t": "t", "anova": "F"}

_WORDS: dict[str, tuple[str, str]] = {
    # sheets
    "overview": ("概况", "Overview"),
    "questions": ("题目", "Questions"),
    "texts": ("文字回答", "Text answers"),
    "by_gender": ("按性别", "By gender"),
    "by_age_band": ("按年龄段", "By age band"),
    "by_school": ("按学校", "By school"),
    "by_subject": ("按学科", "By subject"),
    "quiz": ("测验成绩", "Quiz scores"),
    # overview
    "report_title": ("{title}：结果报告", "{title}: report"),
    "form": ("表单", "Form"),
    "item": ("项目", "Item"),
    "value": ("值", "Value"),
    "title": ("标题", "Title"),
    "form_id": ("表单编号", "Form id"),
    "mode": ("类型", "Type"),
    "survey": ("问卷", "Survey"),
    "quiz_mode": ("测验", "Quiz"),
    "anonymous": ("匿名", "Anonymous"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "current_version": ("当前版本", "Current version"),
    "responses_total": ("回答总数", "Responses"),
    "submissions_total": ("提交总次数", "Submissions"),
    "teachers_counted": ("计入的教师人数（每人取最好的一次）", "Teachers counted (best attempt)"),
    "min_cell": ("小组最少人数", "Smallest group shown"),
    "versions": ("各版本的回答", "Responses by form version"),
    "version": ("版本", "Version"),
    "status": ("状态", "Status"),
    "responses": ("回答数", "Responses"),
    "status_current": ("当前版本", "current"),
    "status_earlier": ("较早发布的版本", "published earlier"),
    "status_unknown": ("服务器不知道的版本", "unknown to this server"),
    "by_school_counts": ("各学校的回答数", "Responses by school"),
    "school": ("学校", "School"),
    "other_questions": ("不在当前版本中的题目", "Questions not in the current version"),
    "question_name": ("题目名称", "Question name"),
    "where": ("来源", "Where from"),
    "answers": ("回答数", "Answers"),
    "earlier_version": ("较早版本 {versions}", "earlier version {versions}"),
    "unknown_version": ("未知版本", "unknown version"),
    "merged_groups": ("已合并的组：{groups}", "Groups pooled: {groups}"),
    "unknown_versions_note": (
        "{count} 份回答来自服务器不知道的版本：其中与当前题目同名的回答照常计入。",
        "{count} responses are to a version this server does not know: their answers to "
        "questions of the same name are counted as usual.",
    ),
    "anonymous_note": (
        "匿名问卷：报告中没有教师的姓名、编号、提交时间，也没有逐份的回答；"
        "人数少于 {min_cell} 的组已合并。",
        "Anonymous survey: the report holds no teacher's name, id or submission time, and no "
        "single response; groups of fewer than {min_cell} are pooled.",
    ),
    "named_note": (
        "本报告不列出教师姓名，也没有逐人的数据；人数少于 {min_cell} 的组已合并。",
        "The report lists no teacher by name and has no per-teacher rows; groups of fewer "
        "than {min_cell} are pooled.",
    ),
    "no_responses_note": ("还没有收到回答。", "No responses yet."),
    # questions
    "question_title": ("{number}. {label}", "{number}. {label}"),
    "earlier_only": ("（仅在较早版本中）", " (earlier versions only)"),
    "stats_title": ("{title}：数值统计", "{title}: numbers"),
    "choice": ("选项", "Choice"),
    "count": ("人数", "Count"),
    "percent": ("%", "%"),
    "correct": ("正确答案", "Correct answer"),
    "not_a_choice": ("{value}（不在当前选项中）", "{value} (not a current choice)"),
    "answered_missing": (
        "回答 {base} 人，未回答 {missing} 人。",
        "{base} answered, {missing} did not.",
    ),
    "multiple_note": (
        "可多选：百分比是回答本题的人中选了该项的比例，合计可超过 100%。",
        "Multiple choice: percentages are of those who answered, and may add up to more than 100%.",
    ),
    "rating_note": (
        "平均数等按各选项的分值计算（选项名为数字时取该数字，否则取选项的序号）。",
        "Means use each choice's value (its name when every name is a number, else its position).",
    ),
    "wrong_type_note": (
        "{count} 个回答与本题的类型不符（来自其他版本），未计入。",
        "{count} answers do not fit this question's type (another version): not counted.",
    ),
    "n": ("人数", "n"),
    "missing": ("未回答", "Missing"),
    "mean": ("平均数", "Mean"),
    "sd": ("标准差", "SD"),
    "median": ("中位数", "Median"),
    "q1": ("下四分位数", "Q1"),
    "q3": ("上四分位数", "Q3"),
    "min": ("最小值", "Min"),
    "max": ("最大值", "Max"),
    "answered": ("回答人数", "Answered"),
    "texts_note": (
        "文字回答按文字排序列出，不带任何分组、姓名或时间，顺序与回答者无关。",
        "Text answers are listed sorted by their text, with no group, name or time: the order "
        "says nothing about who wrote them.",
    ),
    "answer": ("回答", "Answer"),
    "see_texts": ("文字回答见“{sheet}”工作表。", "The answers are on the sheet “{sheet}”."),
    # breakdowns
    "tests_title": ("差异检验汇总（{dimension}）", "Tests of difference ({dimension})"),
    "gender": ("性别", "gender"),
    "age_band": ("年龄段", "age band"),
    "subject": ("学科", "subject"),
    "school_group": ("学校", "school"),
    "chart_of": ("{title}：{what}", "{title}: {what}"),
    "question": ("题目", "Question"),
    "method": ("检验方法", "Test"),
    "statistic": ("统计量", "Statistic"),
    "df": ("自由度", "df"),
    "df2": ("组内自由度", "df within"),
    "p_value": ("p 值", "p-value"),
    "effect": ("效应量", "Effect size"),
    "effect_name": ("效应量指标", "Effect measure"),
    "remark": ("说明", "Note"),
    "group": ("组", "Group"),
    "choice_count": ("{choice} 人数", "{choice} n"),
    "choice_percent": ("{choice} %", "{choice} %"),
    "question_choice": ("{question}：{choice}", "{question}: {choice}"),
    "percent_by_group": ("各组选择比例", "Percent of each group"),
    "mean_by_group": ("各组平均数", "Mean of each group"),
    "no_test": ("未检验：{reason}", "No test: {reason}"),
    "total_score": ("测验总分", "Quiz score"),
    # quiz
    "score_summary": ("成绩概要", "Scores"),
    "full_marks": ("满分", "Full marks"),
    "pass_mark": ("及格分", "Pass mark"),
    "passed": ("及格人数", "Passed"),
    "pass_rate": ("及格率 %", "Pass rate %"),
    "score_scale_percent": (
        "各版本满分不同，得分按满分的百分比计。",
        "Versions have different full marks: scores are percentages of the full marks.",
    ),
    "score": ("得分", "Score"),
    "score_distribution": ("得分分布", "Score distribution"),
    "items": ("各题难度与区分度", "Difficulty and discrimination"),
    "difficulty": ("难度（答对比例）", "Difficulty (proportion right)"),
    "discrimination": ("区分度", "Discrimination"),
    "items_note": (
        "难度：答对的比例，越高越容易。区分度：本题得分与其余题目总分的相关系数；"
        "接近 0 或为负时，请检查答案和题目的措辞。",
        "Difficulty: the proportion who got it right (high: easy). Discrimination: the "
        "correlation of the question's score with the rest of the quiz; near 0 or negative, "
        "check the key and the wording.",
    ),
    "no_score_note": (
        "{count} 份回答没有得分（服务器不知道其版本），未计入。",
        "{count} responses have no score (their version is unknown): not counted.",
    ),
    "test_result": (
        "{method}：{statistic}，{df}p {p}",
        "{method}: {statistic}, {df}p {p}",
    ),
    "effect_part": ("，{name} = {value}", ", {name} = {value}"),
}


class Words:
    """The report's words in one language (``zh`` or ``en``)."""

    def __init__(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"reports are written in {', '.join(LANGUAGES)}, not {language!r}")
        self.language = language
        self._index = LANGUAGES.index(language)

    def __call__(self, key: str, **values: object) -> str:
        return _WORDS[key][self._index].format(**values)

    def gender(self, code: str) -> str:
        return _GENDER[self.language].get(code, code)

    def age_band(self, code: str) -> str:
        return _AGE_BAND[self.language].get(code, code)

    @property
    def gender_order(self) -> tuple[str, ...]:
        return tuple(self.gender(code) for code in GENDERS)

    @property
    def age_band_order(self) -> tuple[str, ...]:
        return tuple(self.age_band(code) for code in AGE_BANDS)

    def group(self, label: str) -> str:
        """A group as shown: the report's own pooled and unknown groups in this language."""
        return _OWN_GROUPS[self.language].get(label, label)

    def reason(self, code: str) -> str:
        return (REASONS if self.language == "zh" else _REASONS_EN).get(code, code)

    def method(self, code: str | None) -> str | None:
        return None if code is None else _METHODS[self.language].get(code, code)

    def test_line(self, test: Significance) -> str:
        """A test's result in one sentence, or why there is none."""
        if test.p_value is None or test.method is None:
            return self("no_test", reason=self.reason(test.reason or "no_data"))
        statistic = f"{_STATISTICS.get(test.method, '')} = {test.statistic or 0.0:.3f}"
        df = ""
        if test.df is not None:
            # Welch's df is fractional; the others are whole numbers.
            dfs = f"{test.df:.1f}" if test.method == "welch_t" else f"{test.df:g}"
            if test.df2 is not None:
                dfs += f", {test.df2:g}"
            df = f"df = {dfs}" + ("，" if self.language == "zh" else ", ")
        line = self(
            "test_result",
            method=self.method(test.method),
            statistic=statistic,
            df=df,
            p=format_p(test.p_value),
        )
        if test.effect is not None and test.effect_name is not None:
            name = _EFFECTS.get(test.effect_name, test.effect_name)
            line += self("effect_part", name=name, value=f"{test.effect:.2f}")
        if test.warning is not None:
            line += ("。" if self.language == "zh" else ". ") + self.reason(test.warning)
        return line

    def effect_name(self, code: str | None) -> str | None:
        return None if code is None else _EFFECTS.get(code, code)


def format_p(p: float) -> str:
    """``= 0.012``, or ``< 0.001`` for the smallest values (as APA style writes them)."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"
