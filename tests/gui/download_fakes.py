"""Fakes for the download UI tests: a download run that can be held, counted and told what to
report, and a small catalog with queued courses whose sizes a teacher would notice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.context import AppContext
from app.storage import catalog
from app.storage import downloads as queue
from app.storage.downloads import QueuedAsset
from app.sync.download_runner import DownloadTick, DrainReport, StopReason
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage

MB = 1024 * 1024


def sha(name: str) -> str:
    return name.encode().hex().ljust(64, "0")[:64]


@dataclass(frozen=True)
class File:
    key: str
    title: str
    size: int
    kind: str = "video"


def add_course(context: AppContext, course_id: str, title: str, files: list[File]) -> None:
    course = CatalogCourse(
        id=course_id,
        version=1,
        seq=1,
        title=title,
        description=f"{title}的说明",
        language="zh-CN",
        published_at=datetime.now(UTC),
        lessons=[
            CatalogLesson(
                id="l1",
                title="第一课",
                items=[
                    CatalogItem(
                        id=f.key,
                        kind=f.kind,
                        title=f.title,
                        asset=AssetRef(
                            sha256=sha(f"{course_id}-{f.key}"),
                            size=f.size,
                            media_type="video/mp4" if f.kind == "video" else "application/pdf",
                        ),
                    )
                    for f in files
                ],
            )
        ],
    )
    with context.db.write() as session:
        catalog.apply_catalog_page(session, CatalogPage(courses=[course], cursor=1, has_more=False))


def write_partial(context: AppContext, course_id: str, key: str, have: int) -> None:
    """Pretends ``have`` bytes of that file arrived before."""
    path = context.paths.partial / f"{sha(f'{course_id}-{key}')}.part"
    with path.open("wb") as f:
        f.truncate(have)


def queued(context: AppContext) -> list[QueuedAsset]:
    with context.db.read_session() as session:
        return queue.queued(session, context.paths.partial)


def queued_asset(course_id: str, key: str, size: int, have: int = 0, **fields: Any) -> QueuedAsset:
    """A queue row as :func:`app.storage.downloads.queued` would give it."""
    values: dict[str, Any] = {
        "media_type": "video/mp4",
        "course_title": course_id.upper(),
        "title": key,
        "priority": queue.PRIORITY_TEACHER,
        "paused": False,
        "failures": 0,
        "last_error": "",
        "retry_at": None,
        **fields,
    }
    return QueuedAsset(sha(f"{course_id}-{key}"), size, course_id=course_id, have=have, **values)


def tick_for(
    asset: QueuedAsset,
    have: int,
    *,
    done: int,
    total: int,
    rate: float = 1.2 * MB,
    left: int = 3,
) -> DownloadTick:
    eta = (total - done) / rate if rate else None
    return DownloadTick(asset, have, done, total, rate, eta, left)


class FakeDrain:
    """Stands in for ``drain_queue``: counts calls and how many run at once, sends the ticks it
    is given, can be held at a gate (until asked to stop, like the real one after a chunk), and
    returns the queued reports (taken as it ends), then DONE."""

    def __init__(self) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.stop_seen: list[bool] = []
        self.reports: list[DrainReport] = []
        self.ticks: list[DownloadTick] = []
        self.policies: list[Any] = []
        self._lock = threading.Lock()

    def __call__(
        self,
        db: Any,
        client: Any,
        content: Any,
        data_dir: Any,
        partial_dir: Any,
        *,
        policy: Callable[[], Any],
        should_stop: Callable[[], bool],
        on_progress: Callable[[DownloadTick], None],
    ) -> DrainReport:
        with self._lock:
            self.calls += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            self.policies.append(policy())
            for tick in self.ticks:
                on_progress(tick)
            self.entered.set()
            while not self.gate.wait(0.01):
                if should_stop():
                    break
            self.stop_seen.append(should_stop())
            if should_stop():
                return DrainReport(StopReason.STOPPED)
            with self._lock:
                return self.reports.pop(0) if self.reports else DrainReport(StopReason.DONE)
        finally:
            with self._lock:
                self.active -= 1


SAFETY = [
    File("v1", "第一课：校园安全常识", 30 * MB),
    File("v2", "第二课：火灾时怎样疏散", 25 * MB),
    File("d1", "安全手册", 5 * MB, kind="document"),
]
ICT = [File("v1", "认识电脑", 20 * MB)]
#: 12.3 MB of the first file arrived; the queue holds 80 MB in all.
HAVE = int(12.3 * MB)
TOTAL = 80 * MB


def build_queue(context: AppContext, *, failed: bool = True) -> list[QueuedAsset]:
    """Two queued courses (80 MB), 12.3 MB of the first file here, the other course's file
    waiting after a failure. Returns the queue."""
    add_course(context, "safety", "校园安全", SAFETY)
    add_course(context, "ict", "信息技术基础", ICT)
    with context.db.write() as session:
        queue.enqueue_course(session, "safety")
        queue.enqueue_course(session, "ict")
        if failed:
            queue.note_failure(session, sha("ict-v1"), "the server answered 503")
    write_partial(context, "safety", "v1", HAVE)
    return queued(context)


def first_tick(rows: list[QueuedAsset]) -> DownloadTick:
    """Mid-download: the first file, 12.3 MB of 80 MB, at 0.5 MB/s."""
    return tick_for(rows[0], HAVE, done=HAVE, total=TOTAL, rate=0.5 * MB, left=4)
