#!/usr/bin/env bash
# Launches Lamplight on the embedded demo: a county server on loopback with the demo courses
# published, and the app pointed at it (sets up first). Data stays in ./demo-data.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec "$VENV/bin/python" -m app demo "$@"
