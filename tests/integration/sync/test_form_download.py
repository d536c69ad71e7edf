"""A PC downloads a course with a quiz from a real server: the quiz arrives as an asset like a
video, verified by its sha256, and the runner can read it back as the form the county wrote."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.storage import catalog
from app.sync.catalog_sync import refresh_catalog
from app.sync.client import ServerClient
from app.sync.downloads import download_course
from server.xlsform import load_xlsform
from wire.course import FORM_MEDIA_TYPE
from wire.forms import FormMode, FormSpec

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[3]
QUIZ = REPO / "assets" / "demo" / "forms" / "ict-basics-quiz.xlsx"


def test_a_downloaded_quiz_is_the_form_the_county_published(
    tmp_path: Path,
    tiny_mp4: bytes,
    server_process: Callable[..., str],
    connect: Callable[[str], ServerClient],
    client_data: Any,
) -> None:
    folder = tmp_path / "courses" / "ict-basics"
    (folder / "media").mkdir(parents=True)
    (folder / "forms").mkdir()
    (folder / "media" / "intro.mp4").write_bytes(tiny_mp4)
    shutil.copyfile(QUIZ, folder / "forms" / "quiz.xlsx")
    (folder / "course.toml").write_text(
        'format = 1\nid = "ict-basics"\ntitle = "信息技术基础"\n\n'
        '[[lessons]]\nid = "l1"\ntitle = "第一课"\n\n'
        '[[lessons.items]]\nid = "intro"\nkind = "video"\ntitle = "介绍"\n'
        'file = "media/intro.mp4"\n\n'
        '[[lessons.items]]\nid = "ict-quiz"\nkind = "quiz"\ntitle = "小测验"\n'
        'file = "forms/quiz.xlsx"\n',
        encoding="utf-8",
    )
    client = connect(server_process(SimpleNamespace(path=folder)))
    db, content = client_data.db, client_data.content

    refresh_catalog(db, client)
    summary = download_course(db, client, content, client_data.partial_dir, "ict-basics")

    assert summary.complete and summary.failed == ()
    with db.read_session() as session:
        detail = catalog.course_detail(session, "ict-basics")
    assert detail is not None
    quiz = next(item for item in detail.items if item.kind == "quiz")
    assert (quiz.title, quiz.media_type, quiz.stored) == ("小测验", FORM_MEDIA_TYPE, True)
    path = content.path_of(quiz.sha256)
    assert path is not None
    spec = FormSpec.model_validate_json(path.read_bytes())  # as the runner reads it
    assert spec == load_xlsform(QUIZ)
    assert spec.mode is FormMode.QUIZ and spec.quiz is not None and spec.total_points == 10
