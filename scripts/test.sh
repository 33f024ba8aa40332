#!/usr/bin/env bash
# Builds everything and runs every test (unit, store, inbox, end-to-end with the real binaries,
# and the Debian package installed into this machine). What CI runs.
#
#   scripts/test.sh [swift test options, e.g. --filter PackageTests]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n '2,5s/^# \{0,1\}//p' "$0"; exit 0 ;; esac
scripts/setup.sh --test
# The release build first: it is what the package (and scripts/install.sh, the benchmarks) is
# made of, and the package test installs it; the release optimiser has also crashed on code the
# debug build accepted (newsdedupctl similar, Swift 6.3). The Swift runtime is linked in, so
# the installed programs do not need the toolchain.
swift build -c release --static-swift-stdlib
# The man-page generator the package script runs (inside `swift test`, which holds the build
# lock, it cannot build it itself).
swift build --product generate-manual
# Swift Testing only: no XCTest tests exist, and its empty summary would only confuse.
swift test --disable-xctest "$@"
