"""The Windows installer around a county's one-folder build, made with Inno Setup 6.

``build_installer.py --setup`` calls :func:`build_windows_setup` on Windows: it runs Inno Setup's
command-line compiler (ISCC) on ``installer/windows/lamplight.iss`` with the county's values as
``/D`` defines and returns the setup program, ``Lamplight-<county>-<version>-windows-setup.exe``.
:func:`iscc_command` builds that command line on any system, so it is tested on Linux too.

Each county's installer has its own AppId (:func:`app_id`, derived from the county code): two
counties' installers never replace each other, and a newer installer of the same county
upgrades the older one in place.

Setup speaks Simplified Chinese and English. Inno Setup ships no Simplified Chinese (it is one
of its "unofficial" translations), so ``ChineseSimplified.isl`` is fetched from Inno Setup's own
repository at a fixed release and checked by its SHA-256 (:func:`fetch_chinese_messages`); see
``docs/windows-installer.md``.

Pure Python: no Qt, and nothing here runs Windows-only code until ISCC is started.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

from app.county import CODE_PATTERN

SCRIPT = Path(__file__).resolve().parent / "windows" / "lamplight.iss"
#: The program teachers start (the build's windowed executable).
EXE_NAME = "Lamplight.exe"
CHINESE_MESSAGES = "ChineseSimplified.isl"
#: Where :func:`fetch_chinese_messages` puts the translation (found there first).
CHINESE_MESSAGES_DEFAULT = SCRIPT.parent / CHINESE_MESSAGES
#: Inno Setup 6.7.3's copy; its messages are those of Inno Setup 6.5.0 and later.
CHINESE_MESSAGES_URL = (
    "https://raw.githubusercontent.com/jrsoftware/issrc/is-6_7_3/"
    "Files/Languages/Unofficial/ChineseSimplified.isl"
)
CHINESE_MESSAGES_SHA256 = "7d544b9bb1d142cfa11f2e5d3cc8abe2e55f8e066c5124e3772675aa236e1278"
INNO_SETUP_URL = "https://jrsoftware.org/isdl.php"
#: Never change it: every county's AppId is derived from it, and with another one an upgrade
#: would install beside the old version instead of replacing it.
APP_ID_NAMESPACE = uuid.UUID("6fb51a07-6a77-4eff-aded-fa11b712a68b")
#: Inno Setup's usual homes under Program Files (and a per-user install's).
_INNO_FOLDERS = ("Inno Setup 6", "Inno Setup 7")
_VERSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z.+-]{0,63}")
#: Inno Setup would read braces as its {constants}; ISCC cannot take a quote in a define.
_NEVER_IN_DEFINES = set('"{}')
#: Characters Windows refuses in a file name (the shortcuts are named after display_name).
_NOT_IN_FILE_NAMES = set('\\/:*?"<>|')


class InnoSetupError(RuntimeError):
    """The Windows installer cannot be made; the message says what to install or fix."""


def app_id(county_code: str) -> str:
    """The installer's AppId for a county: a GUID (upper case, no braces) fixed by the code.

    Every version of one county's installer has the same AppId, so Setup upgrades in place;
    other counties' differ, so their installations never replace each other.
    """
    _check_code(county_code)
    return str(uuid.uuid5(APP_ID_NAMESPACE, f"lamplight-county:{county_code}")).upper()


def setup_basename(county_code: str, version: str) -> str:
    """The setup program's name without ``.exe``: ``Lamplight-<county>-<version>-windows-setup``."""
    return f"Lamplight-{county_code}-{version}-windows-setup"


def find_iscc() -> Path | None:
    """Inno Setup's command-line compiler: on ``PATH``, else where its installer puts it."""
    for name in ("ISCC", "iscc", "ISCC.exe", "iscc.exe"):
        found = shutil.which(name)
        if found:
            return Path(found)
    for candidate in _installed_candidates():
        if candidate.is_file():
            return candidate
    return None


def find_chinese_messages(iscc: Path | None = None) -> Path | None:
    """``ChineseSimplified.isl``: next to ``lamplight.iss``, else in Inno Setup's languages."""
    candidates = [CHINESE_MESSAGES_DEFAULT]
    if iscc is not None:
        languages = iscc.parent / "Languages"
        candidates += [languages / CHINESE_MESSAGES, languages / "Unofficial" / CHINESE_MESSAGES]
    return next((path for path in candidates if path.is_file()), None)


def fetch_chinese_messages(dest: Path = CHINESE_MESSAGES_DEFAULT, *, timeout: float = 60) -> Path:
    """Downloads Inno Setup's Simplified Chinese messages to ``dest``, checked by SHA-256.

    Raises:
        InnoSetupError: the download failed, or the file is not the expected one.
    """
    try:
        with urllib.request.urlopen(CHINESE_MESSAGES_URL, timeout=timeout) as response:
            data = response.read()
    except OSError as exc:
        raise InnoSetupError(
            f"cannot download {CHINESE_MESSAGES_URL}: {exc}; "
            f"save that file as {dest} by hand (see docs/windows-installer.md)"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != CHINESE_MESSAGES_SHA256:
        raise InnoSetupError(
            f"{CHINESE_MESSAGES_URL} is not the expected file (SHA-256 {digest}, expected "
            f"{CHINESE_MESSAGES_SHA256}); nothing was written"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    partial.write_bytes(data)
    partial.replace(dest)
    return dest


def iscc_command(
    build_dir: Path,
    *,
    iscc: Path,
    county_code: str,
    county_name: str,
    display_name: str,
    version: str,
    out_dir: Path,
    icon: Path | None = None,
    chinese_messages: Path | None = None,
    import_starter: bool = True,
    script: Path = SCRIPT,
) -> list[str]:
    """The ISCC command line that makes a county's setup program (nothing is checked on disk).

    Paths are made absolute: ISCC would take relative ones from the script's folder.

    Raises:
        InnoSetupError: a value that Inno Setup cannot take (the message names it).
    """
    _check_code(county_code)
    if not _VERSION.fullmatch(version):
        raise InnoSetupError(
            f"version {version!r}: use letters, digits, '.', '+' and '-' only (e.g. 0.2.0)"
        )
    if not county_name.strip():
        raise InnoSetupError("the county's name is empty")
    if not display_name.strip():
        raise InnoSetupError("the display name is empty")
    bad = sorted(set(display_name) & _NOT_IN_FILE_NAMES)
    if bad:
        raise InnoSetupError(
            f"display name {display_name!r}: the shortcuts are named after it, and Windows "
            f"refuses {' '.join(bad)} in a file name"
        )
    defines = {
        "AppVersion": version,
        "AppGuid": app_id(county_code),
        "CountyCode": county_code,
        "CountyName": county_name.strip(),
        "DisplayName": display_name.strip(),
        "SourceDir": str(build_dir.resolve()),
        "OutputDir": str(out_dir.resolve()),
        "OutputBaseFilename": setup_basename(county_code, version),
        "ImportStarter": "1" if import_starter else "0",
    }
    if icon is not None:
        defines["SetupIconFile"] = str(icon.resolve())
    if chinese_messages is not None:
        defines["ChineseIsl"] = str(chinese_messages.resolve())
    for name, value in defines.items():
        if any(ch in _NEVER_IN_DEFINES or ord(ch) < 32 for ch in value):
            raise InnoSetupError(
                f"{name} {value!r}: Inno Setup cannot take quotes, braces or control "
                "characters in it"
            )
    return [
        str(iscc),
        "/Qp",  # quiet, but for progress, warnings and errors
        *(f"/D{name}={value}" for name, value in defines.items()),
        str(script.resolve()),
    ]


def build_windows_setup(
    build_dir: Path,
    *,
    county_code: str,
    county_name: str,
    display_name: str,
    version: str,
    out_dir: Path,
    icon: Path | None = None,
    iscc: Path | None = None,
    chinese_messages: Path | None = None,
    import_starter: bool = True,
) -> Path:
    """Wraps the one-folder build in ``build_dir`` in a setup program; returns its path.

    Args:
        build_dir: the PyInstaller one-folder build (``Lamplight.exe`` and ``_internal``).
        county_name: the county's own name (shown as the publisher in "Apps & features").
        display_name: the app's name on the shortcuts and in Setup's pages.
        out_dir: where ``Lamplight-<county>-<version>-windows-setup.exe`` is written.
        icon: Setup's own icon (an ``.ico`` file; default: Inno Setup's).
        iscc: Inno Setup's compiler (default: :func:`find_iscc`).
        chinese_messages: ``ChineseSimplified.isl`` (default: :func:`find_chinese_messages`).
        import_starter: import the build's starter courses while installing.

    Raises:
        InnoSetupError: Inno Setup, the translation or the build is missing, or ISCC failed.
    """
    if iscc is None:
        iscc = find_iscc()
    if iscc is None:
        raise InnoSetupError(
            "Inno Setup's compiler (ISCC.exe) was not found on PATH nor under Program Files: "
            f"install Inno Setup 6.5 or newer from {INNO_SETUP_URL} (or `choco install "
            "innosetup`), or put the folder holding ISCC.exe on PATH"
        )
    if not (build_dir / EXE_NAME).is_file():
        raise InnoSetupError(
            f"{build_dir} is not a Windows build of Lamplight: there is no {EXE_NAME} in it"
        )
    if icon is not None and (icon.suffix.lower() != ".ico" or not icon.is_file()):
        raise InnoSetupError(f"Setup's icon must be an existing .ico file, not {icon}")
    if chinese_messages is None:
        chinese_messages = find_chinese_messages(iscc)
    if chinese_messages is None:
        raise InnoSetupError(
            f"{CHINESE_MESSAGES} (Setup's Simplified Chinese) was not found: run "
            '`python -c "from installer.inno import fetch_chinese_messages; '
            f'fetch_chinese_messages()"`, or save {CHINESE_MESSAGES_URL} as '
            f"{CHINESE_MESSAGES_DEFAULT}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    command = iscc_command(
        build_dir,
        iscc=iscc,
        county_code=county_code,
        county_name=county_name,
        display_name=display_name,
        version=version,
        out_dir=out_dir,
        icon=icon,
        chinese_messages=chinese_messages,
        import_starter=import_starter,
    )
    try:
        completed = subprocess.run(command, check=False)
    except OSError as exc:
        raise InnoSetupError(f"cannot run {iscc}: {exc}") from exc
    if completed.returncode != 0:
        raise InnoSetupError(
            f"Inno Setup failed (exit status {completed.returncode}; its messages are above): "
            + subprocess.list2cmdline(command)
        )
    setup = out_dir.resolve() / f"{setup_basename(county_code, version)}.exe"
    if not setup.is_file():
        raise InnoSetupError(f"Inno Setup finished, but {setup} is not there")
    return setup


def _check_code(county_code: str) -> None:
    if not CODE_PATTERN.fullmatch(county_code):
        raise InnoSetupError(
            f"{county_code!r} is not a county code: lower-case letters, digits and '-'"
        )


def _installed_candidates() -> list[Path]:
    roots = [os.environ.get(name) for name in ("ProgramFiles(x86)", "ProgramFiles", "ProgramW6432")]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        roots.append(str(Path(local) / "Programs"))
    return [Path(root) / folder / "ISCC.exe" for folder in _INNO_FOLDERS for root in roots if root]
