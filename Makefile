# mmpclean: cross-built for Windows with mingw-w64, tested on Linux.
#
#   make          build/mmpclean.exe (64-bit)
#   make dist     build/dist/mmpclean-VERSION.zip, both builds and the docs
#   make demo     run it under Wine on a demo directory (installs what it needs)
#   make check    every test (installs what it needs)
#   make deploy-check  the Ansible kit under deploy/ (yamllint, syntax,
#                 options against ansible-doc, ansible-lint)
#   make fuzz     libFuzzer harnesses, FUZZ_SECONDS each
#   make bench    the benchmark (never part of check)
#   make mutate   mutation testing: the fast suite against each mutant of
#                 tests/mutants/ (MUTANTS=id,file,...; MUTATE_E2E=1)

# The version: HEAD's tag (without a leading v) when it has one, else this.
VERSION	:= 0.1.0
TAG	:= $(shell git describe --tags --exact-match 2>/dev/null)
ifneq ($(TAG),)
VERSION	:= $(TAG:v%=%)
endif
# 1.2.3[.4][-suffix] gives 1,2,3,4 for VERSIONINFO; anything else is refused
# (the version is also pasted into C strings and JSON).
VERSION_NUM := $(shell printf '%s\n' '$(VERSION)' | \
	grep -E '^[0-9]{1,5}(\.[0-9]{1,5}){2,3}([-+][0-9A-Za-z.+-]+)?$$' | \
	sed 's/[-+].*//; s/$$/.0/' | awk -F. '$$1<65536 && $$2<65536 && \
	$$3<65536 && $$4<65536 { print $$1 "," $$2 "," $$3 "," $$4 }')
ifeq ($(VERSION_NUM),)
$(error version "$(VERSION)" is not N.N.N[.N][-suffix], each N below 65536)
endif
B	:= build
CROSS	?= x86_64-w64-mingw32-
WINCC	:= $(CROSS)gcc
WINDRES	:= $(CROSS)windres
X86	?= i686-w64-mingw32-
HOSTCC	?= gcc
CLANG	?= clang
WINE	?= wine
export WINEPREFIX := $(CURDIR)/$(B)/wineprefix
export WINEDEBUG ?= -all
export WINEDLLOVERRIDES ?= mscoree,mshtml=

CORE_SRC := src/mmpclean.c src/opts.c src/opts_check.c src/resolve.c \
	    src/remote.c src/scan.c src/holders.c src/pipe.c src/out.c \
	    src/out_fleet.c src/text.c src/admin.c src/fleet.c
CORE_HDR := src/mmpclean.h src/plat.h
# The Windows backend, one file per concern (src/win32/w32.h is theirs).
WIN_SRC	 := $(sort $(wildcard src/win32/*.c))
WIN_HDR	 := $(wildcard src/win32/*.h)

WARN	:= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla
WINCFLAGS := -std=c11 -O2 $(WARN) -Werror -municode -DUNICODE -D_UNICODE \
	     -D_WIN32_WINNT=0x0601 -DMMPCLEAN_VERSION='"$(VERSION)"'
WINLDFLAGS := -static -municode -s -Wl,--no-insert-timestamp
# advapi32 and RstrtMgr are loaded at run time (src/win32/dll.c).  gcc links
# -ladvapi32 by default all the same: dist-check keeps it out of the imports.
WINLIBS	:= -lntdll
WINDMC	:= $(CROSS)windmc
WINDRES	:= $(CROSS)windres

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

# Resources, one object per .rc, linked into both builds.  The preprocessor
# is named so that windres cannot pick another compiler; the quotes around
# the string survive the shell windres runs it through.
WIN_RES	:= version
RCFLAGS	:= --preprocessor-arg=-E --preprocessor-arg=-xc \
	   --preprocessor-arg=-DRC_INVOKED -I src \
	   -DMMPCLEAN_VERSION_STR='\"$(VERSION)\"' \
	   -DMMPCLEAN_VERSION_NUM=$(VERSION_NUM)

UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps demo check unit e2e e2e-x86 e2e-helpers lint fuzz \
	fuzz-check bench clean dist dist-check mutate deploy-check FORCE

all: $(B)/mmpclean.exe

# The message table for the event log (windmc), and the version resource
# with the manifest, are linked into both builds.
RES_X64	:= $(WIN_RES:%=$(B)/%.res.o) $(B)/msg/mmpclean.o
RES_X86	:= $(WIN_RES:%=$(B)/x86/%.res.o) $(B)/x86/msg.o

$(B)/mmpclean.exe: $(CORE_SRC) $(WIN_SRC) $(CORE_HDR) $(WIN_HDR) \
		   $(B)/version $(B)/msg/mmpclean.h $(RES_X64)
	$(WINCC) $(WINCFLAGS) -Isrc -I$(B) -o $@ $(CORE_SRC) $(WIN_SRC) \
	    $(RES_X64) $(WINLDFLAGS) $(WINLIBS)

# The 32-bit build, for 32-bit servers: same sources, same flags.
$(B)/x86/mmpclean.exe: $(CORE_SRC) $(WIN_SRC) $(CORE_HDR) $(WIN_HDR) \
		       $(B)/version $(B)/msg/mmpclean.h $(RES_X86) | $(B)/x86
	$(X86)gcc $(WINCFLAGS) -Isrc -I$(B) -o $@ $(CORE_SRC) $(WIN_SRC) \
	    $(RES_X86) $(WINLDFLAGS) $(WINLIBS)

$(B)/%.res.o: src/%.rc $(B)/version | $(B)
	$(WINDRES) --preprocessor=$(WINCC) $(RCFLAGS) -o $@ $<

$(B)/x86/%.res.o: src/%.rc $(B)/version | $(B)/x86
	$(X86)windres --preprocessor=$(X86)gcc $(RCFLAGS) -o $@ $<

$(B)/version.res.o $(B)/x86/version.res.o: src/mmpclean.manifest

# windmc writes mmpclean.rc, mmpclean.h (the IDs, for src/win32/main.c) and the
# message binary; -U: the messages in Unicode.
$(B)/msg/mmpclean.rc: src/mmpclean.mc | $(B)
	@mkdir -p $(B)/msg
	$(WINDMC) -U -r $(B)/msg -h $(B)/msg $<

$(B)/msg/mmpclean.h: $(B)/msg/mmpclean.rc

$(B)/msg/mmpclean.o: $(B)/msg/mmpclean.rc
	$(WINDRES) --preprocessor=$(WINCC) --preprocessor-arg=-E \
	    --preprocessor-arg=-xc -I $(B)/msg -i $< -o $@

$(B)/x86/msg.o: $(B)/msg/mmpclean.rc | $(B)/x86
	$(X86)windres --preprocessor=$(X86)gcc --preprocessor-arg=-E \
	    --preprocessor-arg=-xc -I $(B)/msg -i $< -o $@

# Rewritten only when the version changes (a new tag), to rebuild what
# embeds it.
$(B)/version: FORCE | $(B)
	@printf '%s\n' '$(VERSION)' | cmp -s - $@ || \
	    printf '%s\n' '$(VERSION)' >$@

$(B)/holdlock.exe: tests/helpers/holdlock.c | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS)

# Runs a command as DETACHED_PROCESS with no standard handles (e2e_unattended).
$(B)/detach.exe: tests/helpers/detach.c | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS)

# Squats on the named objects runs share (e2e_hostile).
$(B)/squat.exe: tests/helpers/squat.c | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS) -lntdll -ladvapi32

$(B)/winprobe.exe: tests/helpers/winprobe.c | $(B)
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS) -ladvapi32

# A RstrtMgr.dll to plant beside a copy of mmpclean.exe (e2e_admin).
$(B)/plant/RstrtMgr.dll: tests/helpers/plantdll.c | $(B)
	@mkdir -p $(B)/plant
	$(WINCC) $(WINCFLAGS) -shared -o $@ $< $(WINLDFLAGS)

$(B):
	mkdir -p $(B)/unit

$(B)/x86:
	mkdir -p $@

# The unit tests link the core with the fake platform, natively; the fake
# decides what the backend's rules decide with the same rules.c.
FAKE_SRC := tests/unit/fake.c src/win32/rules.c
$(B)/unit/%: tests/unit/%.c $(FAKE_SRC) tests/unit/fake.h src/win32/rules.h $(CORE_SRC) $(CORE_HDR) | $(B)
	@mkdir -p $(B)/unit
	$(HOSTCC) $(HOSTCFLAGS) -Itests/unit -o $@ $< $(FAKE_SRC) $(CORE_SRC) $(HOSTLIBS)

# The pipeline's test again, under ThreadSanitizer (which cannot share a
# binary with AddressSanitizer): any data race it sees fails the run.
TSANCFLAGS := $(filter-out -fsanitize=address%,$(HOSTCFLAGS)) -fsanitize=thread
$(B)/unit-tsan/test_pipe: tests/unit/test_pipe.c $(FAKE_SRC) tests/unit/fake.h \
			  src/win32/rules.h $(CORE_SRC) $(CORE_HDR) | $(B)
	@mkdir -p $(B)/unit-tsan
	$(HOSTCC) $(TSANCFLAGS) -Itests/unit -o $@ $< $(FAKE_SRC) $(CORE_SRC) \
	    $(HOSTLIBS)

# The backend's decisions that need no Windows header, natively and alone.
$(B)/unit/test_rules: tests/unit/test_rules.c src/win32/rules.c \
		      src/win32/rules.h src/plat.h | $(B)
	@mkdir -p $(B)/unit
	$(HOSTCC) $(HOSTCFLAGS) -Isrc/win32 -o $@ tests/unit/test_rules.c \
	    src/win32/rules.c $(HOSTLIBS)

E2E_HARNESS := tests/e2e/harness.c tests/e2e/harness.h
E2E_CFLAGS := -std=c11 -g -O1 $(WARN) -Werror -D_GNU_SOURCE

$(B)/e2e: tests/e2e/e2e.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/e2e_unattended: tests/e2e/e2e_unattended.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/e2e_hostile: tests/e2e/e2e_hostile.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/e2e_holds: tests/e2e/e2e_holds.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/e2e_admin: tests/e2e/e2e_admin.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/e2e_fleet: tests/e2e/e2e_fleet.c $(E2E_HARNESS) | $(B)
	$(HOSTCC) $(E2E_CFLAGS) -o $@ $< tests/e2e/harness.c $(HOSTLIBS)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FAKE_SRC) $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(B)/fuzz
	$(CLANG) $(FUZZCFLAGS) -o $@ $< $(FAKE_SRC) $(CORE_SRC)

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

unit: $(UNIT_TESTS) $(B)/unit-tsan/test_pipe
	@set -e; for t in $(UNIT_TESTS); do $$t; done
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(B)/unit-tsan/test_pipe

# What the e2e binaries start besides mmpclean.exe (make mutate builds them
# too: tests/mutants/run.py).
E2E_HELPERS := $(B)/holdlock.exe $(B)/winprobe.exe $(B)/detach.exe \
	       $(B)/squat.exe $(B)/plant/RstrtMgr.dll

e2e-helpers: $(E2E_HELPERS)

e2e: $(B)/mmpclean.exe $(E2E_HELPERS) $(B)/e2e $(B)/e2e_admin \
	    $(B)/e2e_unattended $(B)/e2e_hostile $(B)/e2e_holds $(B)/e2e_fleet
	$(B)/e2e
	$(B)/e2e_admin
	$(B)/e2e_unattended
	$(B)/e2e_hostile
	$(B)/e2e_holds
	$(B)/e2e_fleet

lint:
	mandoc -Tlint -Wwarning man/mmpclean.1

# The 32-bit build through the e2e suite's core cases: the same test bodies,
# MMPCLEAN_EXE the x86 exe, run by the Wine tests/x86/mkwine.sh makes (the
# machine's where wine32:i386 runs, else its 32-bit loader under qemu-i386)
# in a prefix of its own (a prefix made without 32-bit Wine starts 64-bit
# programs only).  Reporting, deleting, locks held by another process,
# read-only files, exit statuses, formats, and the registry's two views as
# a 32-bit process sees them.
X86WINE	  := $(CURDIR)/$(B)/x86wine
X86_ENV	  = PATH="$(X86WINE)/bin:$$PATH" \
	    WINEPREFIX="$(CURDIR)/$(B)/wineprefix-x86" \
	    MMPCLEAN_EXE="$(CURDIR)/$(B)/x86/mmpclean.exe" \
	    E2E_SERIAL="$$(cat $(X86WINE)/serial)"
X86_E2E	  := t_report_lists_locked_and_unlocked t_delete_keeps_locked_file \
	t_delete_all_free_then_nothing_left t_exit_status_highest_wins \
	t_registry_sz_64bit_view t_registry_32bit_view_when_64_absent \
	t_registry_both_views_scanned t_registry_same_directory_scanned_once \
	t_where_lists_sources \
	t_registry_expand_sz t_registry_absent_uses_windows_dir \
	t_registry_dword_exit3 t_dir_missing_exit3 t_unknown_option_exit4 \
	t_version t_output_failure_exit2 t_stdout_crlf_when_redirected \
	t_unicode_names_utf8 t_long_path_over_max_path \
	t_readonly_kept_without_force t_readonly_deleted_with_force \
	t_delete_goes_through_the_probing_handle t_lock_share_all_still_locks
X86_UNATTENDED := t_csv_report_read_by_python t_json_report_read_by_python \
	t_batch_file_branches_on_errorlevel t_log_appends_timestamped_lines

e2e-x86: $(B)/x86/mmpclean.exe $(E2E_HELPERS) $(B)/e2e $(B)/e2e_unattended
	sh tests/x86/mkwine.sh $(X86WINE)
	$(X86_ENV) E2E_CASES="$(X86_E2E)" $(B)/e2e
	$(X86_ENV) E2E_CASES="$(X86_UNATTENDED)" $(B)/e2e_unattended

check: deps
	$(MAKE) lint unit fuzz-check deploy-check e2e e2e-x86 dist-check

# The deployment kit (deploy/), offline, with Debian's ansible collections.
deploy-check:
	sh tests/deploy/run.sh

demo: deps $(B)/mmpclean.exe $(B)/holdlock.exe
	sh tests/demo.sh

# The release zip: both builds, the README and the manual page as CRLF text,
# the licence, and SHA256SUMS of the rest.  Times, order and modes are fixed
# (SOURCE_DATE_EPOCH: the last commit's), so one commit gives one zip.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
DIST	:= $(B)/dist/mmpclean-$(VERSION)
# The deployment kit as committed (git's list: no local inventory, nothing
# generated, no dotfiles), under deploy/ as in the repository; its
# playbook finds the executables two levels up (deploy/README.md).
DEPLOY_FILES := $(shell git ls-files deploy 2>/dev/null | grep -v '/\.')
DIST_FILES := x64/mmpclean.exe x86/mmpclean.exe README.txt mmpclean.txt \
	      report.schema.json LICENSE $(DEPLOY_FILES)

dist: $(DIST).zip

$(DIST).zip: $(B)/mmpclean.exe $(B)/x86/mmpclean.exe README.md \
	     man/mmpclean.1 docs/report.schema.json LICENSE .ci/mkzip.py \
	     Makefile $(DEPLOY_FILES)
	@[ -n "$(SOURCE_DATE_EPOCH)" ] || \
	    { echo "dist: set SOURCE_DATE_EPOCH (not a git checkout)" >&2; exit 1; }
	@[ -n "$(DEPLOY_FILES)" ] || \
	    { echo "dist: git lists no deploy/ files (not a git checkout)" >&2; exit 1; }
	rm -rf $(DIST) $@
	mkdir -p $(DIST)/x64 $(DIST)/x86
	cp $(B)/mmpclean.exe $(DIST)/x64/mmpclean.exe
	cp $(B)/x86/mmpclean.exe $(DIST)/x86/mmpclean.exe
	sed 's/\r*$$/\r/' README.md >$(DIST)/README.txt
	mandoc -Tascii man/mmpclean.1 | col -bx | sed 's/\r*$$/\r/' \
	    >$(DIST)/mmpclean.txt
	sed 's/\r*$$/\r/' LICENSE >$(DIST)/LICENSE
	cp docs/report.schema.json $(DIST)/report.schema.json
	for f in $(DEPLOY_FILES); do \
	    mkdir -p $(DIST)/$${f%/*} && cp $$f $(DIST)/$$f || exit 1; done
	cd $(DIST) && sha256sum $(DIST_FILES) >SHA256SUMS
	python3 .ci/mkzip.py $@ $(DIST) $(SOURCE_DATE_EPOCH) \
	    $(DIST_FILES) SHA256SUMS
	@ls -l $@

dist-check: $(B)/mmpclean.exe $(B)/x86/mmpclean.exe
	B=$(B) sh tests/dist/check.sh

clean:
	rm -rf $(B)

# ---- mutation testing: never part of check ----
# Each mutant of tests/mutants/*.mut applied alone to a copy of the tree in
# build/mutate/; the compilers and flags are these, passed on.
MUTANTS	?=
mutate: export M_HOSTCC := $(HOSTCC)
mutate: export M_HOSTCFLAGS := $(HOSTCFLAGS)
mutate: export M_HOSTLIBS := $(HOSTLIBS)
mutate: export M_CLANG := $(CLANG)
mutate: export M_FUZZCFLAGS := $(FUZZCFLAGS)
mutate: export M_CORE_SRC := $(CORE_SRC) src/win32/rules.c
mutate: export M_FUZZERS := $(FUZZERS)
mutate: export M_VERSION := $(VERSION)
mutate:
	python3 tests/mutants/run.py $(MUTANTS)

# ---- benchmark: never part of check ----
# make bench [BENCH_N="1000 5000 20000 100000"] [BENCH_REPS=N]
#	     [BENCH_ALSO="old=path/to/old-mmpclean.exe"] [BENCH_ARGS=...];
# tables in build/bench-latency.txt and build/bench.txt.  Compare ratios
# within one run: the machine is shared.  About 30 minutes.
BENCH_N	   ?= 1000 20000 100000
BENCH_ARGS ?= --startup-reps 5
BENCH_REPS ?=
BENCH_ALSO ?=
BENCH_EXES := $(B)/bench/floor.exe $(B)/bench/nop.exe

.PHONY: bench

$(B)/bench/%.exe: tests/bench/%.c
	@mkdir -p $(B)/bench
	$(WINCC) $(WINCFLAGS) -o $@ $< $(WINLDFLAGS) $(WINLIBS)

# The simulated-latency run: the core and the fake, natively, no sanitizer.
BENCH_LAT ?= 2000 200 5
$(B)/bench/latency: tests/bench/latency.c $(FAKE_SRC) tests/unit/fake.h \
		    $(CORE_SRC) $(CORE_HDR)
	@mkdir -p $(B)/bench
	$(HOSTCC) -std=c11 -O2 $(WARN) -Wno-format-truncation -Werror -D_GNU_SOURCE \
	    -DMMPCLEAN_VERSION='"$(VERSION)"' -Isrc -Itests/unit -o $@ $< \
	    $(FAKE_SRC) $(CORE_SRC) -pthread

bench: $(B)/mmpclean.exe $(B)/holdlock.exe $(BENCH_EXES) $(B)/bench/latency
	$(B)/bench/latency $(BENCH_LAT) | tee $(B)/bench-latency.txt
	python3 tests/bench/bench.py --n "$(BENCH_N)" \
	    $(if $(BENCH_REPS),--reps $(BENCH_REPS)) \
	    $(foreach a,$(BENCH_ALSO),--also $(a)) $(BENCH_ARGS) \
	    --out $(B)/bench.txt
