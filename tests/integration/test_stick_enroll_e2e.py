"""A school that never sees the network, end to end with the real parts: the county issues a
credential onto the stick (``python -m server devices issue``), the school PC enrolls from it
(``python -m app enroll --from-stick``), its teachers' progress goes to the county on the same
stick (``export-bundle`` / ``import-bundle``), and the receipt coming back leaves nothing
waiting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.storage import settings
from app.sync.bundles import waiting
from tests.helpers.pcs import add_events, add_teacher, new_pc, server_database_url, server_query
from tests.helpers.server_process import add_school

REPO = Path(__file__).resolve().parents[2]
DEMO_KEY = REPO / "assets" / "demo" / "demo-county-signing-key.pem"
SCHOOL = "石桥镇中心小学"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=120,
        check=False,
    )


def has_issue_command() -> bool:
    done = run("server", "devices", "issue", "--help")
    return done.returncode == 0


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.skipif(not has_issue_command(), reason="needs `server devices issue`")
def test_a_pc_with_no_network_enrolls_from_the_stick_and_its_progress_reaches_the_county(
    tmp_path: Path,
) -> None:
    county = tmp_path / "county"
    add_school(county, SCHOOL)
    keys = run(
        *("server", "keys", "init", "--county", "demo", "--from-pem", str(DEMO_KEY)),
        *("--data-dir", str(county)),
    )
    assert keys.returncode == 0, keys.stderr
    stick = tmp_path / "stick"
    (stick / "photos").mkdir(parents=True)  # a stick with other files: the pack goes in lamplight/
    issued = run(
        *("server", "devices", "issue", "--school", SCHOOL, "--count", "1", str(stick)),
        *("--data-dir", str(county)),
    )
    assert issued.returncode == 0, issued.stderr
    [credential_file] = list((stick / "lamplight" / "enroll").glob("*.json"))
    device_id = credential_file.stem

    pc = new_pc(tmp_path / "pcs", "", None, "pc-a")  # no server: it never sees the network
    try:
        enrolled = run(
            *("app", "enroll", "--from-stick", str(stick), "--json"),
            *("--data-dir", str(pc.paths.root)),
        )
        assert enrolled.returncode == 0, enrolled.stderr
        assert last_json(enrolled)["school"] == SCHOOL
        assert last_json(enrolled)["device_id"] == device_id
        assert not credential_file.exists()  # no second PC can take it

        teacher = add_teacher(pc, "王老师")
        made = add_events(pc, teacher, 12)
        assert waiting(pc.db).records == 13  # the profile, and twelve records

        sent = run("app", "export-bundle", str(stick), "--json", "--data-dir", str(pc.paths.root))
        assert sent.returncode == 0, sent.stderr
        bundle = last_json(sent)["bundle"]
        assert isinstance(bundle, dict) and bundle["records"] == 13

        imported = run("server", "import-bundle", str(stick), "--data-dir", str(county))
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert "13 new, 0 already here, 0 refused" in imported.stdout
        url = server_database_url(county, None)
        stored = [row[0] for row in server_query(url, "SELECT id FROM record")]
        assert set(made) <= set(stored) and len(stored) == len(set(stored)) == 13

        back = run("app", "export-bundle", str(stick), "--json", "--data-dir", str(pc.paths.root))
        assert back.returncode == 0, back.stderr
        answer = last_json(back)
        assert answer["receipts"] == {"bundles": 1, "records_delivered": 13, "problems": []}
        assert answer["bundle"] is None
        assert pc.setting(settings.PUSH_CURSOR) > 0
        assert waiting(pc.db).records == 0
    finally:
        pc.close()
