"""``python -m server report form`` on a real data directory, on SQLite and PostgreSQL: an
anonymous survey published from its workbook, answers pushed by PCs to a running server, the
report written as XLSX, CSV and JSON and read back as a coordinator's tools read it."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import Workbook, load_workbook

from server.cli import main
from server.report_export import read_json
from wire.sync import PushResult, pin_verifier

REPO = Path(__file__).resolve().parents[3]
FORM = "teacher-needs"
# Each teacher: name, school, gender, age band, subject, then the answers.
TEACHERS: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
    ("欧阳春燕", "城关镇中心小学", "female", "under30", "数学", {"device": "phone", "hours": 2}),
    ("司马秋菊", "城关镇中心小学", "female", "30to39", "语文", {"device": "phone", "hours": 4}),
    ("诸葛冬梅", "城关镇中心小学", "male", "40to49", "数学", {"device": "computer", "hours": 6}),
    ("上官夏荷", "石桥小学", "female", "30to39", "语文", {"device": "computer", "hours": 3}),
    ("皇甫建国", "石桥小学", "male", "50plus", "英语", {"device": "computer"}),
    ("东方卫红", "石桥小学", "male", "30to39", "数学", {"device": "phone", "hours": 5}),
]


def _workbook(folder: Path) -> Path:
    """An anonymous survey: a single choice and a whole number."""
    book = Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (
        ["type", "name", "label"],
        ["select_one device", "device", "您最常用哪种设备上网？"],
        ["integer", "hours", "每周上网几小时？"],
    ):
        survey.append(row)
    choices = book.create_sheet("choices")
    for row in (
        ["list_name", "name", "label"],
        ["device", "phone", "手机"],
        ["device", "computer", "电脑"],
    ):
        choices.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "lamplight:anonymous"])
    settings.append(["教师培训需求调查", FORM, "2026030101", "yes"])
    path = folder / f"{FORM}.xlsx"
    book.save(path)
    return path


def _record(teacher: str, kind: str, data: dict[str, Any], item: str = "") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "teacher": teacher,
        "kind": kind,
        "item": item,
        "at": datetime(2026, 3, 2, 10, 30).isoformat(),
        "data": json.dumps(data, ensure_ascii=False),
    }


def _push(base_url: str, token: str, records: list[dict[str, Any]]) -> PushResult:
    body = json.dumps({"client_time": datetime(2026, 3, 2, 10, 31).isoformat(), "records": records})
    response = httpx.post(
        f"{base_url}/api/v1/sync/push",
        content=gzip.compress(body.encode()),
        headers={
            "Authorization": token,
            "Content-Encoding": "gzip",
            "Content-Type": "application/json",
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return PushResult.model_validate_json(response.content)


def _cli(county: Any, *args: str) -> list[str]:
    return [*args, "--data-dir", str(county.data_dir), "--database-url", county.database_url]


def test_a_report_in_every_format_opens_and_names_no_one(
    county: Any,
    start_server: Callable[..., Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(_cli(county, "publish-form", str(_workbook(tmp_path)))) == 0
    server = start_server(county)
    token = county.enroll()["Authorization"]
    secrets: list[str] = []
    records = []
    for name, school, gender, age_band, subject, answers in TEACHERS:
        teacher = str(uuid.uuid4())
        profile = {"name": name, "school": school, "gender": gender, "age_band": age_band}
        profile |= {"subject": subject, "pin_verifier": pin_verifier(teacher, "2468")}
        submitted = {"response": str(uuid.uuid4()), "form": FORM, "version": "2026030101"}
        submitted |= {"answers": answers, "score": None, "max_score": None, "passed": None}
        records += [
            _record(teacher, "profile.created", profile),
            _record(teacher, "form.submitted", submitted, item=f"{FORM}/{FORM}"),
        ]
        secrets += [name, teacher, submitted["response"], records[-1]["id"]]
    # One more response, to a version the server never published: kept and counted.
    records.append(
        _record(
            records[1]["teacher"],
            "form.submitted",
            {"response": str(uuid.uuid4()), "form": FORM, "version": "2025", "answers": {}},
        )
    )
    assert _push(server.base_url, token, records).accepted == len(records)

    out = tmp_path / "out"
    command = [sys.executable, "-m", "server", "report", "form", FORM, "--format", "xlsx"]
    command = _cli(county, *command, "--out", str(out / "r.xlsx"))
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("LAMPLIGHT_DATABASE_URL", None)
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.strip() == f"report of form {FORM} (7 responses) written to {out / 'r.xlsx'}"
    )
    for fmt, target in (("csv", out / "csv"), ("json", out / "r.json")):
        assert (
            main(_cli(county, "report", "form", FORM, "--format", fmt, "--out", str(target))) == 0
        )

    book = load_workbook(out / "r.xlsx")
    assert book.sheetnames[:2] == ["概况", "题目"]
    assert sum(len(sheet._charts) for sheet in book.worksheets) >= 3
    cells = {c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row}
    assert "服务器不知道的版本" in cells and "教师培训需求调查：结果报告" in cells
    report = read_json(out / "r.json")
    (form_facts,) = (t for t in report.sheets[0].tables if t.title == "表单")
    assert dict((row[0], row[1]) for row in form_facts.rows)["回答总数"] == 7
    with (out / "csv" / "index.csv").open(encoding="utf-8-sig", newline="") as stream:
        index = list(csv.reader(stream))
    assert index[0] == ["文件", "工作表", "表格", "说明"] and len(index) > 5

    texts = [(out / "r.json").read_text("utf-8")]
    texts += [p.read_text("utf-8-sig") for p in (out / "csv").iterdir()]
    with zipfile.ZipFile(out / "r.xlsx") as archive:
        texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    assert [secret for secret in secrets if any(secret in text for text in texts)] == []
    capsys.readouterr()


def test_an_unknown_form_lists_the_known_ones_and_exits_2(
    county: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = _cli(county, "report", "form", "no-such-form")
    assert main(command) == 2
    assert "none has yet" in capsys.readouterr().err

    assert main(_cli(county, "publish-form", str(_workbook(tmp_path)))) == 0
    capsys.readouterr()
    assert main(command) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: no form 'no-such-form' has been published")
    assert f"published forms: {FORM} (教师培训需求调查)" in error


def test_a_form_without_responses_gets_a_report_that_says_so(
    county: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_cli(county, "publish-form", str(_workbook(tmp_path)))) == 0
    monkeypatch.chdir(tmp_path)

    assert main(_cli(county, "report", "form", FORM, "--format", "json", "--lang", "en")) == 0

    assert "(no responses yet)" in capsys.readouterr().out
    report = read_json(tmp_path / f"{FORM}-report.json")  # the default name, here
    assert report.title == "教师培训需求调查: report"
    assert "No responses yet." in report.notes


def test_a_csv_report_replaces_its_own_files_and_spares_other_folders(
    county: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_cli(county, "publish-form", str(_workbook(tmp_path)))) == 0
    folder = tmp_path / "csv"
    report = _cli(county, "report", "form", FORM, "--format", "csv", "--out", str(folder))
    assert main(report) == 0
    stale = folder / "01-概况-表单.csv"
    assert stale.is_file()
    stale.rename(folder / "01-old.csv")
    (folder / "index.csv").write_text(
        "文件\r\n01-old.csv\r\n../escape.csv\r\n", encoding="utf-8-sig"
    )
    (tmp_path / "escape.csv").write_text("keep")

    assert main(report) == 0
    assert not (folder / "01-old.csv").exists() and stale.is_file()
    assert (tmp_path / "escape.csv").read_text() == "keep"  # only plain names in the folder

    other = tmp_path / "photos"
    other.mkdir()
    (other / "a.jpg").write_bytes(b"x")
    capsys.readouterr()
    assert main(_cli(county, "report", "form", FORM, "--format", "csv", "--out", str(other))) == 2
    assert "holds other files" in capsys.readouterr().err
    assert (other / "a.jpg").exists()
