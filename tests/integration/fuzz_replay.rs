//! Replays every committed fuzz input through the checks the fuzz targets
//! run (x509-parser style): the seed corpus (fuzz/seeds/TARGET) and every
//! crash, hang or out-of-memory input fuzzing found (fuzz/regressions/TARGET).

use std::path::{Path, PathBuf};

use crate::fuzz_checks;

fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    let mut n = 0;
    for kind in ["seeds", "regressions"] {
        for path in inputs(kind, target) {
            let data = std::fs::read(&path).expect("read fuzz input");
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(
                outcome.is_ok(),
                "{} fails the {target} checks",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 3, "only {n} inputs for {target}");
}

#[test]
fn tokenizer_seeds_and_regressions() {
    replay("tokenizer", fuzz_checks::tokenizer);
}

#[test]
fn pipeline_seeds_and_regressions() {
    replay("pipeline", fuzz_checks::pipeline);
}

#[test]
fn diff_seeds_and_regressions() {
    replay("diff", fuzz_checks::diff);
}
