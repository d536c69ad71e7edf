"""Every text a teacher sees has its Simplified Chinese translation, compiled and shipped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_every_ui_text_is_translated_and_the_qm_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/update_translations.py", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "translations complete" in result.stdout
