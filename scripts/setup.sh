#!/bin/bash
# Installs what ksymbolize needs to build and test on Debian 12, when missing:
# libdw-dev (and libelf-dev, pkg-config) and libcapstone-dev to build, xz-utils to unpack the
# bundled vmlinux files, elfutils (eu-strip) for the tests' split-DWARF
# layouts. Needs root (or sudo) only when something is missing.
#   --deb   also what `make deb` needs: dpkg-dev (dpkg-shlibdeps,
#           dpkg-gencontrol), lintian
#   --test  also what the install tests need: those, man-db (man -l),
#           bash-completion, zsh and fish (their completions are tried), curl
#           (the service tests' HTTP client), llvm-14 (llvm-objdump, the
#           reference disassembler of the machine-code tests)
set -euo pipefail
packages=(libdw-dev libelf-dev libzstd-dev libcapstone-dev zstd pkg-config xz-utils binutils elfutils)
case "${1-}" in
--deb) packages+=(dpkg-dev lintian) ;;
--test) packages+=(dpkg-dev lintian man-db groff-base bash-completion zsh fish cmark-gfm llvm-14 curl) ;;
"") ;;
*)
	echo "usage: $0 [--deb | --test]" >&2
	exit 64
	;;
esac
missing=()
for package in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	# A mirror that cannot be reached now may not be needed: the lists at hand may do.
	"${sudo_cmd[@]}" apt-get update -q >&2 || echo "setup: apt-get update failed; installing from the package lists at hand" >&2
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" >&2
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6 toolchain needed)" >&2; exit 1; }
