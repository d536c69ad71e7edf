"""The county profile this copy of Lamplight was built for: who the county is, whose packs
it trusts, and its rules for downloads.

A county's installer carries its profile as ``assets/county.toml`` (issue 7 adds the server and
the branding). A source checkout carries the demo county's. Without a file nothing is
restricted and no pack is trusted. The settings screen may override the download rules, per
PC (see :mod:`app.sync.policy`).

Example::

    [county]
    code = "demo"
    name = "灯火演示县"

    [signing]
    public_keys = ["ed25519:Fqy9ST/yf+iGCuVoSA2QGhXzVCf9NAYSuwq1kAo8M2s="]

    [downloads]
    window = "18:00-07:00"   # local time; downloads pause outside it ("" = any time)
    max_rate = "2 Mbit/s"    # bandwidth cap ("" = none)
    reserve = "1 GB"         # disk space always left free
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.resources import asset
from app.sync.policy import (
    DEFAULT_RESERVE,
    DownloadPolicy,
    PolicyError,
    TimeWindow,
    parse_rate,
    parse_size,
)
from wire.pack import parse_public_key

COUNTY_FILE = ("county.toml",)


class CountyProfileError(ValueError):
    """The county profile cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class CountyProfile:
    code: str = ""
    name: str = ""
    #: Keys whose signatures on course packs this PC trusts (none: no pack is taken).
    signing_keys: tuple[Ed25519PublicKey, ...] = ()
    downloads: DownloadPolicy = field(default_factory=DownloadPolicy)


def load_county(path: Path | None = None) -> CountyProfile:
    """Reads the county profile (``assets/county.toml`` unless ``path``); none: no rules.

    Raises:
        CountyProfileError: the file is there but wrong.
    """
    path = path if path is not None else asset(*COUNTY_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return CountyProfile()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CountyProfileError(f"{path}: {exc}") from exc
    county = _table(data, "county", path)
    signing = _table(data, "signing", path)
    keys: list[Ed25519PublicKey] = []
    texts = signing.get("public_keys", [])
    if not isinstance(texts, list):
        raise CountyProfileError(f"{path}: [signing] public_keys must be a list of keys")
    for number, text in enumerate(texts, start=1):
        try:
            keys.append(parse_public_key(str(text)))
        except ValueError as exc:
            raise CountyProfileError(f"{path}: [signing] public_keys[{number}]: {exc}") from None
    downloads = data.get("downloads", {})
    if not isinstance(downloads, dict):
        raise CountyProfileError(f"{path}: [downloads] must be a table")
    try:
        window = str(downloads.get("window", ""))
        policy = DownloadPolicy(
            window=TimeWindow.parse(window) if window else None,
            max_rate=parse_rate(str(downloads.get("max_rate", ""))),
            reserve=parse_size(str(downloads.get("reserve", ""))) or DEFAULT_RESERVE,
        )
    except PolicyError as exc:
        raise CountyProfileError(f"{path}: [downloads] {exc}") from exc
    return CountyProfile(
        code=str(county.get("code", "")),
        name=str(county.get("name", "")),
        signing_keys=tuple(keys),
        downloads=policy,
    )


def _table(data: dict[str, object], name: str, path: Path) -> dict[str, object]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise CountyProfileError(f"{path}: [{name}] must be a table")
    return value
