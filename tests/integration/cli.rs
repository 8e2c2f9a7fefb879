//! The command-line contract: inputs, outputs, exit codes, messages.

use std::path::Path;
use std::process::Command;

use crate::support::{pem_set, run, run_in, stderr};

const AT: &str = "2025-04-19T00:00:00Z";

#[test]
fn default_input_is_the_embedded_snapshot_and_says_so() {
    let o = run(&["bundle", "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("embedded snapshot") && err.contains("2025-04-19"),
        "{err}"
    );
    assert!(
        !err.contains("stale") && !err.contains("days older"),
        "{err}"
    );
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/ca-bundle.pem")).unwrap();
    assert_eq!(
        o.stdout, committed,
        "stdout bundle equals bundles/ca-bundle.pem"
    );
}

#[test]
fn stale_snapshot_warning() {
    let o = run(&["bundle", "--at", "2026-11-22T23:15:00Z"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("is 582 days older than the reference time"),
        "{err}"
    );
    assert!(
        err.contains("--input"),
        "says how to get the current store: {err}"
    );
    // --quiet silences it.
    let o = run(&["bundle", "-q", "--at", "2026-11-22T23:15:00Z"]);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn output_is_byte_identical_across_runs_and_source_date_epoch_is_used() {
    let a = run(&["bundle", "-q", "--at", AT]);
    let b = run(&["bundle", "-q", "--at", AT, "--sort", "source"]);
    assert_eq!(a.stdout, b.stdout);
    let sde = Command::new(env!("CARGO_BIN_EXE_nssroots"))
        .args(["bundle", "-q"])
        .env("SOURCE_DATE_EPOCH", "1745020800")
        .output()
        .unwrap();
    let text = String::from_utf8(sde.stdout).unwrap();
    assert!(text.contains("## Reference time: 2025-04-19T00:00:00Z (from SOURCE_DATE_EPOCH)\n"));
    // --at wins over SOURCE_DATE_EPOCH.
    let both = Command::new(env!("CARGO_BIN_EXE_nssroots"))
        .args(["bundle", "-q", "--at", "2025-05-01T00:00:00Z"])
        .env("SOURCE_DATE_EPOCH", "1745020800")
        .output()
        .unwrap();
    assert!(
        String::from_utf8(both.stdout)
            .unwrap()
            .contains("2025-05-01T00:00:00Z (from --at)")
    );
    let now = run(&["bundle", "-q"]);
    assert!(
        String::from_utf8(now.stdout)
            .unwrap()
            .contains("(the current time)\n")
    );
}

#[test]
fn sort_orders() {
    let o = run(&["bundle", "-q", "--at", AT, "--sort", "sha256"]);
    let fps = nssroots::encode::pem_fingerprints(&o.stdout).unwrap();
    let mut sorted = fps.clone();
    sorted.sort();
    assert_eq!(fps, sorted);
    let by_source = run(&["bundle", "-q", "--at", AT]);
    assert_ne!(
        nssroots::encode::pem_fingerprints(&by_source.stdout).unwrap(),
        fps
    );
    assert_eq!(pem_set(&by_source.stdout), pem_set(&o.stdout));
    let o = run(&["bundle", "-q", "--at", AT, "--sort", "label"]);
    let text = String::from_utf8(o.stdout).unwrap();
    let labels: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("# Label: \"")?.strip_suffix('"'))
        .collect();
    assert_eq!(labels.len(), 150);
    let mut sorted = labels.clone();
    sorted.sort();
    assert_eq!(labels, sorted);
    assert!(text.contains("## Order: label\n"));
}

#[test]
fn write_check_and_atomicity() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ca.pem");
    let o = run_in(dir.path(), &["bundle", "--at", AT, "-o", "ca.pem"], None);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrote 150 certificates of 176 to ca.pem (pem, reference time"));
    let written = std::fs::read(&out).unwrap();
    let committed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/ca-bundle.pem")).unwrap();
    assert!(
        written == committed,
        "-o ca.pem equals bundles/ca-bundle.pem"
    );

    let o = run_in(
        dir.path(),
        &["bundle", "-q", "--at", AT, "-o", "ca.pem", "--check"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run_in(
        dir.path(),
        &[
            "bundle",
            "--at",
            AT,
            "-o",
            "ca.pem",
            "--check",
            "--purpose",
            "email-protection",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("would be added"), "{}", stderr(&o));
    let o = run_in(
        dir.path(),
        &["bundle", "--at", AT, "-o", "other.pem", "--check"],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        !dir.path().join("other.pem").exists(),
        "--check writes nothing"
    );
    assert_eq!(
        std::fs::read(&out).unwrap(),
        written,
        "--check left the file alone"
    );

    // A broken input: exit 2, a line-numbered message, the old file untouched, no temp file left.
    std::fs::write(
        dir.path().join("bad.txt"),
        "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\nCKA_VALUE MULTILINE_OCTAL\n\\060\n",
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &["bundle", "--input", "bad.txt", "-o", "ca.pem"],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("bad.txt:3:1: MULTILINE_OCTAL value for CKA_VALUE not closed by END"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read(&out).unwrap(), written);
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn stdin_input_and_origin() {
    let snapshot = nssroots::snapshot::CERTDATA;
    let o = run_in(
        Path::new("."),
        &["bundle", "-q", "--input", "-", "--at", AT],
        Some(snapshot),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("## Input: standard input\n"));
    assert!(text.contains("## Certificates: 150\n"));
}

#[test]
fn empty_selection_is_refused_unless_allowed() {
    let args = ["bundle", "--at", AT, "--purpose", "ipsec-tunnel"];
    let o = run(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("refusing to write an empty bundle"),
        "{}",
        stderr(&o)
    );
    let dir = tempfile::tempdir().unwrap();
    // Refused before anything is written: an existing file stays, no temporary file is left.
    std::fs::write(dir.path().join("e.pem"), "old").unwrap();
    let o = run_in(dir.path(), &[&args[..], &["-o", "e.pem"]].concat(), None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("e.pem")).unwrap(),
        "old"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    let o = run_in(
        dir.path(),
        &[&args[..], &["--allow-empty", "-o", "e.pem"]].concat(),
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("e.pem")).unwrap();
    assert!(text.contains("## Certificates: 0\n"));
    assert!(stderr(&o).contains("the bundle is empty"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["bundle", "--purpose", "server"][..],
        &["bundle", "--level", "anchor"],
        &["bundle", "--at", "yesterday"],
        &["bundle", "--distrust-after", "never"],
        &["bundle", "--check"],
        &["bundle", "--input", "/nonexistent/certdata.txt"],
        &["bundle", "--max-input-size", "1000"],
        &["bundle", "--grace-days", "30", "--distrust-after", "keep"],
        &["bundle", "--java-password-file", "Cargo.toml"],
        &["bundle", "--max-size", "1000"],
        &["bundle", "--timeout", "5"],
        &["frobnicate"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
        assert!(o.stdout.is_empty(), "{args:?} wrote to stdout");
    }
    let o = run(&["bundle", "--at", "yesterday"]);
    assert!(stderr(&o).contains("RFC 3339"));
    // Options that would be ignored are errors, not silently dropped.
    let o = run(&[
        "bundle",
        "--grace-days",
        "30",
        "--distrust-after",
        "exclude",
    ]);
    assert!(
        stderr(&o).contains("--grace-days applies only to --distrust-after grace, not exclude")
    );
    let o = run(&[
        "bundle",
        "--java-password-file",
        "Cargo.toml",
        "--format",
        "pem",
    ]);
    assert!(stderr(&o).contains("applies only to --format java"));
    // A SOURCE_DATE_EPOCH that is not text is an error, not "unset".
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_nssroots"))
            .args(["bundle", "-q"])
            .env(
                "SOURCE_DATE_EPOCH",
                std::ffi::OsStr::from_bytes(b"17000\xff"),
            )
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains("SOURCE_DATE_EPOCH"), "{}", stderr(&o));
    }
    // The cause is named once, not once by the error and again by the chain.
    let o = run(&["bundle", "--input", "/nonexistent/certdata.txt"]);
    assert_eq!(
        stderr(&o).trim_end(),
        "nssroots: error: reading /nonexistent/certdata.txt: No such file or directory (os error 2)"
    );
}

#[test]
fn distrust_after_rules_on_the_snapshot() {
    // Entrust roots: server distrust-after 2024-11-30T23:59:59Z, 8 of them trusted-delegator in 3.110.
    let count = |extra: &[&str]| {
        let o = run(&[&["bundle", "-q"][..], extra].concat());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        pem_set(&o.stdout).len()
    };
    // One second before the Entrust grace ends only GLOBALTRUST 2020 (2024-06-30 + 398 days) is out.
    let last_second = count(&["--at", "2026-01-02T23:59:59Z"]);
    assert_eq!(
        count(&["--at", "2026-01-02T23:59:59Z", "--distrust-after", "keep"]) - last_second,
        1
    );
    let keep = count(&["--at", "2026-01-03T00:00:00Z", "--distrust-after", "keep"]);
    let grace = count(&["--at", "2026-01-03T00:00:00Z"]);
    let exclude = count(&[
        "--at",
        "2026-01-03T00:00:00Z",
        "--distrust-after",
        "exclude",
    ]);
    assert_eq!(
        keep - grace,
        9,
        "8 Entrust/AffirmTrust roots and GLOBALTRUST 2020 are out after their grace"
    );
    assert_eq!(last_second - grace, 8);
    assert_eq!(grace, exclude, "GLOBALTRUST 2020's grace ended in 2025 too");
    let within = count(&["--at", "2025-01-01T00:00:00Z", "--grace-days", "0"]);
    let all = count(&["--at", "2025-01-01T00:00:00Z", "--distrust-after", "keep"]);
    assert_eq!(
        all - within,
        9,
        "--grace-days 0 removes all 9 dated roots at once"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nssroots"))
        .args(["bundle", "-q", "--at", AT])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end at once: the 200 KB bundle cannot fit in the pipe.
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
}

#[test]
fn version_names_the_embedded_snapshot() {
    for flag in ["--version", "-V"] {
        let o = run(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(
            text.starts_with(&format!(
                "nssroots {} (embedded snapshot 2025-04-19, SHA-256 {})",
                env!("CARGO_PKG_VERSION"),
                nssroots::snapshot::SHA256
            )),
            "{text}"
        );
    }
}

#[test]
fn completions_and_man_page_come_from_the_clap_definitions() {
    for (shell, marker, option) in [
        ("bash", "_nssroots()", "--distrust-after"),
        ("zsh", "#compdef nssroots", "--distrust-after"),
        ("fish", "complete -c nssroots", "-l distrust-after"),
    ] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        assert!(text.contains(marker), "{shell}");
        for sub in ["bundle", "list", "explain", "diff", "completions", "man"] {
            assert!(text.contains(sub), "{shell} completes {sub}");
        }
        assert!(text.contains(option), "{shell}");
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0));
    let man = String::from_utf8(o.stdout).unwrap();
    assert!(
        man.contains(".TH nssroots 1"),
        "{}",
        &man[..200.min(man.len())]
    );
    for s in ["bundle", "explain", "diff", "\\-\\-quiet", "\\-\\-verbose"] {
        assert!(man.contains(s), "man page mentions {s}");
    }
    assert_eq!(run(&["man"]).stdout, man.as_bytes(), "deterministic");
    // The footer holds the short version, not the long one with the snapshot.
    assert!(
        man.contains(".TH nssroots 1  \"nssroots 0.1.0\""),
        "{}",
        &man[..300.min(man.len())]
    );
    // Each subcommand has its own page with every option.
    let o = run(&["man", "bundle"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = String::from_utf8(o.stdout).unwrap();
    assert!(page.contains(".TH nssroots-bundle 1"));
    for s in [
        "\\-\\-distrust\\-after",
        "\\-\\-grace\\-days",
        "\\-\\-format",
        "\\-\\-check",
    ] {
        assert!(page.contains(s), "nssroots-bundle(1) documents {s}");
    }
    let o = run(&["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("expected one of bundle, list"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn quiet_and_verbose_are_global() {
    let stale = "2026-11-22T23:15:00Z";
    for args in [
        &["-q", "bundle", "--at", stale][..],
        &["bundle", "--quiet", "--at", stale],
        &["list", "-q", "--at", stale],
        &["explain", "izenpe", "-q", "--at", stale],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}");
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
    // Without -q the stale snapshot is reported by every command that reads it.
    let o = run(&["list", "--at", stale]);
    assert!(stderr(&o).contains("days older than the reference time"));
    let o = run(&["--verbose", "bundle", "--at", AT]);
    let err = stderr(&o);
    assert!(
        err.contains("nssroots: Reference time: 2025-04-19T00:00:00Z (from --at)"),
        "{err}"
    );
    assert!(err.contains("nssroots: Purposes: server-auth"), "{err}");
    let o = run(&["bundle", "-q", "-v"]);
    assert_eq!(o.status.code(), Some(2), "--quiet and --verbose conflict");
}

/// Runs `nssroots args` on a pseudo-terminal through script(1), if present.
fn on_a_terminal(args: &str, no_color: Option<&str>) -> Option<String> {
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} {args}", env!("CARGO_BIN_EXE_nssroots")),
        "/dev/null",
    ])
    .stdin(std::process::Stdio::null())
    .env_remove("NO_COLOR");
    if let Some(v) = no_color {
        cmd.env("NO_COLOR", v);
    }
    match cmd.output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            eprintln!("skipped: script(1) is not available to make a terminal");
            None
        }
    }
}

#[test]
fn colours_only_on_a_terminal_and_never_with_no_color() {
    let args = "explain -q izenpe --at 2026-01-01T00:00:00Z";
    // Piped: never.
    let o = run(&["explain", "-q", "izenpe", "--at", "2026-01-01T00:00:00Z"]);
    assert!(!String::from_utf8(o.stdout).unwrap().contains('\u{1b}'));
    let Some(tty) = on_a_terminal(args, None) else {
        return;
    };
    assert!(tty.contains("\u{1b}[32mSELECTED\u{1b}[0m"), "{tty}");
    let plain = on_a_terminal(args, Some("1")).unwrap();
    assert!(
        plain.contains("SELECTED") && !plain.contains('\u{1b}'),
        "{plain}"
    );
    // An empty NO_COLOR does not count (no-color.org).
    let empty = on_a_terminal(args, Some("")).unwrap();
    assert!(empty.contains('\u{1b}'));
}

/// `-o /dev/stdout` (a link to a pipe here) and `-o /dev/null` are streams:
/// written to, never replaced by a regular file.
#[cfg(target_os = "linux")]
#[test]
fn output_to_a_device_writes_through_it() {
    let o = run(&["bundle", "-q", "--at", AT, "-o", "/dev/stdout"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("## Certificates: 150\n"));
    let o = run(&["bundle", "-q", "--at", AT, "-o", "/dev/null"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    use std::os::unix::fs::FileTypeExt;
    let null = std::fs::metadata("/dev/null").unwrap().file_type();
    assert!(null.is_char_device(), "/dev/null was replaced");
}

/// Through a symbolic link, the file it points to is replaced; the link stays.
#[cfg(unix)]
#[test]
fn output_through_a_link_replaces_its_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("real.pem"), b"old").unwrap();
    std::os::unix::fs::symlink("real.pem", dir.path().join("ca.pem")).unwrap();
    let o = run_in(
        dir.path(),
        &["bundle", "-q", "--at", AT, "-o", "ca.pem"],
        None,
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let link = std::fs::symlink_metadata(dir.path().join("ca.pem")).unwrap();
    assert!(link.file_type().is_symlink());
    let text = std::fs::read_to_string(dir.path().join("real.pem")).unwrap();
    assert!(text.contains("## Certificates: 150\n"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

/// Levels NSS does not trust make a bundle that TLS software would trust
/// whole: said on stderr (not with -q).
#[test]
fn untrusting_levels_are_warned_about() {
    let o = run(&[
        "bundle",
        "--at",
        AT,
        "--level",
        "not-trusted",
        "--include-expired",
        "--allow-empty",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: --level not-trusted: NSS does not trust these certificates"),
        "{}",
        stderr(&o)
    );
    let o = run(&["bundle", "--at", AT]);
    assert!(!stderr(&o).contains("--level"), "{}", stderr(&o));
}
