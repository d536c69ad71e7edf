"""Downloading assets and courses into the content store: resumable, verified, power-cut safe.

An asset's bytes go to ``<partial_dir>/<sha256>.part`` (``partial_dir`` is
``<data>/content/partial``, on the content store's filesystem) and are fsynced every few MB, so
a power cut or a dropped connection loses little. The next attempt re-hashes what is there and
asks only for the rest (``Range: bytes=N-`` with ``If-Range: "<sha256>"``); a server that sends
the whole asset instead (200: it has another file under that name, or ignores ranges) is read
from the start again.

Assets of more than a few blocks are checked block by block as they arrive, against the block
digests the server gives (:mod:`wire.blocks`; fetched once per download and kept beside the
partial file): a bad block is cut off and asked for again, and after :data:`BLOCK_TRIES` bad
copies of one block the download fails with :class:`ChecksumError` (keeping the good bytes before
it). A server without digests (an older one: 404), or whose digests are not the catalog's asset,
gets the whole-file check alone.

A complete file is checked against the catalog's size and sha256 and only then moved into the
store by one atomic rename (:meth:`wire.blobs.BlobStore.commit`) and recorded as stored. Bytes
that do not match are deleted and never appear in the store (:class:`ChecksumError`).

Disk space: before receiving, and at every fsync while receiving, the free space less the bytes
still to come must stay above ``reserve``; otherwise the download stops, keeping its bytes, with
:class:`LowDiskSpaceError`. A disk that fills up anyway (ENOSPC) is a ``DiskFullError``, with the
partial file kept and the store and the database untouched.

Stopping is not an error: ``should_stop()`` is checked after every chunk (and before each asset
of a course); when it answers true the call returns early, with ``AssetResult.stored`` false or
``CourseDownloadSummary.stopped`` true, and the partial file on disk for the next attempt.

Speed (one 1 GiB asset over loopback on a 2-core PC is CPU-bound): the receiving thread only
receives and writes into the page cache; one sha256 pass, which also checks the blocks, runs in
a second thread (:mod:`app.sync.verifier`), the fsyncs in a third (:mod:`app.sync.checkpoint`).
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.storage import catalog
from app.storage.catalog import MissingAsset
from app.storage.clock import Clock, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.errors import DiskFullError
from app.sync.client import AssetStream, ServerClient
from app.sync.errors import (
    BadResponseError,
    ChecksumError,
    DownloadError,
    LowDiskSpaceError,
    ServerError,
)
from app.sync.partial import (
    CHUNK,
    SYNC_EVERY,
    AssetProgress,
    Opener,
    PartialDownload,
    RoomCheck,
    StopCheck,
    is_complete_on_disk,
    keep_digests,
    load_digests,
    open_partial,
)
from app.sync.throttle import RateLimiter
from wire import blocks
from wire.blobs import DiskFull

#: A block that arrives bad this many times in one call fails the download.
BLOCK_TRIES = 3
#: ``free_space(path)``: bytes free for this user on the filesystem holding ``path``.
FreeSpace = Callable[[Path], int]


def disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


@dataclass(frozen=True)
class CourseTick:
    """Where a course download is: the whole course, and the asset being fetched.

    Attributes:
        done: bytes of the course present (stored before, or fetched now).
        total: bytes of the whole course.
        sha256: the asset being fetched ("" before the first).
        title: the title of the first item that uses it.
        asset_done: bytes of that asset present.
        asset_size: its size.
    """

    done: int
    total: int
    sha256: str = ""
    title: str = ""
    asset_done: int = 0
    asset_size: int = 0


#: Told how a course download is going, after every chunk.
CourseProgress = Callable[[CourseTick], None]


def _never() -> bool:
    return False


@dataclass(frozen=True)
class AssetResult:
    """How one :func:`download_asset` call ended.

    Attributes:
        sha256: the asset.
        stored: the asset is in the content store; false when ``should_stop`` ended the call.
        fetched: bytes received over the network by this call (``rejected`` included).
        resumed_from: bytes of an earlier attempt that were kept (not fetched again).
        rejected: bytes thrown away because their block failed its check (then fetched
            again): the bad block, and at most one more read from the network. Bytes kept from
            an earlier attempt count too when their block turns out bad.
    """

    sha256: str
    stored: bool
    fetched: int = 0
    resumed_from: int = 0
    rejected: int = 0


def download_asset(
    client: ServerClient,
    content: ContentStore,
    partial_dir: Path,
    asset: MissingAsset,
    *,
    on_progress: AssetProgress | None = None,
    should_stop: StopCheck = _never,
    chunk: int = CHUNK,
    sync_every: int = SYNC_EVERY,
    opener: Opener = open_partial,
    limiter: RateLimiter | None = None,
    reserve: int = 0,
    free_space: FreeSpace = disk_free,
) -> AssetResult:
    """Downloads one asset into the content store, resuming an earlier partial download.

    Args:
        client: the county server.
        content: the content store; ``partial_dir`` must be on its filesystem.
        partial_dir: where partial downloads are kept.
        asset: the asset as the catalog describes it.
        on_progress: ``(bytes_present, asset_size)`` after each chunk, resumed bytes included.
        should_stop: checked after each chunk; true ends the call early (see the module doc).
        chunk: bytes read from the network at a time.
        sync_every: fsync the partial file (in the background) after this many new bytes.
        opener: opens the partial file.
        limiter: the bandwidth cap; may be shared by several downloads and changed meanwhile.
        reserve: bytes of disk space that must stay free.
        free_space: how much space is free where ``partial_dir`` is (injected by tests).

    Raises:
        ChecksumError: the bytes are not the asset; the partial file was deleted (or, after a
            block kept arriving bad, cut back to the good bytes before it).
        LowDiskSpaceError: the download would leave less than ``reserve`` free; the bytes so
            far are kept.
        DownloadError: the server ended the body early; the bytes so far are kept.
        DiskFullError: the disk is full; the partial file keeps the bytes written so far.
        OfflineError, ServerError, BadResponseError: the bytes so far are kept.
    """
    sha = asset.sha256
    try:
        if content.blobs.has(sha):  # a blob is only ever there verified
            content.record_stored(sha)
            return AssetResult(sha, stored=True)
        digests = _block_digests(client, partial_dir, asset)
        partial = PartialDownload.load(partial_dir, sha, asset.size, digests)
        resumed_from = partial.have
        if on_progress is not None:
            on_progress(partial.have, partial.size)
        if not partial.complete:
            check_room = _room_check(partial_dir, reserve, free_space)
            check_room(partial.size - partial.have)
            options = _Options(chunk, sync_every, opener, on_progress, should_stop, limiter)
            resumed_from = _fetch(client, partial, options, check_room)
            if partial.stopped:
                return AssetResult(sha, False, partial.fetched, resumed_from, partial.rejected)
        partial.commit(content)
        return AssetResult(sha, True, partial.fetched, resumed_from, partial.rejected)
    except DiskFull as exc:
        raise DiskFullError(str(exc)) from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(f"disk full while downloading asset {sha}: {exc}") from exc
        raise


def _room_check(partial_dir: Path, reserve: int, free_space: FreeSpace) -> RoomCheck:
    """Raises :class:`LowDiskSpaceError` when what is still to be written would leave less than
    ``reserve`` bytes free."""

    def check_room(still_to_write: int) -> None:
        free = free_space(partial_dir)
        if free - still_to_write < reserve:
            raise LowDiskSpaceError(needed=still_to_write + reserve, free=free)

    return check_room


def _block_digests(
    client: ServerClient, partial_dir: Path, asset: MissingAsset
) -> list[bytes] | None:
    """The asset's block digests, if they are worth having and the server has them; None for
    small assets, for a partial only left to commit, and from a server that has none or gives a
    list that is not this asset's."""
    sha, size = asset.sha256, asset.size
    if not blocks.worth_blocks(size) or is_complete_on_disk(partial_dir, sha, size):
        return None
    digests = load_digests(partial_dir, sha, size)
    if digests is not None:
        return digests
    try:
        digests = client.asset_blocks(sha)
    except (ServerError, BadResponseError):
        return None  # the asset's own request will tell what is wrong, if anything is
    if digests is None or not blocks.describes(digests, size, sha):
        return None
    keep_digests(partial_dir, sha, digests)
    return digests


@dataclass(frozen=True)
class _Options:
    chunk: int
    sync_every: int
    opener: Opener
    on_progress: AssetProgress | None
    should_stop: StopCheck
    limiter: RateLimiter | None


def _fetch(
    client: ServerClient, partial: PartialDownload, options: _Options, check_room: RoomCheck
) -> int:
    """Receives the rest of the asset, asking again after a bad block; returns how many bytes
    of the earlier attempt were kept."""
    sha = partial.sha256
    kept: int | None = None
    while True:
        with _open(client, partial) as stream:
            if stream.total is not None and stream.total != partial.size:
                partial.discard()
                raise ChecksumError(
                    f"asset {sha}: the server has {stream.total} bytes, "
                    f"the catalog says {partial.size}"
                )
            if stream.start == 0 and partial.have > 0:
                partial.restart()  # the whole asset (200) instead of the range asked for
            if kept is None:
                kept = partial.have
            partial.receive(
                stream.iter_chunks(options.chunk),
                opener=options.opener,
                on_progress=options.on_progress,
                should_stop=options.should_stop,
                sync_every=options.sync_every,
                limiter=options.limiter,
                check_room=check_room,
            )
        if partial.complete or partial.stopped:
            return kept
        block = partial.cut_block
        if block is None:
            raise DownloadError(
                f"asset {sha}: the server sent {partial.have} of {partial.size} bytes; "
                "the rest will be resumed"
            )
        if partial.bad_blocks[block] >= BLOCK_TRIES:
            raise ChecksumError(
                f"asset {sha}: block {block} (bytes {block * blocks.BLOCK_SIZE}-"
                f"{blocks.block_end(block, partial.size) - 1}) arrived {BLOCK_TRIES} times "
                "unlike its digest; the bytes before it are kept"
            )


def _open(client: ServerClient, partial: PartialDownload) -> AssetStream:
    try:
        return client.open_asset(partial.sha256, start=partial.have)
    except ServerError as exc:
        if exc.status != 416 or partial.have == 0:
            raise
    # "Range not satisfiable": what we hold is not a prefix of the server's asset.
    partial.discard()
    return client.open_asset(partial.sha256)


@dataclass(frozen=True)
class CourseDownloadSummary:
    """How one :func:`download_course` call ended.

    Attributes:
        course_id: the course.
        assets_total: distinct assets (files) of the course.
        assets_stored: of them, how many are now in the content store.
        bytes_fetched: bytes received over the network by this call.
        stopped: ``should_stop`` ended the call early.
        failed: sha256 of the assets whose bytes did not match (discarded; a later call
            downloads them again).
    """

    course_id: str
    assets_total: int
    assets_stored: int
    bytes_fetched: int
    stopped: bool
    failed: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.assets_stored == self.assets_total


def download_course(
    db: Database,
    client: ServerClient,
    content: ContentStore,
    partial_dir: Path,
    course_id: str,
    *,
    on_progress: CourseProgress | None = None,
    should_stop: StopCheck = _never,
    clock: Clock = utc_now,
    chunk: int = CHUNK,
    opener: Opener = open_partial,
) -> CourseDownloadSummary:
    """Marks a course as wanted on this PC and downloads every asset of it not yet stored.

    An asset whose bytes do not match is discarded, listed in ``failed``, and the others are
    still downloaded. Any other error ends the call; the assets finished so far stay stored.

    Args:
        db: the client database.
        client: the county server.
        content: the content store.
        partial_dir: where partial downloads are kept (``DataPaths.partial``).
        course_id: the course, as in the local catalog.
        on_progress: told a :class:`CourseTick` for the course's and the current asset's
            progress bars; bytes already stored count as done.
        should_stop: checked after each chunk and before each asset.
        clock: for the download request's time.
        chunk: bytes read from the network at a time.
        opener: opens partial files.

    Raises:
        ValueError: the course is not in the local catalog.
        DiskFullError, OfflineError, ServerError, BadResponseError, DownloadError.
    """
    with db.write() as session:
        catalog.request_download(session, course_id, clock=clock)
    with db.read_session() as session:
        detail = catalog.course_detail(session, course_id)
    if detail is None:
        raise ValueError(f"course {course_id!r} is not in the local catalog")
    sizes: dict[str, int] = {}
    titles: dict[str, str] = {}
    for item in detail.items:
        sizes.setdefault(item.sha256, item.size)
        titles.setdefault(item.sha256, item.title)
        if item.stored:
            content.path_of(item.sha256)  # records a file that has gone, so it is fetched again
    with db.read_session() as session:
        missing = catalog.missing_assets(session, course_id)
    total = sum(sizes.values())
    done = total - sum(asset.size for asset in missing)
    fetched = 0
    failed: list[str] = []
    stopped = False

    def report(done_bytes: int, asset: MissingAsset | None = None, have: int = 0) -> None:
        if on_progress is not None:
            sha = asset.sha256 if asset else ""
            on_progress(
                CourseTick(
                    done_bytes, total, sha, titles.get(sha, ""), have, asset.size if asset else 0
                )
            )

    report(done)
    for asset in missing:
        if should_stop():
            stopped = True
            break
        try:
            result = download_asset(
                client,
                content,
                partial_dir,
                asset,
                on_progress=_offset_progress(report, done, asset),
                should_stop=should_stop,
                chunk=chunk,
                opener=opener,
            )
        except ChecksumError:
            failed.append(asset.sha256)
            continue
        fetched += result.fetched
        if not result.stored:
            stopped = True
            break
        done += asset.size
        report(done, asset, asset.size)
    with db.read_session() as session:
        still_missing = len(catalog.missing_assets(session, course_id))
    return CourseDownloadSummary(
        course_id=course_id,
        assets_total=len(sizes),
        assets_stored=len(sizes) - still_missing,
        bytes_fetched=fetched,
        stopped=stopped,
        failed=tuple(failed),
    )


def _offset_progress(
    report: Callable[[int, MissingAsset, int], None], base: int, asset: MissingAsset
) -> AssetProgress:
    def on_asset_progress(have: int, _size: int) -> None:
        report(base + have, asset, have)

    return on_asset_progress
