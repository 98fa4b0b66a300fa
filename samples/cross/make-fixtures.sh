#!/bin/bash
# Build fixture_TARGET.ko (plain ET_REL objects) from fixture.c for several
# architectures.  Idempotent: installs missing cross compilers with apt-get,
# rebuilds every object each run (output is deterministic for a given compiler).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# target  compiler  apt-package  extra-flags
targets=(
	"x86_64|gcc|gcc|"
	"aarch64|aarch64-linux-gnu-gcc|gcc-aarch64-linux-gnu|"
	"arm|arm-linux-gnueabihf-gcc|gcc-arm-linux-gnueabihf|-marm -march=armv7-a -mfloat-abi=soft -mword-relocations"
	"thumb2|arm-linux-gnueabihf-gcc|gcc-arm-linux-gnueabihf|-mthumb -march=armv7-a -mfloat-abi=soft -mword-relocations"
	"mips|mips-linux-gnu-gcc|gcc-mips-linux-gnu|-mno-abicalls"
	"micromips|mips-linux-gnu-gcc|gcc-mips-linux-gnu|-mmicromips -mno-abicalls"
	"mips16|mips-linux-gnu-gcc|gcc-mips-linux-gnu|-mips16 -mno-abicalls"
	"ppc64|powerpc64-linux-gnu-gcc|gcc-powerpc64-linux-gnu|-mabi=elfv1"
	"ppc64le|powerpc64le-linux-gnu-gcc|gcc-powerpc64le-linux-gnu|"
	"riscv64|riscv64-linux-gnu-gcc|gcc-riscv64-linux-gnu|-mno-relax"
)

common=(-c -g -O2 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables
	-ffreestanding -fno-builtin -nostdlib -fno-pic
	"-fdebug-prefix-map=$here=."
	"-ffile-prefix-map=$here/=cross/")
# Prefix maps: GCC tries the *last* given map first, so the source name
# "$here/fixture.c" becomes "cross/fixture.c" (DW_AT_name) and the compilation
# directory "$here" becomes "." (DW_AT_comp_dir), so no build path leaks.

missing=()
for t in "${targets[@]}"; do
	IFS='|' read -r name cc pkg flags <<<"$t"
	command -v "$cc" >/dev/null || missing+=("$pkg")
done
if ((${#missing[@]})); then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "installing: ${missing[*]}"
	apt-get install -y --no-install-recommends "${missing[@]}" ||
		{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } || true
fi

for t in "${targets[@]}"; do
	IFS='|' read -r name cc pkg flags <<<"$t"
	if ! command -v "$cc" >/dev/null; then
		echo "SKIP $name: $cc not available" >&2
		continue
	fi
	# shellcheck disable=SC2086
	"$cc" "${common[@]}" $flags -o "fixture_$name.ko" "$here/fixture.c"
	echo "built fixture_$name.ko  ($cc $flags)"
done
