"""``python -m server``: see :mod:`server.cli`."""

from __future__ import annotations

import sys

from server.cli import main

sys.exit(main())
