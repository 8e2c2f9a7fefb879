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

/// bundles/roots.rs: the server-auth roots as Rust trust anchors.
fn generate_rust() -> String {
    use nssroots::encode::formats::{Encoded, Format, Request, encode};
    let policy = Policy::new(ReferenceTime::parse_rfc3339(PINNED).unwrap());
    let store = Source::Snapshot.load(u64::MAX).unwrap();
    let selection = policy.select(&store);
    let request = Request {
        store: &store,
        selection: &selection,
        policy: &policy,
        origin: &Source::Snapshot.origin(),
        sort: nssroots::SortKey::Source,
        password: None,
    };
    match encode(Format::Rust, &request).unwrap() {
        Encoded::File(bytes) => String::from_utf8(bytes).unwrap(),
        Encoded::Directory(_) => unreachable!(),
    }
}

mod roots {
    use rustls::pki_types as rustls_pki_types;
    include!(concat!(env!("CARGO_MANIFEST_DIR"), "/bundles/roots.rs"));
}

/// Every committed trust anchor is what rustls (webpki) makes of the same
/// certificate, in the order of ca-bundle.pem.
#[test]
fn rust_anchors_are_what_webpki_derives() {
    let pem =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/ca-bundle.pem")).unwrap();
    let ders: Vec<rustls::pki_types::CertificateDer<'static>> = pem::parse_many(&pem)
        .unwrap()
        .into_iter()
        .map(|p| p.into_contents().into())
        .collect();
    let mut store = rustls::RootCertStore::empty();
    for der in ders {
        store.add(der).unwrap();
    }
    assert_eq!(store.roots.len(), 150);
    assert_eq!(roots::ROOTS.len(), store.roots.len());
    for (ours, webpki) in roots::ROOTS.iter().zip(&store.roots) {
        assert_eq!(ours, webpki);
    }
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
    let fresh = generate_rust();
    let committed = std::fs::read_to_string(dir.join("roots.rs")).unwrap();
    assert!(
        committed == fresh,
        "bundles/roots.rs differs from what nssroots generates now; run `make bundles` and review the diff"
    );
    sums.push_str(&format!(
        "{}  roots.rs\n",
        nssroots::model::to_hex(&Sha256::digest(fresh.as_bytes()))
    ));
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

/// A root with name constraints (none of NSS's server roots has any in its
/// DER): the Rust format's parts equal webpki's, name constraints included.
#[test]
fn rust_anchor_name_constraints_match_webpki() {
    use rcgen::{
        BasicConstraints, CertificateParams, GeneralSubtree, IsCa, KeyPair, NameConstraints,
    };
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.name_constraints = Some(NameConstraints {
        permitted_subtrees: vec![GeneralSubtree::DnsName("example.com".into())],
        excluded_subtrees: vec![GeneralSubtree::DnsName("bad.example.com".into())],
    });
    let der = params
        .self_signed(&KeyPair::generate().unwrap())
        .unwrap()
        .der()
        .to_vec();
    let ca = crate::synth::Ca::from_der("Constrained".into(), der.clone());
    let certdata = crate::synth::Certdata::new()
        .with(crate::synth::Entry::new(&ca))
        .build();
    let store = nssroots::Store::from_bytes(&certdata.bytes, "certdata.txt").unwrap();
    let (subject, spki, nc) = nssroots::encode::rust::anchor_parts(&store.certificates[0]).unwrap();
    let mut webpki = rustls::RootCertStore::empty();
    webpki.add(der.into()).unwrap();
    let anchor = &webpki.roots[0];
    assert_eq!(subject, anchor.subject.as_ref());
    assert_eq!(spki, anchor.subject_public_key_info.as_ref());
    assert!(nc.is_some());
    assert_eq!(nc, anchor.name_constraints.as_ref().map(|n| n.as_ref()));
}
