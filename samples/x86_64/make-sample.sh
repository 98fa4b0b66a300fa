#!/bin/bash
# Build crashmod.ko against Debian's 6.1.0-50-amd64 headers, boot Debian's kernel in
# qemu-system-x86_64 (TCG) once per crash case and capture the console.
# Usage: make-sample.sh [CASE...]     (default: all cases)
# Work files: /root/ksym-work/x86_64 (override with KSYM_WORK). Results are copied into
# the directory of this script (samples/x86_64/).
set -euo pipefail

KREL=6.1.0-50-amd64
KVER=6.1.176-1
HERE=$(cd "$(dirname "$0")" && pwd)
REPO_SAMPLES=$(cd "$HERE/.." && pwd)
CACHE=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/debian
WORK=${KSYM_WORK:-/root/ksym-work/x86_64}
ALL_CASES="null warn bug recurse work timer first noreturn"
CASES=${*:-$ALL_CASES}
TIMEOUT=${QEMU_TIMEOUT:-240}

log() { echo "make-sample: $*" >&2; }

mkdir -p "$CACHE" "$WORK"

# ---- 1. packages -------------------------------------------------------------------
fetch() {   # fetch PKG VERSION
	local pkg=$1 ver=$2
	if ! ls "$CACHE/${pkg}_${ver}_"*.deb >/dev/null 2>&1; then
		log "downloading $pkg=$ver"
		(cd "$CACHE" && apt-get download "$pkg=$ver") >&2
	fi
	ls "$CACHE/${pkg}_${ver}_"*.deb
}
IMG_DEB=$(fetch linux-image-$KREL-unsigned $KVER)
HDR_DEB=$(fetch linux-headers-$KREL $KVER)
COM_DEB=$(fetch linux-headers-6.1.0-50-common $KVER)
KB_DEB=$(fetch linux-kbuild-6.1 $KVER)
BB_VER=$(apt-cache policy busybox-static | awk '/Candidate:/ {print $2}')
BB_DEB=$(fetch busybox-static "$(echo "$BB_VER" | sed 's/^[0-9]*://')" 2>/dev/null || true)
if [ -z "$BB_DEB" ]; then
	(cd "$CACHE" && apt-get download busybox-static) >&2
	BB_DEB=$(ls "$CACHE"/busybox-static_*_amd64.deb | head -n1)
fi

ROOT=$WORK/root
if [ ! -e "$ROOT/.unpacked-$KVER" ]; then
	log "unpacking packages into $ROOT"
	rm -rf "$ROOT"; mkdir -p "$ROOT"
	for d in "$IMG_DEB" "$HDR_DEB" "$COM_DEB" "$KB_DEB"; do dpkg-deb -x "$d" "$ROOT"; done
	# the headers' Makefile includes the -common Makefile by absolute path
	sed -i "s|/usr/src/linux-headers-6.1.0-50-common|$ROOT/usr/src/linux-headers-6.1.0-50-common|" \
		"$ROOT/usr/src/linux-headers-$KREL/Makefile"
	touch "$ROOT/.unpacked-$KVER"
fi
KDIR=$ROOT/usr/src/linux-headers-$KREL
VMLINUZ=$ROOT/boot/vmlinuz-$KREL

# ---- 2. the module ---------------------------------------------------------------------
# The Makefile adds -g and -ffile-prefix-map=$(src)/=crashmod/ (DW_AT_name crashmod/crashmod.c);
# KCFLAGS maps the unpack directory away, so that DW_AT_comp_dir and the header paths read as
# with installed headers (/usr/src/linux-headers-6.1.0-50-amd64, .../-common/include/...).
BUILD=$WORK/build/crashmod
KCFLAGS_SAMPLE="-fdebug-prefix-map=$ROOT="
if [ ! -e "$BUILD/crashmod.ko" ] || ! cmp -s "$REPO_SAMPLES/crashmod/crashmod.c" "$BUILD/crashmod.c" \
	|| ! cmp -s "$REPO_SAMPLES/crashmod/Makefile" "$BUILD/Makefile" \
	|| [ "$(cat "$BUILD/.kcflags" 2>/dev/null)" != "$KCFLAGS_SAMPLE" ]; then
	log "building crashmod.ko"
	rm -rf "$BUILD"; mkdir -p "$BUILD"
	cp "$REPO_SAMPLES/crashmod/crashmod.c" "$REPO_SAMPLES/crashmod/Makefile" "$BUILD/"
	make -C "$KDIR" M="$BUILD" KCFLAGS="$KCFLAGS_SAMPLE" -j2 modules >&2
	echo "$KCFLAGS_SAMPLE" > "$BUILD/.kcflags"
fi
KO=$BUILD/crashmod.ko
BUILD_ID=$(readelf -n "$KO" | awk '/Build ID:/ {print $3}')
log "crashmod.ko build id $BUILD_ID"

# ---- 3. initramfs ------------------------------------------------------------------------
IRD=$WORK/initramfs
INITRD=$WORK/initramfs.cpio.gz
if [ ! -e "$INITRD" ] || [ "$KO" -nt "$INITRD" ] || [ "$0" -nt "$INITRD" ]; then
	log "building initramfs"
	rm -rf "$IRD"; mkdir -p "$IRD"/{bin,proc,sys,dev,tmp}
	bbroot=$WORK/busybox; rm -rf "$bbroot"; mkdir -p "$bbroot"; dpkg-deb -x "$BB_DEB" "$bbroot"
	cp "$bbroot/bin/busybox" "$IRD/bin/busybox"
	for a in sh mount echo cat grep insmod hexdump uname poweroff sleep sed ls od; do ln -sf busybox "$IRD/bin/$a"; done
	cp "$KO" "$IRD/crashmod.ko"
	cat > "$IRD/init" <<'INIT'
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

# ---- 4. boot once per case ---------------------------------------------------------------
mkdir -p "$WORK/logs"
for c in $CASES; do
	raw=$WORK/logs/$c.raw
	log "booting for case $c"
	rm -f "$raw"
	# panic=-1: reboot at once on panic; -no-reboot turns that into an exit of qemu
	timeout "$TIMEOUT" qemu-system-x86_64 -machine q35 -cpu qemu64 -smp 1 -m 1G -nographic \
		-no-reboot -monitor none -serial "file:$raw" \
		-kernel "$VMLINUZ" -initrd "$INITRD" \
		-append "console=ttyS0 panic=-1 ksym.case=$c" </dev/null >&2 || log "qemu exit $? for $c"
done

# ---- 5. split into per-case files -----------------------------------------------------
section() {  # section NAME FILE : lines between the markers, CR stripped, kernel messages dropped
	sed -n "/=== KSYM $1 BEGIN ===/,/=== KSYM $1 END ===/p" "$2" | tr -d '\r' | sed '1d;$d' \
		| grep -av '^\[ *[0-9]*\.[0-9]*\] ' || true
}
cp "$KO" "$HERE/crashmod.ko"
echo "$BUILD_ID" > "$HERE/crashmod.build-id"
for c in $CASES; do
	raw=$WORK/logs/$c.raw
	[ -s "$raw" ] || { log "no log for $c"; continue; }
	# cut the boot noise before the module load marker; keep the raw bytes after it
	start=$(grep -an '=== KSYM INSMOD ===' "$raw" | head -n1 | cut -d: -f1)
	if [ -z "$start" ]; then log "no insmod marker for $c"; continue; fi
	tail -n +"$start" "$raw" > "$HERE/$c.log"
	section MODULES "$raw" > "$HERE/$c.modules"
	section SECTIONS "$raw" > "$HERE/$c.sections"
	section KALLSYMS "$raw" > "$HERE/$c.kallsyms"
	# the notes file is the whole ELF note (namesz, descsz, type, "GNU\0", id)
	id=$(section BUILDID "$raw" | tr -d ' \n')
	[ "${id: -40}" = "$BUILD_ID" ] || log "WARNING: build id in guest ($id) != $BUILD_ID"
done
if [ "$CASES" != "$ALL_CASES" ]; then
	log "note: only '$CASES' re-captured; if crashmod.ko changed, re-run all cases (the other logs belong to the old build id)"
fi
# ---- 6. expected results (eu-addr2line / llvm-symbolizer cross-check) -----------------------
if [ -z "${KSYM_NO_CROSS_CHECK:-}" ]; then
	"$HERE/cross-check.sh" $CASES 2> "$WORK/cross-check.report" || { log "cross-check failed, see $WORK/cross-check.report"; exit 1; }
	log "cross-check report: $WORK/cross-check.report"
fi
log "done"
