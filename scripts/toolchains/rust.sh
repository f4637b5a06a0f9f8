#!/usr/bin/env bash
# Rust reward plugins: `rewasm build` runs this (after common.sh) for
# projects with `lang = "rust"`; see common.sh for the contract.
#
# Route 1: a rustup toolchain with the wasm32-wasip2 target (links components
#          itself), or wasm32-unknown-unknown plus rustup's wasm-component-ld.
# Route 2: Debian's rustc-web/cargo-web, std rebuilt from rust-web-src with
#          -Zbuild-std, linked by rust-web-llvm's wasm-component-ld and
#          wasm-ld-22 (what works without rustup downloads).
# Builds share one target folder under the toolchains folder, so a second
# project reuses the compiled std and dependencies.
set -euo pipefail
[ -n "${REWASM_TOOLCHAIN_COMMON:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

debian_cld=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld

rustup_route() {
  command -v rustup >/dev/null 2>&1 || return 1
  local installed
  installed=$(rustup target list --installed 2>/dev/null || true)
  if grep -qx wasm32-wasip2 <<<"$installed"; then
    echo wasip2
  elif grep -qx wasm32-unknown-unknown <<<"$installed" &&
    [ -x "$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld" ]; then
    echo unknown
  else
    return 1
  fi
}

install_toolchain() {
  rustup_route >/dev/null && return 0
  apt_install rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc
}

build_plugin() {
  local dir=$1 out=$2 route target target_dir crate
  [ -f "$dir/Cargo.toml" ] || die "$dir/Cargo.toml is missing"
  crate=$(sed -n 's/^name *= *"\([^"]*\)".*/\1/p' "$dir/Cargo.toml" | head -1)
  [ -n "$crate" ] || die "$dir/Cargo.toml names no package"
  target_dir="$(toolchains_dir)/rust/target"
  route=$(rustup_route || echo debian)
  echo "rewasm build: cargo ($route route)" >&2
  case "$route" in
    wasip2)
      target=wasm32-wasip2
      (cd "$dir" && CARGO_TARGET_DIR="$target_dir" cargo build --release --target "$target" >&2)
      ;;
    unknown)
      target=wasm32-unknown-unknown
      local cld
      cld="$(rustc --print sysroot)/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld"
      (cd "$dir" && RUSTFLAGS="-C linker=$cld" CARGO_TARGET_DIR="$target_dir" \
        cargo build --release --target "$target" >&2)
      ;;
    debian)
      target=wasm32-unknown-unknown
      target_dir="$target_dir/debian"
      # The Debian cargo, by full path: rustup's proxies may shadow it.
      (cd "$dir" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
        RUSTFLAGS="-C linker=$debian_cld -C link-arg=--wasm-ld-path=/usr/bin/wasm-ld-22" \
        CARGO_TARGET_DIR="$target_dir" \
        /usr/bin/cargo build --release --target "$target" -Zbuild-std=std,panic_abort >&2)
      ;;
  esac
  local built="$target_dir/$target/release/${crate//-/_}.wasm"
  [ -f "$built" ] || die "cargo wrote no $built (is crate-type = [\"cdylib\"] set in $dir/Cargo.toml?)"
  cp "$built" "$out"
}

toolchain_main "$@"
