#!/usr/bin/env bash
# Builds everything and runs every test (unit, store, inbox and end-to-end with the real
# binaries). What CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Swift Testing only: no XCTest tests exist, and its empty summary would only confuse.
swift test --disable-xctest "$@"
