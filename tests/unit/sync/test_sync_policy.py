"""Download rules: the time window, rates and sizes as people write them, county vs this PC."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from app.county import CountyProfileError, load_county
from app.storage import settings
from app.storage.db import open_database
from app.sync.policy import (
    DEFAULT_RESERVE,
    DownloadPolicy,
    PolicyError,
    TimeWindow,
    format_rate,
    load_policy,
    parse_rate,
    parse_size,
    save_policy,
)

NIGHT = TimeWindow.parse("18:00-07:00")


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        ("17:59", False),
        ("18:00", True),
        ("23:30", True),
        ("00:00", True),
        ("06:59", True),
        ("07:00", False),
        ("12:00", False),
    ],
)
def test_a_window_past_midnight(at: str, is_open: bool) -> None:
    now = datetime.combine(datetime(2026, 3, 2).date(), time.fromisoformat(at))
    assert NIGHT.is_open(now) is is_open


def test_a_day_window_and_an_all_day_window() -> None:
    lunch = TimeWindow.parse("12:00-13:30")
    assert lunch.is_open(datetime(2026, 3, 2, 12, 45))
    assert not lunch.is_open(datetime(2026, 3, 2, 13, 30))
    always = TimeWindow.parse("00:00-24:00")
    assert always.is_open(datetime(2026, 3, 2, 9, 0))
    assert always.closes_after(datetime(2026, 3, 2, 9, 0)) is None


def test_when_the_window_opens_and_closes() -> None:
    assert NIGHT.opens_after(datetime(2026, 3, 2, 16, 30)) == timedelta(hours=1, minutes=30)
    assert NIGHT.opens_after(datetime(2026, 3, 2, 20, 0)) == timedelta(0)
    assert NIGHT.closes_after(datetime(2026, 3, 2, 20, 0)) == timedelta(hours=11)
    assert NIGHT.closes_after(datetime(2026, 3, 3, 6, 0)) == timedelta(hours=1)
    morning = TimeWindow.parse("06:00-08:00")
    assert morning.opens_after(datetime(2026, 3, 2, 9, 0)) == timedelta(hours=21)
    assert str(NIGHT) == "18:00-07:00"


@pytest.mark.parametrize("text", ["18:00", "18-07", "25:00-07:00", "18:00-07:60", "a-b", ""])
def test_a_window_that_does_not_parse_says_what_is_expected(text: str) -> None:
    with pytest.raises(PolicyError, match="HH:MM-HH:MM"):
        TimeWindow.parse(text)


def test_rates_and_sizes_as_written() -> None:
    assert parse_rate("2 Mbit/s") == 250_000
    assert parse_rate("512kbit/s") == 64_000
    assert parse_rate("200 KB/s") == 200_000
    assert parse_rate("") == parse_rate("0") == 0
    assert parse_size("1 GB") == 10**9
    assert parse_size("2GiB") == 2 * 1024**3
    assert parse_size("1048576") == 1048576
    assert format_rate(250_000) == "2 Mbit/s" and format_rate(64_000) == "512 kbit/s"
    assert format_rate(0) == ""
    with pytest.raises(PolicyError, match="Mbit/s"):
        parse_rate("fast")
    with pytest.raises(PolicyError, match="GB"):
        parse_size("1 XB")


def test_this_pc_overrides_the_county_and_unset_falls_back(tmp_path: Path) -> None:
    county = DownloadPolicy(window=NIGHT, max_rate=250_000, reserve=2 * 10**9)
    db = open_database(tmp_path / "db.sqlite3")
    try:
        with db.read_session() as session:
            assert load_policy(session, county) == county
            assert load_policy(session) == DownloadPolicy(None, 0, DEFAULT_RESERVE)
        with db.write() as session:
            save_policy(session, DownloadPolicy(window=None, max_rate=0, reserve=10**9))
        with db.read_session() as session:
            assert load_policy(session, county) == DownloadPolicy(None, 0, 10**9)
        with db.write() as session:
            settings.put(session, settings.DOWNLOAD_WINDOW, "garbage")
            settings.clear(session, settings.DOWNLOAD_MAX_RATE)
        with db.read_session() as session:
            policy = load_policy(session, county)
        assert policy.window == NIGHT and policy.max_rate == 250_000
    finally:
        db.close()


def test_the_county_profile_sets_the_download_rules(tmp_path: Path) -> None:
    path = tmp_path / "county.toml"
    assert load_county(path).downloads == DownloadPolicy()
    path.write_text(
        '[sync]\nwindow = "18:00-07:00"\nmax_rate = "2 Mbit/s"\nreserve = "2 GB"\n',
        encoding="utf-8",
    )
    assert load_county(path).downloads == DownloadPolicy(NIGHT, 250_000, 2 * 10**9)
    path.write_text('[sync]\nwindow = "evening"\n', encoding="utf-8")
    with pytest.raises(CountyProfileError, match=r"county.toml.*\[sync\].*HH:MM"):
        load_county(path)
    path.write_text("[downloads\n", encoding="utf-8")
    with pytest.raises(CountyProfileError, match=r"county\.toml"):
        load_county(path)
