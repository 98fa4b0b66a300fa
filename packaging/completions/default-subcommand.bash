
# Added by ksymbolize's scripts/completions.sh (packaging/completions/):
# `ksymbolize [OPTION…] [LOG…]` runs the default subcommand, symbolize, but
# swift-argument-parser's script above completes its options only after the
# word `symbolize`. Lines whose first word is an option, or that go on after
# a first word that is no subcommand, are completed as if `symbolize` were there.
_ksymbolize_default_subcommand() {
    if [[ ${COMP_CWORD} -gt 1 || ${COMP_WORDS[1]-} == -* ]]; then
        case ${COMP_WORDS[1]-} in
        symbolize | addr | kallsyms | serve | help) ;;
        *)
            local -a words=("${COMP_WORDS[0]}" symbolize "${COMP_WORDS[@]:1}")
            local command_word=${COMP_LINE%%"${COMP_WORDS[0]}"*}${COMP_WORDS[0]}
            local line="${command_word} symbolize${COMP_LINE#"${command_word}"}"
            local -i point=$((COMP_POINT + 10)) cword=$((COMP_CWORD + 1))
            local -a COMP_WORDS=("${words[@]}")
            local COMP_LINE=${line} COMP_POINT=${point} COMP_CWORD=${cword}
            _ksymbolize "${1}" "${2}" "${COMP_WORDS[COMP_CWORD - 1]}"
            return
            ;;
        esac
    fi
    _ksymbolize "${@}"
}
complete -o filenames -F _ksymbolize_default_subcommand ksymbolize
