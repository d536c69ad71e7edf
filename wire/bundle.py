"""Progress bundles and their receipts: teachers' records travelling to the county on a stick.

A school PC with no network writes every record the server has not acknowledged into a
*bundle* on the USB stick (``python -m app export-bundle``); the county imports it
(``python -m server import-bundle``) through the same code as a network push and writes a
*receipt* next to it; back at the school the PC reads the receipt and marks those records
delivered. Both files live in the pack folder (:mod:`wire.pack`)::

    bundles/<device id>/<bundle id>.json            the bundle, written by the PC
    bundles/<device id>/<bundle id>.receipt.json    the receipt, written by the county server

Both files are an *envelope*, written as canonical JSON (:func:`wire.pack.canonical_json`)::

    {"body": {...}, "device_id": "<uuid>", "format": 1, "mac": "<64 hex>"}

``mac`` is HMAC-SHA256 with the device's *bundle key* over a context string and the canonical
JSON of ``body`` (:data:`BUNDLE_CONTEXT` for bundles, :data:`RECEIPT_CONTEXT` for receipts, so
neither can pass for the other). The bundle key is ``sha256(device token)`` as raw bytes
(:func:`bundle_key`): the PC computes it from the token it holds, the server has it already,
as the hex ``device.token_sha256`` it authenticates the device by (:func:`key_from_digest`).
Whoever finds the stick can read the bundle but cannot change it or make one, nor forge a
receipt; whoever holds the server database could, but could write records directly anyway.

A bundle's body is :class:`BundleBody`: its id (a UUIDv7 made on the PC), the server it is for,
the PC's clock when it was made, the last local sequence it covers and the records, each the
JSON object of :class:`wire.sync.Record`. They are kept as raw JSON here, not validated: the
server checks each one with exactly the rules of a network push, so one bad record is refused
on its own. A receipt's body is :class:`ReceiptBody`.

Reading never trusts the stick: a file is read up to a size limit (:data:`MAX_BUNDLE_BYTES`,
:data:`MAX_RECEIPT_BYTES`) without following symlinks, parsed with a nesting limit, and its
format checked before anything else. The MAC is checked over the JSON *as parsed*, before the
body is looked at, so what is verified is exactly what is used.

Writing is atomic (:func:`write_atomic`): a temporary file, fsynced, renamed into place, so a
full stick or one pulled out never leaves a half-written bundle or receipt under its name.

Errors::

    BundleError          a bundle or receipt that cannot be used (``.problem``: BundleProblem)
    BundleWriteError     (an OSError) the stick cannot be written: read-only, pulled out
    wire.blobs.DiskFull  the stick is full; nothing was left behind

See ``docs/bundles.md``.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import hmac
import os
import re
import stat
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wire.blobs import DiskFull, fsync_dir
from wire.pack import (
    BUNDLES_DIR,
    PackError,
    Problem,
    canonical_json,
    pack_path,
    parse_json,
    read_limited,
)
from wire.sync import UUID_PATTERN, Rejection, Uuid

BUNDLE_FORMAT = 1
BUNDLE_CONTEXT = b"lamplight-bundle-v1\x00"
RECEIPT_CONTEXT = b"lamplight-receipt-v1\x00"
BUNDLE_SUFFIX = ".json"
RECEIPT_SUFFIX = ".receipt.json"

#: Largest bundle file read (and written: the PC stops adding records before it).
MAX_BUNDLE_BYTES = 256 * 1024 * 1024
#: Most records in one bundle (about 75 MB of typical records); the rest waits for the next.
MAX_BUNDLE_RECORDS = 250_000
#: Largest receipt read (a receipt refusing every record of a full bundle stays far below).
MAX_RECEIPT_BYTES = 64 * 1024 * 1024
#: Deepest JSON nesting accepted: envelope, body, records, record.
MAX_BUNDLE_DEPTH = 8
#: A clock offset beyond this (about 30 years) is nonsense and treated as unknown.
MAX_OFFSET_MS = 10**12

_UUID = re.compile(UUID_PATTERN.removeprefix("^").removesuffix("$"))
_BUNDLE_NAME = re.compile(rf"({_UUID.pattern})\.json")
_RECEIPT_NAME = re.compile(rf"({_UUID.pattern})\.receipt\.json")
_RECORDS_HOLE = b'"records":[]'


class BundleProblem(StrEnum):
    """Why a bundle or a receipt was refused; each side words them for its own people."""

    MALFORMED = "malformed"  # not JSON, wrong fields, too deep, misnamed
    TOO_LARGE = "too_large"  # over its size limit
    NEWER_FORMAT = "newer_format"  # made by a newer Lamplight
    UNSAFE_NAME = "unsafe_name"  # a symlink or not a plain file
    READ_FAILED = "read_failed"  # the stick could not be read (pulled out, damaged)
    UNKNOWN_DEVICE = "unknown_device"  # no device with this id on this server
    REVOKED_DEVICE = "revoked_device"  # the county removed the device
    ALTERED = "altered"  # the MAC does not match: changed, or made without the device's key
    WRONG_SERVER = "wrong_server"  # for another (or a reinstalled) county server
    WRONG_DEVICE = "wrong_device"  # a receipt for another PC
    UNKNOWN_BUNDLE = "unknown_bundle"  # a receipt for a bundle this PC did not write


class BundleError(Exception):
    """A bundle or receipt that cannot be used; nothing of it was taken.

    Attributes:
        problem: what is wrong, as a code.
        detail: a plain English sentence (also ``str(error)``).
        path: the file, when one is concerned.
    """

    def __init__(self, problem: BundleProblem, detail: str, *, path: str = "") -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.path = path


class BundleWriteError(OSError):
    """The stick could not be written (read-only, pulled out, damaged); nothing was left."""


# --- documents ------------------------------------------------------------------------------


class _Doc(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Envelope(_Doc):
    """A bundle or receipt file as read, before its MAC is checked."""

    format: int
    device_id: Uuid
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")
    body: dict[str, Any]


class BundleBody(_Doc):
    """What a bundle carries (the MAC covers all of it)."""

    bundle_id: Uuid
    server_id: str = Field(min_length=1, max_length=64)
    created: datetime = Field(description="the PC's clock when it wrote the bundle, naive UTC")
    clock_offset_ms: int = Field(
        default=0,
        description="the server's clock minus the PC's, as the PC last saw it over the network",
    )
    last_seq: int = Field(ge=0, description="the last local record sequence the bundle covers")
    records: list[Any] = Field(max_length=MAX_BUNDLE_RECORDS)


class ReceiptBody(_Doc):
    """What the county server says it did with a bundle."""

    bundle_id: Uuid
    server_id: str = Field(min_length=1, max_length=64)
    imported_at: datetime
    accepted: int = Field(ge=0, description="records new to the server")
    duplicates: int = Field(ge=0, description="records it already had, with the same content")
    rejected: list[Rejection] = []
    linked_teachers: list[Uuid] = Field(
        default=[], description="teachers the server now knows live on the device"
    )
    body_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="of the bundle's body")


# --- keys and MACs --------------------------------------------------------------------------


def bundle_key(token: str) -> bytes:
    """The PC's bundle key: sha256 of its device token, raw."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def key_from_digest(token_sha256: str) -> bytes:
    """The server's copy of a device's bundle key, from ``device.token_sha256`` (hex)."""
    return bytes.fromhex(token_sha256)


def compute_mac(key: bytes, context: bytes, body_bytes: bytes) -> str:
    return hmac.new(key, context + body_bytes, hashlib.sha256).hexdigest()


def body_sha256(body_bytes: bytes) -> str:
    """How a receipt names the bundle body it answers."""
    return hashlib.sha256(body_bytes).hexdigest()


# --- writing --------------------------------------------------------------------------------


def bundle_relpath(device_id: str, bundle_id: str) -> str:
    return f"{BUNDLES_DIR}/{device_id}/{bundle_id}{BUNDLE_SUFFIX}"


def receipt_relpath(device_id: str, bundle_id: str) -> str:
    return f"{BUNDLES_DIR}/{device_id}/{bundle_id}{RECEIPT_SUFFIX}"


def record_json(record: dict[str, Any]) -> bytes:
    """One record as it goes into a bundle (its size counts against the limit)."""
    return canonical_json(record)


def encode_bundle(
    key: bytes, device_id: str, fields: dict[str, Any], records: Sequence[bytes]
) -> bytes:
    """A bundle file: the canonical JSON of its envelope.

    Args:
        key: the device's bundle key.
        device_id: the device writing it.
        fields: the body without ``records`` (see :class:`BundleBody`), JSON values.
        records: each record's :func:`record_json`, in order. Spliced into the body as they
            are, so the body is encoded once: the result equals ``canonical_json`` of the whole.
    """
    head = canonical_json({**fields, "records": []})
    before, hole, after = head.partition(_RECORDS_HOLE)
    assert hole, "the body's other fields are plain values: the hole is found"
    body = b"".join((before, b'"records":[', b",".join(records), b"]", after))
    return _envelope(key, BUNDLE_CONTEXT, device_id, body)


def encode_receipt(key: bytes, device_id: str, body: ReceiptBody) -> bytes:
    """A receipt file: the canonical JSON of its envelope."""
    body_bytes = canonical_json(body.model_dump(mode="json"))
    return _envelope(key, RECEIPT_CONTEXT, device_id, body_bytes)


def _envelope(key: bytes, context: bytes, device_id: str, body: bytes) -> bytes:
    # Spliced in canonical key order (body, device_id, format, mac): equal to canonical_json.
    mac = compute_mac(key, context, body)
    return b"".join(
        (
            b'{"body":',
            body,
            b',"device_id":',
            canonical_json(device_id),
            b',"format":',
            str(BUNDLE_FORMAT).encode(),
            b',"mac":"',
            mac.encode(),
            b'"}',
        )
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Writes ``data`` to ``path`` (folders made as needed): a temporary file next to it,
    fsynced, renamed into place, the folder fsynced. Nothing is left behind on failure.

    Raises:
        DiskFull: the stick (or disk) is full.
        BundleWriteError: it cannot be written for another reason (read-only, pulled out).
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):  # the stick may be gone: nothing more to do
            tmp.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(f"no space left to write {path.name}: {exc.strerror}") from exc
        raise BundleWriteError(f"cannot write {path}: {exc.strerror or exc}") from exc


# --- reading --------------------------------------------------------------------------------

_PACK_PROBLEMS = {
    Problem.TOO_LARGE: BundleProblem.TOO_LARGE,
    Problem.UNSAFE_NAME: BundleProblem.UNSAFE_NAME,
    Problem.READ_FAILED: BundleProblem.READ_FAILED,
}


def _from_pack_error(exc: PackError) -> BundleError:
    problem = _PACK_PROBLEMS.get(exc.problem, BundleProblem.MALFORMED)
    return BundleError(problem, exc.detail, path=exc.path)


def read_envelope(path: Path, *, limit: int, name: str = "") -> Envelope:
    """Reads a bundle or receipt file and its envelope (the MAC is not checked yet).

    Raises:
        FileNotFoundError: there is no such file.
        BundleError: ``TOO_LARGE``, ``UNSAFE_NAME``, ``READ_FAILED``, ``MALFORMED``,
            ``NEWER_FORMAT``.
    """
    name = name or path.name
    try:
        data = read_limited(path, limit, name)
        value = parse_json(data, name, max_depth=MAX_BUNDLE_DEPTH)
    except PackError as exc:
        raise _from_pack_error(exc) from None
    fmt = value.get("format") if isinstance(value, dict) else None
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise BundleError(BundleProblem.MALFORMED, f"{name} has no format number", path=name)
    if fmt != BUNDLE_FORMAT:
        newer = fmt > BUNDLE_FORMAT
        raise BundleError(
            BundleProblem.NEWER_FORMAT if newer else BundleProblem.MALFORMED,
            f"{name} is bundle format {fmt}; this Lamplight reads format {BUNDLE_FORMAT}"
            + (": update Lamplight" if newer else ""),
            path=name,
        )
    try:
        return Envelope.model_validate(value)
    except ValidationError as exc:
        raise BundleError(BundleProblem.MALFORMED, f"{name}: {_describe(exc)}", path=name) from None


def verify_envelope(envelope: Envelope, key: bytes, context: bytes, *, name: str) -> bytes:
    """Checks the MAC; returns the canonical bytes of the body it covers.

    Raises:
        BundleError: ``ALTERED``.
    """
    body = canonical_json(envelope.body)
    if not hmac.compare_digest(compute_mac(key, context, body), envelope.mac):
        raise BundleError(
            BundleProblem.ALTERED,
            f"{name} was changed after it was written, or was not written with the key of "
            f"device {envelope.device_id}",
            path=name,
        )
    return body


def bundle_body(envelope: Envelope, *, name: str) -> BundleBody:
    """The body of a verified bundle.

    Raises:
        BundleError: ``MALFORMED`` (also for more than :data:`MAX_BUNDLE_RECORDS` records).
    """
    return _body(BundleBody, envelope, name)


def receipt_body(envelope: Envelope, *, name: str) -> ReceiptBody:
    """The body of a verified receipt.

    Raises:
        BundleError: ``MALFORMED``.
    """
    return _body(ReceiptBody, envelope, name)


_Body = TypeVar("_Body", BundleBody, ReceiptBody)


def _body(model: type[_Body], envelope: Envelope, name: str) -> _Body:
    try:
        return model.model_validate(envelope.body)
    except ValidationError as exc:
        raise BundleError(
            BundleProblem.MALFORMED, f"{name}: body.{_describe(exc)}", path=name
        ) from None


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "(top level)"
    return f"{where}: {first['msg']}"


def receipt_path(bundle_file: Path, bundle_id: str) -> Path:
    """Where the receipt of a bundle goes: next to it."""
    return bundle_file.with_name(f"{bundle_id}{RECEIPT_SUFFIX}")


def device_folder(pack_root: Path, device_id: str) -> Path:
    """``<pack root>/bundles/<device id>`` (checked: no symlink on the way).

    Raises:
        BundleError: ``UNSAFE_NAME``, ``READ_FAILED``.
    """
    try:
        return pack_path(pack_root, f"{BUNDLES_DIR}/{device_id}")
    except PackError as exc:
        raise _from_pack_error(exc) from None


def find_bundles(folder: Path) -> list[Path]:
    """The bundle files under ``folder``, sorted by device, then bundle id (so by time).

    ``folder`` may be a stick (its pack folders are searched: ``<folder>/*/bundles``), a pack
    folder (``<folder>/bundles``), a ``bundles`` folder, or one device's folder in it. Only
    ``<uuid>.json`` files in folders named by a device id count; receipts, temporary files and
    symlinks are passed over.

    Raises:
        BundleError: ``READ_FAILED`` when a folder cannot be listed.
    """
    candidates: list[Path] = []
    if folder.name == BUNDLES_DIR:
        candidates.append(folder)
    candidates.append(folder / BUNDLES_DIR)
    candidates.extend(sub / BUNDLES_DIR for sub in _plain_dirs(folder))
    device_dirs: list[Path] = []
    if _UUID.fullmatch(folder.name) and folder.parent.name == BUNDLES_DIR:
        device_dirs.append(folder)
    for bundles in candidates:
        if _is_plain_dir(bundles):
            device_dirs.extend(d for d in _plain_dirs(bundles) if _UUID.fullmatch(d.name))
    found: dict[str, Path] = {}
    for device_dir in device_dirs:
        for entry in _entries(device_dir):
            if _BUNDLE_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                path = Path(entry.path)
                found.setdefault(os.path.normcase(os.path.abspath(path)), path)
    return sorted(found.values(), key=lambda p: (p.parent.name, p.name))


def find_receipts(device_dir: Path) -> list[Path]:
    """The receipt files in one device's folder, by bundle id (missing folder: none).

    Raises:
        BundleError: ``READ_FAILED`` when the folder cannot be listed.
    """
    if not _is_plain_dir(device_dir):
        return []
    return sorted(
        Path(entry.path)
        for entry in _entries(device_dir)
        if _RECEIPT_NAME.fullmatch(entry.name) and entry.is_file(follow_symlinks=False)
    )


def bundle_id_of(path: Path) -> str:
    """The bundle id a bundle or receipt file is named by ("" if it is named otherwise)."""
    match = _BUNDLE_NAME.fullmatch(path.name) or _RECEIPT_NAME.fullmatch(path.name)
    return match.group(1) if match else ""


def _is_plain_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise BundleError(
            BundleProblem.READ_FAILED, f"cannot read the folder {folder}: {exc.strerror or exc}"
        ) from exc


def _plain_dirs(folder: Path) -> Iterable[Path]:
    if not _is_plain_dir(folder):
        return []
    return [Path(e.path) for e in _entries(folder) if e.is_dir(follow_symlinks=False)]
