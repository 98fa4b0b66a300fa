#!/bin/bash
# Puts the binaries the bundled samples need into the cache
# (${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}), once:
# - the Thumb-2 vmlinux files, unpacked from samples/arm-thumb2/*/vmlinux.xz;
# - with --debian, Debian's 6.1.0-50-amd64 vmlinux with DWARF (~855 MB download
#   of linux-image-6.1.0-50-amd64-dbg, of which only vmlinux is kept).
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
	bash "$top/samples/x86_64/fetch-vmlinux.sh" > /dev/null
fi
