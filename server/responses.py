"""Submitted questionnaire and quiz responses, as the county's reports read them.

A response reaches the server as a ``form.submitted`` record (see
:mod:`app.storage.responses`), stored exactly once like every record, whatever the form version
says: a version the server does not know is kept, and the reports count it apart. Here each
response is joined with its teacher's current profile (school, gender, age band, subject), the
groups the reports break answers down by.

Anonymity: :func:`submitted` returns the teacher's id only when asked to (``identified``); the
report of an anonymous survey never asks, so no id, name or record id leaves this module for it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import StoredRecord, Teacher
from wire.sync import FORM_SUBMITTED


@dataclass(frozen=True)
class Respondent:
    """The groups a response is counted in."""

    school: str
    gender: str
    age_band: str
    subject: str


@dataclass(frozen=True)
class ServerResponse:
    response_id: str
    version: str
    answers: dict[str, Any]
    score: float | None
    max_score: float | None
    passed: bool | None
    at: datetime  # the PC's clock, corrected by the offset the server saw
    who: Respondent
    teacher_id: str | None  # only when asked for, and never for an anonymous survey


def submitted(
    session: Session, form_id: str, *, identified: bool = False, batch: int = 2000
) -> Iterator[ServerResponse]:
    """Every submitted response to ``form_id``, oldest first, each once.

    Args:
        identified: include the teacher's id (named surveys and quizzes only).
        batch: rows fetched at a time (the record table is large; this streams it).
    """
    query = (
        select(
            StoredRecord.data,
            StoredRecord.at_corrected,
            StoredRecord.teacher_id,
            Teacher.school,
            Teacher.gender,
            Teacher.age_band,
            Teacher.subject,
        )
        .join(Teacher, Teacher.id == StoredRecord.teacher_id)
        .where(StoredRecord.kind == FORM_SUBMITTED)
        .order_by(StoredRecord.seq)
        .execution_options(yield_per=batch)
    )
    seen: set[str] = set()
    for data, at, teacher_id, school, gender, age_band, subject in session.execute(query):
        payload = _payload(data)
        if payload is None or payload.get("form") != form_id:
            continue
        response_id = str(payload.get("response", ""))
        if not response_id or response_id in seen:
            continue
        seen.add(response_id)
        answers = payload.get("answers")
        yield ServerResponse(
            response_id=response_id,
            version=str(payload.get("version", "")),
            answers=answers if isinstance(answers, dict) else {},
            score=_number(payload.get("score")),
            max_score=_number(payload.get("max_score")),
            passed=payload.get("passed") if isinstance(payload.get("passed"), bool) else None,
            at=at,
            who=Respondent(school, gender, age_band, subject),
            teacher_id=teacher_id if identified else None,
        )


def _payload(data: str) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
