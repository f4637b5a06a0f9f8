#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test of the
# host workspace and the plugins' native tests.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/setup.sh
cargo test --workspace --locked
(cd plugins && cargo test --workspace --locked)
