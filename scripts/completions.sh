#!/bin/bash
# Writes the shell completion scripts `make install` installs, into OUTDIR:
# ksymbolize.bash, _ksymbolize (zsh) and ksymbolize.fish. Each is
# swift-argument-parser's (`BINARY --generate-completion-script SHELL`, made
# from the same option definitions as --help) with
# packaging/completions/default-subcommand.SHELL added, which completes
# `ksymbolize --format <TAB>` (the default subcommand, without its name) as
# `ksymbolize symbolize --format <TAB>`.
# Usage: completions.sh BINARY OUTDIR
set -euo pipefail
binary=$1
out=$2
additions=$(cd "$(dirname "$0")/.." && pwd)/packaging/completions
mkdir -p "$out"
for shell in bash zsh fish; do
	"$binary" --generate-completion-script "$shell" >"$out/generated.$shell"
done
# Without its #!/bin/bash line: bash-completion sources the file, nothing runs it.
{
	sed '1{/^#!/d}' "$out/generated.bash"
	cat "$additions/default-subcommand.bash"
} >"$out/ksymbolize.bash"
cat "$out/generated.fish" "$additions/default-subcommand.fish" >"$out/ksymbolize.fish"
# zsh autoloads the file as the body of _ksymbolize, whose last lines call
# _ksymbolize at once: the addition goes before them.
last='if [[ "${funcstack[1]}" = _ksymbolize ]]; then'
if ! grep -qxF "$last" "$out/generated.zsh"; then
	echo "completions.sh: the zsh script no longer has the line '$last'" >&2
	exit 1
fi
awk -v last="$last" -v addition="$additions/default-subcommand.zsh" \
	'$0 == last { while ((getline line < addition) > 0) print line } { print }' \
	"$out/generated.zsh" >"$out/_ksymbolize"
rm "$out"/generated.*
