"""Lamplight (灯火研修) client: an offline-first training app for teachers on shared school PCs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lamplight")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

APP_NAME = "Lamplight"
