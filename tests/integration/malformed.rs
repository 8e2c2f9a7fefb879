//! The malformed-input corpus, tests/malformed: every file is a small bad
//! certdata.txt made from `base.certdata.txt` (two synthetic roots made by
//! [`crate::synth`]) by one edit listed in [`cases`]. For each, through the
//! CLI: exit code 2, one line on standard error naming the file and the line,
//! no panic, an existing `-o` file untouched, and lint exiting 1 with an error
//! finding on that line. The one-line errors are snapshot-tested against
//! tests/malformed/expected.txt.
//!
//! `NSSROOTS_BLESS=1 cargo test malformed` rewrites the files and
//! expected.txt (and makes base.certdata.txt and the synthetic fuzz seeds
//! when they are missing); otherwise the files must be exactly what the
//! edits make of the base.
//!
//! One case is not an error: a certificate without a trust object is never
//! selected, so `bundle` succeeds without it (exit 0) and lint reports it as
//! a note (`no-trust`). Two more are made at test time, not committed: a
//! 10 MB line and a 2 MiB attribute value.

use std::path::{Path, PathBuf};

use crate::support::{run_in, stderr};
use crate::synth::{Certdata, Entry, Place, ca, unix};

const AT: &str = "2025-06-01T00:00:00Z";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed")
}

fn blessing() -> bool {
    std::env::var("NSSROOTS_BLESS").is_ok_and(|v| v == "1")
}

/// The valid file every case edits: "Alpha Root" (server-auth trusted, SHA-1
/// and MD5 stated) and "Beta Root" (also with a server distrust-after date
/// in its certificate object).
fn base() -> String {
    let path = dir().join("base.certdata.txt");
    if !path.exists() && blessing() {
        let f = Certdata::new()
            .with(Entry::new(&ca()).label("Alpha Root"))
            .with(Entry::new(&ca()).label("Beta Root").distrust_after(
                nssroots::Purpose::ServerAuth,
                unix("2030-01-01T00:00:00Z"),
                Place::Certificate,
            ))
            .build();
        std::fs::write(&path, &f.bytes).expect("write base");
        write_synthetic_seeds(&f.bytes);
    }
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (NSSROOTS_BLESS=1 makes it)", path.display()))
}

/// Synthetic fuzz seeds: the base, and one fixture in CRLF with the other
/// spellings, a distrust record, escaped labels and a date in a trust object.
fn write_synthetic_seeds(base: &[u8]) {
    use nssroots::model::Spelling;
    let other = Certdata::new()
        .with(
            Entry::new(&ca())
                .label("Raíz \"Gamma\"")
                .escaped_label()
                .spelling(Spelling::Pkcs11v32)
                .distrust_after(
                    nssroots::Purpose::EmailProtection,
                    unix("2024-06-30T00:00:00Z"),
                    Place::Trust,
                ),
        )
        .with(Entry::distrust_record(&ca()).label("Distrust Delta"))
        .with(
            Entry::new(&ca())
                .label("Netscape Epsilon")
                .spelling(Spelling::Netscape),
        )
        .crlf()
        .build();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for target in ["tokenizer", "pipeline"] {
        std::fs::write(seeds.join(target).join("synth-base.txt"), base).expect("seed");
        std::fs::write(
            seeds.join(target).join("synth-spellings-crlf.txt"),
            &other.bytes,
        )
        .expect("seed");
    }
    let mut pair = base.to_vec();
    pair.extend_from_slice(b"=====\n");
    pair.extend_from_slice(&other.bytes);
    std::fs::write(seeds.join("diff/synth-base-vs-spellings.txt"), pair).expect("seed");
}

/// Byte offset just after the first `marker` at or after `from`.
fn after(s: &str, from: usize, marker: &str) -> usize {
    from + s[from..]
        .find(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in the base"))
        + marker.len()
}

/// Byte offset of the first `marker` at or after `from`.
fn at(s: &str, from: usize, marker: &str) -> usize {
    after(s, from, marker) - marker.len()
}

fn cut(s: &str, end: usize) -> Vec<u8> {
    s.as_bytes()[..end].to_vec()
}

fn replace_first(s: &str, from: usize, old: &str, new: &str) -> Vec<u8> {
    let i = at(s, from, old);
    format!("{}{new}{}", &s[..i], &s[i + old.len()..]).into_bytes()
}

fn insert(s: &str, i: usize, text: &[u8]) -> Vec<u8> {
    [&s.as_bytes()[..i], text, &s.as_bytes()[i..]].concat()
}

/// The first certificate object (from `CKA_CLASS` to the blank line after it).
fn cert1(s: &str) -> (usize, usize) {
    let start = at(s, 0, "CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE\n");
    (start, at(s, start, "\n\n") + 1)
}

/// The first trust object, likewise.
fn trust1(s: &str) -> (usize, usize) {
    let start = at(s, 0, "CKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST\n");
    (start, at(s, start, "\n\n") + 1)
}

/// The first body line of attribute `name` at or after `from`: (start, end).
fn body_line(s: &str, from: usize, name: &str) -> (usize, usize) {
    let start = after(s, from, &format!("{name} MULTILINE_OCTAL\n"));
    (start, at(s, start, "\n"))
}

/// Replaces the first body line of `name` at or after `from` with `new`.
fn set_body_line(s: &str, from: usize, name: &str, new: &str) -> Vec<u8> {
    let (a, b) = body_line(s, from, name);
    format!("{}{new}{}", &s[..a], &s[b..]).into_bytes()
}

/// Changes the first byte of the value of `name` at or after `from`.
fn flip_first(s: &str, from: usize, name: &str) -> Vec<u8> {
    let (a, b) = body_line(s, from, name);
    let mut line = s[a..b].to_owned();
    let other = if &line[..4] == "\\000" {
        "\\001"
    } else {
        "\\000"
    };
    line.replace_range(0..4, other);
    set_body_line(s, from, name, &line)
}

/// `\ooo` escapes of `bytes`.
fn octal(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:03o}")).collect()
}

type Edit = fn(&str) -> Vec<u8>;

/// Every case: file name (without `.txt`) and the edit that makes it.
fn cases() -> Vec<(&'static str, Edit)> {
    vec![
        ("01-empty", |_| Vec::new()),
        ("02-truncated-in-header", |s| cut(s, at(s, 0, "BEGINDATA"))),
        ("03-truncated-in-begindata", |s| {
            cut(s, after(s, 0, "BEGIN"))
        }),
        ("04-truncated-after-class-line", |s| {
            cut(s, after(s, 0, "CKO_CERTIFICATE\n"))
        }),
        ("05-truncated-in-attribute-name", |s| {
            cut(s, after(s, 0, "CKO_CERTIFICATE\nCKA_TOK"))
        }),
        ("06-truncated-after-type", |s| {
            cut(s, after(s, cert1(s).0, "CKA_LABEL UTF8"))
        }),
        ("07-truncated-in-label", |s| {
            cut(s, after(s, cert1(s).0, "CKA_LABEL UTF8 \"Alp"))
        }),
        ("08-truncated-after-multiline-octal", |s| {
            cut(s, after(s, 0, "CKA_SUBJECT MULTILINE_OCTAL\n"))
        }),
        ("09-truncated-in-octal-escape", |s| {
            cut(s, after(s, 0, "CKA_SUBJECT MULTILINE_OCTAL\n") + 3)
        }),
        ("10-truncated-in-octal-body", |s| {
            cut(s, body_line(s, 0, "CKA_VALUE").1 + 1)
        }),
        ("11-truncated-in-end", |s| {
            let (start, _) = body_line(s, 0, "CKA_VALUE");
            cut(s, after(s, start, "\nEN"))
        }),
        ("12-truncated-in-trust-object", |s| {
            let (start, _) = body_line(s, trust1(s).0, "CKA_CERT_MD5_HASH");
            cut(s, after(s, start, "END\n"))
        }),
        ("13-truncated-in-trust-value", |s| {
            cut(s, after(s, trust1(s).0, "CK_TRUST CKT_NSS_TRUS"))
        }),
        ("14-truncated-in-crlf", |s| {
            let crlf = s.replace('\n', "\r\n");
            cut(
                &crlf,
                after(&crlf, 0, "CKO_CERTIFICATE\r\nCKA_TOKEN CK_BBOOL CK_TRUE\r"),
            )
        }),
        ("15-end-missing", |s| {
            let (_, end) = body_line(s, 0, "CKA_SUBJECT");
            let end_line = at(s, end, "END\n");
            format!("{}{}", &s[..end_line], &s[end_line + 4..]).into_bytes()
        }),
        ("16-end-missing-before-next-object", |s| {
            let (_, c1_end) = cert1(s);
            let value_end = at(s, body_line(s, 0, "CKA_VALUE").0, "END\n");
            // CKA_VALUE's END removed, and the rest of the object with it.
            format!("{}{}", &s[..value_end], &s[c1_end..]).into_bytes()
        }),
        ("17-bad-octal-digit", |s| {
            let (a, _) = body_line(s, 0, "CKA_VALUE");
            let line = &s[a..a + 8];
            replace_first(s, a, line, &format!("{}\\08x", &line[..4]))
        }),
        ("18-octal-over-377", |s| {
            let (a, _) = body_line(s, 0, "CKA_VALUE");
            insert(s, a, b"\\400")
        }),
        ("19-octal-two-digits", |s| {
            let (a, _) = body_line(s, 0, "CKA_VALUE");
            insert(s, a + 4, b"\\06 ")
        }),
        ("20-octal-stray-text", |s| {
            let (_, b) = body_line(s, 0, "CKA_VALUE");
            insert(s, b, b" junk")
        }),
        ("21-escape-unknown", |s| {
            replace_first(s, cert1(s).0, "\"Alpha Root\"", "\"Alpha \\q Root\"")
        }),
        ("22-escape-short-hex", |s| {
            replace_first(s, cert1(s).0, "\"Alpha Root\"", "\"Alpha \\xG1 Root\"")
        }),
        ("23-escape-not-utf8", |s| {
            replace_first(s, cert1(s).0, "\"Alpha Root\"", "\"Alpha \\xC3 Root\"")
        }),
        ("24-escape-before-end-of-line", |s| {
            replace_first(s, cert1(s).0, "\"Alpha Root\"", "\"Alpha Root\\\"")
        }),
        ("25-label-unterminated", |s| {
            replace_first(s, cert1(s).0, "\"Alpha Root\"", "\"Alpha Root")
        }),
        ("26-label-not-utf8", |s| {
            let i = after(s, cert1(s).0, "\"Alpha");
            insert(s, i, b"\xE9")
        }),
        ("27-attribute-before-begindata", |s| {
            insert(s, at(s, 0, "BEGINDATA"), b"CKA_LABEL UTF8 \"early\"\n")
        }),
        ("28-attribute-outside-object", |s| {
            insert(
                s,
                after(s, 0, "BEGINDATA\n"),
                b"CKA_TOKEN CK_BBOOL CK_TRUE\n",
            )
        }),
        ("29-unknown-class", |s| {
            replace_first(s, 0, "CKO_CERTIFICATE\n", "CKO_PRIVATE_KEY\n")
        }),
        ("30-duplicate-attribute", |s| {
            let i = after(s, cert1(s).0, "CKA_TOKEN CK_BBOOL CK_TRUE\n");
            insert(s, i, b"CKA_TOKEN CK_BBOOL CK_TRUE\n")
        }),
        ("31-certificate-without-trust", |s| {
            let (a, b) = trust1(s);
            format!("{}{}", &s[..a], &s[b..]).into_bytes()
        }),
        ("32-trust-without-certificate", |s| {
            let (a, b) = cert1(s);
            format!("{}{}", &s[..a], &s[b..]).into_bytes()
        }),
        ("33-conflicting-trust", |s| {
            let (a, b) = trust1(s);
            let again = s[a..b].replace(
                "CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR",
                "CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_NOT_TRUSTED",
            );
            insert(s, b, format!("\n{again}").as_bytes())
        }),
        ("34-sha1-mismatch", |s| {
            flip_first(s, trust1(s).0, "CKA_CERT_SHA1_HASH")
        }),
        ("35-md5-mismatch", |s| {
            flip_first(s, trust1(s).0, "CKA_CERT_MD5_HASH")
        }),
        ("36-der-not-a-certificate", |s| {
            let start = at(s, 0, "CKA_VALUE MULTILINE_OCTAL\n");
            let end = after(s, start, "END\n");
            format!(
                "{}CKA_VALUE MULTILINE_OCTAL\n{}\nEND\n{}",
                &s[..start],
                octal(&[2, 1, 5]),
                &s[end..]
            )
            .into_bytes()
        }),
        ("37-der-truncated", |s| {
            let start = at(s, 0, "CKA_VALUE MULTILINE_OCTAL\n");
            let end = at(s, start, "\nEND\n");
            let last = s[..end].rfind('\n').expect("body line");
            format!("{}{}", &s[..last], &s[end..]).into_bytes()
        }),
        ("38-der-trailing-bytes", |s| {
            let start = at(s, 0, "CKA_VALUE MULTILINE_OCTAL\n");
            let end = at(s, start, "\nEND\n");
            insert(s, end, b"\n\\000")
        }),
        ("39-utctime-not-a-date", |s| {
            set_body_line(
                s,
                0,
                "CKA_NSS_SERVER_DISTRUST_AFTER",
                &octal(b"241330235959Z"),
            )
        }),
        ("40-utctime-wrong-length", |s| {
            set_body_line(
                s,
                0,
                "CKA_NSS_SERVER_DISTRUST_AFTER",
                &octal(b"2411302359Z"),
            )
        }),
        ("41-distrust-after-true", |s| {
            replace_first(
                s,
                0,
                "CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_FALSE",
                "CKA_NSS_SERVER_DISTRUST_AFTER CK_BBOOL CK_TRUE",
            )
        }),
        ("42-nul-byte", |s| {
            let i = after(s, cert1(s).0, "CKA_LABEL UTF8 \"Alpha");
            insert(s, i, b"\0")
        }),
        ("43-utf8-bom", |s| insert(s, 0, b"\xEF\xBB\xBF")),
        ("44-crlf-mixed-with-lf", |s| {
            let i = at(s, 0, "CKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST\n");
            let crlf = format!("{}{}", s[..i].replace('\n', "\r\n"), &s[i..]);
            crlf.into_bytes()
        }),
        ("45-begindata-twice", |s| {
            insert(s, cert1(s).0, b"BEGINDATA\n")
        }),
        ("46-bool-not-bool", |s| {
            replace_first(
                s,
                cert1(s).0,
                "CKA_TOKEN CK_BBOOL CK_TRUE",
                "CKA_TOKEN CK_BBOOL CK_MAYBE",
            )
        }),
        ("47-class-wrong-type", |s| {
            replace_first(
                s,
                0,
                "CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE",
                "CKA_CLASS UTF8 \"CKO_CERTIFICATE\"",
            )
        }),
        ("48-issuer-mismatch", |s| {
            let (a, _) = body_line(s, cert1(s).0, "CKA_ISSUER");
            insert(s, a, b"\\000")
        }),
        ("49-serial-mismatch", |s| {
            let (a, b) = body_line(s, cert1(s).0, "CKA_SERIAL_NUMBER");
            let mut line = s[a..b].to_owned();
            let n = line.len();
            line.replace_range(
                n - 4..n,
                if &line[n - 4..] == "\\001" {
                    "\\002"
                } else {
                    "\\001"
                },
            );
            set_body_line(s, cert1(s).0, "CKA_SERIAL_NUMBER", &line)
        }),
        ("50-subject-mismatch", |s| {
            let (a, _) = body_line(s, cert1(s).0, "CKA_SUBJECT");
            insert(s, a, b"\\000")
        }),
        ("51-hash-wrong-length", |s| {
            let (a, _) = body_line(s, trust1(s).0, "CKA_CERT_SHA1_HASH");
            insert(s, a, b"\\000\\000\\000\\000\n")
        }),
        ("52-certificate-type-not-x509", |s| {
            replace_first(s, 0, "CKC_X_509", "CKC_WTLS")
        }),
        ("53-unknown-trust-value", |s| {
            replace_first(s, 0, "CKT_NSS_TRUSTED_DELEGATOR", "CKT_NSS_SUPER_TRUSTED")
        }),
        ("54-junk-after-value", |s| {
            replace_first(
                s,
                cert1(s).0,
                "CKA_TOKEN CK_BBOOL CK_TRUE",
                "CKA_TOKEN CK_BBOOL CK_TRUE junk",
            )
        }),
        ("55-label-wrong-type", |s| {
            replace_first(
                s,
                cert1(s).0,
                "CKA_LABEL UTF8 \"Alpha Root\"",
                "CKA_LABEL CK_BBOOL CK_TRUE",
            )
        }),
        ("56-comment-not-utf8", |s| {
            let i = after(s, 0, "# Certificate \"Alpha");
            insert(s, i, b"\xFF")
        }),
        ("57-same-der-other-dates", |s| {
            let (a, b) = cert1(s);
            let again = s[a..b].replace(
                "CKA_NSS_EMAIL_DISTRUST_AFTER CK_BBOOL CK_FALSE",
                &format!(
                    "CKA_NSS_EMAIL_DISTRUST_AFTER MULTILINE_OCTAL\n{}\nEND",
                    octal(b"241130235959Z")
                ),
            );
            insert(s, b, format!("\n{again}").as_bytes())
        }),
        // NSS compares the trust object's serial byte for byte with the
        // certificate's DER serial number: a bare serial or a long-form
        // length pairs with nothing there, so it is an error here.
        ("58-trust-bare-serial", |s| {
            let (a, _) = body_line(s, trust1(s).0, "CKA_SERIAL_NUMBER");
            format!("{}{}", &s[..a], &s[a + 8..]).into_bytes()
        }),
        ("59-trust-serial-long-length", |s| {
            let (a, _) = body_line(s, trust1(s).0, "CKA_SERIAL_NUMBER");
            insert(s, a + 4, b"\\201")
        }),
        ("60-trust-purpose-wrong-type", |s| {
            replace_first(
                s,
                trust1(s).0,
                "CKA_TRUST_SERVER_AUTH CK_TRUST",
                "CKA_TRUST_SERVER_AUTH CK_ULONG",
            )
        }),
        // certdata.perl would start an object here (its test is a regex).
        ("61-name-containing-cka-class", |s| {
            let i = after(s, trust1(s).0, "CKO_NSS_TRUST\n");
            insert(s, i, b"CKA_CLASSX CK_BBOOL CK_TRUE\n")
        }),
    ]
}

/// Runs `bundle` on `name` in `dir` with an existing output file; checks it
/// is left alone, that nothing panicked and lint agrees. Returns the exit
/// code and standard error.
fn bundle(dir: &Path, name: &str) -> (i32, String) {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = out_dir.path().join("ca.pem");
    std::fs::write(&out, b"previous bundle\n").expect("write");
    let o = run_in(
        dir,
        &[
            "bundle",
            "-q",
            "--at",
            AT,
            "--input",
            name,
            "-o",
            out.to_str().expect("utf-8"),
        ],
        None,
    );
    let err = stderr(&o);
    let code = o.status.code().expect("exit code");
    assert!(!err.contains("panicked"), "{name}: {err}");
    if code != 0 {
        assert_eq!(
            std::fs::read(&out).expect("read"),
            b"previous bundle\n",
            "{name}: -o file changed"
        );
    }
    (code, err)
}

/// The line of `nssroots: error: NAME:LINE:...`.
fn error_line(name: &str, err: &str) -> usize {
    let rest = err
        .strip_prefix(&format!("nssroots: error: {name}:"))
        .unwrap_or_else(|| panic!("{name}: error names no file and line: {err}"));
    rest.split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{name}: no line number: {err}"))
}

fn lint(dir: &Path, name: &str) -> (i32, String) {
    let o = run_in(dir, &["lint", "--at", AT, "--input", name], None);
    assert!(!stderr(&o).contains("panicked"), "{name}: {}", stderr(&o));
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn malformed_corpus_fails_cleanly_with_the_expected_errors() {
    let base = base();
    let dir = dir();
    let mut expected = String::new();
    let mut stale = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 40);
    for (name, edit) in &cases {
        let file = format!("{name}.txt");
        let bytes = edit(&base);
        let path = dir.join(&file);
        if blessing() {
            std::fs::write(&path, &bytes).expect("write case");
        } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            stale.push(file.clone());
            continue;
        }
        let (code, err) = bundle(&dir, &file);
        let (lint_code, report) = lint(&dir, &file);
        if *name == "31-certificate-without-trust" {
            assert_eq!(code, 0, "{file}: {err}");
            assert_eq!(lint_code, 0, "{report}");
            let note = report
                .lines()
                .find(|l| l.ends_with("[no-trust]"))
                .unwrap_or_else(|| panic!("{file}: no no-trust note: {report}"));
            expected.push_str(&format!("{file}: exit 0; lint: {note}\n"));
            continue;
        }
        assert_eq!(code, 2, "{file}: {err}");
        assert_eq!(err.lines().count(), 1, "{file}: not one line: {err}");
        let line = error_line(&file, &err);
        assert!(line > 0, "{file}: {err}");
        assert_eq!(lint_code, 1, "{file}: lint exit {lint_code}: {report}");
        assert!(
            report.contains(&format!("{file}:{line}: error: ")),
            "{file}: lint has no error at line {line}: {report}"
        );
        expected.push_str(&err);
    }
    assert!(
        stale.is_empty(),
        "these files are not what their edit of base.certdata.txt makes (NSSROOTS_BLESS=1 rewrites them): {stale:?}"
    );
    let snapshot = dir.join("expected.txt");
    if blessing() {
        std::fs::write(&snapshot, &expected).expect("write expected.txt");
    }
    let want = std::fs::read_to_string(&snapshot).expect("tests/malformed/expected.txt");
    assert!(
        want == expected,
        "errors differ from tests/malformed/expected.txt (NSSROOTS_BLESS=1 rewrites it):\n{}",
        want.lines()
            .zip(expected.lines())
            .filter(|(a, b)| a != b)
            .map(|(a, b)| format!("- {a}\n+ {b}\n"))
            .collect::<String>()
    );
}

#[test]
fn a_10_mb_line_and_a_2_mib_attribute_are_errors_not_allocations() {
    let base = base();
    let tmp = tempfile::tempdir().expect("tempdir");
    let i = at(&base, 0, "BEGINDATA");
    let mut long = base.as_bytes()[..i].to_vec();
    long.extend_from_slice(b"# ");
    long.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    long.extend_from_slice(&base.as_bytes()[at(&base, 0, "\nBEGINDATA")..]);
    std::fs::write(tmp.path().join("long-line.txt"), &long).expect("write");
    let line = base[..i].lines().count() + 1;
    let (code, err) = bundle(tmp.path(), "long-line.txt");
    assert_eq!(code, 2);
    assert!(
        err.starts_with(&format!(
            "nssroots: error: long-line.txt:{line}:1: line is 10485762 bytes long, more than the limit of 65536 bytes per line"
        )),
        "{err}"
    );
    let (lint_code, report) = lint(tmp.path(), "long-line.txt");
    assert_eq!(lint_code, 1);
    assert!(
        report.contains(&format!(
            "long-line.txt:{line}: error: column 1: line is 10485762 bytes"
        )),
        "{report}"
    );

    let (a, _) = body_line(&base, 0, "CKA_VALUE");
    let big_body = format!("{}\n", "\\101".repeat(16)).repeat(2 * 65536);
    let big = insert(&base, a, big_body.as_bytes());
    std::fs::write(tmp.path().join("big-value.txt"), &big).expect("write");
    let (code, err) = bundle(tmp.path(), "big-value.txt");
    assert_eq!(code, 2);
    assert!(
        err.contains("is more than the limit of 1048576 bytes per attribute"),
        "{err}"
    );
    assert!(error_line("big-value.txt", &err) > 65536);
}
