#!/bin/bash
# Capture real Thumb-2 oopses from crashmod, for each kernel variant built by
# make-kernel.sh, into samples/arm-thumb2/VARIANT/.
#
#   make-sample.sh [-v "fixed prefix"] [CASE...]      (default: all cases, both variants)
#
# Per variant: builds crashmod.ko against the tree, packs a busybox initramfs,
# boots QEMU once per case and splits the console log.  Then make-expected.py
# writes CASE.expected.tsv (eu-addr2line cross-check).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO_SAMPLES=$(cd "$HERE/.." && pwd)
WORK=${WORK:-/root/ksym-work/arm-thumb2}
export ARCH=arm
export CROSS_COMPILE=arm-linux-gnueabihf-
ALL_CASES="null warn bug recurse work timer first noreturn"

variants="fixed prefix"
if [ "${1:-}" = -v ]; then variants=$2; shift 2; fi
cases=${*:-$ALL_CASES}

# ---- busybox (armhf, static), downloaded once, never installed -------------
BB=$WORK/busybox/root/bin/busybox
if [ ! -x "$BB" ]; then
	dpkg --print-foreign-architectures | grep -qx armhf || {
		dpkg --add-architecture armhf; apt-get update; }
	mkdir -p "$WORK/busybox"
	(cd "$WORK/busybox" && apt-get download busybox-static:armhf &&
	 dpkg-deb -x busybox-static_*_armhf.deb root)
fi

for v in $variants; do
	tree=$WORK/$v/linux-source-6.1
	out=$HERE/$v
	mod=$WORK/$v/crashmod
	[ -e "$tree/vmlinux" ] && [ -e "$tree/arch/arm/boot/zImage" ] ||
		{ echo "no kernel in $tree: run make-kernel.sh $v" >&2; exit 1; }
	mkdir -p "$out" "$mod"

	# ---- the module --------------------------------------------------------
	cp "$REPO_SAMPLES/crashmod/crashmod.c" "$REPO_SAMPLES/crashmod/Makefile" "$mod/"
	make -C "$tree" M="$mod" modules
	cmp -s "$mod/crashmod.ko" "$out/crashmod.ko" || cp "$mod/crashmod.ko" "$out/crashmod.ko"
	${CROSS_COMPILE}readelf -n "$mod/crashmod.ko" | sed -n 's/.*Build ID: //p' > "$out/crashmod.build-id"
	cmp -s "$tree/.config" "$out/config" || cp "$tree/.config" "$out/config"
	if [ ! -e "$out/vmlinux.xz" ] || [ "$tree/vmlinux" -nt "$out/vmlinux.xz" ]; then
		# compress outside the repository, then move in (no half-written file in the repo)
		xz -9 -T1 -c "$tree/vmlinux" > "$WORK/$v/vmlinux.xz.tmp"
		mv "$WORK/$v/vmlinux.xz.tmp" "$out/vmlinux.xz"
	fi
	# crash_first must follow crash_first_neighbour directly in .text
	${CROSS_COMPILE}nm -n "$mod/crashmod.ko" | grep -E ' crash_first(_neighbour)?$'

	# ---- initramfs -----------------------------------------------------------
	ird=$WORK/$v/initramfs
	rm -rf "$ird"; mkdir -p "$ird"/{bin,proc,sys,dev}
	cp "$BB" "$ird/bin/busybox"
	for a in sh mount cat grep hexdump insmod uname poweroff mkdir ls; do
		ln -s busybox "$ird/bin/$a"
	done
	cp "$mod/crashmod.ko" "$ird/crashmod.ko"
	cat > "$ird/init" <<'INIT'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
echo 0 > /proc/sys/kernel/panic_on_oops
echo 0 > /proc/sys/kernel/kptr_restrict
c=${ksym_case:-null}
echo "=== KSYM insmod crashmod.ko (case $c) ==="
insmod /crashmod.ko
echo "=== KSYM BEGIN modules ==="
cat /proc/modules
echo "=== KSYM END modules ==="
echo "=== KSYM BEGIN sections ==="
grep -r . /sys/module/crashmod/sections/
echo "=== KSYM END sections ==="
echo "=== KSYM BEGIN build-id ==="
hexdump -C /sys/module/crashmod/notes/.note.gnu.build-id
echo "=== KSYM END build-id ==="
echo "=== KSYM BEGIN kallsyms ==="
grep crashmod /proc/kallsyms
echo "=== KSYM END kallsyms ==="
echo "=== KSYM BEGIN uname ==="
uname -r
echo "=== KSYM END uname ==="
echo "=== KSYM TRIGGER $c ==="
sh -c "echo $c > /sys/kernel/debug/crashmod/crash" &
# busybox sleep returns at once on this kernel; this waits (for work/timer too)
read -t 6 x < /dev/console
echo "=== KSYM DONE $c ==="
poweroff -f
INIT
	chmod +x "$ird/init"
	(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -9 -n) > "$WORK/$v/initramfs.cpio.gz"

	# ---- one boot per case -------------------------------------------------
	for c in $cases; do
		raw=$WORK/$v/$c.console.raw
		rm -f "$raw"
		echo ">>> [$v] booting for case $c"
		timeout 150 qemu-system-arm -M virt -cpu cortex-a15 -m 512 -nographic \
			-monitor none -serial file:"$raw" -no-reboot \
			-kernel "$tree/arch/arm/boot/zImage" \
			-initrd "$WORK/$v/initramfs.cpio.gz" \
			-append "console=ttyAMA0 panic=1 ksym_case=$c" < /dev/null || echo "qemu exit status $?"
		# cut boot noise: keep everything from the insmod marker on, bytes untouched
		n=$(grep -a -n -m1 '=== KSYM insmod' "$raw" | cut -d: -f1)
		[ -n "$n" ] || { echo "!!! [$v] $c: no insmod marker" >&2; continue; }
		tail -n +"$n" "$raw" > "$out/$c.log"
		for part in modules sections kallsyms; do
			tr -d '\r' < "$raw" | sed -n "/^=== KSYM BEGIN $part ===\$/,/^=== KSYM END $part ===\$/p" |
				sed '1d;$d' > "$out/$c.$part"
		done
		python3 "$HERE/make-expected.py" --variant "$v" --dir "$out" --tree "$tree" --case "$c"
	done
done
