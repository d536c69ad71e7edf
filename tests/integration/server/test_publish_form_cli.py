"""Forms through the real command line and a real server process, on SQLite and PostgreSQL:
``publish-form``, ``publish`` of a course with a quiz, ``forms list``, and what a PC then gets.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from openpyxl import Workbook

from server.xlsform import load_xlsform
from wire.api import CatalogPage
from wire.course import FORM_MEDIA_TYPE
from wire.forms import FormSpec

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
DEMO_FORMS = REPO / "assets" / "demo" / "forms"
SURVEY = DEMO_FORMS / "teacher-info-literacy.xlsx"
QUIZ = DEMO_FORMS / "ict-basics-quiz.xlsx"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 512


def server_cli(county: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m server ARGS --data-dir D --database-url U`` as a coordinator runs it."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    command = [sys.executable, "-m", "server", *args, "--data-dir", str(county.data_dir)]
    return subprocess.run(
        [*command, "--database-url", county.database_url],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def quiz_course(root: Path, course_id: str = "ict-basics", quiz: Path = QUIZ) -> Path:
    """A course folder: a video, then the demo quiz as item ``ict-quiz``."""
    folder = root / course_id
    (folder / "media").mkdir(parents=True)
    (folder / "forms").mkdir()
    (folder / "media" / "intro.mp4").write_bytes(MP4)
    shutil.copyfile(quiz, folder / "forms" / "quiz.xlsx")
    (folder / "course.toml").write_text(
        f'format = 1\nid = "{course_id}"\ntitle = "信息技术基础"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n'
        '[[lessons.items]]\nid = "intro"\nkind = "video"\ntitle = "介绍"\n'
        'file = "media/intro.mp4"\n\n'
        '[[lessons.items]]\nid = "ict-quiz"\nkind = "quiz"\ntitle = "小测验"\n'
        'file = "forms/quiz.xlsx"\n',
        encoding="utf-8",
    )
    return folder


def geopoint_workbook(path: Path) -> Path:
    """A survey asking for a location, which Lamplight refuses (survey sheet, row 3)."""
    book = Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    for row in (["type", "name", "label"], ["text", "name", "学校"], ["geopoint", "where", "位置"]):
        survey.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["school-map", "1"])
    book.save(path)
    return path


def test_forms_published_from_the_command_line_reach_pcs_as_json(
    tmp_path: Path, county: Any, start_server: Callable[..., Any]
) -> None:
    published = server_cli(county, "publish-form", str(SURVEY))
    assert published.returncode == 0, published.stderr
    assert published.stdout.strip() == (
        "published form teacher-info-literacy version 2024090101 (survey) "
        "as course teacher-info-literacy version 1"
    )
    course = server_cli(county, "publish", str(quiz_course(tmp_path / "courses")))
    assert course.returncode == 0, course.stderr
    assert "1 new form version" in course.stdout

    listed = server_cli(county, "forms", "list")
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["FORM", "MODE", "VERSIONS", "LATEST", "COURSE/ITEM", "TITLE"]
    assert [row.split() for row in rows] == [
        ["ict-basics-quiz", "quiz", "1", "2024090101", "ict-basics/ict-quiz", "信息技术基础小测验"],
        [
            "teacher-info-literacy",
            "survey",
            "1",
            "2024090101",
            "teacher-info-literacy/teacher-info-literacy",
            "乡村教师信息素养与网络研修调查",
        ],
    ]

    server = start_server(county)
    with httpx.Client(base_url=server.base_url, headers=county.enroll(), timeout=30) as http:
        page = CatalogPage.model_validate_json(http.get("/api/v1/catalog").content)
        items = {
            (c.id, i.id): i for c in page.courses for lesson in c.lessons for i in lesson.items
        }
        survey = items["teacher-info-literacy", "teacher-info-literacy"]
        quiz = items["ict-basics", "ict-quiz"]
        assert (survey.kind, survey.title) == ("questionnaire", "乡村教师信息素养与网络研修调查")
        assert quiz.kind == "quiz"
        for item, workbook in ((survey, SURVEY), (quiz, QUIZ)):
            answer = http.get(f"/api/v1/assets/{item.asset.sha256}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith(FORM_MEDIA_TYPE)
            assert len(answer.content) == item.asset.size
            assert FormSpec.model_validate_json(answer.content) == load_xlsform(workbook)


def test_a_workbook_that_cannot_be_published_stops_the_command_before_anything_is_published(
    tmp_path: Path,
) -> None:
    # Refused before the database is used: SQLite alone will do.
    data_dir = tmp_path / "data"
    county = SimpleNamespace(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'db.sqlite3'}")
    broken = geopoint_workbook(tmp_path / "school-map.xlsx")

    forms = server_cli(county, "publish-form", str(SURVEY), str(broken))
    assert forms.returncode == 2
    assert forms.stderr.startswith(f'error: {broken}: survey sheet, row 3, column "type":')

    good = quiz_course(tmp_path / "courses", "ict-basics")
    bad = quiz_course(tmp_path / "courses", "school-map", quiz=broken)
    courses = server_cli(county, "publish", str(good), str(bad))
    assert courses.returncode == 2
    assert courses.stderr.startswith(f"error: {bad / 'course.toml'}: lessons[1].items[2].file: ")
    assert 'survey sheet, row 3, column "type"' in courses.stderr

    listed = server_cli(county, "forms", "list")
    assert (listed.returncode, listed.stdout.strip()) == (0, "no forms published yet")
