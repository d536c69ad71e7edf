"""Canonical JSON and the bytes the county signs for a course.

Apart from :mod:`wire.pack` so the catalog (:mod:`wire.api`) can carry the same signature: a
course reaching a PC over the network can then be copied to a USB pack with the county's
signature, exactly as one that came on a stick.
"""

from __future__ import annotations

import json
from typing import Any

#: The pack format the signed course document belongs to (:data:`wire.pack.PACK_FORMAT`).
DOCUMENT_FORMAT = 1


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the same value always gives the same bytes."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


#: Keys of a catalog course object that are not part of the published course.
NOT_SIGNED = frozenset({"seq", "signed"})


def course_document_bytes(county: str, course: dict[str, Any]) -> bytes:
    """The signed bytes of a course: ``course`` is the published manifest object (a
    ``CourseContent`` as JSON); a catalog's ``seq`` and ``signed`` keys, if present, are
    dropped."""
    content = {k: v for k, v in course.items() if k not in NOT_SIGNED}
    return canonical_json({"format": DOCUMENT_FORMAT, "county": county, "course": content})
