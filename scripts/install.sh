#!/usr/bin/env bash
# Installs newsdedup on a server: release binaries, the systemd unit, the example
# configuration and the README; with neither DESTDIR nor --no-system, also the system user and
# group and the spool directories. Run as root.
#
#   scripts/install.sh [--uninstall] [--no-build] [--bin-dir DIR] [--no-system]
#   PREFIX=/usr/local (binaries, docs)   DESTDIR= (staging root, e.g. for packaging)
#
# --no-build / --bin-dir DIR  install binaries already built (default: swift build -c release --static-swift-stdlib)
# --no-system                 skip the user, group, directories and systemctl daemon-reload
# --uninstall                 remove binaries, unit and docs; configuration and data are kept
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
bin_dir=""
build=1
system=1
uninstall=0
while [ $# -gt 0 ]; do
  case "$1" in
    --uninstall) uninstall=1 ;;
    --no-build) build=0 ;;
    --bin-dir) bin_dir="$2"; build=0; shift ;;
    --no-system) system=0 ;;
    -h|--help) sed -n "2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}" "$0"; exit 0 ;;
    *) echo "install: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
[ -n "$DESTDIR" ] && system=0

bindir="$DESTDIR$PREFIX/bin"
docdir="$DESTDIR$PREFIX/share/doc/newsdedup"
unitdir="$DESTDIR/etc/systemd/system"
confdir="$DESTDIR/etc/newsdedup"

if [ "$uninstall" = 1 ]; then
  if [ "$system" = 1 ] && command -v systemctl >/dev/null && systemctl is-active --quiet newsdedupd 2>/dev/null; then
    systemctl stop newsdedupd
  fi
  rm -f "$bindir/newsdedupd" "$bindir/newsdedupctl" "$unitdir/newsdedupd.service"
  rm -rf "$docdir"
  [ "$system" = 1 ] && command -v systemctl >/dev/null && systemctl daemon-reload 2>/dev/null || true
  echo "install: removed binaries, unit and docs; kept $confdir, /var/lib/newsdedup and /var/spool/newsdedup"
  exit 0
fi

if [ -z "$bin_dir" ]; then
  if [ "$build" = 1 ]; then
    scripts/setup.sh
    swift build -c release --static-swift-stdlib
  fi
  bin_dir=".build/release"
fi

install -d -m 0755 "$bindir" "$docdir" "$unitdir"
install -m 0755 "$bin_dir/newsdedupd" "$bin_dir/newsdedupctl" "$bindir/"
sed "s#/usr/local/bin/newsdedupd#$PREFIX/bin/newsdedupd#; s#/usr/local/share/doc#$PREFIX/share/doc#" \
  systemd/newsdedupd.service > "$unitdir/newsdedupd.service"
chmod 0644 "$unitdir/newsdedupd.service"
install -m 0644 README.md "$docdir/README.md"
install -d -m 0755 "$confdir"
if [ -e "$confdir/newsdedup.yaml" ]; then
  install -m 0640 config/newsdedup.yaml "$confdir/newsdedup.yaml.new"
  echo "install: kept your $confdir/newsdedup.yaml; the new example is newsdedup.yaml.new"
else
  install -m 0640 config/newsdedup.yaml "$confdir/newsdedup.yaml"
fi

if [ "$system" = 1 ]; then
  getent group newsdedup >/dev/null || groupadd --system newsdedup
  getent passwd newsdedup >/dev/null ||
    useradd --system --gid newsdedup --home-dir /var/lib/newsdedup --no-create-home --shell /usr/sbin/nologin newsdedup
  chgrp newsdedup "$confdir/newsdedup.yaml"
  # Producers write into the inbox through the group (setgid keeps their files in it).
  install -d -o newsdedup -g newsdedup -m 2770 /var/spool/newsdedup/inbox
  install -d -o newsdedup -g newsdedup -m 0750 /var/spool/newsdedup \
    /var/spool/newsdedup/processing /var/spool/newsdedup/processed /var/spool/newsdedup/quarantine /var/lib/newsdedup
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
fi
echo "install: $PREFIX/bin/newsdedupd and newsdedupctl, the unit in /etc/systemd/system, the configuration in /etc/newsdedup"
[ "$system" = 1 ] && echo "install: start it with  systemctl enable --now newsdedupd" || true
