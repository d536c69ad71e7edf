"""The catalog query: pages of current course versions in change-sequence order.

A page is assembled from the manifests stored at publish time, by joining JSON text: one
indexed query per page, no per-course objects and no validation on the way out. The bytes are a
valid :class:`wire.api.CatalogPage` (a test parses them with it).
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from server.models import Course, CourseVersion


def catalog_page_json(session: Session, since: int, limit: int) -> bytes:
    """The ``CatalogPage`` of current versions with ``seq > since``, oldest first.

    Args:
        session: any session; only reads.
        since: the cursor the client holds (0 for everything).
        limit: at most this many courses (the caller has checked the range).

    Returns:
        The page as UTF-8 JSON. ``cursor`` is the seq of the last course in the page, or
        ``since`` when the page is empty; ``has_more`` says whether to ask again.
    """
    rows = session.execute(
        select(CourseVersion.seq, CourseVersion.manifest, CourseVersion.signature)
        .join(
            Course,
            and_(
                Course.id == CourseVersion.course_id,
                Course.current_version == CourseVersion.version,
            ),
        )
        .where(CourseVersion.seq > since)
        .order_by(CourseVersion.seq)
        .limit(limit + 1)
    ).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    cursor = rows[-1][0] if rows else since
    # Each stored manifest is a JSON object without "seq": splice it (and the signature, a
    # JSON object too) in after the "{".
    courses = ",".join(_course_json(seq, manifest, signature) for seq, manifest, signature in rows)
    body = (
        f'{{"courses":[{courses}],"cursor":{cursor},"has_more":{"true" if has_more else "false"}}}'
    )
    return body.encode("utf-8")


def _course_json(seq: int, manifest: str, signature: str | None) -> str:
    signed = f'"signed":{signature},' if signature else ""
    return f'{{"seq":{seq},{signed}{manifest[1:]}'
