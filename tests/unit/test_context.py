"""``AppContext.open``: which county server this PC talks to. The address this PC was given
(``--server``, the enrollment dialog) wins; a PC never given one uses its county profile's, so a
county installer works with no set-up and a newer installer can move such PCs."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.context import AppContext
from app.county import CountyProfile
from app.paths import DataPaths
from app.storage import settings

PROFILE_URL = "http://10.1.2.3:8765"
COUNTY = CountyProfile(code="shiqiao", name="石桥县", server_url=PROFILE_URL)


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "pc").ensure()


def opened_url(paths: DataPaths, county: CountyProfile, server_url: str | None = None) -> str:
    context = AppContext.open(paths, server_url, county=county)
    try:
        return context.server_url
    finally:
        context.close()


def stored_url(paths: DataPaths) -> str:
    context = AppContext.open(paths, county=CountyProfile())
    try:
        with context.db.read_session() as session:
            return settings.get(session, settings.SERVER_URL)
    finally:
        context.close()


def test_a_pc_never_given_a_server_uses_the_county_profiles(paths: DataPaths) -> None:
    assert opened_url(paths, COUNTY) == PROFILE_URL


def test_the_profiles_server_is_not_stored_so_a_newer_installer_moves_the_pc(
    paths: DataPaths,
) -> None:
    opened_url(paths, COUNTY)
    assert stored_url(paths) == ""
    moved = CountyProfile(code="shiqiao", server_url="http://10.9.9.9:8765")
    assert opened_url(paths, moved) == "http://10.9.9.9:8765"


def test_a_server_given_to_open_wins_over_the_profiles_and_is_remembered(
    paths: DataPaths,
) -> None:
    assert opened_url(paths, COUNTY, "http://192.168.0.5:8765/") == "http://192.168.0.5:8765"
    assert opened_url(paths, COUNTY) == "http://192.168.0.5:8765"  # next start, no --server


def test_a_server_chosen_with_use_server_wins_over_the_profiles(paths: DataPaths) -> None:
    context = AppContext.open(paths, county=COUNTY)
    context.use_server("http://192.168.0.5:8765/")
    assert context.server_url == "http://192.168.0.5:8765"
    context.close()
    assert opened_url(paths, COUNTY) == "http://192.168.0.5:8765"


def test_no_server_stored_and_none_in_the_profile_is_no_server(paths: DataPaths) -> None:
    context = AppContext.open(paths, county=CountyProfile())
    try:
        assert context.server_url == ""
        assert context.client() is None
    finally:
        context.close()


def test_the_context_carries_the_profile_it_was_opened_with(paths: DataPaths) -> None:
    context = AppContext.open(paths, county=COUNTY)
    try:
        assert context.county is COUNTY
    finally:
        context.close()
