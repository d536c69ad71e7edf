"""A guard for the next migration: there is an upgrade fixture (a data directory written by the
release just before this schema, see docs/upgrades.md) for the revision below ``SCHEMA_HEAD``,
and every fixture is what it says it is."""

from __future__ import annotations

import sqlite3
import subprocess
import tarfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from app.storage.db import MIGRATIONS, SCHEMA_HEAD, alembic_config, make_engine
from tests.helpers.upgrade import (
    FIXTURES,
    REPO,
    fixture_name,
    fixture_names,
    read_fixture,
)

SIZE_LIMIT = 300 * 1024


def previous_revision(tmp_path: Path) -> str:
    engine = make_engine(tmp_path / "unused.sqlite3")
    try:
        scripts = ScriptDirectory.from_config(alembic_config(engine))
        head = scripts.get_revision(SCHEMA_HEAD)
    finally:
        engine.dispose()
    assert head is not None and isinstance(head.down_revision, str)
    return head.down_revision


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else ""


def commit_at(revision: str) -> str:
    """The last commit whose newest client migration is ``revision``: the parent of the commit
    that added the head migration, or this checkout's HEAD while that one is not committed."""
    [head_script] = (MIGRATIONS / "versions").glob(f"{SCHEMA_HEAD}_*.py")
    path = head_script.relative_to(REPO).as_posix()
    added = _git("log", "--diff-filter=A", "--format=%H", "-n", "1", "--", path)
    commit = _git("rev-parse", "--verify", f"{added}^" if added else "HEAD")
    return commit or "<the last commit whose newest migration is " + revision + ">"


def test_there_is_an_upgrade_fixture_for_the_revision_below_the_head(tmp_path: Path) -> None:
    previous = previous_revision(tmp_path)
    name = fixture_name(previous)
    if not (FIXTURES / name).is_file():
        pytest.fail(
            f"Client schema {SCHEMA_HEAD} needs an upgrade test from {previous}: there is no "
            f"tests/fixtures/upgrade/{name}. Make it with the code of schema {previous}, then "
            "commit the archive (see docs/upgrades.md):\n\n"
            f"    .venv/bin/python scripts/make_upgrade_fixture.py --revision "
            f"{commit_at(previous)} --out tests/fixtures/upgrade/{name}\n",
            pytrace=False,
        )


@pytest.mark.parametrize("name", fixture_names())
def test_every_fixture_is_a_data_directory_of_the_schema_it_names(
    name: str, tmp_path: Path
) -> None:
    fixture = read_fixture(name)
    assert name == fixture_name(fixture["revision"])
    assert fixture["revision"] != SCHEMA_HEAD
    assert any((MIGRATIONS / "versions").glob(f"{fixture['revision']}_*.py"))
    assert len(fixture["commit"]) == 40
    assert (FIXTURES / name).stat().st_size < SIZE_LIMIT
    with tarfile.open(FIXTURES / name, "r:gz") as tar:
        tar.extract(f"{fixture['data_dir']}/lamplight.sqlite3", tmp_path, filter="data")
    conn = sqlite3.connect(tmp_path / fixture["data_dir"] / "lamplight.sqlite3")
    try:
        [(written_at,)] = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    finally:
        conn.close()
    assert written_at == fixture["revision"]
    # What the tests will check is there to check.
    assert fixture["teachers"] and fixture["records"]["pending"] and fixture["content"]
    assert fixture["queue"] and any(t["failed_attempts"] for t in fixture["teachers"])
