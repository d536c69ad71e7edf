"""Refreshes the translation files after UI text changed.

1. ``pyside6-lupdate`` collects every ``tr()`` / ``translate()`` text of ``app/`` into
   ``assets/translations/lamplight_<lang>.ts`` (keeping existing translations);
2. translators fill in the new entries (Qt Linguist: ``pyside6-linguist FILE.ts``);
3. ``pyside6-lrelease`` compiles the ``.qm`` files the app loads.

Usage: python scripts/update_translations.py [--check]
``--check`` changes nothing and exits 1 if a text is untranslated or a ``.qm`` is stale
(the test suite runs the same checks).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRANSLATIONS = REPO / "assets" / "translations"
LANGUAGES = ("zh_CN",)


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the project first (scripts/bootstrap.sh)")
    return found


def sources() -> list[str]:
    return sorted(str(p.relative_to(REPO)) for p in (REPO / "app").rglob("*.py"))


def lupdate(ts: Path) -> None:
    subprocess.run(
        [
            tool("pyside6-lupdate"),
            "-no-obsolete",
            "-locations",
            "none",
            "-target-language",
            ts.stem.split("_", 1)[1],
            *sources(),
            "-ts",
            str(ts),
        ],
        cwd=REPO,
        check=True,
        capture_output=True,
    )


def lrelease(ts: Path, qm: Path) -> None:
    subprocess.run(
        [tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True
    )


def unfinished(ts: Path) -> list[str]:
    import xml.etree.ElementTree as ET

    missing = []
    for message in ET.parse(ts).getroot().iter("message"):
        translation = message.find("translation")
        source = message.findtext("source") or ""
        if (
            translation is None
            or translation.get("type") in ("unfinished", "vanished", "obsolete")
            or (
                not (translation.text or "").strip()
                and not any((f.text or "").strip() for f in translation.iter("numerusform"))
            )
        ):
            missing.append(source)
    return missing


def check() -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in LANGUAGES:
            ts = TRANSLATIONS / f"lamplight_{lang}.ts"
            copy = Path(tmp) / ts.name
            shutil.copy(ts, copy)
            lupdate(copy)
            problems += [f"{ts.name}: untranslated: {text!r}" for text in unfinished(copy)]
            qm = Path(tmp) / f"lamplight_{lang}.qm"
            lrelease(ts, qm)
            shipped = TRANSLATIONS / qm.name
            if not shipped.is_file() or shipped.read_bytes() != qm.read_bytes():
                problems.append(f"{shipped.name} is stale: run scripts/update_translations.py")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    if args.check:
        problems = check()
        print("\n".join(problems) or "translations complete")
        return 1 if problems else 0
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        ts = TRANSLATIONS / f"lamplight_{lang}.ts"
        lupdate(ts)
        left = unfinished(ts)
        lrelease(ts, TRANSLATIONS / f"lamplight_{lang}.qm")
        print(f"{ts.name}: {len(left)} untranslated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
