"""refresh_catalog: paging, the per-page checkpoint and resuming from it, contact bookkeeping."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from app.storage import catalog, settings
from app.storage.db import Database
from app.sync.catalog_sync import refresh_catalog
from app.sync.errors import BadResponseError, OfflineError
from app.sync.transport import FakeRequest, FakeResponse

Clock = Callable[[], datetime]
Snapshot = Callable[[Database], dict[str, list[tuple[Any, ...]]]]


def publish_courses(server: Any, count: int) -> None:
    for n in range(1, count + 1):
        server.publish(f"course-{n}", {"intro": os.urandom(50)})


def stored_state(db: Database) -> tuple[list[str], int, str, float]:
    with db.read_session() as session:
        ids = sorted(row.id for row in catalog.list_courses(session))
        return (
            ids,
            settings.get(session, settings.CATALOG_CURSOR),
            settings.get(session, settings.LAST_CONTACT),
            settings.get(session, settings.CLOCK_OFFSET_S),
        )


def fail_on_catalog_call(server: Any, number: int, error: Exception | FakeResponse) -> None:
    """Makes the ``number``-th catalog request (1-based) fail."""
    calls = {"n": 0}

    def override(request: FakeRequest) -> FakeResponse | None:
        if request.path != "/api/v1/catalog":
            return None
        calls["n"] += 1
        if calls["n"] != number:
            return None
        if isinstance(error, Exception):
            raise error
        return error

    server.override = override


def test_refresh_pulls_every_page_and_records_the_contact(
    db: Database, server: Any, clock: Clock
) -> None:
    publish_courses(server, 5)
    pages: list[tuple[int, int]] = []
    changed = refresh_catalog(
        db, server.client, clock=clock, page_limit=2, on_page=lambda p, c: pages.append((p, c))
    )
    assert changed == 5
    assert pages == [(1, 2), (2, 4), (3, 5)]
    assert [r.params["since"] for r in server.catalog_requests()] == [0, 2, 4]
    ids, cursor, last_contact, offset = stored_state(db)
    assert ids == [f"course-{n}" for n in range(1, 6)]
    assert cursor == 5
    assert last_contact == "2024-09-01T08:00:00"
    assert offset == 90.0  # the server's clock is 90 s ahead of this PC's


def test_a_failure_on_page_3_keeps_pages_1_and_2_and_resumes_at_page_3(
    db: Database, server: Any, clock: Clock
) -> None:
    publish_courses(server, 6)
    fail_on_catalog_call(server, 3, OfflineError("connection reset"))
    with pytest.raises(OfflineError):
        refresh_catalog(db, server.client, clock=clock, page_limit=2)
    ids, cursor, last_contact, _ = stored_state(db)
    assert ids == ["course-1", "course-2", "course-3", "course-4"]
    assert cursor == 4
    assert last_contact == ""  # the refresh did not succeed

    server.override = None
    server.transport.requests.clear()
    assert refresh_catalog(db, server.client, clock=clock, page_limit=2) == 2
    assert [r.params["since"] for r in server.catalog_requests()] == [4]
    ids, cursor, last_contact, _ = stored_state(db)
    assert len(ids) == 6
    assert cursor == 6
    assert last_contact != ""


def test_malformed_catalog_json_is_a_bad_response_and_changes_nothing(
    db: Database, server: Any, clock: Clock, snapshot: Snapshot
) -> None:
    publish_courses(server, 2)
    before = snapshot(db)
    fail_on_catalog_call(server, 1, FakeResponse(content=b'{"courses": [{"id": '))
    with pytest.raises(BadResponseError, match="not JSON"):
        refresh_catalog(db, server.client, clock=clock)
    assert snapshot(db) == before


def test_a_catalog_page_failing_validation_changes_nothing(
    db: Database, server: Any, clock: Clock, snapshot: Snapshot
) -> None:
    publish_courses(server, 1)
    before = snapshot(db)
    bad = {"courses": [{"id": "Not An Id!", "version": 0}], "cursor": 1, "has_more": False}
    fail_on_catalog_call(server, 1, FakeResponse(json=bad))
    with pytest.raises(BadResponseError, match="courses"):
        refresh_catalog(db, server.client, clock=clock)
    assert snapshot(db) == before


def test_an_unreachable_server_changes_nothing(
    db: Database, server: Any, clock: Clock, snapshot: Snapshot
) -> None:
    publish_courses(server, 1)
    before = snapshot(db)

    def refuse(request: FakeRequest) -> FakeResponse:
        raise OfflineError("connection refused")

    server.override = refuse
    with pytest.raises(OfflineError):
        refresh_catalog(db, server.client, clock=clock)
    assert snapshot(db) == before


def test_a_second_refresh_asks_only_for_what_changed(
    db: Database, server: Any, clock: Clock
) -> None:
    publish_courses(server, 3)
    refresh_catalog(db, server.client, clock=clock)
    server.transport.requests.clear()
    assert refresh_catalog(db, server.client, clock=clock) == 0
    assert [r.params["since"] for r in server.catalog_requests()] == [3]

    server.publish("course-2", {"intro": os.urandom(60)}, title="Course two, revised")
    assert refresh_catalog(db, server.client, clock=clock) == 1
    with db.read_session() as session:
        detail = catalog.course_detail(session, "course-2")
    assert detail is not None
    assert (detail.title, detail.version) == ("Course two, revised", 2)


def test_a_course_changed_twice_during_a_refresh_counts_once(
    db: Database, server: Any, clock: Clock
) -> None:
    publish_courses(server, 2)  # seq 1, 2
    republished = {"done": False}

    def republish_after_page_1(request: FakeRequest) -> FakeResponse | None:
        since = request.params.get("since")
        if request.path == "/api/v1/catalog" and since == 1 and not republished["done"]:
            republished["done"] = True
            server.publish("course-1", {"intro": os.urandom(10)})  # seq 3
        return None

    server.override = republish_after_page_1
    assert refresh_catalog(db, server.client, clock=clock, page_limit=1) == 2


def test_a_cursor_that_does_not_advance_is_a_bad_response(
    db: Database, server: Any, clock: Clock
) -> None:
    stuck = {"courses": [], "cursor": 0, "has_more": True}
    fail_on_catalog_call(server, 1, FakeResponse(json=stuck))
    with pytest.raises(BadResponseError, match="cursor did not advance"):
        refresh_catalog(db, server.client, clock=clock)


def test_should_stop_ends_between_pages_and_the_next_refresh_goes_on(
    db: Database, server: Any, clock: Clock
) -> None:
    publish_courses(server, 4)
    pages: list[int] = []
    changed = refresh_catalog(
        db,
        server.client,
        clock=clock,
        page_limit=2,
        on_page=lambda p, _c: pages.append(p),
        should_stop=lambda: len(pages) >= 1,
    )
    assert changed == 2
    ids, cursor, last_contact, _ = stored_state(db)
    assert (len(ids), cursor, last_contact) == (2, 2, "")
    assert refresh_catalog(db, server.client, clock=clock, page_limit=2) == 2
    assert stored_state(db)[1] == 4
