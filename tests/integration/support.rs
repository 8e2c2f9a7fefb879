//! Helpers shared by the integration tests.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/certdata` beside the repository, if present.
///
/// When it is absent the calling test is skipped with a message, except under
/// `CI=true` or `NSSROOTS_REQUIRE_SHARED=1`, where its absence is a failure.
pub fn shared_certdata() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/certdata");
    if dir.join("README.md").is_file() {
        return Some(dir);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("NSSROOTS_REQUIRE_SHARED").is_ok_and(|v| v == "1")
    {
        panic!(
            "{} is missing, and CI=true (or NSSROOTS_REQUIRE_SHARED=1) requires it",
            dir.display()
        );
    }
    eprintln!(
        "skipped: {} is absent (real certdata.txt corpus)",
        dir.display()
    );
    None
}

/// Every `<TAG>.certdata.txt` in the shared corpus, sorted, as (tag, path).
pub fn shared_files(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
        .expect("read shared/certdata")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".certdata.txt")
                .map(|tag| (tag.to_owned(), e.path()))
        })
        .collect();
    files.sort();
    files
}

/// A reference fingerprint list (one lowercase SHA-256 per line), if the file exists.
pub fn reference_set(dir: &Path, file: &str) -> Option<BTreeSet<String>> {
    let text = std::fs::read_to_string(dir.join("reference").join(file)).ok()?;
    Some(text.split_whitespace().map(str::to_owned).collect())
}

/// SHA-256 fingerprints of the certificates `policy` selects from `store`.
pub fn selected(policy: &nssroots::Policy, store: &nssroots::Store) -> BTreeSet<String> {
    policy
        .select(store)
        .selected
        .iter()
        .map(|(c, _)| c.sha256_hex())
        .collect()
}

/// SHA-256 fingerprints of the certificates in a PEM text.
pub fn pem_set(pem: &[u8]) -> BTreeSet<String> {
    nssroots::encode::pem_fingerprints(pem)
        .expect("PEM")
        .into_iter()
        .collect()
}

/// Runs the nssroots binary with `args`, with `stdin` as standard input, in `dir`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nssroots"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("COLUMNS")
        .stdin(if stdin.is_some() {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn nssroots");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    child.wait_with_output().expect("wait for nssroots")
}

/// Runs the nssroots binary in the current directory.
pub fn run(args: &[&str]) -> Output {
    run_in(Path::new("."), args, None)
}

/// The process's standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
