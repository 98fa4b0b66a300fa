# ksymbolize — the two entry points of the README, and a few helpers.
#   make sample   install what is missing, build, symbolize a bundled real oops
#   make test     install what is missing, fetch sample binaries, run every test
SWIFT ?= swift
CACHE ?= $(or $(KSYMBOLIZE_CACHE),$(HOME)/.cache/ksymbolize)
SAMPLE_CASE ?= first

.PHONY: sample test build setup format clean fuzz
FUZZ_RUNS ?= 3000

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build -c release -Xswiftc -warnings-as-errors

# The pre-5.0 Thumb-2 capture: the kernel blamed a fault at crash_first's
# first instruction on crash_first_neighbour; ksymbolize says so and fixes it.
sample: build
	@bash scripts/prepare-samples.sh
	.build/release/ksymbolize \
	  --vmlinux $(CACHE)/samples/arm-thumb2-prefix-vmlinux \
	  --modules samples/arm-thumb2/prefix \
	  --module-sections samples/arm-thumb2/prefix/$(SAMPLE_CASE).sections \
	  samples/arm-thumb2/prefix/$(SAMPLE_CASE).log

# Every test, then a short bounded fuzzing pass (make fuzz FUZZ_RUNS=200000 for a long one).
# scripts/run-tests.sh starts a local debuginfod server for the debuginfod tests.
test: setup
	bash scripts/run-tests.sh
	bash scripts/fuzz.sh $(FUZZ_RUNS)

fuzz:
	bash scripts/fuzz.sh $(FUZZ_RUNS)

format:
	swift format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build

# Benchmark against llvm-symbolizer, eu-addr2line, decode_stacktrace.sh,
# faddr2line and a libdwfl C floor (see bench/README.md). BENCH_ARGS=--quick
.PHONY: bench
bench:
	python3 bench/run.py $(BENCH_ARGS)
