//! The tokenizer: parse::parse and parse::Parser fed in pieces.
//! The checks are in tests/integration/fuzz_checks.rs, which `cargo test`
//! also runs on every committed seed and regression input.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../../tests/integration/fuzz_checks.rs"]
mod fuzz_checks;

fuzz_target!(|data: &[u8]| fuzz_checks::tokenizer(data));
