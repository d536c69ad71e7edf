#!/usr/bin/env bash
# Runs Lamplight's whole test suite (sets up first). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
"$VENV/bin/ruff" check app server wire installer tests bench scripts build_installer.py
"$VENV/bin/ruff" format --check app server wire installer tests bench scripts build_installer.py
"$VENV/bin/mypy"
exec "$VENV/bin/python" -m pytest "$@"
