//! Links the `nssroots` binary as a position-dependent executable on
//! Linux/glibc: a PIE has tens of thousands of relative relocations that the
//! dynamic loader applies at every start, touching pages that a fixed-address
//! executable never needs (measured: 156 page faults for `--help` as a PIE,
//! 124 without). Libraries and tests are left as they are.
//!
//! Not when the C runtime is linked statically (`-C target-feature=+crt-static`,
//! as `make release` does): rustc then links a static PIE, whose start-up
//! code relocates itself, and `-no-pie` on top of that gave a binary that
//! crashed at once. `make release` asks for a fixed-address static binary
//! itself (`-C relocation-model=static`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |name| std::env::var(name).unwrap_or_default();
    let crt_static = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" && !crt_static
    {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
