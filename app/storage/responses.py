"""A teacher's answers to questionnaires and quizzes, kept in the append-only record log.

Every answer is a record the moment it is given (``form.answer``), in its own small write
transaction: closing the app, a crash or a power cut loses at most the answer being typed, and
the teacher resumes where they stopped (``form.page`` notes the page they were on). A response
is the set of records sharing a client-made response id; its current answers are the last
value given to each question.

Submitting writes ``form.submitted`` with the final answers (as validated by the runner), the
form's id and version, and for a quiz its score: from then on the response is final, and any
further answer for it is refused here. The records travel to the county with the rest of the
log (exactly once, like all records); the server keeps a response even for a form version it
does not know.

Payloads (JSON objects):

``form.answer``
    ``{"response": id, "question": name, "value": v}``; ``v`` is ``null`` when cleared.
``form.page``
    ``{"response": id, "page": n}``.
``form.submitted``
    ``{"response": id, "form": form id, "version": form version, "answers": {name: v},
    "score": points or null, "max_score": points or null, "passed": bool or null}``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.storage import progress
from app.storage.clock import Clock, utc_now
from app.storage.ids import new_id
from app.storage.models import ProgressEvent
from app.storage.profiles import Teacher
from wire.sync import FORM_ANSWER, FORM_PAGE, FORM_SUBMITTED

KINDS = (FORM_ANSWER, FORM_PAGE, FORM_SUBMITTED)


class ResponseFinalError(Exception):
    """The response was submitted: it can no longer change."""


@dataclass(frozen=True)
class Draft:
    """A response being answered: what was given so far, and the page the teacher was on."""

    response_id: str
    answers: dict[str, Any] = field(default_factory=dict)
    page: int = 0


@dataclass(frozen=True)
class Submitted:
    response_id: str
    form_id: str
    version: str
    answers: dict[str, Any]
    score: float | None
    max_score: float | None
    passed: bool | None
    at: datetime


@dataclass(frozen=True)
class FormState:
    """Everything one teacher did with one form item."""

    draft: Draft | None
    submitted: tuple[Submitted, ...]

    @property
    def attempts(self) -> int:
        return len(self.submitted)


def state(session: Session, teacher: Teacher, item_id: str) -> FormState:
    """The teacher's open draft (if any) and submitted responses for a form item, from the log."""
    rows = session.execute(
        select(ProgressEvent.kind, ProgressEvent.payload, ProgressEvent.wall_time)
        .where(
            ProgressEvent.profile_id == teacher.id,
            ProgressEvent.item_id == item_id,
            ProgressEvent.kind.in_(KINDS),
        )
        .order_by(ProgressEvent.seq)
    )
    answers: dict[str, dict[str, Any]] = {}
    pages: dict[str, int] = {}
    order: list[str] = []
    submitted: dict[str, Submitted] = {}
    for kind, payload, at in rows:
        data = json.loads(payload)
        response = str(data.get("response", ""))
        if not response:
            continue
        if response not in answers:
            answers[response] = {}
            order.append(response)
        if kind == FORM_ANSWER:
            answers[response][str(data["question"])] = data.get("value")
        elif kind == FORM_PAGE:
            pages[response] = int(data.get("page", 0))
        elif kind == FORM_SUBMITTED and response not in submitted:
            submitted[response] = Submitted(
                response_id=response,
                form_id=str(data.get("form", "")),
                version=str(data.get("version", "")),
                answers=dict(data.get("answers") or {}),
                score=data.get("score"),
                max_score=data.get("max_score"),
                passed=data.get("passed"),
                at=at,
            )
    open_ids = [r for r in order if r not in submitted]
    draft = None
    if open_ids:
        latest = open_ids[-1]  # one open response at a time; the latest wins
        draft = Draft(latest, {k: v for k, v in answers[latest].items()}, pages.get(latest, 0))
    done = tuple(submitted[r] for r in order if r in submitted)
    return FormState(draft=draft, submitted=done)


def new_response_id() -> str:
    """The id of a response not yet started (nothing is written until its first answer)."""
    return new_id()


def save_answer(
    session: Session,
    teacher: Teacher,
    item_id: str,
    response_id: str,
    question: str,
    value: Any,
    *,
    clock: Clock = utc_now,
) -> str:
    """Records one answer (in the caller's write transaction); returns the record id.

    Raises:
        ResponseFinalError: the response was submitted already; nothing was written.
    """
    _refuse_if_final(session, teacher, item_id, response_id)
    return progress.record(
        session,
        teacher,
        item_id,
        FORM_ANSWER,
        {"response": response_id, "question": question, "value": value},
        clock=clock,
    )


def save_page(
    session: Session,
    teacher: Teacher,
    item_id: str,
    response_id: str,
    page: int,
    *,
    clock: Clock = utc_now,
) -> None:
    """Notes the page the teacher is on, so they come back to it."""
    _refuse_if_final(session, teacher, item_id, response_id)
    progress.record(
        session, teacher, item_id, FORM_PAGE, {"response": response_id, "page": page}, clock=clock
    )


def submit(
    session: Session,
    teacher: Teacher,
    item_id: str,
    response_id: str,
    *,
    form_id: str,
    version: str,
    answers: dict[str, Any],
    score: float | None = None,
    max_score: float | None = None,
    passed: bool | None = None,
    clock: Clock = utc_now,
) -> str:
    """Makes the response final (in the caller's write transaction); returns the record id.

    ``answers`` are the ones the runner validated (only the questions shown count).

    Raises:
        ResponseFinalError: it was submitted already; nothing was written.
    """
    _refuse_if_final(session, teacher, item_id, response_id)
    return progress.record(
        session,
        teacher,
        item_id,
        FORM_SUBMITTED,
        {
            "response": response_id,
            "form": form_id,
            "version": version,
            "answers": answers,
            "score": score,
            "max_score": max_score,
            "passed": passed,
        },
        clock=clock,
    )


def _refuse_if_final(session: Session, teacher: Teacher, item_id: str, response_id: str) -> None:
    final = session.scalar(
        select(ProgressEvent.seq)
        .where(
            ProgressEvent.profile_id == teacher.id,
            ProgressEvent.item_id == item_id,
            ProgressEvent.kind == FORM_SUBMITTED,
            ProgressEvent.payload.contains(f'"response":"{response_id}"', autoescape=True),
        )
        .limit(1)
    )
    if final is not None:
        raise ResponseFinalError(f"response {response_id} was submitted; it cannot change")
