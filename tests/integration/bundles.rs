//! The committed bundles/ are exactly what nssroots generates (webpki-roots style).

use std::path::Path;

use nssroots::source::Source;
use nssroots::{BundleOptions, Policy, Purpose, ReferenceTime};
use sha2::{Digest, Sha256};

/// The pinned reference time of bundles/ (the snapshot's date).
const PINNED: &str = "2025-04-19T00:00:00Z";

fn generate(purpose: Purpose) -> String {
    let mut policy = Policy::new(ReferenceTime::parse_rfc3339(PINNED).unwrap());
    policy.purposes = vec![purpose];
    nssroots::bundle(&Source::Snapshot, &policy, &BundleOptions::default())
        .unwrap()
        .pem
}

#[test]
fn committed_bundles_are_reproducible() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles");
    let mut sums = String::new();
    for (file, purpose) in [
        ("ca-bundle.pem", Purpose::ServerAuth),
        ("email-ca-bundle.pem", Purpose::EmailProtection),
    ] {
        let fresh = generate(purpose);
        let committed = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(
            committed == fresh,
            "bundles/{file} differs from what nssroots generates now; run `make bundles` and review the diff"
        );
        sums.push_str(&format!(
            "{}  {file}\n",
            nssroots::model::to_hex(&Sha256::digest(fresh.as_bytes()))
        ));
    }
    let committed_sums = std::fs::read_to_string(dir.join("SHA256SUMS")).unwrap();
    assert_eq!(
        committed_sums, sums,
        "bundles/SHA256SUMS is stale; run `make bundles`"
    );
}

#[test]
fn pinned_bundle_content() {
    let pem = generate(Purpose::ServerAuth);
    // NSS 3.110 data: 150 server-auth trusted-delegator roots (NSS 3.111 took server trust from 7 of them, leaving 143), none expired on 2025-04-19.
    assert!(pem.contains("## Certificates: 150\n"), "{}", &pem[..1500]);
    assert!(pem.contains(
        "## Input SHA-256: 620fd89c02acb0019f1899dab7907db5d20735904f5a9a0d3a8771a5857ac482\n"
    ));
    assert!(pem.contains("## Reference time: 2025-04-19T00:00:00Z (from --at)\n"));
    // Entrust roots: server distrust-after 2024-11-30T23:59:59Z, still within grace.
    assert!(pem.contains(
        "server-auth distrust-after 2024-11-30T23:59:59Z, kept until 2026-01-02T23:59:59Z"
    ));
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 150);
    assert!(!pem.contains('\r'));
    assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with('#')));
}
