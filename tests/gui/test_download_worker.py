"""The download worker: one run at a time, woken at once when the queue changes, sleeping until
the download hours or a retry, backing off while the server is away, stopping on close."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.sync.download_runner import DownloadTick, DrainReport, StopReason
from app.sync.schedule import Backoff
from app.ui.download_worker import MAX_SLEEP_S, DownloadWorker
from tests.gui.download_fakes import MB, FakeDrain, File, add_course, queued, tick_for
from tests.gui.sync_fakes import idle_client, open_context


@pytest.fixture
def enrolled(data_paths: DataPaths) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    add_course(context, "safety", "校园安全", [File("v1", "安全第一课", 3 * MB)])
    yield context
    context.close()


def make_worker(context: AppContext, fake: FakeDrain) -> DownloadWorker:
    return DownloadWorker(
        context, drain_fn=fake, client_factory=idle_client, backoff=Backoff(rng=random.Random(3))
    )


def test_queuing_a_course_wakes_the_worker_and_a_wake_during_a_run_runs_again_after(
    qtbot: QtBot, enrolled: AppContext
) -> None:
    fake = FakeDrain()
    fake.gate.clear()
    worker = make_worker(enrolled, fake)
    finished: list[DrainReport] = []
    worker.finished.connect(finished.append)

    with qtbot.waitSignal(worker.queue_changed):
        assert worker.queue_course("safety") == 1
    assert fake.entered.wait(10) and worker.running
    assert [q.course_id for q in queued(enrolled)] == ["safety"]
    assert worker.wake() is False  # an item opened, a pause lifted... while it runs
    assert worker.wake() is False
    fake.gate.set()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=10_000)
    assert fake.calls == 2  # the wakes meanwhile became one more run, after the first
    assert fake.max_active == 1
    assert not worker.running and not worker.timer.isActive()  # nothing waits: sleep till woken


@pytest.mark.parametrize(
    ("report", "expected_s"),
    [
        (DrainReport(StopReason.DONE, wait_s=42.0), 42.0),  # a failed file may be retried
        (DrainReport(StopReason.WINDOW, wait_s=120.0), 120.0),  # the hours begin
        (DrainReport(StopReason.WINDOW, wait_s=11 * 3600.0), MAX_SLEEP_S),  # looks in between
    ],
)
def test_after_a_run_it_sleeps_until_it_is_worth_running_again(
    qtbot: QtBot, enrolled: AppContext, report: DrainReport, expected_s: float
) -> None:
    fake = FakeDrain()
    fake.reports = [report]
    worker = make_worker(enrolled, fake)
    with qtbot.waitSignal(worker.scheduled, timeout=10_000) as scheduled:
        worker.start()
    assert scheduled.args == [expected_s]
    assert worker.timer.isActive() and worker.timer.interval() == round(expected_s * 1000)
    assert worker.last_report == report


def test_the_timer_starts_the_next_run(qtbot: QtBot, enrolled: AppContext) -> None:
    fake = FakeDrain()
    fake.reports = [DrainReport(StopReason.WINDOW, wait_s=0.05)]
    worker = make_worker(enrolled, fake)
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start()
    with qtbot.waitSignal(worker.finished, timeout=10_000) as second:
        pass  # nobody woke it: the window "opened"
    assert second.args[0].reason is StopReason.DONE and fake.calls == 2


def test_offline_backs_off_and_the_server_coming_back_wakes_it_at_once(
    qtbot: QtBot, enrolled: AppContext
) -> None:
    fake = FakeDrain()
    fake.reports = [DrainReport(StopReason.OFFLINE), DrainReport(StopReason.OFFLINE)]
    worker = make_worker(enrolled, fake)
    delays: list[float] = []
    worker.scheduled.connect(delays.append)
    with qtbot.waitSignal(worker.scheduled, timeout=10_000):
        worker.start()
    with qtbot.waitSignal(worker.scheduled, timeout=10_000):
        assert worker.wake()  # the status line's probe: the server answers again
    assert 7.5 <= delays[0] <= 15 and 15 <= delays[1] <= 30  # longer after each failure
    with qtbot.waitSignal(worker.finished, timeout=10_000) as done:
        assert worker.wake()
    assert done.args[0].reason is StopReason.DONE
    assert worker.backoff.failures == 0 and not worker.timer.isActive()


@pytest.mark.parametrize("reason", [StopReason.PAUSED, StopReason.REFUSED, StopReason.DONE])
def test_paused_refused_or_done_wait_to_be_woken(
    qtbot: QtBot, enrolled: AppContext, reason: StopReason
) -> None:
    fake = FakeDrain()
    fake.reports = [DrainReport(reason)]
    worker = make_worker(enrolled, fake)
    with (
        qtbot.waitSignal(worker.finished, timeout=10_000),
        qtbot.assertNotEmitted(worker.scheduled),
    ):
        worker.start()
    assert not worker.timer.isActive()


def test_ticks_reach_the_ui_a_few_at_a_time_and_a_finished_file_is_announced(
    qtbot: QtBot, enrolled: AppContext, tmp_path
) -> None:
    worker_fake = FakeDrain()
    with enrolled.db.write() as session:
        from app.storage import downloads as queue

        queue.enqueue_course(session, "safety")
    [asset] = queued(enrolled)
    size = asset.size
    worker_fake.ticks = [
        tick_for(asset, have, done=have, total=size, left=1) for have in range(0, size + 1, 1024)
    ]
    worker_fake.gate.clear()
    worker = make_worker(enrolled, worker_fake)
    seen: list[DownloadTick] = []
    worker.ticked.connect(seen.append)
    worker.start()
    assert worker_fake.entered.wait(10)
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].have == size, timeout=10_000)
    assert len(seen) < 20  # of 3,073 ticks: the first, the last, a few in between
    assert seen[0].have == 0 and worker.last_tick == seen[-1]

    worker_fake.reports = [DrainReport(StopReason.DONE, stored=(asset.sha256,))]
    with qtbot.waitSignal(worker.stored, timeout=10_000) as stored:
        worker_fake.gate.set()
    assert stored.args == [asset]
    assert worker.last_tick is None


def test_stop_ends_the_run_and_nothing_runs_after(qtbot: QtBot, enrolled: AppContext) -> None:
    fake = FakeDrain()
    fake.gate.clear()
    worker = make_worker(enrolled, fake)
    worker.start()
    assert fake.entered.wait(10)
    worker.stop()  # the window closes
    assert worker.wait_idle(10)
    assert fake.stop_seen == [True]
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    assert worker.last_report is not None and worker.last_report.reason is StopReason.STOPPED
    assert worker.wake() is False and not worker.timer.isActive()
    assert fake.calls == 1


def test_a_pc_without_server_or_not_enrolled_does_not_run(
    qtbot: QtBot, data_paths: DataPaths
) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    fake = FakeDrain()
    worker = make_worker(context, fake)
    with qtbot.assertNotEmitted(worker.started):
        worker.start()
        assert worker.wake() is False
    assert fake.calls == 0
    context.close()


def test_pause_and_resume_change_the_queue_and_wake(qtbot: QtBot, enrolled: AppContext) -> None:
    fake = FakeDrain()
    worker = make_worker(enrolled, fake)
    worker.queue_course("safety")
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    with qtbot.waitSignal(worker.queue_changed):
        worker.pause_all(True)
    assert worker.paused_all()
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    worker.pause_course("safety", True)
    assert queued(enrolled)[0].paused
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    calls = fake.calls
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.pause_course("safety", False)  # "Resume" on a course: it is wanted now
    assert not queued(enrolled)[0].paused and not worker.paused_all()
    assert fake.calls == calls + 1


def test_closing_the_window_stops_the_download_and_waits_for_it(
    qtbot: QtBot, enrolled: AppContext, ui_language: str, fresh_messages: object
) -> None:
    from app.ui.main_window import MainWindow

    fake = FakeDrain()
    fake.gate.clear()
    window = MainWindow(enrolled)
    qtbot.addWidget(window)
    window.downloads.drain_fn, window.downloads.client_factory = fake, idle_client
    window.show()
    window.downloads.queue_course("safety")
    assert fake.entered.wait(10)
    window.close()
    assert fake.stop_seen == [True]  # it stopped after its current chunk, before the close ended
    assert not window.downloads.timer.isActive()
