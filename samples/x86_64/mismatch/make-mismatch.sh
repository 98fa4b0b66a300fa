#!/bin/bash
# Rebuild crashmod.ko with one-line.patch applied, against the same Debian 6.1.0-50-amd64 headers and
# flags as ../crashmod.ko (see ../make-sample.sh steps 1 and 2), for tests of a module that does NOT
# match the oops logs. No qemu. Results: crashmod.ko and notes/ in this directory.
# Work files: /root/ksym-work/x86_64 (override with KSYM_WORK), shared with ../make-sample.sh
# (same package cache, same unpack directory and marker); the build goes to build/crashmod-mismatch.
# KSYM_NO_REPRO_CHECK=1 skips the check that the unpatched source, built the same way in another
# directory, gives ../crashmod.ko byte for byte.
set -euo pipefail

KREL=6.1.0-50-amd64
KVER=6.1.176-1
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_SAMPLES=$(cd "$HERE/../.." && pwd)
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
WORK=${KSYM_WORK:-/root/ksym-work/x86_64}

log() { echo "make-mismatch: $*" >&2; }

mkdir -p "$CACHE" "$WORK"

# ---- 1. packages (as in ../make-sample.sh; busybox is not needed) ------------------------
fetch() {   # fetch PKG VERSION
	local pkg=$1 ver=$2
	if ! ls "$CACHE/${pkg}_${ver}_"*.deb >/dev/null 2>&1; then
		log "downloading $pkg=$ver"
		(cd "$CACHE" && apt-get download "$pkg=$ver") >&2
	fi
	ls "$CACHE/${pkg}_${ver}_"*.deb
}
IMG_DEB=$(fetch linux-image-$KREL-unsigned $KVER)   # not needed to build, but make-sample.sh's
HDR_DEB=$(fetch linux-headers-$KREL $KVER)          # unpack marker promises it is there
COM_DEB=$(fetch linux-headers-6.1.0-50-common $KVER)
KB_DEB=$(fetch linux-kbuild-6.1 $KVER)

ROOT=$WORK/root
if [ ! -e "$ROOT/.unpacked-$KVER" ]; then
	log "unpacking packages into $ROOT"
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	for d in "$IMG_DEB" "$HDR_DEB" "$COM_DEB" "$KB_DEB"; do dpkg-deb -x "$d" "$ROOT"; done
	sed -i "s|/usr/src/linux-headers-6.1.0-50-common|$ROOT/usr/src/linux-headers-6.1.0-50-common|" \
		"$ROOT/usr/src/linux-headers-$KREL/Makefile"
	touch "$ROOT/.unpacked-$KVER"
fi
KDIR=$ROOT/usr/src/linux-headers-$KREL

# ---- 2. the module ------------------------------------------------------------------------
# Same KCFLAGS as make-sample.sh plus one more map: the only place the build directory itself
# ends up in the .ko is the DWARF unit of crashmod.mod.c (DW_AT_name = BUILD/crashmod.mod.c);
# mapping it to the directory ../crashmod.ko was built in (make-sample.sh's default) makes every
# path in the .ko identical to the original whatever KSYM_WORK is, so the patch is the only
# difference (checked below with the unpatched source).
ORIG_BUILD=/root/ksym-work/x86_64/build/crashmod
build() {   # build DIR [PATCH]
	local dir=$1 patch=${2:-}
	rm -rf "$dir"; mkdir -p "$dir"
	cp "$REPO_SAMPLES/crashmod/crashmod.c" "$REPO_SAMPLES/crashmod/Makefile" "$dir/"
	[ -z "$patch" ] || patch -s -d "$dir" -p3 < "$patch"
	make -C "$KDIR" M="$dir" KCFLAGS="-fdebug-prefix-map=$ROOT= -fdebug-prefix-map=$dir=$ORIG_BUILD" \
		-j2 modules >&2
}

if [ -z "${KSYM_NO_REPRO_CHECK:-}" ]; then
	log "building the unpatched crashmod.ko in build/crashmod-repro-check"
	build "$WORK/build/crashmod-repro-check"
	if cmp -s "$WORK/build/crashmod-repro-check/crashmod.ko" "$HERE/../crashmod.ko"; then
		log "unpatched rebuild is byte-identical to ../crashmod.ko"
	else
		log "WARNING: unpatched rebuild differs from ../crashmod.ko (toolchain not gcc-12 12.2.0-14+deb12u1 / binutils 2.40?)"
	fi
fi

BUILD=$WORK/build/crashmod-mismatch
log "building crashmod.ko with one-line.patch in $BUILD"
build "$BUILD" "$HERE/one-line.patch"
cp "$BUILD/crashmod.ko" "$HERE/crashmod.ko"
log "crashmod.ko build id $(readelf -n "$HERE/crashmod.ko" | awk '/Build ID:/ {print $3}')"

# ---- 3. the /sys/module notes file of the rebuilt module ----------------------------------
"$REPO_SAMPLES/extract-notes.sh" - "$HERE/crashmod.ko" "$HERE/notes" >&2

# ---- 4. function symbols, original vs rebuilt ---------------------------------------------
funcs() { readelf -sW "$1" | awk '$4 == "FUNC" {print $8, $7, $2, $3}' | sort; }
secname() { readelf -SW "$1" | sed 's/^ *\[ *\([0-9]*\)\] *\([^ ]*\).*/\1 \2/;t;d'; }
join <(funcs "$HERE/../crashmod.ko") <(funcs "$HERE/crashmod.ko") | while read -r n s1 a1 z1 s2 a2 z2; do
	sec=$(secname "$HERE/crashmod.ko" | awk -v i="$s2" '$1 == i {print $2}')
	printf '%-32s %-15s old 0x%x+%d  new 0x%x+%d%s\n' "$n" "$sec" $((16#$a1)) "$z1" $((16#$a2)) "$z2" \
		"$([ "$a1/$z1" = "$a2/$z2" ] || echo '   CHANGED')"
done
log "done"
