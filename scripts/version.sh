#!/bin/sh
# ksymbolize's version, from git, as `ksymbolize --version`, the JSON
# `generator` field and the Debian package show it:
#   a tagged commit        1.2.0            (tags v1.2.0 or 1.2.0)
#   commits after a tag    1.2.0-3-gabc1234 (git describe --tags)
#   no tag yet             0.0.0-139-g3ded518 (as if 0.0.0 tagged the first commit)
#   changes not committed  …-dirty
#   not a git checkout     unknown (a tarball)
# Usage: version.sh             print it
#        version.sh --deb       print it as a Debian version (1.2.0+3.gabc1234, 0.0.0+unknown)
#        version.sh --epoch     print the commit's time in seconds since 1970 ($SOURCE_DATE_EPOCH
#                               when set; now outside git): the man pages' date, the package's
#                               file times
#        version.sh --swift F S write F, `let buildVersion = "…"`, unless it already says so,
#                               and S, anew (Plugins/VersionPlugin, on every build: S is an
#                               input of that command, so that it always runs again)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd -P)
# safe.directory: `sudo make install` in a checkout owned by another user still reads it.
git_() { git -c safe.directory="$top" -C "$top" "$@" 2>/dev/null; }
version=unknown
epoch=
# Only this project's own checkout: not a tarball unpacked inside some other repository.
if [ "$(git_ rev-parse --show-toplevel || true)" = "$top" ]; then
	epoch=$(git_ log -1 --format=%ct || true)
	if described=$(git_ describe --tags --dirty --match 'v[0-9]*' --match '[0-9]*'); then
		version=${described#v}
	elif commits=$(git_ rev-list --count HEAD) && described=$(git_ describe --always --dirty); then
		version=0.0.0-$commits-g$described
	fi
fi
case "${1-}" in
"") echo "$version" ;;
--epoch) echo "${SOURCE_DATE_EPOCH:-${epoch:-$(date +%s)}}" ;;
--deb)
	# dpkg versions start with a digit and, without a Debian revision, hold no '-'.
	case $version in
	unknown) echo 0.0.0+unknown ;;
	*-*) echo "${version%%-*}+$(echo "${version#*-}" | tr - .)" ;;
	*) echo "$version" ;;
	esac
	;;
--swift)
	file=$2
	text="// Written by scripts/version.sh on every build (Plugins/VersionPlugin); not committed.
let buildVersion = \"$version\""
	if [ ! -f "$file" ] || [ "$(cat "$file")" != "$text" ]; then
		mkdir -p "$(dirname "$file")"
		printf '%s\n' "$text" >"$file.tmp"
		mv "$file.tmp" "$file"
	fi
	[ -z "${3-}" ] || date +%s.%N >"$3"
	;;
*)
	echo "usage: $0 [--deb | --epoch | --swift FILE [STAMP]]" >&2
	exit 64
	;;
esac
