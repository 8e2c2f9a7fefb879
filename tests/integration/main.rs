//! nssroots integration tests: one test binary (ripgrep style), one module per area.

mod bundles;
mod cli;
mod conformance;
mod fetch;
mod fuzz_checks;
mod fuzz_replay;
mod https;
mod lint;
mod malformed;
mod roundtrip;
mod support;
mod synth;
mod synthetic;
