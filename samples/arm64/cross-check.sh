#!/bin/bash
# arm64 sample: the generic Debian-kernel cross-check with DEBIAN-ARCH arm64 (see ../debian/arch.sh).
exec "$(dirname "$0")/../debian/cross-check.sh" arm64 "$@"
