"""``python -m server keys ...`` and ``python -m server export-pack``: the county's signing key
and USB content packs.

    keys init --county CODE [--name NAME] [--from-pem FILE]
                            makes the county signing key (or imports one, e.g. the demo's),
                            signs what was published before, and prints the line for the
                            county profile: public_keys = ["ed25519:..."]
    keys show               the county, key id and public key line
    export-pack OUT (--course ID... | --all) [--verify]
                            writes or tops up the pack in the folder OUT (e.g.
                            /media/usb/lamplight): only what the stick lacks is copied;
                            --verify also hashes the files already on the stick and replaces
                            damaged ones (a size check alone cannot see those)

Each takes ``--data-dir D`` (and ``--database-url``). Progress goes to stderr (one line redrawn
on a terminal, a line per course otherwise), the summary to stdout.

Exit status: 0 done; 2 an unknown course, a key already made, a bad county code, or bad usage
(nothing written); 4 the pack folder cannot be used (the stick is full, read-only or was pulled
out, or it holds another county's or a newer Lamplight's pack, or other files), or a course's
file is missing or damaged in the blob store (the other courses were written); 5 no usable
signing key (run ``keys init``). Database errors are 3, as for every command.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from server import keys
from server.packs import UnknownCourseError, export_pack
from wire.blobs import BlobStore
from wire.pack import PackError, pack_root_for_writing
from wire.pack_courses import ProgressLine
from wire.pack_writer import PackFull, PackWriteError

COMMANDS = frozenset({"keys", "export-pack"})
EXIT_OK = 0
EXIT_USAGE = 2
EXIT_PACK = 4
EXIT_NO_KEY = 5

_Common = Callable[[argparse.ArgumentParser], None]


class Opened(Protocol):
    """What ``server.cli`` opened: the database sessions and the blob store."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    @property
    def blobs(self) -> BlobStore: ...


def add_commands(commands: argparse._SubParsersAction[Any], common: _Common) -> None:
    """Adds ``keys`` (``init``, ``show``) and ``export-pack`` to the parser."""
    key_parser = commands.add_parser("keys", help="the county key that signs USB content packs")
    actions = key_parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser(
        "init", help="make the county signing key (once) and print its public key"
    )
    init.add_argument("--county", required=True, help="the county code, e.g. demo")
    init.add_argument("--name", default="", help="the county's name, e.g. 灯火演示县")
    init.add_argument(
        "--from-pem",
        type=Path,
        metavar="FILE",
        help="use this Ed25519 private key (PKCS8 PEM) instead of making a new one",
    )
    common(init)
    common(actions.add_parser("show", help="show the county and its public key"))

    export = commands.add_parser(
        "export-pack", help="write or top up a USB content pack with signed courses"
    )
    export.add_argument("out", type=Path, metavar="OUT", help="the stick, or the pack folder on it")
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--course",
        dest="courses",
        action="extend",
        nargs="+",
        metavar="ID",
        help="course ids to export",
    )
    which.add_argument("--all", action="store_true", help="every published course")
    export.add_argument(
        "--verify",
        action="store_true",
        help="hash the files already on the stick and replace damaged ones (slower)",
    )
    common(export)


def run(args: argparse.Namespace, opened: Opened) -> int:
    """Runs a ``keys`` or ``export-pack`` command; returns its exit status (see above).

    Database errors are left to ``server.cli`` (exit 3)."""
    try:
        if args.command == "keys":
            if args.action == "init":
                return _init(args, opened)
            return _show(args.data_dir)
        return _export(args, opened)
    except keys.SigningKeyExists as exc:
        return _fail(EXIT_USAGE, str(exc))
    except keys.SigningKeyError as exc:
        return _fail(EXIT_NO_KEY, str(exc))


def _fail(status: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return status


def _init(args: argparse.Namespace, opened: Opened) -> int:
    from server.course_signing import sign_unsigned

    try:
        info = keys.init_key(args.data_dir, args.county, args.name, args.from_pem)
    except ValueError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except OSError as exc:
        return _fail(EXIT_PACK, f"cannot write {keys.keys_dir(args.data_dir)}: {exc}")
    key, _ = keys.load_signing_key(args.data_dir)
    with opened.sessions() as session:
        signed = sign_unsigned(session, key, info.code)
    print(f"county signing key of {info.code} {info.name}".rstrip())
    print(f"  key file: {keys.key_path(args.data_dir)} (keep it private; back it up offline)")
    print(f"  key id:   {info.key_id}")
    print(f"  signed {signed} course version(s) published before")
    print("Put this line under [signing] in the county profile (assets/county.toml):")
    print(info.profile_line, flush=True)
    return EXIT_OK


def _show(data_dir: Path) -> int:
    _, info = keys.load_signing_key(data_dir)
    print(f"county:   {info.code} {info.name}".rstrip())
    print(f"key id:   {info.key_id}")
    print(f"created:  {info.created:%Y-%m-%d %H:%M UTC}")
    print(f"key file: {keys.key_path(data_dir)}")
    print(info.profile_line, flush=True)
    if keys.key_file_too_open(data_dir):
        print(
            f"warning: {keys.key_path(data_dir)} can be read by other users; "
            f"run: chmod 600 {keys.key_path(data_dir)}",
            file=sys.stderr,
        )
    return EXIT_OK


def _export(args: argparse.Namespace, opened: Opened) -> int:
    key, info = keys.load_signing_key(args.data_dir)
    progress = ProgressLine(sys.stderr)
    try:
        with opened.sessions() as session:
            report = export_pack(
                session,
                opened.blobs,
                pack_root_for_writing(args.out),  # a stick's root gets its lamplight folder
                None if args.all else args.courses,
                key,
                info.code,
                progress,
                verify=args.verify,
            )
    except UnknownCourseError as exc:
        return _fail(EXIT_USAGE, str(exc))
    except PackFull as exc:
        return _fail(
            EXIT_PACK,
            f"{exc}; the courses completed are on the stick (run again after making room: "
            "what is there is not copied again)",
        )
    except (PackError, PackWriteError) as exc:
        return _fail(EXIT_PACK, str(exc))
    finally:
        progress.finish()
    for line in report.lines():
        print(line)
    sys.stdout.flush()
    if report.failed:
        return _fail(
            EXIT_PACK,
            f"{len(report.failed)} course(s) not written: their files in the blob store are "
            "missing or damaged (publish them again)",
        )
    return EXIT_OK
