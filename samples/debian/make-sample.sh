#!/bin/bash
# Capture real oopses from one of Debian 12's own 6.1.0-50 kernels (6.1.176-1) under qemu (TCG):
# download the kernel, its headers and busybox-static straight from the archive's pool,
# cross-build samples/crashmod against the headers, pack a busybox initramfs, boot once per
# crash case (one qemu at a time), split each console capture into files, then run
# cross-check.sh (expected symbolizations).
#
# Usage: make-sample.sh DEBIAN-ARCH [CASE...]     DEBIAN-ARCH: amd64 i386 arm64 armhf ppc64el s390x mips64el (see arch.sh)
#                                                 CASE: null warn bug recurse work timer first noreturn
#                                                 (default: $ARCH_CASES of arch.sh, all but s390x's
#                                                 NULL reads)
# Results:  samples/$SAMPLE/ (crashmod.ko, crashmod.build-id, CASE.{log,modules,sections,kallsyms},
#           CASE.expected.tsv, notes/)
# Work:     ${KSYM_WORK:-/root/ksym-work}/$SAMPLE (x86_64 for amd64: the build directory's path ends up in
#           crashmod.ko, so this keeps the committed .ko files reproducible byte for byte)
# Cache:    ${KSYMBOLIZE_CACHE:-~/.cache/ksymbolize}/debian (.debs, package indexes)
# Env:      KSYM_NO_CROSS_CHECK=1 skips step 6; QEMU_TIMEOUT overrides the per-arch timeout;
#           KSYM_BUILD_ONLY=1 stops after building crashmod.ko and the initramfs (nothing in samples/ changes);
#           KSYM_MODULE=crashleaf builds, boots and captures samples/crashleaf instead (case leaf) into
#           samples/leaf/$SAMPLE/ (work files: build/crashleaf, initramfs-crashleaf*, logs-crashleaf/);
#           the default crashmod's paths and files are unchanged.
#
# No foreign architecture is added to dpkg: file names come from the archive's
# dists/bookworm/main/binary-ARCH/Packages.xz, the .debs from pool/, checked against its SHA256.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SAMPLES=$(cd "$HERE/.." && pwd)
. "$HERE/arch.sh"
arch_config "${1:?usage: make-sample.sh DEBIAN-ARCH [CASE...]}"
shift
module_config "${KSYM_MODULE:-crashmod}"
CASES=${*:-$MOD_CASES}
OUTDIR=$SAMPLES/$MOD_SAMPLE
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
WORK=${KSYM_WORK:-/root/ksym-work}/$SAMPLE
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
TIMEOUT=${QEMU_TIMEOUT:-$TIMEOUT}

log() { echo "make-sample[$DEBIAN_ARCH]: $*" >&2; }
mkdir -p "$CACHE" "$WORK" "$OUTDIR"

# ---- 1. packages from the pool ----------------------------------------------------------
# index ARCH: the Packages file of bookworm/main for ARCH, uncompressed, cached for a day
index() {
	local f=$CACHE/Packages-bookworm-$1
	if [ ! -s "$f" ] || [ -n "$(find "$f" -mmin +1440)" ]; then
		log "fetching the $1 package index"
		curl -fsSL --retry 3 "$MIRROR/dists/bookworm/main/binary-$1/Packages.xz" | xz -dc > "$f.part"
		mv "$f.part" "$f"
	fi
	echo "$f"
}
# pool_fetch PKG ARCH [VERSION]: print the path of the cached .deb (downloaded if needed)
pool_fetch() {
	local pkg=$1 arch=$2 want=${3:-} rec file sha deb
	rec=$(awk -v p="$pkg" '$1 == "Package:" { hit = ($2 == p) } hit && /^(Version|Filename|SHA256):/ { print $2 }' \
		"$(index "$arch")")
	[ -n "$rec" ] || { log "$pkg is not in the $arch index"; return 1; }
	set -- $rec    # version filename sha256 (first record only)
	if [ -n "$want" ] && [ "$1" != "$want" ]; then
		log "$pkg: index has $1, want $want"; return 1
	fi
	file=$2 sha=$3 deb=$CACHE/$(basename "$2")
	if [ ! -s "$deb" ]; then
		log "downloading $MIRROR/$file"
		curl -fsSL --retry 3 -o "$deb.part" "$MIRROR/$file"
		echo "$sha  $deb.part" | sha256sum -c --quiet - >&2 || { log "SHA256 mismatch for $file"; return 1; }
		mv "$deb.part" "$deb"
	fi
	echo "$deb"
}
IMG_DEB=$(pool_fetch "$IMAGE_PKG" "$DEBIAN_ARCH" "$KVER")
HDR_DEB=$(pool_fetch "linux-headers-$KREL" "$DEBIAN_ARCH" "$KVER")
COM_DEB=$(pool_fetch "linux-headers-$ABI-common" "$DEBIAN_ARCH" "$KVER")
# kbuild's host programs (fixdep, modpost, ...) run on this amd64 host: always the amd64 package,
# at exactly the headers' version (not a later security update)
KB_DEB=$(pool_fetch linux-kbuild-6.1 amd64 "$KVER")
BB_DEB=$(pool_fetch busybox-static "$DEBIAN_ARCH")

ROOT=$WORK/root
stamp=$ROOT/.unpacked-$KVER-$(basename "$IMG_DEB" .deb)
if [ ! -e "$stamp" ]; then
	log "unpacking packages into $ROOT"
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	for d in "$IMG_DEB" "$HDR_DEB" "$COM_DEB" "$KB_DEB"; do dpkg-deb -x "$d" "$ROOT"; done
	# the headers' Makefile includes the -common Makefile by absolute path
	sed -i "s|/usr/src/linux-headers-$ABI-common|$ROOT/usr/src/linux-headers-$ABI-common|" \
		"$ROOT/usr/src/linux-headers-$KREL/Makefile"
	touch "$stamp"
fi
KDIR=$ROOT/usr/src/linux-headers-$KREL
VMLINUZ=$ROOT/$KIMAGE

# ---- 2. the module ---------------------------------------------------------------------
# samples/crashmod/Makefile adds -g and -ffile-prefix-map=$(src)/=crashmod/ (DW_AT_name
# crashmod/crashmod.c); KCFLAGS maps the unpack directory away, so that DW_AT_comp_dir and the
# header paths read as with installed headers (/usr/src/linux-headers-$KREL, …-common/include/…).
BUILD=$WORK/build/$MODULE
KCFLAGS_SAMPLE="-fdebug-prefix-map=$ROOT="
MAKE_ARGS=(ARCH="$KARCH")
[ -z "$CROSS" ] || MAKE_ARGS+=(CROSS_COMPILE="$CROSS")
if [ ! -e "$BUILD/$MODULE.ko" ] || ! cmp -s "$SAMPLES/$MODULE/$MODULE.c" "$BUILD/$MODULE.c" \
	|| ! cmp -s "$SAMPLES/$MODULE/Makefile" "$BUILD/Makefile" \
	|| [ "$(cat "$BUILD/.kcflags" 2>/dev/null)" != "$KCFLAGS_SAMPLE ${MAKE_ARGS[*]}" ]; then
	log "building $MODULE.ko: make ${MAKE_ARGS[*]}"
	rm -rf "$BUILD"; mkdir -p "$BUILD"
	cp "$SAMPLES/$MODULE/$MODULE.c" "$SAMPLES/$MODULE/Makefile" "$BUILD/"
	make -C "$KDIR" M="$BUILD" "${MAKE_ARGS[@]}" KCFLAGS="$KCFLAGS_SAMPLE" -j2 modules >&2
	echo "$KCFLAGS_SAMPLE ${MAKE_ARGS[*]}" > "$BUILD/.kcflags"
fi
KO=$BUILD/$MODULE.ko
BUILD_ID=$(readelf -n "$KO" | awk '/Build ID:/ {print $3}')
log "$MODULE.ko build id $BUILD_ID"
if [ -e "$OUTDIR/$MODULE.ko" ]; then
	if cmp -s "$KO" "$OUTDIR/$MODULE.ko"; then log "$MODULE.ko is byte-identical to $OUTDIR/$MODULE.ko"
	else log "NOTE: the freshly built $MODULE.ko differs from $OUTDIR/$MODULE.ko; the new one is used (and copied unless KSYM_BUILD_ONLY)"; fi
fi

# ---- 3. initramfs ------------------------------------------------------------------------
IRD=$WORK/initramfs$SUFFIX
INITRD=$WORK/initramfs$SUFFIX.cpio.gz
if [ ! -e "$INITRD" ] || [ "$KO" -nt "$INITRD" ] || [ "$0" -nt "$INITRD" ] || [ "$BB_DEB" -nt "$INITRD" ]; then
	log "building initramfs"
	rm -rf "$IRD"; mkdir -p "$IRD"/{bin,proc,sys,dev,tmp}
	bbroot=$WORK/busybox; rm -rf "$bbroot"; mkdir -p "$bbroot"; dpkg-deb -x "$BB_DEB" "$bbroot"
	cp "$bbroot/bin/busybox" "$IRD/bin/busybox"
	for a in sh mount echo cat grep insmod hexdump uname poweroff sleep sed ls od; do ln -sf busybox "$IRD/bin/$a"; done
	cp "$KO" "$IRD/$MODULE.ko"
	# the /init below names crashmod (the .ko, /sys/module/…, kallsyms, debugfs): renamed for $MODULE
	sed "s/crashmod/$MODULE/g" > "$IRD/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo 0 > /proc/sys/kernel/panic_on_oops
echo 0 > /proc/sys/kernel/kptr_restrict
CASE=none
for w in $(cat /proc/cmdline); do
	case "$w" in ksym.case=*) CASE=${w#ksym.case=};; esac
done
sleep 3   # let the late boot messages (clocksource switch etc.) pass first
echo "=== KSYM INSMOD ==="
insmod /crashmod.ko
echo "=== KSYM MODULES BEGIN ==="
cat /proc/modules
echo "=== KSYM MODULES END ==="
echo "=== KSYM SECTIONS BEGIN ==="
grep -r . /sys/module/crashmod/sections/
echo "=== KSYM SECTIONS END ==="
echo "=== KSYM BUILDID BEGIN ==="
hexdump -v -e '16/1 "%02x" "\n"' /sys/module/crashmod/notes/.note.gnu.build-id
echo "=== KSYM BUILDID END ==="
echo "=== KSYM KALLSYMS BEGIN ==="
grep -w -e _text -e _stext /proc/kallsyms
grep crashmod /proc/kallsyms
echo "=== KSYM KALLSYMS END ==="
echo "=== KSYM UNAME BEGIN ==="
uname -r
echo "=== KSYM UNAME END ==="
echo "=== KSYM CRASH $CASE BEGIN ==="
# in the background: a task that oopses in 'work' stays blocked in flush_work() for ever
(sh -c "echo $CASE > /sys/kernel/debug/crashmod/crash"; echo "=== KSYM CRASH $CASE rc=$? ===") &
sleep 5
echo "=== KSYM CRASH $CASE END ==="
poweroff -f
INIT
	chmod +x "$IRD/init"
	(cd "$IRD" && find . | cpio -o -H newc --quiet | gzip -9) > "$INITRD"
fi

if [ -n "${KSYM_BUILD_ONLY:-}" ]; then log "KSYM_BUILD_ONLY: $KO, $INITRD"; exit 0; fi

# ---- 4. boot once per case, one qemu at a time ----------------------------------------------
LOGS=$WORK/logs$SUFFIX
mkdir -p "$LOGS"
for c in $CASES; do
	raw=$LOGS/$c.raw
	log "booting for case $c"
	rm -f "$raw"
	# panic=-1: reboot at once on panic; -no-reboot turns that into an exit of qemu
	# shellcheck disable=SC2086
	timeout "$TIMEOUT" $QEMU -smp 1 -m "$MEM" -nographic -no-reboot -monitor none \
		-serial "file:$raw" -kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "console=$CONSOLE panic=-1 ksym.case=$c" </dev/null >&2 || log "qemu exit $? for $c"
	log "case $c done"
done

# ---- 5. split into per-case files -----------------------------------------------------
section() {  # section NAME FILE : lines between the markers, CR stripped, kernel messages dropped
	sed -n "/=== KSYM $1 BEGIN ===/,/=== KSYM $1 END ===/p" "$2" | tr -d '\r' | sed '1d;$d' \
		| grep -av '^\[ *[0-9]*\.[0-9]*\] ' || true
}
cp "$KO" "$OUTDIR/$MODULE.ko"
echo "$BUILD_ID" > "$OUTDIR/$MODULE.build-id"
# which Debian kernel the sample is from (the tests fetch its vmlinux with ../fetch-vmlinux.sh)
echo "$DEBIAN_ARCH" > "$OUTDIR/debian-kernel"
for c in $CASES; do
	raw=$LOGS/$c.raw
	[ -s "$raw" ] || { log "no log for $c"; continue; }
	# cut the boot noise before the module load marker; keep the raw bytes after it
	start=$(grep -an '=== KSYM INSMOD ===' "$raw" | head -n1 | cut -d: -f1)
	if [ -z "$start" ]; then log "no insmod marker for $c"; continue; fi
	tail -n +"$start" "$raw" > "$OUTDIR/$c.log"
	section MODULES "$raw" > "$OUTDIR/$c.modules"
	section SECTIONS "$raw" > "$OUTDIR/$c.sections"
	section KALLSYMS "$raw" > "$OUTDIR/$c.kallsyms"
	# the notes file is the whole ELF note (namesz, descsz, type, "GNU\0", id)
	id=$(section BUILDID "$raw" | tr -d ' \n')
	if [ "${id: -40}" = "$BUILD_ID" ]; then log "$c: build id in the guest = $BUILD_ID"
	else log "WARNING: $c: build id in guest ($id) != $BUILD_ID"; fi
	kr=$(section UNAME "$raw")
	[ "$kr" = "$KREL" ] || log "WARNING: $c: uname -r in the guest is '$kr', not $KREL"
done
if [ "$CASES" != "$MOD_CASES" ]; then
	log "note: only '$CASES' re-captured; if $MODULE.ko changed, re-run all cases (the other logs belong to the old build id)"
fi

# ---- 6. notes (what /sys/kernel/notes and the module's build-id note show) and expected results
if [ -z "${KSYM_NO_CROSS_CHECK:-}" ]; then
	VMLINUX=$("$SAMPLES/fetch-vmlinux.sh" "$DEBIAN_ARCH")
	"$SAMPLES/extract-notes.sh" "$VMLINUX" "$OUTDIR/$MODULE.ko" "$OUTDIR/notes" >&2
	KSYM_MODULE=$MODULE "$HERE/cross-check.sh" "$DEBIAN_ARCH" $CASES 2> "$WORK/cross-check$SUFFIX.report" \
		|| { log "cross-check failed, see $WORK/cross-check$SUFFIX.report"; exit 1; }
	log "cross-check report: $WORK/cross-check$SUFFIX.report"
fi
log "done"
