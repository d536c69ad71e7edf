"""The server stands alone: importing it loads neither Qt nor the client."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

CHECK = """
import importlib, pkgutil, sys
import server
for module in pkgutil.iter_modules(server.__path__, "server."):
    if module.name not in ("server.__main__", "server.migrations"):
        importlib.import_module(module.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "app"))
print(",".join(loaded))
"""


def test_importing_the_server_loads_no_qt_and_no_client() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
