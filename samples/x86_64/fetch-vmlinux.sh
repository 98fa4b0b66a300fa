#!/bin/bash
# Debian's 6.1.0-50-amd64 vmlinux with DWARF, cached; prints its path. See ../fetch-vmlinux.sh.
exec bash "$(dirname "$0")/../fetch-vmlinux.sh" amd64
