#!/usr/bin/env bash
# Installs what a fresh machine lacks to build newsdedup (the system C libraries it links:
# SQLite for GRDB, zlib) and, with --test, the tools the tests drive: systemd-analyze for the
# unit, mkfs.ext4 and loop mounts for the read-only store, setpriv, script and prlimit,
# Debian's Python with libseccomp for the unit's system-call filter, dpkg-dev, fakeroot and
# lintian for the package, and PostgreSQL 15 for the shared store's throwaway clusters
# (scripts/pg-cluster.sh; the server is not left running). Swift itself must already be on
# PATH. Safe to run again.
#
#   scripts/setup.sh [--test]
set -euo pipefail

tests=0
case "${1:-}" in
  --test) tests=1 ;;
  -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;;
  "") ;;
  *) echo "setup: unknown option $1 (see --help)" >&2; exit 64 ;;
esac
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.2 or later is needed: https://www.swift.org/install/linux/)" >&2; exit 1; }

need=()
for pkg in libsqlite3-dev zlib1g-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "$tests" = 1 ]; then
  command -v systemd-analyze >/dev/null || need+=(systemd)
  command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
  command -v setpriv >/dev/null && command -v script >/dev/null && command -v prlimit >/dev/null || need+=(util-linux)
  # Tests act as another user with Debian's Python (one under /root is not readable by others).
  [ -x /usr/bin/python3 ] || need+=(python3)
  # The test that runs the daemon under its unit's system-call filter uses libseccomp from Python.
  /usr/bin/python3 -c 'import seccomp' 2>/dev/null || need+=(python3-seccomp)
  # The package test builds, checks and installs the .deb.
  command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
  command -v fakeroot >/dev/null || need+=(fakeroot)
  command -v lintian >/dev/null || need+=(lintian)
  # The PostgreSQL store's tests start their own cluster.
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
  # One of them reaches it from a network namespace over a veth pair, and cuts the link.
  command -v ip >/dev/null || need+=(iproute2)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
