"""Building form definitions as JSON for the wire tests (see test_forms, test_form_checks)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from wire.forms import FormDefinitionError, FormSpec

YES_NO = [
    {"name": "yes", "label": {"zh": "是", "en": "Yes"}},
    {"name": "no", "label": {"zh": "否"}},
]
ABC = [{"name": n, "label": {"zh": n.upper()}} for n in ("a", "b", "c")]


def q(name: str, type_: str = "text", **fields: Any) -> dict[str, Any]:
    """A question as JSON; choice types get yes/no unless told otherwise."""
    data: dict[str, Any] = {"name": name, "type": type_, "label": {"zh": f"问题 {name}"}}
    if type_ in ("select_one", "select_multiple", "rating"):
        data["choices"] = YES_NO
    data.update(fields)
    return data


def page(*questions: dict[str, Any], name: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"name": name, "questions": list(questions), **fields}


def form_data(*pages: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "demo-form",
        "version": "2024050101",
        "title": {"zh": "示例问卷", "en": "Example"},
        "default_language": "zh",
        "languages": ["zh", "en"],
        "pages": list(pages),
    }
    data.update(fields)
    return data


def make(*pages: dict[str, Any], **fields: Any) -> FormSpec:
    return FormSpec.model_validate(form_data(*pages, **fields))


def refused(data: dict[str, Any]) -> FormDefinitionError:
    """The rule a definition breaks (it must break one)."""
    with pytest.raises(ValidationError) as caught:
        FormSpec.model_validate(data)
    cause = caught.value.errors()[0].get("ctx", {}).get("error")
    assert isinstance(cause, FormDefinitionError), caught.value
    return cause


def quiz(*pages: dict[str, Any], **settings: Any) -> dict[str, Any]:
    return form_data(*pages, mode="quiz", quiz=settings)


# Skip logic on a question, on a page, and through a hidden question; a note.
SKIP_LOGIC = make(
    page(q("trained", "select_one", required=True)),
    page(
        q("hours", "integer", required=True, constraint=". >= 1 and . <= 500"),
        q("other", relevant="${hours} > 100"),
        name="training",
        title={"zh": "研修"},
        relevant="${trained} = 'yes'",
    ),
    page(q("why_not", relevant="${trained} = 'no'")),
    page(q("note", "note")),
    page(q("after", relevant="${other} != ''")),
)
