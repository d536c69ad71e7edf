"""``python -m server schools ...`` and ``python -m server devices ...``: the coordinator's
commands for enrollment codes and PCs.

    schools add NAME        adds a school; prints its enrollment code (last word of the line)
    schools list            every school, its code and how many PCs are enrolled
    schools new-code ID     replaces a school's code (PCs already enrolled keep working)
    devices list            every enrolled PC, its school, when it was last seen
    devices revoke ID       the PC's token is refused from now on (it may enroll again)
    devices issue --school NAME|ID --count N [--name NAME] OUT
                            makes N devices for PCs with no network and writes their
                            credentials onto the stick OUT (``<pack>/enroll/<device>.json``)

Exit status of ``devices issue`` (the others: ``server.cli``): 0 done; 2 no such school, a
count not 1 to 200, or bad usage (nothing made); 4 the stick is full, read-only or was pulled
out (the credentials written stay good; the devices whose file was not written are deleted
again, so the database and the stick agree); 5 the server has no county code yet (``keys
init``). Database errors are 3.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from server import devices, keys
from server.devices import format_code
from server.publish import utc_now
from wire.blobs import DiskFull
from wire.bundle import BundleWriteError
from wire.pack import pack_root_for_writing
from wire.stick_enroll import StickCredential, enroll_folder, write_credential

EXIT_USAGE = 2
EXIT_STICK = 4
EXIT_NO_COUNTY = 5

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
    issue = device_commands.add_parser(
        "issue", help="make PCs for a school and write their credentials onto a USB stick"
    )
    issue.add_argument("out", type=Path, metavar="OUT", help="the stick, or the pack folder on it")
    issue.add_argument(
        "--school", required=True, metavar="NAME", help="the school's exact name, or its id"
    )
    issue.add_argument(
        "--count",
        required=True,
        type=int,
        metavar="N",
        help=f"how many PCs (1 to {devices.ISSUE_MAX})",
    )
    issue.add_argument(
        "--name",
        default="",
        help=f"the PCs' name, numbered from 1 (default {devices.ISSUED_NAME})",
    )
    common(issue)


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
    """Runs a ``schools`` or ``devices`` command; prints its result; returns its exit status.

    Raises:
        NotFoundError: no such school or device.
    """
    if args.command == "devices" and args.action == "issue":
        return _issue(args, sessions, clock)
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


def _issue(
    args: argparse.Namespace, sessions: sessionmaker[Session], clock: Callable[[], datetime]
) -> int:
    """``devices issue``: the devices are committed first, then their files written one by
    one; the devices whose file was not written are deleted again. So a crash can at worst
    leave devices whose token no one has (harmless), never a file without a device."""
    try:
        _, county = keys.load_signing_key(args.data_dir)
    except keys.NoSigningKey:
        return _fail(
            EXIT_NO_COUNTY,
            "this server has no county code yet, and PCs check which county a credential "
            f"comes from: run `python -m server keys init --county CODE --data-dir "
            f"{args.data_dir}` first",
        )
    except keys.SigningKeyError as exc:
        return _fail(EXIT_NO_COUNTY, str(exc))
    now = clock()
    with sessions() as session:
        try:
            issued = devices.issue(session, args.school, args.count, now, args.name)
        except ValueError as exc:
            return _fail(EXIT_USAGE, str(exc))
        school = devices.find_school(session, args.school).name
        server = devices.server_id(session)
    root = pack_root_for_writing(args.out)
    written: list[Path] = []
    try:
        for device in issued:
            credential = StickCredential(
                county=county.code,
                server_id=server,
                device_id=device.device_id,
                token=device.token,
                school=school,
                issued=now,
            )
            written.append(write_credential(root, credential))
            print(f'device {device.device_id} "{device.name}" of "{school}": {written[-1]}')
    except (DiskFull, BundleWriteError) as exc:
        if _left_on_stick(root, issued[len(written)]):
            written.append(enroll_folder(root) / f"{issued[len(written)].device_id}.json")
        _withdraw(sessions, issued[len(written) :])
        return _fail(
            EXIT_STICK,
            f"{exc}; {len(written)} of {len(issued)} credentials written, the other devices "
            "deleted again (make room and issue the rest)",
        )
    except BaseException:
        _withdraw(sessions, issued[len(written) :])
        raise
    finally:
        sys.stdout.flush()
    print(f'{len(issued)} credential(s) for "{school}" in {enroll_folder(root)}')
    print(
        "Each file is a secret, like the school's enrollment code: whoever copies it can act as "
        "a PC of the school until a PC takes it. Carry the stick yourself; revoke a credential "
        "never used with `python -m server devices revoke DEVICE_ID`.",
        flush=True,
    )
    return 0


def _left_on_stick(root: Path, failed: devices.Issued) -> bool:
    """Whether the credential whose write failed is on the stick all the same (renamed into
    place, then the folder's fsync failed) and cannot be removed: then its device stays."""
    path = enroll_folder(root) / f"{failed.device_id}.json"
    try:
        path.unlink(missing_ok=True)
    except OSError:
        try:
            return path.exists()
        except OSError:
            return True  # cannot tell: a device without a file is harmless, not the reverse
    return False


def _withdraw(sessions: sessionmaker[Session], unwritten: list[devices.Issued]) -> None:
    with sessions() as session:
        devices.withdraw_issued(session, [device.device_id for device in unwritten])


def _fail(status: int, message: str) -> int:
    print(f"error: {message}", file=sys.stderr, flush=True)
    return status


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
        [[d.id, d.school, _when(d.enrolled_at), _last_seen(d), _state(d), d.name] for d in found],
    )


def _last_seen(device: devices.DeviceInfo) -> str:
    """The later of its last request and its last bundle (marked "by stick")."""
    seen, bundle = device.last_seen, device.last_bundle
    if bundle is not None and (seen is None or bundle > seen):
        return f"{_when(bundle)} by stick"
    return "never" if seen is None else _when(seen)


def _state(device: devices.DeviceInfo) -> str:
    if device.revoked_at is not None:
        return f"revoked {_when(device.revoked_at)}"
    return "not yet taken" if device.never_heard_from else "active"


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
