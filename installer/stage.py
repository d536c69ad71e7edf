"""What goes into a county build besides the code: the county's profile, logo, icon and starter
pack, staged in one folder that the PyInstaller spec merges into the build's ``assets/``.

The staged ``county.toml`` is the county's profile as the app reads it, rewritten so its paths
point inside the build: the logo becomes ``county-logo.<ext>`` and the starter pack
``starter-pack/``, both next to it.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from app.context import AppContext
from app.county import CountyProfile, load_county
from app.paths import DataPaths
from app.sync.pack_import import CourseState, StopReason, import_pack, scan_pack
from wire.pack import PackError, find_pack, key_id, public_key_text

STAGED_LOGO = "county-logo"
STAGED_PACK = "starter-pack"


class BuildError(Exception):
    """The build cannot go on; the message says what is wrong and what to do."""


class ProfileError(BuildError):
    """The county profile or the starter pack is wrong: nothing was built."""


@dataclass(frozen=True)
class Staged:
    folder: Path
    profile: CountyProfile
    #: Courses in the starter pack (0: none shipped).
    starter_courses: int
    starter_bytes: int


def profile_document(profile: CountyProfile, *, logo: str, pack: str) -> dict[str, object]:
    """The profile as a TOML document, with the build's own paths for the logo and the pack."""
    document: dict[str, object] = {
        "county": {"code": profile.code, "name": profile.name},
        "server": {"url": profile.server_url},
        "signing": {"public_keys": [public_key_text(k) for k in profile.signing_keys]},
        "app": {
            "display_name": dict(profile.display_names),
            "logo": logo,
            "language": profile.language,
        },
        "sync": {
            "window": str(profile.downloads.window) if profile.downloads.window else "",
            "max_rate": f"{profile.downloads.max_rate} B/s" if profile.downloads.max_rate else "",
            "reserve": f"{profile.downloads.reserve} B",
        },
    }
    if pack:
        document["starter"] = {"pack": pack}
    return document


def stage(profile: CountyProfile, pack: Path | None, folder: Path) -> Staged:
    """Writes the county's assets into ``folder`` (emptied first) and reads the staged profile
    back, so the build carries exactly what the app will read.

    Raises:
        ProfileError: the starter pack is not this county's, or is damaged.
    """
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    logo = ""
    if profile.logo is not None:
        logo = STAGED_LOGO + profile.logo.suffix.lower()
        shutil.copyfile(profile.logo, folder / logo)
    courses = size = 0
    if pack is not None:
        courses, size = check_starter_pack(pack, profile)
        shutil.copytree(find_pack(pack) or pack, folder / STAGED_PACK)
    header = (
        f"# The county profile built into this Lamplight: {profile.name} ({profile.code}).\n"
        f"# Made by build_installer.py from {profile.source.name if profile.source else '?'};\n"
        "# see docs/counties.md. Trusted keys: "
        + ", ".join(key_id(k) for k in profile.signing_keys)
        + "\n\n"
    )
    document = profile_document(profile, logo=logo, pack=STAGED_PACK if pack else "")
    (folder / "county.toml").write_text(header + tomli_w.dumps(document), encoding="utf-8")
    staged = load_county(folder / "county.toml")
    return Staged(folder=folder, profile=staged, starter_courses=courses, starter_bytes=size)


def check_starter_pack(pack: Path, profile: CountyProfile) -> tuple[int, int]:
    """Imports ``pack`` into a throw-away data folder with the app's own USB import, against
    the county's keys: every signature and every file's sha256 is checked as on a school PC.
    Returns the number of courses and their bytes.

    Raises:
        ProfileError: not a pack, a course refused (signature, another county, damaged file).
    """
    root = find_pack(pack)
    if root is None:
        raise ProfileError(
            f"{pack} is not a course pack (there is no lamplight-pack.json in it or in its "
            "lamplight folder); make one with `python -m server export-pack`"
        )
    with tempfile.TemporaryDirectory(prefix="lamplight-pack-check-") as tmp:
        context = AppContext.open(DataPaths(Path(tmp)).ensure(), county=profile)
        try:
            try:
                plan = scan_pack(root, context.db, context.content, profile)
            except PackError as exc:
                raise ProfileError(f"the starter pack {pack} cannot be read: {exc.detail}") from exc
            refused = [c for c in plan.courses if c.state == CourseState.PROBLEM]
            if refused:
                reasons = "; ".join(
                    f"{c.id}: {c.problem.detail if c.problem else 'refused'}" for c in refused
                )
                raise ProfileError(
                    f"the starter pack {pack} has courses a school PC would refuse ({reasons}). "
                    f"Make it again on the county server of {profile.code} "
                    "(`python -m server export-pack`), signed with the key in the profile."
                )
            if not plan.courses:
                raise ProfileError(f"the starter pack {pack} holds no course")
            report = import_pack(plan, plan.importable(), context.db, context.content, profile)
            if report.failed:
                reasons = "; ".join(f"{c}: {e.detail}" for c, e in sorted(report.failed.items()))
                raise ProfileError(f"the starter pack {pack} has damaged courses ({reasons})")
            if report.stopped != StopReason.DONE:
                raise ProfileError(f"checking the starter pack {pack} stopped: {report.message}")
            return len(plan.courses), sum(c.size for c in plan.courses)
        finally:
            context.close()
