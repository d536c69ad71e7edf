"""Submitted responses as the reports read them: pushed like any record, joined with the
teacher's groups, each once, and without identity unless asked for."""

from __future__ import annotations

import json
from typing import Any

from server_sync_helpers import SyncServer, new_id, record

from server.responses import submitted


def _submitted(teacher: str, form: str, answers: dict[str, Any], **extra: Any) -> dict[str, Any]:
    payload = {"response": extra.pop("response", new_id()), "form": form, "version": "v1"}
    payload.update(answers=answers, **extra)
    return record(
        teacher, kind="form.submitted", item="ict-basics/survey", data=json.dumps(payload)
    )


def test_responses_come_with_their_groups_once_each_and_anonymous_by_default(
    sync_server: SyncServer,
) -> None:
    pc = sync_server.enroll()
    wang = pc.new_teacher(gender="female", age_band="30to39", subject="数学")
    li = pc.new_teacher(gender="male", age_band="50plus", subject="语文", school="石桥小学")
    same = _submitted(wang, "literacy", {"q1": 4}, response="r-wang")
    result = pc.push(
        [
            same,
            _submitted(li, "literacy", {"q1": 2}, score=None),
            _submitted(li, "other-form", {"q1": 5}),
            # The same response again under another record id (a PC re-sent it): counted once.
            {**same, "id": new_id()},
            _submitted(wang, "literacy", {"q1": 3}, response="r-new-version", version="v9"),
            record(wang, kind="form.answer", item="ict-basics/survey", data='{"response":"x"}'),
        ]
    )
    assert result.accepted == 6 and not result.rejected

    with sync_server.sessions() as session:
        found = list(submitted(session, "literacy"))
    assert [r.answers for r in found] == [{"q1": 4}, {"q1": 2}, {"q1": 3}]
    assert [r.who.gender for r in found] == ["female", "male", "female"]
    assert found[1].who.school == "石桥小学" and found[1].who.age_band == "50plus"
    assert {r.version for r in found} == {"v1", "v9"}  # a version it does not know is kept
    assert all(r.teacher_id is None for r in found)

    with sync_server.sessions() as session:
        named = list(submitted(session, "literacy", identified=True))
    assert [r.teacher_id for r in named] == [wang, li, wang]


def test_a_malformed_payload_is_skipped_not_fatal(sync_server: SyncServer) -> None:
    pc = sync_server.enroll()
    wang = pc.new_teacher()
    bad = record(wang, kind="form.submitted", item="x", data='{"form": "literacy"}')
    good = _submitted(wang, "literacy", {"q1": 1}, score=3, max_score=5, passed=False)
    assert pc.push([bad, good]).accepted == 2
    with sync_server.sessions() as session:
        found = list(submitted(session, "literacy"))
    assert [(r.score, r.max_score, r.passed) for r in found] == [(3.0, 5.0, False)]
