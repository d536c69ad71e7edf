"""The sync worker: one sync at a time, on a schedule that backs off after failures and comes
back after a success, stopping cleanly, and asking for enrollment instead of syncing."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from app.context import AppContext
from app.paths import DataPaths
from app.sync.engine import SyncReport
from app.sync.errors import DeviceRevokedError, NotEnrolledError, OfflineError, SyncBusyError
from app.sync.lock import sync_lock
from app.sync.schedule import Backoff
from app.ui.sync_worker import SyncWorker
from tests.gui.sync_fakes import FakeSync, idle_client, open_context


@pytest.fixture
def enrolled(data_paths: DataPaths) -> Iterator[AppContext]:
    context = open_context(data_paths, "http://county.test:8000", enrolled=True)
    yield context
    context.close()


def make_worker(context: AppContext, fake: FakeSync, seed: int = 7) -> SyncWorker:
    return SyncWorker(
        context,
        sync_fn=fake,
        client_factory=idle_client,
        backoff=Backoff(rng=random.Random(seed)),
    )


def test_never_two_syncs_at_once_and_a_request_meanwhile_runs_after(
    qtbot: QtBot, enrolled: AppContext
) -> None:
    fake = FakeSync()
    fake.gate.clear()
    worker = make_worker(enrolled, fake)
    finished: list[SyncReport] = []
    worker.finished.connect(finished.append)

    assert worker.sync_now() is True
    assert fake.entered.wait(10)
    assert worker.sync_now() is False  # "Sync now" again, the probe, a claimed teacher...
    assert worker.sync_now() is False
    assert worker.running and fake.calls == 1
    fake.gate.set()
    qtbot.waitUntil(lambda: len(finished) == 2, timeout=10_000)
    assert fake.calls == 2  # the requests meanwhile became one more sync, after the first
    assert fake.max_active == 1
    assert not worker.running
    assert worker.timer.isActive()  # and the schedule goes on


def test_another_process_syncing_is_not_joined(
    qtbot: QtBot, enrolled: AppContext, data_paths: DataPaths
) -> None:
    fake = FakeSync()
    worker = make_worker(enrolled, fake)
    # ``python -m app sync`` is running:
    with sync_lock(data_paths.root), qtbot.waitSignal(worker.failed, timeout=10_000) as failed:
        worker.sync_now()
    assert isinstance(failed.args[0], SyncBusyError)
    assert fake.calls == 0
    assert worker.timer.isActive()  # it tries again later
    assert 7.5 <= worker.timer.interval() / 1000 <= 15


def test_backoff_grows_after_failures_and_success_resets_it(
    qtbot: QtBot, enrolled: AppContext
) -> None:
    fake = FakeSync()
    fake.outcomes = [OfflineError("refused"), OfflineError("refused"), OfflineError("refused")]
    worker = make_worker(enrolled, fake)
    delays: list[float] = []
    worker.scheduled.connect(delays.append)
    for expected in range(1, 4):
        with qtbot.waitSignal(worker.scheduled, timeout=10_000):
            worker.sync_now()
        assert len(delays) == expected
    # Equal jitter: after the n-th failure in a row, between half and all of 15 s * 2^(n-1).
    assert 7.5 <= delays[0] <= 15
    assert 15 <= delays[1] <= 30
    assert 30 <= delays[2] <= 60
    assert worker.backoff.failures == 3
    assert worker.timer.interval() == round(delays[2] * 1000)

    with qtbot.waitSignal(worker.scheduled, timeout=10_000) as after_success:
        worker.sync_now()
    assert after_success.args == [300.0]
    assert worker.backoff.failures == 0
    assert worker.timer.interval() == 300_000

    fake.outcomes = [OfflineError("refused")]
    with qtbot.waitSignal(worker.scheduled, timeout=10_000) as again:
        worker.sync_now()
    assert 7.5 <= again.args[0] <= 15  # the count started again


def test_the_timer_runs_the_next_sync(qtbot: QtBot, enrolled: AppContext) -> None:
    fake = FakeSync()
    worker = make_worker(enrolled, fake)
    worker.backoff.every_s = 0.05
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        worker.start()
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        pass  # nobody asked: the schedule did
    assert fake.calls >= 2


def test_not_enrolled_asks_to_enroll_and_does_not_sync(qtbot: QtBot, data_paths: DataPaths) -> None:
    context = open_context(data_paths, "http://county.test:8000", enrolled=False)
    fake = FakeSync()
    worker = make_worker(context, fake)
    with qtbot.waitSignal(worker.enrollment_needed) as needed:
        worker.start()
    assert needed.args == [None]
    with qtbot.assertNotEmitted(worker.enrollment_needed):  # asked once, not at every probe
        assert worker.sync_now() is False
    assert fake.calls == 0 and not worker.timer.isActive()
    context.close()


def test_no_county_server_means_no_sync_and_no_question(
    qtbot: QtBot, data_paths: DataPaths
) -> None:
    context = open_context(data_paths, None, enrolled=False)
    fake = FakeSync()
    worker = make_worker(context, fake)
    with qtbot.assertNotEmitted(worker.enrollment_needed), qtbot.assertNotEmitted(worker.started):
        worker.start()
        worker.sync_now()
    assert fake.calls == 0
    context.close()


@pytest.mark.parametrize("refusal", [NotEnrolledError("401"), DeviceRevokedError("403")])
def test_a_server_that_refuses_this_pc_stops_the_schedule(
    qtbot: QtBot, enrolled: AppContext, refusal: Exception
) -> None:
    fake = FakeSync()
    fake.outcomes = [refusal]
    worker = make_worker(enrolled, fake)
    with qtbot.waitSignal(worker.enrollment_needed, timeout=10_000) as needed:
        worker.sync_now()
    assert needed.args == [refusal]
    assert not worker.timer.isActive()


def test_stop_ends_the_running_sync_and_schedules_nothing(
    qtbot: QtBot, enrolled: AppContext
) -> None:
    fake = FakeSync()
    fake.gate.clear()
    fake.outcomes = [SyncReport(stopped=True)]
    worker = make_worker(enrolled, fake)
    worker.sync_now()
    assert fake.entered.wait(10)
    worker.stop()
    assert worker.wait_idle(0.05) is False  # still running: it has not looked yet
    fake.gate.set()
    assert worker.wait_idle(10)
    assert fake.stop_seen == [True]
    qtbot.waitUntil(lambda: not worker.running, timeout=10_000)
    assert not worker.timer.isActive()
    assert worker.sync_now() is False
