"""The county profile this copy of Lamplight was built for: its rules for downloads, for now.

A county's installer carries its profile as ``assets/county.toml`` (issue 7 adds the server,
the signing key and the branding). A source checkout has none, and then nothing is restricted.
The settings screen may override what the profile says, per PC (see :mod:`app.sync.policy`).

Example::

    [downloads]
    window = "18:00-07:00"   # local time; downloads pause outside it ("" = any time)
    max_rate = "2 Mbit/s"    # bandwidth cap ("" = none)
    reserve = "1 GB"         # disk space always left free
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from app.resources import asset
from app.sync.policy import (
    DEFAULT_RESERVE,
    DownloadPolicy,
    PolicyError,
    TimeWindow,
    parse_rate,
    parse_size,
)

COUNTY_FILE = ("county.toml",)


class CountyProfileError(ValueError):
    """The county profile cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class CountyProfile:
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
    return CountyProfile(downloads=policy)
