"""The county server's HTTP API (FastAPI), under ``/api/v1``; OpenAPI UI at ``/docs``.

Routes:
    GET /api/v1/info                 :class:`wire.api.ServerInfo`, the server's clock and id.
    POST /api/v1/devices/enroll      a device token for a school's enrollment code.
    GET /api/v1/catalog              :class:`wire.api.CatalogPage` (see :mod:`server.catalog`).
    GET|HEAD /api/v1/assets/{sha256} the bytes of one asset; Range and If-Range honoured.
    GET /api/v1/assets/{sha256}/blocks
                                     its block digests (:mod:`wire.blocks`, :mod:`server.blocks`).
    POST /api/v1/sync/push|pull, GET /api/v1/teachers, POST /api/v1/teachers/{id}/claim:
                                     see :mod:`server.sync_api`.

Every route but ``/info`` and ``/devices/enroll`` needs ``Authorization: Bearer <token>``
(:mod:`server.auth`). Every error the app answers is JSON :class:`wire.api.ErrorBody`
(``detail``, and ``code`` etc. where there is one), except the bodies Starlette's file response
writes itself for 416 and a malformed ``Range``.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import select

from server import __version__
from server.auth import DeviceDep, current_device
from server.blocks import SIDECAR_DIR, BlockDigests
from server.catalog import catalog_page_json
from server.deps import SessionDep, Settings
from server.devices import server_id
from server.errors import ApiError
from server.models import Asset
from server.sync_api import router as sync_router
from wire import API_PREFIX, blocks
from wire.api import CATALOG_PAGE_DEFAULT, CATALOG_PAGE_MAX, CatalogPage, ErrorBody, ServerInfo
from wire.sync import DEVICE_UNKNOWN, INVALID

__all__ = ["SERVER_NAME", "Settings", "create_app"]

SERVER_NAME = "Lamplight county server"
API_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ASSET_CACHE_MAX = 4096
_SEQ_MAX = 2**63 - 1  # the largest change sequence the database can hold


class _AssetFile(FileResponse):
    chunk_size = 1024 * 1024  # 64 KiB (the default) caps loopback throughput well below 1 GB/s


@dataclass
class _AssetTypes:
    """sha256 -> media type of published assets. Assets never change, so hits stay valid;
    misses are not cached (an asset may be published while the server runs)."""

    _types: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, sha256: str) -> str | None:
        return self._types.get(sha256)

    def put(self, sha256: str, media_type: str) -> None:
        with self._lock:
            if len(self._types) >= _ASSET_CACHE_MAX:
                self._types.clear()
            self._types[sha256] = media_type


def create_app(settings: Settings) -> FastAPI:
    """Builds the application around ``settings``."""
    app = FastAPI(
        title=SERVER_NAME,
        version=__version__,
        description="Publishes courses to Lamplight clients (a catalog of changes and media) "
        "and keeps what teachers do on them (sync of records between a teacher's PCs).",
    )
    _install_error_handlers(app)
    app.state.settings = settings
    asset_types = _AssetTypes()
    identity: list[str] = []  # the server id, read once: it never changes while serving

    @app.get(f"{API_PREFIX}/info", response_model=ServerInfo, tags=["server"])
    def info(db: SessionDep) -> ServerInfo:
        """Cheap reachability probe; also tells clients the server's clock and identity."""
        if not identity:
            with db.begin():
                identity.append(server_id(db))
        return ServerInfo(
            name=SERVER_NAME,
            version=__version__,
            api=API_VERSION,
            time=settings.clock(),
            server_id=identity[0],
        )

    app.include_router(sync_router)

    @app.get(
        f"{API_PREFIX}/catalog",
        response_model=CatalogPage,
        responses={
            401: {"model": ErrorBody, "description": "`device_unknown`"},
            403: {"model": ErrorBody, "description": "`device_revoked`"},
            422: {"model": ErrorBody, "description": "`since` or `limit` out of range"},
        },
        tags=["catalog"],
    )
    def catalog(
        device: DeviceDep,
        db: SessionDep,
        since: Annotated[
            int, Query(ge=0, le=_SEQ_MAX, description="the cursor of the previous page")
        ] = 0,
        limit: Annotated[
            int, Query(ge=1, le=CATALOG_PAGE_MAX, description="at most this many courses")
        ] = CATALOG_PAGE_DEFAULT,
    ) -> Response:
        """The current version of every course changed after `since`, oldest change first.

        Store `cursor` and ask again with `since=<cursor>` until `has_more` is false.
        """
        return Response(catalog_page_json(db, since, limit), media_type="application/json")

    block_digests = BlockDigests(settings.blobs, settings.data_dir / SIDECAR_DIR)

    def published_file(sha256: str, db: SessionDep) -> tuple[str, os.stat_result]:
        """The media type and the file's stat of a published asset; 404 or 500 otherwise."""
        if not _SHA256.fullmatch(sha256):
            raise HTTPException(404, "no such asset: expected 64 lowercase hex digits")
        media_type = asset_types.get(sha256)
        if media_type is None:
            media_type = db.scalar(select(Asset.media_type).where(Asset.sha256 == sha256))
            if media_type is None:
                raise HTTPException(404, f"no asset {sha256} on this server")
            asset_types.put(sha256, media_type)
        try:
            st = os.stat(settings.blobs.path(sha256))
        except FileNotFoundError:
            st = None
        if st is None or not stat.S_ISREG(st.st_mode):
            raise HTTPException(500, f"asset {sha256} is published but its file is missing")
        return media_type, st

    def asset(sha256: str, db: SessionDep) -> Response:
        """The bytes of one asset, named by its sha256 (64 lowercase hex digits).

        Sends `ETag: "<sha256>"` and immutable caching; honours `Range` (also several ranges)
        and `If-Range`.
        """
        media_type, st = published_file(sha256, db)
        return _AssetFile(
            settings.blobs.path(sha256),
            media_type=media_type,
            stat_result=st,
            headers={
                # Set before the stat headers, so this ETag (not Starlette's mtime-size hash)
                # is sent and is what If-Range is compared with.
                "etag": f'"{sha256}"',
                "cache-control": "public, max-age=31536000, immutable",
            },
        )

    @app.get(
        f"{API_PREFIX}/assets/{{sha256}}/blocks",
        response_class=Response,
        responses={
            200: {
                "description": "the asset's block digests: 32 raw bytes per 256 KiB block",
                "content": {blocks.MEDIA_TYPE: {}},
            },
            401: {"model": ErrorBody, "description": "`device_unknown`"},
            403: {"model": ErrorBody, "description": "`device_revoked`"},
            404: {"model": ErrorBody, "description": "no such asset on this server"},
        },
        dependencies=[Depends(current_device)],
        tags=["assets"],
    )
    def asset_blocks(sha256: str, db: SessionDep) -> Response:
        """The block digests of one asset (see `wire.blocks`): for each 256 KiB block, the
        sha256 of the asset up to the end of that block, 32 raw bytes each, concatenated.

        Lets a client check each block as it arrives and fetch again only a bad one. Computed
        from the file on the first request (a plain `def`: it runs in the thread pool, never
        on the event loop), then kept beside the blob store.
        """
        published_file(sha256, db)
        db.close()  # gives the connection back before a first computation reads the whole file
        try:
            data = block_digests.get(sha256)
        except FileNotFoundError:
            raise HTTPException(
                500, f"asset {sha256} is published but its file is missing"
            ) from None
        return Response(
            data,
            media_type=blocks.MEDIA_TYPE,
            headers={"cache-control": "public, max-age=31536000, immutable"},
        )

    asset_responses: dict[int | str, dict[str, Any]] = {
        200: {
            "description": "the whole asset",
            "content": {"video/mp4": {}, "application/pdf": {}},
        },
        206: {"description": "the requested byte range(s)"},
        401: {"model": ErrorBody, "description": "`device_unknown`"},
        403: {"model": ErrorBody, "description": "`device_revoked`"},
        404: {"model": ErrorBody, "description": "no such asset on this server"},
        416: {"description": "the range starts past the end of the asset"},
    }
    for method in ("GET", "HEAD"):
        app.add_api_route(
            f"{API_PREFIX}/assets/{{sha256}}",
            asset,
            methods=[method],
            operation_id=f"{method.lower()}_asset",
            response_class=FileResponse,
            responses=asset_responses,
            dependencies=[Depends(current_device)],
            tags=["assets"],
        )
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        if errors:
            first = errors[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            detail = f"{where}: {first.get('msg', 'invalid')}"
        else:
            detail = "invalid request"
        return JSONResponse({"detail": detail, "code": INVALID}, status_code=422)

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        headers = {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if exc.status == 401 and exc.code == DEVICE_UNKNOWN:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(
            exc.body().model_dump(exclude_none=True), status_code=exc.status, headers=headers
        )

    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(Exception, unexpected_error)
