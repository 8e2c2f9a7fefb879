//! `nssroots lint`: over every real file in ../shared/certdata, checked
//! against the quirks its README lists, and the command's contract.

use std::path::Path;

use nssroots::lint::{Report, Severity, lint};

use crate::support::{run, run_in, shared_certdata, shared_files, stderr};

/// The README's "by 2026" and mk-ca-bundle run time.
const AT: &str = "2026-11-22T23:15:00Z";
const AT_UNIX: i64 = 1_795_389_300;

fn messages<'r>(r: &'r Report, code: &'r str) -> Vec<&'r str> {
    r.with_code(code).map(|f| f.message.as_str()).collect()
}

fn count(r: &Report, code: &str, needle: &str) -> usize {
    messages(r, code)
        .iter()
        .filter(|m| m.contains(needle))
        .count()
}

#[test]
fn every_shared_file_lints_as_its_readme_says() {
    let Some(dir) = shared_certdata() else { return };
    let files = shared_files(&dir);
    assert_eq!(files.len(), 9);
    for (tag, path) in files {
        let bytes = std::fs::read(&path).expect("read");
        let r = lint(&bytes, &tag, AT_UNIX);
        let text = r.to_text();
        // Real files have no errors, and their comments agree with the DER.
        assert_eq!(r.errors(), 0, "{tag}: {text}");
        for code in ["comment-fingerprint", "comment-date", "comment-serial"] {
            assert_eq!(r.with_code(code).count(), 0, "{tag} {code}: {text}");
        }
        let server_expired = count(&r, "expired", "(server-auth");
        match tag.as_str() {
            "NSS_3_123_RTM" => {
                assert_eq!(
                    messages(&r, "no-distrust-after-attributes"),
                    [
                        "certificate \"Entrust Root Certification Authority - G4\" has no \
                      CKA_NSS_SERVER_DISTRUST_AFTER or CKA_NSS_EMAIL_DISTRUST_AFTER attribute, \
                      unlike other objects in this file"
                    ]
                );
                let izenpe = messages(&r, "distrust-after-in-trust");
                assert_eq!(izenpe.len(), 1, "{text}");
                assert!(
                    izenpe[0].contains("\"Izenpe.com\"")
                        && izenpe[0].contains("2026-04-15T23:59:59Z"),
                    "{izenpe:?}"
                );
                assert_eq!(r.with_code("duplicate-label").count(), 0);
            }
            "NSS_3_111_RTM" => {
                assert_eq!(count(&r, "no-distrust-after-attributes", "DigiNotar"), 1);
                assert_eq!(count(&r, "distrust-after-passed", "GLOBALTRUST 2020"), 2);
            }
            "NSS_3_107_RTM" => {
                assert_eq!(
                    count(
                        &r,
                        "distrust-after-passed",
                        "server-auth but its distrust-after date 2024-11-30T23:59:59Z"
                    ),
                    8,
                    "{text}"
                );
            }
            "NSS_3_86_RTM" => {
                assert_eq!(messages(&r, "duplicate-label").len(), 1, "{text}");
                assert_eq!(
                    count(
                        &r,
                        "duplicate-label",
                        "\"Autoridad de Certificacion Firmaprofesional CIF A62634068\""
                    ),
                    1
                );
                assert_eq!(count(&r, "distrust-after-passed", "TrustCor"), 6);
            }
            "NSS_3_53_RTM" => {
                assert_eq!(r.with_code("distrust-without-hash").count(), 7);
                assert!(count(&r, "distrust-after-passed", "server-auth") >= 1);
            }
            "NSS_3_46_RTM" => {
                assert_eq!(r.with_code("distrust-without-hash").count(), 7);
                assert_eq!(r.with_code("distrust-after-passed").count(), 0);
            }
            "NSS_3_26_RTM" => {
                assert_eq!(server_expired, 38, "{text}");
                assert_eq!(r.with_code("distrust-without-hash").count(), 9);
                assert_eq!(
                    count(
                        &r,
                        "comment-label",
                        "names \"AC Raiz Certicamara S.A.\" but the object's CKA_LABEL is \"AC Raíz Certicámara S.A.\"; curl's mk-ca-bundle.pl stops on this"
                    ),
                    1,
                    "{text}"
                );
                assert_eq!(
                    messages(&r, "duplicate-label"),
                    [
                        "certificate label \"StartCom Certification Authority\" is also the label of the certificate at line 6063; \
                      tools that match trust by label (Debian's certdata2pem.py) mix them up"
                    ],
                );
            }
            "NSS_3_14_RTM" => {
                assert_eq!(server_expired, 64, "{text}");
                assert_eq!(r.with_code("distrust-without-hash").count(), 2);
                // Only 9 of 178 certificate blocks carry "# Not Valid After".
                assert_eq!(r.certificates, 178);
                assert_eq!(r.with_code("no-validity-comment").count(), 178 - 9);
                let dups = messages(&r, "duplicate-label");
                assert_eq!(dups.len(), 2, "{dups:?}");
                assert!(
                    dups.iter()
                        .any(|m| m.contains("\"StartCom Certification Authority\""))
                );
                assert!(dups.iter().any(|m| {
                    m.contains("\"Verisign Class 3 Public Primary Certification Authority\"")
                }));
            }
            "NSS_3_12_4_RTM" => {
                // Old layout: only "# Certificate" comments, \xNN escapes in them.
                assert_eq!(r.with_code("comment-label").count(), 0, "{text}");
                assert_eq!(r.with_code("no-validity-comment").count(), 140);
                assert_eq!(count(&r, "model", "bare serial number octets"), 1);
            }
            other => panic!("unexpected file {other}"),
        }
        // The notes are never warnings and findings are in line order.
        assert!(r.findings.windows(2).all(|w| w[0].line <= w[1].line));
        assert!(
            r.with_code("no-trust")
                .all(|f| f.severity == Severity::Note)
        );
    }
}

#[test]
fn lint_command_exit_codes_and_formats() {
    let Some(dir) = shared_certdata() else { return };
    let file = dir.join("NSS_3_123_RTM.certdata.txt");
    let path = file.to_str().expect("utf-8 path");
    let o = run(&["lint", "--input", path, "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).expect("utf-8");
    assert!(
        out.ends_with(&format!(
            "{path}: 0 errors, 3 warnings, 2 notes (167 certificates; reference time {AT})\n"
        )),
        "{out}"
    );
    let o = run(&["lint", "--input", path, "--at", AT, "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(json["errors"], 0);
    assert_eq!(json["warnings"], 3);
    assert_eq!(json["reference_time"], AT);
    assert_eq!(json["findings"][0]["severity"], "warning");
    assert_eq!(json["findings"][0]["code"], "distrust-after-passed");
}

#[test]
fn lint_exits_1_on_errors_2_when_unreadable_and_reads_stdin() {
    let malformed = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let o = run_in(
        &malformed,
        &["lint", "--input", "33-conflicting-trust.txt", "--at", AT],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("33-conflicting-trust.txt:104: error: trust object \"Alpha Root\" disagrees"),
        "{out}"
    );
    assert!(out.contains("[conflict]"), "{out}");

    let o = run(&["lint", "--input", "/nonexistent/certdata.txt"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).starts_with("nssroots: error: reading /nonexistent/certdata.txt"));

    let o = run_in(
        Path::new("."),
        &["lint", "--input", "-", "--max-input-size", "10"],
        Some(b"BEGINDATA\n# more than ten bytes\n"),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("more than the limit of 10 bytes"),
        "{}",
        stderr(&o)
    );

    // Standard input; every error collected, not just the first.
    let base = std::fs::read(malformed.join("base.certdata.txt")).expect("base");
    let text = String::from_utf8(base)
        .expect("utf-8")
        .replace("CKT_NSS_TRUSTED_DELEGATOR", "CKT_NSS_BOGUS");
    let o = run_in(
        Path::new("."),
        &["lint", "--input", "-", "--at", AT],
        Some(text.as_bytes()),
    );
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.matches("unknown trust value CKT_NSS_BOGUS").count(),
        2,
        "{out}"
    );
    assert!(out.contains("<stdin>: 2 errors"), "{out}");
}

/// Different distrust-after dates in the certificate and trust objects:
/// a warning naming both and the one applied (the earlier); one date in
/// both places, or in the certificate only, says nothing of the kind.
#[test]
fn different_distrust_after_dates_are_a_warning() {
    use crate::synth::{Certdata, Entry, Place, ca};
    use nssroots::Purpose;
    let (a, b) = (ca(), ca());
    let (early, late) = (1_733_011_199, 1_776_297_599); // 2024-11-30, 2026-04-15
    let f = Certdata::new()
        .with(
            Entry::new(&a)
                .label("Two Dates")
                .distrust_after(Purpose::ServerAuth, late, Place::Certificate)
                .distrust_after(Purpose::ServerAuth, early, Place::Trust),
        )
        .with(Entry::new(&b).distrust_after(Purpose::ServerAuth, early, Place::Certificate))
        .build();
    let r = lint(&f.bytes, "t", AT_UNIX);
    assert_eq!(
        messages(&r, "distrust-after-disagrees"),
        [
            "trust object for \"Two Dates\" gives CKA_NSS_SERVER_DISTRUST_AFTER 2024-11-30T23:59:59Z \
             but its certificate object (line 20) gives 2026-04-15T23:59:59Z; nssroots applies the earlier, \
             2024-11-30T23:59:59Z"
        ]
    );
    assert!(
        r.with_code("distrust-after-disagrees")
            .all(|f| f.severity == Severity::Warning)
    );
}

/// A distrust object whose serial is written differently (a redundant
/// leading zero) pairs with nothing, yet its hashes are those of a
/// certificate in the file: NSS keeps trusting that certificate, Go would
/// not. lint says so.
#[test]
fn a_distrust_hash_naming_another_certificate_is_a_warning() {
    use crate::synth::{Certdata, Entry, ca};
    let a = ca();
    let f = Certdata::new()
        .with(Entry::new(&a).label("Alpha"))
        .with(
            Entry::distrust_record(&a)
                .hashes(true, true)
                .label("Distrust: Alpha again"),
        )
        .build();
    let text = String::from_utf8(f.bytes).unwrap();
    let key = "CKA_SERIAL_NUMBER MULTILINE_OCTAL\n\\002\\";
    let at = text.rfind(key).unwrap() + key.len();
    let len = u8::from_str_radix(&text[at..at + 3], 8).unwrap();
    let edited = format!("{}{:03o}\\000{}", &text[..at], len + 1, &text[at + 3..]);
    let r = lint(edited.as_bytes(), "t", AT_UNIX);
    let found = messages(&r, "distrust-hash-names-other");
    assert_eq!(found.len(), 1, "{}", r.to_text());
    assert!(
        found[0].starts_with("distrust object \"Distrust: Alpha again\" states the SHA-1 hash of certificate \"Alpha\""),
        "{}",
        found[0]
    );
    // The unedited record pairs with Alpha: no such warning (and no record).
    let plain = lint(
        &Certdata::new().with(Entry::new(&a)).build().bytes,
        "t",
        AT_UNIX,
    );
    assert_eq!(plain.with_code("distrust-hash-names-other").count(), 0);
}
