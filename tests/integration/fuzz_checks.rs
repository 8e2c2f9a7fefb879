//! What the fuzz targets in `fuzz/` check on one input. The targets include
//! this file; `cargo test` (`fuzz_replay`) runs it on every committed seed
//! and regression input, so a crash found once stays fixed.
//!
//! Every check either returns or panics: a panic is a finding.

use std::collections::BTreeSet;

use nssroots::parse::{self, Parser, RawObject};
use nssroots::{DistrustAfterMode, Policy, Purpose, ReferenceTime, Store, TrustLevel};

/// The tokenizer: [`parse::parse`] in one piece, and a [`Parser`] fed the
/// same bytes cut before every `CKA_CLASS` line, accept the same inputs and
/// give the same objects.
pub fn tokenizer(data: &[u8]) {
    let whole = parse::parse(data, "fuzz");
    let mut objects: Vec<RawObject<'_>> = Vec::new();
    let mut parser = Parser::new("fuzz");
    let mut start = 0;
    let mut pieces_ok = true;
    while start < data.len() || start == 0 {
        let rest = &data[start..];
        // The next cut: the start of the next line beginning with CKA_CLASS.
        let cut = memchr_cut(rest).map(|c| start + c);
        let end = cut.unwrap_or(data.len());
        let next = cut.map(|c| &data[c..]);
        if parser
            .feed(&data[start..end], next, &mut |o| {
                objects.push(o);
                Ok(())
            })
            .is_err()
        {
            pieces_ok = false;
            break;
        }
        start = end;
        if cut.is_none() {
            break;
        }
    }
    let pieces = if pieces_ok {
        parser.finish().map(|h| (h, objects))
    } else {
        Err(nssroots::Error::Invalid(String::new()))
    };
    match (&whole, &pieces) {
        (Ok(doc), Ok((header, objects))) => {
            assert_eq!(&doc.objects, objects, "objects differ");
            assert_eq!(doc.begindata_line, header.begindata_line);
            assert_eq!(doc.crlf, header.crlf);
        }
        (Err(e), _) => {
            assert!(
                pieces.is_err(),
                "pieces accepted what one piece refused: {e}"
            );
            located(e);
        }
        (Ok(_), Err(_)) => panic!("one piece accepted what pieces refused"),
    }
}

/// Where the next piece starts: after the first `\nCKA_CLASS` and a blank
/// past the start.
fn memchr_cut(rest: &[u8]) -> Option<usize> {
    rest.windows(11)
        .position(|w| w.starts_with(b"\nCKA_CLASS") && matches!(w[10], b' ' | b'\t'))
        .map(|p| p + 1)
}

/// Errors from the input say where: a line number above zero.
fn located(e: &nssroots::Error) {
    let s = e.to_string();
    assert!(!s.contains('\n'), "error on more than one line: {s}");
    if let Some(line) = e.line() {
        assert!(line > 0, "line 0 in {s}");
    }
}

/// A policy that selects every certificate trusted for anything.
fn everything() -> Policy {
    let mut p = Policy::new(ReferenceTime {
        unix: 1_748_736_000,
        source: nssroots::select::TimeSource::Flag,
    });
    p.purposes = Purpose::ALL.to_vec();
    p.levels = TrustLevel::ALL.to_vec();
    p.include_expired = true;
    p.distrust_after = DistrustAfterMode::Keep;
    p
}

/// The whole pipeline: reading in pieces on worker threads agrees with one
/// pass; what a policy selects is what the PEM holds; the certdata.txt
/// writer's text reads back as the same model; lint finds an error exactly
/// when the store cannot be built.
pub fn pipeline(data: &[u8]) {
    let streamed = Store::from_bytes(data, "fuzz");
    let one_pass = parse::parse(data, "fuzz").and_then(|doc| Store::from_document(&doc, "fuzz"));
    let report = nssroots::lint::lint(data, "fuzz", 1_748_736_000);
    let store = match (streamed, one_pass) {
        (Ok(a), Ok(b)) => {
            assert!(a.same_model(&b), "streamed and one-pass models differ");
            assert_eq!(a.warnings, b.warnings);
            a
        }
        (Err(e), Err(_)) => {
            located(&e);
            assert!(
                report.errors() > 0,
                "lint found no error but bundle fails: {e}"
            );
            return;
        }
        (a, b) => panic!(
            "streamed {:?} but one pass {:?}",
            a.err().map(|e| e.to_string()),
            b.err().map(|e| e.to_string())
        ),
    };
    assert_eq!(
        report.errors(),
        0,
        "lint found errors in a file that builds: {:?}",
        report.findings
    );
    for policy in [
        Policy::new(ReferenceTime {
            unix: 1_748_736_000,
            source: nssroots::select::TimeSource::Flag,
        }),
        everything(),
    ] {
        let selection = policy.select(&store);
        let want: BTreeSet<String> = selection
            .selected
            .iter()
            .map(|(c, _)| c.sha256_hex())
            .collect();
        let pem = nssroots::encode::pem_bundle(
            &store,
            &selection,
            &policy,
            "fuzz",
            nssroots::SortKey::Subject,
        );
        let got: BTreeSet<String> = nssroots::encode::pem_fingerprints(pem.as_bytes())
            .expect("the bundle is PEM")
            .into_iter()
            .collect();
        assert_eq!(got, want, "the PEM holds other certificates than selected");
        assert_eq!(
            pem.matches("-----BEGIN CERTIFICATE-----").count(),
            selection.selected.len()
        );
    }
    let text = nssroots::certdata::write_store(&store).expect("a store can be written");
    let again = Store::from_bytes(text.as_bytes(), "fuzz")
        .unwrap_or_else(|e| panic!("written certdata.txt does not read back: {e}\n{text}"));
    assert!(
        again.same_model(&store),
        "written and read back: another model"
    );
    assert_eq!(
        nssroots::certdata::write_store(&again).expect("written again"),
        text
    );
}

/// Two inputs, cut at the first line `=====` (else in half), compared as
/// stores: by SHA-256, every certificate is in both, only in the first or
/// only in the second, and an input compared with itself shows no change.
///
/// TODO(diff): once `nssroots::diff` (branch issue3) is merged, compare
/// `nssroots::diff` of the two stores with these sets instead (see
/// fuzz/README.md).
pub fn diff(data: &[u8]) {
    let (a, b) = match data.windows(7).position(|w| w == b"\n=====\n") {
        Some(p) => (&data[..p + 1], &data[p + 7..]),
        None => data.split_at(data.len() / 2),
    };
    let (Ok(old), Ok(new)) = (Store::from_bytes(a, "old"), Store::from_bytes(b, "new")) else {
        return;
    };
    let fingerprints =
        |s: &Store| -> BTreeSet<[u8; 32]> { s.certificates.iter().map(|c| c.sha256).collect() };
    let (in_old, in_new) = (fingerprints(&old), fingerprints(&new));
    assert_eq!(in_old.len(), old.certificates.len(), "duplicates kept");
    let removed: Vec<_> = in_old
        .iter()
        .filter(|f| new.by_sha256(f).is_none())
        .collect();
    let added: Vec<_> = in_new
        .iter()
        .filter(|f| old.by_sha256(f).is_none())
        .collect();
    let kept: Vec<_> = in_old.intersection(&in_new).collect();
    assert_eq!(removed.len() + kept.len(), in_old.len());
    assert_eq!(added.len() + kept.len(), in_new.len());
    for f in &kept {
        let (o, n) = (old.by_sha256(f), new.by_sha256(f));
        assert!(o.is_some_and(|o| n.is_some_and(|n| o.der == n.der)));
    }
    if old.same_model(&new) {
        assert!(added.is_empty() && removed.is_empty());
    }
    assert!(old.same_model(&old.clone()));
    assert!(old == old.clone());

    // nssroots::diff agrees on what was added and removed, never fails on two
    // stores, and finds nothing between a store and itself.
    let policy = nssroots::Policy::new(
        nssroots::ReferenceTime::parse_rfc3339("2026-01-01T00:00:00Z").expect("time"),
    );
    let hexes = |v: &[&[u8; 32]]| -> BTreeSet<String> {
        v.iter().map(|f| nssroots::model::to_hex(&f[..])).collect()
    };
    let (old_in, new_in) = (
        nssroots::diff::Input::certdata(old.clone(), "old"),
        nssroots::diff::Input::certdata(new.clone(), "new"),
    );
    let d = nssroots::diff::diff(&old_in, &new_in, Some(&policy)).expect("diff of two stores");
    let listed = |v: &[nssroots::diff::CertSummary]| -> BTreeSet<String> {
        v.iter().map(|c| c.sha256.clone()).collect()
    };
    assert_eq!(listed(&d.added), hexes(&added));
    assert_eq!(listed(&d.removed), hexes(&removed));
    let same = nssroots::diff::diff(&old_in, &old_in, Some(&policy)).expect("diff with itself");
    assert!(!same.has_differences(), "a store differs from itself");
}
