# nssroots: the two commands from the README, plus maintenance targets.
CARGO ?= cargo

.PHONY: bundle test lint bundles bench clean

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
	./target/release/nssroots bundle -q --at 2025-04-19T00:00:00Z -o bundles/ca-bundle.pem
	./target/release/nssroots bundle -q --at 2025-04-19T00:00:00Z --purpose email-protection -o bundles/email-ca-bundle.pem
	./target/release/nssroots bundle -q --at 2025-04-19T00:00:00Z --format rust -o bundles/roots.rs
	cd bundles && sha256sum ca-bundle.pem email-ca-bundle.pem roots.rs > SHA256SUMS

## Speed and memory against sha256sum on the newest ../shared file (a report, not a test).
bench:
	$(CARGO) build --release --locked
	python3 bench/bench.py

clean:
	$(CARGO) clean
