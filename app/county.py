"""The county profile this copy of Lamplight was built for: who the county is, where its server
is, whose packs it trusts, how the app is named, and its rules for the network.

A county's installer carries its profile as ``assets/county.toml`` (``build_installer.py`` puts
it there from ``counties/<code>.toml``; see ``docs/counties.md``). A source checkout carries the
demo county's. Without a file nothing is restricted and no pack is trusted. The settings screen
may override the download rules, per PC (see :mod:`app.sync.policy`).

Example::

    [county]
    code = "demo"                 # lower-case letters, digits and "-"
    name = "灯火演示县"

    [server]
    url = "http://10.1.2.3:8765"  # the county server; a PC can still be pointed elsewhere

    [signing]
    public_keys = ["ed25519:Fqy9ST/yf+iGCuVoSA2QGhXzVCf9NAYSuwq1kAo8M2s="]

    [app]
    display_name = { zh_CN = "灯火研修 · 演示县", en = "Lamplight - Demo County" }
    logo = "demo-logo.png"        # PNG or SVG, relative to this file
    language = "zh_CN"            # the default when nobody chose one ("" = the system's)

    [sync]
    window = "18:00-07:00"        # local time; downloads wait outside it ("" = any time)
    max_rate = "2 Mbit/s"         # bandwidth cap for downloads ("" = none)
    reserve = "1 GB"              # disk space always left free

    [starter]
    pack = "packs/starter"        # a signed course pack shipped inside the installer (optional)

Every table and setting is optional when the app reads a profile; :func:`missing_for_installer`
names what a county installer must have. A misspelt table or setting is an error, so a typo
cannot silently drop a rule.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

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
#: The languages the app is translated into; a profile's ``language`` must be one of them.
LANGUAGES = ("zh_CN", "en")
CODE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
LOGO_SUFFIXES = (".png", ".svg")

#: Every table a profile may have, and the settings each may hold.
_SCHEMA: dict[str, tuple[str, ...]] = {
    "county": ("code", "name"),
    "server": ("url",),
    "signing": ("public_keys",),
    "app": ("display_name", "logo", "language"),
    "sync": ("window", "max_rate", "reserve"),
    "starter": ("pack",),
}


class CountyProfileError(ValueError):
    """The county profile cannot be read; the message names the file and the field."""


@dataclass(frozen=True)
class CountyProfile:
    code: str = ""
    name: str = ""
    #: The county server's address ("" = none known; the teacher or IT person types it).
    server_url: str = ""
    #: Keys whose signatures on course packs this PC trusts (none: no pack is taken).
    signing_keys: tuple[Ed25519PublicKey, ...] = ()
    #: The app's name per language (``zh_CN``, ``en``); empty: "Lamplight".
    display_names: Mapping[str, str] = field(default_factory=dict)
    #: The county's logo (PNG or SVG), shown in the window's header and as its icon.
    logo: Path | None = None
    #: The app's language when none was chosen ("" = the system's).
    language: str = ""
    downloads: DownloadPolicy = field(default_factory=DownloadPolicy)
    #: A signed course pack imported at first start (the installer's starter content).
    starter_pack: Path | None = None
    #: The file this profile was read from.
    source: Path | None = None

    def display_name(self, language: str) -> str:
        """The app's name in ``language`` (else in the other language; "" if none given)."""
        if language in self.display_names:
            return self.display_names[language]
        return next(iter(self.display_names.values()), "")


def load_county(path: Path | None = None) -> CountyProfile:
    """Reads the county profile (``assets/county.toml`` unless ``path``); none: no rules.

    Relative paths in it (``logo``, ``pack``) are taken from the profile's folder; they are not
    checked here (see :func:`missing_for_installer`).

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
    reader = _Reader(path, data)
    folder = path.parent
    code = reader.text("county", "code")
    if code and not CODE_PATTERN.fullmatch(code):
        raise reader.error(
            "county",
            "code",
            f"{code!r} is not a county code: use lower-case letters, digits and '-' "
            '(at most 32), e.g. "shiqiao"',
        )
    server_url = reader.text("server", "url").rstrip("/")
    if server_url:
        _check_url(reader, server_url)
    language = reader.text("app", "language")
    if language and language not in LANGUAGES:
        raise reader.error(
            "app", "language", f'{language!r}: expected one of {", ".join(LANGUAGES)} or ""'
        )
    logo = reader.text("app", "logo")
    if logo and Path(logo).suffix.lower() not in LOGO_SUFFIXES:
        raise reader.error("app", "logo", f"{logo!r}: the logo must be a .png or .svg file")
    pack = reader.text("starter", "pack")
    return CountyProfile(
        code=code,
        name=reader.text("county", "name"),
        server_url=server_url,
        signing_keys=reader.keys(),
        display_names=reader.display_names(),
        logo=folder / logo if logo else None,
        language=language,
        downloads=reader.policy(),
        starter_pack=folder / pack if pack else None,
        source=path,
    )


def missing_for_installer(profile: CountyProfile) -> list[str]:
    """What a county installer's profile lacks, one plain sentence each (empty: complete).

    A county build must say who the county is, where its server is, whose packs to trust and
    what the app is called; the logo and the starter pack, when named, must be there.
    """
    where = str(profile.source) if profile.source else "the county profile"
    problems: list[str] = []
    if not profile.code:
        problems.append(f'{where}: [county] code is missing (e.g. code = "shiqiao")')
    if not profile.name:
        problems.append(f'{where}: [county] name is missing (e.g. name = "石桥县")')
    if not profile.server_url:
        problems.append(f'{where}: [server] url is missing (e.g. url = "http://10.1.2.3:8765")')
    if not profile.signing_keys:
        problems.append(
            f"{where}: [signing] public_keys is empty: add the key that "
            "`python -m server keys show` prints on the county server"
        )
    if not profile.display_names:
        problems.append(
            f'{where}: [app] display_name is missing (e.g. display_name = "灯火研修 · 石桥县")'
        )
    if profile.logo is not None and not profile.logo.is_file():
        problems.append(f"{where}: [app] logo: there is no file {profile.logo}")
    if profile.starter_pack is not None and not profile.starter_pack.is_dir():
        problems.append(f"{where}: [starter] pack: there is no folder {profile.starter_pack}")
    return problems


def _check_url(reader: _Reader, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise reader.error(
            "server", "url", f'{url!r}: expected an address such as "http://10.1.2.3:8765"'
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise reader.error("server", "url", f"{url!r}: the port is not a number") from None


class _Reader:
    """Reads one profile's tables, refusing unknown names and values of the wrong type."""

    def __init__(self, path: Path, data: dict[str, object]) -> None:
        self.path = path
        self.tables: dict[str, dict[str, object]] = {}
        for name, value in data.items():
            if name not in _SCHEMA:
                raise CountyProfileError(
                    f"{path}: [{name}] is not a profile table; expected one of "
                    + ", ".join(f"[{t}]" for t in _SCHEMA)
                )
            if not isinstance(value, dict):
                raise CountyProfileError(f"{path}: [{name}] must be a table")
            for key in value:
                if key not in _SCHEMA[name]:
                    raise CountyProfileError(
                        f"{path}: [{name}] {key}: unknown setting; expected one of "
                        + ", ".join(_SCHEMA[name])
                    )
            self.tables[name] = value

    def error(self, table: str, key: str, message: str) -> CountyProfileError:
        return CountyProfileError(f"{self.path}: [{table}] {key}: {message}")

    def text(self, table: str, key: str) -> str:
        value = self.tables.get(table, {}).get(key, "")
        if not isinstance(value, str):
            raise self.error(table, key, "must be text in quotes")
        return value.strip()

    def keys(self) -> tuple[Ed25519PublicKey, ...]:
        texts = self.tables.get("signing", {}).get("public_keys", [])
        if not isinstance(texts, list):
            raise self.error("signing", "public_keys", "must be a list of keys")
        keys: list[Ed25519PublicKey] = []
        for number, text in enumerate(texts, start=1):
            try:
                keys.append(parse_public_key(str(text)))
            except ValueError as exc:
                raise CountyProfileError(
                    f"{self.path}: [signing] public_keys[{number}]: {exc}"
                ) from None
        return tuple(keys)

    def display_names(self) -> dict[str, str]:
        value = self.tables.get("app", {}).get("display_name", "")
        if isinstance(value, str):
            return dict.fromkeys(LANGUAGES, value.strip()) if value.strip() else {}
        if not isinstance(value, dict):
            raise self.error("app", "display_name", "must be text, or a table by language")
        names: dict[str, str] = {}
        for language, name in value.items():
            if language not in LANGUAGES:
                raise self.error(
                    "app",
                    "display_name",
                    f"{language!r} is not a language; expected {', '.join(LANGUAGES)}",
                )
            if not isinstance(name, str) or not name.strip():
                raise self.error("app", "display_name", f"{language}: must be non-empty text")
            names[language] = name.strip()
        return names

    def policy(self) -> DownloadPolicy:
        try:
            window = self.text("sync", "window")
            return DownloadPolicy(
                window=TimeWindow.parse(window) if window else None,
                max_rate=parse_rate(self.text("sync", "max_rate")),
                reserve=parse_size(self.text("sync", "reserve")) or DEFAULT_RESERVE,
            )
        except PolicyError as exc:
            raise CountyProfileError(f"{self.path}: [sync] {exc}") from exc
