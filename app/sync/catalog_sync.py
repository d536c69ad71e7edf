"""Refreshing the local catalog from the county server, page by page, resumably.

Stages, each committed before the next starts:

1. ``GET /info``: is the server there, and what time is it there?
2. ``GET /catalog?since=<stored cursor>``, then :func:`app.storage.catalog.apply_catalog_page`
   in its own write transaction, which also stores the page's cursor. Repeated until the server
   says there is no more. A refresh cut off at any point resumes from the last committed page.
3. ``LAST_CONTACT`` and ``CLOCK_OFFSET_S`` are recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from app.storage import catalog, settings
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.db import Database
from app.sync.client import ServerClient
from app.sync.errors import BadResponseError
from wire.api import CATALOG_PAGE_DEFAULT, ServerInfo

#: ``on_page(pages_applied, courses_changed_so_far)``, called after each committed page.
PageCallback = Callable[[int, int], None]


def refresh_catalog(
    db: Database,
    client: ServerClient,
    *,
    clock: Clock = utc_now,
    page_limit: int = CATALOG_PAGE_DEFAULT,
    on_page: PageCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    check_first: bool = True,
) -> int:
    """Pulls the catalog changes since the stored cursor into the local database.

    Args:
        db: the client database.
        client: the county server.
        clock: naive-UTC now, for ``LAST_CONTACT`` and the clock offset.
        page_limit: courses asked for per page.
        on_page: told after each page is committed.
        should_stop: checked between pages; when it answers true the refresh ends early, the
            pages so far committed (the next refresh goes on from there) and nothing recorded
            as a successful contact.
        check_first: ask ``/info`` first and record the contact at the end (the sync engine
            has done both itself).

    Returns:
        The number of distinct courses added or changed.

    Raises:
        OfflineError, ServerError, BadResponseError: nothing after the last committed page
            was stored.
        DiskFullError: the page being applied was rolled back.
    """
    offset_s: float | None = None
    if check_first:
        _, offset_s = probe(client, clock)

    with db.read_session() as session:
        cursor = settings.get(session, settings.CATALOG_CURSOR)
    changed: set[str] = set()
    pages = 0
    while True:
        if should_stop is not None and should_stop():
            return len(changed)
        page = client.catalog_page(cursor, page_limit)
        if page.has_more and page.cursor <= cursor:
            # A server that does not move its cursor forward would keep us here forever.
            raise BadResponseError(
                f"/catalog: cursor did not advance (since={cursor}, got {page.cursor})"
            )
        with db.write() as session:
            catalog.apply_catalog_page(session, page)
        pages += 1
        changed.update(course.id for course in page.courses)
        cursor = page.cursor
        if on_page is not None:
            on_page(pages, len(changed))
        if not page.has_more:
            break

    if offset_s is not None:
        with db.write() as session:
            record_contact(session, offset_s, clock=clock)
    return len(changed)


def check_server(db: Database, client: ServerClient, *, clock: Clock = utc_now) -> float:
    """Asks the server for ``/info``; on an answer records the contact and returns the offset.

    Raises:
        OfflineError, ServerError, BadResponseError: nothing is recorded.
    """
    _, offset_s = probe(client, clock)
    with db.write() as session:
        record_contact(session, offset_s, clock=clock)
    return offset_s


def record_contact(session: Session, offset_s: float, *, clock: Clock = utc_now) -> None:
    """Notes a successful exchange with the server and the clock offset it showed."""
    settings.put(session, settings.LAST_CONTACT, clock().isoformat())
    settings.put(session, settings.CLOCK_OFFSET_S, offset_s)


def probe(client: ServerClient, clock: Clock = utc_now) -> tuple[ServerInfo, float]:
    """``GET /info``, and the server's clock minus this PC's, in seconds.

    Raises:
        OfflineError, ServerError, BadResponseError.
    """
    sent = clock()
    info = client.info()
    return info, offset_seconds(info.time, sent, clock())


def offset_seconds(server_time: datetime, sent: datetime, received: datetime) -> float:
    """Server time minus local time, taking the local time halfway through the request."""
    local = naive_utc(sent) + (naive_utc(received) - naive_utc(sent)) / 2
    return round((naive_utc(server_time) - local).total_seconds(), 3)
