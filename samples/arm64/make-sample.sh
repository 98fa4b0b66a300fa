#!/bin/bash
# arm64 sample: the generic Debian-kernel script with DEBIAN-ARCH arm64 (see ../debian/arch.sh).
exec "$(dirname "$0")/../debian/make-sample.sh" arm64 "$@"
