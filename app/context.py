"""Everything a running client needs, made once at start-up and passed to whoever needs it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.county import CountyProfile, load_county
from app.paths import DataPaths
from app.storage import settings
from app.storage.clock import Clock, utc_now
from app.storage.content import ContentStore
from app.storage.db import Database, open_database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.sync.client import ServerClient
    from app.sync.policy import DownloadPolicy


@dataclass
class AppContext:
    """The open data directory, its database and content store, and the county server."""

    paths: DataPaths
    db: Database
    content: ContentStore
    server_url: str
    clock: Clock = utc_now
    county: CountyProfile = field(default_factory=CountyProfile)
    _client: ServerClient | None = field(default=None, repr=False)

    @classmethod
    def open(
        cls,
        paths: DataPaths,
        server_url: str | None = None,
        clock: Clock = utc_now,
        county: CountyProfile | None = None,
    ) -> AppContext:
        """Opens (and migrates) the database; remembers ``server_url`` if one is given.

        The server is the one this PC was pointed at (``--server``, the enrollment dialog),
        else the county profile's: a county installer works with no set-up at all, and a
        newer installer with a new address moves the PCs that never chose one."""
        county = county if county is not None else load_county()
        db = open_database(paths.database)
        with db.write() as session:
            if server_url:
                settings.put(session, settings.SERVER_URL, chosen_server(server_url, county))
            url = settings.get(session, settings.SERVER_URL) or county.server_url
        content = ContentStore(paths.content, db)
        return cls(paths=paths, db=db, content=content, server_url=url, clock=clock, county=county)

    def download_policy(self) -> DownloadPolicy:
        """The download rules now: the county's, with this PC's settings over them."""
        with self.db.read_session() as session:
            return self.download_policy_in(session)

    def download_policy_in(self, session: Session) -> DownloadPolicy:
        from app.sync.policy import load_policy

        return load_policy(session, self.county.downloads)

    def client(self) -> ServerClient | None:
        """The county server client with this PC's current credential, or ``None`` when no
        server is configured (made lazily: importing the HTTP stack is not part of start-up).

        Not thread-safe: worker threads should make their own with :meth:`new_client`."""
        if not self.server_url:
            return None
        if self._client is None:
            from app.sync.client import ServerClient
            from app.sync.transport import RequestsTransport

            self._client = ServerClient(self.server_url, RequestsTransport())
        with self.db.read_session() as session:
            self._client.token = settings.get(session, settings.DEVICE_TOKEN)
        return self._client

    def use_server(self, url: str) -> None:
        """Points the app at another county server address, and remembers it."""
        url = url.rstrip("/")
        with self.db.write() as session:
            settings.put(session, settings.SERVER_URL, chosen_server(url, self.county))
        if url != self.server_url:
            self.server_url = url
            if self._client is not None:
                self._client.close()
            self._client = None  # made again for the new address on the next client()

    def new_client(self) -> ServerClient | None:
        """A client of its own (its own connections), for a worker thread."""
        if not self.server_url:
            return None
        from app.sync.client import ServerClient
        from app.sync.transport import RequestsTransport

        with self.db.read_session() as session:
            token = settings.get(session, settings.DEVICE_TOKEN)
        return ServerClient(self.server_url, RequestsTransport(), token=token)

    def close(self) -> None:
        self.db.close()


def chosen_server(url: str, county: CountyProfile) -> str:
    """What this PC stores as its server when someone gives ``url``: "" when it is the county
    profile's own address, so the PC keeps following the profile (a newer installer with a new
    address moves it); the address otherwise."""
    url = url.rstrip("/")
    return "" if url == county.server_url else url
