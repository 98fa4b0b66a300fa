#!/bin/bash
# Write the bytes a running kernel exposes as build-id notes, taken from the ELF files:
#   OUTDIR/kernel-notes                          = /sys/kernel/notes  (vmlinux's whole .notes section)
#   OUTDIR/MOD/notes/.note.gnu.build-id          = /sys/module/MOD/notes/.note.gnu.build-id
#                                                  (the module's .note.gnu.build-id section: namesz,
#                                                  descsz, type, "GNU\0", id)
# so OUTDIR looks like a saved /sys/module tree plus a saved /sys/kernel/notes.
#
# Usage: extract-notes.sh VMLINUX|- [KO...] OUTDIR      ("-": no vmlinux, only modules)
#
# Any architecture and byte order: the bytes are cut with dd at the offset/size readelf -S
# reports, then checked against objcopy -O binary --only-section (host objcopy, with
# -I elf32/64-little/big when it does not know the machine) and against readelf -n.
# (x86-64 vmlinux has .rela.notes, for the Xen entry notes, from --emit-relocs: the file holds
# the link-time values, and the boot-time KASLR relocation skips .notes, so the file bytes are
# what the kernel shows.)
# MOD is the module's modinfo name (crashmod.ko -> crashmod; '-' becomes '_' as in /sys/module).
set -euo pipefail

die() { echo "extract-notes: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 VMLINUX|- [KO...] OUTDIR"
args=("$@")
OUT=${args[$#-1]}
VMLINUX=${args[0]}
KOS=("${args[@]:1:$#-2}")

# section FILE NAME DEST: copy the raw contents of section NAME to DEST
section() {
	local file=$1 name=$2 dest=$3 line off size tmp
	# "[Nr] Name Type Address Off Size ..." ; the name has no blanks for these sections
	line=$(readelf -SW "$file" | sed 's/^ *\[ *[0-9]*\] *//' | awk -v n="$name" '$1 == n && !f {print; f = 1}')
	[ -n "$line" ] || die "$file: no section $name"
	off=$((16#$(echo "$line" | awk '{print $4}')))
	size=$((16#$(echo "$line" | awk '{print $5}')))
	[ "$size" -gt 0 ] || die "$file: section $name is empty"
	mkdir -p "$(dirname "$dest")"
	dd if="$file" of="$dest" bs=64K iflag=skip_bytes,count_bytes skip="$off" count="$size" status=none
	[ "$(stat -c %s "$dest")" -eq "$size" ] || die "$file: short read of $name"
	# cross-check with objcopy (host objcopy needs a generic input target for foreign machines)
	tmp=$(mktemp)
	local ok=
	for in_t in "" elf64-little elf32-little elf64-big elf32-big; do
		if objcopy ${in_t:+-I $in_t} -O binary --only-section="$name" "$file" "$tmp" 2>/dev/null; then
			cmp -s "$tmp" "$dest" || { rm -f "$tmp"; die "$file: objcopy${in_t:+ -I $in_t} and dd disagree on $name"; }
			ok=1; break
		fi
	done
	rm -f "$tmp"
	[ -n "$ok" ] || echo "extract-notes: warning: objcopy could not read $file; dd result not cross-checked" >&2
	return 0
}

# the build id in a raw note blob (first NT_GNU_BUILD_ID note owned by "GNU"), either byte order
note_build_id() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
for e in '<>':
    i = 0
    while i + 12 <= len(d):
        nsz, dsz, typ = struct.unpack_from(e + 'III', d, i)
        name = d[i + 12:i + 12 + nsz]
        j = i + 12 + ((nsz + 3) & ~3)
        if j + dsz > len(d) or nsz > 256:
            break
        if name == b'GNU\0' and typ == 3:
            print(d[j:j + dsz].hex()); sys.exit(0)
        i = j + ((dsz + 3) & ~3)
sys.exit(1)
PY
}

readelf_id() { readelf -n "$1" | awk '/Build ID:/ && !f {print $3; f = 1}'; }

if [ "$VMLINUX" != "-" ]; then
	section "$VMLINUX" .notes "$OUT/kernel-notes"
	id=$(note_build_id "$OUT/kernel-notes") || die "no GNU build-id note in $VMLINUX .notes"
	[ "$id" = "$(readelf_id "$VMLINUX")" ] || die "$VMLINUX: build id in .notes ($id) != readelf -n"
	echo "$OUT/kernel-notes: $(stat -c %s "$OUT/kernel-notes") bytes, build id $id"
fi
for ko in "${KOS[@]}"; do
	mod=$(modinfo -F name "$ko" 2>/dev/null || true)
	[ -n "$mod" ] || mod=$(basename "$ko" .ko)
	mod=${mod//-/_}
	dest=$OUT/$mod/notes/.note.gnu.build-id
	section "$ko" .note.gnu.build-id "$dest"
	id=$(note_build_id "$dest") || die "no GNU build-id note in $ko"
	[ "$id" = "$(readelf_id "$ko")" ] || die "$ko: build id in note ($id) != readelf -n"
	echo "$dest: $(stat -c %s "$dest") bytes, build id $id"
done
