"""Where Lamplight keeps its data: the one place that decides it.

Every teacher on a shared PC uses one copy of the content, so the data directory is machine-wide
(platformdirs' ``site_data_dir``: ``C:\\ProgramData\\Lamplight`` on Windows,
``/usr/local/share/Lamplight`` on Linux). Where that is not writable (a teacher without admin
rights on a PC nobody set up), the per-user directory is used instead. ``--data-dir`` or
``LAMPLIGHT_DATA_DIR`` override both.

On Linux an IT person shares the machine-wide folder between the teachers' accounts through a
group (``docs/counties.md``); files made there are then group-writable (:func:`share_with_group`).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app import APP_NAME

ENV_DATA_DIR = "LAMPLIGHT_DATA_DIR"


@dataclass(frozen=True)
class DataPaths:
    """The folders and files under one data directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "lamplight.sqlite3"

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def partial(self) -> Path:
        """Downloads in progress, kept across restarts so they resume."""
        return self.root / "content" / "partial"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def ensure(self) -> DataPaths:
        for folder in (self.root, self.content, self.partial, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-"):
            pass
    except OSError:
        return False
    return True


def share_with_group() -> None:
    """Files this process makes are writable by their group (POSIX), so that on a PC where
    the machine-wide folder is shared through a group, the next teacher's account can write
    the database and the content one account made. Windows shares through the folder's
    inherited permissions instead (the installer sets them)."""
    if os.name == "posix":
        os.umask(os.umask(0) & ~0o020)


def resolve_data_dir(override: str | os.PathLike[str] | None = None) -> DataPaths:
    """Picks the data directory: flag, then environment, then machine-wide, then per-user."""
    chosen = override or os.environ.get(ENV_DATA_DIR)
    if chosen:
        return DataPaths(Path(chosen).expanduser().resolve()).ensure()
    machine = Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))
    if _writable(machine):
        share_with_group()
        return DataPaths(machine).ensure()
    return DataPaths(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))).ensure()
