#!/usr/bin/env bash
# Builds the Rust reward plugins under plugins/ into Wasm components in
# plugins/dist/NAME.wasm.
#
# Route 1: a rustup toolchain with the wasm32-unknown-unknown target (linked
#          by its bundled wasm-component-ld) or the wasm32-wasip2 target
#          (which links components itself; unused WASI imports are dropped,
#          and any left trap if called, since the host grants no WASI).
# Route 2: Debian's rustc-web/cargo-web (std source from rust-web-src, rebuilt
#          with -Zbuild-std) linked by rust-web-llvm's wasm-component-ld and
#          wasm-ld-22. scripts/setup.sh installs these.
# Usage: scripts/build-plugins.sh [PLUGIN...]   (default: every built-in)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root/plugins"

builtins=(math-accuracy format iou length-bonus consistency chart-code)
if [ $# -gt 0 ]; then plugins=("$@"); else plugins=("${builtins[@]}"); fi

target=wasm32-unknown-unknown
pkgs=()
for p in "${plugins[@]}"; do pkgs+=(-p "$p"); done

route=""
if command -v rustup >/dev/null 2>&1; then
  installed=$(rustup target list --installed 2>/dev/null || true)
  sysroot=$(rustc --print sysroot)
  cld="$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/wasm-component-ld"
  if grep -qx "$target" <<<"$installed" && [ -x "$cld" ]; then
    route=rustup
    RUSTFLAGS="-C linker=$cld" cargo build --release --target "$target" "${pkgs[@]}"
  elif grep -qx wasm32-wasip2 <<<"$installed"; then
    route=rustup-wasip2
    target=wasm32-wasip2
    cargo build --release --target "$target" "${pkgs[@]}"
  fi
fi
if [ -z "$route" ]; then
  cld=/usr/lib/rustlib/x86_64-unknown-linux-gnu/bin/wasm-component-ld
  if [ ! -x /usr/bin/rustc ] || [ ! -x "$cld" ] || [ ! -x /usr/bin/wasm-ld-22 ]; then
    echo "build-plugins: no Wasm toolchain found; run scripts/setup.sh (installs rustc-web, cargo-web, rust-web-src, rust-web-llvm, lld-22)" >&2
    exit 1
  fi
  route=debian
  # The Debian cargo must not be shadowed by rustup's proxies.
  RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    RUSTFLAGS="-C linker=$cld -C link-arg=--wasm-ld-path=/usr/bin/wasm-ld-22" \
    CARGO_TARGET_DIR="$root/plugins/target/debian" \
    /usr/bin/cargo build --release --target "$target" -Zbuild-std=std,panic_abort "${pkgs[@]}"
  out="$root/plugins/target/debian/$target/release"
else
  out="$root/plugins/target/$target/release"
fi

# Appends plugins/NAME/vectors.jsonl (when there is one) to a component as
# its top-level `rewasm:vectors` custom section, replacing an older one, so
# the module ships its test cases (see `rewasm vet`, README "Signing and
# vetting reward modules").
embed_vectors() {
  python3 - "$1" "$2" <<'PY'
import json, sys
path, vectors = sys.argv[1], sys.argv[2]
data, jsonl = open(path, "rb").read(), open(vectors, "rb").read()
for i, line in enumerate(jsonl.decode("utf-8").splitlines(), 1):
    if line.strip():
        try:
            json.loads(line)
        except ValueError as e:
            sys.exit(f"build-plugins: {vectors}:{i}: {e}")
NAME = b"rewasm:vectors"
def leb(n):
    out = bytearray()
    while True:
        b, n = n & 0x7F, n >> 7
        out.append(b | 0x80 if n else b)
        if not n:
            return bytes(out)
def read_leb(buf, pos):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return value, pos
out, pos = bytearray(data[:8]), 8
while pos < len(data):
    start, section = pos, data[pos]
    size, pos = read_leb(data, pos + 1)
    end = pos + size
    keep = True
    if section == 0:
        n, name_at = read_leb(data, pos)
        keep = data[name_at:name_at + n] != NAME
    if keep:
        out += data[start:end]
    pos = end
payload = leb(len(NAME)) + NAME + jsonl
out += b"\0" + leb(len(payload)) + payload
open(path, "wb").write(out)
PY
}

mkdir -p "$root/plugins/dist"
for p in "${plugins[@]}"; do
  f="$out/${p//-/_}.wasm"
  if [ ! -f "$f" ]; then echo "build-plugins: $f was not produced" >&2; exit 1; fi
  # A component starts with the magic and layer 1 (0d 00 01 00).
  if [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" != "0061736d0d000100" ]; then
    echo "build-plugins: $f is a core module, not a component" >&2; exit 1
  fi
  cp "$f" "$root/plugins/dist/$p.wasm.tmp"
  shipped=""
  if [ -f "$root/plugins/$p/vectors.jsonl" ]; then
    embed_vectors "$root/plugins/dist/$p.wasm.tmp" "$root/plugins/$p/vectors.jsonl"
    shipped=", $(grep -c . "$root/plugins/$p/vectors.jsonl") test vectors"
  fi
  mv "$root/plugins/dist/$p.wasm.tmp" "$root/plugins/dist/$p.wasm"
  echo "built plugins/dist/$p.wasm ($(wc -c <"$root/plugins/dist/$p.wasm") bytes, $route route$shipped)"
done
