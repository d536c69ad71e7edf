"""The installer's starter pack: imported once at first start with a USB pack's checks, once
more after an upgrade brings a new one, and retried only when the run did not reach its end.
Real signed packs (tests/helpers/packs.py), a real data directory."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.context import AppContext
from app.county import CountyProfile
from app.paths import DataPaths
from app.starter import import_starter, pack_identity, pending_starter
from app.storage import catalog, settings
from app.storage.models import Course, CourseSignature, Item, Lesson
from app.sync.pack_import import ImportProgress, StopReason
from tests.helpers.packs import (
    blob_path,
    county_for,
    demo_key,
    make_pack,
    seeded_bytes,
    sha,
)
from wire import pack
from wire.pack import PackError, Problem

REPO = Path(__file__).resolve().parents[2]


def blob(seed: str, size: int = 20_000) -> bytes:
    return seeded_bytes(seed, size)


def profile(starter: Path | None, *, reserve: int = 0) -> CountyProfile:
    """The demo county trusting the demo key, with its starter pack at ``starter``."""
    return dataclasses.replace(county_for(demo_key(), reserve=reserve), starter_pack=starter)


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "pc").ensure()


@pytest.fixture
def starter(tmp_path: Path) -> Path:
    """Where the installer keeps its starter pack (``assets/starter-pack``)."""
    return tmp_path / "installer" / "assets" / "starter-pack"


@pytest.fixture
def context(paths: DataPaths, starter: Path) -> Iterator[AppContext]:
    ctx = AppContext.open(paths, county=profile(starter))
    yield ctx
    ctx.close()


def ready_courses(context: AppContext) -> dict[str, bool]:
    """Course id -> whether all its files are here, as the catalog shows them."""
    with context.db.read_session() as session:
        return {c.id: c.ready for c in catalog.list_courses(session)}


def recorded(context: AppContext) -> str:
    with context.db.read_session() as session:
        return settings.get(session, settings.STARTER_PACK_IMPORTED)


def rows_of(context: AppContext, course_id: str) -> dict[str, int]:
    """How many rows of each kind the database holds for ``course_id``."""
    with context.db.read_session() as session:
        counts = {"Course": session.scalar(select(func.count()).where(Course.id == course_id))}
        for model in (Lesson, Item, CourseSignature):
            counts[model.__name__] = session.scalar(
                select(func.count()).select_from(model).where(model.course_id == course_id)
            )
    return {name: n or 0 for name, n in counts.items()}


def test_the_identity_is_the_sha256_of_the_index(starter: Path) -> None:
    make_pack(starter, [("c1", [blob("a")])])
    assert (
        pack_identity(starter)
        == hashlib.sha256((starter / pack.INDEX_FILE).read_bytes()).hexdigest()
    )
    with pytest.raises(PackError) as caught:
        pack_identity(starter.parent)
    assert caught.value.problem is Problem.NOT_A_PACK


def test_first_start_imports_every_course_and_the_next_start_has_nothing_to_do(
    context: AppContext, starter: Path
) -> None:
    built = make_pack(starter, [("c1", [blob("a"), blob("b")]), ("c2", [blob("c")])])
    assert pending_starter(context) == starter
    seen: list[ImportProgress] = []

    report = import_starter(context, seen.append)

    assert report.stopped is StopReason.DONE and not report.failed
    assert report.imported == ["c1", "c2"]
    assert report.bytes_copied == sum(c.size for c in built.values())
    assert ready_courses(context) == {"c1": True, "c2": True}  # offline: no server at all
    assert seen and seen[-1].done_bytes == seen[-1].total_bytes
    assert recorded(context) == pack_identity(starter)
    assert pending_starter(context) is None

    again = import_starter(context)  # the command run by hand: copies nothing
    assert again.imported == [] and sorted(again.unchanged) == ["c1", "c2"]
    assert again.bytes_copied == 0 and again.stopped is StopReason.DONE


def test_a_newer_installers_starter_pack_is_imported_once_and_copies_only_the_new_course(
    context: AppContext, starter: Path
) -> None:
    make_pack(starter, [("c1", [blob("a")])])
    import_starter(context)
    first = recorded(context)

    shutil.rmtree(starter)  # the upgrade replaces the installer's files
    built = make_pack(starter, [("c1", [blob("a")]), ("c3", [blob("new", 30_000)])])
    assert pending_starter(context) == starter  # another pack: another identity

    report = import_starter(context)
    assert report.imported == ["c3"] and report.unchanged == ["c1"]
    assert report.bytes_copied == built["c3"].size
    assert recorded(context) != first and pending_starter(context) is None
    assert ready_courses(context) == {"c1": True, "c3": True}


def test_a_tampered_course_is_refused_whole_reported_and_not_tried_again(
    context: AppContext, starter: Path, caplog: pytest.LogCaptureFixture
) -> None:
    built = make_pack(
        starter, [("good", [blob("g")]), ("changed", [blob("x")]), ("damaged", [blob("d")])]
    )
    document = starter / pack.course_relpath("changed")
    document.write_bytes(
        document.read_bytes().replace("课程 changed".encode(), "课程 CHANGED".encode())
    )
    blob_path(starter, built["damaged"].blobs[0]).write_bytes(b"not the signed bytes")

    with caplog.at_level(logging.WARNING, logger="app.starter"):
        report = import_starter(context)

    assert report.stopped is StopReason.DONE and report.imported == ["good"]
    assert report.failed["changed"].problem is Problem.TAMPERED
    assert report.failed["damaged"].problem is Problem.BAD_BLOB
    assert "1 course(s) imported" in report.message and "2 refused" in report.message
    assert 0 not in rows_of(context, "good").values()
    for refused in ("changed", "damaged"):  # nothing of them is partly here
        assert set(rows_of(context, refused).values()) == {0}
        assert refused in caplog.text
    assert not context.content.blobs.path(sha(built["damaged"].blobs[0])).exists()
    assert ready_courses(context) == {"good": True}
    # The same pack would be refused the same way at every start: it counts as done.
    assert pending_starter(context) is None


def test_a_full_disk_is_not_recorded_and_the_next_start_imports(
    paths: DataPaths, starter: Path
) -> None:
    make_pack(starter, [("c1", [blob("a")])])
    greedy = AppContext.open(paths, county=profile(starter, reserve=10**18))  # no disk has that
    try:
        report = import_starter(greedy)
        assert report.stopped is StopReason.DISK_FULL and report.imported == []
        assert report.left == ["c1"] and "free at least" in report.message
        assert recorded(greedy) == "" and pending_starter(greedy) == starter
    finally:
        greedy.close()
    context = AppContext.open(paths, county=profile(starter))
    try:
        assert import_starter(context).imported == ["c1"]
        assert pending_starter(context) is None
    finally:
        context.close()


def test_later_keeps_what_is_complete_and_the_next_start_copies_the_rest(
    context: AppContext, starter: Path
) -> None:
    # Twelve courses: the copy works a few courses ahead at most, so stopping leaves some.
    make_pack(starter, [(f"c{n:02}", [blob(f"b{n}", 50_000)]) for n in range(12)])
    first = import_starter(context, stop=lambda: True)  # "Later" pressed at once

    assert first.stopped is StopReason.CANCELLED and first.left
    assert recorded(context) == "" and pending_starter(context) == starter
    assert set(ready_courses(context)) == set(first.imported)

    second = import_starter(context)
    assert second.stopped is StopReason.DONE
    assert sorted(first.imported + second.imported) == [f"c{n:02}" for n in range(12)]
    assert first.bytes_copied + second.bytes_copied == 12 * 50_000  # each file copied once
    assert pending_starter(context) is None


def test_no_starter_pack_means_nothing_pending(paths: DataPaths, starter: Path) -> None:
    for county in (profile(None), profile(starter)):  # none named; named but not there
        context = AppContext.open(paths, county=county)
        try:
            assert pending_starter(context) is None
            with pytest.raises(PackError) as caught:
                import_starter(context)
            assert caught.value.problem is Problem.NOT_A_PACK
        finally:
            context.close()


def test_a_damaged_index_is_reported_once_not_at_every_start(
    context: AppContext, starter: Path
) -> None:
    make_pack(starter, [("c1", [blob("a")])])
    (starter / pack.INDEX_FILE).write_text(json.dumps({"format": 1, "courses": "?"}))
    assert pending_starter(context) == starter
    with pytest.raises(PackError) as caught:
        import_starter(context)
    assert caught.value.problem is Problem.MALFORMED
    assert ready_courses(context) == {}
    assert pending_starter(context) is None


def test_the_starter_modules_load_no_qt() -> None:
    check = (
        "import sys, app.starter, app.starter_commands; "
        "print(any(m == 'PySide6' or m.startswith(('PySide6.', 'app.ui')) for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
