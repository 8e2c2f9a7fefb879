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

## A standalone release binary. On Linux with glibc the C library is linked in
## statically, at a fixed address: no dynamic loader runs at start, which takes
## 0.3-0.45 ms (about a tenth) off a run on NSS 3.123 (README, Development). Elsewhere,
## or where glibc's static library is not installed (Fedora's glibc-static), it is
## the plain release build. `make -s release-bin` prints where the binary is.
HOST := $(shell rustc -vV 2>/dev/null | sed -n 's/^host: //p')
STATIC_LIBC := $(shell cc -print-file-name=libc.a 2>/dev/null)
ifneq ($(and $(filter %-linux-gnu,$(HOST)),$(filter /%,$(STATIC_LIBC))),)
RELEASE_FLAGS := -C target-feature=+crt-static -C relocation-model=static
RELEASE_BIN = $(TARGET_DIR)/$(HOST)/release/nssroots
release:
	RUSTFLAGS="$(strip $(RUSTFLAGS) $(RELEASE_FLAGS))" $(CARGO) build --release --locked --target $(HOST)
else
RELEASE_BIN = $(TARGET_DIR)/release/nssroots
release:
	$(CARGO) build --release --locked
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
bench: release
	$(CARGO) build --release --locked
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
