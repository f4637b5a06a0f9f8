set -euo pipefail
[ -n "${REWASM_TOOLCHAIN_COMMON:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# C plugins: clang 19 compiles for wasm32-wasip2 against wasi-libc,
# `wit-bindgen c` generates the bindings, and `wasm-component-ld` (given to
# clang as its linker) turns the core module into a component. The SDK
# makes no WASI call, so the component imports nothing from WASI.

C_WIT_BINDGEN_VERSION=0.63.0
C_COMPONENT_LD_VERSION=0.5.22
C_APT_PACKAGES=(clang-19 lld-19 libclang-rt-19-dev-wasm32 wasi-libc)

c_root() { echo "$(toolchains_dir)/c"; }

# The first wasm-component-ld found: ours, rust-web-llvm's (Debian), then
# one in a rustup toolchain.
c_component_ld() {
  local f
  for f in "$(c_root)/bin/wasm-component-ld" \
    /usr/lib/rustlib/*/bin/wasm-component-ld \
    "${RUSTUP_HOME:-$HOME/.rustup}"/toolchains/*/lib/rustlib/*/bin/wasm-component-ld; do
    [ -x "$f" ] && { echo "$f"; return 0; }
  done
  return 1
}

# A cargo new enough for `cargo install` of the tools below: the one on PATH
# when it is 1.85 or newer, else Debian's cargo-web (bookworm's plain
# `cargo` is far too old).
c_cargo() {
  local v
  if command -v cargo >/dev/null 2>&1; then
    v=$(cargo --version 2>/dev/null | sed -n 's/^cargo 1\.\([0-9]*\)\..*/\1/p')
    if [ -n "$v" ] && [ "$v" -ge 85 ]; then
      command -v cargo
      return 0
    fi
  fi
  apt_install cargo-web
  echo /usr/bin/cargo
}

c_cargo_install() {
  local cargo
  cargo=$(c_cargo)
  echo "rewasm build: cargo install $1 $2 (once, a few minutes)" >&2
  "$cargo" install "$1" --version "$2" --locked --quiet --root "$(c_root)" >&2 ||
    die "cargo install $1 $2 failed"
}

install_toolchain() {
  local root
  root=$(c_root)
  # Fast path: file tests only.
  if [ -x /usr/bin/clang-19 ] && [ -x /usr/lib/llvm-19/bin/wasm-ld ] && [ -f /usr/lib/wasm32-wasi/libc.a ] &&
    [ -f /usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a ] &&
    [ -x "$root/bin/wit-bindgen" ] && c_component_ld >/dev/null; then
    return 0
  fi
  apt_install "${C_APT_PACKAGES[@]}"
  mkdir -p "$root"
  [ -x "$root/bin/wit-bindgen" ] || c_cargo_install wit-bindgen-cli "$C_WIT_BINDGEN_VERSION"
  c_component_ld >/dev/null || c_cargo_install wasm-component-ld "$C_COMPONENT_LD_VERSION"
}

# build_plugin DIR OUT: every *.c at the top of DIR plus the SDK's in
# DIR/.rewasm/sdk/, into the component OUT.
build_plugin() {
  local dir=$1 out=$2 gen ld rt srcs=()
  gen="$dir/.rewasm/gen"
  rm -rf "$gen"
  mkdir -p "$gen" "$(dirname "$out")"
  # The whole world: wit-component leaves out the imports (log, judge) that
  # the plugin never calls, so no trimmed world is needed.
  echo "rewasm build: wit-bindgen c" >&2
  local log
  log=$("$(c_root)/bin/wit-bindgen" c --world reward-plugin --out-dir "$gen" "$dir/.rewasm/wit/reward.wit" 2>&1) ||
    { echo "$log" >&2; die "wit-bindgen c failed"; }
  shopt -s nullglob
  srcs=("$dir"/*.c)
  local sdk=("$dir"/.rewasm/sdk/*.c)
  shopt -u nullglob
  [ ${#srcs[@]} -gt 0 ] || die "no .c file in $dir"
  [ ${#sdk[@]} -gt 0 ] || die "no SDK sources in $dir/.rewasm/sdk"
  ld=$(c_component_ld) || die "wasm-component-ld not found"
  rt=/usr/lib/llvm-19/lib/clang/19/lib/wasi/libclang_rt.builtins-wasm32.a
  echo "rewasm build: clang-19, ${#srcs[@]} source file(s)" >&2
  # Debian's wasi-libc and compiler-rt sit where clang's wasip2 driver does
  # not look, so the start file and libraries are named here (clang itself
  # tells wasm-component-ld where lld-19's wasm-ld is). The long-double
  # printf/strtod library comes first: the default one writes to stderr when
  # it meets a long double, which would import WASI stdio and files.
  # --strip-all drops libc's debug info; -ffp-contract=off keeps float
  # results identical to the other languages.
  clang-19 --target=wasm32-wasip2 --sysroot=/usr \
    -isystem /usr/include/wasm32-wasi -O2 -std=c11 -ffp-contract=off \
    -Wall -Wextra -Werror=implicit-function-declaration -Werror=incompatible-pointer-types \
    -mexec-model=reactor -nostartfiles -nodefaultlibs -fuse-ld="$ld" \
    -I "$dir/.rewasm/sdk" -I "$gen" -o "$out" \
    /usr/lib/wasm32-wasi/crt1-reactor.o "${srcs[@]}" "${sdk[@]}" \
    "$gen/reward_plugin.c" "$gen/reward_plugin_component_type.o" \
    /usr/lib/wasm32-wasi/libc-printscan-long-double.a /usr/lib/wasm32-wasi/libc.a "$rt" -Wl,--strip-all
  echo "rewasm build: wrote $out ($(wc -c <"$out") bytes)" >&2
}

toolchain_main "$@"
