//! Conformance with the reference outputs in ../shared/certdata/reference:
//! the plain trust rule, curl's mk-ca-bundle.pl and (through the server list)
//! Debian's certdata2pem.py.

use std::collections::BTreeSet;

use nssroots::{DistrustAfterMode, Policy, Purpose, ReferenceTime, Store};

use crate::support::{reference_set, run, selected, shared_certdata, shared_files, stderr};

/// "AddTrust Qualified Certificates Root" in NSS_3_12_4_RTM: its certificate
/// object's CKA_SERIAL_NUMBER holds the bare serial octet `\001` instead of the
/// DER INTEGER `\002\001\001` its trust object (TRUSTED_DELEGATOR for server and
/// email) states. The reference lists pair the raw attribute bytes and so miss
/// it; NSS looks trust up by the DER serial of the certificate, which finds the
/// trust object, and so does nssroots (with a warning).
const ADDTRUST_QUALIFIED: &str = "8095210805db4bbc355e4428d8fd6ec2cde3ab5fb97a9942988eb8f4dcd06016";

fn policy(purpose: Purpose, at: &str, include_expired: bool) -> Policy {
    let mut p = Policy::new(ReferenceTime::parse_rfc3339(at).unwrap());
    p.purposes = vec![purpose];
    p.include_expired = include_expired;
    p.distrust_after = DistrustAfterMode::Keep;
    p
}

#[test]
fn trust_rule_lists_match_every_release() {
    let Some(dir) = shared_certdata() else { return };
    let files = shared_files(&dir);
    assert!(
        files.len() >= 9,
        "expected the whole corpus, found {files:?}"
    );
    for (tag, path) in files {
        let bytes = std::fs::read(&path).unwrap();
        let store = Store::from_bytes(&bytes, &tag).unwrap_or_else(|e| panic!("{tag}: {e}"));
        for (purpose, list) in [
            (Purpose::ServerAuth, "server-td"),
            (Purpose::EmailProtection, "email-td"),
        ] {
            let want = reference_set(&dir, &format!("{tag}.{list}.sha256.txt"))
                .unwrap_or_else(|| panic!("{tag}: no {list} list"));
            let mut got = selected(&policy(purpose, "2026-11-22T23:15:00Z", true), &store);
            if tag == "NSS_3_12_4_RTM" {
                assert!(
                    got.remove(ADDTRUST_QUALIFIED),
                    "{tag}: AddTrust Qualified must be trusted for {purpose}"
                );
            }
            assert_eq!(got, want, "{tag} {purpose}");
        }
    }
}

#[test]
fn debian_lists_equal_the_server_trust_rule() {
    let Some(dir) = shared_certdata() else { return };
    let mut checked = 0;
    for (tag, path) in shared_files(&dir) {
        let Some(debian) = reference_set(&dir, &format!("{tag}.debian.sha256.txt")) else {
            continue;
        };
        let store = Store::from_bytes(&std::fs::read(&path).unwrap(), &tag).unwrap();
        let got = selected(
            &policy(Purpose::ServerAuth, "2026-11-22T23:15:00Z", true),
            &store,
        );
        assert_eq!(got, debian, "{tag}");
        checked += 1;
    }
    assert_eq!(checked, 8);
}

/// Go's x509roots/nss: the server-auth trusted-delegator set without the
/// roots with CKA_NSS_MOZILLA_CA_POLICY false and without the one root Go's
/// parser leaves out by name ("TUBITAK Kamu SM SSL Kok Sertifikasi - Surum
/// 1"), per ../shared/certdata/README.md. So nssroots' set (include-expired,
/// keep) is Go's plus exactly those.
#[test]
fn go_lists_are_the_server_trust_rule_minus_gos_exclusions() {
    let Some(dir) = shared_certdata() else { return };
    let mut checked = 0;
    let mut tubitak_seen = 0;
    for (tag, path) in shared_files(&dir) {
        let Some(go) = reference_set(&dir, &format!("{tag}.go-nss.sha256.txt")) else {
            continue;
        };
        let store = Store::from_bytes(&std::fs::read(&path).unwrap(), &tag).unwrap();
        let got = selected(
            &policy(Purpose::ServerAuth, "2026-11-22T23:15:00Z", true),
            &store,
        );
        let excluded: BTreeSet<String> = store
            .certificates
            .iter()
            .filter(|c| {
                c.mozilla_ca_policy == Some(false)
                    || c.label == "TUBITAK Kamu SM SSL Kok Sertifikasi - Surum 1"
            })
            .map(|c| c.sha256_hex())
            .collect();
        tubitak_seen += store
            .certificates
            .iter()
            .filter(|c| c.label.starts_with("TUBITAK Kamu SM SSL") && got.contains(&c.sha256_hex()))
            .count();
        let expected: BTreeSet<String> = got.difference(&excluded).cloned().collect();
        assert_eq!(expected, go, "{tag}");
        checked += 1;
    }
    assert_eq!(checked, 8);
    assert!(
        tubitak_seen >= 6,
        "the TUBITAK root makes the difference in most files"
    );
}

/// mk-ca-bundle.pl's rule: trusted-delegator for the purpose, not expired at
/// its run time (2026-11-22 23:15 UTC), distrust-after ignored.
///
/// NSS_3_14_RTM differs: mk-ca-bundle reads expiry from the `# Not Valid
/// After :` comment, and only 9 of that file's 178 certificate blocks have one
/// (full coverage came with NSS 3.15.4), so it silently drops every root
/// without the comment. nssroots reads notAfter from the DER, so its set is a
/// strict superset there: mk-ca-bundle's set plus unexpired roots it missed.
/// NSS_3_26_RTM has no list (mk-ca-bundle aborted on the "AC Raiz Certicamara"
/// label/comment mismatch) and NSS_3_12_4_RTM none (it reads nothing).
#[test]
fn mk_ca_bundle_lists_match_where_they_exist() {
    let Some(dir) = shared_certdata() else { return };
    let mut compared = 0;
    for (tag, path) in shared_files(&dir) {
        let store = Store::from_bytes(&std::fs::read(&path).unwrap(), &tag).unwrap();
        for (purpose, list) in [
            (Purpose::ServerAuth, "mk-ca-bundle"),
            (Purpose::EmailProtection, "mk-ca-bundle.email"),
        ] {
            let Some(want) = reference_set(&dir, &format!("{tag}.{list}.sha256.txt")) else {
                continue;
            };
            let got = selected(&policy(purpose, "2026-11-22T23:15:00Z", false), &store);
            if tag == "NSS_3_14_RTM" {
                assert!(
                    want.is_subset(&got),
                    "{tag} {purpose}: mk-ca-bundle kept a root nssroots drops"
                );
                assert!(
                    got.len() > want.len() * 5,
                    "{tag} {purpose}: {} vs {}",
                    got.len(),
                    want.len()
                );
                // Everything extra is unexpired and trusted: it is exactly the trust rule minus expired roots.
                let all = selected(&policy(purpose, "2026-11-22T23:15:00Z", true), &store);
                let expired: BTreeSet<String> = store
                    .certificates
                    .iter()
                    .filter(|c| c.not_after < 1_795_389_300)
                    .map(|c| c.sha256_hex())
                    .collect();
                assert_eq!(got, all.difference(&expired).cloned().collect());
            } else {
                assert_eq!(got, want, "{tag} {purpose}");
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 14);
}

/// The quirks the corpus README lists, checked on the model.
#[test]
fn corpus_quirks() {
    let Some(dir) = shared_certdata() else { return };
    let load = |tag: &str| {
        let bytes = std::fs::read(dir.join(format!("{tag}.certdata.txt"))).unwrap();
        Store::from_bytes(&bytes, tag).unwrap()
    };
    let find = |s: &Store, label: &str| -> Vec<nssroots::Certificate> {
        s.certificates
            .iter()
            .filter(|c| c.label == label)
            .cloned()
            .collect()
    };

    // Izenpe.com: distrust-after only in its trust object (certificate object says CK_FALSE).
    let s123 = load("NSS_3_123_RTM");
    let izenpe = find(&s123, "Izenpe.com").pop().expect("Izenpe.com");
    assert_eq!(izenpe.distrust_after.server, None);
    let date = izenpe
        .trust
        .as_ref()
        .unwrap()
        .distrust_after
        .server
        .expect("trust-object date");
    assert_eq!(nssroots::select::format_time(date), "2026-04-15T23:59:59Z");
    assert_eq!(izenpe.distrust_after(Purpose::ServerAuth), Some(date));
    // Entrust G4: no distrust-after attributes at all.
    let g4 = find(&s123, "Entrust Root Certification Authority - G4")
        .pop()
        .expect("G4");
    assert_eq!(g4.distrust_after(Purpose::ServerAuth), None);
    assert_eq!(s123.certificates.len(), 167);

    // NSS_3_107_RTM: Entrust server distrust-after 2024-11-30 23:59:59 on 8 roots.
    let s107 = load("NSS_3_107_RTM");
    let entrust = s107
        .certificates
        .iter()
        .filter(|c| c.distrust_after(Purpose::ServerAuth) == Some(1_733_011_199))
        .count();
    assert_eq!(entrust, 8);

    // NSS_3_53_RTM: 7 trust-only distrust records; EC-ACC's negative serial accepted.
    let s53 = load("NSS_3_53_RTM");
    assert_eq!(s53.distrust.len(), 7);
    assert_eq!(s53.certificates.len(), 152);
    let ecacc = find(&s53, "EC-ACC").pop().expect("EC-ACC");
    assert!(
        ecacc.serial_number[0] & 0x80 != 0,
        "EC-ACC serial is negative"
    );

    // NSS_3_86_RTM: two certificates share one label.
    let s86 = load("NSS_3_86_RTM");
    assert_eq!(
        find(
            &s86,
            "Autoridad de Certificacion Firmaprofesional CIF A62634068"
        )
        .len(),
        2
    );

    // NSS_3_26_RTM: \xNN escapes decode (even \x42 for 'B'); 9 trust-only records.
    let s26 = load("NSS_3_26_RTM");
    assert_eq!(find(&s26, "AC Ra\u{ed}z Certic\u{e1}mara S.A.").len(), 1);
    assert_eq!(find(&s26, "StartCom Certification Authority").len(), 2);
    assert_eq!(s26.distrust.len(), 9);
    assert!(
        s26.certificates
            .iter()
            .any(|c| c.label.starts_with("T\u{dc}B\u{130}TAK UEKAE"))
    );

    // NSS_3_14_RTM: the CVS_ID header; 2 trust-only records.
    let s14 = load("NSS_3_14_RTM");
    assert_eq!(s14.distrust.len(), 2);
    assert_eq!(s14.certificates.len(), 178);

    // NSS_3_12_4_RTM: Netscape spelling throughout.
    let s124 = load("NSS_3_12_4_RTM");
    // The corpus README's table says 141, counting the header comment's sample
    // `CKA_CLASS CK_OBJECT_CLASS CKO_CERTIFICATE` line; the file has 140 objects.
    assert_eq!(s124.certificates.len(), 140);
    assert_eq!(
        s124.certificates
            .iter()
            .filter(|c| c.trust.is_some())
            .count(),
        140
    );
    assert!(
        s124.certificates
            .iter()
            .filter_map(|c| c.trust.as_ref())
            .all(|t| t.spelling == nssroots::model::Spelling::Netscape)
    );
    assert!(
        s124.warnings
            .iter()
            .any(|w| w.message.contains("AddTrust Qualified Certificates Root"))
    );
}

/// The default policy (grace) at the corpus' reference time removes roots whose
/// server distrust-after plus 398 days has passed, and keeps the others.
#[test]
fn grace_rule_on_real_dates() {
    let Some(dir) = shared_certdata() else { return };
    let bytes = std::fs::read(dir.join("NSS_3_111_RTM.certdata.txt")).unwrap();
    let store = Store::from_bytes(&bytes, "NSS_3_111_RTM").unwrap();
    let at = |t: &str, mode| {
        let mut p = Policy::new(ReferenceTime::parse_rfc3339(t).unwrap());
        p.distrust_after = mode;
        selected(&p, &store)
    };
    // Entrust: 2024-11-30T23:59:59Z + 398 days = 2026-01-02T23:59:59Z.
    let before = at("2026-01-02T23:59:59Z", DistrustAfterMode::Grace);
    let after = at("2026-01-03T00:00:00Z", DistrustAfterMode::Grace);
    let gone: Vec<_> = before.difference(&after).collect();
    let entrust: BTreeSet<String> = store
        .certificates
        .iter()
        .filter(|c| c.distrust_after(Purpose::ServerAuth) == Some(1_733_011_199))
        .filter(|c| {
            c.trust_level(Purpose::ServerAuth) == Some(nssroots::TrustLevel::TrustedDelegator)
        })
        .filter(|c| c.not_after > 1_767_398_400)
        .map(|c| c.sha256_hex())
        .collect();
    assert!(!entrust.is_empty());
    assert_eq!(gone.into_iter().cloned().collect::<BTreeSet<_>>(), entrust);
    // exclude drops them right after the date; keep never does.
    let excl = at("2024-12-01T00:00:00Z", DistrustAfterMode::Exclude);
    assert!(entrust.iter().all(|e| !excl.contains(e)));
    let keep = at("2026-01-03T00:00:00Z", DistrustAfterMode::Keep);
    assert!(entrust.iter().all(|e| keep.contains(e)));
}

/// Asked for two purposes, GLOBALTRUST 2020 (NSS 3.111) is past its
/// server-auth date plus grace but still within its email date: it is
/// selected for email, and the header says its server-auth trust was cut
/// off (a PEM bundle cannot hold a root for one purpose only).
#[test]
fn header_names_a_root_cut_off_for_one_asked_purpose() {
    let Some(dir) = shared_certdata() else { return };
    let input = dir.join("NSS_3_111_RTM.certdata.txt");
    let args = |purposes: &[&'static str]| {
        let mut a = vec!["bundle", "-q", "--at", "2025-12-01T00:00:00Z"];
        for p in purposes {
            a.extend(["--purpose", p]);
        }
        a
    };
    let path = input.to_str().unwrap();
    let mut both = args(&["server-auth", "email-protection"]);
    both.extend(["--input", path]);
    let o = run(&both);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains(
            "## Selected, though past a distrust-after date for another asked purpose:\n\
             ##   GLOBALTRUST 2020: server-auth distrust-after 2024-06-30T00:00:00Z, \
             cut off since 2025-08-02T00:00:00Z; selected for email-protection\n"
        ),
        "{text}"
    );
    // Asked for server-auth alone, it is left out, and said so.
    let mut server = args(&["server-auth"]);
    server.extend(["--input", path]);
    let text = String::from_utf8(run(&server).stdout).unwrap();
    assert!(!text.contains("another asked purpose"));
    assert!(text.contains(
        "##   GLOBALTRUST 2020: server-auth distrust-after 2024-06-30T00:00:00Z, left out since 2025-08-02T00:00:00Z\n"
    ));
}
