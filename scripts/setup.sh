#!/usr/bin/env bash
# Installs what building and testing rewasm needs, idempotently; a no-op
# (well under a second) when everything is present.
#   - a Wasm guest toolchain for plugins/: a rustup wasm32-unknown-unknown or
#     wasm32-wasip2 target if present, else Debian's rustc-web route (see
#     build-plugins.sh)
#   - PyTorch 2.11.0 (what tch 0.24 links against) in .venv, reached by
#     cargo through .venv/torch (see .cargo/config.toml); set LIBTORCH to use
#     another installation of the same version instead
set -euo pipefail

need_apt=()
have_rustup_wasm() {
  command -v rustup >/dev/null 2>&1 || return 1
  local installed
  installed=$(rustup target list --installed 2>/dev/null || true)
  grep -qx wasm32-wasip2 <<<"$installed" && return 0
  grep -qx wasm32-unknown-unknown <<<"$installed" &&
    [ -x "$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld" ]
}
if ! have_rustup_wasm; then
  for pkg in rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo is required (install Rust from your distribution or rustup)" >&2
  exit 1
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# PyTorch for tch. The stamp makes the fast path a file test, not an import.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_version=2.11.0
if [ -z "${LIBTORCH:-}" ] && [ ! -f "$root/.venv/.torch-$torch_version" ]; then
  echo "setup: installing torch==$torch_version into .venv (about 1 minute, 4.6 GB)"
  python3 -m venv "$root/.venv"
  "$root/.venv/bin/pip" install -q "torch==$torch_version"
  torch_dir=$("$root/.venv/bin/python" -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2>/dev/null)
  ln -sfn "$torch_dir" "$root/.venv/torch"
  touch "$root/.venv/.torch-$torch_version"
fi
