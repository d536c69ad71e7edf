"""Builders the storage tests share: a clock the test moves, teachers, catalog pages made from the
real wire models (imported by the tests as ``storage_helpers``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from app.storage import profiles
from app.storage.db import Database
from app.storage.profiles import Teacher
from wire.api import AssetRef, CatalogCourse, CatalogItem, CatalogLesson, CatalogPage
from wire.course import ItemKind

T0 = datetime(2026, 3, 2, 8, 30)  # naive UTC, as the database stores time


@dataclass
class FakeClock:
    """A clock that only moves when the test says so."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def make_teacher(db: Database, name: str = "王老师", pin: str = "2468") -> Teacher:
    with db.write() as session:
        return profiles.create_profile(
            session,
            name=name,
            school="石桥镇中心小学",
            gender="female",
            age_band="30to39",
            subject="数学",
            pin=pin,
        )


def sha(name: str) -> str:
    """A stable, valid sha256 for a made-up asset."""
    return hashlib.sha256(name.encode()).hexdigest()


@dataclass(frozen=True)
class It:
    """An item of a made-up course: its key, kind and the name its asset is made from."""

    key: str
    kind: str = "video"
    title: str = ""
    asset: str = ""
    size: int = 1000
    digest: str = ""  # the asset's real sha256, when the test has the bytes

    def wire(self) -> CatalogItem:
        kind = ItemKind(self.kind)
        media_type = "video/mp4" if kind is ItemKind.VIDEO else "application/pdf"
        return CatalogItem(
            id=self.key,
            kind=kind,
            title=self.title or f"条目 {self.key}",
            asset=AssetRef(
                sha256=self.digest or sha(self.asset or self.key),
                size=self.size,
                media_type=media_type,
            ),
        )


@dataclass(frozen=True)
class Les:
    key: str
    items: Sequence[It] = field(default_factory=tuple)
    title: str = ""

    def wire(self) -> CatalogLesson:
        return CatalogLesson(
            id=self.key,
            title=self.title or f"第 {self.key} 课",
            items=[i.wire() for i in self.items],
        )


def course(
    course_id: str,
    *lessons: Les,
    version: int = 1,
    seq: int = 1,
    title: str = "",
    description: str = "",
    published_at: datetime | None = None,
    preload: bool = False,
) -> CatalogCourse:
    return CatalogCourse(
        id=course_id,
        version=version,
        seq=seq,
        title=title or course_id,
        description=description,
        language="zh-CN",
        published_at=published_at or datetime(2026, 3, 1, tzinfo=UTC),
        preload=preload,
        lessons=[lesson.wire() for lesson in lessons],
    )


def page(*courses: CatalogCourse, cursor: int | None = None, has_more: bool = False) -> CatalogPage:
    if cursor is None:
        cursor = max((c.seq for c in courses), default=0)
    return CatalogPage(courses=list(courses), cursor=cursor, has_more=has_more)
