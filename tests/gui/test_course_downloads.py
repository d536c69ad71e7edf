"""A course page with downloads in the background: Download queues the course, its items show
their own bars while they arrive, Pause/Resume, and an item opened before it is here is fetched
first and opens by itself."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import catalog, profiles
from app.storage import downloads as queue
from app.storage.profiles import Teacher
from app.sync.schedule import Backoff
from app.ui import message
from app.ui.course_page import CoursePage
from app.ui.download_worker import DownloadWorker
from tests.gui.download_fakes import (
    HAVE,
    MB,
    SAFETY,
    FakeDrain,
    add_course,
    queued,
    queued_asset,
    sha,
    tick_for,
)
from tests.gui.sync_fakes import idle_client, open_context


@pytest.fixture
def enrolled(data_paths: DataPaths, ui_language: str) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    add_course(context, "safety", "校园安全", SAFETY)
    yield context
    context.close()


@pytest.fixture
def fake() -> FakeDrain:
    fake = FakeDrain()
    fake.gate.clear()
    return fake


@pytest.fixture
def page(
    qtbot: QtBot, enrolled: AppContext, fake: FakeDrain, fresh_messages: message.MessageBus
) -> Iterator[CoursePage]:
    worker = DownloadWorker(
        enrolled, drain_fn=fake, client_factory=idle_client, backoff=Backoff(rng=random.Random(1))
    )
    course_page = CoursePage(enrolled, worker)
    qtbot.addWidget(course_page)
    course_page.resize(1000, 800)
    course_page.show()
    course_page.show_course("safety", teacher(enrolled))
    yield course_page
    worker.stop()
    fake.gate.set()
    worker.wait_idle(10)


def teacher(context: AppContext) -> Teacher:
    with context.db.write() as session:
        return profiles.create_profile(
            session,
            name="李老师",
            school="",
            gender="female",
            age_band="40to49",
            subject="",
            pin="2468",
        )


def test_download_queues_the_course_and_its_items_show_their_progress(
    qtbot: QtBot, page: CoursePage, enrolled: AppContext, fake: FakeDrain
) -> None:
    first = page.rows["safety/v1"]
    assert page.download_button.text() == "Download this course (60.0 MB)"
    assert first.state.text() == "Not downloaded yet (30.0 MB)"
    fake.ticks = [
        tick_for(
            queued_asset("safety", "v1", 30 * MB, course_title="校园安全"),
            HAVE,
            done=HAVE,
            total=60 * MB,
            rate=0.5 * MB,
        )
    ]
    page.download_button.click()
    assert [q.sha256 for q in queued(enrolled)] == [sha(f"safety-{f.key}") for f in SAFETY]
    qtbot.waitUntil(lambda: "Downloading:" in first.state.text(), timeout=10_000)
    assert first.state.text() == "Downloading: 12.3 MB of 30.0 MB"
    assert first.bar.isVisible() and first.bar.value() == 409
    assert page.rows["safety/v2"].state.text() == "Waiting to download (0 KB of 25.0 MB)"
    assert not page.download_button.isVisible()
    assert page.progress.isVisible() and page.progress.value() == 204
    assert page.download_info.text() == (
        "Downloading: 12.3 MB of 60.0 MB \u00b7 512 KB/s \u00b7 about 2 minute(s) left"
    )
    assert page.pause_button.isVisible() and page.pause_button.text() == "Pause download"
    assert page.all_downloads_button.isVisible()

    page.pause_button.click()
    assert all(q.paused for q in queued(enrolled))
    assert page.pause_button.text() == "Resume download"
    assert page.download_info.text() == 'Paused. Press "Resume download" to continue.'
    assert page.rows["safety/v2"].state.text().startswith("Paused")
    page.pause_button.click()
    assert not any(q.paused for q in queued(enrolled))
    assert page.pause_button.text() == "Pause download"


def test_an_item_opened_before_it_is_here_goes_first_and_opens_when_it_arrives(
    qtbot: QtBot,
    page: CoursePage,
    enrolled: AppContext,
    fake: FakeDrain,
    fresh_messages: message.MessageBus,
) -> None:
    handbook = page.rows["safety/d1"]
    assert handbook.open_button.isEnabled()  # Open works before the download: it fetches first
    with qtbot.assertNotEmitted(page.item_opened):
        handbook.open_button.click()
    rows = queued(enrolled)
    assert rows[0].sha256 == sha("safety-d1") and rows[0].priority == queue.PRIORITY_NOW
    assert len(rows) == 3  # the rest of the course comes behind it
    says = "This item is being downloaded first. It will open by itself when it is ready."
    assert page.download_info.text() == says
    assert fresh_messages.history == [(message.Level.INFO, says)]
    assert "Being downloaded first" in handbook.state.text()

    with enrolled.db.write() as session:  # the worker stored it
        catalog.mark_stored(session, sha("safety-d1"))
        queue.done(session, sha("safety-d1"))
    with qtbot.waitSignal(page.item_opened) as opened:
        page.downloads.queue_changed.emit()
    assert opened.args[0].id == "safety/d1" and opened.args[0].stored
    assert page.waiting_item is None


def test_no_county_server_means_a_plain_message_and_nothing_queued(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str, fresh_messages: message.MessageBus
) -> None:
    context = open_context(data_paths, None, enrolled=False)
    add_course(context, "safety", "校园安全", SAFETY)
    worker = DownloadWorker(context, drain_fn=FakeDrain(), client_factory=idle_client)
    page = CoursePage(context, worker)
    qtbot.addWidget(page)
    page.show_course("safety", teacher(context))
    page.download_button.click()
    page.rows["safety/v1"].open_button.click()
    assert queued(context) == []
    assert [level for level, _text in fresh_messages.history] == [message.Level.ERROR] * 2
    assert "No county server is set up" in fresh_messages.history[0][1]
    context.close()
