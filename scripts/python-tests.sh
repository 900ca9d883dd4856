#!/usr/bin/env bash
# Runs the Python tests (tests/python) in a project-local virtualenv, creating it on first use.
# They need Python >= 3.12 (ome-zarr-py 0.21 reads NGFF 0.5 only on zarr-python 3); the first
# python3.13/python3.12/python3 on PATH (or pyenv's) that is new enough is used.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
REQ=tests/python/requirements.txt
pick_python() {
  for cand in python3.13 python3.12 python3 "$HOME/.pyenv/versions/3.12.1/bin/python3" "$HOME/.pyenv/versions/3.13.0/bin/python3"; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$cand"
      return 0
    fi
  done
  return 1
}
stamp="$VENV/.requirements.sha"
want="$(sha256sum "$REQ" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  PY="$(pick_python)" || { echo "python-tests: no Python >= 3.12 found (needed by ome-zarr-py 0.21)" >&2; exit 1; }
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  echo "$want" > "$stamp"
fi
exec "$VENV/bin/python" -m pytest tests/python -W error -q
