# nssroots: the two commands from the README, plus maintenance targets.
CARGO ?= cargo
# Where cargo builds (CARGO_TARGET_DIR or build.target-dir move it from ./target);
# asked only when a recipe needs it.
TARGET_DIR = $(shell $(CARGO) metadata --format-version 1 --no-deps 2>/dev/null | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

.PHONY: bundle test lint bundles release release-bin release-check bench fuzz fuzz-build clean

## The main job, offline: a server-auth CA bundle from the embedded snapshot.
bundle:
	$(CARGO) run --release --locked -- bundle -o ca-bundle.pem

## The whole test suite (unit, doc and integration tests).
test:
	$(CARGO) test --locked

## What CI checks besides the tests.
lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

## Regenerate bundles/ from the embedded snapshot at its pinned reference time.
bundles:
	$(CARGO) build --release --locked
	$(TARGET_DIR)/release/nssroots bundle -q --at 2025-04-19T00:00:00Z -o bundles/ca-bundle.pem
	$(TARGET_DIR)/release/nssroots bundle -q --at 2025-04-19T00:00:00Z --purpose email-protection -o bundles/email-ca-bundle.pem
	$(TARGET_DIR)/release/nssroots bundle -q --at 2025-04-19T00:00:00Z --format rust -o bundles/roots.rs
	cd bundles && sha256sum ca-bundle.pem email-ca-bundle.pem roots.rs > SHA256SUMS

## A standalone release binary (`make -s release-bin` prints where it is),
## built for the host with `--target`, apart from the plain build.
##
## On Linux with glibc the C library is linked in statically, at a fixed
## address: no dynamic loader runs at start, which takes 0.3-0.45 ms (about a
## tenth) off a run on NSS 3.123 (README, Development). Elsewhere, or where
## glibc's static library is not installed (Fedora's glibc-static), it is
## linked as a plain release build is.
##
## Where the toolchain has llvm-profdata (`rustup component add llvm-tools`),
## it is optimised with a profile (PGO): an instrumented build runs the main
## job on the embedded snapshot's file (bundles/certdata.txt, not the file
## `make bench` times), and the release build is compiled with what it
## recorded. Without llvm-profdata it is built without a profile. With a
## profile, and where rustc links with lld (the default for x86-64 Linux since
## Rust 1.90), the functions a run executes (bench/hot-symbols.txt, made by
## bench/hot-symbols.sh) are placed together: code pages come in by the 64 KB
## the kernel maps at a fault, and a run on NSS 3.123 then takes 13 such faults, not 25;
## with the 2 MB alignment below, the first 2 MB of code come in at one fault.
HOST := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
STATIC_LIBC := $(shell cc -print-file-name=libc.a 2>/dev/null)
ifneq ($(and $(filter %-linux-gnu,$(HOST)),$(filter /%,$(STATIC_LIBC))),)
RELEASE_FLAGS := -C target-feature=+crt-static -C relocation-model=static
endif
RELEASE_BIN = $(TARGET_DIR)/$(HOST)/release/nssroots
PROFDATA := $(wildcard $(shell rustc --print sysroot 2>/dev/null)/lib/rustlib/$(HOST)/bin/llvm-profdata)
PGO_DIR = $(TARGET_DIR)/pgo
PGO_BIN = $(PGO_DIR)/target/$(HOST)/release/nssroots
PGO_RUN = $(PGO_BIN) bundle -q --input bundles/certdata.txt --at 2025-04-19T00:00:00Z
SYMBOL_ORDER = $(PGO_DIR)/symbol-order.txt

# Replaces the binary $(1) with a copy of itself, written with one write, so
# that the page cache holds it as it holds an installed program. As the linker
# leaves it (lld writes through a memory map), the same bytes ran about 5%
# slower until the file was dropped from the page cache and read again (NSS
# 3.123, 800 interleaved runs: 3.35 ms as linked, 3.17 ms for a copy; 3.36
# against 3.30 ms once the linked file had been dropped and read again), which
# `make bench` right after a build would count against nssroots. One write
# (not cp's pieces) lets Linux keep the file in 2 MB blocks of memory where it
# has them free, which the 2 MB-aligned segments below need.
# (dd prints its counts on standard error; run again with them only to show
# an error.)
settle = { dd if=$(1) of=$(1).copy bs=268435456 2>/dev/null || dd if=$(1) of=$(1).copy bs=268435456; } \
	&& chmod 755 $(1).copy && mv -f $(1).copy $(1)

# With lld: each segment starts at a 2 MB boundary, in the file and in memory.
# Where the page cache holds a 2 MB block of the file aligned so (one write,
# above), Linux maps it with one page-table entry: the first 2 MB of the code,
# which hold every function a run executes (the symbol order puts them
# there), and of the read-only data (FilePmdMapped in /proc/PID/smaps). A run
# on NSS 3.123 then takes 11-12 page faults on the binary instead of 31-33,
# and 1-2% less time (interleaved rounds, 800-1,500 each: 2.85 -> 2.79,
# 3.00 -> 2.93, 3.05 -> 3.02 ms). The padding makes the file 11 MB instead of
# 7, and peak RSS counts the two mapped 2 MB blocks: 5.1 MiB instead of 2.8
# (the memory the process itself allocates is the same).
ALIGN_2M = -C link-arg=-Wl,-z,max-page-size=0x200000 -C link-arg=-Wl,-z,separate-loadable-segments

ifneq ($(PROFDATA),)
release:
	RUSTFLAGS="$(strip $(RUSTFLAGS) $(RELEASE_FLAGS) -C profile-generate=$(PGO_DIR)/raw)" \
		CARGO_TARGET_DIR=$(PGO_DIR)/target $(CARGO) build --release --locked --target $(HOST)
	# A new profile (and so a new release build) only for a new instrumented binary.
	if [ ! $(PGO_DIR)/nssroots.profdata -nt $(PGO_BIN) ]; then \
		rm -rf $(PGO_DIR)/raw && \
		for i in 1 2 3 4 5; do \
			$(PGO_RUN) >/dev/null && \
			$(PGO_RUN) --purpose email-protection >/dev/null && \
			$(PGO_RUN) -o $(PGO_DIR)/ca-bundle.pem || exit 1; \
		done && \
		$(PROFDATA) merge -o $(PGO_DIR)/nssroots.profdata $(PGO_DIR)/raw; \
	fi
	# The functions a run executes, placed next to each other (lld only; the
	# instrumented binary has the release binary's symbol names).
	bench/symbol-order.sh $(PGO_BIN) bench/hot-symbols.txt > $(SYMBOL_ORDER) || rm -f $(SYMBOL_ORDER)
	# Named by its content, so that cargo links again when it changes.
	order=; if [ -s $(SYMBOL_ORDER) ]; then \
		order=$(PGO_DIR)/symbol-order-$$(cksum < $(SYMBOL_ORDER) | cut -d' ' -f1).txt && \
		cp $(SYMBOL_ORDER) $$order || exit 1; \
	fi; \
	RUSTFLAGS="$(strip $(RUSTFLAGS) $(RELEASE_FLAGS) -C profile-use=$(PGO_DIR)/nssroots.profdata) \
		$${order:+-C link-arg=-Wl,--symbol-ordering-file=$$order -C link-arg=-Wl,--no-warn-symbol-ordering $(ALIGN_2M)}" \
		$(CARGO) build --release --locked --target $(HOST)
	$(call settle,$(RELEASE_BIN))
else
release:
	@echo "release: no llvm-profdata in the toolchain (rustup component add llvm-tools): building without PGO"
	RUSTFLAGS="$(strip $(RUSTFLAGS) $(RELEASE_FLAGS))" $(CARGO) build --release --locked --target $(HOST)
	$(call settle,$(RELEASE_BIN))
endif

release-bin:
	@echo $(RELEASE_BIN)

## The release binary writes the committed bundle, byte for byte.
release-check: release
	$(RELEASE_BIN) bundle -q --at 2025-04-19T00:00:00Z --check -o bundles/ca-bundle.pem
	$(RELEASE_BIN) bundle -q --at 2025-04-19T00:00:00Z --format rust --check -o bundles/roots.rs

## Speed and memory against sha256sum on the newest ../shared file (a report, not
## a test): the release binary, and the plain `cargo build --release` one in the
## same interleaved runs.
# Both binaries are copied with one write just before they are timed, the
# release binary too when `make release` had nothing to relink: the page cache
# does not keep a file in 2 MB blocks for long (a copy made 35 minutes before
# had none left, and a run took 31 page faults on the binary instead of 11).
bench: release
	$(CARGO) build --release --locked
	$(call settle,$(TARGET_DIR)/release/nssroots)
	$(call settle,$(RELEASE_BIN))
	python3 bench/bench.py --binary $(RELEASE_BIN) --against $(TARGET_DIR)/release/nssroots

## Fuzzing on stable Rust (see fuzz/README.md): each target for FUZZ_SECONDS,
## at the lowest priority. New corpus entries go to fuzz/corpus (not committed),
## crashes to fuzz/artifacts: copy them to fuzz/regressions/TARGET.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= tokenizer pipeline diff
FUZZ_BIN = fuzz/target/x86_64-unknown-linux-gnu/release

fuzz-build:
	cd fuzz && $(CARGO) fuzz build --sanitizer none -O

fuzz: fuzz-build
	for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t fuzz/artifacts/$$t && \
		nice -n 19 $(FUZZ_BIN)/$$t fuzz/corpus/$$t fuzz/seeds/$$t \
			-artifact_prefix=fuzz/artifacts/$$t/ -max_total_time=$(FUZZ_SECONDS) \
			-max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 || exit 1; \
	done

clean:
	$(CARGO) clean
