"""The published form versions the reports read (server/form_store.py), on SQLite and PostgreSQL.

The store is filled the way the county fills it: by publishing workbooks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from xlsform_helpers import Rows, write

from server.form_store import FormInfo, current_form, form_versions, list_forms
from server.publish import publish_course, publish_form
from server.xlsform import load_xlsform
from wire.blobs import BlobStore
from wire.forms import FormMode

SURVEY: Rows = [["type", "name", "label"], ["text", "idea", "您的建议"]]
QUIZ: Rows = [
    ["type", "name", "label", "lamplight:answer", "lamplight:points"],
    ["integer", "kb", "1 KB 是多少字节", 1024, 1],
]


class Publisher:
    """Publishes workbooks written under ``root``, a minute apart."""

    def __init__(self, root: Path, sessions: sessionmaker[Session], blobs: BlobStore) -> None:
        self.root = root
        self.sessions = sessions
        self.blobs = blobs
        self._minutes = count()

    def _clock(self) -> datetime:
        return datetime(2025, 5, 1, tzinfo=UTC) + timedelta(minutes=next(self._minutes))

    def workbook(
        self, form_id: str, version: str, *, rows: Rows = SURVEY, mode: str = "survey"
    ) -> Path:
        title = f"{form_id} 第 {version} 版"
        settings = [
            ["form_id", "version", "form_title", "lamplight:mode"],
            [form_id, version, title, mode],
        ]
        folder = self.root / f"{form_id}-{version}"
        folder.mkdir(parents=True, exist_ok=True)
        return write(folder, rows, None, settings, name=f"{form_id}.xlsx")

    def on_its_own(
        self, form_id: str, version: str, *, rows: Rows = SURVEY, mode: str = "survey"
    ) -> Path:
        path = self.workbook(form_id, version, rows=rows, mode=mode)
        with self.sessions() as session:
            publish_form(session, self.blobs, path, clock=self._clock)
        return path

    def in_course(self, course_id: str, form_id: str, version: str) -> Path:
        """A course of one questionnaire item, ``needs``."""
        folder = self.root / course_id
        (folder / "forms").mkdir(parents=True, exist_ok=True)
        path = self.workbook(form_id, version)
        (folder / "forms" / "needs.xlsx").write_bytes(path.read_bytes())
        (folder / "course.toml").write_text(
            f'format = 1\nid = "{course_id}"\ntitle = "研修"\n\n'
            '[[lessons]]\nid = "l1"\ntitle = "调查"\n\n'
            '[[lessons.items]]\nid = "needs"\nkind = "questionnaire"\ntitle = "需求调查"\n'
            'file = "forms/needs.xlsx"\n',
            encoding="utf-8",
        )
        with self.sessions() as session:
            publish_course(session, self.blobs, folder, clock=self._clock)
        return path


@pytest.fixture
def publisher(tmp_path: Path, sessions: sessionmaker[Session], blobs: BlobStore) -> Publisher:
    return Publisher(tmp_path / "workbooks", sessions, blobs)


def test_nothing_published_reads_as_empty(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert form_versions(session, "needs") == {}
        assert current_form(session, "needs") is None
        assert list_forms(session) == []


def test_every_version_is_kept_and_the_last_published_is_current(
    publisher: Publisher, sessions: sessionmaker[Session]
) -> None:
    first = publisher.in_course("training", "needs", "2025a")
    second = publisher.in_course("training", "needs", "2025b")

    with sessions() as session:
        versions = form_versions(session, "needs")
        current = current_form(session, "needs")
    assert list(versions) == ["2025a", "2025b"]  # publish order
    assert versions["2025a"] == load_xlsform(first)
    assert versions["2025b"] == load_xlsform(second) == current


def test_the_latest_is_the_last_published_not_the_largest_version_text(
    publisher: Publisher, sessions: sessionmaker[Session]
) -> None:
    publisher.on_its_own("needs", "9")
    publisher.on_its_own("needs", "10")  # sorts before "9" as text
    with sessions() as session:
        current = current_form(session, "needs")
        (info,) = list_forms(session)
    assert current is not None and current.version == "10"
    assert (info.versions, info.latest_version) == (("9", "10"), "10")


def test_forms_are_listed_with_their_mode_versions_and_course_item(
    publisher: Publisher, sessions: sessionmaker[Session]
) -> None:
    publisher.in_course("training", "needs", "1")
    publisher.on_its_own("ict-check", "1", rows=QUIZ, mode="quiz")
    publisher.in_course("training", "needs", "2")

    with sessions() as session:
        forms = list_forms(session)
        other = form_versions(session, "ict-check")

    assert forms == [
        FormInfo(
            "ict-check", "ict-check 第 1 版", FormMode.QUIZ, ("1",), "1", "ict-check", "ict-check"
        ),
        FormInfo("needs", "needs 第 2 版", FormMode.SURVEY, ("1", "2"), "2", "training", "needs"),
    ]
    assert list(other) == ["1"]  # one form's versions never include another's


def test_publishing_an_old_version_again_adds_no_version(
    publisher: Publisher, sessions: sessionmaker[Session]
) -> None:
    publisher.on_its_own("needs", "1")
    publisher.on_its_own("needs", "2")
    publisher.on_its_own("needs", "1")  # the coordinator goes back to version 1

    with sessions() as session:
        assert list(form_versions(session, "needs")) == ["1", "2"]
        # "Current" is the last version first published; the course serves version 1 again.
        current = current_form(session, "needs")
    assert current is not None and current.version == "2"
