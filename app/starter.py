"""The starter pack: signed courses shipped inside a county's installer, imported at first start.

A county installer may carry a course pack (``[starter] pack`` in its profile, see
:mod:`app.county`; ``assets/starter-pack`` in a frozen build), so that a school PC has courses
before it ever meets the network or a USB stick. It is imported exactly like a USB pack, through
:func:`app.sync.pack_import.scan_pack` and :func:`~app.sync.pack_import.import_pack` with the
county's keys: every course's signature is checked and every file hashed while it is copied.

A pack's identity is the sha256 of its index (``lamplight-pack.json``), which lists every course
and version in it. This PC remembers the identity of the starter pack it imported to the end
(:data:`app.storage.settings.STARTER_PACK_IMPORTED`), so the import runs once per installer:
after an upgrade whose installer carries another starter pack, the new pack is imported once
(courses already here are left as they are; only new or newer ones are copied).

What counts as done:

- The run reached the end (``StopReason.DONE``): recorded, even when some courses were refused
  (bad signature, damaged files). Those are in the report and the log; trying again at every
  start would refuse them again, and the county can bring them by USB stick or network.
- Stopped ("Later", Ctrl+C), the disk full, or the installer's files unreadable: not recorded.
  What was complete is kept, and the next start copies only what is missing.
- A pack that cannot be read at all (damaged index, a newer format) raises
  :class:`~wire.pack.PackError`; it is recorded as done unless the files could not be read,
  for the same reason as a refused course.

Nothing here imports Qt: the first-start dialog (:mod:`app.ui.starter_dialog`) and
``python -m app import-starter`` (:mod:`app.starter_commands`) both call :func:`import_starter`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.context import AppContext
from app.storage import settings
from wire.pack import (
    INDEX_FILE,
    MAX_INDEX_BYTES,
    PackError,
    Problem,
    find_pack,
    pack_path,
    read_limited,
)

if TYPE_CHECKING:  # the import machinery loads only when there is something to import
    from app.sync.pack_import import ImportProgress, ImportReport, PackPlan

log = logging.getLogger(__name__)


def pack_identity(root: Path) -> str:
    """The identity of the pack at ``root``: the sha256 (hex) of its index's bytes.

    Raises:
        PackError: the index cannot be read (``NOT_A_PACK`` when there is none).
    """
    try:
        data = read_limited(pack_path(root, INDEX_FILE), MAX_INDEX_BYTES, INDEX_FILE)
    except FileNotFoundError:
        raise PackError(
            Problem.NOT_A_PACK, f"{root} holds no Lamplight pack (no {INDEX_FILE})"
        ) from None
    return hashlib.sha256(data).hexdigest()


def starter_root(context: AppContext) -> Path | None:
    """The starter pack this installer carries (``None``: none, or its folder holds no pack)."""
    folder = context.county.starter_pack
    if folder is None:
        return None
    root = find_pack(folder)
    if root is None:
        log.warning("the county profile names a starter pack at %s, but there is none", folder)
    return root


def imported_identity(context: AppContext) -> str:
    """The identity of the starter pack last imported to the end here ("" = none yet)."""
    with context.db.read_session() as session:
        return settings.get(session, settings.STARTER_PACK_IMPORTED)


def pending_starter(context: AppContext) -> Path | None:
    """The starter pack to import now: the installer's, unless this PC imported that very pack
    already (``None``: nothing to do).

    A pack whose index cannot be read is returned, so that the import says what is wrong.
    """
    root = starter_root(context)
    if root is None:
        return None
    try:
        identity = pack_identity(root)
    except PackError:
        return root
    return None if identity == imported_identity(context) else root


def import_starter(
    context: AppContext,
    progress: Callable[[ImportProgress], None] | None = None,
    stop: Callable[[], bool] | None = None,
    *,
    on_plan: Callable[[PackPlan], None] | None = None,
) -> ImportReport:
    """Imports every course of the installer's starter pack that is new or newer here.

    Runs on the calling thread (a worker's, in the app). ``progress`` and ``stop`` are passed to
    :func:`~app.sync.pack_import.import_pack`: ``stop`` answering true ends the import after the
    current file, keeping what is complete. Courses already here go to ``unchanged``, refused
    ones to ``failed`` (each also logged). The identity is recorded as the module doc says.

    Args:
        on_plan: called with what the scan found, before anything is copied.

    Raises:
        PackError: there is no starter pack (``NOT_A_PACK``), or it cannot be read at all.
        StorageError: the database could not be written (``DiskFullError``: the disk is full).
    """
    from app.sync.pack_import import StopReason, import_pack, scan_pack

    folder = context.county.starter_pack
    root = starter_root(context)
    if root is None:
        raise PackError(
            Problem.NOT_A_PACK,
            f"this installation carries no starter pack (looked in {folder})"
            if folder is not None
            else "this installation carries no starter pack",
        )
    identity = pack_identity(root)
    try:
        plan = scan_pack(root, context.db, context.content, context.county)
    except PackError as exc:
        log.error("the starter pack at %s cannot be imported: %s", root, exc)
        if exc.problem is not Problem.READ_FAILED:
            _record(context, identity)  # it would fail the same way at every start
        raise
    if on_plan is not None:
        on_plan(plan)
    report = import_pack(
        plan,
        [course.id for course in plan.courses],  # refused ones are reported, present ones kept
        context.db,
        context.content,
        context.county,
        on_progress=progress,
        should_stop=stop,
        clock=context.clock,
    )
    for course_id, error in report.failed.items():
        log.warning("starter pack %s: course %s refused: %s", root, course_id, error.detail)
    if report.stopped is StopReason.DONE:
        _record(context, identity)
        log.info("starter pack %s imported: %s", root, report.message)
    else:
        log.warning(
            "starter pack %s: %s; the next start goes on with what is missing", root, report.message
        )
    return report


def _record(context: AppContext, identity: str) -> None:
    with context.db.write() as session:
        settings.put(session, settings.STARTER_PACK_IMPORTED, identity)
