#!/bin/bash
# Build the two ARM Thumb-2 kernels used for the samples in this directory.
#
#   make-kernel.sh [fixed] [prefix]      (default: both)
#
# Trees live under $WORK (default /root/ksym-work/arm-thumb2/VARIANT/linux-source-6.1),
# never in the repository.  Idempotent: unpacking, patching and configuring are
# skipped when already done; make itself is incremental.
#   fixed  - Debian's linux-source-6.1 as is (kallsyms_symbol_value() clears the
#            Thumb bit of module symbols, upstream since v5.0)
#   prefix - the same with prefix.patch applied (kallsyms_symbol_value() returns
#            st_value unchanged, i.e. the pre-v5.0 behaviour)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-/root/ksym-work/arm-thumb2}
SRC_TARBALL=${SRC_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${JOBS:-2}
export ARCH=arm
export CROSS_COMPILE=arm-linux-gnueabihf-

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(fixed prefix)

for v in "${variants[@]}"; do
	case $v in fixed|prefix) ;; *) echo "unknown variant $v" >&2; exit 2;; esac
	tree=$WORK/$v/linux-source-6.1
	mkdir -p "$WORK/$v"
	if [ ! -e "$tree/.unpacked" ]; then
		echo ">>> [$v] unpacking $SRC_TARBALL"
		rm -rf "$tree"
		tar -C "$WORK/$v" -xJf "$SRC_TARBALL"
		touch "$tree/.unpacked"
	fi
	cd "$tree"
	if [ "$v" = prefix ] && [ ! -e .prefix-patched ]; then
		echo ">>> [$v] applying prefix.patch"
		patch -p1 --forward < "$HERE/prefix.patch"
		touch .prefix-patched
	fi
	if [ ! -e .config ] || [ "$HERE/thumb2.config" -nt .config ]; then
		echo ">>> [$v] configuring: tinyconfig + thumb2.config"
		make -s tinyconfig
		scripts/kconfig/merge_config.sh -m .config "$HERE/thumb2.config"
		make -s olddefconfig
	fi
	# every =y line of the fragment must have survived
	missing=0
	while IFS= read -r line; do
		case $line in CONFIG_*=y)
			grep -qx "$line" .config || { echo "!!! [$v] $line did not stick" >&2; missing=1; } ;;
		esac
	done < "$HERE/thumb2.config"
	grep -qx 'CONFIG_THUMB2_KERNEL=y' .config || missing=1
	[ $missing = 0 ] || exit 1
	echo ">>> [$v] building (make -j$JOBS zImage modules_prepare vmlinux)"
	make -j"$JOBS" zImage modules_prepare vmlinux
	ls -l arch/arm/boot/zImage vmlinux
done
