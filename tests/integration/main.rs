//! nssroots integration tests: one test binary (ripgrep style), one module per area.

mod bundles;
mod cli;
mod clients;
mod conformance;
mod diff;
mod fetch;
mod formats;
mod fuzz_checks;
mod fuzz_replay;
mod https;
mod inspect;
mod lint;
mod malformed;
mod roundtrip;
mod support;
mod synth;
mod synthetic;
