"""The command line: ``python -m server serve|publish|schools|devices``.

    python -m server serve --data-dir D [--host 127.0.0.1] [--port 8765] [--workers N]
    python -m server publish COURSE_DIR [COURSE_DIR ...] --data-dir D
    python -m server schools add NAME | list | new-code SCHOOL_ID --data-dir D
    python -m server devices list | revoke DEVICE_ID --data-dir D
    python -m server devices issue OUT --school NAME --count N --data-dir D  (PCs with no network)
    python -m server keys init --county CODE | show --data-dir D        (see server.cli_packs)
    python -m server export-pack OUT --course ID... | --all --data-dir D
    python -m server import-bundle DIR --data-dir D                  (see server.cli_bundles)
    python -m server publish-form FILE.xlsx... | forms list --data-dir D  (see server.cli_forms)
    python -m server report form FORM_ID [--format xlsx|csv|json] --data-dir D  (server.cli_reports)

Every command takes ``--database-url URL``; the database defaults to
``$LAMPLIGHT_DATABASE_URL``, else SQLite at ``D/server.sqlite3``; blobs live in ``D/blobs``.
Every command migrates the database first.

Exit status: 0 done, 2 a course folder is invalid, no such school or device, or bad usage,
3 the database cannot be used, 4 the data directory, blob store or port cannot be used
(``devices issue``: the stick is full or read-only), 5 ``devices issue`` without a county code,
130 interrupted (Ctrl+C during ``publish``: the course being published is rolled back).
Errors are one line on stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from server import cli_admin, cli_bundles, cli_forms, cli_packs, cli_reports
from server.blocks import SIDECAR_DIR, BlockDigests
from server.db import default_database_url, make_engine, make_sessionmaker, migrate
from server.errors import DatabaseError, NotFoundError, StorageError
from wire import blocks
from wire.api import AssetRef
from wire.blobs import BlobStore
from wire.course import COURSE_FILE, CourseFormatError

DATABASE_URL_ENV = "LAMPLIGHT_DATABASE_URL"
BLOBS_DIR = "blobs"
EXIT_INVALID_COURSE = 2
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_ENVIRONMENT = 4
STALE_PARTIAL_S = 24 * 3600
_LOG_FORMAT = "%(levelname)s:     %(name)s: %(message)s"  # lined up with uvicorn's own lines


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
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="server processes sharing the port (default 1; more use more CPU cores)",
    )

    publish = commands.add_parser("publish", help="publish course folders")
    publish.add_argument("folders", nargs="+", type=Path, metavar="COURSE_DIR")
    common(publish)
    cli_admin.add_commands(commands, common)
    cli_packs.add_commands(commands, common)
    cli_bundles.add_commands(commands, common)
    cli_forms.add_commands(commands, common)
    cli_reports.add_commands(commands, common)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            return _serve(args)
        if args.command == "publish":
            return _publish(args)
        opened = _open(args)
        try:
            if args.command in cli_packs.COMMANDS:
                return cli_packs.run(args, opened)
            if args.command == "import-bundle":
                return cli_bundles.run(args, opened)
            if args.command in cli_forms.COMMANDS:
                return cli_forms.run(args, opened)
            if args.command in cli_reports.COMMANDS:
                return cli_reports.run(args, opened)
            return cli_admin.run(args, opened.sessions)
        finally:
            opened.engine.dispose()
    except _Failure as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return exc.status
    except CourseFormatError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_INVALID_COURSE
    except NotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE
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
    from server.publish import prepare_course, publish_prepared

    # Check every folder (and convert its forms) before publishing any, so a typo in the third
    # folder does not leave the first two published alone.
    owners: dict[str, Path] = {}
    prepared = []
    for folder in args.folders:
        prepared.append(prepare_course(folder))
        course = prepared[-1].course
        if course.id in owners:
            raise CourseFormatError(
                str(folder / COURSE_FILE),
                "id",
                f"{course.id!r} is also the id of {owners[course.id]}",
            )
        owners[course.id] = folder
    opened = _open(args)
    digests = BlockDigests(opened.blobs, args.data_dir / SIDECAR_DIR)

    def digest_blocks(ref: AssetRef) -> None:
        if blocks.worth_blocks(ref.size):
            digests.get(ref.sha256)

    try:
        for course_folder in prepared:
            with opened.sessions() as session:
                result = publish_prepared(
                    session, opened.blobs, course_folder, on_stored=digest_blocks
                )
            print(result.describe(), flush=True)
        _sign_new_versions(args.data_dir, opened)
    finally:
        opened.engine.dispose()
    return 0


def _sign_new_versions(data_dir: Path, opened: _Opened) -> None:
    from server.course_signing import sign_with_key_if_present

    problem = sign_with_key_if_present(data_dir, opened.sessions)
    if problem is not None:
        print(f"warning: courses not signed: {problem}", file=sys.stderr, flush=True)


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

    logging.basicConfig(level=logging.WARNING, format=_LOG_FORMAT)
    opened = _open(args)
    try:
        _sign_new_versions(args.data_dir, opened)
        sock = _listen(args.host, args.port)
        bound_host, bound_port = sock.getsockname()[:2]
        shown_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        # Downloads still running on shutdown are cut after a while; clients resume with Range.
        options: dict[str, Any] = {
            "log_level": "info",
            "access_log": True,
            "timeout_graceful_shutdown": 10,
        }
        if args.workers > 1:
            from uvicorn.supervisors import Multiprocess

            # Each worker is a new process (spawned): it imports worker_app, which opens the
            # database named in the environment; the parent already migrated it.
            opened.engine.dispose()
            os.environ[_WORKER_DATA_DIR] = str(args.data_dir)
            os.environ[_WORKER_DATABASE_URL] = args.database_url or default_database_url(
                args.data_dir
            )
            config = uvicorn.Config(
                f"{__name__}:worker_app", factory=True, workers=args.workers, **options
            )
            _announce(shown_host, bound_port)
            Multiprocess(config, sockets=[sock]).run()
        else:
            app = create_app(Settings(args.data_dir, opened.sessions, opened.blobs))
            config = uvicorn.Config(app, **options)
            _announce(shown_host, bound_port)
            uvicorn.Server(config).run(sockets=[sock])
    finally:
        opened.engine.dispose()
    return 0


def _announce(host: str, port: int) -> None:
    print(f"Lamplight server listening on http://{host}:{port}", flush=True)


_WORKER_DATA_DIR = "LAMPLIGHT_WORKER_DATA_DIR"
_WORKER_DATABASE_URL = "LAMPLIGHT_WORKER_DATABASE_URL"


def worker_app() -> Any:
    """The app of one ``serve --workers N`` process (uvicorn calls it in the new process)."""
    from server.app import Settings, create_app

    logging.basicConfig(level=logging.WARNING, format=_LOG_FORMAT)
    data_dir = Path(os.environ[_WORKER_DATA_DIR])
    engine = make_engine(os.environ[_WORKER_DATABASE_URL])
    return create_app(
        Settings(data_dir, make_sessionmaker(engine), BlobStore(data_dir / BLOBS_DIR))
    )
