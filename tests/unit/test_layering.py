"""The layers below the UI never load Qt: storage, sync, the wire formats and the server.

Each package is imported, with every submodule, in a fresh interpreter, which then reports what
ended up in ``sys.modules``. A second test reads the source, so an import hidden inside a
function (never run by a plain import) is caught too.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "app.ui")
LAYERS = ("app.storage", "app.sync", "wire", "server")

# Imports every submodule of one package (not Alembic's migration scripts, which only run inside
# Alembic, nor ``__main__``, which would start the program) and prints what was loaded.
CHECK = """
import importlib, json, pkgutil, sys

name = sys.argv[1]
try:
    package = importlib.import_module(name)
except ImportError as exc:
    print(json.dumps({"unimportable": repr(exc)}))
    raise SystemExit(0)
imported = [name]
for info in pkgutil.walk_packages(package.__path__, name + "."):
    parts = info.name.split(".")
    if "migrations" in parts or parts[-1] == "__main__":
        continue
    importlib.import_module(info.name)
    imported.append(info.name)
print(json.dumps({"imported": imported, "loaded": sorted(sys.modules)}))
"""


def _is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def _present(package: str) -> bool:
    top = REPO / package.replace(".", "/")
    return (top / "__init__.py").is_file()


@pytest.mark.parametrize("package", LAYERS)
def test_importing_a_layer_loads_no_qt(package: str) -> None:
    if not _present(package):
        pytest.skip(f"{package} is not in this tree yet")
    result = subprocess.run(
        [sys.executable, "-c", CHECK, package],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    if "unimportable" in report:
        if package == "server":
            pytest.skip(f"server is not importable here: {report['unimportable']}")
        pytest.fail(f"{package} cannot be imported: {report['unimportable']}")

    assert package in report["imported"]
    if package == "app.storage":  # the modules this test exists for
        for module in ("db", "models", "profiles", "progress", "catalog", "content", "settings"):
            assert f"app.storage.{module}" in report["imported"]
    assert [m for m in report["loaded"] if _is_forbidden(m)] == []


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_no_layer_imports_qt_or_the_ui_anywhere_in_its_source(package: str) -> None:
    folder = REPO / package.replace(".", "/")
    if not folder.is_dir():
        pytest.skip(f"{package} is not in this tree yet")
    offending = [
        f"{path.relative_to(REPO).as_posix()}:{line}: {module}"
        for path in sorted(folder.rglob("*.py"))
        for line, module in _imports(path)
        if _is_forbidden(module)
    ]
    assert offending == []


def test_the_check_itself_sees_qt(tmp_path: Path) -> None:
    """The subprocess check would notice a layer that imports Qt."""
    if importlib.util.find_spec("PySide6") is None:
        pytest.skip("PySide6 is not installed")
    fake = tmp_path / "leaky_layer"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    (fake / "widgets.py").write_text("import PySide6.QtCore\n")
    result = subprocess.run(
        [sys.executable, "-c", CHECK, "leaky_layer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "leaky_layer.widgets" in report["imported"]
    assert any(_is_forbidden(m) for m in report["loaded"])
