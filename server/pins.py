"""The server's own hash of a teacher's PIN verifier.

A device never sends the PIN, only :func:`wire.sync.pin_verifier` (scrypt of the PIN salted by
the teacher id, already expensive to compute). The server stores scrypt of that verifier again,
salted with random bytes of its own, at a modest cost: a stolen database then yields neither
the verifier (which would let anyone claim the teacher) nor, cheaply, the PIN.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**12, 8, 1
SALT_BYTES = 16
_MAXMEM = 32 * 1024 * 1024


@dataclass(frozen=True)
class PinHash:
    """What the teacher row keeps: ``pin_hash``, ``pin_salt`` (hex) and ``pin_params``."""

    hash: str
    salt: str
    params: str


def hash_verifier(verifier: str, *, salt: bytes | None = None) -> PinHash:
    """Hashes a PIN verifier (64 hex digits) with a new random salt."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = _scrypt(verifier, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return PinHash(digest, salt.hex(), f"scrypt:n={SCRYPT_N},r={SCRYPT_R},p={SCRYPT_P}")


def verifier_matches(verifier: str, stored: PinHash) -> bool:
    """Whether ``verifier`` is the one ``stored`` was made from (constant-time compare).

    Raises:
        ValueError: ``stored.params`` is not a scrypt parameter string this server wrote.
    """
    n, r, p = _parse_params(stored.params)
    digest = _scrypt(verifier, bytes.fromhex(stored.salt), n, r, p)
    return hmac.compare_digest(digest, stored.hash)


def verifier_sha256(verifier: str) -> str:
    """What a stored profile record holds instead of the verifier."""
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def _scrypt(verifier: str, salt: bytes, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(
        verifier.encode("ascii"), salt=salt, n=n, r=r, p=p, maxmem=_MAXMEM, dklen=32
    ).hex()


def _parse_params(params: str) -> tuple[int, int, int]:
    name, _, rest = params.partition(":")
    fields = dict(part.split("=", 1) for part in rest.split(",") if "=" in part)
    if name != "scrypt" or set(fields) != {"n", "r", "p"}:
        raise ValueError(f"unknown PIN hash parameters {params!r}")
    return int(fields["n"]), int(fields["r"]), int(fields["p"])
