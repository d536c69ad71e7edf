"""The county signing key (server.keys): made once, private, never replaced, never served;
``python -m server keys init|show`` on top of it."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from server.keys import (
    INFO_FILE,
    KEY_FILE,
    NoSigningKey,
    SigningKeyExists,
    SigningKeyUnreadable,
    init_key,
    key_path,
    load_signing_key,
    load_signing_key_if_present,
)
from wire.pack import (
    course_document_bytes,
    new_signing_key,
    parse_public_key,
    private_key_pem,
    sign_document,
    verify_document,
)

REPO = Path(__file__).resolve().parents[3]
DEMO_KEY = REPO / "assets" / "demo" / "demo-county-signing-key.pem"
NOW = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def test_init_makes_a_private_key_and_describes_the_county(tmp_path: Path) -> None:
    info = init_key(tmp_path, "demo", "灯火演示县", clock=lambda: NOW)

    key, loaded = load_signing_key(tmp_path)
    assert loaded == info
    assert (info.code, info.name, info.created) == ("demo", "灯火演示县", NOW)
    assert info.profile_line == f'public_keys = ["{info.public_key}"]'
    document = course_document_bytes("demo", {"id": "course-a"})
    verify_document(
        document, sign_document(key, document), [parse_public_key(info.public_key)], course="a"
    )
    described = json.loads((tmp_path / "keys" / INFO_FILE).read_text(encoding="utf-8"))
    assert described["key_id"] == info.key_id
    assert "PRIVATE" not in json.dumps(described)
    assert key_path(tmp_path).read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


@posix_only
def test_only_the_servers_user_can_read_the_key(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        init_key(tmp_path, "demo")
    finally:
        os.umask(old)

    assert stat.S_IMODE(key_path(tmp_path).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


def test_a_key_is_never_replaced(tmp_path: Path) -> None:
    first = init_key(tmp_path, "demo")
    pem = key_path(tmp_path).read_bytes()

    with pytest.raises(SigningKeyExists, match=first.key_id):
        init_key(tmp_path, "demo")
    with pytest.raises(SigningKeyExists):
        init_key(tmp_path, "demo", from_pem=DEMO_KEY)

    assert key_path(tmp_path).read_bytes() == pem
    assert load_signing_key(tmp_path)[1] == first


def test_the_demo_key_imports_as_the_demo_countys_key(tmp_path: Path) -> None:
    profile = tomllib.loads((REPO / "assets" / "county.toml").read_text(encoding="utf-8"))

    info = init_key(tmp_path, "demo", from_pem=DEMO_KEY)

    assert [info.public_key] == profile["signing"]["public_keys"]
    assert info.code == profile["county"]["code"]


@pytest.mark.parametrize(
    "content",
    [b"not a key at all", private_key_pem(new_signing_key()).replace(b"A", b"B", 5)],
)
def test_an_unusable_pem_to_import_is_refused_and_nothing_is_made(
    tmp_path: Path, content: bytes
) -> None:
    pem = tmp_path / "given.pem"
    pem.write_bytes(content)

    with pytest.raises(SigningKeyUnreadable, match="not an unencrypted Ed25519"):
        init_key(tmp_path / "data", "demo", from_pem=pem)

    assert not key_path(tmp_path / "data").exists()


def test_a_missing_pem_to_import_is_named(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyUnreadable, match="does not exist"):
        init_key(tmp_path, "demo", from_pem=tmp_path / "nowhere.pem")


@pytest.mark.parametrize("code", ["", "Demo", "de mo", "../x", "x" * 65])
def test_county_codes_are_plain_names(tmp_path: Path, code: str) -> None:
    with pytest.raises(ValueError, match="county code"):
        init_key(tmp_path, code)
    assert not (tmp_path / "keys").exists()


def test_no_key_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(NoSigningKey, match="python -m server keys init --county CODE"):
        load_signing_key(tmp_path)
    assert load_signing_key_if_present(tmp_path) is None


def test_a_cut_off_init_is_finished_by_running_it_again(tmp_path: Path) -> None:
    first = init_key(tmp_path, "demo")
    (tmp_path / "keys" / INFO_FILE).unlink()
    with pytest.raises(NoSigningKey, match="again"):
        load_signing_key(tmp_path)

    again = init_key(tmp_path, "demo", "灯火演示县")

    assert again.key_id == first.key_id
    assert load_signing_key(tmp_path)[1].name == "灯火演示县"


def test_a_description_of_another_key_is_refused(tmp_path: Path) -> None:
    init_key(tmp_path / "one", "demo")
    init_key(tmp_path / "two", "demo")
    (tmp_path / "one" / "keys" / INFO_FILE).write_bytes(
        (tmp_path / "two" / "keys" / INFO_FILE).read_bytes()
    )

    with pytest.raises(SigningKeyUnreadable, match="restore the matching files"):
        load_signing_key(tmp_path / "one")


def test_a_damaged_key_file_is_refused(tmp_path: Path) -> None:
    init_key(tmp_path, "demo")
    key_path(tmp_path).write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n")

    with pytest.raises(SigningKeyUnreadable):
        load_signing_key(tmp_path)


# --- never served -------------------------------------------------------------------------------


def test_the_http_api_never_serves_the_keys_folder(tmp_path: Path, sync_server: Any) -> None:
    data = tmp_path / "data"  # the sync_server app's data directory
    init_key(data, "demo")
    pem = (data / "keys" / KEY_FILE).read_bytes()
    auth = sync_server.enroll().auth
    asked = [
        "/keys",
        f"/keys/{KEY_FILE}",
        f"/keys/{INFO_FILE}",
        f"/data/keys/{KEY_FILE}",
        f"/api/v1/keys/{KEY_FILE}",
        f"/api/v1/assets/..%2Fkeys%2F{KEY_FILE}",
        f"/api/v1/assets/../../keys/{KEY_FILE}",
        f"/blobs/../keys/{KEY_FILE}",
    ]

    for path in asked:
        response = sync_server.http.get(path, headers=auth)
        assert response.status_code == 404, path
        assert b"PRIVATE KEY" not in response.content
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")


# --- the commands ---------------------------------------------------------------------------------


def _run(tmp_path: Path, *argv: str) -> int:
    url = f"sqlite:///{tmp_path / 'server.sqlite3'}"
    return main([*argv, "--data-dir", str(tmp_path / "data"), "--database-url", url])


def test_keys_init_prints_the_line_for_the_county_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, "keys", "init", "--county", "demo", "--from-pem", str(DEMO_KEY)) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[-1] == 'public_keys = ["ed25519:Fqy9ST/yf+iGCuVoSA2QGhXzVCf9NAYSuwq1kAo8M2s="]'

    assert _run(tmp_path, "keys", "show") == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0] == "county:   demo"
    assert shown[-1] == out[-1]


def test_keys_commands_exit_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "keys", "show") == 5
    assert "keys init" in capsys.readouterr().err
    assert _run(tmp_path, "keys", "init", "--county", "Bad Code") == 2
    assert _run(tmp_path, "keys", "init", "--county", "demo") == 0
    assert _run(tmp_path, "keys", "init", "--county", "demo") == 2
    assert "never replaced" in capsys.readouterr().err
