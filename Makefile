# ksymbolize — the two entry points of the README, and a few helpers.
#   make sample   install what is missing, build, symbolize a bundled real oops
#   make test     install what is missing, fetch sample binaries, run every test
#   make install  the release binary (and ksymbolize-serve, which `ksymbolize serve` runs), man
#                 pages and shell completions (PREFIX, DESTDIR)
#   make deb      a Debian package of what make install installs (scripts/make-deb.sh)
SWIFT ?= swift
CACHE ?= $(or $(KSYMBOLIZE_CACHE),$(HOME)/.cache/ksymbolize)
SAMPLE_CASE ?= first

# Where make install puts things: $(DESTDIR)$(PREFIX)/…
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
# ksymbolize serve execs ../libexec/ksymbolize/ksymbolize-serve from its own directory.
SERVE_DIR = $(BINDIR)/../libexec/ksymbolize
MANDIR ?= $(PREFIX)/share/man
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETION_DIR ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPLETION_DIR ?= $(PREFIX)/share/fish/vendor_completions.d
INSTALL ?= install

# The release build. No $ORIGIN run path: the Swift runtime is linked in, and
# an installed binary must not look for libraries beside itself.
RELEASE_FLAGS = -c release -Xswiftc -warnings-as-errors --disable-local-rpath
# Man pages and completion scripts made from the release build.
GENERATED = .build/packaging
MANUAL_OUTPUT = .build/plugins/GenerateManual/outputs/ksymbolize

.PHONY: sample test build setup format clean fuzz man completions install uninstall deb
FUZZ_RUNS ?= 3000

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build $(RELEASE_FLAGS)

# The pre-5.0 Thumb-2 capture: the kernel blamed a fault at crash_first's
# first instruction on crash_first_neighbour; ksymbolize says so and fixes it.
sample: build
	@bash scripts/prepare-samples.sh
	.build/release/ksymbolize \
	  --vmlinux $(CACHE)/samples/arm-thumb2-prefix-vmlinux \
	  --modules samples/arm-thumb2/prefix \
	  --module-sections samples/arm-thumb2/prefix/$(SAMPLE_CASE).sections \
	  samples/arm-thumb2/prefix/$(SAMPLE_CASE).log

# Every test, the installed files and the Debian package (scripts/test-install.sh),
# then a short bounded fuzzing pass (make fuzz FUZZ_RUNS=200000 for a long one).
# scripts/run-tests.sh starts a local debuginfod server for the debuginfod tests.
test:
	@bash scripts/setup.sh --test
	bash scripts/run-tests.sh
	bash scripts/test-install.sh
	bash scripts/fuzz.sh $(FUZZ_RUNS)

fuzz:
	bash scripts/fuzz.sh $(FUZZ_RUNS)

# One page per command (ksymbolize.1, ksymbolize.symbolize.1, …), written by
# swift-argument-parser's generate-manual plugin from the release binary's own
# option definitions, the same that --help prints. The plugin builds with the
# same flags, so the release build is reused; the date is the commit's.
man: build
	rm -rf $(MANUAL_OUTPUT) $(GENERATED)/man
	$(SWIFT) package $(RELEASE_FLAGS) generate-manual --multi-page \
	  --date $$(date -u -d @$$(sh scripts/version.sh --epoch) +%F)
	mkdir -p $(GENERATED)/man
	cp $(MANUAL_OUTPUT)/*.1 $(GENERATED)/man/

# bash, zsh and fish scripts: swift-argument-parser's, which list the values of
# --format, --arch and --kallsyms-mode, with the default subcommand added.
completions: build
	bash scripts/completions.sh .build/release/ksymbolize $(GENERATED)/completions

install: build man completions
	$(INSTALL) -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" "$(DESTDIR)$(BASH_COMPLETION_DIR)" \
	  "$(DESTDIR)$(ZSH_COMPLETION_DIR)" "$(DESTDIR)$(FISH_COMPLETION_DIR)" "$(DESTDIR)$(SERVE_DIR)"
	$(INSTALL) -m 755 .build/release/ksymbolize "$(DESTDIR)$(BINDIR)/ksymbolize"
	$(INSTALL) -m 755 .build/release/ksymbolize-serve "$(DESTDIR)$(SERVE_DIR)/ksymbolize-serve"
	$(INSTALL) -m 644 $(GENERATED)/man/*.1 "$(DESTDIR)$(MANDIR)/man1/"
	$(INSTALL) -m 644 $(GENERATED)/completions/ksymbolize.bash "$(DESTDIR)$(BASH_COMPLETION_DIR)/ksymbolize"
	$(INSTALL) -m 644 $(GENERATED)/completions/_ksymbolize "$(DESTDIR)$(ZSH_COMPLETION_DIR)/_ksymbolize"
	$(INSTALL) -m 644 $(GENERATED)/completions/ksymbolize.fish "$(DESTDIR)$(FISH_COMPLETION_DIR)/ksymbolize.fish"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/ksymbolize" "$(DESTDIR)$(SERVE_DIR)/ksymbolize-serve" "$(DESTDIR)$(MANDIR)"/man1/ksymbolize.1 \
	  "$(DESTDIR)$(MANDIR)"/man1/ksymbolize.*.1 "$(DESTDIR)$(BASH_COMPLETION_DIR)/ksymbolize" \
	  "$(DESTDIR)$(ZSH_COMPLETION_DIR)/_ksymbolize" "$(DESTDIR)$(FISH_COMPLETION_DIR)/ksymbolize.fish"

# .build/deb/ksymbolize_VERSION_ARCH.deb: make install into a staging root
# (PREFIX=/usr, zsh's Debian directory), then control fields, copyright,
# compressed man pages, dpkg-deb and lintian (scripts/make-deb.sh).
DEB_DIR = .build/deb
deb:
	@bash scripts/setup.sh --deb
	rm -rf $(DEB_DIR)/root
	$(MAKE) install DESTDIR="$(CURDIR)/$(DEB_DIR)/root" PREFIX=/usr \
	  ZSH_COMPLETION_DIR=/usr/share/zsh/vendor-completions
	bash scripts/make-deb.sh $(DEB_DIR)/root $(DEB_DIR)

format:
	swift format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build

# Benchmark against llvm-symbolizer, eu-addr2line, decode_stacktrace.sh,
# faddr2line and a libdwfl C floor (see bench/README.md). BENCH_ARGS=--quick
.PHONY: bench
bench:
	python3 bench/run.py $(BENCH_ARGS)
