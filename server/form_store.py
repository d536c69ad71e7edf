"""The published versions of every questionnaire and quiz, as the reports and the CLI read them.

Publishing (:mod:`server.publish_forms`) writes one ``form_version`` row per
``(form id, version)``, in the transaction that publishes the course version carrying it; the
row holds the :class:`wire.forms.FormSpec` exactly as the PCs received it. Versions are never
deleted: responses to an old version are still read against it.

"Latest" means last published (the highest row id), not the largest version text: version
texts are the coordinators' (``2024051501``, ``v2``) and need not sort.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import FormVersion
from wire.forms import FormMode, FormSpec


@dataclass(frozen=True)
class FormInfo:
    """One published form, as ``python -m server forms list`` shows it.

    Attributes:
        form_id: what ``report form FORM_ID`` takes.
        title: the latest version's title in its default language.
        mode: survey or quiz (of the latest version).
        versions: every version published, oldest first.
        latest_version: the last one published.
        course_id, item_id: the course item carrying the latest version (for a form published
            on its own, both are the form id).
    """

    form_id: str
    title: str
    mode: FormMode
    versions: tuple[str, ...]
    latest_version: str
    course_id: str
    item_id: str


def form_versions(session: Session, form_id: str) -> dict[str, FormSpec]:
    """Every published version of ``form_id``, version text to form, oldest first; empty
    for a form never published."""
    rows = session.execute(
        select(FormVersion.version, FormVersion.spec)
        .where(FormVersion.form_id == form_id)
        .order_by(FormVersion.id)
    )
    return {version: FormSpec.model_validate_json(spec) for version, spec in rows}


def current_form(session: Session, form_id: str) -> FormSpec | None:
    """The version of ``form_id`` published last; ``None`` for a form never published."""
    spec = session.scalar(
        select(FormVersion.spec)
        .where(FormVersion.form_id == form_id)
        .order_by(FormVersion.id.desc())
        .limit(1)
    )
    return None if spec is None else FormSpec.model_validate_json(spec)


def list_forms(session: Session) -> list[FormInfo]:
    """Every published form, by form id."""
    versions: dict[str, list[str]] = {}
    latest: dict[str, int] = {}
    for row_id, form_id, version in session.execute(
        select(FormVersion.id, FormVersion.form_id, FormVersion.version).order_by(FormVersion.id)
    ):
        versions.setdefault(form_id, []).append(version)
        latest[form_id] = row_id
    rows = session.execute(
        select(FormVersion.form_id, FormVersion.spec, FormVersion.course_id, FormVersion.item_id)
        .where(FormVersion.id.in_(latest.values()))
        .order_by(FormVersion.form_id)
    )
    forms = []
    for form_id, spec_json, course_id, item_id in rows:
        spec = FormSpec.model_validate_json(spec_json)
        forms.append(
            FormInfo(
                form_id=form_id,
                title=spec.text(spec.title, spec.default_language),
                mode=spec.mode,
                versions=tuple(versions[form_id]),
                latest_version=spec.version,
                course_id=course_id,
                item_id=item_id,
            )
        )
    return forms
