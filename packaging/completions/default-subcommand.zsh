
# Added by ksymbolize's scripts/completions.sh (packaging/completions/):
# `ksymbolize [OPTION…] [LOG…]` runs the default subcommand, symbolize, but
# swift-argument-parser's completion function completes its options only
# after the word `symbolize`. Lines whose first word is an option, or that go
# on after a first word that is no subcommand, are completed as if `symbolize`
# were there.
functions[__ksymbolize_as_generated]=${functions[_ksymbolize]}
_ksymbolize() {
    if (( CURRENT > 2 )) || [[ ${words[2]-} == -* ]]; then
        case ${words[2]-} in
        symbolize | addr | kallsyms | serve | help) ;;
        *)
            words=("${words[1]}" symbolize "${words[@]:1}")
            (( CURRENT++ ))
            ;;
        esac
    fi
    __ksymbolize_as_generated "${@}"
}

