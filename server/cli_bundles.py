"""``python -m server import-bundle DIR --data-dir D``: the progress bundles on a USB stick.

``DIR`` is the stick, a pack folder on it, its ``bundles`` folder or one PC's folder in that
(see :func:`wire.bundle.find_bundles`). Each bundle is imported with the rules of a network push
and gets a receipt next to it (:mod:`server.bundles`). One line per bundle, as it is done::

    imported bundles/<device>/<id>.json from "PC-2" (城关小学): 120 new, 3 already here, 0 refused
    already imported bundles/<device>/<id>.json from "PC-2" (城关小学): receipt written again
    refused bundles/<device>/<id>.json: <why>

then a summary line (``3 bundles: 2 imported, 1 already imported, 0 refused; 120 new records``).

Exit status:
    0  every bundle was taken in (now or before) and its receipt is on the stick; also when
       there is no bundle at all
    2  ``DIR`` is not a folder, or cannot be read
    3  some bundle was refused (unknown or revoked device, altered, for another server,
       malformed, newer format, too large); the others were taken in
    4  a receipt could not be written (stick full, read-only or pulled out); those imports are
       done: run the command again with room on the stick to write their receipts
3 wins over 4 when both happen.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from server.bundles import IMPORTED, REFUSED, REPLAYED, BundleOutcome, import_bundles
from server.publish import utc_now
from wire.bundle import BundleError
from wire.pack import BUNDLES_DIR

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_NO_RECEIPT = 4

_Common = Callable[[argparse.ArgumentParser], None]


class Opened(Protocol):
    """What the command needs of the opened server (``server.cli`` passes its own)."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...


def add_commands(commands: argparse._SubParsersAction[Any], common: _Common) -> None:
    """Adds ``import-bundle`` to the parser."""
    command = commands.add_parser(
        "import-bundle",
        help="take in the progress bundles on a USB stick and write a receipt next to each",
    )
    command.add_argument(
        "folder",
        type=Path,
        metavar="DIR",
        help="the stick, a pack folder on it, or its bundles folder",
    )
    common(command)


def run(args: argparse.Namespace, opened: Opened, clock: Callable[[], datetime] = utc_now) -> int:
    """Runs ``import-bundle``; prints a line per bundle and a summary; returns the exit status."""
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr, flush=True)
        return EXIT_USAGE
    try:
        outcomes = import_bundles(opened.sessions, folder, clock=clock, on_outcome=_print)
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    print(summary(outcomes, folder), flush=True)
    if any(o.status == REFUSED for o in outcomes):
        return EXIT_REFUSED
    if any(o.receipt_error for o in outcomes):
        return EXIT_NO_RECEIPT
    return EXIT_OK


def describe(outcome: BundleOutcome) -> str:
    """One line for one bundle."""
    name = f"{BUNDLES_DIR}/{outcome.path.parent.name}/{outcome.path.name}"
    if outcome.status == REFUSED:
        return f"refused {name}: {outcome.detail}"
    source = f'from "{outcome.device_name}" ({outcome.school})'
    receipt = f"; NO RECEIPT: {outcome.receipt_error}" if outcome.receipt_error else ""
    if outcome.status == REPLAYED:
        written = "" if outcome.receipt_error else ": receipt written again"
        return f"already imported {name} {source}{written}{receipt}"
    return (
        f"imported {name} {source}: {outcome.accepted} new, {outcome.duplicates} already "
        f"here, {outcome.rejected} refused{receipt}"
    )


def summary(outcomes: list[BundleOutcome], folder: Path) -> str:
    if not outcomes:
        return f"no progress bundles in {folder}"
    imported = [o for o in outcomes if o.status == IMPORTED]
    replayed = sum(o.status == REPLAYED for o in outcomes)
    refused = sum(o.status == REFUSED for o in outcomes)
    unwritten = sum(bool(o.receipt_error) for o in outcomes)
    new = sum(o.accepted for o in imported)
    line = (
        f"{len(outcomes)} bundle{'s' if len(outcomes) != 1 else ''}: {len(imported)} imported, "
        f"{replayed} already imported, {refused} refused; {new} new records"
    )
    if unwritten:
        line += f"; {unwritten} receipts not written"
    return line


def _print(outcome: BundleOutcome) -> None:
    print(describe(outcome), flush=True)
