#!/usr/bin/env bash
# Builds the Debian package newsdedup_VERSION_ARCH.deb and prints its path as the last line.
#
#   scripts/package-deb.sh [--no-build] [--output DIR]
#
# --no-build    package the release binaries already in .build/release (built by
#               scripts/test.sh or an earlier run) instead of building them
# --output DIR  where the .deb goes (default: .build/deb)
#
# The binaries carry the Swift runtime (--static-swift-stdlib) and are stripped, so the package
# installs on a server without the toolchain; it depends only on Debian's libraries, as
# dpkg-shlibdeps finds them. Contents: both programs in /usr/bin; the unit in
# /usr/lib/systemd/system; sysusers.d and tmpfiles.d entries for the user, group, spool, state
# and run directories; the configuration as a conffile readable by the service's group; man
# pages generated from the argument parser (so they never drift from --help); bash, zsh and
# fish completions. The maintainer scripts create the user where systemd-sysusers is missing,
# and remove data only on purge.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,18s/^# \{0,1\}//p' "$0"; }
build=1
output=.build/deb
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --output) output="$2"; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "package-deb: unknown option $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
for tool in dpkg-deb dpkg-shlibdeps fakeroot; do
  command -v "$tool" >/dev/null || { echo "package-deb: $tool is missing: apt-get install dpkg-dev fakeroot" >&2; exit 69; }
done

if [ "$build" = 1 ]; then
  swift build -c release --static-swift-stdlib --product newsdedupd >&2
  swift build -c release --static-swift-stdlib --product newsdedupctl >&2
fi
bin=.build/release
for program in newsdedupd newsdedupctl; do
  [ -x "$bin/$program" ] || { echo "package-deb: no $bin/$program: build it (or drop --no-build)" >&2; exit 66; }
done
if readelf -d "$bin/newsdedupd" | grep -q 'libswiftCore'; then
  echo "package-deb: $bin/newsdedupd links the Swift runtime dynamically: build with --static-swift-stdlib" >&2
  exit 65
fi
# The manual generator of swift-argument-parser, run on the built programs. With --no-build an
# existing one is used (the package test runs inside `swift test`, which holds the build lock).
generate_manual=.build/debug/generate-manual
if [ "$build" = 1 ] || [ ! -x "$generate_manual" ]; then
  swift build --product generate-manual >&2
fi

version="$("$bin/newsdedupd" --version | awk '{print $2}')"
arch="$(dpkg --print-architecture)"
# Reproducible dates: the last commit's, not the clock's.
epoch="$(git log -1 --format=%ct 2>/dev/null || date +%s)"
day="$(date -u -d "@$epoch" +%Y-%m-%d)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/newsdedup_${version}_${arch}"
doc="$root/usr/share/doc/newsdedup"
install -d -m 0755 "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/systemd/system" "$root/usr/lib/sysusers.d" \
  "$root/usr/lib/tmpfiles.d" "$root/etc/newsdedup" "$root/usr/share/man/man1" "$doc" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
  "$root/usr/share/fish/vendor_completions.d" "$work/man"

for program in newsdedupd newsdedupctl; do
  install -m 0755 "$bin/$program" "$root/usr/bin/$program"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/$program"
  "$generate_manual" "$root/usr/bin/$program" --date "$day" --authors "newsdedup maintainers" -o "$work/man" >&2
  gzip -9n -c "$work/man/$program.1" > "$root/usr/share/man/man1/$program.1.gz"
  # bash-completion sources the file: no #! line.
  "$root/usr/bin/$program" --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/$program"
  "$root/usr/bin/$program" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_$program"
  "$root/usr/bin/$program" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/$program.fish"
done

sed -e 's#/usr/local/bin/newsdedupd#/usr/bin/newsdedupd#' \
    -e 's#^Documentation=.*#Documentation=man:newsdedupd(1) man:newsdedupctl(1) file:///usr/share/doc/newsdedup/README.md.gz#' \
    -e 's#^\# newsdedupd under systemd\..*#\# newsdedupd under systemd, as installed by the newsdedup package.#' \
    -e '/^# Install the binaries to/d' -e '/^# \/etc\/newsdedup\/newsdedup.yaml (see README/d' \
    systemd/newsdedupd.service > "$root/usr/lib/systemd/system/newsdedupd.service"
install -m 0644 packaging/newsdedup.sysusers "$root/usr/lib/sysusers.d/newsdedup.conf"
install -m 0644 packaging/newsdedup.tmpfiles "$root/usr/lib/tmpfiles.d/newsdedup.conf"
# 0640: the service's group reads it (postinst gives it the group, which exists only then).
install -m 0640 config/newsdedup.yaml "$root/etc/newsdedup/newsdedup.yaml"
gzip -9n -c README.md > "$doc/README.md.gz"
install -m 0644 packaging/copyright "$doc/copyright"
{
  echo "newsdedup ($version) unstable; urgency=medium"
  echo
  echo "  * Release $version, packaged from commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)."
  echo
  echo " -- newsdedup maintainers <maintainers@newsdedup.invalid>  $(date -u -R -d "@$epoch")"
} | gzip -9n > "$doc/changelog.gz"  # a native package (no Debian revision): changelog, not changelog.Debian
# Overrides, each with its reason in the file.
install -d -m 0755 "$root/usr/share/lintian/overrides"
install -m 0644 packaging/lintian-overrides "$root/usr/share/lintian/overrides/newsdedup"

for script in postinst prerm postrm; do
  install -m 0755 "packaging/$script" "$root/DEBIAN/$script"
done
echo "/etc/newsdedup/newsdedup.yaml" > "$root/DEBIAN/conffiles"

# Depends: the shared libraries the binaries use, as Debian's shlibs files name them.
mkdir -p "$work/debian"
printf 'Source: newsdedup\n\nPackage: newsdedup\nArchitecture: any\n' > "$work/debian/control"
depends="$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/newsdedupd" "$root/usr/bin/newsdedupctl" 2>/dev/null \
  | sed -n 's/^shlibs:Depends=//p')"
[ -n "$depends" ] || { echo "package-deb: dpkg-shlibdeps found no dependencies" >&2; exit 70; }
size="$(du -sk --exclude=DEBIAN "$root" | cut -f1)"
cat > "$root/DEBIAN/control" <<EOF
Package: newsdedup
Version: $version
Architecture: $arch
Maintainer: newsdedup maintainers <maintainers@newsdedup.invalid>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: deduplicating store for news articles dropped into an inbox
 newsdedupd takes each article file dropped into a spool directory, in any
 language or script, normalises and fingerprints it, recognises exact and
 near duplicates (the same story re-published by another outlet) and keeps
 a compressed copy in an SQLite store. newsdedupctl asks the running daemon
 what it holds: status, articles, duplicates, a feed, backups.
 .
 The daemon runs as its own user under a hardened systemd unit.
EOF
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$output"
deb="$output/newsdedup_${version}_${arch}.deb"
fakeroot dpkg-deb -Zxz --build "$root" "$deb" >&2
echo "$(cd "$output" && pwd)/$(basename "$deb")"
