#!/usr/bin/env python3
"""Makes Lamplight's demo forms: XLSForm workbooks in ``assets/demo/forms/``.

Run from anywhere, with the project's virtualenv::

    .venv/bin/python scripts/make_demo_forms.py           # (re)write both workbooks
    .venv/bin/python scripts/make_demo_forms.py --check   # only check what is there

``teacher-info-literacy.xlsx``
    an anonymous survey of rural teachers' information literacy and online training, in
    Chinese with English: the school and teaching, a page of 5-point Likert items, online
    training in the last year with skip logic (which platforms, hours, usefulness, obstacles,
    only for those who trained; the reasons, only for those who did not), training needs and
    a long-text suggestion. Gender, age band, school and subject are not asked: the teacher's
    profile has them, and the county's reports break answers down by them.
``ict-basics-quiz.xlsx``
    a five-question quiz (10 points, pass mark 6, three attempts, feedback after submitting).
    It is also an item of the demo course ``ict-basics``, and a course's items must lie inside
    its folder, so the same bytes are written to ``assets/demo/courses/ict-basics/forms/``
    too (:data:`COURSE_COPIES`); the demo publishes the survey on its own (``publish-form``).

The workbooks are what a coordinator would write (and a model to copy): ``survey``,
``choices`` and ``settings`` sheets, bold headers, readable column widths. Re-running writes
byte-identical files (fixed document dates and zip timestamps), so the lead commits them
once. Each is then loaded with :func:`server.xlsform.load_xlsform`, which must accept it.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "demo" / "forms"
#: Workbooks that are also items of a demo course, and the course folder's copy of each.
COURSE_COPIES = {
    "ict-basics-quiz.xlsx": ROOT / "assets" / "demo" / "courses" / "ict-basics" / "forms",
}
sys.path.insert(0, str(ROOT))

from server.xlsform import load_xlsform  # noqa: E402 - after the path is set

Row = list[str | int | None]
FIXED_TIME = datetime(2024, 9, 1)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
ZH, EN = "label::Chinese (zh)", "label::English (en)"

SURVEY_HEADERS: Row = [
    "type",
    "name",
    ZH,
    EN,
    "hint::Chinese (zh)",
    "hint::English (en)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::Chinese (zh)",
    "constraint_message::English (en)",
    "appearance",
]


def q(
    type_: str,
    name: str,
    zh: str = "",
    en: str = "",
    *,
    hint: tuple[str, str] = ("", ""),
    required: bool = False,
    relevant: str = "",
    constraint: str = "",
    message: tuple[str, str] = ("", ""),
    appearance: str = "",
) -> Row:
    """One survey row in the order of :data:`SURVEY_HEADERS`."""
    return [
        type_,
        name,
        zh,
        en,
        hint[0],
        hint[1],
        "yes" if required else "",
        relevant,
        constraint,
        message[0],
        message[1],
        appearance,
    ]


LIKERT = "select_one agree5"

TEACHER_SURVEY: list[Row] = [
    q("begin group", "basics", "基本情况", "About you"),
    q("select_one school_type", "school_type", "您所在学校的类型", "Your school", required=True),
    q(
        "integer",
        "years_teaching",
        "您的教龄（年）",
        "Years of teaching",
        hint=("不满一年请填 0", "Write 0 for less than a year"),
        required=True,
        constraint=". >= 0 and . <= 45",
        message=("教龄应在 0 到 45 年之间", "Between 0 and 45 years"),
    ),
    q(
        "select_multiple grades",
        "grades",
        "您任教的学段（可多选）",
        "Grades you teach",
        required=True,
    ),
    q(
        "select_multiple devices",
        "devices",
        "您在教学中使用哪些设备？（可多选）",
        "Devices you teach with",
    ),
    q(
        "select_one internet",
        "internet",
        "学校的网络情况",
        "Internet at your school",
        required=True,
    ),
    q(
        "decimal",
        "prep_hours",
        "每周在网上备课大约几小时？",
        "Hours a week preparing lessons online",
        constraint=". >= 0 and . <= 80",
        message=("请填写 0 到 80 之间的数字", "A number from 0 to 80"),
    ),
    q("end group", ""),
    q("begin group", "literacy", "信息技术应用", "Using technology"),
    q(
        "note",
        "literacy_intro",
        "请根据您的实际情况，选择对下列说法的同意程度。",
        "How much do you agree with each statement?",
    ),
    q(
        LIKERT,
        "use_resources",
        "我经常在课堂上使用数字教学资源。",
        "I often use digital resources in class.",
        required=True,
        appearance="likert",
    ),
    q(
        LIKERT,
        "find_resources",
        "我能很快找到适合自己学科的网络资源。",
        "I quickly find online resources for my subject.",
        required=True,
        appearance="likert",
    ),
    q(
        LIKERT,
        "make_courseware",
        "我能独立制作多媒体课件。",
        "I can make multimedia courseware on my own.",
        required=True,
        appearance="likert",
    ),
    q(
        LIKERT,
        "fix_problems",
        "遇到电脑或软件问题时，我有信心自己解决。",
        "I am confident I can solve computer problems myself.",
        required=True,
        appearance="likert",
    ),
    q(
        LIKERT,
        "protect_privacy",
        "我知道如何保护学生的个人信息。",
        "I know how to protect students' personal data.",
        required=True,
        appearance="likert",
    ),
    q("end group", ""),
    q(
        "select_one yes_no",
        "trained",
        "过去一年，您参加过网络研修（在线培训）吗？",
        "Did you take online training in the last year?",
        required=True,
    ),
    q(
        "begin group",
        "training",
        "网络研修情况",
        "Your online training",
        relevant="${trained} = 'yes'",
    ),
    q(
        "select_multiple platforms",
        "platforms",
        "您在哪些平台参加了研修？（可多选）",
        "Where did you train?",
        required=True,
    ),
    q(
        "text",
        "platform_other",
        "其他平台的名称",
        "The other platform",
        required=True,
        relevant="selected(${platforms}, 'other')",
    ),
    q(
        "integer",
        "hours",
        "一年里大约学习了多少小时？",
        "About how many hours in the year?",
        required=True,
        constraint=". >= 1 and . <= 500",
        message=("请填写 1 到 500 之间的整数", "A whole number from 1 to 500"),
    ),
    q(
        "date",
        "last_training",
        "最近一次参加网络研修的日期",
        "Date of your last online training",
        constraint=". <= today()",
        message=("日期不能晚于今天", "Not after today"),
    ),
    q(
        LIKERT,
        "useful",
        "网络研修对我的教学有帮助。",
        "Online training helps my teaching.",
        required=True,
        appearance="likert",
    ),
    q(
        "select_multiple obstacles",
        "obstacles",
        "研修中遇到的主要困难（可多选）",
        "The main difficulties",
        required=True,
        constraint="not(selected(., 'none') and count-selected(.) > 1)",
        message=("选了“没有困难”就不能再选其他项", "'No difficulty' goes alone"),
    ),
    q("end group", ""),
    q(
        "select_multiple reasons",
        "why_not",
        "您没有参加网络研修的主要原因（可多选）",
        "Why did you not take online training?",
        required=True,
        relevant="${trained} = 'no'",
    ),
    q("begin group", "needs", "培训需求", "What you need"),
    q(
        "select_multiple needs",
        "needs_topics",
        "您最希望接受哪方面的培训？（最多选三项）",
        "Which training do you want most? (up to three)",
        required=True,
        constraint="count-selected(.) <= 3",
        message=("最多选三项", "Three at most"),
    ),
    q("select_one times", "preferred_time", "您希望什么时间参加培训？", "When would suit you?"),
    q(
        "text",
        "suggestions",
        "对今后的网络研修，您有什么建议？",
        "Any suggestions for future online training?",
        appearance="multiline",
    ),
    q("end group", ""),
]

TEACHER_CHOICES: list[Row] = [
    ["school_type", "village", "村小或教学点", "Village school or teaching point"],
    ["school_type", "township_primary", "乡镇中心小学", "Township primary school"],
    ["school_type", "township_middle", "乡镇中学", "Township middle school"],
    ["school_type", "county", "县城学校", "County-town school"],
    ["grades", "lower_primary", "小学 1-3 年级", "Primary 1-3"],
    ["grades", "upper_primary", "小学 4-6 年级", "Primary 4-6"],
    ["grades", "junior", "初中", "Junior secondary"],
    ["grades", "senior", "高中", "Senior secondary"],
    ["devices", "desktop", "台式电脑", "Desktop computer"],
    ["devices", "laptop", "笔记本电脑", "Laptop"],
    ["devices", "phone", "智能手机", "Smartphone"],
    ["devices", "tablet", "平板电脑", "Tablet"],
    ["devices", "smartboard", "交互式白板或一体机", "Interactive whiteboard"],
    ["devices", "projector", "投影仪", "Projector"],
    ["internet", "good", "很好", "Good"],
    ["internet", "fair", "一般", "Fair"],
    ["internet", "unstable", "经常断网", "Often down"],
    ["internet", "none", "没有网络", "None"],
    ["agree5", "1", "非常不同意", "Strongly disagree"],
    ["agree5", "2", "不同意", "Disagree"],
    ["agree5", "3", "说不清", "Neither"],
    ["agree5", "4", "同意", "Agree"],
    ["agree5", "5", "非常同意", "Strongly agree"],
    ["yes_no", "yes", "参加过", "Yes"],
    ["yes_no", "no", "没有参加", "No"],
    ["platforms", "smartedu", "国家中小学智慧教育平台", "National Smart Education platform"],
    ["platforms", "provincial", "省级教师研修平台", "Provincial training platform"],
    ["platforms", "county_live", "县里或学校组织的直播", "County or school live sessions"],
    ["platforms", "wechat", "微信群或 QQ 群", "WeChat or QQ groups"],
    ["platforms", "other", "其他平台", "Other"],
    ["obstacles", "network", "网络不稳定", "Unreliable internet"],
    ["obstacles", "time", "没有时间", "No time"],
    ["obstacles", "devices", "设备不够", "Not enough devices"],
    ["obstacles", "content", "内容不实用", "Content not practical"],
    ["obstacles", "skills", "不会操作", "Hard to use"],
    ["obstacles", "none", "没有困难", "No difficulty"],
    ["reasons", "no_notice", "没有收到通知", "Never heard of it"],
    ["reasons", "no_time", "没有时间", "No time"],
    ["reasons", "no_device", "没有设备或网络", "No device or internet"],
    ["reasons", "not_useful", "觉得用处不大", "Not useful"],
    ["needs", "courseware", "课件制作", "Making courseware"],
    ["needs", "search", "查找网络资源", "Finding online resources"],
    ["needs", "online_teaching", "在线教学", "Teaching online"],
    ["needs", "assessment", "用数据评价学生", "Assessing with data"],
    ["needs", "safety", "信息安全", "Information security"],
    ["times", "evenings", "工作日晚上", "Weekday evenings"],
    ["times", "weekends", "周末", "Weekends"],
    ["times", "holidays", "寒暑假", "School holidays"],
    ["times", "school_hours", "学校教研时间", "School study time"],
]

TEACHER_SETTINGS: list[Row] = [
    [
        "form_title::Chinese (zh)",
        "form_title::English (en)",
        "form_id",
        "version",
        "default_language",
        "lamplight:mode",
        "lamplight:anonymous",
    ],
    [
        "乡村教师信息素养与网络研修调查",
        "Rural teachers' information literacy and online training",
        "teacher-info-literacy",
        "2024090101",
        "Chinese (zh)",
        "survey",
        "yes",
    ],
]

QUIZ_HEADERS: Row = [
    "type",
    "name",
    ZH,
    EN,
    "required",
    "lamplight:answer",
    "lamplight:points",
    "lamplight:feedback::Chinese (zh)",
    "lamplight:feedback::English (en)",
]

QUIZ_SURVEY: list[Row] = [
    [
        "note",
        "intro",
        "本测验共 5 题，满分 10 分，6 分及格。",
        "Five questions, 10 points; 6 to pass.",
    ],
    [
        "select_one keys",
        "save_key",
        "在 WPS 文字中，保存文档的快捷键是？",
        "Which keys save a document in WPS Writer?",
        "yes",
        "ctrl_s",
        2,
        "Ctrl+S 保存，Ctrl+C 复制，Ctrl+V 粘贴，Ctrl+Z 撤销。",
        "Ctrl+S saves, Ctrl+C copies, Ctrl+V pastes, Ctrl+Z undoes.",
    ],
    [
        "select_one passwords",
        "safe_password",
        "下面哪个密码最安全？",
        "Which password is the safest?",
        "yes",
        "mixed",
        2,
        "长一些、混合字母数字和符号的密码最难猜。",
        "Long passwords mixing letters, digits and symbols are hardest to guess.",
    ],
    [
        "select_multiple extensions",
        "image_files",
        "下面哪些是图片文件的扩展名？（多选）",
        "Which are picture file extensions? (choose all)",
        "yes",
        "jpg png gif",
        2,
        ".jpg、.png、.gif 是图片；.docx 是文档，.mp3 是声音。",
        ".jpg, .png and .gif are pictures; .docx is a document, .mp3 a sound.",
    ],
    [
        "integer",
        "kilobyte",
        "1 KB 等于多少字节（B）？",
        "How many bytes are in 1 KB?",
        "yes",
        "1024",
        2,
        "1 KB = 1024 B。",
        "1 KB = 1024 B.",
    ],
    [
        "select_one projector",
        "projector",
        "投影仪没有画面时，首先应检查什么？",
        "The projector shows nothing: what do you check first?",
        "yes",
        "cable",
        2,
        "先检查信号线是否插好、信号源是否选对。",
        "First check the cable and the input source.",
    ],
]

QUIZ_CHOICES: list[Row] = [
    ["keys", "ctrl_s", "Ctrl+S", "Ctrl+S"],
    ["keys", "ctrl_c", "Ctrl+C", "Ctrl+C"],
    ["keys", "ctrl_v", "Ctrl+V", "Ctrl+V"],
    ["keys", "ctrl_z", "Ctrl+Z", "Ctrl+Z"],
    ["passwords", "digits", "123456", "123456"],
    ["passwords", "birthday", "19800101（生日）", "19800101 (a birthday)"],
    ["passwords", "mixed", "Lamp#2024light", "Lamp#2024light"],
    ["passwords", "word", "password", "password"],
    ["extensions", "jpg", ".jpg", ".jpg"],
    ["extensions", "png", ".png", ".png"],
    ["extensions", "docx", ".docx", ".docx"],
    ["extensions", "mp3", ".mp3", ".mp3"],
    ["extensions", "gif", ".gif", ".gif"],
    ["projector", "cable", "信号线是否连好", "Whether the cable is connected"],
    ["projector", "reinstall", "重装电脑系统", "Reinstall the computer"],
    ["projector", "new_pc", "换一台电脑", "Use another computer"],
    ["projector", "switch_off", "关掉投影仪", "Switch the projector off"],
]

QUIZ_SETTINGS: list[Row] = [
    [
        "form_title::Chinese (zh)",
        "form_title::English (en)",
        "form_id",
        "version",
        "default_language",
        "lamplight:mode",
        "lamplight:pass_mark",
        "lamplight:attempts",
        "lamplight:show_feedback",
    ],
    [
        "信息技术基础小测验",
        "ICT basics quiz",
        "ict-basics-quiz",
        "2024090101",
        "Chinese (zh)",
        "quiz",
        6,
        3,
        "at_end",
    ],
]

CHOICE_HEADERS: Row = ["list_name", "name", ZH, EN]

FORMS: dict[str, tuple[list[Row], list[Row], list[Row]]] = {
    "teacher-info-literacy.xlsx": (
        [SURVEY_HEADERS, *TEACHER_SURVEY],
        [CHOICE_HEADERS, *TEACHER_CHOICES],
        TEACHER_SETTINGS,
    ),
    "ict-basics-quiz.xlsx": (
        [QUIZ_HEADERS, *QUIZ_SURVEY],
        [CHOICE_HEADERS, *QUIZ_CHOICES],
        QUIZ_SETTINGS,
    ),
}


def workbook_bytes(sheets: dict[str, list[Row]]) -> bytes:
    """The .xlsx bytes of ``sheets``, the same on every run."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            longest = max(len(str(c.value or "")) for c in column)
            letter = column[0].column_letter
            sheet.column_dimensions[letter].width = min(max(10, longest * 1.6), 60)
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "Lamplight"
    raw = io.BytesIO()
    book.save(raw)
    return _fixed_zip_times(raw.getvalue())


def _fixed_zip_times(data: bytes) -> bytes:
    """The same zip with every entry dated 1980-01-01 and the document's modified date fixed
    (openpyxl writes the time of saving there, whatever ``properties.modified`` says), so
    re-running changes no byte."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(
                    rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>",
                    content,
                )
            dst.writestr(fixed, content)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only check the files there")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (survey, choices, settings) in FORMS.items():
        path = OUT / name
        data = workbook_bytes({"survey": survey, "choices": choices, "settings": settings})
        copies = [COURSE_COPIES[name] / name] if name in COURSE_COPIES else []
        for target in [path, *copies]:
            if args.check:
                if not target.is_file() or target.read_bytes() != data:
                    print(f"{target}: out of date; run {Path(__file__).name} to rewrite it")
                    return 1
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        form = load_xlsform(path)
        print(
            f"{path.relative_to(ROOT)}: {form.mode.value} {form.id} v{form.version}, "
            f"{len(form.pages)} pages, {len(form.questions)} questions, {len(data)} bytes"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
