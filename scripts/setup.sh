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
# On a machine with an NVIDIA driver the full wheel is installed with its CUDA
# 13 libraries (4.6 GB). Without one, only the wheel itself plus the two CUDA
# runtime pieces that libtorch_cpu.so links against (1.3 GB): tch then builds
# CPU-only, and a binary built so still finds CUDA at run time where the full
# libraries are on its library path (see host/trainer/build.rs).
# REWASM_TORCH=cpu|cuda overrides the guess.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
torch_version=2.11.0
cpu_extras=(nvidia-cuda-runtime==13.0.96 nvidia-cuda-cupti==13.0.85)
flavour=${REWASM_TORCH:-auto}
if [ "$flavour" = auto ]; then
  flavour=cpu
  if [ -e /proc/driver/nvidia/version ] || command -v nvidia-smi >/dev/null 2>&1; then
    flavour=cuda
  fi
fi
case "$flavour" in
  cpu | cuda) ;;
  *) echo "setup: REWASM_TORCH must be cpu or cuda, not '$flavour'" >&2; exit 1 ;;
esac
full_stamp="$root/.venv/.torch-$torch_version"
cpu_stamp="$root/.venv/.torch-$torch_version-cpu"
if [ -z "${LIBTORCH:-}" ] && [ ! -f "$full_stamp" ] &&
  { [ "$flavour" = cuda ] || [ ! -f "$cpu_stamp" ]; }; then
  python3 -m venv "$root/.venv"
  if [ "$flavour" = cuda ]; then
    echo "setup: installing torch==$torch_version with CUDA into .venv (about 1 minute, 4.6 GB)"
    "$root/.venv/bin/pip" install -q "torch==$torch_version"
  else
    echo "setup: installing torch==$torch_version, CPU part, into .venv (about 30 s, 1.3 GB)"
    "$root/.venv/bin/pip" install -q --no-deps "torch==$torch_version" "${cpu_extras[@]}"
  fi
  site=$("$root/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  ln -sfn "$site/torch" "$root/.venv/torch"
  if [ "$flavour" = cuda ]; then touch "$full_stamp"; else touch "$cpu_stamp"; fi
fi
