//! `nssroots list` and `nssroots explain` on the quirks of the real corpus
//! (../shared/certdata/README.md) and on synthetic files.

use std::path::Path;

use serde_json::Value;

use crate::support::{run, run_in, shared_certdata, stderr};
use crate::synth::{Certdata, Entry, ca, ca_valid};
use nssroots::{Purpose, TrustLevel};

fn file(dir: &Path, tag: &str) -> String {
    dir.join(format!("{tag}.certdata.txt"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// `nssroots list --format json` of a corpus file at `at`.
fn list_json(path: &str, at: &str, extra: &[&str]) -> Value {
    let o = run(&[
        &[
            "list", "-q", "--input", path, "--at", at, "--format", "json",
        ][..],
        extra,
    ]
    .concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn explain(path: &str, query: &str, at: &str, extra: &[&str]) -> (i32, String, String) {
    let o = run(&[
        &["explain", "-q", query, "--input", path, "--at", at][..],
        extra,
    ]
    .concat());
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout.clone()).unwrap(),
        stderr(&o),
    )
}

fn by_label<'v>(v: &'v Value, label: &str) -> Vec<&'v Value> {
    v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["label"] == label)
        .collect()
}

#[test]
fn izenpe_distrust_after_from_the_trust_object() {
    let Some(dir) = shared_certdata() else { return };
    let path = file(&dir, "NSS_3_123_RTM");
    // Inside the grace: selected, kept until date + 398 days.
    let v = list_json(&path, "2026-06-01T00:00:00Z", &[]);
    let iz = by_label(&v, "Izenpe.com")[0];
    assert_eq!(
        iz["distrust_after"]["server"]["date"],
        "2026-04-15T23:59:59Z"
    );
    assert_eq!(
        iz["distrust_after"]["server"]["stated_in"],
        serde_json::json!(["trust-object"])
    );
    assert_eq!(iz["selected"], true);
    assert_eq!(iz["dated"][0]["kept_until"], "2027-05-18T23:59:59Z");
    // Entrust G4: no dates at all.
    let g4 = by_label(&v, "Entrust Root Certification Authority - G4")[0];
    assert_eq!(
        g4["distrust_after"],
        serde_json::json!({"server": null, "email": null})
    );
    // Past the grace: left out, and explain says why with the dates.
    let v = list_json(&path, "2027-06-01T00:00:00Z", &[]);
    let iz = by_label(&v, "Izenpe.com")[0];
    assert_eq!(iz["selected"], false);
    assert_eq!(iz["reasons"][0]["kind"], "past-distrust-after");
    assert_eq!(iz["reasons"][0]["cutoff"], "2027-05-18T23:59:59Z");
    let (code, text, _) = explain(&path, "izenpe", "2027-06-01T00:00:00Z", &[]);
    assert_eq!(code, 0);
    for want in [
        "\"Izenpe.com\"",
        "LEFT OUT at 2027-06-01T00:00:00Z (from --at)",
        "server 2026-04-15T23:59:59Z (stated in the trust object; the certificate object states none)",
        "with 398 days of grace the rule keeps the root only until 2027-05-18T23:59:59Z",
        "=> Left out (past-distrust-after).",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    // keep ignores the date; exclude removes it from the date on.
    let (_, text, _) = explain(
        &path,
        "Izenpe.com",
        "2027-06-01T00:00:00Z",
        &["--distrust-after", "keep"],
    );
    assert!(
        text.contains("SELECTED") && text.contains("ignored under the keep rule"),
        "{text}"
    );
    let (_, text, _) = explain(
        &path,
        "izenpe.COM",
        "2026-04-16T00:00:00Z",
        &["--distrust-after", "exclude"],
    );
    assert!(
        text.contains("LEFT OUT") && text.contains("the exclude rule"),
        "{text}"
    );
}

#[test]
fn distrust_records_diginotar_and_negative_serials() {
    let Some(dir) = shared_certdata() else { return };
    let path = file(&dir, "NSS_3_53_RTM");
    let v = list_json(&path, "2026-01-01T00:00:00Z", &[]);
    assert_eq!(v["counts"]["certificates"], 152);
    assert_eq!(v["counts"]["distrust_records"], 7);
    for r in v["distrust_records"].as_array().unwrap() {
        assert_eq!(r["selected"], false);
        assert_eq!(r["hashes"], serde_json::json!([]), "no CKA_CERT_SHA1_HASH");
        assert_eq!(r["trust"]["server-auth"], "not-trusted");
        let kinds: Vec<&str> = r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["explicitly-distrusted", "no-certificate"]);
    }
    // The two DigiNotar certificate objects: not-trusted, no policy attribute.
    let dn: Vec<&Value> = v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["label"].as_str().unwrap().contains("DigiNotar"))
        .collect();
    assert_eq!(dn.len(), 2);
    for c in dn {
        assert_eq!(c["trust"]["server-auth"], "not-trusted");
        assert_eq!(c["mozilla_ca_policy"], Value::Null);
        assert_eq!(c["reasons"][0]["kind"], "explicitly-distrusted");
    }
    // EC-ACC's negative serial is listed as in the DER.
    let ecacc = by_label(&v, "EC-ACC")[0];
    assert!(ecacc["serial"].as_str().unwrap().starts_with("ee:2b:"));
    // Every certificate has all 15 purposes, in one order.
    let keys: Vec<&str> = v["certificates"][0]["trust"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 15);

    let (code, text, _) = explain(&path, "Egypt Trust", "2026-01-01T00:00:00Z", &[]);
    assert_eq!(code, 0);
    assert!(text.starts_with("3 matches for \"Egypt Trust\""), "{text}");
    assert_eq!(
        text.matches("(a trust-only object: an explicit distrust record)")
            .count(),
        3
    );
    assert!(text.contains("never goes in a bundle"));
    // The table lists them after the certificates.
    let o = run(&[
        "list",
        "-q",
        "--input",
        &path,
        "--at",
        "2026-01-01T00:00:00Z",
    ]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("Distrust records: 7 trust-only objects"),
        "{table}"
    );
    assert!(
        table.contains("MITM subCA 1 issued by Trustw…"),
        "labels cut to 30: {table}"
    );
}

#[test]
fn repeated_labels_escapes_and_old_layouts() {
    let Some(dir) = shared_certdata() else { return };
    // NSS_3_86_RTM: two certificates share a label; explain shows both, a
    // fingerprint prefix picks one.
    let p86 = file(&dir, "NSS_3_86_RTM");
    let label = "Autoridad de Certificacion Firmaprofesional CIF A62634068";
    let v = list_json(&p86, "2026-01-01T00:00:00Z", &[]);
    let twins = by_label(&v, label);
    assert_eq!(twins.len(), 2);
    let (code, text, _) = explain(&p86, label, "2026-01-01T00:00:00Z", &[]);
    assert_eq!(code, 0);
    assert!(
        text.starts_with(&format!("2 matches for \"{label}\"")),
        "{text}"
    );
    let fp = twins[1]["sha256"].as_str().unwrap();
    let colons: String = fp[..10]
        .chars()
        .collect::<Vec<_>>()
        .chunks(2)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(":");
    let (code, text, _) = explain(&p86, &colons.to_uppercase(), "2026-01-01T00:00:00Z", &[]);
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("SHA-256 ").count(), 1);
    assert!(text.contains(fp));
    // TrustCor: server and email dates on the same day.
    let o = run(&[
        "list",
        "-q",
        "--input",
        &p86,
        "--at",
        "2026-01-01T00:00:00Z",
    ]);
    let table = String::from_utf8(o.stdout).unwrap();
    let trustcor: Vec<&str> = table.lines().filter(|l| l.contains("TrustCor")).collect();
    assert_eq!(trustcor.len(), 3);
    assert!(
        trustcor
            .iter()
            .all(|l| l.contains("se 2022-11-30") && l.ends_with("past-distrust-after"))
    );

    // NSS_3_26_RTM: \xNN label escapes decoded; a Distrust-commented trust object.
    let p26 = file(&dir, "NSS_3_26_RTM");
    let v = list_json(&p26, "2026-01-01T00:00:00Z", &[]);
    assert_eq!(by_label(&v, "AC Ra\u{ed}z Certic\u{e1}mara S.A.").len(), 1);
    assert_eq!(v["counts"]["distrust_records"], 9);
    let (_, text, _) = explain(&p26, "ac raíz", "2026-01-01T00:00:00Z", &[]);
    assert!(
        text.contains("\"AC Ra\u{ed}z Certic\u{e1}mara S.A.\""),
        "{text}"
    );
    let (_, text, _) = explain(&p26, "MCSHOLDING", "2026-01-01T00:00:00Z", &[]);
    assert!(
        text.contains("NSS explicitly distrusts it for server-auth"),
        "{text}"
    );
    assert!(
        text.contains("=> Left out (explicitly-distrusted, expired)."),
        "{text}"
    );
    // 38 of its server-trusted roots have expired by the corpus' reference time.
    let v = list_json(&p26, "2026-11-22T23:15:00Z", &[]);
    let expired = v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["trust"]["server-auth"] == "trusted-delegator")
        .filter(|c| {
            c["reasons"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["kind"] == "expired")
        })
        .count();
    assert_eq!(expired, 38);

    // NSS_3_14_RTM and the Netscape-spelled NSS_3_12_4_RTM: levels in kebab case.
    let v = list_json(&file(&dir, "NSS_3_14_RTM"), "2026-01-01T00:00:00Z", &[]);
    assert_eq!(v["counts"]["certificates"], 178);
    assert_eq!(v["counts"]["distrust_records"], 2);
    let v = list_json(
        &file(&dir, "NSS_3_12_4_RTM"),
        "2026-01-01T00:00:00Z",
        &["--include-expired"],
    );
    let td = v["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["trust"]["server-auth"] == "trusted-delegator")
        .count();
    assert!(td > 100, "{td}");
    assert_eq!(v["policy"]["include_expired"], true);
}

#[test]
fn table_fits_and_aligns_and_json_is_stable() {
    let o = run(&["list", "-q", "--at", "2026-01-03T00:00:00Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    let header = lines
        .iter()
        .position(|l| l.starts_with("SHA-256  "))
        .unwrap();
    let col = |name: &str| lines[header].find(name).unwrap();
    let rows: Vec<&str> = lines[header + 1..]
        .iter()
        .take_while(|l| !l.is_empty())
        .copied()
        .collect();
    assert_eq!(rows.len(), 176);
    for r in &rows {
        // Every column starts where its heading does (labels are cut to fit).
        let chars: Vec<char> = r.chars().collect();
        let at = |i: usize| {
            chars
                .get(i.saturating_sub(2)..i)
                .map(|s| s.iter().collect::<String>())
        };
        for name in ["LABEL", "NOT-AFTER", "SRV", "IN"] {
            let i = lines[header][..col(name)].chars().count();
            assert_eq!(at(i).as_deref(), Some("  "), "{name} in {r}");
        }
        assert!(chars.len() <= 125, "{r}");
    }
    assert!(lines.iter().all(|l| l.chars().count() <= 125));
    assert!(table.contains("Reference time: 2026-01-03T00:00:00Z (from --at)"));
    assert!(
        rows.iter()
            .any(|r| r.contains("AffirmTrust Commercial") && r.ends_with("past-distrust-after"))
    );

    // A narrower terminal (COLUMNS, else the terminal's own width): labels
    // and then reasons are cut so that every row fits (from about 85 columns up).
    for width in [90usize, 100, 120] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_nssroots"))
            .args(["list", "-q", "--at", "2026-01-03T00:00:00Z"])
            .env("COLUMNS", width.to_string())
            .output()
            .unwrap();
        let narrow = String::from_utf8(o.stdout).unwrap();
        let lines: Vec<&str> = narrow.lines().collect();
        let header = lines
            .iter()
            .position(|l| l.starts_with("SHA-256  "))
            .unwrap();
        let rows: Vec<&str> = lines[header..]
            .iter()
            .take_while(|l| !l.is_empty())
            .copied()
            .collect();
        assert_eq!(rows.len(), 177);
        assert!(
            rows.iter().all(|r| r.chars().count() <= width),
            "{width}: {narrow}"
        );
        assert!(rows.iter().any(|r| r.contains('…')));
    }

    // JSON: the same bytes each run; SOURCE_DATE_EPOCH is used and named.
    let a = run(&[
        "list",
        "-q",
        "--at",
        "2026-01-03T00:00:00Z",
        "--format",
        "json",
    ]);
    let b = run(&[
        "list",
        "-q",
        "--at",
        "2026-01-03T00:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(a.stdout, b.stdout);
    let sde = std::process::Command::new(env!("CARGO_BIN_EXE_nssroots"))
        .args(["list", "-q", "--format", "json"])
        .env("SOURCE_DATE_EPOCH", "1767398400")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&sde.stdout).unwrap();
    assert_eq!(v["policy"]["reference_time"], "2026-01-03T00:00:00Z");
    assert_eq!(v["policy"]["reference_time_source"], "SOURCE_DATE_EPOCH");
    assert_eq!(v["input"]["sha256"], nssroots::snapshot::SHA256);
    let from_at: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert!(
        from_at["certificates"] == v["certificates"],
        "the same decisions for the same reference time through either source"
    );
}

#[test]
fn explain_errors_and_synthetic_cases() {
    let (a, b) = (ca(), ca());
    let old = ca_valid("2000-01-01T00:00:00Z", "2020-01-01T00:00:00Z");
    let old_trusted = ca_valid("2000-01-01T00:00:00Z", "2020-01-01T00:00:00Z");
    let f = Certdata::new()
        .with(Entry::new(&a).label("Alpha Root"))
        .with(Entry::new(&b).label("Beta Root").no_trust())
        .with(
            Entry::new(&old)
                .label("Old Distrusted")
                .level(Purpose::ServerAuth, TrustLevel::NotTrusted),
        )
        .with(Entry::new(&old_trusted).label("Old Trusted"))
        .build();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.txt"), &f.bytes).unwrap();
    let ex = |q: &str| {
        let o = run_in(
            dir.path(),
            &[
                "explain",
                q,
                "--input",
                "c.txt",
                "--at",
                "2025-06-01T00:00:00Z",
            ],
            None,
        );
        (
            o.status.code().unwrap(),
            String::from_utf8(o.stdout.clone()).unwrap(),
            stderr(&o),
        )
    };
    let (code, text, _) = ex("beta");
    assert_eq!(code, 0);
    assert!(
        text.contains("no trust object") && text.contains("=> Left out (no-trust-record)."),
        "{text}"
    );
    let (code, text, _) = ex(&a.sha256);
    assert_eq!(code, 0);
    assert!(
        text.contains("SELECTED") && text.contains("=> Selected: it qualifies for server-auth."),
        "{text}"
    );
    // --include-expired is offered only where it would change the decision.
    let (code, text, _) = ex("Old Distrusted");
    assert_eq!(code, 0);
    assert!(text.contains("expired as well"), "{text}");
    assert!(!text.contains("--include-expired would keep it"), "{text}");
    let (_, text, _) = ex("Old Trusted");
    assert!(text.contains("--include-expired would keep it"), "{text}");
    // A hex query too short to be a fingerprint prefix says so.
    let short = &a.sha256[..7];
    let (code, _, err) = ex(short);
    assert_eq!(code, 2);
    assert!(err.contains("needs at least 8 hex digits"), "{err}");
    let (code, _, _) = ex(&a.sha256[..8]);
    assert_eq!(code, 0);
    let (code, out, err) = ex("Gamma");
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.contains("no certificate in c.txt has a SHA-256 fingerprint starting with, or a label containing, \"Gamma\""), "{err}");
    assert!(err.contains("nssroots list"));
    // A list of a standard-input file.
    let o = run_in(
        Path::new("."),
        &["list", "--input", "-", "--at", "2025-06-01T00:00:00Z"],
        Some(&f.bytes),
    );
    assert_eq!(o.status.code(), Some(0));
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(t.starts_with("standard input\nSHA-256: "), "{t}");
    assert!(t.contains("4 certificates, 1 selected"), "{t}");
}
