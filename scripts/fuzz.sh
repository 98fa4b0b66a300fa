#!/bin/bash
# Fuzzes ksymbolize with libFuzzer + AddressSanitizer.
#   scripts/fuzz.sh [RUNS]    each target runs RUNS inputs (default 20000)
# Targets (Fuzz/Sources/*): FuzzLogParser (any bytes as a log), FuzzSnapshots
# (sections, /proc/modules, /proc/kallsyms readers), FuzzModule (any bytes as
# a .ko, seeded with the samples' modules). A crash fails the script; libFuzzer
# leaves the input in Tests/Fuzz/Crashers/TARGET/: rename it to say what it
# does and commit it: the tests replay every file there.
set -euo pipefail
runs=${1:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${KSYMBOLIZE_CACHE:-$HOME/.cache/ksymbolize}
work="$cache/fuzz"
mkdir -p "$work"

# A package of its own, generated here so the repository's Package.swift
# stays buildable without the fuzzer (these targets have no main()).
identity=$(basename "$top" | tr '[:upper:]' '[:lower:]')
pkg="$work/package"
mkdir -p "$pkg/Sources"
for target in FuzzLogParser FuzzSnapshots FuzzModule; do
	rm -rf "$pkg/Sources/$target"
	ln -s "$top/Fuzz/Sources/$target" "$pkg/Sources/$target"
done
cat > "$pkg/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let flags: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]
let package = Package(
    name: "ksymbolize-fuzz",
    dependencies: [.package(path: "$top")],
    targets: ["FuzzLogParser", "FuzzSnapshots", "FuzzModule"].map {
        .executableTarget(name: \$0, dependencies: [.product(name: "Symbolizer", package: "$identity"), .product(name: "SymbolizerTestSupport", package: "$identity")], swiftSettings: flags)
    }
)
SWIFT
echo "fuzz: building with -sanitize=fuzzer,address" >&2
swift build --package-path "$pkg" --scratch-path "$work/build" --sanitize=fuzzer --sanitize=address 2>&1 \
	| grep -v "Cannot export local symbol" >&2

seeds() {
	local target=$1 dir="$work/corpus/$target"
	mkdir -p "$dir"
	case $target in
	FuzzLogParser)
		find "$top/samples" -name '*.log' -exec cp {} "$dir/" \;
		if [ -d "$top/../shared/corpus/syzkaller/report" ]; then
			ls "$top/../shared/corpus/syzkaller/report" | head -40 | while read -r f; do
				cp "$top/../shared/corpus/syzkaller/report/$f" "$dir/syz-$f"
			done
		fi ;;
	FuzzSnapshots)
		find "$top/samples" \( -name '*.sections' -o -name '*.modules' -o -name '*.kallsyms' \) -exec cp {} "$dir/" \; ;;
	FuzzModule)
		cp "$top/samples/arm-thumb2/fixed/crashmod.ko" "$dir/thumb2.ko"
		cp "$top/samples/x86_64/crashmod.ko" "$dir/x86_64.ko"
		for f in "$top"/samples/cross/*.ko; do cp "$f" "$dir/"; done ;;
	esac
	echo "$dir"
}

# Leak checking is off: the title engine's regexes are process-lifetime
# statics that LeakSanitizer reports at exit. A leak per input would still
# show as growth past -rss_limit_mb.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
status=0
for target in FuzzLogParser FuzzSnapshots FuzzModule; do
	corpus=$(seeds "$target")
	artifacts="$top/Tests/Fuzz/Crashers/$target"
	mkdir -p "$artifacts"
	max_len=65536
	[ "$target" = FuzzModule ] && max_len=400000
	echo "fuzz: $target, $runs runs" >&2
	if ! "$work/build/debug/$target" "$corpus" -runs="$runs" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/" -print_final_stats=1 2>"$work/$target.log"; then
		echo "fuzz: $target FAILED, see $work/$target.log and $artifacts" >&2
		tail -30 "$work/$target.log" >&2
		status=1
	else
		grep -E "^stat::number_of_executed_units|Done [0-9]+ runs" "$work/$target.log" >&2 || true
	fi
done
exit $status
