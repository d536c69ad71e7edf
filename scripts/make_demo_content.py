#!/usr/bin/env python3
"""Makes Lamplight's demo courses: ``assets/demo/courses/<course-id>/``, manifest and media.

Run from anywhere, with the project's virtualenv (``scripts/bootstrap.sh`` makes ``.venv``)::

    .venv/bin/python scripts/make_demo_content.py                  # (re)write everything
    .venv/bin/python scripts/make_demo_content.py --check          # only check what is there
    .venv/bin/python scripts/make_demo_content.py --preview OUTDIR # also write check images

It needs ``ffmpeg`` and ``ffprobe`` on PATH, built with libx264, the native AAC encoder and
drawtext/libfreetype (Debian: ``apt-get install ffmpeg``), and PySide6 (QtGui to typeset the PDFs,
QtPdf to check them). It sets ``QT_QPA_PLATFORM=offscreen`` itself. This is a developer tool: its
outputs are committed, and neither the app nor the server needs ffmpeg.

``COURSES`` below is the single source of truth. For each course it writes:

``course.toml``
    the manifest in the format of ``wire/course.py`` (see ``docs/course-format.md``).
``media/<item-id>.mp4``
    480x270, 25 fps, H.264 (yuv420p) with AAC mono audio, ``+faststart``: a coloured card with the
    course name, the lesson title and key points (appearing one by one) in Chinese, drawn with the
    bundled WenQuanYi Micro Hei font, a progress bar and a running timer, and a soft chime every
    two seconds.
``media/<item-id>.pdf``
    an A4 teacher's handout of 3 to 5 pages in Chinese, typeset with QTextDocument in the bundled
    font (embedded), with a running header and page numbers.

Media files in a course's ``media/`` that the course no longer names are deleted. Re-running with
the same ffmpeg and Qt versions writes byte-identical files (no timestamps, fixed PDF document
ids), so regenerating does not make the demo server publish new course versions.

Afterwards (and with ``--check``) every course folder is validated with
``wire.course.load_course_folder``, every video with ffprobe (codec, size, rate, duration,
``moov`` before ``mdat``) and every PDF with QtPdf (loads, 3 to 5 pages). ``--preview OUTDIR``
additionally renders page 1 of each PDF and a frame at 2 s of each video into OUTDIR as PNGs, to
look at. The whole demo tree must stay under 3 MB.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "assets" / "fonts" / "wqy-microhei.ttc"
OUT = ROOT / "assets" / "demo" / "courses"
MAX_TREE_BYTES = 3 * 1024 * 1024

VIDEO_SIZE = (480, 270)
VIDEO_FPS = 25
PROGRESS_COLOUR = "0xFFC857"
POINT_COLOUR = "0xFFE6A8"

# Fixed values written into every PDF instead of the time of generation.
PDF_DPI = 300
PDF_FIXED_DATE = "20250101000000"
PDF_FIXED_ISO = "2025-01-01T00:00:00"
PDF_ID_NAMESPACE = uuid.UUID("6f1c2a4e-5b7d-4c1e-9a3f-2d8e7b6c5a41")

sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------------------------
# Content
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Video:
    id: str
    title: str
    seconds: int
    points: tuple[str, ...]
    tone_hz: float

    kind = "video"

    @property
    def file(self) -> str:
        return f"media/{self.id}.mp4"


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    subtitle: str
    body: str  # HTML understood by QTextDocument

    kind = "document"

    @property
    def file(self) -> str:
        return f"media/{self.id}.pdf"


@dataclass(frozen=True)
class Form:
    """A questionnaire or quiz: its workbook is written by scripts/make_demo_forms.py."""

    id: str
    title: str
    workbook: str  # file name under forms/
    kind: str = "quiz"

    @property
    def file(self) -> str:
        return f"forms/{self.workbook}"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    items: tuple[Video | Document | Form, ...]


@dataclass(frozen=True)
class Course:
    id: str
    title: str
    description: str
    colour: str  # video background, 0xRRGGBB
    lessons: tuple[Lesson, ...]


def _h(level: int, text: str, *, new_page: bool = False) -> str:
    style = ' style="page-break-before: always"' if new_page else ""
    return f"<h{level}{style}>{html.escape(text)}</h{level}>"


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _list(items: list[str], *, ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    rows = "".join(f"<li>{html.escape(item)}</li>" for item in items)
    return f"<{tag}>{rows}</{tag}>"


def _checklist(items: list[str]) -> str:
    return "".join(
        f"<p class='check'><span class='box'>□</span> {html.escape(item)}</p>" for item in items
    )


def _terms(pairs: list[tuple[str, str]]) -> str:
    """Paragraphs that start with a bold term: 主机：……"""
    return "".join(
        f"<p><b>{html.escape(term)}：</b>{html.escape(text)}</p>" for term, text in pairs
    )


def _table(header: list[str], rows: list[list[str]], *, widths: list[int] | None = None) -> str:
    cols = len(header)
    widths = widths or [100 // cols] * cols
    head = "".join(
        f"<th width='{w}%'>{html.escape(h)}</th>" for h, w in zip(header, widths, strict=True)
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell) or '&nbsp;'}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return (
        f"<table width='100%' border='1' cellspacing='0' cellpadding='6'>"
        f"<tr class='head'>{head}</tr>{body}</table>"
    )


def _infobox(rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f"<tr><td width='22%'><b>{html.escape(k)}</b></td><td>{html.escape(v)}</td></tr>"
        for k, v in rows
    )
    return (
        f"<table class='info' width='100%' border='0' cellspacing='0' cellpadding='5'>"
        f"{cells}</table>"
    )


ICT_HANDOUT = "".join(
    [
        _infobox(
            [
                ("课程", "信息技术基础"),
                ("适用对象", "乡村中小学教师，特别是刚开始使用电脑备课和学习的老师"),
                ("建议学习时间", "40 分钟（先看两段视频，再读本讲义，最后完成课后练习）"),
                (
                    "学习目标",
                    "说出电脑主要部件的作用；正确开机、关机，会整理文件和文件夹；"
                    "会使用网络学习平台下载课程，并在没有网络时继续学习。",
                ),
            ]
        ),
        _h(2, "一、认识电脑"),
        _p(
            "一台常见的台式电脑由主机、显示器、键盘和鼠标组成；笔记本电脑把这些部件装在了一起。"
            "了解每个部件的作用，遇到问题时就能大致判断出在哪里，也能更清楚地向别人描述问题。"
        ),
        _terms(
            [
                (
                    "主机",
                    "电脑的核心，里面有处理器（CPU）、内存和硬盘。处理器负责计算，"
                    "内存存放正在使用的程序和资料，硬盘长期保存文件。关机后内存里的内容会消失，"
                    "所以文件要及时保存到硬盘上。",
                ),
                (
                    "显示器",
                    "显示画面。如果主机的指示灯亮着而屏幕没有画面，"
                    "先检查显示器的电源和连接主机的视频线是否插好。",
                ),
                (
                    "键盘和鼠标",
                    "用来输入文字和进行选择。鼠标左键单击用于选择，双击用于打开，"
                    "右键单击会弹出常用功能的菜单；按住左键拖动可以移动文件或选中一段文字。",
                ),
                (
                    "其他设备",
                    "音箱或耳机、摄像头、打印机、U 盘等，一般通过 USB 接口或音频接口与主机连接。",
                ),
            ]
        ),
        _p(
            "电脑上的软件分为两类：操作系统（如 Windows、统信 UOS、银河麒麟）管理整台电脑；"
            "应用软件（如文字处理软件、浏览器和本学习平台）完成具体的工作。"
        ),
        _h(2, "二、开机、关机与文件管理"),
        _h(3, "1. 正确地开机和关机"),
        _list(
            [
                "开机：先打开显示器等外部设备，再按主机的电源键，等桌面完全出现后再开始操作。",
                "关机：先保存文件、关闭正在运行的程序，再通过“开始”菜单选择“关机”。"
                "不要直接拔掉电源，否则可能损坏正在保存的文件。",
                "电脑没有反应时，先等待一两分钟；仍然没有反应，再长按电源键约 5 秒强制关机。",
            ],
            ordered=True,
        ),
        _h(3, "2. 整理文件和文件夹"),
        _p(
            "文件和文件夹的关系，就像讲义和文件袋。建议按“学期—学科—年级”建立文件夹，"
            "例如先建“2024 秋季”，在里面建“语文”，再在“语文”里建“三年级”；"
            "给文件起一个一看就懂的名字，"
            "如“第三单元教案.docx”，不要使用“新建文档(3)”这样的名字。"
            "重要的资料至少保存两份，例如电脑里一份、U 盘里一份。"
        ),
        _h(3, "3. 日常维护"),
        _list(
            [
                "电脑放在干燥、通风、少灰尘的地方，远离水杯和火炉。",
                "雷雨天气拔掉电源线和网线。",
                "使用来历不明的 U 盘之前，先用杀毒软件检查。",
                "不要随意安装来历不明的软件，遇到弹窗广告不要点击其中的链接。",
            ]
        ),
        _h(2, "三、使用网络学习平台"),
        _p(
            "“灯火研修”是一个可以离线使用的学习平台。在有网络的时候把课程下载到电脑上，"
            "之后即使没有网络，也能观看视频、阅读讲义；学习进度先保存在本机，"
            "下次联网时会自动同步到县里的服务器，不需要任何额外操作。"
        ),
        _h(3, "第一次使用"),
        _list(
            [
                "打开“灯火研修”，选择自己的名字；如果还没有登记，先添加自己的姓名。",
                "在课程列表中选择要学习的课程，点击“下载”。下载时可以做别的事情；"
                "网络中断后，下次联网会从中断的地方继续下载。",
                "下载完成后，课程会显示“已下载”的标记，表示可以离线学习了。",
                "点击课程中的视频或讲义开始学习。视频可以暂停和拖动进度，讲义可以翻页和放大。",
            ],
            ordered=True,
        ),
        _p(
            "窗口上的网络图标表示是否连上了县里的服务器。离线时照常学习即可。"
            "同一台电脑可以供几位老师轮流使用，开始学习前请确认选择的是自己的名字，"
            "以免学习记录记到别人名下。"
        ),
        _h(2, "四、常见问题"),
        _terms(
            [
                (
                    "视频没有声音",
                    "检查音箱或耳机是否插好、音量是否打开，再看看系统是否设置了静音。",
                ),
                (
                    "下载很慢",
                    "可以选择网络空闲的时段（如中午或放学后）下载；"
                    "也可以请学校管理员在网络较好的电脑上先把课程下载好。",
                ),
                (
                    "学习记录会不会丢",
                    "学习记录先保存在本机，联网后自动上传。"
                    "只要不删除软件的数据，离线期间的学习记录不会丢失。",
                ),
                (
                    "提示磁盘空间不足",
                    "删除不再需要的文件，清空回收站，或把旧资料复制到 U 盘后再删除。",
                ),
            ]
        ),
        _h(2, "五、课后练习", new_page=True),
        _list(
            [
                "说出主机、显示器、键盘和鼠标各自的作用。",
                "在电脑上为本学期建立一套文件夹，并把一份教案保存进去。",
                "下载本课程，断开网络后打开这份讲义，确认可以离线阅读。",
                "重新联网后，查看学习记录是否已经同步。",
            ],
            ordered=True,
        ),
        _h(3, "学习记录表"),
        _table(
            ["日期", "学习内容", "遇到的问题", "解决办法"],
            [[""] * 4 for _ in range(8)],
            widths=[15, 30, 30, 25],
        ),
    ]
)


ONLINE_CHECKLIST = "".join(
    [
        _infobox(
            [
                ("课程", "在线教学入门"),
                ("适用对象", "需要开展线上授课或录播教学的乡村中小学教师"),
                ("使用方法", "按时间顺序逐项核对，完成一项就在“□”中打勾。"),
            ]
        ),
        _p(
            "在线教学不是把课堂原样搬到屏幕上。学生的注意力更容易分散，"
            "家里的网络和设备条件也参差不齐。提前做好准备，能让一堂在线课顺利得多。"
            "下面的清单按照“课前一周、课前一天、上课时、课后”四个阶段整理。"
        ),
        _h(2, "一、课前一周"),
        _checklist(
            [
                "了解学生的设备情况：有没有手机或电脑，是自己的还是家长的，每天什么时候可以使用。",
                "了解学生的网络情况：家里有没有宽带，手机流量是否够用。"
                "对网络差的学生，提前准备纸质学习材料。",
                "与学校和其他老师商量使用同一个平台，减少学生和家长安装多个软件的负担。",
                "通过家长群发布上课时间、平台名称和进入方法，并请家长回复确认。",
                "组织一次 10 分钟的试课，让学生练习进入课堂、打开和关闭麦克风。",
            ]
        ),
        _h(2, "二、课前一天"),
        _checklist(
            [
                "课件做到字大、图清楚、每页内容少。学生多用手机上课，正文字号不宜太小。",
                "把本课的学习单、练习题提前发给学生，网络不好时也能跟上。",
                "设备充满电，准备好耳机和备用的手机流量。",
                "选择安静、光线充足的地方上课；摄像头背后避开窗户，背景保持简洁。",
                "准备网络中断时的备用方案，例如提前录好的讲解视频，或约定改为语音讲解。",
            ]
        ),
        _h(2, "三、上课时"),
        _p(
            "一节在线课建议不超过 30 分钟（低年级 20 分钟左右），"
            "每 10 分钟左右变换一次活动形式，例如讲解、提问、练习、展示交替进行。"
        ),
        _checklist(
            [
                "提前 10 分钟进入课堂，测试声音和画面。",
                "开始时用一两分钟点名或签到，说明本节课的任务和规则，例如“不发言时关闭麦克风”。",
                "讲解时多提问，请学生用文字、举手或打开麦克风回答，尽量让每个学生至少有一次互动。",
                "讲到重点时放慢速度，请学生把要点写在本子上，拍照上传。",
                "下课前 3 分钟小结，布置作业，说明提交方式和截止时间。",
            ]
        ),
        _h(2, "四、课后"),
        _checklist(
            [
                "查看作业提交情况，对没有提交的学生及时了解原因。",
                "选出有代表性的作业在下次课上点评，对完成得好的学生给予表扬。",
                "记下本节课的问题，例如哪个环节时间不够、哪些学生经常掉线，下次改进。",
                "把课件和录像保存好，供请假的学生补课。",
            ]
        ),
        _h(2, "五、网络条件不好时怎么办"),
        _p("乡村地区网络不稳定是常态，可以采用“低带宽”的教学方式："),
        _terms(
            [
                ("声音优先", "只开声音、关闭视频，可以大大减少流量，也更不容易卡顿。"),
                ("资料先行", "课件和讲义在课前下发，课堂上只做讲解和答疑。"),
                (
                    "录播加答疑",
                    "把讲解录成 5 到 10 分钟的短视频，学生下载后观看，再安排固定时间在线答疑。",
                ),
                ("离线学习", "使用支持离线学习的平台，有网络时下载，没有网络时照常学习。"),
            ]
        ),
        _p(
            "在线教学的质量，关键不在于技术有多复杂，而在于老师是否了解每个学生的情况，"
            "并及时给予反馈。"
        ),
        _h(2, "六、我的在线课计划", new_page=True),
        _p("请结合自己任教的学科，填写下一节在线课的计划，和同事交流。"),
        _table(
            ["项目", "我的安排"],
            [
                ["上课时间和时长", ""],
                ["使用的平台", ""],
                ["本节课的目标", ""],
                ["需要提前下发的材料", ""],
                ["互动环节（至少两个）", ""],
                ["作业与提交方式", ""],
                ["网络中断时的备用方案", ""],
                ["课后反思", ""],
            ],
            widths=[32, 68],
        ),
    ]
)


SAFETY_HANDBOOK = "".join(
    [
        _infobox(
            [
                ("课程", "校园安全"),
                ("适用对象", "全体教师，特别是班主任和值班教师"),
                (
                    "说明",
                    "本手册介绍日常安全检查和常见意外的初步处理。"
                    "遇到严重伤情，请立即拨打 120，并报告学校。",
                ),
            ]
        ),
        _h(2, "一、教师的安全职责"),
        _p(
            "学生在校期间，教师对学生的安全负有直接的看护责任。安全工作的重点在于预防："
            "发现隐患及时处理，自己不能处理的及时报告学校。"
        ),
        _list(
            [
                "课前：检查教室门窗、电器和桌椅是否完好，清点学生人数。",
                "课间：关注学生在走廊、楼梯和操场的活动，及时制止追逐打闹。",
                "放学：按规定组织学生有序离校，对家长没有按时来接的低年级学生做好看护。",
                "平时：结合季节和节假日，经常对学生进行安全教育，定期组织演练。",
            ]
        ),
        _h(2, "二、日常安全检查要点"),
        _table(
            ["场所", "检查内容"],
            [
                ["教室", "门窗和玻璃是否破损；插座、电线是否裸露；桌椅是否松动；通道是否畅通。"],
                ["走廊和楼梯", "扶手是否牢固；地面是否湿滑；照明是否正常；是否堆放杂物。"],
                ["操场和体育器材", "器材是否松动、生锈；场地是否有碎石、坑洼和积水。"],
                ["食堂和饮水", "饮用水是否清洁；食品是否在保质期内；学生是否饭前洗手。"],
                ["上下学路上", "是否乘坐无牌、超载车辆；是否经过河边、水塘或施工地段。"],
            ],
            widths=[22, 78],
        ),
        _h(2, "三、常见意外的初步处理"),
        _p(
            "以下方法只用于初步处理。处理后要及时通知家长；伤情较重或拿不准时，立即送医或拨打 120。"
        ),
        _terms(
            [
                (
                    "擦伤",
                    "用清水冲洗伤口，去除泥沙，再用干净的纱布覆盖。"
                    "伤口深、出血多时，用干净的布压住伤口止血，并送医。",
                ),
                (
                    "流鼻血",
                    "让学生坐下，头稍向前倾，用手指捏住两侧鼻翼 10 分钟左右，用嘴呼吸。"
                    "不要仰头，以免血液流进喉咙。",
                ),
                (
                    "扭伤",
                    "立即停止活动，用冷毛巾或用布包好的冰袋冷敷 15 到 20 分钟，抬高受伤部位。"
                    "不要揉搓，也不要马上热敷。",
                ),
                (
                    "烫伤",
                    "立即用流动的凉水冲洗 15 到 20 分钟，再用干净的布覆盖。"
                    "不要涂牙膏、酱油等，不要弄破水泡。",
                ),
                (
                    "异物卡喉",
                    "学生不能说话、不能咳嗽时，立即用海姆立克急救法，同时请他人拨打 120。",
                ),
            ]
        ),
        _h(2, "四、应急疏散"),
        _p("学校每学期至少组织一次应急疏散演练。每位教师都要熟悉本班的疏散路线和集合地点。"),
        _h(3, "发生火灾时"),
        _list(
            [
                "发现火情立即报告学校并拨打 119，说清学校地址和起火位置。",
                "组织学生用湿毛巾或衣物捂住口鼻，弯腰低姿，沿疏散路线迅速撤离。",
                "不乘坐电梯，不返回教室取东西。",
            ]
        ),
        _h(3, "发生地震时"),
        _list(
            [
                "在教室里时，迅速就近躲在课桌下，做到“伏地、遮挡、手抓牢”，远离窗户。",
                "震动停止后，按疏散路线有序撤到空旷地带，避开建筑物和电线杆。",
                "到达集合地点后，班主任立即清点人数，并向学校报告。",
            ]
        ),
        _h(2, "五、预防溺水"),
        _p(
            "溺水是中小学生意外伤亡的主要原因之一，农村地区池塘、河流多，更要格外重视。"
            "夏季和节假日前，要反复提醒学生和家长牢记防溺水“六不”："
        ),
        _list(
            [
                "不私自下水游泳。",
                "不擅自与他人结伴游泳。",
                "不在无家长或教师带领的情况下游泳。",
                "不到无安全设施、无救护人员的水域游泳。",
                "不到不熟悉的水域游泳。",
                "不熟悉水性的学生不擅自下水施救。",
            ],
            ordered=True,
        ),
        _p(
            "发现有人落水，要大声呼救，请成年人帮助；可以向落水的人抛木板、竹竿、"
            "救生圈等漂浮物，不要手拉手下水施救。"
        ),
        _h(2, "六、重要电话与检查记录", new_page=True),
        _table(
            ["名称", "电话"],
            [
                ["火警", "119"],
                ["急救", "120"],
                ["报警", "110"],
                ["学校值班电话", ""],
                ["校长", ""],
                ["本班家长联系表存放位置", ""],
            ],
            widths=[40, 60],
        ),
        _h(3, "安全检查记录表"),
        _table(
            ["日期", "检查地点", "发现的问题", "处理情况", "检查人"],
            [[""] * 5 for _ in range(7)],
            widths=[14, 20, 28, 24, 14],
        ),
    ]
)


COURSES: tuple[Course, ...] = (
    Course(
        id="ict-basics",
        title="信息技术基础",
        description=(
            "面向乡村教师的信息技术入门：认识电脑的基本组成，正确开关机和整理文件，"
            "学会使用网络学习平台，在没有网络时也能继续学习。"
        ),
        colour="0x1F4E79",
        lessons=(
            Lesson(
                id="computer",
                title="认识电脑",
                items=(
                    Video(
                        id="computer-intro",
                        title="认识电脑",
                        seconds=10,
                        points=("主机：计算和保存资料", "显示器、键盘和鼠标", "正确地开机和关机"),
                        tone_hz=523.25,
                    ),
                ),
            ),
            Lesson(
                id="learning-platform",
                title="使用网络学习平台",
                items=(
                    Video(
                        id="platform-intro",
                        title="使用网络学习平台",
                        seconds=10,
                        points=("有网络时下载课程", "没有网络也能学习", "联网后自动同步记录"),
                        tone_hz=587.33,
                    ),
                    Document(
                        id="ict-handout",
                        title="讲义：电脑与网络学习平台常用操作",
                        subtitle="信息技术基础 · 教师讲义",
                        body=ICT_HANDOUT,
                    ),
                ),
            ),
            Lesson(
                id="check",
                title="学习检测",
                items=(
                    Form(
                        id="ict-quiz",
                        title="信息技术基础小测验",
                        workbook="ict-basics-quiz.xlsx",
                    ),
                ),
            ),
        ),
    ),
    Course(
        id="online-teaching",
        title="在线教学入门",
        description=(
            "帮助乡村教师上好一堂在线课：课前了解学生的设备和网络，准备合适的课件和备用方案，"
            "课堂上组织有效的互动，网络条件不好时采用低带宽的教学方式。"
        ),
        colour="0x2E6B4F",
        lessons=(
            Lesson(
                id="prepare",
                title="课前准备",
                items=(
                    Video(
                        id="prepare-online-class",
                        title="如何准备一堂在线课",
                        seconds=9,
                        points=(
                            "了解学生的设备和网络",
                            "课件字大、内容少",
                            "准备网络中断的备用方案",
                        ),
                        tone_hz=659.25,
                    ),
                ),
            ),
            Lesson(
                id="in-class",
                title="上课与互动",
                items=(
                    Video(
                        id="interaction",
                        title="在线课堂的互动技巧",
                        seconds=8,
                        points=("每十分钟变换一次活动", "多提问，人人有互动", "课后及时反馈"),
                        tone_hz=698.46,
                    ),
                    Document(
                        id="online-checklist",
                        title="在线教学准备清单",
                        subtitle="在线教学入门 · 教师讲义",
                        body=ONLINE_CHECKLIST,
                    ),
                ),
            ),
        ),
    ),
    Course(
        id="classroom-safety",
        title="校园安全",
        description=(
            "教师必备的校园安全知识：日常安全检查，擦伤、扭伤、烫伤等常见意外的初步处理，"
            "火灾和地震时的应急疏散，以及农村学校尤其需要重视的防溺水教育。"
        ),
        colour="0x8C2F1B",
        lessons=(
            Lesson(
                id="daily-safety",
                title="日常安全",
                items=(
                    Video(
                        id="safety-basics",
                        title="校园安全基本要求",
                        seconds=12,
                        points=(
                            "课前检查教室和设备",
                            "课间关注学生活动",
                            "熟悉疏散路线和集合地点",
                            "牢记防溺水“六不”",
                        ),
                        tone_hz=493.88,
                    ),
                ),
            ),
            Lesson(
                id="emergency",
                title="意外处理与应急疏散",
                items=(
                    Document(
                        id="safety-handbook",
                        title="校园安全教师手册",
                        subtitle="校园安全 · 教师手册",
                        body=SAFETY_HANDBOOK,
                    ),
                ),
            ),
        ),
    ),
)


# --------------------------------------------------------------------------------------------
# course.toml
# --------------------------------------------------------------------------------------------


def _toml_str(value: str) -> str:
    # JSON string escapes are a subset of TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def course_toml(course: Course) -> str:
    lines = [
        "# Demo course for Lamplight. Generated by scripts/make_demo_content.py:",
        "# edit COURSES there and re-run it rather than editing this file.",
        "format = 1",
        f"id = {_toml_str(course.id)}",
        f"title = {_toml_str(course.title)}",
        f"description = {_toml_str(course.description)}",
        'language = "zh-CN"',
    ]
    for lesson in course.lessons:
        lines += [
            "",
            "[[lessons]]",
            f"id = {_toml_str(lesson.id)}",
            f"title = {_toml_str(lesson.title)}",
        ]
        for item in lesson.items:
            lines += [
                "",
                "  [[lessons.items]]",
                f"  id = {_toml_str(item.id)}",
                f"  kind = {_toml_str(item.kind)}",
                f"  title = {_toml_str(item.title)}",
                f"  file = {_toml_str(item.file)}",
            ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Videos
# --------------------------------------------------------------------------------------------


def make_video(course: Course, lesson_number: int, video: Video, out: Path, work: Path) -> None:
    """Encodes one demo video with ffmpeg.

    Everything the filter graph names (font, text files) is a plain file name inside ``work``, which
    is ffmpeg's working directory, so no path ever needs filter-graph escaping.
    """
    d = video.seconds
    w, h = VIDEO_SIZE
    texts = {
        "brand.txt": f"灯火研修 · {course.title}",
        "title.txt": video.title,
        "lesson.txt": f"第 {lesson_number} 课 · 演示视频",
        # drawtext expansion: %{pts:gmtime:0:FORMAT}; the ':' inside FORMAT is escaped.
        "timer.txt": f"%{{pts:gmtime:0:%M\\:%S}} / {d // 60:02d}:{d % 60:02d}",
    }
    n = len(video.points)
    for i, point in enumerate(video.points):
        texts[f"point{i}.txt"] = f"{i + 1}. {point}"
    for name, content in texts.items():
        (work / name).write_text(content, encoding="utf-8")

    def text(name: str, size: int, colour: str, x: str, y: str, extra: str = "") -> str:
        expansion = "" if name == "timer.txt" else ":expansion=none"
        return (
            f"drawtext=fontfile=font.ttc:textfile={name}{expansion}:fontsize={size}"
            f":fontcolor={colour}:x={x}:y={y}{extra}"
        )

    top = 112 if n <= 3 else 104
    step = 36 if n <= 3 else 32
    filters = [
        # A progress bar sliding in from the left over the whole video.
        f"[0:v][1:v]overlay=x='-w+W*t/{d}':y=H-h:eval=frame",
        text("brand.txt", 15, "white@0.75", "18", "14"),
        text("lesson.txt", 15, "white@0.75", "w-text_w-18", "14"),
        text("title.txt", 30, "white", "(w-text_w)/2", "50"),
    ]
    for i in range(n):
        start = 1.5 + i * (d - 3.5) / n
        filters.append(
            text(
                f"point{i}.txt",
                20,
                POINT_COLOUR,
                "70",
                str(top + i * step),
                f":enable='gte(t,{start:.2f})':alpha='min(1,(t-{start:.2f})/0.5)'",
            )
        )
    filters.append(text("timer.txt", 15, "white@0.85", "w-text_w-18", "h-text_h-18"))
    graph = ",".join(filters) + f"[v];[2:a]afade=t=out:st={d - 1}:d=1[a]"

    cmd = [
        "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"color=c={course.colour}:s={w}x{h}:r={VIDEO_FPS}:d={d}",
        "-f", "lavfi", "-i", f"color=c={PROGRESS_COLOUR}:s={w}x6:r={VIDEO_FPS}:d={d}",
        "-f", "lavfi", "-i",
        # A soft chime every two seconds: a sine that decays exponentially.
        f"aevalsrc=exprs='0.2*sin(2*PI*{video.tone_hz}*t)*exp(-3*mod(t,2))':s=44100:d={d}",
        "-filter_complex", graph,
        "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", "slow", "-crf", "28", "-pix_fmt", "yuv420p",
        "-profile:v", "main", "-g", str(2 * VIDEO_FPS), "-r", str(VIDEO_FPS),
        "-c:a", "aac", "-b:a", "48k", "-ac", "1", "-ar", "44100",
        "-t", str(d),
        "-movflags", "+faststart",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact",
        "-flags:a", "+bitexact",
        str(out),
    ]  # fmt: skip
    subprocess.run(cmd, cwd=work, check=True)


def _top_level_boxes(path: Path) -> list[str]:
    boxes: list[str] = []
    with path.open("rb") as fh:
        while header := fh.read(8):
            if len(header) < 8:
                break
            size = int.from_bytes(header[:4], "big")
            kind = header[4:8].decode("latin-1")
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
                fh.seek(size - 16, os.SEEK_CUR)
            elif size == 0:
                boxes.append(kind)
                break
            else:
                fh.seek(size - 8, os.SEEK_CUR)
            boxes.append(kind)
    return boxes


def check_video(path: Path) -> str:
    probe = subprocess.run(
        [
            "ffprobe", "-v", "error", "-of", "json", "-show_entries",
            "stream=codec_type,codec_name,width,height,pix_fmt,r_frame_rate:format=duration",
            str(path),
        ],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    info = json.loads(probe.stdout)
    streams = {s["codec_type"]: s for s in info["streams"]}
    v, a = streams.get("video"), streams.get("audio")
    duration = float(info["format"]["duration"])
    problems = []
    if not v or v["codec_name"] != "h264" or v["pix_fmt"] != "yuv420p":
        problems.append("video stream is not h264 yuv420p")
    elif (v["width"], v["height"]) != VIDEO_SIZE or v["r_frame_rate"] != f"{VIDEO_FPS}/1":
        problems.append(f"video is {v['width']}x{v['height']} at {v['r_frame_rate']}")
    if not a or a["codec_name"] != "aac":
        problems.append("audio stream is not aac")
    if not 6 <= duration <= 12.5:
        problems.append(f"duration {duration:.2f}s is not 6 to 12 s")
    boxes = _top_level_boxes(path)
    if "moov" not in boxes or "mdat" not in boxes or boxes.index("moov") > boxes.index("mdat"):
        problems.append(f"moov is not before mdat (boxes {boxes})")
    if problems or v is None:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    return f"h264+aac {v['width']}x{v['height']} {duration:.1f}s"


# --------------------------------------------------------------------------------------------
# PDFs
# --------------------------------------------------------------------------------------------

_STYLE = """
h1 { font-size: 21pt; color: #8C2F1B; margin-top: 0pt; margin-bottom: 4pt; }
h2 { font-size: 15pt; color: #1F4E79; margin-top: 20pt; margin-bottom: 8pt; }
h3 { font-size: 12.5pt; color: #333333; margin-top: 12pt; margin-bottom: 5pt; }
p { margin-top: 0pt; margin-bottom: 8pt; line-height: 150%; }
ul, ol { margin-top: 0pt; margin-bottom: 8pt; }
li { margin-bottom: 2pt; line-height: 150%; }
p.sub { color: #666666; font-size: 11pt; margin-bottom: 14pt; }
p.check { margin-left: 6pt; margin-bottom: 4pt; }
span.box { font-size: 14pt; }
table { border-color: #999999; border-style: solid; margin-top: 4pt; margin-bottom: 10pt; }
table.info { background-color: #FFF4DC; margin-bottom: 6pt; }
th { background-color: #F2E3C6; font-weight: bold; }
td { line-height: 140%; }
"""

# QTextDocument scales CSS lengths given in px (as 1/96 inch) to the paint device but takes margins
# given in pt as device pixels, which at 300 dpi are tiny. So margins are written in pt above, for
# reading, and turned into px here. Font sizes in pt are scaled correctly and are left alone.
STYLE = re.sub(
    r"(margin[-a-z]*:\s*)(\d+(?:\.\d+)?)pt",
    lambda m: f"{m.group(1)}{round(float(m.group(2)) * 96 / 72)}px",
    _STYLE,
)


class PdfMaker:
    """Typesets handouts with Qt; needs one QGuiApplication for the whole run."""

    def __init__(self) -> None:
        from PySide6.QtGui import QFontDatabase, QGuiApplication

        self.app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
        font_id = QFontDatabase.addApplicationFont(str(FONT))
        families = QFontDatabase.applicationFontFamilies(font_id)
        if font_id < 0 or not families:
            raise SystemExit(f"{FONT}: cannot load the bundled font")
        self.family = families[0]  # "WenQuanYi Micro Hei"

    def make(self, course: Course, doc_spec: Document, out: Path) -> int:
        from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt, QUuid
        from PySide6.QtGui import (
            QAbstractTextDocumentLayout,
            QColor,
            QFont,
            QPageLayout,
            QPageSize,
            QPainter,
            QPdfWriter,
            QPen,
            QTextDocument,
        )

        dpi = PDF_DPI
        writer = QPdfWriter(str(out))
        writer.setResolution(dpi)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(18, 14, 18, 14),
                QPageLayout.Unit.Millimeter,
            )
        )
        writer.setTitle(doc_spec.title)
        writer.setAuthor("灯火研修 Lamplight")
        writer.setCreator("Lamplight scripts/make_demo_content.py")
        writer.setDocumentId(QUuid(str(uuid.uuid5(PDF_ID_NAMESPACE, f"{course.id}/{doc_spec.id}"))))

        area = writer.pageLayout().paintRectPixels(dpi)
        width, height = float(area.width()), float(area.height())
        mm = dpi / 25.4
        header_h, footer_h = 12 * mm, 10 * mm
        body_h = height - header_h - footer_h
        # Each document page gets this margin all round, outside the body area, so glyphs that
        # reach above their line (tall quotation marks) stay clipped to their own page.
        pad = 3 * mm
        page_h = body_h + 2 * pad

        doc = QTextDocument()
        doc.documentLayout().setPaintDevice(writer)
        doc.setDefaultFont(QFont(self.family, 11))
        doc.setDefaultStyleSheet(STYLE)
        doc.setDocumentMargin(pad * 96 / dpi)  # given in CSS px (1/96 in), like the margins
        doc.setHtml(
            f"<h1>{html.escape(doc_spec.title)}</h1>"
            f"<p class='sub'>{html.escape(doc_spec.subtitle)}</p>{doc_spec.body}"
        )
        doc.setPageSize(QSizeF(width + 2 * pad, page_h))
        pages = doc.pageCount()

        small = QFont(self.family, 8)
        grey = QColor("#777777")
        painter = QPainter(writer)
        try:
            for page in range(pages):
                if page:
                    writer.newPage()
                painter.setFont(small)
                painter.setPen(grey)
                top = QRectF(0, 0, width, header_h - 3 * mm)
                painter.drawText(
                    top,
                    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                    f"灯火研修 · {course.title}",
                )
                painter.drawText(
                    top, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom, doc_spec.title
                )
                painter.setPen(QPen(QColor("#E0A040"), 0.5 * mm))
                painter.drawLine(0, int(header_h - 2 * mm), int(width), int(header_h - 2 * mm))
                painter.setPen(grey)
                painter.drawText(
                    QRectF(0, height - footer_h + 3 * mm, width, footer_h - 3 * mm),
                    Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                    f"第 {page + 1} 页 / 共 {pages} 页",
                )

                painter.save()
                painter.translate(-pad, header_h - pad - page * page_h)
                ctx = QAbstractTextDocumentLayout.PaintContext()
                ctx.clip = QRectF(0, page * page_h, width + 2 * pad, page_h)
                painter.setClipRect(ctx.clip)
                doc.documentLayout().draw(painter, ctx)
                painter.restore()
        finally:
            painter.end()
        _pin_pdf_dates(out)
        return pages

    def check(self, path: Path) -> int:
        from PySide6.QtPdf import QPdfDocument

        pdf = QPdfDocument()
        error = pdf.load(str(path))
        if error != QPdfDocument.Error.None_:
            raise SystemExit(f"{path}: QtPdf cannot load it ({error})")
        pages = pdf.pageCount()
        text = pdf.getAllText(0).text()
        pdf.close()
        if not 3 <= pages <= 5:
            raise SystemExit(f"{path}: has {pages} pages, wanted 3 to 5")
        if "灯火研修" not in text:
            raise SystemExit(f"{path}: page 1 has no extractable Chinese text")
        return pages

    def preview(self, path: Path, png: Path) -> None:
        from PySide6.QtCore import QSize
        from PySide6.QtPdf import QPdfDocument

        pdf = QPdfDocument()
        pdf.load(str(path))
        points = pdf.pagePointSize(0)
        scale = 1000 / points.height()
        image = pdf.render(0, QSize(round(points.width() * scale), 1000))
        image.save(str(png))
        pdf.close()


def _pin_pdf_dates(path: Path) -> None:
    """Replaces Qt's creation dates with fixed ones of the same length, keeping offsets valid."""
    data = path.read_bytes()
    data = re.sub(rb"\(D:\d{14}", b"(D:" + PDF_FIXED_DATE.encode(), data)
    data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", PDF_FIXED_ISO.encode(), data)
    path.write_bytes(data)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def generate(pdfs: PdfMaker) -> None:
    if not FONT.is_file():
        raise SystemExit(f"{FONT} is missing; see assets/fonts/README.md")
    for tool in ("ffmpeg", "ffprobe"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found on PATH (Debian: apt-get install ffmpeg)")
    with tempfile.TemporaryDirectory(prefix="lamplight-demo-") as tmp:
        work = Path(tmp)
        shutil.copyfile(FONT, work / "font.ttc")
        for course in COURSES:
            folder = OUT / course.id
            media = folder / "media"
            media.mkdir(parents=True, exist_ok=True)
            wanted = set()
            for number, lesson in enumerate(course.lessons, start=1):
                for item in lesson.items:
                    out = folder / item.file
                    if isinstance(item, Form):
                        continue  # made by scripts/make_demo_forms.py
                    wanted.add(out.name)
                    if isinstance(item, Video):
                        make_video(course, number, item, out, work)
                    else:
                        pdfs.make(course, item, out)
                    print(f"wrote {out.relative_to(ROOT)}")
            for stale in media.iterdir():
                if stale.name not in wanted:
                    stale.unlink()
                    print(f"removed {stale.relative_to(ROOT)}")
            (folder / "course.toml").write_text(course_toml(course), encoding="utf-8", newline="\n")
            print(f"wrote {(folder / 'course.toml').relative_to(ROOT)}")


def check(pdfs: PdfMaker, preview: Path | None) -> None:
    from wire.course import load_course_folder

    for course in COURSES:
        folder = OUT / course.id
        spec, files = load_course_folder(folder)
        print(f"{folder.relative_to(ROOT)}: valid, {len(spec.lessons)} lessons, {len(files)} items")
        for item_id, path in files.items():
            size = path.stat().st_size
            if path.suffix == ".xlsx":
                what = "XLSForm workbook (checked by scripts/make_demo_forms.py --check)"
            elif path.suffix == ".mp4":
                what = check_video(path)
                if preview:
                    subprocess.run(
                        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-ss", "2", "-i",
                         str(path), "-frames:v", "1", str(preview / f"{item_id}.png")],
                        check=True,
                    )  # fmt: skip
            else:
                what = f"PDF, {pdfs.check(path)} pages"
                if preview:
                    pdfs.preview(path, preview / f"{item_id}-page1.png")
            print(f"  {item_id}: {what}, {size / 1024:.0f} KiB")
    total = sum(p.stat().st_size for p in OUT.parent.rglob("*") if p.is_file())
    print(f"assets/demo: {total / 1024:.0f} KiB in all")
    if total > MAX_TREE_BYTES:
        raise SystemExit(f"assets/demo is {total} bytes, more than {MAX_TREE_BYTES}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Makes and checks Lamplight's demo courses.")
    parser.add_argument("--check", action="store_true", help="only check, write nothing")
    parser.add_argument(
        "--preview",
        type=Path,
        metavar="OUTDIR",
        help="write PNGs of page 1 of each PDF and a frame of each video here",
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pdfs = PdfMaker()
    if not args.check:
        generate(pdfs)
    if args.preview:
        args.preview.mkdir(parents=True, exist_ok=True)
    check(pdfs, args.preview)


if __name__ == "__main__":
    main()
