#!/usr/bin/env bash
# Sets up everything Lamplight needs on Debian/Ubuntu, and does nothing that is already done:
# Qt's system libraries (apt), a virtual environment in .venv, the project and its dev tools.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LAMPLIGHT_VENV:-$ROOT/.venv}"

# Qt (xcb, EGL, fontconfig), QtMultimedia (pulse), the venv module; binutils (objdump, strip)
# for PyInstaller, which the tests run to build a county's app.
APT_PACKAGES=(python3-venv binutils libgl1 libegl1 libx11-6 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1
  libfreetype6 libdbus-1-3 libglib2.0-0 libpulse0 libxrandr2 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 curl)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PY="${PYTHON:-python3}"
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "Lamplight needs Python 3.11 or newer (found $("$PY" --version))." >&2; exit 1; }
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"

# Reinstall only when the dependencies changed.
stamp="$VENV/.lamplight-installed"
want="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Installing Lamplight and its Python packages into $VENV (log: $VENV/install.log)"
  if ! { "$VENV/bin/python" -m pip install --upgrade pip &&
         "$VENV/bin/python" -m pip install -e "$ROOT[dev]"; } > "$VENV/install.log" 2>&1; then
    tail -n 30 "$VENV/install.log" >&2
    echo "Installing the Python packages failed (full log: $VENV/install.log)." >&2
    exit 1
  fi
  echo "$want" > "$stamp"
fi
