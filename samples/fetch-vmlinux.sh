#!/bin/bash
# Fetch the DWARF vmlinux of one of Debian 12's 6.1.0-50 kernels (from its
# linux-image-…-dbg package) into ${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian/
# and print its path (only that) on stdout. Idempotent: a later run finds it there.
#
# Usage: fetch-vmlinux.sh DEBIAN-ARCH     (amd64 arm64 armhf i386 ppc64el s390x mips64el)
#
# The package is downloaded straight from the archive's pool (no foreign
# architecture is added to dpkg), and only vmlinux is unpacked: tar stops at it,
# so the rest of the ~5 GB of debug modules is never decompressed. Progress and
# errors go to stderr.
set -euo pipefail
ARCH=${1:?usage: fetch-vmlinux.sh DEBIAN-ARCH}
ABI=6.1.0-50
VERSION=6.1.176-1
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
case $ARCH in
	amd64) FLAVOUR=amd64 ;;
	arm64) FLAVOUR=arm64 ;;
	armhf) FLAVOUR=armmp ;;
	i386) FLAVOUR=686-pae ;;
	ppc64el) FLAVOUR=powerpc64le ;;
	s390x) FLAVOUR=s390x ;;
	mips64el) FLAVOUR=5kc-malta ;;
	*) echo "fetch-vmlinux: unknown Debian architecture '$ARCH'" >&2; exit 2 ;;
esac
KREL=$ABI-$FLAVOUR
PKG=linux-image-$KREL-dbg
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
OUT=$CACHE/vmlinux-$KREL
if [ -s "$OUT" ]; then
	echo "$OUT"
	exit 0
fi
mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
deb=$tmp/$PKG.deb
url=$MIRROR/pool/main/l/linux/${PKG}_${VERSION}_${ARCH}.deb
echo "fetch-vmlinux: downloading $url" >&2
if ! curl -fsSL --retry 3 -o "$deb" "$url"; then
	# The version moved on: ask the archive's index which file it has now.
	echo "fetch-vmlinux: not at $url; looking $PKG up in the $ARCH index" >&2
	file=$(curl -fsSL --retry 3 "$MIRROR/dists/bookworm/main/binary-$ARCH/Packages.xz" | xz -dc \
		| awk -v p="$PKG" '$1 == "Package:" { hit = ($2 == p) } hit && $1 == "Filename:" { print $2; exit }')
	[ -n "$file" ] || { echo "fetch-vmlinux: $PKG is not in Debian's $ARCH index" >&2; exit 1; }
	curl -fsSL --retry 3 -o "$deb" "$MIRROR/$file"
fi
echo "fetch-vmlinux: unpacking vmlinux-$KREL" >&2
member=./usr/lib/debug/boot/vmlinux-$KREL
# --occurrence: tar stops reading once it has the file (dpkg-deb then sees a closed pipe).
set +o pipefail
dpkg-deb --fsys-tarfile "$deb" 2>/dev/null | tar -x -C "$tmp" --occurrence=1 "$member"
set -o pipefail
[ -s "$tmp/$member" ] || { echo "fetch-vmlinux: $member not found in $deb" >&2; exit 1; }
mv "$tmp/$member" "$OUT.part"
mv "$OUT.part" "$OUT"
echo "$OUT"
