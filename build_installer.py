"""Builds Lamplight for one county: ``python build_installer.py --county counties/<code>.toml``.

    python build_installer.py --county counties/demo.toml [--pack DIR] [--setup] [--out dist]

1. Reads and checks the county profile (``docs/counties.md``); a bad or incomplete one is
   refused with every problem listed.
2. Checks the starter pack (``--pack``, else the profile's ``[starter] pack``), if any, with
   the app's own USB import against the county's keys, as a school PC would.
3. Stages the county's assets (profile, logo, icon, pack) and runs PyInstaller on
   ``installer/lamplight.spec``: a one-folder build of the client for this system, named
   ``Lamplight-<county>-<version>-<os>``, the version read from the package (``wire``).
4. Runs the build's ``--self-test`` on a fresh data folder; a build that fails it is reported
   as failed.
5. With ``--setup`` (Windows), wraps the folder in an Inno Setup installer
   (``installer/inno.py``); with ``--archive``, packs it in one file to carry to the PCs
   (``.zip`` on Windows, ``.tar.gz`` elsewhere: symbolic links and permissions kept).

Exit status: 0 built and self-tested; 1 the build or its self-test failed; 2 the profile or
the starter pack is wrong (nothing was built).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO))

from app.county import CountyProfileError, load_county, missing_for_installer  # noqa: E402
from installer.stage import BuildError, ProfileError, Staged, stage  # noqa: E402
from wire import __version__  # noqa: E402

SPEC = REPO / "installer" / "lamplight.spec"
EXIT_OK, EXIT_FAILED, EXIT_PROFILE = 0, 1, 2
SELF_TEST_TIMEOUT_S = 300


def os_name() -> str:
    return {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")


def build_name(county_code: str, version: str = __version__) -> str:
    return f"Lamplight-{county_code}-{version}-{os_name()}"


def cli_executable(folder: Path) -> Path:
    """The build's program for commands (a console program on every system)."""
    if sys.platform == "win32":
        return folder / "lamplight-cli.exe"
    return folder / "Lamplight"


@dataclass(frozen=True)
class Build:
    folder: Path
    staged: Staged
    seconds: float
    size: int


def folder_size(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    return total


def read_profile(county: Path, pack: Path | None) -> tuple[Staged, Path]:
    """Checks the profile and the pack, and stages them; returns them and the work folder.

    Raises:
        ProfileError: the profile or the pack is wrong (every problem in the message).
    """
    try:
        profile = load_county(county)
    except CountyProfileError as exc:
        raise ProfileError(str(exc)) from exc
    if not county.is_file():
        raise ProfileError(f"there is no county profile {county}")
    problems = missing_for_installer(profile)
    if pack is not None and not pack.is_dir():
        problems.append(f"--pack: there is no folder {pack}")
    if problems:
        raise ProfileError("the county profile is not complete:\n  " + "\n  ".join(problems))
    work = REPO / "build" / "installer" / profile.code
    staged = stage(profile, pack or profile.starter_pack, work / "assets")
    return staged, work


def run_pyinstaller(staged: Staged, work: Path, out: Path, log: Path) -> Path:
    """Runs PyInstaller; returns the build folder, renamed to its final name.

    Raises:
        BuildError: PyInstaller failed (the end of its log is in the message).
    """
    icon = ""
    if sys.platform == "win32":
        from installer.icon import make_icon

        logo = staged.profile.logo or REPO / "assets" / "icons" / "lamplight.png"
        icon = str(make_icon(logo, work / "lamplight.ico"))
    env = {**os.environ, "LAMPLIGHT_STAGE": str(staged.folder), "LAMPLIGHT_ICON": icon}
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm", "--clean"]
    command += ["--distpath", str(work / "dist"), "--workpath", str(work / "pyinstaller")]
    with log.open("w", encoding="utf-8") as output:
        result = subprocess.run(
            command, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=REPO, check=False
        )
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-25:]
        raise BuildError("PyInstaller failed:\n" + "\n".join(tail) + f"\n(full log: {log})")
    final = out / build_name(staged.profile.code)
    if final.exists():
        shutil.rmtree(final)
    out.mkdir(parents=True, exist_ok=True)
    shutil.move(str(work / "dist" / "Lamplight"), final)
    return final


#: Libraries whose debug symbols are stripped on Linux (~30 MB; libpython alone ~18 MB). Qt's
#: and FFmpeg's are left as the wheels ship them: stripping the FFmpeg ones breaks them.
STRIPPED = (
    "libpython3*.so*",
    "python3*/lib-dynload/*.so",
    "sqlalchemy/**/*.so",
    "cryptography/**/*.so",
    "pydantic_core/*.so",
)


def strip_debug_symbols(folder: Path) -> int:
    """Strips debug symbols (``strip --strip-debug``) from :data:`STRIPPED`; returns the bytes
    saved (0 off Linux or without ``strip``: the build is bigger, not broken)."""
    strip = shutil.which("strip")
    if not sys.platform.startswith("linux") or strip is None:
        return 0
    internal = folder / "_internal"
    files = sorted({p for pattern in STRIPPED for p in internal.glob(pattern) if p.is_file()})
    before = sum(p.stat().st_size for p in files)
    subprocess.run([strip, "--strip-debug", *map(str, files)], check=True)
    return before - sum(p.stat().st_size for p in files)


def self_test(folder: Path, data_dir: Path | None = None) -> tuple[int, str]:
    """Runs the build's ``--self-test`` on ``data_dir`` (default: a fresh folder); returns its
    exit status and report."""
    with tempfile.TemporaryDirectory(prefix="lamplight-self-test-") as tmp:
        data = data_dir or Path(tmp) / "data"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONIOENCODING": "utf-8"}
        try:
            result = subprocess.run(
                [str(cli_executable(folder)), "--self-test", "--data-dir", str(data)],
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                env=env,
                timeout=SELF_TEST_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return EXIT_FAILED, f"the self-test did not finish within {SELF_TEST_TIMEOUT_S} s"
        report = data / "logs" / "self-test.txt"
        text = report.read_text(encoding="utf-8") if report.is_file() else result.stdout
        if result.returncode != 0 and not text.strip():
            text = result.stderr[-4000:]
        return result.returncode, text


def build(
    county: Path, pack: Path | None, out: Path, *, setup: bool = False, archive: bool = False
) -> Build:
    """The whole build (see the module doc).

    Raises:
        BuildError: anything that stopped it; the message says what and what to do.
    """
    started = time.monotonic()
    staged, work = read_profile(county, pack)
    profile = staged.profile
    print(f"Building Lamplight {__version__} for {profile.name} ({profile.code}), {os_name()}")
    if staged.starter_courses:
        print(
            f"  starter pack: {staged.starter_courses} course(s), "
            f"{staged.starter_bytes / 1e6:.1f} MB, every signature and file verified"
        )
    log = work / "pyinstaller.log"
    folder = run_pyinstaller(staged, work, out, log)
    saved = strip_debug_symbols(folder)
    if saved:
        print(f"  debug symbols stripped: {saved / 1e6:.0f} MB")
    status, report = self_test(folder)
    print("  " + report.strip().replace("\n", "\n  "))
    if status != 0:
        raise BuildError(f"the build in {folder} failed its self-test (exit {status})")
    if setup:
        make_setup(folder, staged, work, out)
    if archive:
        print(f"  archive: {make_archive(folder)}")
    return Build(
        folder=folder, staged=staged, seconds=time.monotonic() - started, size=folder_size(folder)
    )


def make_archive(folder: Path) -> Path:
    """Packs the build folder into one file next to it, the folder itself at its top."""
    kind = "zip" if sys.platform == "win32" else "gztar"
    made = shutil.make_archive(str(folder), kind, root_dir=folder.parent, base_dir=folder.name)
    return Path(made)


def make_setup(folder: Path, staged: Staged, work: Path, out: Path) -> Path:
    if sys.platform != "win32":
        raise BuildError(
            "--setup makes the Windows installer and runs on Windows only "
            "(see docs/windows-installer.md)"
        )
    from installer.inno import InnoSetupError, build_windows_setup

    profile = staged.profile
    try:
        setup = build_windows_setup(
            folder,
            county_code=profile.code,
            county_name=profile.name,
            display_name=profile.display_name("zh_CN") or "Lamplight",
            version=__version__,
            out_dir=out,
            icon=work / "lamplight.ico",
        )
    except InnoSetupError as exc:
        raise BuildError(str(exc)) from exc
    print(f"  installer: {setup}")
    return setup


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python build_installer.py",
        description="Build Lamplight for one county (a one-folder app for this system).",
    )
    parser.add_argument(
        "--county", type=Path, required=True, metavar="FILE", help="counties/<code>.toml"
    )
    parser.add_argument(
        "--pack", type=Path, metavar="DIR", help="a signed course pack to ship as starter content"
    )
    parser.add_argument(
        "--out", type=Path, default=REPO / "dist", metavar="DIR", help="where (default: dist/)"
    )
    parser.add_argument(
        "--setup", action="store_true", help="also make the Windows installer (Windows only)"
    )
    parser.add_argument(
        "--archive",
        action="store_true",
        help="also pack the build in one .tar.gz (.zip on Windows)",
    )
    args = parser.parse_args(argv)
    try:
        result = build(
            args.county, args.pack, args.out.resolve(), setup=args.setup, archive=args.archive
        )
    except ProfileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_PROFILE
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(
        f"Built {result.folder} ({result.size / 1e6:.0f} MB) in {result.seconds:.0f} s; "
        "copy that folder to a PC and start Lamplight in it"
    )
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
