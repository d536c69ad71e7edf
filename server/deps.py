"""What every route is given: the app's :class:`Settings` and one database session per request.

Nothing is looked up from globals: ``server.app.create_app`` puts the settings on
``app.state``, and these dependencies read them from the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from server.publish import utc_now
from wire.blobs import BlobStore


@dataclass(frozen=True)
class Settings:
    """What the app is given; nothing is looked up from globals.

    Attributes:
        data_dir: the server's data directory.
        sessions: the process's one session factory.
        blobs: the blob store holding the assets.
        clock: the server's clock (``/info``, records received, attempt counters); aware UTC.
    """

    data_dir: Path
    sessions: sessionmaker[Session]
    blobs: BlobStore
    clock: Callable[[], datetime] = utc_now


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _session(request: Request) -> Iterator[Session]:
    """One session per request, from the app's session factory."""
    with get_settings(request).sessions() as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(_session)]
