"""The Downloads page as a teacher reads it: the total with speed and time left, each file with
its bar under its course, Pause/Resume per course and for everything, Try again, and one plain
sentence for why downloads wait and what to do."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.storage import downloads as queue
from app.storage.downloads import QueuedAsset
from app.sync.download_runner import DrainReport, StopReason
from app.sync.policy import DownloadPolicy, TimeWindow, save_policy
from app.sync.schedule import Backoff
from app.ui.download_worker import DownloadWorker
from app.ui.downloads_delegate import DownloadDelegate
from app.ui.downloads_model import (
    COURSE,
    FILE,
    ActiveRole,
    AssetRole,
    CourseGroup,
    DownloadsModel,
    GroupRole,
    KindRole,
    ShareRole,
)
from app.ui.downloads_page import DownloadsButton, DownloadsPage
from tests.gui.download_fakes import (
    HAVE,
    MB,
    FakeDrain,
    build_queue,
    first_tick,
    queued,
    queued_asset,
    sha,
)
from tests.gui.sync_fakes import idle_client, open_context


@pytest.fixture
def enrolled(data_paths: DataPaths, ui_language: str) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    yield context
    context.close()


@pytest.fixture
def fake() -> FakeDrain:
    return FakeDrain()


@pytest.fixture
def worker(enrolled: AppContext, fake: FakeDrain) -> Iterator[DownloadWorker]:
    w = DownloadWorker(
        enrolled, drain_fn=fake, client_factory=idle_client, backoff=Backoff(rng=random.Random(1))
    )
    yield w
    w.stop()
    fake.gate.set()
    w.wait_idle(10)


def open_page(qtbot: QtBot, context: AppContext, worker: DownloadWorker) -> DownloadsPage:
    page = DownloadsPage(context, worker)
    qtbot.addWidget(page)
    page.resize(1000, 760)
    page.show()
    return page


def test_the_model_groups_files_under_their_course_and_passes_qt_model_checks(
    qtmodeltester: ModelTester,
) -> None:
    model = DownloadsModel()
    rows = [
        queued_asset("maths", "a", 100, 50),
        queued_asset("safety", "x", 400),
        queued_asset("maths", "b", 300, paused=True),
    ]
    model.set_assets(rows)
    qtmodeltester.check(model)
    kinds = [model.index(r).data(KindRole) for r in range(model.rowCount())]
    assert kinds == [COURSE, FILE, FILE, COURSE, FILE]
    maths: CourseGroup = model.index(0).data(GroupRole)
    assert (maths.title, maths.files, maths.size, maths.have) == ("MATHS", 2, 400, 50)
    assert not maths.paused  # one of its two files is paused, not the course
    assert model.index(1).data(AssetRole) == rows[0]
    assert model.index(2).data(AssetRole) == rows[2]  # files stay together under their course
    assert model.index(1).data(ShareRole) == 0.5

    changed: list[int] = []
    model.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    assert model.update_have(sha("maths-a"), 100)
    assert sorted(set(changed)) == [0, 1]  # the file and its course, nothing else
    assert model.index(1).data(ShareRole) == 1.0 and model.index(1).data(ActiveRole)
    assert model.index(0).data(GroupRole).have == 100
    assert not model.update_have(sha("nope"), 1)
    assert not model.index(1).data(ActiveRole)
    model.set_assets(rows[1:])
    qtmodeltester.check(model)
    assert model.rowCount() == 4


def test_mid_download_the_total_says_how_much_how_fast_and_how_long(
    qtbot: QtBot, enrolled: AppContext, worker: DownloadWorker, fake: FakeDrain
) -> None:
    rows = build_queue(enrolled)
    fake.ticks = [first_tick(rows)]
    fake.gate.clear()
    page = open_page(qtbot, enrolled, worker)
    button = DownloadsButton(enrolled, worker)
    qtbot.addWidget(button)
    worker.start()
    qtbot.waitUntil(lambda: "/s" in page.total_label.text(), timeout=10_000)
    assert page.total_label.text() == (
        "12.3 MB of 80.0 MB \u00b7 512 KB/s \u00b7 about 3 minute(s) left \u00b7 4 file(s) left"
    )
    assert page.total_bar.value() == 153
    assert page.state_label.text().startswith("Downloading.")
    assert button.text() == "Downloading 15%"
    model = page.model
    first = model.row_of(sha("safety-v1"))
    assert first is not None and model.index(first).data(ActiveRole)
    assert model.index(first).data(ShareRole) == pytest.approx(HAVE / (30 * MB))
    assert [g.title for g in model.groups()] == ["校园安全", "信息技术基础"]
    delegate = page.view.itemDelegate()
    assert isinstance(delegate, DownloadDelegate)
    failed = model.row_at(model.row_of(sha("ict-v1")) or 0)
    assert isinstance(failed, QueuedAsset)
    state, _colour = delegate.file_state(failed, False)
    assert state.startswith("Could not download yet \u00b7 tries again at ")
    for widget in (page.pause_all_button, page.settings_button, page.course_button("safety")):
        assert widget is not None and widget.isVisible() and widget.height() >= 48
    assert not page.retry_button.isVisible()  # it is running: nothing to try again yet


def test_pause_and_resume_a_course_and_everything(
    qtbot: QtBot, enrolled: AppContext, worker: DownloadWorker, fake: FakeDrain
) -> None:
    build_queue(enrolled, failed=False)
    page = open_page(qtbot, enrolled, worker)
    pause = page.course_button("safety")
    assert pause is not None and pause.text() == "Pause this course"
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        pause.click()
    assert all(q.paused for q in queued(enrolled) if q.course_id == "safety")
    assert not any(q.paused for q in queued(enrolled) if q.course_id == "ict")
    resume = page.course_button("safety")
    assert resume is not None and resume.text() == "Resume this course"

    page.pause_all_button.click()
    assert worker.paused_all()
    fake_report = DrainReport(StopReason.PAUSED)
    fake.reports = [fake_report]
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    assert page.pause_all_button.text() == "Resume all"
    assert "All downloads are paused" in page.state_label.text()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        page.pause_all_button.click()
    assert not worker.paused_all()
    assert page.pause_all_button.text() == "Pause all"


def test_try_again_lets_a_failed_file_go_now(
    qtbot: QtBot, enrolled: AppContext, worker: DownloadWorker, fake: FakeDrain
) -> None:
    build_queue(enrolled)
    with enrolled.db.write() as session:
        queue.pause_course(session, "safety", True)
    fake.reports = [DrainReport(StopReason.DONE, wait_s=30.0)]
    page = open_page(qtbot, enrolled, worker)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start()
    assert "1 file(s) could not be downloaded yet" in page.state_label.text()
    assert page.retry_button.isVisible()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        page.retry_button.click()
    assert [q.retry_at for q in queued(enrolled) if q.course_id == "ict"] == [None]
    assert not page.retry_button.isVisible()


@pytest.mark.parametrize(
    ("reason", "says", "button"),
    [
        (
            StopReason.WINDOW,
            "Downloads run only from 18:00 to 07:00, so the school's network stays free for "
            "teaching. They will continue by themselves.",
            None,
        ),
        (
            StopReason.OFFLINE,
            "Cannot reach the county server. Downloads continue by themselves",
            "retry",
        ),
        (
            StopReason.DISK,
            "The disk is almost full, so downloads stopped. Nothing was lost.",
            "retry",
        ),
        (
            StopReason.REFUSED,
            "Connect this computer again with your school's enrollment code",
            "connect",
        ),
        (StopReason.BUSY, "Another download is running on this computer", "retry"),
    ],
)
def test_each_stop_says_what_happened_and_what_to_do(
    qtbot: QtBot,
    enrolled: AppContext,
    worker: DownloadWorker,
    fake: FakeDrain,
    reason: StopReason,
    says: str,
    button: str | None,
) -> None:
    build_queue(enrolled, failed=False)
    with enrolled.db.write() as session:
        save_policy(session, DownloadPolicy(window=TimeWindow.parse("18:00-07:00")))
    fake.reports = [DrainReport(reason, wait_s=3600.0 if reason is StopReason.WINDOW else None)]
    page = open_page(qtbot, enrolled, worker)
    header = DownloadsButton(enrolled, worker)
    qtbot.addWidget(header)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start()
    assert says in page.state_label.text()
    assert page.retry_button.isVisible() == (button == "retry")
    assert page.connect_button.isVisible() == (button == "connect")
    if reason is StopReason.WINDOW:
        assert header.text() == "Downloads wait until 18:00"
    elif reason in (StopReason.DISK, StopReason.OFFLINE, StopReason.REFUSED):
        assert header.text() == "Downloads stopped"


def test_an_empty_queue_says_how_to_download_and_a_pc_not_connected_says_so(
    qtbot: QtBot, data_paths: DataPaths, ui_language: str
) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    worker = DownloadWorker(context, drain_fn=FakeDrain(), client_factory=idle_client)
    page = open_page(qtbot, context, worker)
    assert page.empty.isVisible() and "open it and press its Download button" in page.empty.text()
    assert "not connected to the county server yet" in page.state_label.text()
    assert page.connect_button.isVisible()
    with qtbot.waitSignal(page.connect_requested):
        page.connect_button.click()
    context.close()


def test_a_tick_for_a_file_queued_after_the_page_was_drawn_reads_the_queue_again(
    qtbot: QtBot, enrolled: AppContext, worker: DownloadWorker, fake: FakeDrain
) -> None:
    page = open_page(qtbot, enrolled, worker)
    assert page.model.rowCount() == 0
    rows = build_queue(enrolled)  # queued by `python -m app download`, say
    page.show_tick(first_tick(rows))
    assert page.model.rowCount() == 6
    page.show_tick(first_tick(rows))  # no second read for the same file
    assert page.model.index(page.model.row_of(sha("safety-v1")) or 0).data(ActiveRole)
