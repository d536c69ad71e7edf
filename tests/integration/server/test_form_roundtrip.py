"""The whole questionnaire path, with every real part: the demo survey workbook published,
a school PC answering it through the app's storage (answers saved one by one, then submitted),
the PC's sync pushing the records to a running server, and the county's report counting the
response exactly once, with no one named in it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.storage import profiles, responses
from server.cli import main
from server.devices import add_school
from server.report_export import read_json
from server.xlsform import load_xlsform
from tests.helpers.pcs import new_pc

REPO = Path(__file__).resolve().parents[3]
SURVEY = REPO / "assets" / "demo" / "forms" / "teacher-info-literacy.xlsx"


def _cli(county: Any, *args: str) -> list[str]:
    return [*args, "--data-dir", str(county.data_dir), "--database-url", county.database_url]


def test_a_teacher_answers_offline_syncs_and_the_county_counts_it_once(
    county: Any, start_server: Any, tmp_path: Path
) -> None:
    assert main(_cli(county, "publish-form", str(SURVEY))) == 0
    with county._sessions() as session:
        code = add_school(session, "石桥镇中心小学", datetime.now(UTC)).code
    server = start_server(county)
    pc = new_pc(tmp_path / "pcs", server.base_url, code, "PC-1")
    try:
        with pc.db.write() as session:
            teacher = profiles.create_profile(
                session,
                name="欧阳春燕",
                school="石桥镇中心小学",
                gender="female",
                age_band="50plus",
                subject="语文",
                pin="2468",
            )
        spec = load_xlsform(SURVEY)  # what the PC reads from the downloaded form asset
        item = f"{spec.id}/{spec.id}"
        response = responses.new_response_id()
        answers = {"school_type": "village", "years": 25}
        for question, value in answers.items():
            with pc.db.write() as session:  # each answer on its own, as the runner saves it
                responses.save_answer(session, teacher, item, response, question, value)
        with pc.db.write() as session:
            responses.submit(
                session,
                teacher,
                item,
                response,
                form_id=spec.id,
                version=spec.version,
                answers=answers,
            )
        assert pc.sync().complete
        assert pc.sync().pushed == 0  # nothing twice

        out = tmp_path / "report.json"
        report_args = ["report", "form", "teacher-info-literacy", "--format", "json"]
        assert main(_cli(county, *report_args, "--out", str(out))) == 0
        report = read_json(out)
        text = out.read_text(encoding="utf-8")
        for secret in ("欧阳春燕", teacher.id, response):
            assert secret not in text  # an anonymous survey names no one
        overview = report.sheets[0]
        facts = {row[0]: row[1] for table in overview.tables for row in table.rows if row}
        assert facts["回答总数"] == 1, json.dumps(facts, ensure_ascii=False)
        assert facts[spec.version] == "当前版本"
    finally:
        pc.close()
