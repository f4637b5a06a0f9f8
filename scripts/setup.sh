#!/usr/bin/env bash
# Installs what building and testing rewasm needs, idempotently; a no-op
# (well under a second) when everything is present.
#   - a Wasm guest toolchain for plugins/: a rustup wasm32-unknown-unknown or
#     wasm32-wasip2 target if present, else Debian's rustc-web route (see
#     build-plugins.sh)
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
