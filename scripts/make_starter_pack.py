"""Makes a signed starter pack of the demo courses, for a demo county installer.

    python scripts/make_starter_pack.py OUT

Publishes the demo courses (and the demo survey) on a throw-away county server data folder that
holds the demo county's signing key, then writes them to ``OUT`` as a USB pack with
``python -m server export-pack --all``: the same pack a coordinator's stick carries. A real county
makes its starter pack the same way on its own server: ``python -m server export-pack OUT
--course ID...``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.demo import DemoError, demo_county_key, publish_demo  # noqa: E402


def make_starter_pack(out: Path) -> None:
    """Writes the demo courses, signed with the demo county key, as a pack in ``out``.

    Raises:
        DemoError: publishing or exporting failed (the message says which).
    """
    with tempfile.TemporaryDirectory(prefix="lamplight-starter-") as tmp:
        server_dir = Path(tmp)
        demo_county_key(server_dir)
        publish_demo(server_dir)
        result = subprocess.run(
            [sys.executable, "-m", "server", "export-pack", str(out), "--all", "--data-dir", tmp],
            capture_output=True,
            text=True,
            encoding="utf-8",
            check=False,
            cwd=REPO,
        )
        if result.returncode != 0:
            raise DemoError(f"export-pack failed:\n{result.stderr.strip()}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the pack folder to write (made if missing)")
    args = parser.parse_args()
    try:
        make_starter_pack(args.out)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"starter pack written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
