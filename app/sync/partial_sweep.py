"""Removing partial downloads nobody will finish, so they do not fill an old PC's disk.

A download in progress keeps ``<sha256>.part`` with its ``.part.ok`` checkpoint and its
``.blocks`` digests in ``content/partial`` (:mod:`app.sync.partial`) so that it resumes. They
are of no use any more when

- the asset is in the content store: it arrived another way (a USB pack, the starter pack)
  while its download was under way; or
- the asset left the download queue (its course was cancelled, or it arrived another way)
  and none of its files was touched for :data:`ORPHAN_AFTER`. Within that time a course
  cancelled and asked for again resumes where it stopped.

The partial of an asset that is queued and not stored is never removed. Only regular files
named ``<64 hex>.part``, ``<64 hex>.part.ok`` or ``<64 hex>.blocks`` are looked at: symbolic
links (never followed), folders and other names (such as a ``.tmp`` being written) are left
alone. A file that cannot be removed is logged and skipped.

Locking: :func:`sweep_partials` must run while the caller holds the PC's downloads lock
(:func:`app.sync.download_runner.download_lock`), so no download writes the files it removes.
Even the stored-blob case needs it: a run fetching that very asset would lose its partial
under it and fail when moving it into the store. The download runner sweeps at the start of
every run, under the lock it holds; a pack import sweeps after its courses are committed
through :func:`sweep_if_idle`, which takes the lock without waiting and, when a download run
holds it, leaves the sweep to that run's next start.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from app.paths import DataPaths
from app.storage.clock import Clock, naive_utc, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.errors import StorageError
from app.storage.models import QueuedDownload

log = logging.getLogger(__name__)

#: A partial download out of the queue is kept this long after its files were last touched.
ORPHAN_AFTER = timedelta(days=14)

#: The files of one partial download: ``<sha256>`` then one of the three suffixes.
_NAME = re.compile(r"([0-9a-f]{64})(\.part|\.part\.ok|\.blocks)")


@dataclass(frozen=True)
class SweepResult:
    """What a sweep removed.

    Attributes:
        files: files removed.
        bytes: their size.
        failed: files that should have gone but could not be removed (logged).
    """

    files: int = 0
    bytes: int = 0
    failed: int = 0


def sweep_partials(
    db: Database,
    content: ContentStore,
    partial_dir: Path,
    *,
    clock: Clock = utc_now,
    orphan_after: timedelta = ORPHAN_AFTER,
    remove: Callable[[Path], None] = os.unlink,
) -> SweepResult:
    """Removes the partial downloads of assets stored already, or out of the queue for long.

    Call it only while holding the downloads lock (see the module doc).

    Args:
        db: the client database (for the download queue).
        content: the content store.
        partial_dir: where partial downloads are kept (``DataPaths.partial``).
        clock: now (UTC); a partial's age is measured against its files' mtime.
        orphan_after: how long a partial out of the queue is kept.
        remove: deletes one file (never following a link); tests pass one that fails.

    Never raises for the files: one that cannot be read or removed is logged and skipped.
    """
    groups = _partials(partial_dir)
    if not groups:
        return SweepResult()
    with db.read_session() as session:
        queued = set(session.scalars(select(QueuedDownload.sha256)))
    now = naive_utc(clock())
    files = size = failed = 0
    for sha256, members in groups.items():
        if not _useless(sha256, members, content, queued, now, orphan_after):
            continue
        for path, st in members:
            try:
                remove(path)
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("cannot remove the partial download %s: %s", path, exc)
                failed += 1
                continue
            files += 1
            size += st.st_size
    if files or failed:
        log.info(
            "partial downloads: %d file(s) removed (%d bytes), %d could not be", files, size, failed
        )
    return SweepResult(files, size, failed)


def sweep_if_idle(
    db: Database, content: ContentStore, *, clock: Clock = utc_now
) -> SweepResult | None:
    """Sweeps the partial downloads of ``content``'s data directory if no download runs.

    Takes the downloads lock without waiting, and only when there is a partial download to
    look at. ``None`` when a download run holds the lock (that run sweeps at its next start),
    or when ``content`` is not a data directory's content store (so where its partial
    downloads are is not known). Never raises for the files or the database: trouble is logged.
    """
    from app.sync.download_runner import download_lock  # it imports this module

    paths = _data_paths_of(content)
    if paths is None:
        return None
    if not _partials(paths.partial):
        return SweepResult()  # nothing to sweep: no need for the lock (nor its file)
    try:
        with download_lock(paths.root) as held:
            if not held:
                log.info("a download is running: its next run removes unneeded partial files")
                return None
            return sweep_partials(db, content, paths.partial, clock=clock)
    except (OSError, StorageError) as exc:
        log.warning("partial downloads were not swept: %s", exc)
        return None


def _data_paths_of(content: ContentStore) -> DataPaths | None:
    paths = DataPaths(content.blobs.root.parent)
    return paths if paths.content == content.blobs.root else None


_Member = tuple[Path, os.stat_result]


def _partials(partial_dir: Path) -> dict[str, list[_Member]]:
    """The partial downloads' files, by sha256: regular files with a name of ours only."""
    groups: dict[str, list[_Member]] = {}
    try:
        if stat.S_ISLNK(os.lstat(partial_dir).st_mode):
            log.warning("%s is a symbolic link: partial downloads are not swept", partial_dir)
            return groups
        entries = list(os.scandir(partial_dir))
    except FileNotFoundError:
        return groups
    except OSError as exc:
        log.warning("cannot list the partial downloads in %s: %s", partial_dir, exc)
        return groups
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # gone meanwhile, or unreadable: not ours to judge
        if stat.S_ISREG(st.st_mode):
            groups.setdefault(match.group(1), []).append((Path(entry.path), st))
    return groups


def _useless(
    sha256: str,
    members: list[_Member],
    content: ContentStore,
    queued: Collection[str],
    now: datetime,
    orphan_after: timedelta,
) -> bool:
    if content.blobs.has(sha256):
        return True
    if sha256 in queued:
        return False
    touched = max(st.st_mtime for _, st in members)
    last = datetime.fromtimestamp(touched, UTC).replace(tzinfo=None)
    return now - last >= orphan_after
