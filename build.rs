//! Links the `nssroots` binary as a position-dependent executable on
//! Linux/glibc: a PIE has tens of thousands of relative relocations that the
//! dynamic loader applies at every start, touching pages that a fixed-address
//! executable never needs (measured: 156 page faults for `--help` as a PIE,
//! 124 without). Libraries and tests are left as they are.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
