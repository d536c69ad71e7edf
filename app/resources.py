"""Files shipped with Lamplight (fonts, icons, translations, demo courses), found in one place.

From a source tree they are in ``assets/`` next to the packages; in a frozen build PyInstaller
puts them under ``sys._MEIPASS``.
"""

from __future__ import annotations

import sys
from pathlib import Path


def assets_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def asset(*parts: str) -> Path:
    return assets_dir().joinpath(*parts)


FONT_FILE = ("fonts", "wqy-microhei.ttc")
TRANSLATIONS = ("translations",)
DEMO_COURSES = ("demo", "courses")
#: The demo county's private key: public on purpose, for the demo only.
DEMO_SIGNING_KEY = ("demo", "demo-county-signing-key.pem")
