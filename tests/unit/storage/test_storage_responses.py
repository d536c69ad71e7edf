"""Answers to forms: saved one by one as they are given, final once submitted, never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from storage_helpers import FakeClock, make_teacher

from app.storage import responses
from app.storage.db import Database, open_database
from app.storage.responses import ResponseFinalError

FORM = "ict-basics/survey"


def _answer(db: Database, teacher: object, response: str, question: str, value: object) -> None:
    with db.write() as session:
        responses.save_answer(session, teacher, FORM, response, question, value)  # type: ignore[arg-type]


def test_answers_are_kept_as_given_and_the_last_value_wins(db: Database) -> None:
    teacher = make_teacher(db)
    response = responses.new_response_id()
    _answer(db, teacher, response, "years", 12)
    _answer(db, teacher, response, "platforms", ["guopei", "wechat"])
    _answer(db, teacher, response, "years", 13)  # corrected
    _answer(db, teacher, response, "comment", None)  # cleared
    with db.write() as session:
        responses.save_page(session, teacher, FORM, response, 2)
    with db.read_session() as session:
        found = responses.state(session, teacher, FORM)
    assert found.draft is not None and found.draft.response_id == response
    assert found.draft.answers == {"years": 13, "platforms": ["guopei", "wechat"], "comment": None}
    assert found.draft.page == 2
    assert found.attempts == 0


def test_a_submitted_response_is_final_and_a_new_attempt_starts_empty(
    db: Database, clock: FakeClock
) -> None:
    teacher = make_teacher(db)
    first = responses.new_response_id()
    _answer(db, teacher, first, "q1", "b")
    with db.write() as session:
        responses.submit(
            session,
            teacher,
            FORM,
            first,
            form_id="ict-quiz",
            version="2026-11",
            answers={"q1": "b"},
            score=4,
            max_score=5,
            passed=True,
            clock=clock,
        )
    with pytest.raises(ResponseFinalError):
        _answer(db, teacher, first, "q1", "c")
    with db.write() as session, pytest.raises(ResponseFinalError):
        responses.submit(session, teacher, FORM, first, form_id="ict-quiz", version="x", answers={})
    with db.read_session() as session:
        found = responses.state(session, teacher, FORM)
    assert found.draft is None
    assert found.attempts == 1
    done = found.submitted[0]
    assert (done.answers, done.score, done.max_score, done.passed) == ({"q1": "b"}, 4, 5, True)
    assert done.at == clock()

    second = responses.new_response_id()
    _answer(db, teacher, second, "q1", "a")
    with db.read_session() as session:
        again = responses.state(session, teacher, FORM)
    assert again.draft is not None and again.draft.answers == {"q1": "a"}
    assert again.attempts == 1


def test_teachers_and_forms_do_not_see_each_others_answers(db: Database) -> None:
    wang, li = make_teacher(db, "王老师"), make_teacher(db, "李老师")
    response = responses.new_response_id()
    _answer(db, wang, response, "q1", "a")
    with db.read_session() as session:
        assert responses.state(session, li, FORM).draft is None
        assert responses.state(session, wang, "other/form").draft is None


def test_answers_given_before_a_kill_are_all_there_after(tmp_path: Path) -> None:
    """The app killed (SIGKILL) between answers: every answer it reported saved is kept."""
    path = tmp_path / "pc.sqlite3"
    db = open_database(path)
    teacher = make_teacher(db)
    db.close()
    script = textwrap.dedent(
        f"""
        import sys
        from app.storage import responses
        from app.storage.db import open_database
        from app.storage.profiles import unlock
        db = open_database({str(path)!r})
        teacher = unlock(db, {teacher.id!r}, "2468")
        n = 0
        while True:
            with db.write() as session:
                responses.save_answer(session, teacher, {FORM!r}, "r-1", f"q{{n % 40}}", n)
            print(n, flush=True)
            n += 1
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert proc.stdout is not None
    last = -1
    for line in proc.stdout:
        last = int(line)
        if last >= 120:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    db = open_database(path)
    with db.read_session() as session:
        draft = responses.state(session, teacher, FORM).draft
    db.close()
    assert draft is not None
    # Every answer reported before the kill is there (the one after it may be too).
    for n in range(max(0, last - 39), last + 1):
        assert draft.answers[f"q{n % 40}"] >= n
