#!/usr/bin/env bash
# Create benches/math-verify/.venv with math-verify 0.9.0 (pinned in requirements.txt).
# Idempotent: a no-op (silent) when the venv already matches requirements.txt.
#   --corpus   also create .venv-corpus (numpy + pydantic) for make_corpus.py
# Env: PYTHON (default python3) picks the interpreter for new venvs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"

ensure_venv() {  # dir requirements import-check
  local dir="$1" req="$2" check="$3"
  local stamp="$dir/.requirements.sha256"
  local want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$dir/bin/python" -c "$check" 2>/dev/null; then
    return 0
  fi
  echo "setup: creating $dir" >&2
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  "$dir/bin/python" -c "$check"
  echo "$want" > "$stamp"
}

ensure_venv "$here/.venv" "$here/requirements.txt" "import math_verify, latex2sympy2_extended, sympy"
if [[ "${1:-}" == "--corpus" ]]; then
  ensure_venv "$here/.venv-corpus" "$here/requirements-corpus.txt" "import numpy, pydantic"
fi
