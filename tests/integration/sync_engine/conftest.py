"""A real county server on loopback with one school, and PCs that sync with it.

``county`` runs on SQLite and on PostgreSQL (the ``server_db_url`` fixture); ``sqlite_county``
only on SQLite, for the tests that kill processes many times over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.pcs import PC, County, new_pc
from tests.helpers.server_process import add_school, running_server


def _county(tmp_path: Path, database_url: str) -> Iterator[County]:
    data_dir = tmp_path / "server"
    code = add_school(data_dir, "石桥镇中心小学", database_url)
    with running_server(data_dir, database_url) as server:
        yield County(server, data_dir, database_url, code)


@pytest.fixture
def county(tmp_path: Path, server_db_url: str) -> Iterator[County]:
    yield from _county(tmp_path, server_db_url)


@pytest.fixture
def sqlite_county(tmp_path: Path) -> Iterator[County]:
    yield from _county(tmp_path, f"sqlite:///{tmp_path / 'server' / 'server.sqlite3'}")


@pytest.fixture
def make_pc(tmp_path: Path) -> Iterator[Callable[..., PC]]:
    made: list[PC] = []

    def make(url: str, code: str | None, name: str, **kwargs: object) -> PC:
        pc = new_pc(tmp_path / "pcs", url, code, name, **kwargs)  # type: ignore[arg-type]
        made.append(pc)
        return pc

    yield make
    for pc in made:
        pc.close()
