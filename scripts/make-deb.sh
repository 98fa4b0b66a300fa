#!/bin/bash
# The Debian package, from a staging root that `make install DESTDIR=ROOT
# PREFIX=/usr` filled (`make deb` does both): the binary stripped, man pages
# and changelog compressed with gzip -9n, the copyright file, control fields
# from packaging/debian/control with Depends computed by dpkg-shlibdeps from
# the binary's shared libraries, md5sums; then dpkg-deb, then lintian, which
# must find no error (README: Install, for the warnings it gives).
# Usage: make-deb.sh ROOT OUTDIR   (the .deb's path is the last line printed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
root=$(realpath "$1")
out=$(realpath "$2")
version=$(sh "$top/scripts/version.sh" --deb)
SOURCE_DATE_EPOCH=$(sh "$top/scripts/version.sh" --epoch)
export SOURCE_DATE_EPOCH # dpkg-deb's file times, the changelog's date
doc=$root/usr/share/doc/ksymbolize

serve=$root/usr/libexec/ksymbolize/ksymbolize-serve
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/ksymbolize" "$serve"
gzip -9nf "$root"/usr/share/man/man1/*.1
install -d "$doc"
install -m 644 "$top/packaging/debian/copyright" "$doc/copyright"

# dpkg-shlibdeps and dpkg-gencontrol read a source tree's debian/control and
# debian/changelog: one is made here.
src=$out/src
rm -rf "$src"
mkdir -p "$src/debian" "$root/DEBIAN"
cp "$top/packaging/debian/control" "$src/debian/control"
maintainer=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
cat >"$src/debian/changelog" <<EOF
ksymbolize ($version) unstable; urgency=medium

  * Built by make deb from ksymbolize $(sh "$top/scripts/version.sh");
    the changes are in the project's git history.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
gzip -9n <"$src/debian/changelog" >"$doc/changelog.gz"
(
	cd "$src"
	dpkg-shlibdeps -Tdebian/substvars "$root/usr/bin/ksymbolize" "$serve"
	dpkg-gencontrol -pksymbolize -Tdebian/substvars -P"$root"
)
(cd "$root" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod -R u=rwX,go=rX "$root"
chmod 755 "$root/usr/bin/ksymbolize" "$serve"

deb=$out/ksymbolize_${version}_$(dpkg --print-architecture).deb
rm -f "$out"/ksymbolize_*.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >&2
echo "make-deb: lintian $deb" >&2
lintian --fail-on error "$deb" >&2
echo "$deb"
