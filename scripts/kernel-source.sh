#!/bin/bash
# Puts a Linux 6.1 source tree into the cache, once, and prints its path
# (only that) on stdout: ${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}/linux-source-6.1
#
# The tree is Debian's linux-source-6.1 package (/usr/src/linux-source-6.1.tar.xz,
# ~140 MB), installed with apt-get when missing (through sudo when not root;
# perl too, for get_maintainer.pl), unpacked once (~1.4 GB). Later runs reuse
# the unpacked tree and need neither the package nor the network. The tests
# compare ksymbolize's MAINTAINERS matching with that tree's
# scripts/get_maintainer.pl and read real files from it.
# Progress and errors go to stderr.
set -euo pipefail
cache=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}
target=$cache/linux-source-6.1
tarball=/usr/src/linux-source-6.1.tar.xz
# What is missing: the package (when the tree is not unpacked yet), and perl's
# full library (File::Find, which scripts/get_maintainer.pl uses).
missing=()
[ -f "$target/.complete" ] || [ -s "$tarball" ] || missing+=(linux-source-6.1)
perl -MFile::Find -e 1 2>/dev/null || missing+=(perl)
if [ ${#missing[@]} -gt 0 ]; then
	echo "kernel-source: installing ${missing[*]}" >&2
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	# A failed update (a mirror down, no network) still leaves the old lists.
	"${sudo_cmd[@]}" apt-get update -q >&2 || echo "kernel-source: apt-get update failed; trying the package lists there are" >&2
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
# .complete is written last: a tree without it is a broken earlier unpack.
if [ -f "$target/.complete" ]; then
	echo "$target"
	exit 0
fi
[ -s "$tarball" ] || { echo "kernel-source: linux-source-6.1 is installed but $tarball is missing" >&2; exit 1; }
mkdir -p "$cache"
rm -rf "$target"
tmp=$(mktemp -d "$cache/linux-source.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "kernel-source: unpacking $tarball into $target (~1.4 GB)" >&2
tar -xJf "$tarball" -C "$tmp"
[ -f "$tmp/linux-source-6.1/MAINTAINERS" ] && [ -f "$tmp/linux-source-6.1/scripts/get_maintainer.pl" ] \
	|| { echo "kernel-source: $tarball has no linux-source-6.1/MAINTAINERS or scripts/get_maintainer.pl" >&2; exit 1; }
mv "$tmp/linux-source-6.1" "$target"
dpkg-query -W -f='${Version}\n' linux-source-6.1 > "$target/.complete" 2>/dev/null || echo unknown > "$target/.complete"
echo "$target"
