#!/bin/bash
# Fetch the DWARF vmlinux of Debian's 6.1.0-50-amd64 kernel (from linux-image-6.1.0-50-amd64-dbg)
# into ${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian/ and print its path on stdout.
# Only the path goes to stdout; progress goes to stderr. Idempotent.
set -euo pipefail
KREL=6.1.0-50-amd64
PKG=linux-image-${KREL}-dbg
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
OUT=$CACHE/vmlinux-$KREL
if [ ! -s "$OUT" ]; then
	mkdir -p "$CACHE"
	cd "$CACHE"
	deb=$(ls ${PKG}_*_amd64.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		if ! apt-cache show "$PKG" >/dev/null 2>&1; then
			echo "fetch-vmlinux: $PKG unknown, running apt-get update" >&2
			apt-get update >&2
		fi
		echo "fetch-vmlinux: downloading $PKG (~855 MB)" >&2
		apt-get download "$PKG" >&2
		deb=$(ls ${PKG}_*_amd64.deb | head -n1)
	fi
	echo "fetch-vmlinux: extracting vmlinux from $deb" >&2
	tmp=$(mktemp -d "$CACHE/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/lib/debug/boot/vmlinux-$KREL"
	mv "$tmp/usr/lib/debug/boot/vmlinux-$KREL" "$OUT.part"
	mv "$OUT.part" "$OUT"
	rm -f "$deb"
fi
echo "$OUT"
