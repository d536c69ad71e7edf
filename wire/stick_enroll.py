"""Enrolling a PC by USB stick: credentials the county issues, carried to schools with no network.

A PC that never reached the county server has no device credential, so it cannot sign a
progress bundle (:mod:`wire.bundle`). The county issues credentials ahead of time instead
(``python -m server devices issue``), each a device already registered for one school, and
writes them onto the coordinator's stick, in the pack folder::

    enroll/<device id>.json

A school PC that is not enrolled takes **one** of them (``python -m app enroll --from-stick``, or
the USB window): the file is removed from the stick first, then the PC keeps the credential, so
no two PCs can take the same one from a stick. From then on the PC is enrolled exactly as if it
had enrolled over the network: its bundles are signed with that credential, and when the
network does come, it syncs with it.

A credential is a secret like a school's enrollment code: whoever copies it off the stick before
a PC takes it can act as that PC. The coordinator carries the stick as they carry the codes;
credentials never taken can be revoked (``python -m server devices revoke``).

The file is canonical JSON (:class:`StickCredential`), read defensively like the rest of a pack:
a size limit, no symlinks, a strict name, the format checked first.

Errors::

    StickEnrollError   a credential file that cannot be used (``.problem``: EnrollProblem)
    BundleWriteError   (from wire.bundle) the stick cannot be written
    wire.blobs.DiskFull  the stick is full
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wire.blobs import fsync_dir
from wire.bundle import BundleWriteError, write_atomic
from wire.pack import (
    DEFAULT_PACK_FOLDER,
    ENROLL_DIR,
    PackError,
    Problem,
    canonical_json,
    pack_path,
    parse_json,
    read_limited,
)
from wire.sync import UUID_PATTERN, Uuid

CREDENTIAL_FORMAT = 1
MAX_CREDENTIAL_BYTES = 64 * 1024
_NAME = re.compile(UUID_PATTERN.removeprefix("^").removesuffix("$") + r"\.json")


class EnrollProblem(StrEnum):
    MALFORMED = "malformed"  # not a credential file, or damaged
    NEWER_FORMAT = "newer_format"  # written by a newer Lamplight
    OTHER_COUNTY = "other_county"  # issued by another county
    READ_FAILED = "read_failed"  # the stick could not be read (pulled out?)


class StickEnrollError(Exception):
    def __init__(self, problem: EnrollProblem, detail: str, *, path: Path | None = None) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.path = path


class StickCredential(BaseModel):
    """One device credential, issued by the county for one school."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: int = CREDENTIAL_FORMAT
    #: The county code of the server that issued it (``[county] code`` of the profile).
    county: str = Field(max_length=64)
    server_id: str = Field(min_length=1, max_length=64)
    device_id: Uuid
    token: str = Field(min_length=16, max_length=256)
    school: str = Field(min_length=1, max_length=200)
    issued: datetime


def credential_bytes(credential: StickCredential) -> bytes:
    return canonical_json(credential.model_dump(mode="json"))


def enroll_folder(pack_root: Path) -> Path:
    return pack_root / ENROLL_DIR


def write_credential(pack_root: Path, credential: StickCredential) -> Path:
    """Writes ``credential`` to ``<pack root>/enroll/<device id>.json`` atomically.

    Raises:
        DiskFull, BundleWriteError: the stick is full, or cannot be written.
    """
    path = pack_path(pack_root, f"{ENROLL_DIR}/{credential.device_id}.json")
    write_atomic(path, credential_bytes(credential))
    return path


def credential_folders(folder: Path) -> list[Path]:
    """The ``enroll`` folders in ``folder`` (a stick, or its pack folder), nearest first."""
    found = []
    for root in (folder, folder / DEFAULT_PACK_FOLDER):
        candidate = root / ENROLL_DIR
        try:
            if candidate.is_dir() and not candidate.is_symlink():
                found.append(candidate)
        except OSError:
            continue
    return found


def find_credentials(
    folder: Path, county: str
) -> tuple[list[tuple[Path, StickCredential]], list[StickEnrollError]]:
    """The credentials on a stick for ``county`` ("" = any), in name order, and the problems of
    the files that could not be used (another county's, damaged, newer)."""
    usable: list[tuple[Path, StickCredential]] = []
    problems: list[StickEnrollError] = []
    for enroll_dir in credential_folders(folder):
        try:
            names = sorted(entry.name for entry in os.scandir(enroll_dir))
        except OSError as exc:
            problems.append(
                StickEnrollError(EnrollProblem.READ_FAILED, f"cannot read {enroll_dir}: {exc}")
            )
            continue
        for name in names:
            if not _NAME.fullmatch(name):
                continue  # temporary files, notes, anything else
            path = enroll_dir / name
            if path.is_symlink():
                problems.append(
                    StickEnrollError(
                        EnrollProblem.MALFORMED, f"{name} is a link, not a file", path=path
                    )
                )
                continue
            try:
                credential = read_credential(path)
            except StickEnrollError as exc:
                problems.append(exc)
                continue
            if county and credential.county != county:
                problems.append(
                    StickEnrollError(
                        EnrollProblem.OTHER_COUNTY,
                        f"{name} was issued by county {credential.county!r}, not {county!r}",
                        path=path,
                    )
                )
                continue
            usable.append((path, credential))
    return usable, problems


def read_credential(path: Path) -> StickCredential:
    """Reads one credential file (size-limited, no symlinks, format first).

    Raises:
        StickEnrollError: it cannot be used.
    """
    try:
        data = parse_json(read_limited(path, MAX_CREDENTIAL_BYTES, path.name), path.name)
    except PackError as exc:
        problem = (
            EnrollProblem.READ_FAILED
            if exc.problem == Problem.READ_FAILED
            else EnrollProblem.MALFORMED
        )
        raise StickEnrollError(problem, exc.detail, path=path) from exc
    if not isinstance(data, dict):
        raise StickEnrollError(EnrollProblem.MALFORMED, f"{path.name}: not a credential", path=path)
    version = data.get("format")
    if isinstance(version, int) and version > CREDENTIAL_FORMAT:
        raise StickEnrollError(
            EnrollProblem.NEWER_FORMAT,
            f"{path.name} was written by a newer Lamplight (format {version}): update Lamplight",
            path=path,
        )
    try:
        credential = StickCredential.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise StickEnrollError(
            EnrollProblem.MALFORMED, f"{path.name}: {where}: {first['msg']}", path=path
        ) from None
    if path.name != f"{credential.device_id}.json":
        raise StickEnrollError(
            EnrollProblem.MALFORMED, f"{path.name} does not hold its own device", path=path
        )
    return credential


def remove_credential(path: Path) -> None:
    """Removes a taken credential from the stick, durably (the folder is fsynced).

    Raises:
        BundleWriteError: it cannot be removed (read-only stick, pulled out): not taken.
    """
    try:
        path.unlink()
        fsync_dir(path.parent)
    except OSError as exc:
        raise BundleWriteError(f"cannot remove {path}: {exc.strerror or exc}") from exc
