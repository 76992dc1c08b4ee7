# mmpclean: cross-built for Windows with mingw-w64, tested on Linux.
#
#   make          build/mmpclean.exe
#   make demo     run it under Wine on a demo directory (installs what it needs)
#   make check    every test (installs what it needs)
#   make fuzz     libFuzzer harnesses, FUZZ_SECONDS each
#   make bench    the benchmark (never part of check)

VERSION	?= 0.1.0
B	:= build
CROSS	?= x86_64-w64-mingw32-
WINCC	:= $(CROSS)gcc
HOSTCC	?= gcc
CLANG	?= clang
WINE	?= wine
export WINEPREFIX := $(CURDIR)/$(B)/wineprefix
export WINEDEBUG ?= -all
export WINEDLLOVERRIDES ?= mscoree,mshtml=

CORE_SRC := src/mmpclean.c src/opts.c src/resolve.c src/scan.c src/out.c \
	    src/text.c
CORE_HDR := src/mmpclean.h src/plat.h
WIN_SRC	 := src/win32.c src/win32log.c

WARN	:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla
WINCFLAGS := -std=c11 -O2 $(WARN) -Werror -municode -DUNICODE -D_UNICODE \
	     -D_WIN32_WINNT=0x0601 -DMMPCLEAN_VERSION='"$(VERSION)"'
WINLDFLAGS := -static -municode -s
WINLIBS	:= -lntdll

HOSTCFLAGS := -std=c11 -g -O1 $(WARN) -Werror -D_GNU_SOURCE \
	      -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer -DMMPCLEAN_VERSION='"$(VERSION)"' -Isrc
HOSTLIBS := -lcmocka

FUZZERS	:= cmdline regvalue names
FUZZ_BINS := $(FUZZERS:%=$(B)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZCFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=all -DMMPCLEAN_VERSION='"$(VERSION)"' \
	      -Isrc -Itests/unit

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps demo check unit e2e lint fuzz fuzz-check clean

all: $(B)/mmpclean.exe

$(B)/mmpclean.exe: $(CORE_SRC) $(WIN_SRC) $(CORE_HDR) | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $(CORE_SRC) $(WIN_SRC) $(WINLDFLAGS) $(WINLIBS)

$(B)/holdlock.exe: tests/helpers/holdlock.c | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS)

$(B):
	mkdir -p $(B)/unit

# The unit tests link the core with the fake platform, natively.
$(B)/unit/%: tests/unit/%.c tests/unit/fake.c tests/unit/fake.h $(CORE_SRC) $(CORE_HDR) | $(B)
	$(HOSTCC) $(HOSTCFLAGS) -Itests/unit -o $@ $< tests/unit/fake.c $(CORE_SRC) $(HOSTLIBS)

$(B)/e2e: tests/e2e/e2e.c | $(B)
	$(HOSTCC) -std=c11 -g -O1 $(WARN) -Werror -D_GNU_SOURCE -o $@ $< $(HOSTLIBS)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/unit/fake.c $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(B)/fuzz
	$(CLANG) $(FUZZCFLAGS) -o $@ $< tests/unit/fake.c $(CORE_SRC)

# check: each harness over its seed corpus, so a regression fails CI.
fuzz-check: $(FUZZ_BINS)
	@set -e; for f in $(FUZZERS); do \
		$(B)/fuzz/fuzz_$$f -runs=0 tests/fuzz/$$f >$(B)/fuzz/$$f.log 2>&1 || \
		    { cat $(B)/fuzz/$$f.log; exit 1; }; \
		printf 'fuzz %s: %s\n' $$f "$$(tail -n 1 $(B)/fuzz/$$f.log)"; \
	done

# Each harness for FUZZ_SECONDS; new inputs collect under build/fuzz.
fuzz: $(FUZZ_BINS)
	@set -e; for f in $(FUZZERS); do \
		mkdir -p $(B)/fuzz/corpus-$$f; \
		$(B)/fuzz/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
		    -print_final_stats=1 -artifact_prefix=$(B)/fuzz/$$f- \
		    $(B)/fuzz/corpus-$$f tests/fuzz/$$f >$(B)/fuzz/$$f.log 2>&1 || \
		    { tail -n 40 $(B)/fuzz/$$f.log; exit 1; }; \
		printf 'fuzz %s: %s executions, no failure\n' $$f \
		    "$$(sed -n 's/^stat::number_of_executed_units: *//p' $(B)/fuzz/$$f.log)"; \
	done

deps:
	@sh .ci/deps

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do $$t; done

e2e: $(B)/mmpclean.exe $(B)/holdlock.exe $(B)/e2e
	$(B)/e2e

lint:
	mandoc -Tlint -Wwarning man/mmpclean.1

check: deps
	$(MAKE) lint unit fuzz-check e2e

demo: deps $(B)/mmpclean.exe $(B)/holdlock.exe
	sh tests/demo.sh

clean:
	rm -rf $(B)

# ---- benchmark: never part of check ----
# make bench [BENCH_N="1000 20000 100000"] [BENCH_REPS=N]
#	     [BENCH_ALSO="old=path/to/old-mmpclean.exe"]; table in
# build/bench.txt.  Compare ratios within one run: the machine is shared.
BENCH_N	   ?= 1000 20000 100000
BENCH_REPS ?=
BENCH_ALSO ?=
BENCH_EXES := $(B)/bench/floor.exe $(B)/bench/nop.exe

.PHONY: bench

$(B)/bench/%.exe: tests/bench/%.c
	@mkdir -p $(B)/bench
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS) $(WINLIBS)

bench: $(B)/mmpclean.exe $(B)/holdlock.exe $(BENCH_EXES)
	python3 tests/bench/bench.py --n "$(BENCH_N)" \
	    $(if $(BENCH_REPS),--reps $(BENCH_REPS)) \
	    $(foreach a,$(BENCH_ALSO),--also $(a)) --out $(B)/bench.txt
