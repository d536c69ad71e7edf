"""The command line: ``python -m server serve|publish``.

    python -m server serve --data-dir D [--host 127.0.0.1] [--port 8765] [--database-url URL]
    python -m server publish COURSE_DIR [COURSE_DIR ...] --data-dir D [--database-url URL]

The database defaults to ``$LAMPLIGHT_DATABASE_URL``, else SQLite at ``D/server.sqlite3``;
blobs live in ``D/blobs``. Both commands migrate the database first.

Exit status: 0 done, 2 a course folder is invalid (or bad usage), 3 the database cannot be used,
4 the data directory, blob store or port cannot be used, 130 interrupted (Ctrl+C during
``publish``: the course being published is rolled back). Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server.db import default_database_url, make_engine, make_sessionmaker, migrate
from server.errors import DatabaseError, StorageError
from wire.blobs import BlobStore
from wire.course import COURSE_FILE, CourseFormatError, load_course_folder

DATABASE_URL_ENV = "LAMPLIGHT_DATABASE_URL"
BLOBS_DIR = "blobs"
EXIT_INVALID_COURSE = 2
EXIT_DATABASE = 3
EXIT_ENVIRONMENT = 4
STALE_PARTIAL_S = 24 * 3600


class _Failure(Exception):
    """Ends the command with a one-line message and an exit status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class _Opened:
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m server", description="Lamplight county server."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--data-dir", type=Path, required=True, help="where the database and media live"
        )
        sub.add_argument(
            "--database-url",
            default=os.environ.get(DATABASE_URL_ENV),
            help=f"sqlite:///path or postgresql://user@host/db (default: ${DATABASE_URL_ENV}, "
            "else SQLite in the data directory)",
        )

    serve = commands.add_parser("serve", help="serve the catalog and media over HTTP")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8765, help="port (0: any free port)")

    publish = commands.add_parser("publish", help="publish course folders")
    publish.add_argument("folders", nargs="+", type=Path, metavar="COURSE_DIR")
    common(publish)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        return _publish(args)
    except _Failure as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.status
    except CourseFormatError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_INVALID_COURSE
    except DatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_DATABASE
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        return 130


def _open(args: argparse.Namespace) -> _Opened:
    data_dir: Path = args.data_dir
    blobs = BlobStore(data_dir / BLOBS_DIR)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        blobs.ensure()
        _remove_stale_partials(blobs)
    except OSError as exc:
        raise _Failure(
            EXIT_ENVIRONMENT, f"cannot use the data directory {data_dir}: {exc}"
        ) from exc
    engine = make_engine(args.database_url or default_database_url(data_dir))
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return _Opened(engine, make_sessionmaker(engine), blobs)


def _remove_stale_partials(blobs: BlobStore) -> None:
    """Deletes copies cut off by a crash long ago. Not all of ``tmp``, as
    ``BlobStore.clear_tmp`` would: another ``publish`` may be copying into it right now."""
    cutoff = time.time() - STALE_PARTIAL_S
    for partial in blobs.tmp.glob("*.part"):
        with contextlib.suppress(FileNotFoundError):
            if partial.stat().st_mtime < cutoff:
                partial.unlink()


def _publish(args: argparse.Namespace) -> int:
    from server.publish import publish_course

    # Check every folder before publishing any, so a typo in the third folder does not leave
    # the first two published alone.
    owners: dict[str, Path] = {}
    for folder in args.folders:
        course, _ = load_course_folder(folder)
        if course.id in owners:
            raise CourseFormatError(
                str(folder / COURSE_FILE),
                "id",
                f"{course.id!r} is also the id of {owners[course.id]}",
            )
        owners[course.id] = folder
    opened = _open(args)
    try:
        for folder in args.folders:
            with opened.sessions() as session:
                result = publish_course(session, opened.blobs, folder)
            print(result.describe(), flush=True)
    finally:
        opened.engine.dispose()
    return 0


def _listen(host: str, port: int) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, _, _, _, address = infos[0]
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        raise _Failure(EXIT_ENVIRONMENT, f"cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        # Listening before announcing: a client that connects right after reading the
        # announcement waits in the backlog instead of being refused.
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise _Failure(EXIT_ENVIRONMENT, f"cannot listen on {host}:{port}: {exc}") from exc
    sock.set_inheritable(True)
    return sock


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.app import Settings, create_app

    opened = _open(args)
    try:
        app = create_app(Settings(args.data_dir, opened.sessions, opened.blobs))
        sock = _listen(args.host, args.port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        print(f"Lamplight server listening on http://{shown_host}:{bound_port}", flush=True)
        # Downloads still running on shutdown are cut after a while; clients resume with Range.
        config = uvicorn.Config(
            app, log_level="info", access_log=True, timeout_graceful_shutdown=10
        )
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        opened.engine.dispose()
    return 0
