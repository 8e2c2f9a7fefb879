//! `nssroots diff`: real releases from ../shared, synthetic pairs for every
//! kind of change, PEM bundles, output formats and exit codes.

use std::collections::BTreeSet;
use std::path::Path;

use nssroots::diff::{Diff, Input, diff};
use nssroots::model::Spelling;
use nssroots::source::{DEFAULT_MAX_INPUT, Source};
use nssroots::{Policy, Purpose, ReferenceTime, Store, TrustLevel};
use serde_json::Value;

use crate::support::{reference_set, run, run_in, shared_certdata, stderr};
use crate::synth::{Ca, Certdata, Entry, Fixture, Place, ca, ca_valid, unix};

const AT: &str = "2025-06-01T00:00:00Z";

fn policy(at: &str) -> Policy {
    Policy::new(ReferenceTime::parse_rfc3339(at).unwrap())
}

fn load(path: &Path) -> Input {
    Input::load(&Source::File(path.to_owned()), DEFAULT_MAX_INPUT).unwrap()
}

fn store_of(input: &Input) -> &Store {
    match &input.content {
        nssroots::diff::Content::Certdata(s) => s,
        nssroots::diff::Content::Pem(_) => panic!("not certdata"),
    }
}

/// (label, field, old, new) of every change, as strings ("" for none).
fn change_rows(d: &Diff) -> BTreeSet<(String, String, String, String)> {
    d.changed
        .iter()
        .flat_map(|c| {
            c.changes.iter().map(|ch| {
                let (old, new) = pair(ch);
                (
                    c.label.clone(),
                    ch.field.clone(),
                    old.to_owned(),
                    new.to_owned(),
                )
            })
        })
        .collect()
}

const TD_TO_MVT: (&str, &str) = ("trusted-delegator", "must-verify-trust");

/// A change's old and new values as text ("" for none).
fn pair(ch: &nssroots::diff::Change) -> (&str, &str) {
    fn text(v: &Option<nssroots::diff::Value>) -> &str {
        match v {
            Some(nssroots::diff::Value::Text(s)) => s.as_str(),
            Some(nssroots::diff::Value::Flag(true)) => "true",
            Some(nssroots::diff::Value::Flag(false)) => "false",
            None => "",
        }
    }
    (text(&ch.old), text(&ch.new))
}

fn sha_set<T>(v: &[T], sha: impl Fn(&T) -> String) -> BTreeSet<String> {
    v.iter().map(sha).collect()
}

/// What `a` has and `b` has not.
fn only_in(a: &BTreeSet<String>, b: &BTreeSet<String>) -> BTreeSet<String> {
    a.difference(b).cloned().collect()
}

fn labels<T>(v: &[T], label: impl Fn(&T) -> &str) -> Vec<String> {
    v.iter().map(|x| label(x).to_owned()).collect()
}

fn assert_sorted_by_label(d: &Diff) {
    for v in [
        labels(&d.added, |c| &c.label),
        labels(&d.removed, |c| &c.label),
        labels(&d.changed, |c| &c.label),
    ] {
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(v, sorted);
    }
}

#[test]
fn snapshot_to_nss_3_111_withdraws_server_trust_from_seven_roots() {
    let Some(dir) = shared_certdata() else { return };
    let old = Input::load(&Source::Snapshot, DEFAULT_MAX_INPUT).unwrap();
    let new = load(&dir.join("NSS_3_111_RTM.certdata.txt"));
    let d = diff(&old, &new, Some(&policy("2025-05-01T00:00:00Z"))).unwrap();
    assert!(
        d.added.is_empty() && d.removed.is_empty(),
        "nothing added or removed"
    );
    assert_eq!((d.old.certificates, d.new.certificates), (176, 176));
    let server: BTreeSet<&str> = d
        .changes_of_kind("trust")
        .filter(|(_, ch)| ch.field == "trust.server-auth")
        .map(|(c, ch)| {
            assert_eq!(pair(ch), TD_TO_MVT);
            c.label.as_str()
        })
        .collect();
    assert_eq!(
        server,
        BTreeSet::from([
            "Baltimore CyberTrust Root",
            "Comodo AAA Services root",
            "Entrust.net Premium 2048 Secure Server CA",
            "GlobalSign Root CA",
            "Go Daddy Class 2 CA",
            "Starfield Class 2 CA",
            "XRamp Global CA Root",
        ])
    );
    let email: BTreeSet<&str> = d
        .changes_of_kind("trust")
        .filter(|(_, ch)| ch.field == "trust.email-protection")
        .map(|(c, _)| c.label.as_str())
        .collect();
    assert_eq!(
        email,
        BTreeSet::from(["Go Daddy Class 2 CA", "Starfield Class 2 CA"])
    );
    // Nothing else changed.
    assert_eq!(d.changed.len(), 7);
    assert_eq!(change_rows(&d).len(), 9);
    let b = d.bundle.as_ref().unwrap();
    assert!(b.enters.is_empty());
    assert_eq!(labels(&b.leaves, |m| &m.label).len(), 7);
    assert!(
        b.leaves
            .iter()
            .all(|m| m.reasons[0].kind == "not-trusted-for-purpose"
                && m.reasons[0].level == Some(TrustLevel::MustVerifyTrust))
    );
    assert_eq!(b.old_count - b.new_count, 7);
    assert!(d.has_differences());
    assert_sorted_by_label(&d);
}

#[test]
fn nss_3_111_to_3_123_removals_trust_cuts_and_izenpe() {
    let Some(dir) = shared_certdata() else { return };
    let old = load(&dir.join("NSS_3_111_RTM.certdata.txt"));
    let new = load(&dir.join("NSS_3_123_RTM.certdata.txt"));
    let at = "2026-05-01T00:00:00Z";
    let d = diff(&old, &new, Some(&policy(at))).unwrap();
    let (o, n) = (store_of(&old), store_of(&new));

    // Added and removed: exactly the fingerprint set differences.
    let fps = |s: &Store| sha_set(&s.certificates, |c| c.sha256_hex());
    let (of, nf) = (fps(o), fps(n));
    let got = |v: &[nssroots::diff::CertSummary]| sha_set(v, |c| c.sha256.clone());
    assert_eq!(got(&d.removed), only_in(&of, &nf));
    assert_eq!(got(&d.added), only_in(&nf, &of));
    assert_eq!(
        d.old.certificates - d.removed.len() + d.added.len(),
        d.new.certificates
    );
    let removed = labels(&d.removed, |c| &c.label);
    for gone in [
        "Explicitly Distrust DigiNotar Root CA",
        "Baltimore CyberTrust Root",
        "Trustwave Global Certification Authority",
        "CommScope Public Trust RSA Root-01",
    ] {
        assert!(
            removed.iter().any(|l| l == gone),
            "{gone} removed: {removed:?}"
        );
    }

    // Trust cuts: every certificate in both whose level went from
    // trusted-delegator to must-verify-trust, computed here from the models.
    for (purpose, at_least) in [(Purpose::ServerAuth, 11), (Purpose::EmailProtection, 8)] {
        let want: BTreeSet<String> = n
            .certificates
            .iter()
            .filter(|c| {
                o.by_sha256(&c.sha256).is_some_and(|before| {
                    before.trust_level(purpose) == Some(TrustLevel::TrustedDelegator)
                        && c.trust_level(purpose) == Some(TrustLevel::MustVerifyTrust)
                })
            })
            .map(|c| c.label.clone())
            .collect();
        let field = format!("trust.{purpose}");
        let cut: BTreeSet<String> = d
            .changes_of_kind("trust")
            .filter(|(_, ch)| ch.field == field)
            .map(|(c, ch)| {
                assert_eq!(pair(ch), TD_TO_MVT);
                c.label.clone()
            })
            .collect();
        assert_eq!(cut, want, "{purpose}");
        assert!(cut.len() >= at_least, "{purpose}: {}", cut.len());
    }
    assert!(
        d.changes_of_kind("trust")
            .any(|(c, ch)| c.label == "DigiCert Global Root CA" && ch.field == "trust.server-auth")
    );
    assert!(
        d.changes_of_kind("trust")
            .any(|(c, ch)| c.label == "Amazon Root CA 1" && ch.field == "trust.email-protection")
    );

    // Izenpe.com: a server distrust-after date that only its trust object states.
    let izenpe: Vec<_> = d
        .changed
        .iter()
        .filter(|c| c.label == "Izenpe.com")
        .collect();
    assert_eq!(izenpe.len(), 1);
    assert_eq!(
        serde_json::to_value(&izenpe[0].changes).unwrap(),
        serde_json::json!([{"field": "distrust-after.server", "old": null, "new": "2026-04-15T23:59:59Z"}])
    );
    // Entrust G4 has no distrust-after attributes at all, in either release.
    assert!(
        !d.changed
            .iter()
            .any(|c| c.label == "Entrust Root Certification Authority - G4"
                && c.changes.iter().any(|ch| ch.kind() == "distrust-after"))
    );

    // The bundle: what leaves is what was selected from OLD and is not from NEW.
    let b = d.bundle.as_ref().unwrap();
    let p = policy(at);
    let sel = |s: &Store| crate::support::selected(&p, s);
    let (os, ns) = (sel(o), sel(n));
    let moved = |v: &[nssroots::diff::Move]| sha_set(v, |m| m.sha256.clone());
    assert_eq!(moved(&b.leaves), only_in(&os, &ns));
    assert_eq!(moved(&b.enters), only_in(&ns, &os));
    assert!(
        b.leaves
            .iter()
            .any(|m| m.label == "Secure Global CA" && m.reasons[0].kind == "absent")
    );
    assert_sorted_by_label(&d);
}

#[test]
fn cli_json_shape_formats_and_exit_codes() {
    let Some(dir) = shared_certdata() else { return };
    let old = dir.join("NSS_3_111_RTM.certdata.txt");
    let new = dir.join("NSS_3_123_RTM.certdata.txt");
    let (old, new) = (old.to_str().unwrap(), new.to_str().unwrap());
    let as_format = |format: &str| {
        run(&[
            "diff",
            old,
            new,
            "--at",
            "2026-05-01T00:00:00Z",
            "--format",
            format,
        ])
    };
    let o = as_format("json");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let again = as_format("json");
    assert_eq!(o.stdout, again.stdout, "deterministic");
    // Top-level keys in this order (serde_json's Value would sort them).
    let raw = String::from_utf8(o.stdout.clone()).unwrap();
    let at = |k: &str| {
        raw.find(&format!("\n  \"{k}\": "))
            .unwrap_or_else(|| panic!("{k}"))
    };
    let keys = [
        "old",
        "new",
        "added",
        "removed",
        "changed",
        "distrust_records",
        "bundle",
    ];
    assert!(keys.windows(2).all(|w| at(w[0]) < at(w[1])));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v.as_object().unwrap().len(), keys.len());
    assert_eq!(v["old"]["certificates"], 176);
    assert_eq!(v["new"]["certificates"], 167);
    assert_eq!(
        v["new"]["sha256"],
        "77130ef91213772844561fbd3aa31d413b25c2ac7f576fea3bc3bbff7ef93489"
    );
    let changed = v["changed"].as_array().unwrap();
    let digicert = changed
        .iter()
        .find(|c| c["label"] == "DigiCert Global Root CA")
        .unwrap();
    assert_eq!(
        digicert["changes"][0],
        serde_json::json!({"field": "trust.server-auth", "old": "trusted-delegator", "new": "must-verify-trust"})
    );
    assert_eq!(
        v["bundle"]["policy"]["reference_time"],
        "2026-05-01T00:00:00Z"
    );
    assert_eq!(v["bundle"]["policy"]["reference_time_source"], "--at");
    for e in v["bundle"]["enters"].as_array().unwrap() {
        assert!(
            e["sha256"]
                .as_str()
                .unwrap()
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        );
    }

    let md = as_format("markdown");
    assert_eq!(md.status.code(), Some(1));
    let md = String::from_utf8(md.stdout).unwrap();
    for section in [
        "\n## Removed certificates (20)\n",
        "\n## Added certificates (11)\n",
        "\n## Trust changes (",
        "\n## Distrust-after dates (",
        "\n## Effect on the bundle\n",
        "| Izenpe.com | `2530cc8e98321502` | `distrust-after.server` | none | 2026-04-15T23:59:59Z |",
    ] {
        assert!(md.contains(section), "{section}\n{md}");
    }

    let text = String::from_utf8(as_format("text").stdout).unwrap();
    assert!(
        text.contains("Bundle: 135 → 120 certificates at 2026-05-01T00:00:00Z (from --at)"),
        "{text}"
    );
    assert!(text.contains("distrust-after.server: none → 2026-04-15T23:59:59Z (added)"));
    assert!(!text.contains('\u{1b}'), "no colours off a terminal");

    // The same file twice: exit 0.
    let same = run(&["diff", old, old, "--at", "2026-05-01T00:00:00Z"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(
        String::from_utf8(same.stdout)
            .unwrap()
            .contains("No differences (identical files).")
    );
    // OLD from standard input.
    let bytes = std::fs::read(old).unwrap();
    let stdin = run_in(
        Path::new("."),
        &["diff", "-", old, "--format", "json"],
        Some(&bytes),
    );
    assert_eq!(stdin.status.code(), Some(0), "{}", stderr(&stdin));
    let v: Value = serde_json::from_slice(&stdin.stdout).unwrap();
    assert_eq!(v["old"]["input"], "standard input");
    // Errors: exit 2.
    for args in [
        &["diff", "-", "-"][..],
        &["diff", old, "/nonexistent/certdata.txt"],
        &["diff", old],
        &["diff", old, new, "--format", "yaml"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn pem_bundles_give_added_and_removed_only() {
    let Some(dir) = shared_certdata() else { return };
    let r = dir.join("reference");
    let (old, new) = (
        r.join("NSS_3_111_RTM.mk-ca-bundle.pem"),
        r.join("NSS_3_123_RTM.mk-ca-bundle.pem"),
    );
    let o = run(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["old"]["format"], "pem");
    assert!(v["changed"].as_array().unwrap().is_empty());
    assert!(v["bundle"].is_null());
    let want_old = reference_set(&dir, "NSS_3_111_RTM.mk-ca-bundle.sha256.txt").unwrap();
    let want_new = reference_set(&dir, "NSS_3_123_RTM.mk-ca-bundle.sha256.txt").unwrap();
    let got = |k: &str| {
        sha_set(v[k].as_array().unwrap(), |c| {
            c["sha256"].as_str().unwrap().to_owned()
        })
    };
    assert_eq!(got("added"), only_in(&want_new, &want_old));
    assert_eq!(got("removed"), only_in(&want_old, &want_new));
    assert_eq!(v["old"]["certificates"], want_old.len());
    // Labels come from curl's underlined titles.
    let removed: Vec<&str> = v["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert!(removed.contains(&"Secure Global CA"), "{removed:?}");

    // A bundle written by nssroots: labels from its `# Label:` comments; a PEM
    // bundle against a certdata.txt is an error.
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/ca-bundle.pem");
    let email = Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/email-ca-bundle.pem");
    let o = run(&[
        "diff",
        ours.to_str().unwrap(),
        email.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["removed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["label"] == "AC RAIZ FNMT-RCM SERVIDORES SEGUROS")
    );
    let o = run(&["diff", ours.to_str().unwrap(), ours.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let certdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/certdata.txt");
    let o = run(&["diff", ours.to_str().unwrap(), certdata.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("compare two certdata.txt files or two PEM bundles"),
        "{}",
        stderr(&o)
    );
}

// --- synthetic pairs ---------------------------------------------------------

fn synth_diff(old: &Fixture, new: &Fixture, at: &str) -> Diff {
    let o = Input::from_bytes(&old.bytes, "old", "old").unwrap();
    let n = Input::from_bytes(&new.bytes, "new", "new").unwrap();
    diff(&o, &n, Some(&policy(at))).unwrap()
}

fn row(label: &Ca, field: &str, old: &str, new: &str) -> (String, String, String, String) {
    (
        label.common_name.clone(),
        field.into(),
        old.into(),
        new.into(),
    )
}

#[test]
fn synthetic_trust_level_changes_for_every_kind() {
    let (a, b, c, d) = (ca(), ca(), ca(), ca());
    let old = Certdata::new()
        .with(Entry::new(&a))
        .with(Entry::new(&b).level(Purpose::EmailProtection, TrustLevel::TrustedDelegator))
        .with(Entry::new(&c))
        .with(Entry::new(&d).no_trust())
        .build();
    let new = Certdata::new()
        .with(Entry::new(&a).level(Purpose::ServerAuth, TrustLevel::MustVerifyTrust))
        .with(
            Entry::new(&b)
                .level(Purpose::EmailProtection, TrustLevel::NotTrusted)
                .without_level(Purpose::CodeSigning)
                .level(Purpose::ClientAuth, TrustLevel::Trusted),
        )
        .with(Entry::new(&c))
        .with(Entry::new(&d))
        .build();
    let diff = synth_diff(&old, &new, AT);
    let mut want = BTreeSet::from([
        row(
            &a,
            "trust.server-auth",
            "trusted-delegator",
            "must-verify-trust",
        ),
        row(&b, "trust.client-auth", "", "trusted"),
        row(
            &b,
            "trust.email-protection",
            "trusted-delegator",
            "not-trusted",
        ),
        row(&b, "trust.code-signing", "must-verify-trust", ""),
    ]);
    // d gains a trust record: every stated level appears.
    for (p, l) in [
        ("server-auth", "trusted-delegator"),
        ("email-protection", "must-verify-trust"),
        ("code-signing", "must-verify-trust"),
    ] {
        want.insert(row(&d, &format!("trust.{p}"), "", l));
    }
    assert_eq!(change_rows(&diff), want);
    assert!(diff.added.is_empty() && diff.removed.is_empty());
    let b_changes: Vec<&str> = diff
        .changed
        .iter()
        .find(|x| x.label == b.common_name)
        .unwrap()
        .changes
        .iter()
        .map(|c| c.field.as_str())
        .collect();
    assert_eq!(
        b_changes,
        [
            "trust.client-auth",
            "trust.email-protection",
            "trust.code-signing"
        ],
        "purpose order"
    );
    let bundle = diff.bundle.as_ref().unwrap();
    assert_eq!(
        labels(&bundle.leaves, |m| &m.label),
        [a.common_name.as_str()]
    );
    assert_eq!(
        labels(&bundle.enters, |m| &m.label),
        [d.common_name.as_str()]
    );
    assert_eq!(bundle.enters[0].reasons[0].kind, "no-trust-record");
}

#[test]
fn synthetic_spellings_are_one_level() {
    // The same trust in three spellings: no change at all.
    let (a, b) = (ca(), ca());
    let entry = |ca: &Ca, s: Spelling| {
        Entry::new(ca)
            .spelling(s)
            .level(Purpose::EmailProtection, TrustLevel::NotTrusted)
            .ca_policy(None)
    };
    let netscape = Certdata::new()
        .with(entry(&a, Spelling::Netscape))
        .with(entry(&b, Spelling::Netscape))
        .build();
    let nss = Certdata::new()
        .with(entry(&a, Spelling::Nss))
        .with(entry(&b, Spelling::Nss))
        .build();
    let pkcs = Certdata::new()
        .with(entry(&a, Spelling::Pkcs11v32))
        .with(entry(&b, Spelling::Pkcs11v32))
        .build();
    assert!(netscape.text().contains("CKT_NETSCAPE_UNTRUSTED"));
    assert!(pkcs.text().contains("CKT_TRUST_ANCHOR") && pkcs.text().contains("CKT_NOT_TRUSTED"));
    for (o, n) in [(&netscape, &nss), (&nss, &pkcs), (&pkcs, &netscape)] {
        let d = synth_diff(o, n, AT);
        assert!(
            !d.has_differences(),
            "{}",
            d.to_text(nssroots::report::Style::plain())
        );
    }
    let d = synth_diff(&netscape, &pkcs, AT);
    assert!(
        d.to_text(nssroots::report::Style::plain())
            .contains("No differences in certificates or trust (the bytes differ).")
    );
}

#[test]
fn synthetic_distrust_after_added_removed_moved() {
    let (a, b, c, e, f) = (ca(), ca(), ca(), ca(), ca());
    let d1 = unix("2024-11-30T23:59:59Z");
    let d2 = unix("2025-03-01T00:00:00Z");
    let old = Certdata::new()
        .with(Entry::new(&a))
        .with(Entry::new(&b).distrust_after(Purpose::ServerAuth, d1, Place::Certificate))
        .with(Entry::new(&c).distrust_after(Purpose::ServerAuth, d1, Place::Certificate))
        .with(Entry::new(&e).distrust_after(Purpose::EmailProtection, d1, Place::Certificate))
        .with(Entry::new(&f).distrust_after(Purpose::ServerAuth, d1, Place::Certificate))
        .build();
    let new = Certdata::new()
        .with(Entry::new(&a).distrust_after(Purpose::ServerAuth, d1, Place::Trust))
        .with(Entry::new(&b))
        .with(Entry::new(&c).distrust_after(Purpose::ServerAuth, d2, Place::Certificate))
        .with(Entry::new(&e).distrust_after(Purpose::EmailProtection, d2, Place::Trust))
        // The same date, stated in the trust object instead: no change.
        .with(Entry::new(&f).distrust_after(Purpose::ServerAuth, d1, Place::Trust))
        .build();
    let d = synth_diff(&old, &new, "2025-06-01T00:00:00Z");
    assert_eq!(
        change_rows(&d),
        BTreeSet::from([
            row(&a, "distrust-after.server", "", "2024-11-30T23:59:59Z"),
            row(&b, "distrust-after.server", "2024-11-30T23:59:59Z", ""),
            row(
                &c,
                "distrust-after.server",
                "2024-11-30T23:59:59Z",
                "2025-03-01T00:00:00Z"
            ),
            row(
                &e,
                "distrust-after.email",
                "2024-11-30T23:59:59Z",
                "2025-03-01T00:00:00Z"
            ),
        ])
    );
    let text = d.to_text(nssroots::report::Style::plain());
    assert!(
        text.contains("distrust-after.server: none → 2024-11-30T23:59:59Z (added)"),
        "{text}"
    );
    assert!(text.contains("distrust-after.server: 2024-11-30T23:59:59Z → none (removed)"));
    assert!(
        text.contains("distrust-after.server: 2024-11-30T23:59:59Z → 2025-03-01T00:00:00Z (moved)")
    );
    // Under exclude, a's new date removes it from the bundle and b's removed date brings it back.
    let mut p = policy("2025-06-01T00:00:00Z");
    p.distrust_after = nssroots::DistrustAfterMode::Exclude;
    let o = Input::from_bytes(&old.bytes, "old", "old").unwrap();
    let n = Input::from_bytes(&new.bytes, "new", "new").unwrap();
    let d = diff(&o, &n, Some(&p)).unwrap();
    let b_ = d.bundle.unwrap();
    assert_eq!(labels(&b_.leaves, |m| &m.label), [a.common_name.as_str()]);
    assert_eq!(b_.leaves[0].reasons[0].kind, "past-distrust-after");
    assert_eq!(
        b_.leaves[0].reasons[0].date.as_deref(),
        Some("2024-11-30T23:59:59Z")
    );
    assert_eq!(labels(&b_.enters, |m| &m.label), [b.common_name.as_str()]);
}

#[test]
fn synthetic_labels_policy_flags_added_removed_and_records() {
    let (a, b, gone, new_ca, rec_old, rec_new) = (ca(), ca(), ca(), ca(), ca(), ca());
    let expired = ca_valid("2000-01-01T00:00:00Z", "2020-01-01T00:00:00Z");
    let old = Certdata::new()
        .with(Entry::new(&a).label("Old Name"))
        .with(Entry::new(&b))
        .with(Entry::new(&gone).label("Zeta Removed"))
        .with(Entry::distrust_record(&rec_old).label("Distrust: old record"))
        .build();
    let new = Certdata::new()
        .with(Entry::new(&a).label("New Name"))
        .with(Entry::new(&b).ca_policy(Some(false)))
        .with(Entry::new(&new_ca).label("Beta Added"))
        .with(Entry::new(&expired).label("Alpha Added Expired"))
        .with(Entry::distrust_record(&rec_new).label("Distrust: new record"))
        .build();
    let d = synth_diff(&old, &new, AT);
    assert_eq!(
        change_rows(&d),
        BTreeSet::from([
            (
                "New Name".to_owned(),
                "label".to_owned(),
                "Old Name".to_owned(),
                "New Name".to_owned()
            ),
            (
                b.common_name.clone(),
                "mozilla-ca-policy".into(),
                "true".into(),
                "false".into()
            ),
        ])
    );
    assert_eq!(
        labels(&d.added, |c| &c.label),
        ["Alpha Added Expired", "Beta Added"],
        "sorted by label"
    );
    assert_eq!(labels(&d.removed, |c| &c.label), ["Zeta Removed"]);
    assert_eq!(
        labels(&d.distrust_records.added, |r| &r.label),
        ["Distrust: new record"]
    );
    assert_eq!(
        labels(&d.distrust_records.removed, |r| &r.label),
        ["Distrust: old record"]
    );
    let bundle = d.bundle.as_ref().unwrap();
    // The expired newcomer does not enter; the removed root leaves as absent.
    assert_eq!(labels(&bundle.enters, |m| &m.label), ["Beta Added"]);
    assert_eq!(labels(&bundle.leaves, |m| &m.label), ["Zeta Removed"]);
    assert_eq!(bundle.leaves[0].reasons[0].message, "not in NEW");
    let json: Value = serde_json::from_str(&d.to_json().unwrap()).unwrap();
    assert_eq!(
        json["changed"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["label"] == b.common_name.as_str())
            .unwrap()["changes"][0]["old"],
        true
    );
    let md = d.to_markdown();
    for s in [
        "## Label changes (1)",
        "## CA policy flag changes (1)",
        "## Distrust records added (1)",
        "## Distrust records removed (1)",
        "| enters | Beta Added |",
    ] {
        assert!(md.contains(s), "{s}\n{md}");
    }
}

#[test]
fn synthetic_cli_exit_codes() {
    let a = ca();
    let f = Certdata::new().with(Entry::new(&a)).build();
    let crlf = Certdata::new().with(Entry::new(&a)).crlf().build();
    let changed = Certdata::new()
        .with(Entry::new(&a).label("Renamed"))
        .build();
    let dir = tempfile::tempdir().unwrap();
    for (name, fx) in [("a.txt", &f), ("crlf.txt", &crlf), ("b.txt", &changed)] {
        std::fs::write(dir.path().join(name), &fx.bytes).unwrap();
    }
    let code = |args: &[&str]| run_in(dir.path(), args, None).status.code();
    assert_eq!(code(&["diff", "a.txt", "crlf.txt", "--at", AT]), Some(0));
    assert_eq!(code(&["diff", "a.txt", "b.txt", "--at", AT]), Some(1));
    assert_eq!(
        code(&[
            "diff", "-q", "a.txt", "b.txt", "--at", AT, "--format", "json"
        ]),
        Some(1)
    );
    std::fs::write(dir.path().join("bad.txt"), "BEGINDATA\nCKA_CLASS\n").unwrap();
    let o = run_in(dir.path(), &["diff", "a.txt", "bad.txt"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.txt:"), "{}", stderr(&o));
}

/// A distrust record whose levels change, and a step-up flag that flips,
/// are trust changes: reported, and exit 1 (they were invisible before).
#[test]
fn synthetic_record_level_and_step_up_changes() {
    let (a, rec) = (ca(), ca());
    let old = Certdata::new()
        .with(Entry::new(&a))
        .with(Entry::distrust_record(&rec).label("Distrust: r"))
        .build();
    let mut new = Certdata::new()
        .with(Entry::new(&a))
        .with(
            Entry::distrust_record(&rec)
                .label("Distrust: r")
                .level(Purpose::ServerAuth, TrustLevel::MustVerifyTrust),
        )
        .build();
    let text = String::from_utf8(new.bytes.clone()).unwrap();
    let off = "CKA_TRUST_STEP_UP_APPROVED CK_BBOOL CK_FALSE";
    assert!(text.contains(off));
    new.bytes = text
        .replacen(off, "CKA_TRUST_STEP_UP_APPROVED CK_BBOOL CK_TRUE", 1)
        .into_bytes();
    let d = synth_diff(&old, &new, AT);
    assert!(d.has_differences());
    assert_eq!(
        change_rows(&d),
        BTreeSet::from([row(&a, "trust.step-up-approved", "false", "true")])
    );
    let changed = &d.distrust_records.changed;
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].label, "Distrust: r");
    let fields: Vec<(&str, &str)> = changed[0].changes.iter().map(pair).collect();
    assert_eq!(fields, [("not-trusted", "must-verify-trust")]);
    assert_eq!(changed[0].changes[0].field, "trust.server-auth");
    assert!(d.to_markdown().contains("## Distrust record changes (1)"));
    let text = d.to_text(nssroots::report::Style::plain());
    assert!(text.contains("Distrust records changed (1):"), "{text}");
    assert!(
        text.contains("0 distrust records added, 0 removed, 1 changed"),
        "{text}"
    );
    // Unchanged records are not listed.
    let same = synth_diff(&old, &old, AT);
    assert!(same.distrust_records.changed.is_empty());
    assert!(!same.has_differences());
}
