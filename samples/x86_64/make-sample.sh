#!/bin/bash
# x86_64 sample: the generic Debian-kernel script with DEBIAN-ARCH amd64 (see ../debian/arch.sh).
exec "$(dirname "$0")/../debian/make-sample.sh" amd64 "$@"
