#!/usr/bin/env bash
# The nightly crash soak: the kill -9 crash test at full size (10,000 files x 50 rounds by
# default). Prints the figures: files, rounds, crashes right after a commit, lost, stored twice.
#   scripts/crash-soak.sh [FILES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;; esac
scripts/setup.sh
export NEWSDEDUP_SOAK_FILES="${1:-10000}" NEWSDEDUP_SOAK_ROUNDS="${2:-50}"
swift test --disable-xctest --filter CrashRecoveryTests 2>&1 | grep -E "crash test:|✘|✔ Test run|error:"
