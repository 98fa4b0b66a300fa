
# Added by ksymbolize's scripts/completions.sh (packaging/completions/):
# `ksymbolize [OPTION…] [LOG…]` runs the default subcommand, symbolize, but
# swift-argument-parser's script above completes its options only after the
# word `symbolize`. Lines whose first word is an option, or that go on after
# a first word that is no subcommand, are completed as if `symbolize` were there:
# every completion above reads the command line through __ksymbolize_tokens.
functions -c __ksymbolize_tokens __ksymbolize_tokens_as_typed
function __ksymbolize_tokens
    set -l tokens (__ksymbolize_tokens_as_typed $argv)
    contains -- -t $argv; and begin
        printf '%s\n' $tokens
        return
    end
    set -l before (__ksymbolize_tokens_as_typed -pc)
    set -l first $before[2]
    test (count $before) -lt 2; and set first (__ksymbolize_tokens_as_typed -t)
    if string match -q -- '-*' $first; or begin
            test (count $before) -ge 2; and not contains -- $first symbolize addr kallsyms serve help
        end
        set tokens $tokens[1] symbolize $tokens[2..]
    end
    printf '%s\n' $tokens
end
