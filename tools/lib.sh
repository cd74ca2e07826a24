# Sourced by the tools/ scripts: puts the Swift toolchain on PATH and installs what is missing.
set -euo pipefail
DOJO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$DOJO_ROOT"
if ! command -v swift >/dev/null 2>&1; then
  for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [[ -x $d/swift ]] && export PATH="$d:$PATH" && break
  done
fi
"$DOJO_ROOT/tools/setup"

# The Python virtual environment for peers and cross-checks (made once, reused).
# Usage: dojo_venv PACKAGE... ; then "$DOJO_VENV/bin/python".
DOJO_VENV="$DOJO_ROOT/tools/.venv"
dojo_venv() {
  [[ -x $DOJO_VENV/bin/python ]] || python3 -m venv "$DOJO_VENV"
  local missing=()
  for p in "$@"; do
    "$DOJO_VENV/bin/python" -m pip show -q "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "tools: installing ${missing[*]} into $DOJO_VENV" >&2
    "$DOJO_VENV/bin/python" -m pip install -q --disable-pip-version-check "${missing[@]}" >&2
  fi
}
