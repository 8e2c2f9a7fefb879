//! nssroots integration tests: one test binary (ripgrep style), one module per area.

mod bundles;
mod cli;
mod clients;
mod conformance;
mod diff;
mod fetch;
mod formats;
mod https;
mod inspect;
mod support;
mod synth;
mod synthetic;
