"""Where Lamplight keeps its data: the one place that decides it.

Every teacher on a shared PC uses one copy of the content, so the data directory is machine-wide
(platformdirs' ``site_data_dir``: ``C:\\ProgramData\\Lamplight`` on Windows,
``/usr/local/share/Lamplight`` on Linux). Where that is not writable (a teacher without admin
rights on a PC nobody set up), the per-user directory is used instead. ``--data-dir`` or
``LAMPLIGHT_DATA_DIR`` override both.
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


def resolve_data_dir(override: str | os.PathLike[str] | None = None) -> DataPaths:
    """Picks the data directory: flag, then environment, then machine-wide, then per-user."""
    chosen = override or os.environ.get(ENV_DATA_DIR)
    if chosen:
        return DataPaths(Path(chosen).expanduser().resolve()).ensure()
    machine = Path(platformdirs.site_data_dir(APP_NAME, appauthor=False))
    if _writable(machine):
        return DataPaths(machine).ensure()
    return DataPaths(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))).ensure()
