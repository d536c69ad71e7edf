#!/usr/bin/env python3
"""Makes an upgrade fixture: a data directory written by an older Lamplight release's own code.

Run from anywhere, with the project's virtualenv::

    .venv/bin/python scripts/make_upgrade_fixture.py --revision COMMIT \
        --out tests/fixtures/upgrade/data-NNNN.tar.gz

``COMMIT`` is the last commit whose newest client migration is ``NNNN`` (the schema this
fixture is written at); find it with::

    git log --oneline -- app/storage/migrations/versions

(the commit just before the one that added the next migration). The commit's tree is extracted
with ``git archive`` into a temporary folder, then ``scripts/upgrade_fixture_writer.py`` runs
in a subprocess of this virtualenv's Python with that old tree first on ``sys.path``: the old
county server and the old client write a shared school PC's data directory (see the writer for
what it holds). The archive holds

``FIXTURE.json``
    the commit, the schema revision, and what the old code reads back from what it wrote:
    teachers with their PINs and wrong-PIN counters, progress per item, records acknowledged and
    pending, courses and their stored files (sha256), the download queue, settings. The tests
    compare the upgraded directory with these, never with numbers of their own.
``pc/``
    the PC's data directory (``lamplight.sqlite3``, ``content/``, ``content/partial/``).
``county/``
    the county server's data directory that PC synced with (the acknowledged records are there).

The archive is deterministic in layout (sorted entries, fixed times and owners); the databases
differ from run to run only in what the server makes (tokens, ids, its clock) and PIN salts.

Whoever adds client migration ``NNNN+1`` makes ``data-NNNN.tar.gz`` with this script and commits
it (``tests/unit/storage/test_upgrade_fixtures.py`` fails until then).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WRITER = REPO / "scripts" / "upgrade_fixture_writer.py"
FIXTURE_FILE = "FIXTURE.json"
ARCHIVE_TIME = 1_767_225_600  # 2026-01-01 00:00 UTC: every entry's mtime, so re-runs match
SIZE_LIMIT = 300 * 1024


def git(*args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", *args], cwd=REPO, stdout=stdout, check=True)


def resolve_commit(revision: str) -> str:
    return git("rev-parse", "--verify", f"{revision}^{{commit}}").stdout.decode().strip()


def extract_tree(commit: str, dest: Path) -> None:
    """``git archive COMMIT | tar -x -C dest`` (tarfile, so it works without a tar binary)."""
    archive = git("archive", "--format=tar", commit).stdout
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as tar:
        tar.extractall(dest, filter="data")


def schema_head(tree: Path) -> str:
    text = (tree / "app" / "storage" / "db.py").read_text(encoding="utf-8")
    found = re.search(r'^SCHEMA_HEAD = "(\d+)"', text, re.MULTILINE)
    if found is None:
        raise SystemExit("the old tree's app/storage/db.py has no SCHEMA_HEAD")
    return found.group(1)


def run_writer(tree: Path, work: Path, commit: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONIOENCODING": "utf-8"}
    for name in ("LAMPLIGHT_DATA_DIR", "LAMPLIGHT_DATABASE_URL"):
        env.pop(name, None)
    command = [sys.executable, str(WRITER), "--tree", str(tree), "--work", str(work)]
    done = subprocess.run([*command, "--commit", commit], cwd=tree, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the writer failed (exit {done.returncode})")


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = ARCHIVE_TIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o755 if info.isdir() else 0o644
    return info


def write_archive(work: Path, out: Path) -> None:
    """``FIXTURE.json``, ``pc/`` and ``county/`` into a gzipped tar, entries sorted."""
    entries = [work / FIXTURE_FILE]
    for top in ("pc", "county"):
        entries.append(work / top)
        entries += sorted((work / top).rglob("*"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in entries:
            tar.add(path, arcname=path.relative_to(work).as_posix(), recursive=False,
                    filter=_normalized)  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
    ):
        gz.write(buffer.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--revision", required=True, help="the old release's git commit")
    parser.add_argument("--out", type=Path, required=True, help="the .tar.gz to write")
    parser.add_argument("--keep", type=Path, help="also leave the written folders here")
    args = parser.parse_args(argv)

    commit = resolve_commit(args.revision)
    with tempfile.TemporaryDirectory(prefix="lamplight-upgrade-") as temp:
        tree, work = Path(temp) / "tree", Path(temp) / "work"
        tree.mkdir()
        work.mkdir()
        extract_tree(commit, tree)
        revision = schema_head(tree)
        expected_name = f"data-{revision}.tar.gz"
        if args.out.name != expected_name:
            raise SystemExit(f"{commit[:12]} writes schema {revision}: name it {expected_name}")
        print(f"writing a data directory with {commit[:12]} (schema {revision})", flush=True)
        run_writer(tree, work, commit)
        fixture = json.loads((work / FIXTURE_FILE).read_text(encoding="utf-8"))
        if fixture["revision"] != revision or fixture["commit"] != commit:
            raise SystemExit("FIXTURE.json does not name the commit and revision it was made at")
        write_archive(work, args.out)
        if args.keep is not None:
            import shutil

            shutil.copytree(work, args.keep, dirs_exist_ok=True)
    size = args.out.stat().st_size
    print(
        f"{args.out}: {size / 1024:.0f} KiB; {len(fixture['teachers'])} teachers, "
        f"{len(fixture['records']['acknowledged'])} records acknowledged, "
        f"{len(fixture['records']['pending'])} pending, {len(fixture['content'])} files stored"
    )
    if size > SIZE_LIMIT:
        raise SystemExit(f"{args.out} is larger than {SIZE_LIMIT // 1024} KiB: keep it small")
    return 0


if __name__ == "__main__":
    sys.exit(main())
