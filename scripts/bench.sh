#!/usr/bin/env bash
# Release-mode benchmarks: fingerprint MB/s per script, the zlib-only ceiling, newsdedupd
# --once end to end, and the Python simhash baseline on the same files (pip install simhash).
#   scripts/bench.sh [--full]     (default 2,000 articles; --full 20,000)
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;; esac
scripts/setup.sh
swift build -c release --static-swift-stdlib --product newsdedupd
swift build -c release --static-swift-stdlib --product newsdedupctl
swift build -c release --static-swift-stdlib --product newsdedup-bench
.build/release/newsdedup-bench "$@"
