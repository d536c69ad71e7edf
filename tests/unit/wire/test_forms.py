"""The form model both sides read: structure, JSON, lookup, skip logic, texts."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from typing import Any

import pytest
from form_helpers import ABC, SKIP_LOGIC, make, page, q, refused
from pydantic import ValidationError

from wire.forms import FORM_FORMAT, FormSpec, QuestionType, pick_text

# --- structure and lookup ---------------------------------------------------------------------


def test_lookup_by_name_and_page() -> None:
    assert [q.name for q in SKIP_LOGIC.questions] == [
        "trained",
        "hours",
        "other",
        "why_not",
        "note",
        "after",
    ]
    assert SKIP_LOGIC.question("hours").type is QuestionType.INTEGER
    assert SKIP_LOGIC.page_of("other") == 1
    with pytest.raises(KeyError):
        SKIP_LOGIC.question("nope")


def test_json_round_trip_is_the_same_form() -> None:
    text = SKIP_LOGIC.model_dump_json()
    again = FormSpec.model_validate_json(text)
    assert again == SKIP_LOGIC
    assert again.question("other").relevant == "${hours} > 100"
    assert json.loads(text)["format"] == FORM_FORMAT


def test_unknown_fields_are_ignored_but_a_newer_format_is_refused() -> None:
    data = json.loads(SKIP_LOGIC.model_dump_json())
    data["colour"] = "blue"
    data["pages"][0]["questions"][0]["sparkle"] = True
    assert FormSpec.model_validate(data).question("trained").required
    data["format"] = FORM_FORMAT + 1
    error = refused(data)
    assert (error.where, error.field) == (None, "format")
    assert "newer Lamplight" in error.problem


def test_a_form_is_frozen() -> None:
    with pytest.raises(ValidationError):
        SKIP_LOGIC.version = "2"  # type: ignore[misc]


def test_checks_run_again_when_json_is_read() -> None:
    data = json.loads(SKIP_LOGIC.model_dump_json())
    data["pages"][0]["questions"][0]["relevant"] = "${after} = 1"
    error = refused(data)
    assert (error.where, error.field) == ("trained", "relevant")


def test_the_client_side_needs_no_pyxform() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, wire.forms, wire.form_answers; print('pyxform' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "False"


# --- skip logic -------------------------------------------------------------------------------


def shown(answers: dict[str, Any]) -> list[str]:
    return [q.name for q in SKIP_LOGIC.visible_questions(answers)]


def test_a_page_with_skip_logic_hides_all_its_questions() -> None:
    assert shown({}) == ["trained", "note"]
    assert shown({"trained": "no"}) == ["trained", "why_not", "note"]
    assert shown({"trained": "yes"}) == ["trained", "hours", "note"]
    assert shown({"trained": "yes", "hours": 120}) == ["trained", "hours", "other", "note"]


def test_a_hidden_answer_reads_as_empty_to_later_questions() -> None:
    stale = {"trained": "no", "hours": 120, "other": "left over", "after": "x"}
    assert shown(stale) == ["trained", "why_not", "note"]
    assert shown({**stale, "trained": "yes"})[-1] == "after"


def test_visible_pages_and_shown_answers() -> None:
    answers = {"trained": "no", "hours": 120, "why_not": "  ", "other": "x"}
    assert SKIP_LOGIC.visible_pages(answers) == [0, 2, 3]
    assert SKIP_LOGIC.shown_answers(answers) == {"trained": "no"}
    answers = {"trained": "yes", "hours": 120, "other": "x", "after": "y"}
    assert SKIP_LOGIC.shown_answers(answers) == answers


def test_skip_logic_on_dates_uses_the_injected_today() -> None:
    form = make(page(q("when", "date")), page(q("recent", relevant="today() - ${when} <= 30")))
    answers = {"when": "2024-05-01"}
    assert [q.name for q in form.visible_questions(answers, today=date(2024, 5, 31))] == [
        "when",
        "recent",
    ]
    assert [q.name for q in form.visible_questions(answers, today=date(2024, 6, 1))] == ["when"]


def test_defaults_are_typed_answers() -> None:
    form = make(
        page(
            q("n", "integer", default=3),
            q("m", "select_multiple", choices=ABC, default=["a", "c"]),
            q("d", "date", default="2024-01-31"),
            q("t"),
        )
    )
    assert form.defaults() == {"n": 3, "m": ["a", "c"], "d": "2024-01-31"}


def test_texts_fall_back_to_the_default_language() -> None:
    texts = {"zh": "中文", "en-GB": "English"}
    assert pick_text(texts, "en", "zh") == "English"
    assert pick_text(texts, "zh-CN", "zh") == "中文"
    assert pick_text(texts, "fr", "zh") == "中文"
    assert pick_text({"en": "only"}, "fr", "zh") == "only"
    assert pick_text({}, "zh", "zh") == ""
    assert SKIP_LOGIC.text(SKIP_LOGIC.title, "en") == "Example"


def test_rating_values() -> None:
    numbered = make(
        page(
            q(
                "r",
                "rating",
                choices=[{"name": str(n), "label": {"zh": "x"}} for n in (1, 2, 3, 4, 5)],
            )
        )
    )
    assert numbered.question("r").rating_value("4") == 4.0
    named = make(page(q("r", "rating", choices=ABC)))
    assert named.question("r").rating_value("c") == 3.0
    assert named.question("r").rating_value("z") is None
