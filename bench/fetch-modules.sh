#!/bin/bash
# Fetch three debug modules (ext4, xfs, nf_tables) of Debian's 6.1.0-50-amd64
# kernel from linux-image-6.1.0-50-amd64-dbg into
# ${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian/modules/ and print that
# directory on stdout (progress on stderr). Downloads the ~855 MB .deb once,
# extracts only the three .ko files while streaming, then deletes the .deb.
set -euo pipefail
KREL=6.1.0-50-amd64
PKG=linux-image-${KREL}-dbg
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
OUT=$CACHE/modules
KDIR=./usr/lib/debug/lib/modules/$KREL/kernel
MODS=(fs/ext4/ext4.ko fs/xfs/xfs.ko net/netfilter/nf_tables.ko)
have_all() {
	for m in "${MODS[@]}"; do [ -s "$OUT/$m" ] || return 1; done
}
if ! have_all; then
	mkdir -p "$CACHE"
	cd "$CACHE"
	deb=$(ls ${PKG}_*_amd64.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		if ! apt-cache show "$PKG" >/dev/null 2>&1; then
			echo "fetch-modules: $PKG unknown, running apt-get update" >&2
			apt-get update >&2
		fi
		echo "fetch-modules: downloading $PKG (~855 MB)" >&2
		apt-get download "$PKG" >&2
		deb=$(ls ${PKG}_*_amd64.deb | head -n1)
	fi
	echo "fetch-modules: extracting ${MODS[*]} from $deb" >&2
	tmp=$(mktemp -d "$CACHE/extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	paths=()
	for m in "${MODS[@]}"; do paths+=("$KDIR/$m"); done
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "${paths[@]}"
	for m in "${MODS[@]}"; do
		mkdir -p "$OUT/$(dirname "$m")"
		mv "$tmp/$KDIR/$m" "$OUT/$m"
	done
	rm -f "$deb"
fi
echo "$OUT"
