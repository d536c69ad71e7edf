"""``python -m server schools ...`` and ``python -m server devices ...``: the coordinator's
commands for enrollment codes and PCs.

    schools add NAME        adds a school; prints its enrollment code (last word of the line)
    schools list            every school, its code and how many PCs are enrolled
    schools new-code ID     replaces a school's code (PCs already enrolled keep working)
    devices list            every enrolled PC, its school, when it was last seen
    devices revoke ID       the PC's token is refused from now on (it may enroll again)
"""

from __future__ import annotations

import argparse
import unicodedata
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server import devices
from server.devices import format_code
from server.publish import utc_now

_Common = Callable[[argparse.ArgumentParser], None]


def add_commands(commands: argparse._SubParsersAction[Any], common: _Common) -> None:
    """Adds ``schools`` and ``devices`` (each with its own sub-commands) to the parser."""
    schools = commands.add_parser("schools", help="schools and their enrollment codes")
    school_commands = schools.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = school_commands.add_parser("add", help="add a school and print its enrollment code")
    add.add_argument("name", type=_school_name, metavar="NAME")
    common(add)
    common(school_commands.add_parser("list", help="list schools and their codes"))
    new_code = school_commands.add_parser(
        "new-code", help="give a school a new enrollment code (the old one stops working)"
    )
    new_code.add_argument("school_id", type=int, metavar="SCHOOL_ID")
    common(new_code)

    pcs = commands.add_parser("devices", help="enrolled PCs")
    device_commands = pcs.add_subparsers(dest="action", required=True, metavar="ACTION")
    common(device_commands.add_parser("list", help="list enrolled PCs"))
    revoke = device_commands.add_parser("revoke", help="refuse a PC from now on")
    revoke.add_argument("device_id", metavar="DEVICE_ID")
    common(revoke)


def _school_name(text: str) -> str:
    name = text.strip()
    if not name or len(name) > devices.SCHOOL_NAME_MAX:
        raise argparse.ArgumentTypeError(
            f"a school name needs 1 to {devices.SCHOOL_NAME_MAX} characters"
        )
    return name


def run(
    args: argparse.Namespace,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime] = utc_now,
) -> int:
    """Runs a ``schools`` or ``devices`` command; prints its result; returns 0.

    Raises:
        NotFoundError: no such school or device.
    """
    with sessions() as session:
        if args.command == "schools":
            if args.action == "add":
                school = devices.add_school(session, args.name, clock())
                print(f'school {school.id} "{school.name}": enrollment code {school.shown_code}')
            elif args.action == "list":
                _print_schools(devices.list_schools(session))
            else:
                school = devices.replace_code(session, args.school_id)
                print(
                    f'school {school.id} "{school.name}": new enrollment code {school.shown_code}'
                )
        elif args.action == "list":
            _print_devices(devices.list_devices(session))
        else:
            device, newly = devices.revoke_device(session, args.device_id, clock())
            state = "revoked" if newly else "was already revoked:"
            print(f'{state} device {device.id} "{device.name}" of "{device.school}"')
    return 0


def _print_schools(schools: list[devices.SchoolInfo]) -> None:
    if not schools:
        print("no schools yet: add one with `python -m server schools add NAME`")
        return
    _table(
        ["ID", "CODE", "PCS", "NAME"],
        [[str(s.id), format_code(s.code), str(s.devices), s.name] for s in schools],
    )


def _print_devices(found: list[devices.DeviceInfo]) -> None:
    if not found:
        print("no PCs enrolled yet")
        return
    _table(
        ["ID", "SCHOOL", "ENROLLED", "LAST SEEN", "STATE", "NAME"],
        [
            [
                d.id,
                d.school,
                _when(d.enrolled_at),
                _when(d.last_seen),
                "active" if d.revoked_at is None else f"revoked {_when(d.revoked_at)}",
                d.name,
            ]
            for d in found
        ],
    )


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _table(header: list[str], rows: list[list[str]]) -> None:
    """Columns padded to their widest cell; the last column (a name) is not padded."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        padded = zip(row[:-1], widths, strict=True)
        cells = [cell + " " * (width - _width(cell)) for cell, width in padded]
        print("  ".join([*cells, row[-1]]))


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
