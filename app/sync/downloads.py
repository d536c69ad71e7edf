"""Downloading assets and courses into the content store: resumable, verified, power-cut safe.

An asset's bytes go to ``<partial_dir>/<sha256>.part`` (``partial_dir`` is
``<data>/content/partial``, on the content store's filesystem) and are fsynced every few MB, so
a power cut or a dropped connection loses little. The next attempt re-hashes what is there and
asks only for the rest (``Range: bytes=N-`` with ``If-Range: "<sha256>"``); a server that sends
the whole asset instead (200) is read from the start again.

A complete file is checked against the catalog's size and sha256 and only then moved into the
store by one atomic rename (:meth:`wire.blobs.BlobStore.commit`) and recorded as stored. Bytes
that do not match are deleted and never appear in the store (:class:`ChecksumError`).

Stopping is not an error: ``should_stop()`` is checked after every chunk (and before each asset
of a course); when it answers true the call returns early, with ``AssetResult.stored`` false or
``CourseDownloadSummary.stopped`` true, and the partial file on disk for the next attempt.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.storage import catalog
from app.storage.catalog import MissingAsset
from app.storage.clock import Clock, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database
from app.storage.errors import DiskFullError
from app.sync.client import ServerClient
from app.sync.errors import ChecksumError, DownloadError, ServerError
from app.sync.partial import (
    CHUNK,
    SYNC_EVERY,
    AssetProgress,
    Opener,
    PartialDownload,
    StopCheck,
    open_partial,
)
from wire.blobs import DiskFull


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
        fetched: bytes received over the network by this call.
        resumed_from: bytes of an earlier attempt that were kept (not fetched again).
    """

    sha256: str
    stored: bool
    fetched: int = 0
    resumed_from: int = 0


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
        sync_every: flush and fsync the partial file after this many new bytes.
        opener: opens the partial file.

    Raises:
        ChecksumError: the bytes are not the asset; the partial file was deleted.
        DownloadError: the server ended the body early; the bytes so far are kept.
        DiskFullError: the disk is full; the partial file keeps the bytes written so far.
        OfflineError, ServerError, BadResponseError: the bytes so far are kept.
    """
    sha = asset.sha256
    try:
        if content.blobs.has(sha):  # a blob is only ever there verified
            content.record_stored(sha)
            return AssetResult(sha, stored=True)
        partial = PartialDownload.load(partial_dir, sha, asset.size)
        resumed_from = partial.have
        if on_progress is not None:
            on_progress(partial.have, partial.size)
        if not partial.complete:
            resumed_from = _fetch(
                client, partial, chunk, on_progress, should_stop, sync_every, opener
            )
            if partial.stopped:
                return AssetResult(sha, False, partial.fetched, resumed_from)
        partial.commit(content)
        return AssetResult(sha, True, partial.fetched, resumed_from)
    except DiskFull as exc:
        raise DiskFullError(str(exc)) from exc
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(f"disk full while downloading asset {sha}: {exc}") from exc
        raise


def _fetch(
    client: ServerClient,
    partial: PartialDownload,
    chunk: int,
    on_progress: AssetProgress | None,
    should_stop: StopCheck,
    sync_every: int,
    opener: Opener,
) -> int:
    """Receives the rest of the asset; returns how many bytes of the earlier attempt were kept."""
    sha = partial.sha256
    try:
        stream = client.open_asset(sha, start=partial.have)
    except ServerError as exc:
        if exc.status != 416 or partial.have == 0:
            raise
        # "Range not satisfiable": what we hold is not a prefix of the server's asset.
        partial.discard()
        stream = client.open_asset(sha)
    with stream:
        if stream.total is not None and stream.total != partial.size:
            partial.discard()
            raise ChecksumError(
                f"asset {sha}: the server has {stream.total} bytes, the catalog says {partial.size}"
            )
        if stream.start == 0 and partial.have > 0:
            partial.restart()  # the whole asset (200) instead of the range asked for
        kept = partial.have
        partial.receive(
            stream.iter_chunks(chunk),
            opener=opener,
            on_progress=on_progress,
            should_stop=should_stop,
            sync_every=sync_every,
        )
    if not partial.complete and not partial.stopped:
        raise DownloadError(
            f"asset {sha}: the server sent {partial.have} of {partial.size} bytes; "
            "the rest will be resumed"
        )
    return kept


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
