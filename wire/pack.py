"""The USB content pack: a plain folder both the county server and the client write and read.

A pack is a folder (on a stick, usually ``<stick>/lamplight``), never an archive, so it can be
read in place, copied in part and topped up::

    lamplight-pack.json            the index: format, county, the courses and assets it holds
    courses/<course id>.json       one course's document (signed bytes, canonical JSON)
    courses/<course id>.sig        its Ed25519 signature by the county key
    blobs/ab/abcdef...             every asset, named by its sha256 (first two hex digits as folder)
    bundles/<device id>/...        progress bundles going back to the county (wire.bundle)

The index is a convenience (sizes, what is new) and is not trusted: each course document is
verified against its signature with the county public keys the app carries, and every blob is
hashed while it is copied. A course document is :class:`CourseDocument`; its bytes are the
canonical JSON (:func:`canonical_json`) of it, and the signature covers
``SIGNATURE_CONTEXT + document bytes``. Any PC can copy a course's document and signature to
another pack unchanged, so a subset of courses re-exported anywhere still carries the county's
signature.

Nothing a pack says becomes a path without checks: course ids and sha256 names are matched
against strict patterns, every path is resolved inside the pack root, and symlinks are refused
(:func:`pack_path`). JSON files are read up to a size limit and a nesting depth.

Errors are :class:`PackError` with a :class:`Problem` code, so each side can word them for its
own people (the client translates them); ``str(error)`` is a plain English sentence.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import stat
from array import array
from datetime import datetime
from enum import StrEnum
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import Annotated, Any, TypeVar

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wire.api import AssetRef, CatalogCourse, CatalogLesson, Sha256
from wire.canonical import DOCUMENT_FORMAT
from wire.canonical import canonical_json as canonical_json  # re-exported
from wire.canonical import course_document_bytes as course_document_bytes  # re-exported
from wire.course import Identifier

PACK_FORMAT = DOCUMENT_FORMAT
INDEX_FILE = "lamplight-pack.json"
COURSES_DIR = "courses"
BLOBS_DIR = "blobs"
BUNDLES_DIR = "bundles"
#: Device credentials the county issued for PCs with no network (:mod:`wire.stick_enroll`).
ENROLL_DIR = "enroll"
#: The folder a pack gets on a stick when none is named.
DEFAULT_PACK_FOLDER = "lamplight"

#: Largest index and course document read (a course of 10,000 items is about 3 MB).
MAX_INDEX_BYTES = 16 * 1024 * 1024
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_SIGNATURE_BYTES = 4096
#: Deepest JSON nesting accepted (a course document is 6 deep).
MAX_JSON_DEPTH = 24

M = TypeVar("M", bound=BaseModel)

SIGNATURE_CONTEXT = b"lamplight-course-v1\x00"
SIGNATURE_ALG = "ed25519"
KEY_PREFIX = "ed25519:"


class Problem(StrEnum):
    """What is wrong with a pack; the client words each for teachers."""

    NOT_A_PACK = "not_a_pack"  # no index here
    MALFORMED = "malformed"  # not JSON, wrong fields, too deep
    TOO_LARGE = "too_large"  # a JSON file over its limit
    NEWER_FORMAT = "newer_format"  # made by a newer Lamplight
    UNSAFE_NAME = "unsafe_name"  # .., absolute path, symlink, outside the pack
    UNSIGNED = "unsigned"  # a course without a signature
    WRONG_KEY = "wrong_key"  # signed, but not by a key this PC trusts (another county)
    TAMPERED = "tampered"  # the signature does not match the document
    OTHER_COUNTY = "other_county"  # a pack for another county
    MISSING_BLOB = "missing_blob"  # an asset the course needs is not in the pack
    BAD_BLOB = "bad_blob"  # an asset's bytes are not what the course says (hash or size)
    READ_FAILED = "read_failed"  # the stick could not be read (pulled out, damaged)


class PackError(Exception):
    """A pack (or a part of it) that cannot be used; nothing of it was taken."""

    def __init__(self, problem: Problem, detail: str, *, course: str = "", path: str = "") -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail
        self.course = course
        self.path = path


# --- documents ------------------------------------------------------------------------------


class _Doc(BaseModel):
    # Unknown fields are ignored so an older client reads a newer pack of the same format.
    model_config = ConfigDict(extra="ignore", frozen=True)


class CourseContent(_Doc):
    """A course version as published: :class:`wire.api.CatalogCourse` without the server's
    catalog sequence (a pack has no place in the catalog order)."""

    id: Identifier
    version: int = Field(ge=1)
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=5000)
    language: str = Field(max_length=16)
    published_at: datetime
    preload: bool = False
    lessons: list[CatalogLesson]

    def assets(self) -> list[AssetRef]:
        """Each distinct asset once, in course order."""
        seen: dict[str, AssetRef] = {}
        for lesson in self.lessons:
            for item in lesson.items:
                seen.setdefault(item.asset.sha256, item.asset)
        return list(seen.values())

    def catalog_course(self, seq: int = 0) -> CatalogCourse:
        return CatalogCourse.model_validate({**self.model_dump(), "seq": max(seq, 1)})


class CourseDocument(_Doc):
    """``courses/<id>.json``: what the county signs, per course."""

    format: int
    county: str = Field(min_length=1, max_length=64)
    course: CourseContent


class SignatureFile(_Doc):
    """``courses/<id>.sig``."""

    alg: str
    key: str = Field(description="key id of the signing key: see key_id()")
    signature: str = Field(description="base64 of the 64-byte Ed25519 signature")


class IndexCourse(_Doc):
    id: Identifier
    version: int = Field(ge=1)
    title: str = Field(max_length=200)
    size: int = Field(ge=0, description="bytes of the course's distinct assets")
    assets: int = Field(ge=0, description="how many distinct assets")


class IndexAsset(_Doc):
    sha256: Sha256
    size: int = Field(ge=0)


class PackIndex(_Doc):
    """``lamplight-pack.json``: written last, atomically, whenever a pack is written to."""

    format: int
    county: str = Field(min_length=1, max_length=64)
    created: datetime
    written_by: str = Field(default="", max_length=200)
    courses: list[IndexCourse]
    assets: list[IndexAsset]


# --- keys and signatures --------------------------------------------------------------------


def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def load_private_key_pem(data: bytes) -> Ed25519PrivateKey:
    """Raises ValueError for anything but an unencrypted Ed25519 private key in PEM."""
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("not an Ed25519 private key")
    return key


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_text(key: Ed25519PublicKey) -> str:
    """``ed25519:<base64 of the 32 raw bytes>``: how profiles and people carry a public key."""
    return KEY_PREFIX + base64.b64encode(_raw_public(key)).decode("ascii")


def parse_public_key(text: str) -> Ed25519PublicKey:
    """The inverse of :func:`public_key_text`. Raises ValueError with a plain message."""
    body = text.strip()
    if not body.startswith(KEY_PREFIX):
        raise ValueError(f"a public key starts with {KEY_PREFIX!r}")
    try:
        raw = base64.b64decode(body[len(KEY_PREFIX) :], validate=True)
    except binascii.Error:
        raise ValueError("the public key is not valid base64") from None
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(key: Ed25519PublicKey) -> str:
    """First 16 hex digits of the sha256 of the raw public key: names a key in messages."""
    return hashlib.sha256(_raw_public(key)).hexdigest()[:16]


def sign_document(key: Ed25519PrivateKey, document: bytes) -> SignatureFile:
    signature = key.sign(SIGNATURE_CONTEXT + document)
    return SignatureFile(
        alg=SIGNATURE_ALG,
        key=key_id(key.public_key()),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def verify_document(
    document: bytes, signature: SignatureFile, trusted: list[Ed25519PublicKey], *, course: str
) -> None:
    """Checks ``signature`` over ``document`` with the trusted key it names.

    Raises:
        PackError: ``WRONG_KEY`` (no trusted key has that id: another county's pack, or this
            PC carries no key) or ``TAMPERED`` (the bytes or the signature were changed).
    """
    if signature.alg != SIGNATURE_ALG:
        raise PackError(
            Problem.WRONG_KEY,
            f"course {course}: unknown signature kind {signature.alg!r}",
            course=course,
        )
    by_id = {key_id(k): k for k in trusted}
    key = by_id.get(signature.key)
    if key is None:
        raise PackError(
            Problem.WRONG_KEY,
            f"course {course} is signed by key {signature.key}, which this PC does not trust "
            "(another county's content, or a PC built without the county key)",
            course=course,
        )
    try:
        raw = base64.b64decode(signature.signature, validate=True)
        key.verify(raw, SIGNATURE_CONTEXT + document)
    except (binascii.Error, InvalidSignature, ValueError):
        raise PackError(
            Problem.TAMPERED,
            f"course {course} was changed after the county signed it",
            course=course,
        ) from None


# --- safe reading ---------------------------------------------------------------------------


def blob_relpath(sha256: str) -> str:
    return f"{BLOBS_DIR}/{sha256[:2]}/{sha256}"


def course_relpath(course_id: str, suffix: str = ".json") -> str:
    return f"{COURSES_DIR}/{course_id}{suffix}"


def pack_path(root: Path, relative: str) -> Path:
    """``root / relative``, refusing names that could reach outside the pack.

    Refused: absolute paths, drive letters, ``..``, backslashes, and any symlink on the way
    (a FAT stick has none; a copied folder might). The last part need not exist.

    Raises:
        PackError: ``UNSAFE_NAME``.
    """
    pure = PurePosixPath(relative)
    if (
        not relative
        or pure.is_absolute()
        or "\\" in relative
        or ":" in relative
        or any(part in ("", ".", "..") for part in relative.split("/"))
    ):
        raise PackError(
            Problem.UNSAFE_NAME, f"unsafe name in the pack: {relative!r}", path=relative
        )
    path = root
    for part in pure.parts:
        path = path / part
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return root.joinpath(*pure.parts)
        except OSError as exc:
            raise PackError(
                Problem.READ_FAILED, f"cannot read {relative}: {exc}", path=relative
            ) from exc
        if stat.S_ISLNK(mode):
            raise PackError(
                Problem.UNSAFE_NAME,
                f"{relative} is a symbolic link; packs hold plain files",
                path=relative,
            )
    return path


def read_limited(path: Path, limit: int, name: str) -> bytes:
    """A file's bytes, at most ``limit`` of them (a bigger file is refused unread).

    Raises:
        PackError: ``TOO_LARGE``, ``UNSAFE_NAME`` (not a plain file), ``READ_FAILED``.
    """
    # O_NONBLOCK: a FIFO planted in a pack must not hang the open (it is then refused as not
    # a plain file); it changes nothing for regular files.
    flags = (
        os.O_RDONLY
        | getattr(os, "O_NOFOLLOW", 0)
        | getattr(os, "O_NONBLOCK", 0)
        | getattr(os, "O_BINARY", 0)
    )
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise PackError(Problem.READ_FAILED, f"cannot read {name}: {exc}", path=name) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PackError(Problem.UNSAFE_NAME, f"{name} is not a plain file", path=name)
        if info.st_size > limit:
            raise PackError(
                Problem.TOO_LARGE,
                f"{name} is {info.st_size} bytes; at most {limit} are read",
                path=name,
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise PackError(Problem.READ_FAILED, f"cannot read {name}: {exc}", path=name) from exc
    finally:
        os.close(fd)
    if len(data) > limit:
        raise PackError(Problem.TOO_LARGE, f"{name} grew past {limit} bytes", path=name)
    return data


# A JSON string, escapes included. Possessive quantifiers (Python 3.11): no backtracking
# bookkeeping, so 8 MB of escapes take 30 ms, not a second.
_JSON_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BRACKET_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1, -1 as signed bytes


def _depth_ok(data: bytes, limit: int) -> bool:
    """Whether the JSON text nests at most ``limit`` deep (counted outside strings), so a
    hostile file cannot exhaust the parser's recursion.

    Done in C-speed steps (a byte loop in Python took 0.7 ms per course document): strings
    are cut out, an unterminated one with everything after it; what is left is kept to the
    brackets, each a +1 or -1 step, whose running sum is the depth.
    """
    outside = _JSON_STRING.sub(b"", data)
    unterminated = outside.find(b'"')
    if unterminated >= 0:
        outside = outside[:unterminated]
    steps = array("b", outside.translate(_BRACKET_STEP, _NOT_BRACKETS))
    return max(accumulate(steps), default=0) <= limit


def parse_json(data: bytes, name: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parses JSON text read by :func:`read_limited`.

    Raises:
        PackError: ``MALFORMED`` (not UTF-8 JSON, or nested deeper than ``max_depth``).
    """
    if not _depth_ok(data, max_depth):
        raise PackError(Problem.MALFORMED, f"{name} nests deeper than {max_depth}", path=name)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PackError(Problem.MALFORMED, f"{name} is not valid JSON: {exc}", path=name) from None


def check_format(value: Any, name: str) -> None:
    """Refuses a document of a format this code does not read, before its fields are looked at.

    Raises:
        PackError: ``MALFORMED`` (no format number), ``NEWER_FORMAT``.
    """
    fmt = value.get("format") if isinstance(value, dict) else None
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise PackError(Problem.MALFORMED, f"{name} has no format number", path=name)
    if fmt != PACK_FORMAT:
        raise PackError(
            Problem.NEWER_FORMAT if fmt > PACK_FORMAT else Problem.MALFORMED,
            f"{name} is pack format {fmt}; this Lamplight reads format {PACK_FORMAT}"
            + (": update Lamplight on this PC" if fmt > PACK_FORMAT else ""),
            path=name,
        )


def load_model(model: type[M], data: bytes, name: str, *, versioned: bool = True) -> M:
    """Parses, checks the format (unless the file has none: ``versioned`` false, as for a
    signature), and validates ``data`` as ``model``.

    Raises:
        PackError: ``MALFORMED``, ``NEWER_FORMAT``.
    """
    value = parse_json(data, name)
    if versioned:
        check_format(value, name)
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        raise PackError(Problem.MALFORMED, f"{name}: {where}: {first['msg']}", path=name) from None


def read_index(root: Path) -> PackIndex:
    """The pack's index.

    Raises:
        PackError: ``NOT_A_PACK`` when there is none, or any reading problem.
    """
    try:
        data = read_limited(pack_path(root, INDEX_FILE), MAX_INDEX_BYTES, INDEX_FILE)
    except FileNotFoundError:
        raise PackError(
            Problem.NOT_A_PACK, f"{root} holds no Lamplight pack (no {INDEX_FILE})"
        ) from None
    return load_model(PackIndex, data, INDEX_FILE)


SignedBytes = Annotated[bytes, "canonical JSON of a CourseDocument"]


def read_course(root: Path, course_id: str) -> tuple[SignedBytes, CourseDocument, SignatureFile]:
    """A course's document bytes, the document, and its signature, unverified.

    Raises:
        PackError: ``MISSING_BLOB`` is not used here; a missing document is ``MALFORMED``, a
            missing signature ``UNSIGNED``; reading problems as :func:`read_limited`.
    """
    name = course_relpath(course_id)
    try:
        document = read_limited(pack_path(root, name), MAX_DOCUMENT_BYTES, name)
    except FileNotFoundError:
        raise PackError(
            Problem.MALFORMED,
            f"course {course_id} is listed but {name} is missing",
            course=course_id,
        ) from None
    sig_name = course_relpath(course_id, ".sig")
    try:
        sig_bytes = read_limited(pack_path(root, sig_name), MAX_SIGNATURE_BYTES, sig_name)
    except FileNotFoundError:
        raise PackError(
            Problem.UNSIGNED,
            f"course {course_id} carries no signature: it cannot be trusted",
            course=course_id,
        ) from None
    parsed = load_model(CourseDocument, document, name)
    if parsed.course.id != course_id:
        raise PackError(
            Problem.MALFORMED,
            f"{name} holds course {parsed.course.id!r}, not {course_id!r}",
            course=course_id,
        )
    signature = load_model(SignatureFile, sig_bytes, sig_name, versioned=False)
    return document, parsed, signature


class VerifiedCourse(_Doc):
    """A course whose signature was checked: safe to take, once its blobs verify."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    document: bytes
    signature: SignatureFile
    content: CourseContent


def verify_course(
    root: Path, course_id: str, trusted: list[Ed25519PublicKey], county: str | None = None
) -> VerifiedCourse:
    """Reads and verifies one course of the pack at ``root``.

    Args:
        trusted: the county public keys this side accepts.
        county: when given, the county code the document must name.

    Raises:
        PackError: ``UNSIGNED``, ``WRONG_KEY``, ``TAMPERED``, ``OTHER_COUNTY``, reading and
            format problems.
    """
    document, parsed, signature = read_course(root, course_id)
    verify_document(document, signature, trusted, course=course_id)
    if county is not None and parsed.county != county:
        raise PackError(
            Problem.OTHER_COUNTY,
            f"course {course_id} is for county {parsed.county!r}, not {county!r}",
            course=course_id,
        )
    return VerifiedCourse(document=document, signature=signature, content=parsed.course)


# --- where a pack is ------------------------------------------------------------------------


def find_pack(folder: Path) -> Path | None:
    """The pack in ``folder``: the folder itself or its ``lamplight`` folder, whichever holds
    an index (``None``: neither, or the folder cannot be read)."""
    for candidate in (folder, folder / DEFAULT_PACK_FOLDER):
        try:
            if (candidate / INDEX_FILE).is_file():
                return candidate
        except OSError:  # pulled out, or unreadable
            continue
    return None


def pack_root_for_writing(folder: Path) -> Path:
    """Where to write to, given the folder a person named (a stick, or a folder on it).

    The pack already there (an index, or the ``courses`` or ``bundles`` folder of one); else
    ``folder`` when it is called ``lamplight``, is new or is an empty folder; else (a stick's
    root, or a folder holding other files) ``folder/lamplight``. Every command that writes to a
    stick follows this rule, so they all meet in one place.
    """
    for candidate in (folder, folder / DEFAULT_PACK_FOLDER):
        try:
            if (candidate / INDEX_FILE).is_file() or any(
                (candidate / part).is_dir() for part in (COURSES_DIR, BUNDLES_DIR, ENROLL_DIR)
            ):
                return candidate  # a pack, or a stick that so far carried progress or credentials
        except OSError:
            continue
    if folder.name == DEFAULT_PACK_FOLDER:
        return folder
    try:
        if folder.is_dir() and (os.path.ismount(folder) or any(folder.iterdir())):
            return folder / DEFAULT_PACK_FOLDER
    except OSError:
        return folder / DEFAULT_PACK_FOLDER
    return folder
