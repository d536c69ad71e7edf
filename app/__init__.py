"""Lamplight (灯火研修) client: an offline-first training app for teachers on shared school PCs."""

from wire import __version__ as __version__

APP_NAME = "Lamplight"
