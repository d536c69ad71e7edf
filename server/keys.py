"""The county's signing key: made once, kept in the server's data directory, never served.

Layout under ``<data dir>/keys/`` (mode 0700 where the OS has modes)::

    county-signing-key.pem   the Ed25519 private key, PKCS8 PEM, unencrypted, mode 0600;
                             created with O_EXCL and never overwritten or deleted here
    county.json              {code, name, public_key, key_id, created}: who the key signs for

The HTTP app serves media from ``<data dir>/blobs`` only, by sha256 of a published asset, so
nothing under ``keys/`` can be reached over the network (a test asks for it). The public key
(``ed25519:<base64>``) goes into the county profile the installers carry
(``[signing] public_keys``); the private key should be backed up offline: a lost key means a
new key and new installers.

Errors::

    SigningKeyError
     ├── NoSigningKey        no key yet: run ``python -m server keys init``
     ├── SigningKeyExists    ``keys init`` on a data directory that already has a key
     └── SigningKeyUnreadable the files are there but cannot be used
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire.blobs import fsync_dir
from wire.pack import (
    key_id,
    load_private_key_pem,
    new_signing_key,
    private_key_pem,
    public_key_text,
)

KEYS_DIR = "keys"
KEY_FILE = "county-signing-key.pem"
INFO_FILE = "county.json"
#: A county code: what packs and signed documents name the county by.
COUNTY_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
COUNTY_NAME_MAX = 200
_MAX_PEM_BYTES = 64 * 1024


class SigningKeyError(Exception):
    """Base of this module's errors; the message says what to do."""


class NoSigningKey(SigningKeyError):
    """The data directory has no county signing key."""


class SigningKeyExists(SigningKeyError):
    """``keys init`` was asked to make a key where there already is one."""


class SigningKeyUnreadable(SigningKeyError):
    """The key files are there but cannot be read or do not belong together."""


@dataclass(frozen=True)
class CountyInfo:
    """``keys/county.json``: the county the key signs for, and its public half."""

    code: str
    name: str
    public_key: str
    key_id: str
    created: datetime

    def to_json(self) -> str:
        return json.dumps(
            {
                "code": self.code,
                "name": self.name,
                "public_key": self.public_key,
                "key_id": self.key_id,
                "created": self.created.isoformat(),
            },
            ensure_ascii=False,
            indent=2,
        )

    @property
    def profile_line(self) -> str:
        """The line to put under ``[signing]`` in the county profile."""
        return f'public_keys = ["{self.public_key}"]'


def keys_dir(data_dir: Path) -> Path:
    return data_dir / KEYS_DIR


def key_path(data_dir: Path) -> Path:
    return keys_dir(data_dir) / KEY_FILE


def _utc_now() -> datetime:
    return datetime.now(UTC)


def init_key(
    data_dir: Path,
    county_code: str,
    name: str = "",
    from_pem: Path | None = None,
    *,
    clock: Callable[[], datetime] = _utc_now,
) -> CountyInfo:
    """Makes (or, with ``from_pem``, imports) the county signing key.

    An existing key file is never replaced. If the key file is there but ``county.json`` is
    not (a cut-off earlier ``init``), ``county.json`` is written for the key already there,
    provided ``from_pem`` (if given) holds that same key.

    Raises:
        ValueError: ``county_code`` or ``name`` is not acceptable.
        SigningKeyExists: there is already a key (its key id is in the message).
        SigningKeyUnreadable: ``from_pem`` is not an unencrypted Ed25519 private key, or the
            existing key file cannot be read.
        OSError: the keys folder cannot be written.
    """
    if not COUNTY_CODE.fullmatch(county_code):
        raise ValueError(
            f"county code {county_code!r}: use 1 to 64 lowercase letters, digits, - or _ "
            "(the code the county profile names, e.g. demo or 510722)"
        )
    if len(name) > COUNTY_NAME_MAX:
        raise ValueError(f"a county name has at most {COUNTY_NAME_MAX} characters")
    key = new_signing_key()
    if from_pem is not None:
        try:
            key = _read_pem(from_pem)
        except FileNotFoundError:
            raise SigningKeyUnreadable(f"{from_pem} does not exist") from None
    folder = keys_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if os.name == "posix":
        os.chmod(folder, 0o700)
    path = folder / KEY_FILE
    if path.exists():
        existing = _read_pem(path)
        if (folder / INFO_FILE).exists() or (
            from_pem is not None and key_id(existing.public_key()) != key_id(key.public_key())
        ):
            raise SigningKeyExists(
                f"{path} already holds the county key (key id {key_id(existing.public_key())}); "
                "it is never replaced. To start over, move the keys folder away first."
            )
        key = existing  # finish what a cut-off init began
    else:
        _create_private(path, private_key_pem(key))
    public = key.public_key()
    info = CountyInfo(
        code=county_code,
        name=name.strip(),
        public_key=public_key_text(public),
        key_id=key_id(public),
        created=clock().astimezone(UTC),
    )
    tmp = folder / f".{INFO_FILE}.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(info.to_json() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / INFO_FILE)
    fsync_dir(folder)
    return info


def _create_private(path: Path, data: bytes) -> None:
    """Writes a new file only the server's user can read; fails if it exists (O_EXCL)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _read_pem(path: Path) -> Ed25519PrivateKey:
    try:
        with path.open("rb") as fh:
            data = fh.read(_MAX_PEM_BYTES + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise SigningKeyUnreadable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        if len(data) > _MAX_PEM_BYTES:
            raise ValueError("too large for a key file")
        return load_private_key_pem(data)
    except (ValueError, TypeError) as exc:
        raise SigningKeyUnreadable(
            f"{path} is not an unencrypted Ed25519 private key in PEM ({exc})"
        ) from None


def load_signing_key(data_dir: Path) -> tuple[Ed25519PrivateKey, CountyInfo]:
    """The county key and what it signs for.

    Raises:
        NoSigningKey: no key file (or no ``county.json`` beside it).
        SigningKeyUnreadable: a file cannot be read, or ``county.json`` names another key.
    """
    path = key_path(data_dir)
    command = f"python -m server keys init --county CODE --data-dir {data_dir}"
    try:
        key = _read_pem(path)
    except FileNotFoundError:
        raise NoSigningKey(
            f"this server has no county signing key ({path}); make one with `{command}`"
        ) from None
    info_path = keys_dir(data_dir) / INFO_FILE
    try:
        raw = json.loads(info_path.read_text(encoding="utf-8"))
        info = CountyInfo(
            code=str(raw["code"]),
            name=str(raw.get("name", "")),
            public_key=str(raw["public_key"]),
            key_id=str(raw["key_id"]),
            created=datetime.fromisoformat(str(raw["created"])),
        )
    except FileNotFoundError:
        raise NoSigningKey(
            f"{info_path} is missing; run `{command}` again to write it (the key is kept)"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SigningKeyUnreadable(f"cannot read {info_path}: {exc}") from None
    if info.public_key != public_key_text(key.public_key()):
        raise SigningKeyUnreadable(
            f"{info_path} names key {info.key_id}, but {path} holds key "
            f"{key_id(key.public_key())}: restore the matching files"
        )
    return key, info


def load_signing_key_if_present(
    data_dir: Path,
) -> tuple[Ed25519PrivateKey, CountyInfo] | None:
    """Like :func:`load_signing_key`, but ``None`` when no key was ever made (for code that
    signs when it can, such as publishing).

    Raises:
        SigningKeyUnreadable: as :func:`load_signing_key`.
    """
    if not key_path(data_dir).exists():
        return None
    return load_signing_key(data_dir)


def key_file_too_open(data_dir: Path) -> bool:
    """Whether others than the server's user may read the key file (POSIX only)."""
    if os.name != "posix":
        return False
    try:
        mode = key_path(data_dir).stat().st_mode
    except OSError:
        return False
    return bool(stat.S_IMODE(mode) & 0o077)
