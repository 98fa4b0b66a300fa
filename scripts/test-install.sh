#!/bin/bash
# The install part of `make test`: what `make install` and `make deb` make,
# tried the way a user meets it. One release build serves both.
# - make install DESTDIR=…: exactly the expected files; the installed binary
#   answers --version (root command and every subcommand) with what
#   scripts/version.sh says and symbolizes a sample (JSON `generator` too);
#   `man -l` renders every page with its command name and an option; the
#   bash (through bash-completion's own loader), zsh and fish completions of
#   `ksymbolize --format <TAB>` and the other fixed-value options offer
#   exactly their values.
# - make deb: Version, Depends from dpkg-shlibdeps (libdw1, libelf1, libzstd1,
#   libc6), the file list; lintian (run by make deb, which fails on an error)
#   with no warning that the README does not explain; the package extracted (dpkg -x) runs; installed
#   with dpkg -i (root or password-less sudo, and not installed already; then
#   removed again), the system's man, bash completion and binary find it.
#   KSYMBOLIZE_TEST_DPKG_INSTALL=0 leaves dpkg -i out.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
cache=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}
make=${MAKE:-make}
started=$SECONDS
bash scripts/prepare-samples.sh || exit 1
work=$(mktemp -d "${TMPDIR:-/tmp}/ksymbolize-install.XXXXXX")
installed_deb=false
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo -n)
cleanup() {
	if "$installed_deb"; then "${sudo_cmd[@]}" dpkg -r ksymbolize >/dev/null; fi
	rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() {
	echo "test-install: FAIL: $*" >&2
	failures=$((failures + 1))
}
pass() { echo "test-install: ok: $*" >&2; }
# same WHAT EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
# has WHAT TEXT NEEDLE…
has() {
	local what=$1 text=$2 needle
	shift 2
	for needle in "$@"; do
		if [[ $text != *"$needle"* ]]; then
			fail "$what: no [$needle] in: ${text:0:600}"
			return
		fi
	done
	pass "$what"
}

version=$(sh scripts/version.sh)
thumb=samples/arm-thumb2/fixed
sample=(--vmlinux "$cache/samples/arm-thumb2-fixed-vmlinux" --modules "$thumb" --module-sections "$thumb/null.sections" "$thumb/null.log")
sample_frame='crash_null_deref+0xe/0x1e [crashmod] crashmod/crashmod.c:42 (crash_read_value)'

# check_binary WHAT BINARY: --version everywhere, a sample symbolized, the JSON generator.
check_binary() {
	local what=$1 binary=$2 command output
	for command in "" symbolize addr kallsyms serve; do
		same "$what: ksymbolize${command:+ $command} --version" "$version" "$("$binary" $command --version 2>&1)"
	done
	output=$("$binary" "${sample[@]}" 2>&1)
	same "$what: exit status of a sample" 0 $?
	has "$what: a sample symbolized" "$output" "$sample_frame"
	output=$("$binary" --format json "${sample[@]}" 2>&1)
	has "$what: JSON generator" "$output" "\"generator\" : \"ksymbolize $version\"" '"function" : "crash_read_value"'
	check_serve "$what" "$binary"
}

# check_serve WHAT BINARY: ksymbolize serve on a free loopback port answers a
# sample's log (JSON body with its sections) as the command line does, then stops on SIGTERM.
check_serve() {
	local what=$1 binary=$2 pid port="" expected output
	"$binary" serve --listen 127.0.0.1:0 --no-live --vmlinux "${sample[1]}" --modules "$thumb" >"$work/serve.out" 2>"$work/serve.err" &
	pid=$!
	for _ in $(seq 300); do
		port=$(sed -n 's|^ksymbolize serve: listening on http://127.0.0.1:||p' "$work/serve.out")
		[ -n "$port" ] && break
		sleep 0.1
	done
	expected=$("$binary" --no-live "${sample[@]}" 2>/dev/null)
	output=$(python3 -c 'import json, sys; print(json.dumps(dict(log=open(sys.argv[1], newline="").read(), module_sections=open(sys.argv[2], newline="").read())))' \
		"$thumb/null.log" "$thumb/null.sections" | curl -sS -H 'Content-Type: application/json' --data-binary @- "http://127.0.0.1:$port/v1/symbolize" 2>&1)
	same "$what: ksymbolize serve answers as the command line" "$expected" "$output"
	kill -TERM "$pid"
	wait "$pid"
	same "$what: ksymbolize serve stops on SIGTERM" 0 $?
}

# Completion cases: words typed (the last one being completed, often empty)
# and the values offered (architectures: set once the binary is installed).
completion_cases=(
	"ksymbolize --format |text json markdown"
	"ksymbolize symbolize --format |text json markdown"
	"ksymbolize -r 6.1 --format j|json"
	"ksymbolize addr --format |text json"
	"ksymbolize --arch |ARCHITECTURES"
	"ksymbolize --kallsyms-mode |fixed raw"
	"ksymbolize kallsyms --kallsyms-mode |fixed raw"
	"ksymbolize serve --kallsyms-mode |fixed raw"
	"ksymbolize serve --max-con|--max-concurrency"
	"ksymbolize serve --lis|--listen"
	"ksymbolize oops.log --reports-o|--reports-only"
)

# bash_complete SHARE WORDS…: COMPREPLY, one per line, for the words (the last
# being completed), the completion loaded by bash-completion from SHARE.
bash_complete() {
	local share=$1
	shift
	XDG_DATA_DIRS=$share bash --norc --noprofile -c '
		source /usr/share/bash-completion/bash_completion
		__load_completion ksymbolize || exit 3
		spec=$(complete -p ksymbolize) || exit 4
		function=${spec##*-F }
		function=${function%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$function" ksymbolize "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"' bash "$@"
}

# zsh_complete FPATH_DIR LINE: what zsh offers at the end of LINE, sorted (scripts/complete-zsh.zsh).
zsh_complete() {
	zsh -f scripts/complete-zsh.zsh "$1" "$work/zsh-matches" "$2" | LC_ALL=C sort -u
}

# fish_complete SHARE LINE: what fish offers at the end of LINE (complete -C), sorted.
fish_complete() {
	HOME=$work/fish-home XDG_CONFIG_HOME=$work/fish-home/.config XDG_DATA_DIRS=$1 \
		fish -c 'complete -C $argv[1] | string split -f1 \t' "$2" | LC_ALL=C sort -u
}

# check_completions WHAT BASH_SHARE ZSH_DIR FISH_SHARE (the binary's directory on PATH)
check_completions() {
	local what=$1 bash_share=$2 zsh_dir=$3 fish_share=$4 case words expected sorted
	has "$what: bash-completion loads the script" \
		"$(XDG_DATA_DIRS=$bash_share bash --norc --noprofile -c 'source /usr/share/bash-completion/bash_completion; __load_completion ksymbolize; complete -p ksymbolize')" \
		"-F _ksymbolize_default_subcommand ksymbolize"
	for case in "${completion_cases[@]}"; do
		words=${case%%|*}
		expected=${case#*|}
		sorted=$(tr ' ' '\n' <<<"$expected" | LC_ALL=C sort -u)
		read -r -a typed <<<"$words"
		[[ $words == *" " ]] && typed+=("")
		same "$what: bash: $words<TAB>" "$expected" "$(bash_complete "$bash_share" "${typed[@]}" | tr '\n' ' ' | sed 's/ $//')"
		same "$what: zsh: $words<TAB>" "$sorted" "$(zsh_complete "$zsh_dir" "$words")"
		same "$what: fish: $words<TAB>" "$sorted" "$(fish_complete "$fish_share" "$words")"
	done
}

echo "test-install: make install DESTDIR=$work/dest" >&2
if ! "$make" --no-print-directory install DESTDIR="$work/dest" >"$work/install.log" 2>&1; then
	tail -40 "$work/install.log" >&2
	fail "make install"
	exit 1
fi
echo "test-install: make install done after $((SECONDS - started)) s" >&2
prefix=$work/dest/usr/local
same "make install: the files installed" "usr/local/bin/ksymbolize
usr/local/libexec/ksymbolize/ksymbolize-serve
usr/local/share/bash-completion/completions/ksymbolize
usr/local/share/fish/vendor_completions.d/ksymbolize.fish
usr/local/share/man/man1/ksymbolize.1
usr/local/share/man/man1/ksymbolize.addr.1
usr/local/share/man/man1/ksymbolize.help.1
usr/local/share/man/man1/ksymbolize.kallsyms.1
usr/local/share/man/man1/ksymbolize.serve.1
usr/local/share/man/man1/ksymbolize.symbolize.1
usr/local/share/zsh/site-functions/_ksymbolize" "$(cd "$work/dest" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)"
# The architectures --arch takes, as the binary's own error message lists them.
architectures=$("$prefix/bin/ksymbolize" --arch vax 2>&1 | sed -n 's/^  - //p' | tr '\n' ' ')
architectures=${architectures% }
[ -n "$architectures" ] && pass "the architectures: $architectures" || fail "no architectures from ksymbolize --arch vax"
completion_cases=("${completion_cases[@]/ARCHITECTURES/$architectures}")
[ -x "$prefix/bin/ksymbolize" ] && pass "make install: the binary is executable" || fail "make install: $prefix/bin/ksymbolize is not executable"
check_binary "make install" "$prefix/bin/ksymbolize"

# Each page: its command name, an option of its own, found through MANPATH by name too.
for page in "ksymbolize|ksymbolize|--version" "ksymbolize.symbolize|ksymbolize symbolize|--format" \
	"ksymbolize.addr|ksymbolize addr|--return-address" "ksymbolize.kallsyms|ksymbolize kallsyms|--kallsyms-mode" \
	"ksymbolize.serve|ksymbolize serve|--max-concurrency" "ksymbolize.help|ksymbolize help|subcommands"; do
	IFS='|' read -r name command option <<<"$page"
	text=$(MANWIDTH=80 man -l "$prefix/share/man/man1/$name.1" 2>&1)
	has "man -l $name.1" "$text" "NAME" "$command" "$option"
	same "man -w $name (MANPATH)" "$prefix/share/man/man1/$name.1" "$(MANPATH=$prefix/share/man man -w "$name" 2>&1)"
done

PATH=$prefix/bin:$PATH check_completions "make install" "$prefix/share" "$prefix/share/zsh/site-functions" "$prefix/share"

echo "test-install: make deb" >&2
if ! "$make" --no-print-directory deb >"$work/deb.log" 2>&1; then
	tail -40 "$work/deb.log" >&2
	fail "make deb"
	exit 1
fi
echo "test-install: make deb done after $((SECONDS - started)) s" >&2
deb=$(tail -n 1 "$work/deb.log")
same "make deb: the package's Version" "$(sh scripts/version.sh --deb)" "$(dpkg-deb -f "$deb" Version)"
depends=$(dpkg-deb -f "$deb" Depends)
has "make deb: Depends from dpkg-shlibdeps" "$depends" "libdw1 (>= " "libelf1 (>= " "libzstd1 (>= " "libc6 (>= " "libcapstone4"
same "make deb: the files packaged" "./usr/bin/ksymbolize
./usr/libexec/ksymbolize/ksymbolize-serve
./usr/share/bash-completion/completions/ksymbolize
./usr/share/doc/ksymbolize/changelog.gz
./usr/share/doc/ksymbolize/copyright
./usr/share/fish/vendor_completions.d/ksymbolize.fish
./usr/share/man/man1/ksymbolize.1.gz
./usr/share/man/man1/ksymbolize.addr.1.gz
./usr/share/man/man1/ksymbolize.help.1.gz
./usr/share/man/man1/ksymbolize.kallsyms.1.gz
./usr/share/man/man1/ksymbolize.serve.1.gz
./usr/share/man/man1/ksymbolize.symbolize.1.gz
./usr/share/zsh/vendor-completions/_ksymbolize" "$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | LC_ALL=C sort)"

# lintian, which make deb ran (it fails on an error): no error, and only the
# warnings README.md explains (Install, Debian package).
grep -q "^make-deb: lintian $deb" "$work/deb.log" && pass "make deb ran lintian" || fail "make deb did not run lintian"
unexplained=$(grep -E '^[EW]: ' "$work/deb.log" | grep -vE '^W: ksymbolize: (bad-whatis-entry|groff-message) ')
same "lintian: no error, no warning the README does not explain" "" "$unexplained"
for tag in bad-whatis-entry groff-message; do
	grep -q "^- \`$tag\`" README.md && pass "README explains lintian's $tag" || fail "README does not explain lintian's $tag"
done

dpkg -x "$deb" "$work/extracted"
check_binary "dpkg -x" "$work/extracted/usr/bin/ksymbolize"
same "dpkg -x: no run path in the binary" "" "$(readelf -d "$work/extracted/usr/bin/ksymbolize" | grep -E 'RPATH|RUNPATH')"

if [ "${KSYMBOLIZE_TEST_DPKG_INSTALL:-1}" = 0 ]; then
	echo "test-install: dpkg -i left out (KSYMBOLIZE_TEST_DPKG_INSTALL=0)" >&2
elif dpkg-query -W -f='${Status}' ksymbolize 2>/dev/null | grep -q "install ok installed"; then
	echo "test-install: dpkg -i left out: a ksymbolize package is installed already" >&2
elif ! "${sudo_cmd[@]}" true 2>/dev/null; then
	echo "test-install: dpkg -i left out: not root, and sudo asks for a password" >&2
else
	if "${sudo_cmd[@]}" dpkg -i "$deb" >"$work/dpkg.log" 2>&1; then
		installed_deb=true
		pass "dpkg -i"
		same "dpkg -i: ksymbolize on PATH" /usr/bin/ksymbolize "$(PATH=/usr/bin:/bin command -v ksymbolize)"
		check_binary "dpkg -i" /usr/bin/ksymbolize
		same "dpkg -i: man -w ksymbolize.addr" /usr/share/man/man1/ksymbolize.addr.1.gz "$(man -w ksymbolize.addr 2>&1)"
		has "dpkg -i: man ksymbolize.symbolize" "$(MANWIDTH=80 man ksymbolize.symbolize 2>&1)" "ksymbolize symbolize" "--format"
		same "dpkg -i: bash: ksymbolize --format <TAB>" "text json markdown" \
			"$(env -u XDG_DATA_DIRS bash --norc --noprofile -c 'source /usr/share/bash-completion/bash_completion
				__load_completion ksymbolize || exit 3
				COMP_WORDS=(ksymbolize --format ""); COMP_CWORD=2; COMP_LINE="ksymbolize --format "; COMP_POINT=${#COMP_LINE}
				_ksymbolize_default_subcommand ksymbolize "" --format; echo "${COMPREPLY[*]}"')"
		"${sudo_cmd[@]}" dpkg -r ksymbolize >/dev/null && installed_deb=false
		[ ! -e /usr/bin/ksymbolize ] && pass "dpkg -r" || fail "dpkg -r left /usr/bin/ksymbolize"
	else
		cat "$work/dpkg.log" >&2
		fail "dpkg -i"
	fi
fi

echo "test-install: $failures failures, $((SECONDS - started)) s" >&2
[ "$failures" -eq 0 ]
