#!/usr/bin/env bash
# Builds everything and runs every test (unit, store, inbox and end-to-end with the real
# binaries). What CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Swift Testing only: no XCTest tests exist, and its empty summary would only confuse.
swift test --disable-xctest "$@"
# The release build too: it is what scripts/install.sh and the benchmarks use, and the release
# optimiser has crashed on code the debug build accepted (newsdedupctl similar, Swift 6.3).
swift build -c release
