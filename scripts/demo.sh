#!/usr/bin/env bash
# The local demo: builds, fills ./var/inbox with the sample articles (first run only) and runs
# the daemon in the foreground on the local defaults (everything under ./var/).
#   scripts/demo.sh
# In another terminal:  .build/debug/newsdedupctl status
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;; esac
scripts/setup.sh
swift build
# The socket's directory only for the user (the daemon warns about one everyone can enter).
mkdir -p var/inbox
chmod 0750 var
if [ ! -e var/store.sqlite ]; then
  cp seeds/*.txt var/inbox/
  echo "demo: put $(ls seeds/*.txt | wc -l) sample articles from seeds/ into var/inbox/"
else
  echo "demo: var/store.sqlite exists already; drop files into var/inbox/ to ingest more"
fi
echo "demo: in another terminal run  .build/debug/newsdedupctl status"
exec .build/debug/newsdedupd --config config/local.yaml
