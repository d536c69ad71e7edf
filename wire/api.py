"""JSON documents of ``/api/v1``, shared by the server (which emits them) and the client.

``GET /api/v1/catalog?since=<cursor>&limit=<n>`` answers a :class:`CatalogPage`: the courses whose
current version was published after ``since``, oldest change first. The client stores
``CatalogPage.cursor`` and asks again with it until ``has_more`` is false.

``GET /api/v1/assets/{sha256}`` answers the bytes of one asset, with ``ETag: "<sha256>"``,
``Accept-Ranges: bytes`` and immutable caching; ``Range`` and ``If-Range`` are honoured.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from wire.canonical import course_document_bytes
from wire.course import Identifier, ItemKind

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]

CATALOG_PAGE_MAX = 500
CATALOG_PAGE_DEFAULT = 200


class _Wire(BaseModel):
    # Unknown fields are ignored so an older client can read a newer server.
    model_config = ConfigDict(extra="ignore", frozen=True)


class AssetRef(_Wire):
    sha256: Sha256
    size: int = Field(ge=0)
    media_type: str


class CatalogItem(_Wire):
    id: Identifier
    kind: ItemKind
    title: str
    asset: AssetRef


class CatalogLesson(_Wire):
    id: Identifier
    title: str
    items: list[CatalogItem]


class CatalogSignature(_Wire):
    """The county's signature of a course version (see :mod:`wire.pack`): made by the server
    when it holds the county key, so a PC can copy the course to a USB pack, signed."""

    county: str = Field(min_length=1, max_length=64)
    alg: str
    key: str
    signature: str


class CatalogCourse(_Wire):
    id: Identifier
    version: int = Field(ge=1)
    seq: int = Field(ge=1, description="server change sequence of this version")
    title: str
    description: str
    language: str
    published_at: datetime
    preload: bool = Field(
        default=False, description="the county wants it on every school PC: download it unasked"
    )
    lessons: list[CatalogLesson]
    signed: CatalogSignature | None = None
    # The signed bytes, made from the object exactly as received (unknown fields included),
    # so a newer server's fields do not break the signature on an older client.
    _document: bytes | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_signed_bytes(
        cls, data: Any, handler: ModelWrapValidatorHandler[CatalogCourse]
    ) -> CatalogCourse:
        course = handler(data)
        if course.signed is not None and isinstance(data, dict):
            course._document = course_document_bytes(course.signed.county, data)
        return course

    def signed_document(self) -> bytes | None:
        """The bytes :attr:`signed` signs, when the course came with a signature."""
        return self._document


class CatalogPage(_Wire):
    courses: list[CatalogCourse]
    cursor: int = Field(ge=0, description="pass as `since` to get the changes after this page")
    has_more: bool


class ServerInfo(_Wire):
    """``GET /api/v1/info``: cheap reachability probe and the server's clock."""

    name: str
    version: str
    api: int = 1
    time: datetime
    server_id: str = Field(
        default="",
        description="made when the server's database is created; a new id means a "
        "reinstalled server, whose change sequences started again",
    )


class ErrorBody(_Wire):
    """Every error the API answers. ``code`` is one of :mod:`wire.sync`'s error codes."""

    detail: str
    code: str | None = None
    attempts_left: int | None = None
    retry_after: int | None = Field(default=None, description="seconds")
