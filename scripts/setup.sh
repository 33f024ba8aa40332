#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test newsdedup: the system C libraries we
# link (SQLite for GRDB, zlib) and the tools some tests drive (systemd-analyze for the unit,
# mkfs.ext4 and loop mounts for the read-only store, setpriv and script). Swift itself must
# already be on PATH. Safe to run again.
set -euo pipefail

need=()
for pkg in libsqlite3-dev zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v setpriv >/dev/null && command -v script >/dev/null && command -v prlimit >/dev/null || need+=(util-linux)
# Tests act as another user with Debian's Python (one under /root is not readable by others).
[ -x /usr/bin/python3 ] || need+=(python3)
# The test that runs the daemon under its unit's system-call filter uses libseccomp from Python.
/usr/bin/python3 -c 'import seccomp' 2>/dev/null || need+=(python3-seccomp)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.2 or later is needed)" >&2; exit 1; }
