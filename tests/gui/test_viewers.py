"""The video player and the PDF reader pick up where the teacher stopped, and record what they
saw."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.storage import catalog, profiles, progress
from app.storage.profiles import Teacher
from tests.helpers.server_process import DEMO_COURSES
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage

VIDEO = DEMO_COURSES / "ict-basics" / "media" / "computer-intro.mp4"
PDF = DEMO_COURSES / "ict-basics" / "media" / "ict-handout.pdf"


def stored_item(context: AppContext, path: Path, kind: str, media_type: str) -> catalog.ItemRow:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    course = CatalogCourse(
        id="c1",
        version=1,
        seq=1,
        title="课程",
        description="",
        language="zh-CN",
        published_at=datetime.now(UTC),
        lessons=[
            CatalogLesson(
                id="l1",
                title="第一课",
                items=[
                    CatalogItem(
                        id="it",
                        kind=kind,
                        title="内容",
                        asset=AssetRef(sha256=sha, size=path.stat().st_size, media_type=media_type),
                    )
                ],
            )
        ],
    )
    with context.db.write() as session:
        catalog.apply_catalog_page(session, CatalogPage(courses=[course], cursor=1, has_more=False))
    context.content.add_file(path, sha)
    with context.db.read_session() as session:
        detail = catalog.course_detail(session, "c1")
    assert detail is not None
    return detail.items[0]


def teacher(context: AppContext) -> Teacher:
    with context.db.write() as session:
        return profiles.create_profile(
            session,
            name="赵老师",
            school="",
            gender="male",
            age_band="30to39",
            subject="",
            pin="1111",
        )


def test_video_resumes_where_the_teacher_stopped_and_skipping_is_not_watching(
    qtbot: QtBot, window, context: AppContext
) -> None:
    item = stored_item(context, VIDEO, "video", "video/mp4")
    who = teacher(context)
    with context.db.write() as session:
        progress.record(
            session,
            who,
            item.id,
            progress.VIDEO_WATCHED,
            {"start": 0, "end": 4.0, "duration": 10.0},
        )
    window.sign_in(who)
    page = window.video_page()
    assert page.open_item(item, who)
    qtbot.waitUntil(lambda: page.player.position() >= 4000, timeout=10_000)
    page.player.pause()
    assert page.player.position() < 6500  # started at 4 s, not at 0 s
    page.seek(9.0)  # jump ahead: not watched
    page.close_video()
    with context.db.read_session() as session:
        events = progress.events_for(session, who, [item.id])[item.id]
    state = progress.video_progress(events)
    assert 0.4 <= state.share < 0.7
    assert not state.done


def test_document_records_pages_and_reopens_on_the_last_one(
    qtbot: QtBot, window, context: AppContext
) -> None:
    item = stored_item(context, PDF, "document", "application/pdf")
    who = teacher(context)
    window.sign_in(who)
    page = window.document_page()
    assert page.open_item(item, who)
    assert page.pages() == 3 and page.page() == 0
    assert not page.previous.isEnabled()
    page.next.click()
    qtbot.waitUntil(lambda: page.page() == 1)
    assert page.page_label.text() == "Page 2 of 3"
    page.close_document()
    with context.db.read_session() as session:
        events = progress.events_for(session, who, [item.id])[item.id]
    state = progress.document_progress(events)
    assert (state.share, state.resume_at, state.done) == (2 / 3, 1.0, False)
    assert page.open_item(item, who)
    assert page.page() == 1
    page.next.click()
    qtbot.waitUntil(lambda: page.page() == 2)
    assert not page.next.isEnabled()
    with context.db.read_session() as session:
        assert progress.document_progress(
            progress.events_for(session, who, [item.id])[item.id]
        ).done


def test_a_video_deleted_behind_the_apps_back_is_explained(
    window, context: AppContext, fresh_messages
) -> None:
    item = stored_item(context, VIDEO, "video", "video/mp4")
    who = teacher(context)
    context.content.blobs.path(item.sha256).unlink()
    assert not window.video_page().open_item(item, who)
    [(_level, text)] = fresh_messages.history
    assert "no longer on this computer" in text
    with context.db.read_session() as session:
        assert catalog.missing_assets(session, "c1")  # will be downloaded again
