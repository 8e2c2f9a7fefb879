//! Behaviour on synthetic certdata.txt files made by [`crate::synth`]: trust
//! levels, purposes, spellings, distrust records, hashes, distrust-after dates,
//! expiry, duplicates and conflicts, line endings, labels, and the CLI's exit codes.

use std::collections::BTreeSet;
use std::path::Path;

use nssroots::model::{HashAlgorithm, Spelling};
use nssroots::select::format_time;
use nssroots::{
    BundleOptions, DistrustAfterMode, Error, Policy, Purpose, Reason, ReferenceTime, Store,
    TrustLevel, bundle_store,
};

use crate::support::{pem_set, run_in, selected, stderr};
use crate::synth::{Ca, Certdata, Entry, Fixture, Place, ca, ca_valid, trust_token, unix};

const DAY: i64 = 86_400;
/// A reference time well inside every default certificate's validity.
const AT: &str = "2025-06-01T00:00:00Z";

fn store(f: &Fixture) -> Store {
    Store::from_bytes(&f.bytes, "certdata.txt").unwrap_or_else(|e| panic!("{e}\n{}", f.text()))
}

fn model_err(f: &Fixture) -> Error {
    match Store::from_bytes(&f.bytes, "certdata.txt") {
        Ok(_) => panic!("expected an error for\n{}", f.text()),
        Err(e) => e,
    }
}

/// The default policy at Unix time `t` (through the RFC 3339 parser, as `--at` does).
fn policy_at(t: i64) -> Policy {
    Policy::new(ReferenceTime::parse_rfc3339(&format_time(t)).expect("RFC 3339"))
}

fn policy() -> Policy {
    policy_at(unix(AT))
}

fn set<'a>(cas: impl IntoIterator<Item = &'a Ca>) -> BTreeSet<String> {
    cas.into_iter().map(|c| c.sha256.clone()).collect()
}

/// Writes `f` as `certdata.txt` in a new temporary directory.
fn write_fixture(f: &Fixture) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("certdata.txt"), &f.bytes).expect("write fixture");
    dir
}

/// Runs `nssroots bundle --input certdata.txt --at AT -q` plus `args` in `dir`;
/// returns the exit code and standard output.
fn bundle_cli(dir: &Path, args: &[&str]) -> (i32, Vec<u8>, String) {
    let mut all = vec!["bundle", "--input", "certdata.txt", "--at", AT, "-q"];
    all.extend_from_slice(args);
    let out = run_in(dir, &all, None);
    (
        out.status.code().expect("exit code"),
        out.stdout.clone(),
        stderr(&out),
    )
}

#[test]
fn generated_file_is_real_certdata_syntax() {
    let a = ca();
    let f = Certdata::new().with(Entry::new(&a)).build();
    let text = f.text();
    assert!(text.starts_with("#\n# This Source Code Form"));
    assert!(text.contains("\nBEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_NSS_BUILTIN_ROOT_LIST\n"));
    // MULTILINE_OCTAL bodies hold at most 16 escapes per line.
    assert!(
        text.lines()
            .filter(|l| l.starts_with('\\'))
            .all(|l| l.len() <= 16 * 4)
    );
    assert!(
        text.lines()
            .any(|l| l.len() == 16 * 4 && l.starts_with('\\'))
    );
    let s = store(&f);
    assert_eq!(s.certificates.len(), 1);
    let c = &s.certificates[0];
    assert_eq!(c.label, a.common_name);
    assert_eq!(c.der, a.der);
    assert_eq!(c.sha256_hex(), a.sha256);
    assert_eq!(c.issuer_der, a.subject, "self-signed");
    assert_eq!(c.serial_number, a.serial_content);
    assert_eq!(a.serial[0], 0x02);
    assert!(c.subject.contains(&a.common_name), "{}", c.subject);
    assert_eq!(c.line, f.lines[0].certificate.unwrap());
    assert_eq!(c.mozilla_ca_policy, Some(true));
    let t = c.trust.as_ref().expect("paired trust");
    assert_eq!(t.line, f.lines[0].trust.unwrap());
    assert_eq!(t.spelling, Spelling::Nss);
    assert_eq!(t.hashes.len(), 2);
    assert_eq!(
        c.trust_level(Purpose::ServerAuth),
        Some(TrustLevel::TrustedDelegator)
    );
    assert_eq!(
        c.trust_level(Purpose::EmailProtection),
        Some(TrustLevel::MustVerifyTrust)
    );
    assert_eq!(
        c.trust_level(Purpose::CodeSigning),
        Some(TrustLevel::MustVerifyTrust)
    );
    assert_eq!(c.trust_level(Purpose::ClientAuth), None);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert!(s.distrust.is_empty());
}

#[test]
fn each_trust_level_is_selected_exactly_when_asked() {
    let cas: Vec<(TrustLevel, Ca)> = TrustLevel::ALL.iter().map(|&l| (l, ca())).collect();
    let mut data = Certdata::new();
    for (level, a) in &cas {
        data = data.with(Entry::new(a).level(Purpose::ServerAuth, *level));
    }
    let f = data.build();
    let s = store(&f);
    let mut p = policy();
    for (level, a) in &cas {
        let cert = s
            .certificates
            .iter()
            .find(|c| c.sha256_hex() == a.sha256)
            .unwrap();
        assert_eq!(cert.trust_level(Purpose::ServerAuth), Some(*level));
        p.levels = vec![*level];
        assert_eq!(selected(&p, &s), set([a]), "--level {level}");
        // Every other certificate is rejected for that very reason.
        for (other, b) in cas.iter().filter(|(l, _)| l != level) {
            let c = s
                .certificates
                .iter()
                .find(|c| c.sha256_hex() == b.sha256)
                .unwrap();
            assert_eq!(
                p.decide(c).reasons,
                vec![Reason::NotTrustedFor {
                    purpose: Purpose::ServerAuth,
                    level: Some(*other)
                }]
            );
        }
    }
    p.levels = TrustLevel::ALL.to_vec();
    assert_eq!(selected(&p, &s), set(cas.iter().map(|(_, a)| a)));

    let dir = write_fixture(&f);
    let (code, pem, err) = bundle_cli(dir.path(), &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        pem_set(&pem),
        set([&cas[0].1]),
        "the default level is trusted-delegator"
    );
    for (level, a) in &cas {
        let (code, pem, err) = bundle_cli(dir.path(), &["--level", level.name()]);
        assert_eq!(code, 0, "--level {level}: {err}");
        assert_eq!(pem_set(&pem), set([a]), "--level {level}");
    }
    let (code, pem, err) = bundle_cli(
        dir.path(),
        &["--level", "trusted", "--level", "not-trusted"],
    );
    assert_eq!(code, 0, "{err}");
    let want: Vec<&Ca> = cas
        .iter()
        .filter(|(l, _)| matches!(l, TrustLevel::Trusted | TrustLevel::NotTrusted))
        .map(|(_, a)| a)
        .collect();
    assert_eq!(pem_set(&pem), set(want));
}

#[test]
fn any_asked_purpose_suffices() {
    use Purpose::*;
    use TrustLevel::*;
    let (server, email, code, unstated) = (ca(), ca(), ca(), ca());
    let f = Certdata::new()
        .with(Entry::new(&server))
        .with(
            Entry::new(&email)
                .level(ServerAuth, MustVerifyTrust)
                .level(EmailProtection, TrustedDelegator),
        )
        .with(
            Entry::new(&code)
                .level(ServerAuth, NotTrusted)
                .level(CodeSigning, TrustedDelegator),
        )
        .with(
            Entry::new(&unstated)
                .without_level(ServerAuth)
                .level(ClientAuth, TrustedDelegator),
        )
        .build();
    let s = store(&f);
    let mut p = policy();
    assert_eq!(
        p.purposes,
        vec![ServerAuth],
        "server-auth is the default purpose"
    );
    assert_eq!(selected(&p, &s), set([&server]));
    for (purposes, want) in [
        (vec![EmailProtection], set([&email])),
        (vec![CodeSigning], set([&code])),
        (vec![ClientAuth], set([&unstated])),
        (vec![ServerAuth, CodeSigning], set([&server, &code])),
        (
            vec![EmailProtection, CodeSigning, ServerAuth],
            set([&server, &email, &code]),
        ),
        (vec![TimeStamping], BTreeSet::new()),
    ] {
        p.purposes = purposes.clone();
        assert_eq!(selected(&p, &s), want, "{purposes:?}");
    }
    // The qualifying purposes are reported, and an unstated level says so.
    p.purposes = vec![ServerAuth, CodeSigning];
    let sel = p.select(&s);
    let (_, d) = sel
        .selected
        .iter()
        .find(|(c, _)| c.sha256_hex() == code.sha256)
        .unwrap();
    assert_eq!(d.purposes, vec![CodeSigning]);
    let (_, d) = sel
        .rejected
        .iter()
        .find(|(c, _)| c.sha256_hex() == unstated.sha256)
        .unwrap();
    assert_eq!(
        d.reasons,
        vec![
            Reason::NotTrustedFor {
                purpose: ServerAuth,
                level: None
            },
            Reason::NotTrustedFor {
                purpose: CodeSigning,
                level: Some(MustVerifyTrust)
            },
        ]
    );

    let dir = write_fixture(&f);
    let (rc, pem, err) = bundle_cli(
        dir.path(),
        &["--purpose", "email-protection", "--purpose", "code-signing"],
    );
    assert_eq!(rc, 0, "{err}");
    assert_eq!(pem_set(&pem), set([&email, &code]));
    let (rc, pem, err) = bundle_cli(dir.path(), &["--purpose", "code-signing"]);
    assert_eq!(rc, 0, "{err}");
    assert_eq!(pem_set(&pem), set([&code]));
}

#[test]
fn three_spellings_give_one_model() {
    use Purpose::*;
    use TrustLevel::*;
    let (a, b, c, gone) = (ca(), ca(), ca(), ca());
    let date = unix("2024-11-30T23:59:59Z");
    let build = |spelling: Spelling| {
        Certdata::new()
            .with(Entry::new(&a).spelling(spelling))
            .with(
                Entry::new(&b)
                    .spelling(spelling)
                    .level(ServerAuth, Trusted)
                    .level(EmailProtection, TrustedDelegator)
                    .level(CodeSigning, TrustUnknown)
                    .distrust_after(EmailProtection, date, Place::Trust),
            )
            .with(
                Entry::new(&c)
                    .spelling(spelling)
                    .level(ServerAuth, NotTrusted)
                    .level(EmailProtection, NotTrusted),
            )
            .with(Entry::distrust_record(&gone).spelling(spelling))
            .build()
    };
    let stores: Vec<(Spelling, Fixture, Store)> =
        [Spelling::Nss, Spelling::Netscape, Spelling::Pkcs11v32]
            .into_iter()
            .map(|sp| {
                let f = build(sp);
                let s = store(&f);
                (sp, f, s)
            })
            .collect();
    for (sp, f, s) in &stores {
        for level in [
            TrustedDelegator,
            Trusted,
            MustVerifyTrust,
            NotTrusted,
            TrustUnknown,
        ] {
            assert!(
                f.text()
                    .contains(&format!(" CK_TRUST {}\n", trust_token(*sp, level))),
                "{sp:?} {level}"
            );
        }
        assert!(
            s.certificates
                .iter()
                .all(|c| c.trust.as_ref().unwrap().spelling == *sp)
        );
        assert_eq!(s.distrust.len(), 1);
        assert_eq!(s.distrust[0].spelling, *sp);
        assert!(s.warnings.is_empty(), "{sp:?}: {:?}", s.warnings);
    }
    let (_, _, reference) = &stores[0];
    let summary = |s: &Store| {
        let certs: Vec<_> = s
            .certificates
            .iter()
            .map(|c| {
                let levels: Vec<_> = c.trust.as_ref().unwrap().levels().collect();
                (
                    c.sha256_hex(),
                    c.label.clone(),
                    levels,
                    c.distrust_after(EmailProtection),
                    c.distrust_after(ServerAuth),
                )
            })
            .collect();
        let distrust: Vec<_> = s
            .distrust
            .iter()
            .map(|d| {
                (
                    d.issuer.clone(),
                    d.serial.clone(),
                    d.levels().collect::<Vec<_>>(),
                )
            })
            .collect();
        (certs, distrust)
    };
    assert_eq!(summary(reference).0.len(), 3);
    assert_eq!(
        reference.certificates[1].distrust_after(EmailProtection),
        Some(date)
    );
    let policies: Vec<Policy> = [
        (vec![ServerAuth], vec![TrustedDelegator]),
        (vec![ServerAuth], vec![Trusted, NotTrusted]),
        (vec![EmailProtection], vec![TrustedDelegator]),
        (vec![CodeSigning], vec![TrustUnknown, MustVerifyTrust]),
    ]
    .into_iter()
    .map(|(purposes, levels)| Policy {
        purposes,
        levels,
        ..policy()
    })
    .chain([Policy {
        purposes: vec![EmailProtection],
        distrust_after: DistrustAfterMode::Exclude,
        ..policy()
    }])
    .collect();
    for (sp, _, s) in &stores[1..] {
        assert_eq!(summary(s), summary(reference), "{sp:?}");
        for p in &policies {
            let got: Vec<_> = p
                .select(s)
                .selected
                .into_iter()
                .map(|(c, d)| (c.sha256_hex(), d))
                .collect();
            let want: Vec<_> = p
                .select(reference)
                .selected
                .into_iter()
                .map(|(c, d)| (c.sha256_hex(), d))
                .collect();
            assert_eq!(got, want, "{sp:?} {p:?}");
        }
    }
    assert_eq!(
        selected(&policies[2], reference),
        set([&b]),
        "within the email grace"
    );
    assert_eq!(
        selected(&policies[4], reference),
        BTreeSet::new(),
        "email distrust-after passed"
    );
    assert_eq!(selected(&policies[0], reference), set([&a]));
    assert_eq!(selected(&policies[1], reference), set([&b, &c]));
    assert_eq!(selected(&policies[3], reference), set([&a, &b, &c]));
}

#[test]
fn distrust_records_are_kept_apart_and_never_selected() {
    let (kept, gone) = (ca(), ca());
    let f = Certdata::new()
        .with(Entry::new(&kept))
        .with(Entry::distrust_record(&gone))
        .build();
    let s = store(&f);
    assert_eq!(s.certificates.len(), 1);
    assert_eq!(s.distrust.len(), 1);
    let d = &s.distrust[0];
    assert_eq!(d.issuer, gone.issuer);
    assert_eq!(d.serial, gone.serial_content);
    assert_eq!(d.line, f.lines[1].trust.unwrap());
    assert!(d.hashes.is_empty());
    assert_eq!(d.level(Purpose::ServerAuth), Some(TrustLevel::NotTrusted));
    let mut p = policy();
    p.purposes = Purpose::ALL.to_vec();
    p.levels = TrustLevel::ALL.to_vec();
    p.include_expired = true;
    p.distrust_after = DistrustAfterMode::Keep;
    assert_eq!(selected(&p, &s), set([&kept]));
    let b = bundle_store(&s, "test", &p, &BundleOptions::default()).unwrap();
    assert_eq!((b.count, b.total), (1, 1));
    assert!(!pem_set(b.pem.as_bytes()).contains(&gone.sha256));
}

#[test]
fn trust_only_object_that_trusts_is_an_error() {
    let gone = ca();
    let f = Certdata::new()
        .with(
            Entry::distrust_record(&gone)
                .level(Purpose::EmailProtection, TrustLevel::TrustedDelegator),
        )
        .build();
    let e = model_err(&f);
    let line = f.lines[0].trust.unwrap();
    assert!(
        matches!(e, Error::Object { line: l, .. } if l == line),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("certdata.txt:{line}: ")), "{msg}");
    assert!(
        msg.contains("gives trusted-delegator trust for email-protection"),
        "{msg}"
    );
    assert!(msg.contains(&gone.common_name), "{msg}");
}

#[test]
fn certificate_without_trust_record_is_never_selected() {
    let (lonely, other) = (ca(), ca());
    let f = Certdata::new()
        .with(Entry::new(&lonely).no_trust())
        .with(Entry::new(&other))
        .build();
    let s = store(&f);
    let c = s
        .certificates
        .iter()
        .find(|c| c.sha256_hex() == lonely.sha256)
        .unwrap();
    assert!(c.trust.is_none());
    assert!(s.distrust.is_empty());
    let mut p = policy();
    p.purposes = Purpose::ALL.to_vec();
    p.levels = TrustLevel::ALL.to_vec();
    p.include_expired = true;
    p.distrust_after = DistrustAfterMode::Keep;
    let d = p.decide(c);
    assert!(!d.selected);
    assert_eq!(d.reasons, vec![Reason::NoTrustRecord]);
    assert_eq!(d.reasons[0].keyword(), "no-trust-record");
    assert_eq!(selected(&p, &s), set([&other]));
}

#[test]
fn hash_mismatches_name_both_objects() {
    for (spelling, alg) in [
        (Spelling::Nss, HashAlgorithm::Sha1),
        (Spelling::Nss, HashAlgorithm::Md5),
        (Spelling::Netscape, HashAlgorithm::Sha1),
        (Spelling::Netscape, HashAlgorithm::Md5),
        (Spelling::Pkcs11v32, HashAlgorithm::Sha256),
    ] {
        let (first, bad) = (ca(), ca());
        let entry = Entry::new(&bad)
            .spelling(spelling)
            .label("Cert Label")
            .trust_label("Trust Label");
        let good = Certdata::new()
            .with(Entry::new(&first))
            .with(entry.clone())
            .build();
        assert_eq!(
            store(&good).certificates.len(),
            2,
            "{spelling:?} {alg:?} uncorrupted"
        );
        let f = Certdata::new()
            .with(Entry::new(&first))
            .with(entry.corrupt(alg))
            .build();
        let (cert_line, trust_line) = (f.lines[1].certificate.unwrap(), f.lines[1].trust.unwrap());
        let e = model_err(&f);
        let Error::HashMismatch(m) = &e else {
            panic!("{spelling:?} {alg:?}: expected a hash mismatch, got {e:?}");
        };
        assert_eq!(
            (m.trust_line, m.cert_line),
            (trust_line, cert_line),
            "{spelling:?} {alg:?}"
        );
        assert_eq!(
            (m.trust_label.as_str(), m.cert_label.as_str()),
            ("Trust Label", "Cert Label")
        );
        assert_eq!(m.algorithm, alg.name());
        assert_eq!(m.computed, nssroots::model::to_hex(&alg.digest(&bad.der)));
        assert_ne!(m.stated, m.computed);
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "certdata.txt:{trust_line}: trust object \"Trust Label\""
            )),
            "{msg}"
        );
        assert!(
            msg.contains(&format!(
                "certificate object \"Cert Label\" at line {cert_line}"
            )),
            "{msg}"
        );
        assert!(msg.contains(alg.name()), "{msg}");
    }
}

#[test]
fn hashes_are_optional_and_each_is_checked() {
    let (none, sha1_only, md5_only) = (ca(), ca(), ca());
    let f = Certdata::new()
        .with(Entry::new(&none).no_hashes())
        .with(Entry::new(&sha1_only).hashes(true, false))
        .with(Entry::new(&md5_only).hashes(false, true))
        .with(Entry::new(&ca()).spelling(Spelling::Pkcs11v32).no_hashes())
        .build();
    let s = store(&f);
    let algs: Vec<Vec<HashAlgorithm>> = s
        .certificates
        .iter()
        .map(|c| {
            c.trust
                .as_ref()
                .unwrap()
                .hashes
                .iter()
                .map(|(a, _)| *a)
                .collect()
        })
        .collect();
    assert_eq!(
        algs,
        vec![
            vec![],
            vec![HashAlgorithm::Sha1],
            vec![HashAlgorithm::Md5],
            vec![]
        ]
    );
    // A wrong MD5 is caught even when SHA-1 is absent.
    let f = Certdata::new()
        .with(
            Entry::new(&md5_only)
                .hashes(false, true)
                .corrupt(HashAlgorithm::Md5),
        )
        .build();
    assert!(matches!(
        model_err(&f),
        Error::HashMismatch(m) if m.algorithm == "MD5"
    ));
}

/// One certificate trusted for server-auth and email-protection with the given dates.
fn dated_fixture(server: Option<(i64, Place)>, email: Option<(i64, Place)>) -> (Ca, Store) {
    let a = ca();
    let mut e = Entry::new(&a).level(Purpose::EmailProtection, TrustLevel::TrustedDelegator);
    if let Some((d, place)) = server {
        e = e.distrust_after(Purpose::ServerAuth, d, place);
    }
    if let Some((d, place)) = email {
        e = e.distrust_after(Purpose::EmailProtection, d, place);
    }
    let s = store(&Certdata::new().with(e).build());
    (a, s)
}

#[test]
fn distrust_after_grace_boundaries_in_either_object() {
    let date = unix("2024-11-30T23:59:59Z");
    for place in [Place::Certificate, Place::Trust] {
        let (_, s) = dated_fixture(Some((date, place)), Some((date, place)));
        let c = &s.certificates[0];
        assert_eq!(
            c.distrust_after(Purpose::ServerAuth),
            Some(date),
            "{place:?}"
        );
        let in_cert = place == Place::Certificate;
        assert_eq!(c.distrust_after.server.is_some(), in_cert);
        assert_eq!(
            c.trust.as_ref().unwrap().distrust_after.server.is_some(),
            !in_cert
        );

        // server-auth: 398 days of grace.
        let cutoff = date + 398 * DAY;
        let p = policy_at(cutoff);
        let d = p.decide(c);
        assert!(d.selected, "{place:?} at the cutoff: {d:?}");
        assert_eq!(d.dated.len(), 1);
        assert_eq!(d.dated[0].cutoff, Some(cutoff));
        let d = policy_at(cutoff + 1).decide(c);
        assert!(!d.selected, "{place:?} a second past the cutoff");
        assert_eq!(
            d.reasons,
            vec![Reason::DistrustAfterPassed {
                purpose: Purpose::ServerAuth,
                date,
                cutoff
            }]
        );
        assert_eq!(d.reasons[0].keyword(), "past-distrust-after");

        // email-protection: 825 days.
        let cutoff = date + 825 * DAY;
        let email = |t: i64| Policy {
            purposes: vec![Purpose::EmailProtection],
            ..policy_at(t)
        };
        assert!(email(cutoff).decide(c).selected, "{place:?}");
        assert_eq!(
            email(cutoff + 1).decide(c).reasons,
            vec![Reason::DistrustAfterPassed {
                purpose: Purpose::EmailProtection,
                date,
                cutoff
            }]
        );
        // Between the two cutoffs, asking for both purposes keeps it for email only.
        let both = Policy {
            purposes: vec![Purpose::ServerAuth, Purpose::EmailProtection],
            ..policy_at(cutoff)
        };
        let d = both.decide(c);
        assert!(d.selected);
        assert_eq!(d.purposes, vec![Purpose::EmailProtection]);

        // --grace-days overrides both.
        for purpose in [Purpose::ServerAuth, Purpose::EmailProtection] {
            let at = |t: i64| Policy {
                purposes: vec![purpose],
                grace_days: Some(10),
                ..policy_at(t)
            };
            assert!(
                at(date + 10 * DAY).decide(c).selected,
                "{place:?} {purpose}"
            );
            assert!(
                !at(date + 10 * DAY + 1).decide(c).selected,
                "{place:?} {purpose}"
            );
        }
    }
}

#[test]
fn distrust_after_exclude_and_keep() {
    let date = unix("2024-11-30T23:59:59Z");
    for place in [Place::Certificate, Place::Trust] {
        let (a, s) = dated_fixture(Some((date, place)), None);
        let exclude = |t: i64| Policy {
            distrust_after: DistrustAfterMode::Exclude,
            ..policy_at(t)
        };
        assert_eq!(
            selected(&exclude(date), &s),
            set([&a]),
            "{place:?} exactly at the date"
        );
        let d = exclude(date + 1).decide(&s.certificates[0]);
        assert_eq!(
            d.reasons,
            vec![Reason::DistrustAfterPassed {
                purpose: Purpose::ServerAuth,
                date,
                cutoff: date
            }]
        );
        let keep = Policy {
            distrust_after: DistrustAfterMode::Keep,
            ..policy_at(date + 3650 * DAY)
        };
        let d = keep.decide(&s.certificates[0]);
        assert!(d.selected, "{place:?}");
        assert_eq!(d.dated.len(), 1);
        assert_eq!(d.dated[0].cutoff, None);
        // The date binds server-auth only; email-protection is unaffected.
        let email = Policy {
            purposes: vec![Purpose::EmailProtection],
            ..exclude(date + 3650 * DAY)
        };
        assert_eq!(selected(&email, &s), set([&a]));
    }
}

#[test]
fn the_earlier_of_two_dates_counts() {
    let (early, late) = (unix("2023-01-01T00:00:00Z"), unix("2024-01-01T00:00:00Z"));
    for (cert, trust) in [(early, late), (late, early)] {
        let (_, s) = dated_fixture(Some((cert, Place::Certificate)), None);
        assert_eq!(
            s.certificates[0].distrust_after(Purpose::ServerAuth),
            Some(cert)
        );
        let a = ca();
        let f = Certdata::new()
            .with(
                Entry::new(&a)
                    .distrust_after(Purpose::ServerAuth, cert, Place::Certificate)
                    .distrust_after(Purpose::ServerAuth, trust, Place::Trust),
            )
            .build();
        let s = store(&f);
        assert_eq!(
            s.certificates[0].distrust_after(Purpose::ServerAuth),
            Some(early)
        );
        let p = Policy {
            distrust_after: DistrustAfterMode::Exclude,
            ..policy_at(early + 1)
        };
        assert!(!p.decide(&s.certificates[0]).selected);
    }
}

#[test]
fn expired_certificates_are_left_out_unless_asked() {
    let (old, fresh) = (
        ca_valid("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
        ca(),
    );
    let f = Certdata::new()
        .with(Entry::new(&old))
        .with(Entry::new(&fresh))
        .build();
    let s = store(&f);
    let not_after = unix("2030-01-01T00:00:00Z");
    let c = s
        .certificates
        .iter()
        .find(|c| c.sha256_hex() == old.sha256)
        .unwrap();
    assert_eq!(
        (c.not_before, c.not_after),
        (unix("2020-01-01T00:00:00Z"), not_after)
    );
    assert_eq!(
        selected(&policy_at(not_after), &s),
        set([&old, &fresh]),
        "valid through its notAfter second"
    );
    let p = policy_at(not_after + 1);
    assert_eq!(selected(&p, &s), set([&fresh]));
    assert_eq!(p.decide(c).reasons, vec![Reason::Expired { not_after }]);
    let keep = Policy {
        include_expired: true,
        ..p
    };
    assert_eq!(selected(&keep, &s), set([&old, &fresh]));

    let dir = write_fixture(&f);
    let at = format_time(not_after + 1);
    let out = run_in(
        dir.path(),
        &["bundle", "--input", "certdata.txt", "--at", &at, "-q"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(pem_set(&out.stdout), set([&fresh]));
    let out = run_in(
        dir.path(),
        &[
            "bundle",
            "--input",
            "certdata.txt",
            "--at",
            &at,
            "--include-expired",
            "-q",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(pem_set(&out.stdout), set([&old, &fresh]));
}

#[test]
fn duplicate_certificate_is_kept_once_with_a_warning() {
    let a = ca();
    let f = Certdata::new().with(Entry::new(&a).duplicated()).build();
    let s = store(&f);
    assert_eq!(s.certificates.len(), 1);
    let (first, dup) = (
        f.lines[0].certificate.unwrap(),
        f.lines[0].duplicate.unwrap(),
    );
    assert_eq!(s.certificates[0].line, first);
    assert!(s.certificates[0].trust.is_some());
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!(s.warnings[0].line, dup);
    assert!(
        s.warnings[0]
            .message
            .contains(&format!("repeats the certificate at line {first}")),
        "{:?}",
        s.warnings
    );
    let b = bundle_store(&s, "test", &policy(), &BundleOptions::default()).unwrap();
    assert_eq!((b.count, b.total, b.warnings.len()), (1, 1, 1));
    assert_eq!(b.pem.matches("-----BEGIN CERTIFICATE-----").count(), 1);
}

#[test]
fn duplicate_certificate_with_different_policy_is_a_conflict() {
    let a = ca();
    let f = Certdata::new().with(Entry::new(&a).duplicated()).build();
    let dup = f.lines[0].duplicate.unwrap();
    // Turn the repeat's CKA_NSS_MOZILLA_CA_POLICY to CK_FALSE.
    let mut lines: Vec<String> = f.text().lines().map(str::to_owned).collect();
    let policy = (dup - 1..lines.len())
        .find(|&i| lines[i].starts_with("CKA_NSS_MOZILLA_CA_POLICY"))
        .unwrap();
    lines[policy] = "CKA_NSS_MOZILLA_CA_POLICY CK_BBOOL CK_FALSE".into();
    let text = lines.join("\n") + "\n";
    let e = Store::from_bytes(text.as_bytes(), "certdata.txt").unwrap_err();
    let first = f.lines[0].certificate.unwrap();
    assert!(
        matches!(e, Error::Conflict { line, other_line, .. } if line == dup && other_line == first),
        "{e}"
    );
    assert!(e.to_string().contains("CKA_NSS_MOZILLA_CA_POLICY"), "{e}");
}

#[test]
fn second_trust_object_repeats_or_conflicts() {
    let a = ca();
    let same = Certdata::new()
        .with(Entry::new(&a).second_trust(Purpose::ServerAuth, TrustLevel::TrustedDelegator))
        .build();
    let s = store(&same);
    assert_eq!(
        s.certificates[0].trust.as_ref().unwrap().line,
        same.lines[0].trust.unwrap()
    );
    assert_eq!(s.warnings.len(), 1);
    assert_eq!(s.warnings[0].line, same.lines[0].second_trust.unwrap());

    let f = Certdata::new()
        .with(Entry::new(&a).second_trust(Purpose::ServerAuth, TrustLevel::NotTrusted))
        .build();
    let (first, second) = (f.lines[0].trust.unwrap(), f.lines[0].second_trust.unwrap());
    match model_err(&f) {
        Error::Conflict {
            line,
            other_line,
            message,
            ..
        } => {
            assert_eq!((line, other_line), (second, first));
            assert!(message.contains(&a.common_name), "{message}");
        }
        e => panic!("expected a conflict, got {e:?}"),
    }
}

#[test]
fn crlf_file_gives_the_same_store() {
    let date = unix("2024-11-30T23:59:59Z");
    let (a, b, gone) = (ca(), ca(), ca());
    let data = Certdata::new()
        .with(Entry::new(&a).distrust_after(Purpose::ServerAuth, date, Place::Certificate))
        .with(
            Entry::new(&b)
                .spelling(Spelling::Pkcs11v32)
                .level(Purpose::EmailProtection, TrustLevel::Trusted),
        )
        .with(Entry::distrust_record(&gone));
    let (lf, crlf) = (data.clone().build(), data.crlf().build());
    assert!(crlf.text().contains("\r\nBEGINDATA\r\n"));
    assert!(!lf.text().contains('\r'));
    assert_eq!(
        crlf.bytes.len(),
        lf.bytes.len() + lf.text().matches('\n').count()
    );
    let (s1, s2) = (store(&lf), store(&crlf));
    assert_eq!(s1.certificates, s2.certificates);
    assert_eq!(s1.distrust, s2.distrust);
    assert_eq!(s1.warnings, s2.warnings);
    assert_eq!(s1.certificates.len(), 2);
    assert_ne!(s1.input_sha256, s2.input_sha256);
}

#[test]
fn escaped_label_equals_raw_utf8_label() {
    let a = ca();
    let label = "AC Raíz Certificación \"Ω\" \\ 2";
    let raw = Certdata::new().with(Entry::new(&a).label(label)).build();
    let escaped = Certdata::new()
        .with(Entry::new(&a).label(label).escaped_label())
        .build();
    assert!(
        escaped
            .text()
            .contains(r#"CKA_LABEL UTF8 "AC Ra\xC3\xADz Certificaci\xC3\xB3n \"\xCE\xA9\" \\ 2""#)
    );
    assert!(raw.text().contains("CKA_LABEL UTF8 \"AC Raíz"));
    let (s1, s2) = (store(&raw), store(&escaped));
    assert_eq!(s1.certificates[0].label, label);
    assert_eq!(s2.certificates[0].label, label);
    assert_eq!(s2.certificates[0].trust.as_ref().unwrap().label, label);
    assert_eq!(s1.certificates, s2.certificates);
}

#[test]
fn cli_check_and_exit_codes() {
    let (server, email) = (ca(), ca());
    let good = Certdata::new()
        .with(Entry::new(&server))
        .with(
            Entry::new(&email)
                .level(Purpose::ServerAuth, TrustLevel::MustVerifyTrust)
                .level(Purpose::EmailProtection, TrustLevel::TrustedDelegator),
        )
        .build();
    let dir = write_fixture(&good);
    let d = dir.path();
    let pem_path = d.join("ca.pem");

    let (rc, stdout, err) = bundle_cli(d, &["-o", "ca.pem"]);
    assert_eq!(rc, 0, "{err}");
    assert!(stdout.is_empty());
    let written = std::fs::read(&pem_path).expect("bundle written");
    assert_eq!(pem_set(&written), set([&server]));
    assert!(
        String::from_utf8_lossy(&written)
            .contains(&format!("## Input SHA-256: {}", sha256_hex(&good.bytes)))
    );

    let (rc, _, err) = bundle_cli(d, &["-o", "ca.pem", "--check"]);
    assert_eq!(rc, 0, "{err}");
    // A changed policy: --check reports the difference and writes nothing.
    let (rc, _, msg) = bundle_cli(
        d,
        &["-o", "ca.pem", "--check", "--purpose", "email-protection"],
    );
    assert_eq!(rc, 1, "{msg}");
    assert!(
        msg.contains("1 certificates would be added, 1 removed"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("+ {}", email.sha256))
            && msg.contains(&format!("- {}", server.sha256)),
        "{msg}"
    );
    assert_eq!(std::fs::read(&pem_path).unwrap(), written);

    // A broken input: exit 2 and the previous bundle stays byte for byte.
    let broken = Certdata::new()
        .with(Entry::new(&server).corrupt(HashAlgorithm::Sha1))
        .build();
    std::fs::write(d.join("certdata.txt"), &broken.bytes).unwrap();
    let (rc, _, msg) = bundle_cli(d, &["-o", "ca.pem"]);
    assert_eq!(rc, 2);
    assert!(
        msg.contains("error: certdata.txt:") && msg.contains("SHA-1"),
        "{msg}"
    );
    assert_eq!(std::fs::read(&pem_path).unwrap(), written);
    let (rc, _, _) = bundle_cli(d, &["-o", "ca.pem", "--check"]);
    assert_eq!(
        rc, 2,
        "--check on a broken input is an error, not a difference"
    );

    // An empty selection: exit 2 unless --allow-empty.
    std::fs::write(d.join("certdata.txt"), &good.bytes).unwrap();
    let (rc, _, err) = bundle_cli(d, &["-o", "ca.pem", "--level", "valid-delegator"]);
    assert_eq!(rc, 2);
    assert!(err.contains("refusing to write an empty bundle"), "{err}");
    assert_eq!(std::fs::read(&pem_path).unwrap(), written);
    let (rc, _, err) = bundle_cli(
        d,
        &[
            "-o",
            "ca.pem",
            "--level",
            "valid-delegator",
            "--allow-empty",
        ],
    );
    assert_eq!(rc, 0, "{err}");
    let empty = std::fs::read_to_string(&pem_path).unwrap();
    assert!(empty.contains("## Certificates: 0\n"), "{empty}");
    assert!(pem_set(empty.as_bytes()).is_empty());
    // And --check now sees the certificate the default policy would add.
    let (rc, _, err) = bundle_cli(d, &["-o", "ca.pem", "--check"]);
    assert_eq!(rc, 1, "{err}");
}

#[test]
fn library_empty_selection_needs_allow_empty() {
    let a = ca();
    let s = store(
        &Certdata::new()
            .with(Entry::new(&a).level(Purpose::ServerAuth, TrustLevel::MustVerifyTrust))
            .build(),
    );
    match bundle_store(&s, "test", &policy(), &BundleOptions::default()) {
        Err(Error::EmptySelection { total, .. }) => assert_eq!(total, 1),
        other => panic!("expected EmptySelection, got {other:?}"),
    }
    let b = bundle_store(
        &s,
        "test",
        &policy(),
        &BundleOptions {
            allow_empty: true,
            ..BundleOptions::default()
        },
    )
    .unwrap();
    assert_eq!((b.count, b.total), (0, 1));
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    nssroots::model::to_hex(&Sha256::digest(bytes))
}
