"""Questionnaires and quizzes in publishing: the workbook becomes a JSON asset and a version row.

A form travels like any media file. At publish each questionnaire or quiz item's XLSForm
workbook is converted (:func:`server.xlsform.load_xlsform`) to a :class:`wire.forms.FormSpec`,
whose canonical JSON is the item's asset (:data:`wire.course.FORM_MEDIA_TYPE`): PCs download,
copy to packs and verify it by sha256 like a video, and the runner reads it back with
``FormSpec.model_validate_json``. The course's content hash covers that asset, so a changed
form makes a new course version, and a workbook changed only in looks (column widths) does not.

Rules, checked before anything is stored and again in the publishing transaction:

- the item's kind matches the form's mode (``quiz`` items hold quizzes, ``questionnaire``
  items surveys), and a course holds a form id once;
- a form id belongs to one course: the course whose publishing first recorded it (a stand-alone
  form's course has the form's id), so two workbooks sharing a ``form_id`` by mistake (a copied
  template) cannot mix their answers in the county's reports;
- a ``(form id, version)`` already published keeps its content: changed questions need a new
  ``version`` in the settings sheet, since answers are read against their version;
- a stand-alone form's course (``publish-form``) and a course folder never take each other's id.

Everything here raises :class:`wire.course.CourseFormatError` naming the file and field (for a
course item, ``course.toml`` and the item; for a stand-alone form, the workbook).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.models import Course, FormVersion
from wire.api import AssetRef
from wire.canonical import canonical_json
from wire.course import (
    COURSE_FILE,
    FORM_KINDS,
    FORM_MEDIA_TYPE,
    CourseFormatError,
    CourseSpec,
    ItemKind,
    ItemSpec,
    LessonSpec,
)
from wire.forms import FormMode, FormSpec

#: The item kind each form mode is published as.
KIND_OF_MODE = {FormMode.SURVEY: ItemKind.QUESTIONNAIRE, FormMode.QUIZ: ItemKind.QUIZ}
_COURSE_TITLE_MAX = 200


@dataclass(frozen=True)
class FormAsset:
    """A converted form, ready to be stored and recorded.

    Attributes:
        item_id: the course item carrying it.
        spec: the form.
        data: its canonical JSON, the asset's bytes.
        ref: the asset.
        file, field: where an error about it points (``course.toml`` and the item's field,
            or the workbook and ``""``).
    """

    item_id: str
    spec: FormSpec
    data: bytes
    ref: AssetRef
    file: str
    field: str

    def error(self, problem: str) -> CourseFormatError:
        return CourseFormatError(self.file, self.field, problem)


def form_asset(spec: FormSpec, item_id: str, file: str, field: str) -> FormAsset:
    """The asset of ``spec``: its canonical JSON, hashed."""
    data = canonical_json(spec.model_dump(mode="json"))
    ref = AssetRef(
        sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type=FORM_MEDIA_TYPE
    )
    return FormAsset(item_id, spec, data, ref, file, field)


def convert_course_forms(
    folder: Path, course: CourseSpec, files: dict[str, Path]
) -> dict[str, FormAsset]:
    """Converts the workbook of every questionnaire and quiz item; keyed by item id.

    Raises:
        CourseFormatError: a workbook Lamplight cannot publish (the message is the import's,
            naming sheet, row and column, after the ``course.toml`` item naming the workbook),
            a kind that does not match the form's mode, or a form id used by two items.
    """
    if not any(item.kind in FORM_KINDS for lesson in course.lessons for item in lesson.items):
        return {}
    from server.xlsform import FormImportError, load_xlsform  # see load_standalone

    manifest = str(folder / COURSE_FILE)
    forms: dict[str, FormAsset] = {}
    items_of_form: dict[str, str] = {}
    for li, lesson in enumerate(course.lessons, start=1):
        for ii, item in enumerate(lesson.items, start=1):
            if item.kind not in FORM_KINDS:
                continue
            field = f"lessons[{li}].items[{ii}]"
            try:
                spec = load_xlsform(files[item.id])
            except FormImportError as exc:
                raise CourseFormatError(manifest, f"{field}.file", str(exc)) from exc
            expected = KIND_OF_MODE[spec.mode]
            if item.kind is not expected:
                raise CourseFormatError(
                    manifest,
                    f"{field}.kind",
                    f"{item.file} is a {spec.mode.value} (lamplight:mode in its settings "
                    f'sheet), so its item must be kind = "{expected.value}", '
                    f'not "{item.kind.value}"',
                )
            if spec.id in items_of_form:
                raise CourseFormatError(
                    manifest,
                    f"{field}.file",
                    f'form id "{spec.id}" is also the form of item '
                    f'"{items_of_form[spec.id]}": give each form its own form_id',
                )
            items_of_form[spec.id] = item.id
            forms[item.id] = form_asset(spec, item.id, manifest, f"{field}.file")
    return forms


def standalone_course(spec: FormSpec) -> CourseSpec:
    """The one-item course a form published on its own travels in: its id, lesson and item
    are the form's id, its title the form's (default language)."""
    title = spec.text(spec.title, spec.default_language).strip() or spec.id
    title = title[:_COURSE_TITLE_MAX]
    # ``file`` only names the item's source here (the workbook's own name may hold anything).
    item = ItemSpec(id=spec.id, kind=KIND_OF_MODE[spec.mode], title=title, file=f"{spec.id}.xlsx")
    return CourseSpec(
        format=1,
        id=spec.id,
        title=title,
        language=spec.default_language,
        lessons=[LessonSpec(id=spec.id, title=title, items=[item])],
    )


def check_forms(
    session: Session,
    course_id: str,
    forms: Iterable[FormAsset],
    *,
    standalone: bool,
    file: str,
    field: str,
) -> None:
    """Checks the rules of the module docstring against what is published.

    Args:
        course_id: the course being published.
        forms: its forms.
        standalone: it is a form published on its own.
        file, field: where an error about the course's id points.

    Raises:
        CourseFormatError: a rule is broken.
    """
    standalone_here = session.scalar(
        select(FormVersion.form_id)
        .where(FormVersion.course_id == course_id, FormVersion.standalone.is_(True))
        .limit(1)
    )
    if standalone and standalone_here is None and session.get(Course, course_id) is not None:
        raise CourseFormatError(
            file,
            field,
            f'"{course_id}" is already the id of a course: give the form another form_id '
            "in its settings sheet",
        )
    if not standalone and standalone_here is not None:
        raise CourseFormatError(
            file,
            field,
            f'"{course_id}" is the id of a form published on its own (publish-form): '
            "give the course another id",
        )
    for form in forms:
        published = session.execute(
            select(FormVersion.course_id, FormVersion.standalone)
            .where(FormVersion.form_id == form.spec.id)
            .limit(1)
        ).first()
        if published is not None and published.course_id != course_id:
            owner = (
                "on its own (publish-form)"
                if published.standalone
                else f'by course "{published.course_id}"'
            )
            raise form.error(
                f'form id "{form.spec.id}" is already published {owner}: a form id belongs to '
                "one course; give this form its own form_id in its settings sheet"
            )
        same_version = session.scalar(
            select(FormVersion.asset_sha256).where(
                FormVersion.form_id == form.spec.id, FormVersion.version == form.spec.version
            )
        )
        if same_version is not None and same_version != form.ref.sha256:
            raise form.error(
                f'form "{form.spec.id}" version "{form.spec.version}" is already published '
                "with other content: answers are read against their version, so give the "
                "changed form a new version in its settings sheet"
            )


def record_forms(
    session: Session,
    course_id: str,
    forms: Iterable[FormAsset],
    published_at: datetime,
    *,
    standalone: bool,
) -> int:
    """Adds a ``form_version`` row for each form version not recorded yet; returns how many.

    Call it inside the transaction adding the course version (its course and asset rows must
    exist), after :func:`check_forms` in the same transaction.
    """
    known = {
        (form_id, version)
        for form_id, version in session.execute(
            select(FormVersion.form_id, FormVersion.version).where(
                FormVersion.course_id == course_id
            )
        )
    }
    added = 0
    for form in forms:
        if (form.spec.id, form.spec.version) in known:
            continue
        session.add(
            FormVersion(
                form_id=form.spec.id,
                version=form.spec.version,
                spec=form.data.decode("utf-8"),
                published_at=published_at,
                course_id=course_id,
                item_id=form.item_id,
                asset_sha256=form.ref.sha256,
                standalone=standalone,
            )
        )
        added += 1
    return added


def load_standalone(workbook: Path) -> tuple[CourseSpec, dict[str, Path], dict[str, FormAsset]]:
    """Reads a workbook published on its own: its one-item course, file and form.

    Raises:
        FormImportError: the workbook cannot be published (sheet, row and column named).
    """
    # pyxform takes a third of a second to import; every server command imports this module
    # (through server.publish), and only publishing reads workbooks.
    from server.xlsform import load_xlsform

    spec = load_xlsform(workbook)
    course = standalone_course(spec)
    form = form_asset(spec, spec.id, str(workbook), "")
    return course, {spec.id: workbook}, {spec.id: form}
