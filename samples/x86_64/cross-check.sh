#!/bin/bash
# x86_64 sample: the generic Debian-kernel cross-check with DEBIAN-ARCH amd64 (see ../debian/arch.sh).
exec "$(dirname "$0")/../debian/cross-check.sh" amd64 "$@"
