#!/bin/zsh -f
# What zsh's completion system offers at the end of a command line, one match
# a line (for scripts/test-install.sh): a zsh in a pseudo-terminal (zpty)
# runs compinit with FPATH_DIR first in $fpath, its compadd wrapped to append
# every match to OUTFILE, and gets LINE and a TAB typed.
# Usage: zsh -f complete-zsh.zsh FPATH_DIR OUTFILE LINE
zmodload zsh/zpty || exit 3
dir=$1 out=$2 line=$3
rm -f $out $out.ready
zpty z zsh -f -i
zpty -w z "PS1=; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a hits; builtin compadd -A hits "$@"; print -rl -- $hits >>'${(q)out}'; builtin compadd "$@"
}'
zpty -w z "zstyle ':completion:*' menu no; bindkey '^I' complete-word; print ready >| ${(q)out}.ready"
for i in {1..200}; do [[ -e $out.ready ]] && break; sleep 0.05; done
[[ -e $out.ready ]] || { print -u2 "complete-zsh: the zsh in the pty did not start"; exit 4; }
zpty -w -n z "$line"$'\t'
for i in {1..100}; do [[ -s $out ]] && break; sleep 0.05; done
sleep 0.3
zpty -d z
[[ -e $out ]] && sort -u $out
exit 0
