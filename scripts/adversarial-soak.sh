#!/usr/bin/env bash
# The adversarial soak of issue 14 (nightly, not CI): producers that keep mtimes, files written
# in place, names that collide with quarantine reasons, pruning, removed directories, pauses,
# SIGHUP and kill -9 rounds; then every file dropped is accounted for, byte for byte.
#   scripts/adversarial-soak.sh [--rounds N] [--files-per-round N] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;; esac
scripts/setup.sh
swift build -c release --static-swift-stdlib --product newsdedupd
swift build -c release --static-swift-stdlib --product newsdedupctl
exec python3 scripts/adversarial_soak.py "$@"
