#!/usr/bin/env bash
# The Jupyter tests (issue 6):
#   1. the front-end bundle (scripts/build-widget.mjs) and python-shim's lint and pytest (fake comm,
#      numpy round trips, ome-zarr-py read-back) in a development virtualenv;
#   2. the wheel, built with hatchling, installed OFFLINE (pip --no-index, from a wheelhouse of its
#      dependencies downloaded beforehand) into a fresh virtualenv;
#   3. a real JupyterLab from that fresh virtualenv, driven by Chromium (tests/jupyter/*.e2e.ts).
# Everything lives under dist/jupyter/ (git-ignored). Needs Python >= 3.12 (zarr 3 / ome-zarr 0.21
# for the tests; the package itself supports 3.10+).
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=dist/jupyter
DEV="$WORK/dev-venv"
OFF="$WORK/offline-venv"
WHEELHOUSE="$WORK/wheelhouse"
pick_python() {
  for cand in python3.13 python3.12 python3 "$HOME/.pyenv/versions/3.12.1/bin/python3" "$HOME/.pyenv/versions/3.13.0/bin/python3"; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$cand"
      return 0
    fi
  done
  return 1
}
PY="$(pick_python)" || { echo "jupyter-tests: no Python >= 3.12 found" >&2; exit 1; }
mkdir -p "$WORK"
stamp() { cat "$@" | sha256sum | cut -d' ' -f1; }

# 1. development environment, bundle, lint, pytest
want="$(stamp tests/jupyter/requirements-dev.txt)"
if [ ! -x "$DEV/bin/python" ] || [ "$(cat "$DEV/.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$DEV"
  "$PY" -m venv "$DEV"
  "$DEV/bin/pip" install --quiet --disable-pip-version-check -r tests/jupyter/requirements-dev.txt
  echo "$want" > "$DEV/.stamp"
fi
node scripts/build-widget.mjs
"$DEV/bin/pip" install --quiet --disable-pip-version-check --no-deps --no-build-isolation --force-reinstall ./python-shim
"$DEV/bin/ruff" check python-shim
"$DEV/bin/ruff" format --check python-shim
(cd python-shim && "../$DEV/bin/python" -m pytest tests -W error -q)

# 2. the wheel, and an offline install of it into a fresh virtualenv
rm -rf "$WORK/wheel"
"$DEV/bin/pip" wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w "$WORK/wheel" ./python-shim
WHEEL="$(ls "$WORK"/wheel/sketchpose_web-*.whl)"
want="$(stamp tests/jupyter/requirements-notebook.txt python-shim/pyproject.toml)"
if [ "$(cat "$WHEELHOUSE/.stamp" 2>/dev/null)" != "$want" ]; then
  rm -rf "$WHEELHOUSE"
  # the only online step: the wheel's dependencies and JupyterLab, as wheel files
  "$DEV/bin/pip" wheel --quiet --disable-pip-version-check -w "$WHEELHOUSE" "$WHEEL" -r tests/jupyter/requirements-notebook.txt
  rm -f "$WHEELHOUSE"/sketchpose_web-*.whl
  echo "$want" > "$WHEELHOUSE/.stamp"
fi
rm -rf "$OFF"
"$PY" -m venv "$OFF"
"$OFF/bin/pip" install --quiet --disable-pip-version-check --no-index --find-links "$WHEELHOUSE" \
  "$WHEEL" -r tests/jupyter/requirements-notebook.txt
"$OFF/bin/python" - "$WHEEL" <<'PY'
import sys, zipfile
from pathlib import Path
import numpy as np
import sketchpose_web
from sketchpose_web import Sketchpose
bundle = Path(sketchpose_web.__file__).parent / "static" / "widget.js"
shipped = zipfile.ZipFile(sys.argv[1]).read("sketchpose_web/static/widget.js")
assert bundle.read_bytes() == shipped and b"sketchpose:store" in shipped, "the wheel lacks the bundle"
w = Sketchpose(np.zeros((64, 80), np.uint16))
assert w._esm == bundle.read_text() and w.annotations.shape == (64, 80)
print(f"offline install OK: {Path(sys.argv[1]).name}, bundle {len(shipped) / 2**20:.1f} MB, in {sys.prefix}")
PY

# 3. the widget in a real JupyterLab of the offline environment
SKETCHPOSE_JUPYTER_PYTHON="$PWD/$OFF/bin/python" npx vitest run --config tests/jupyter/vitest.config.ts
