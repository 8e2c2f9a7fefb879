//! `bundle --format`: every format is reproducible, directory outputs are
//! swapped in whole and checked with --check, and the file formats carry
//! what they promise (checked in real clients in `clients.rs`).

use std::path::Path;

use crate::support::{run_in, shared_certdata, stderr};

const AT: &str = "2025-04-19T00:00:00Z";

fn bundle(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["bundle", "--at", AT];
    args.extend_from_slice(extra);
    run_in(dir, &args, None)
}

fn ok(o: &std::process::Output) {
    assert_eq!(o.status.code(), Some(0), "{}", stderr(o));
}

/// Every file of a directory: name, bytes (or link target).
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let content = if p.is_symlink() {
                std::fs::read_link(&p)
                    .unwrap()
                    .display()
                    .to_string()
                    .into_bytes()
            } else {
                std::fs::read(&p).unwrap()
            };
            (name, content)
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_format_is_reproducible() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for format in nssroots::encode::formats::Format::NAMES {
        for dir in [a.path(), b.path()] {
            ok(&bundle(dir, &["-q", "--format", format, "-o", format]));
        }
        let (pa, pb) = (a.path().join(format), b.path().join(format));
        if pa.is_dir() {
            assert_eq!(tree(&pa), tree(&pb), "{format}");
        } else {
            assert_eq!(
                std::fs::read(&pa).unwrap(),
                std::fs::read(&pb).unwrap(),
                "{format}"
            );
        }
    }
}

#[test]
fn directories_are_replaced_whole_and_checked() {
    let d = tempfile::tempdir().unwrap();
    ok(&bundle(
        d.path(),
        &["-q", "--format", "pem-dir", "-o", "certs"],
    ));
    let certs = d.path().join("certs");
    let first = tree(&certs);
    assert_eq!(first.len(), 151, "150 certificates and README.nssroots");
    assert!(first.iter().any(|(n, _)| n == "ISRG_Root_X1.pem"));
    // --check: up to date, then a stray file makes it differ.
    ok(&bundle(
        d.path(),
        &["-q", "--format", "pem-dir", "-o", "certs", "--check"],
    ));
    std::fs::write(certs.join("stray.pem"), b"x").unwrap();
    let o = bundle(
        d.path(),
        &["-q", "--format", "pem-dir", "-o", "certs", "--check"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    // Writing again replaces the directory: the stray file is gone.
    ok(&bundle(
        d.path(),
        &["-q", "--format", "pem-dir", "-o", "certs"],
    ));
    assert_eq!(tree(&certs), first);
    // Another format into the same directory: only its files remain.
    ok(&bundle(
        d.path(),
        &["-q", "--format", "der-dir", "-o", "certs"],
    ));
    assert!(
        tree(&certs)
            .iter()
            .all(|(n, _)| n.ends_with(".der") || n == "README.nssroots")
    );
    // Nothing is left beside it.
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    // A directory format needs -o DIR; a failing run leaves the old directory.
    let o = bundle(d.path(), &["--format", "openssl-dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o DIR"), "{}", stderr(&o));
    let o = bundle(
        d.path(),
        &[
            "--format",
            "pem-dir",
            "-o",
            "certs",
            "--purpose",
            "ipsec-user",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "empty selection");
    assert!(
        tree(&certs)
            .iter()
            .all(|(n, _)| n.ends_with(".der") || n == "README.nssroots")
    );
}

#[test]
fn json_manifest_has_the_list_fields_and_the_pem() {
    let d = tempfile::tempdir().unwrap();
    ok(&bundle(
        d.path(),
        &["-q", "--format", "json", "-o", "m.json"],
    ));
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("m.json")).unwrap()).unwrap();
    assert_eq!(v["count"], 150);
    assert_eq!(v["input"]["sha256"], nssroots::snapshot::SHA256);
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 150);
    for c in certs {
        assert_eq!(c["selected"], true);
        for key in [
            "sha256",
            "label",
            "subject",
            "issuer",
            "serial",
            "not_before",
            "not_after",
            "trust",
            "distrust_after",
        ] {
            assert!(!c[key].is_null(), "{key} in {c}");
        }
        let pem = pem::parse(c["pem"].as_str().unwrap()).unwrap();
        use sha2::Digest;
        assert_eq!(
            nssroots::model::to_hex(&sha2::Sha256::digest(pem.contents())),
            c["sha256"].as_str().unwrap()
        );
    }
}

#[test]
fn openssl_trusted_blocks_carry_purposes_and_alias() {
    let d = tempfile::tempdir().unwrap();
    ok(&bundle(
        d.path(),
        &["-q", "--format", "openssl-trusted", "-o", "t.pem"],
    ));
    let text = std::fs::read_to_string(d.path().join("t.pem")).unwrap();
    assert_eq!(
        text.matches("-----BEGIN TRUSTED CERTIFICATE-----").count(),
        150
    );
    assert!(!text.contains("-----BEGIN CERTIFICATE-----"));
    assert_eq!(text.matches("# OpenSSL trust: server-auth\n").count(), 150);
    // The block is the certificate followed by the auxiliary trust: the
    // label as UTF8String alias at its end.
    let blocks = pem::parse_many(text.as_bytes()).unwrap();
    assert!(
        blocks[0]
            .contents()
            .ends_with(b"\x0c\x12GlobalSign Root CA")
    );
}

#[test]
fn p11kit_objects_keep_trust_and_distrust_after() {
    let d = tempfile::tempdir().unwrap();
    ok(&bundle(
        d.path(),
        &["-q", "--format", "p11-kit", "-o", "t.p11-kit"],
    ));
    let text = std::fs::read_to_string(d.path().join("t.p11-kit")).unwrap();
    assert_eq!(text.matches("\ntrusted: true\n").count(), 150);
    assert!(
        text.contains("\nx-distrusted: true\n"),
        "NSS distrusts some certificates outright"
    );
    // An EKU extension for every trusted root.
    assert_eq!(text.matches("object-id: 2.5.29.37\n").count(), 150);
    // Entrust roots: distrust-after 2024-11-30T23:59:59Z, as UTCTime.
    assert!(text.contains("nss-server-distrust-after: \"241130235959Z\"\n"));
    assert_eq!(
        text.matches("[p11-kit-object-v1]").count(),
        text.matches("modifiable: false").count()
    );
    // In NSS 3.123 Izenpe.com's date is in the trust object.
    let Some(shared) = shared_certdata() else {
        return;
    };
    let input = shared.join("NSS_3_123_RTM.certdata.txt");
    let o = run_in(
        d.path(),
        &[
            "-q",
            "bundle",
            "--input",
            input.to_str().unwrap(),
            "--at",
            "2026-11-22T23:15:00Z",
            "--format",
            "p11-kit",
            "-o",
            "new.p11-kit",
        ],
        None,
    );
    ok(&o);
    let text = std::fs::read_to_string(d.path().join("new.p11-kit")).unwrap();
    let izenpe = text.split("\n# Izenpe.com\n").nth(1).unwrap();
    let object = izenpe.split("-----BEGIN").next().unwrap();
    assert!(
        object.contains("nss-server-distrust-after: \"260415235959Z\""),
        "{object}"
    );
}

/// p11-kit blocks a trust-only record that distrusts for any purpose (a
/// blocklist entry cannot be per purpose), and not one that distrusts
/// nothing ("must verify" only).
#[test]
fn p11kit_blocks_only_records_that_distrust() {
    use crate::synth::{Certdata, Entry, ca};
    use nssroots::{Purpose, TrustLevel};
    let (a, partly, not_at_all) = (ca(), ca(), ca());
    let mut none = Entry::distrust_record(&not_at_all).label("Distrust: nothing");
    for p in [
        Purpose::ServerAuth,
        Purpose::EmailProtection,
        Purpose::CodeSigning,
    ] {
        none = none.level(p, TrustLevel::MustVerifyTrust);
    }
    let certdata = Certdata::new()
        .with(Entry::new(&a))
        .with(
            Entry::distrust_record(&partly)
                .label("Distrust: servers only")
                .level(Purpose::EmailProtection, TrustLevel::MustVerifyTrust)
                .level(Purpose::CodeSigning, TrustLevel::MustVerifyTrust),
        )
        .with(none)
        .build();
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("c.txt"), &certdata.bytes).unwrap();
    let o = run_in(
        d.path(),
        &[
            "-q",
            "bundle",
            "--input",
            "c.txt",
            "--format",
            "p11-kit",
            "--at",
            "2026-01-01T00:00:00Z",
        ],
        None,
    );
    ok(&o);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("# Distrust: servers only (distrust record)"),
        "{text}"
    );
    assert!(!text.contains("Distrust: nothing"), "{text}");
}
