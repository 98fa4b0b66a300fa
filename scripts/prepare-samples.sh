#!/bin/bash
# Puts the binaries the bundled samples need into the cache
# (${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}), once:
# - the Thumb-2 vmlinux files, unpacked from samples/arm-thumb2/*/vmlinux.xz;
# - with --debian, the DWARF vmlinux of every Debian kernel a sample was
#   captured from (samples/*/debian-kernel): each linux-image-6.1.0-50-*-dbg
#   package (430-860 MB) is downloaded once and only its vmlinux kept.
# Prints nothing on stdout.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}
mkdir -p "$cache/samples"
for variant in fixed prefix; do
	target="$cache/samples/arm-thumb2-$variant-vmlinux"
	if [ ! -s "$target" ]; then
		xz -dc "$top/samples/arm-thumb2/$variant/vmlinux.xz" > "$target.tmp"
		mv "$target.tmp" "$target"
	fi
done
if [ "${1:-}" = "--debian" ]; then
	# Every sample captured from a Debian kernel names its architecture in
	# samples/DIR/debian-kernel; two downloads at a time.
	printf '%s\n' $(cat "$top"/samples/*/debian-kernel | sort -u) \
		| xargs -P 2 -I{} bash "$top/samples/fetch-vmlinux.sh" {} > /dev/null
fi
