"""Upgrade fixtures: data directories written by an older Lamplight release's own code.

Each ``tests/fixtures/upgrade/data-NNNN.tar.gz`` was made by ``scripts/make_upgrade_fixture.py``
from the last commit at client schema ``NNNN``. It holds ``FIXTURE.json`` (what that release
wrote: the tests' expectations), ``pc/`` (a shared school PC's data directory) and ``county/``
(the county server's data directory that PC synced with).
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "upgrade"
FIXTURE_FILE = "FIXTURE.json"


def fixture_names() -> list[str]:
    """Every upgrade fixture there is, oldest schema first."""
    return sorted(p.name for p in FIXTURES.glob("data-*.tar.gz"))


#: The newest fixture: a data directory of the release just before this code.
DEFAULT = (fixture_names() or ["data-0004.tar.gz"])[-1]


def fixture_name(revision: str) -> str:
    """The archive of a data directory written at client schema ``revision``."""
    return f"data-{revision}.tar.gz"


def make_command(revision: str) -> str:
    """The command that makes the fixture for ``revision`` (the commit still to be looked up)."""
    return (
        ".venv/bin/python scripts/make_upgrade_fixture.py --revision <COMMIT> "
        f"--out tests/fixtures/upgrade/{fixture_name(revision)}"
    )


def unpack_fixture(dest: Path, name: str = DEFAULT) -> tuple[Path, dict[str, Any]]:
    """Unpacks the fixture archive ``name`` into ``dest``.

    Returns:
        The PC's data directory (``dest/pc``: give it to ``DataPaths`` or ``--data-dir``) and
        the parsed ``FIXTURE.json``. The county server's data directory is
        :func:`county_dir` ``(dest, fixture)``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(FIXTURES / name, "r:gz") as tar:
        tar.extractall(dest, filter="data")
    fixture: dict[str, Any] = json.loads((dest / FIXTURE_FILE).read_text(encoding="utf-8"))
    return dest / fixture["data_dir"], fixture


def county_dir(dest: Path, fixture: dict[str, Any]) -> Path:
    """The county server's data directory of an unpacked fixture."""
    return dest / fixture["county_dir"]


def read_fixture(name: str = DEFAULT) -> dict[str, Any]:
    """``FIXTURE.json`` of an archive, without unpacking the rest."""
    with tarfile.open(FIXTURES / name, "r:gz") as tar:
        member = tar.extractfile(FIXTURE_FILE)
        if member is None:
            raise FileNotFoundError(f"{name} has no {FIXTURE_FILE}")
        with member:
            data: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    return data
