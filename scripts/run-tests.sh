#!/bin/bash
# The test part of `make test`: the sample binaries in the cache, Linux 6.1's
# source tree in the cache (scripts/kernel-source.sh), a local debuginfod
# server over some of the binaries (the debuginfod tests fetch their binaries
# only from it), then `swift test`. The server is stopped on exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cache=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}
bash scripts/prepare-samples.sh --debian
vmlinux=$(bash samples/x86_64/fetch-vmlinux.sh)
# Linux 6.1's source tree (MAINTAINERS, get_maintainer.pl, source snippets).
kernel_source=$(bash scripts/kernel-source.sh)

# What the server indexes: the Thumb-2 sample's vmlinux and module only.
# (Not the x86-64 module: while a debuginfod test has DEBUGINFOD_URLS set,
# libdwfl in a test running beside it would find that module's DWARF there.)
served=$cache/debuginfod/files
state=$cache/debuginfod/state
rm -rf "$served"
mkdir -p "$served/arm"
cp "$cache/samples/arm-thumb2-fixed-vmlinux" "$served/arm/vmlinux"
cp samples/arm-thumb2/fixed/crashmod.ko "$served/arm/crashmod.ko"
url=$(bash scripts/debuginfod-server.sh start "$served" "$state")
trap 'bash scripts/debuginfod-server.sh stop "$state"' EXIT
echo "run-tests: debuginfod server at $url" >&2

# Only the debuginfod tests talk to a server, and only to this one.
unset DEBUGINFOD_URLS
KSYMBOLIZE_X86_VMLINUX=$vmlinux KSYMBOLIZE_DEBUGINFOD_URL=$url KSYMBOLIZE_KERNEL_SOURCE=$kernel_source \
	swift test -Xswiftc -warnings-as-errors "$@"
