"""Sync against a real server process on loopback, on SQLite and PostgreSQL: a school made with
the command line, two PCs enrolled over HTTP, gzip both ways, and ``--workers``."""

from __future__ import annotations

import gzip
import hashlib
import json
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers.server_process import add_school
from wire.sync import PullResult, PushResult, pin_verifier

pytestmark = pytest.mark.slow

PIN = "2468"
RECORDS = 3000


def _enroll(base_url: str, code: str, name: str) -> httpx.Client:
    response = httpx.post(
        f"{base_url}/api/v1/devices/enroll", json={"code": code, "device_name": name}
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    return httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _record(teacher: str, n: int, **changes: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "teacher": teacher,
        "kind": "video.watched",
        "item": f"ict-basics/video-{n % 7}",
        "at": datetime(2026, 3, 1, 8, 0, n % 60).isoformat(),
        "data": json.dumps({"start": float(n), "end": n + 10.0}),
        **changes,
    }


def _push(http: httpx.Client, records: list[dict[str, Any]]) -> PushResult:
    body = json.dumps({"client_time": datetime(2026, 3, 1, 9).isoformat(), "records": records})
    response = http.post(
        "/api/v1/sync/push",
        content=gzip.compress(body.encode()),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    return PushResult.model_validate_json(response.content)


def _new_teacher(http: httpx.Client) -> str:
    teacher = str(uuid.uuid4())
    profile = {
        "name": "王芳",
        "school": "城关镇中心小学",
        "gender": "female",
        "age_band": "30to39",
        "subject": "数学",
        "pin_verifier": pin_verifier(teacher, PIN),
    }
    created = _record(teacher, 0, kind="profile.created", item="", data=json.dumps(profile))
    assert _push(http, [created]).accepted == 1
    return teacher


def test_two_pcs_share_a_teachers_records(
    county: Any, start_server: Callable[..., Any], tmp_path: Path
) -> None:
    code = add_school(county.data_dir, "城关镇中心小学", county.database_url)
    server = start_server(county)
    a = _enroll(server.base_url, code, "PC-A")
    b = _enroll(server.base_url, code.lower(), "PC-B")
    with a, b:
        teacher = _new_teacher(a)
        sent = [_record(teacher, n) for n in range(RECORDS)]
        first = _push(a, sent[:2000])
        second = _push(a, sent[1000:])  # the first half again, as after a cut-off answer

        found = b.get("/api/v1/teachers", params={"name": "王"}).json()["teachers"]
        claim = b.post(
            f"/api/v1/teachers/{teacher}/claim",
            json={"pin_verifier": pin_verifier(teacher, PIN)},
        )
        pulled: list[dict[str, Any]] = []
        cursor, encodings = 0, set()
        while True:
            response = b.post(
                "/api/v1/sync/pull", json={"cursors": {teacher: cursor}, "limit": 1000}
            )
            assert response.status_code == 200
            encodings.add(response.headers.get("content-encoding"))
            (changes,) = PullResult.model_validate_json(response.content).teachers
            pulled += [r.model_dump(mode="json") for r in changes.records]
            cursor = changes.cursor
            if not changes.has_more:
                break
        own = a.post("/api/v1/sync/pull", json={"cursors": {teacher: 0}}).json()

    assert (first.accepted, second.accepted, second.duplicates) == (2000, 1000, 1000)
    assert found == [{"id": teacher, "name": "王芳", "school": "城关镇中心小学"}]
    assert claim.status_code == 200
    assert pulled == sent
    assert encodings == {"gzip"}  # httpx asks for gzip and unpacks it
    assert own["teachers"][0]["records"] == []  # A made them all
    assert server.stop() in (0, -signal.SIGTERM)


def test_media_need_a_token_over_http(
    county: Any, start_server: Callable[..., Any], write_course: Callable[..., Path]
) -> None:
    folder = write_course("ict-basics", "信息技术基础", video_size=100_000, seed=3)
    county.publish(folder)
    sha = hashlib.sha256((folder / "media" / "intro.mp4").read_bytes()).hexdigest()
    server = start_server(county)
    headers = county.enroll()

    anonymous = httpx.get(f"{server.base_url}/api/v1/assets/{sha}")
    part = httpx.get(
        f"{server.base_url}/api/v1/assets/{sha}", headers={**headers, "Range": "bytes=10-19"}
    )

    assert anonymous.status_code == 401 and anonymous.json()["code"] == "device_unknown"
    assert part.status_code == 206
    assert part.content == (folder / "media" / "intro.mp4").read_bytes()[10:20]
    assert "content-encoding" not in part.headers


def test_two_workers_take_concurrent_pushes(county: Any, start_server: Callable[..., Any]) -> None:
    code = add_school(county.data_dir, "一小", county.database_url)
    server = start_server(county, "--workers", "2")
    pcs = [_enroll(server.base_url, code, f"PC-{n}") for n in range(4)]
    teachers = [_new_teacher(pc) for pc in pcs]
    results: list[int] = []
    errors: list[BaseException] = []

    def push_all(pc: httpx.Client, teacher: str) -> None:
        try:
            for batch in range(5):
                records = [_record(teacher, batch * 500 + n) for n in range(500)]
                results.append(_push(pc, records).accepted)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=push_all, args=pair) for pair in zip(pcs, teachers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with _enroll(server.base_url, code, "PC-reader") as reader:
        for teacher in teachers:
            verifier = pin_verifier(teacher, PIN)
            claimed = reader.post(
                f"/api/v1/teachers/{teacher}/claim", json={"pin_verifier": verifier}
            )
            assert claimed.status_code == 200
        cursors = dict.fromkeys(teachers, 0)
        pulled: dict[str, int] = dict.fromkeys(teachers, 0)
        while True:
            answer = PullResult.model_validate_json(
                reader.post("/api/v1/sync/pull", json={"cursors": cursors}).content
            )
            for changes in answer.teachers:
                pulled[changes.teacher] += len(changes.records)
                cursors[changes.teacher] = changes.cursor
            if not any(changes.has_more for changes in answer.teachers):
                break
    for pc in pcs:
        pc.close()

    assert errors == []
    assert results == [500] * 20
    assert pulled == dict.fromkeys(teachers, 2500)
    assert server.stop() in (0, -signal.SIGTERM)
