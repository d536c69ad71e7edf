"""Exactly once, whatever happens: a client killed over and over mid-push, a server killed
mid-push and mid-pull, and a network that delays, resets, stalls and truncates (the project's
own fault-injecting proxy between the client and a real server)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.storage.errors import DiskFullError
from app.storage.models import ProgressEvent
from app.sync.engine import SyncEngine, SyncReport
from app.sync.errors import BadResponseError, OfflineError, ServerError, SyncError
from app.sync.teachers import claim_teacher
from tests.helpers.faultproxy import FaultProxy, Faults
from tests.helpers.pcs import (
    PC,
    PIN,
    County,
    add_events,
    add_teacher,
    new_pc,
    server_query,
    wait_until,
)
from tests.helpers.server_process import ServerProcess, running_server
from tests.helpers.small_disk import grow, small_disk

REPO = Path(__file__).resolve().parents[3]
MakePC = Callable[..., PC]


def _server_count(county_url: str) -> int:
    return int(server_query(county_url, "SELECT count(*) FROM record")[0][0])


def _assert_exactly_once(database_url: str, local_ids: list[str]) -> None:
    rows = server_query(database_url, "SELECT id FROM record")
    stored = [row[0] for row in rows]
    assert len(stored) == len(set(stored)), "a record was stored twice"
    assert set(stored) == set(local_ids)


def test_a_client_killed_30_times_mid_push_leaves_each_record_once(
    sqlite_county: County, make_pc: MakePC
) -> None:
    county = sqlite_county
    pc = make_pc(county.url, county.code, "pc")
    teacher = add_teacher(pc)
    add_events(pc, teacher, 20_000)
    local = pc.record_ids()
    root = str(pc.paths.root)
    pc.close()
    total = len(local)
    rng = random.Random(20261121)
    kills = runs = 0
    command = [sys.executable, "-m", "app", "sync", "--once", "--batch-size", "40"]
    while kills < 30:
        runs += 1
        assert runs <= 150, f"only {kills} kills landed mid-push in {runs} runs"
        before = _server_count(county.database_url)
        if before >= total:
            break
        proc = subprocess.Popen(
            [*command, "--data-dir", root],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            # Kill once the push is under way, at a random point after that.
            _wait_for_push(proc, county.database_url, before)
            threading.Event().wait(rng.uniform(0.0, 0.12))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(30)
        after = _server_count(county.database_url)
        if proc.returncode == -signal.SIGKILL and after < total:
            kills += 1
    assert kills >= 30
    done = subprocess.run(
        [*command, "--data-dir", root], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    _assert_exactly_once(county.database_url, local)


def _wait_for_push(proc: subprocess.Popen[bytes], database_url: str, before: int) -> None:
    wait_until(
        lambda: proc.poll() is not None or _server_count(database_url) > before,
        timeout_s=60,
        step_s=0.01,
    )


@contextmanager
def _proxied(county: County, faults: Faults | None = None) -> Iterator[FaultProxy]:
    with FaultProxy(county.url, faults) as proxy:
        yield proxy


def _restart(county: County, stack: list[Iterator[ServerProcess]]) -> ServerProcess:
    """Kills the county server with SIGKILL and starts it again on the same data."""
    county.server.proc.send_signal(signal.SIGKILL)
    county.server.proc.wait(30)
    starting = running_server(county.data_dir, county.database_url)
    stack.append(starting)
    server = starting.__enter__()  # type: ignore[attr-defined]
    county.server = server
    return server


@pytest.fixture
def restarts() -> Iterator[list[Iterator[ServerProcess]]]:
    started: list[Iterator[ServerProcess]] = []
    yield started
    for server in reversed(started):
        server.__exit__(None, None, None)  # type: ignore[attr-defined]


def _run_in_thread(work: Callable[[], SyncReport]) -> tuple[threading.Thread, list[object]]:
    outcome: list[object] = []

    def target() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # the test looks at what happened
            outcome.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


def _pulled(pc: PC) -> int:
    with pc.db.read_session() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(ProgressEvent)
                .where(ProgressEvent.origin == "pulled")
            )
            or 0
        )


def test_the_server_killed_mid_push_and_mid_pull(
    sqlite_county: County, make_pc: MakePC, restarts: list[Iterator[ServerProcess]]
) -> None:
    county = sqlite_county
    with _proxied(county, Faults(delay_s=0.002)) as proxy:
        a = make_pc(proxy.url, county.code, "pc-a")
        teacher = add_teacher(a)
        add_events(a, teacher, 8000)
        local = a.record_ids()

        # Mid-push.
        thread, outcome = _run_in_thread(lambda: SyncEngine(a.db, a.client, batch_size=100).run())
        assert wait_until(lambda: _server_count(county.database_url) > 1000)
        server = _restart(county, restarts)
        thread.join(120)
        assert isinstance(outcome[0], OfflineError | ServerError), outcome
        assert 0 < _server_count(county.database_url) < len(local)
        proxy.set_upstream(server.url)
        report = a.sync()
        assert report.complete, report
        _assert_exactly_once(county.database_url, local)

        # Mid-pull, on another PC of the same teacher.
        b = make_pc(proxy.url, county.code, "pc-b")
        claim_teacher(b.db, b.client, teacher.id, PIN)
        thread, outcome = _run_in_thread(lambda: SyncEngine(b.db, b.client, pull_limit=100).run())
        assert wait_until(lambda: _pulled(b) > 500)
        server = _restart(county, restarts)
        thread.join(120)
        assert isinstance(outcome[0], SyncError), outcome
        assert 0 < _pulled(b) < 8000
        proxy.set_upstream(server.url)
        assert b.sync().complete
        pulled_ids = b.record_ids(origin="pulled")
        assert len(pulled_ids) == len(set(pulled_ids)) == 8000
        assert set(pulled_ids) < set(local)  # everything but the profile record


# requests keeps one connection alive as long as it works, so the first connections are the
# faulty ones (each cut at its own point, counted over all the requests it carried); a failed
# request drops its connection and the next one opens another.
FAULTS = {
    "resets-while-sending": Faults(reset_after_up=(200, 12_000), max_faulty=12, seed=1),
    "resets-while-answering": Faults(reset_after_down=(50, 5_000), max_faulty=12, seed=2),
    "truncated-answers": Faults(truncate_after_down=(20, 5_000), max_faulty=12, seed=3),
    "stalls": Faults(stall_after_down=(0, 5_000), max_faulty=4, seed=4),
    "slow-link": Faults(delay_s=0.01, bandwidth_bps=400_000),
}


@pytest.mark.parametrize("name", sorted(FAULTS))
def test_a_faulty_network_still_delivers_everything_exactly_once(
    sqlite_county: County, make_pc: MakePC, name: str
) -> None:
    county = sqlite_county
    faults = FAULTS[name]
    with _proxied(county) as proxy:
        a = make_pc(proxy.url, county.code, "pc-a", timeout=(2.0, 2.0))
        teacher = add_teacher(a)
        add_events(a, teacher, 3000)
        local = a.record_ids()
        b = make_pc(proxy.url, county.code, "pc-b", timeout=(2.0, 2.0))
        proxy.set_faults(faults)

        def until_complete(pc: PC, *, pull_limit: int = 500) -> int:
            failures = 0
            for _ in range(300):
                try:
                    engine = SyncEngine(
                        pc.db,
                        pc.client,
                        batch_size=250,
                        pull_limit=pull_limit,
                        push_timeout=(2.0, 3.0),
                    )
                    if engine.run().complete:
                        return failures
                except (OfflineError, BadResponseError, ServerError):
                    failures += 1
            raise AssertionError(f"{pc.name} never completed a sync through {name}")

        failures = until_complete(a)
        _assert_exactly_once(county.database_url, local)
        for _ in range(50):  # the claim goes through the faulty network too
            try:
                claim_teacher(b.db, b.client, teacher.id, PIN)
                break
            except (OfflineError, BadResponseError, ServerError):
                continue
        failures += until_complete(b)
        pulled = b.record_ids(origin="pulled")
        assert len(pulled) == len(set(pulled)) == len(local) - 1  # all but profile.created
        if name != "slow-link":
            # Faults hit requests (some absorbed by the transport's one retry, the rest made
            # whole syncs fail and start again), and still nothing was lost or doubled.
            assert len(proxy.stats.injected) >= 4, "the faults did not happen"
            assert failures + len(proxy.stats.injected) > 0


def test_a_full_disk_mid_pull_loses_nothing_and_the_pull_goes_on_after(
    sqlite_county: County, make_pc: MakePC, tmp_path: Path
) -> None:
    county = sqlite_county
    a = make_pc(county.url, county.code, "pc-a")
    teacher = add_teacher(a)
    add_events(a, teacher, 20_000)
    assert a.sync().complete
    wanted = set(a.record_ids()) - {a.record_ids()[0]}  # all but the profile record

    with small_disk(tmp_path / "small", "3m") as disk:
        b = new_pc(disk, county.url, county.code, "pc-b")
        try:
            claim_teacher(b.db, b.client, teacher.id, PIN)
            with pytest.raises(DiskFullError):
                SyncEngine(b.db, b.client, pull_limit=500).run()
            kept = b.record_ids(origin="pulled")
            assert 0 < len(kept) < len(wanted)  # the pages before the full one are kept
            root = str(b.paths.root)
            cli = subprocess.run(
                [sys.executable, "-m", "app", "sync", "--once", "--data-dir", root],
                cwd=REPO,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert cli.returncode == 7 and "disk is full" in cli.stderr
            grow(disk, "64m")
            report = b.sync()
            assert report.complete
            pulled = b.record_ids(origin="pulled")
            assert len(pulled) == len(set(pulled)) and set(pulled) == wanted
        finally:
            b.close()
