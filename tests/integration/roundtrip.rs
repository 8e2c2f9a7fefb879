//! Property tests of the round trips: any model the fixture generator
//! ([`crate::synth`]) can make, written by [`nssroots::certdata`] and parsed
//! back, is the same model; any set of certificates a policy selects, written
//! as PEM and read back, is the same set.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use nssroots::model::Spelling;
use nssroots::select::TimeSource;
use nssroots::{
    DistrustAfterMode, Policy, Purpose, ReferenceTime, SortKey, Store, TrustLevel, certdata,
};
use proptest::prelude::*;
use proptest::test_runner::Config;

use crate::support::{pem_set, selected};
use crate::synth::{Ca, Certdata, Entry, Place, ca, ca_valid};

/// Six CAs made once: three valid 1975-4096, three with shorter, different validity.
fn pool() -> &'static [Ca] {
    static POOL: OnceLock<Vec<Ca>> = OnceLock::new();
    POOL.get_or_init(|| {
        vec![
            ca(),
            ca(),
            ca(),
            ca_valid("2001-02-03T04:05:06Z", "2021-02-03T04:05:06Z"),
            ca_valid("2010-01-01T00:00:00Z", "2035-12-31T23:59:59Z"),
            ca_valid("1999-12-31T23:59:59Z", "2049-12-31T23:59:59Z"),
        ]
    })
}

fn label() -> impl Strategy<Value = String> {
    let chars = vec![
        'a', 'Z', '0', ' ', '"', '\\', '#', 'í', 'á', '€', '\n', '\t', '\u{7f}', '😀',
    ];
    proptest::collection::vec(proptest::sample::select(chars), 0..14).prop_map(String::from_iter)
}

fn level() -> impl Strategy<Value = Option<TrustLevel>> {
    proptest::option::of(proptest::sample::select(TrustLevel::ALL.to_vec()))
}

/// 1950-01-01 to 2049-12-31, what UTCTime holds.
fn date() -> impl Strategy<Value = i64> {
    -631_152_000i64..2_524_607_999
}

#[derive(Debug, Clone)]
struct Spec {
    label: String,
    escaped: bool,
    spelling: Spelling,
    levels: [Option<TrustLevel>; 4],
    sha1: bool,
    md5: bool,
    dates: Vec<(bool, i64, bool)>,
    kind: u8,
    duplicated: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        label(),
        any::<bool>(),
        proptest::sample::select(vec![Spelling::Nss, Spelling::Netscape, Spelling::Pkcs11v32]),
        [level(), level(), level(), level()],
        (any::<bool>(), any::<bool>()),
        proptest::collection::vec((any::<bool>(), date(), any::<bool>()), 0..3),
        0u8..6,
        any::<bool>(),
    )
        .prop_map(
            |(label, escaped, spelling, levels, (sha1, md5), dates, kind, duplicated)| Spec {
                label,
                escaped,
                spelling,
                levels,
                sha1,
                md5,
                dates,
                kind,
                duplicated,
            },
        )
}

const PURPOSES: [Purpose; 4] = [
    Purpose::ServerAuth,
    Purpose::EmailProtection,
    Purpose::CodeSigning,
    Purpose::ClientAuth,
];

/// The entry `spec` describes for `ca`: kind 0 is a trust-only distrust
/// record, kind 1 a certificate with no trust object, the others both.
fn entry(ca: &Ca, spec: &Spec) -> Entry {
    if spec.kind == 0 {
        return Entry::distrust_record(ca)
            .label(&spec.label)
            .spelling(spec.spelling);
    }
    let mut e = Entry::new(ca)
        .label(&spec.label)
        .spelling(spec.spelling)
        .hashes(spec.sha1, spec.md5);
    if spec.escaped {
        e = e.escaped_label();
    }
    for (p, l) in PURPOSES.iter().zip(spec.levels) {
        e = match l {
            Some(l) => e.level(*p, l),
            None => e.without_level(*p),
        };
    }
    let mut placed = BTreeSet::new();
    for (server, date, in_trust) in &spec.dates {
        let purpose = if *server {
            Purpose::ServerAuth
        } else {
            Purpose::EmailProtection
        };
        let place = if *in_trust {
            Place::Trust
        } else {
            Place::Certificate
        };
        if placed.insert((*server, *in_trust)) {
            e = e.distrust_after(purpose, *date, place);
        }
    }
    if spec.kind == 1 {
        e = e.no_trust();
    }
    if spec.duplicated {
        e = e.duplicated();
    }
    e
}

fn fixture(specs: &[(usize, Spec)], crlf: bool) -> Vec<u8> {
    let mut c = Certdata::new();
    for (i, spec) in specs {
        c = c.with(entry(&pool()[*i], spec));
    }
    if crlf {
        c = c.crlf();
    }
    c.build().bytes
}

fn specs() -> impl Strategy<Value = Vec<(usize, Spec)>> {
    proptest::sample::subsequence((0..6).collect::<Vec<usize>>(), 0..=4).prop_flat_map(|cas| {
        let n = cas.len();
        proptest::collection::vec(spec(), n)
            .prop_map(move |specs| cas.iter().copied().zip(specs).collect::<Vec<_>>())
    })
}

fn config() -> Config {
    Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn written_and_parsed_back_is_the_same_model(specs in specs(), crlf in any::<bool>()) {
        let bytes = fixture(&specs, crlf);
        let store = Store::from_bytes(&bytes, "certdata.txt")
            .map_err(|e| TestCaseError::fail(format!("the generator made a bad file: {e}")))?;
        let text = certdata::write_store(&store).expect("written");
        let back = Store::from_bytes(text.as_bytes(), "certdata.txt")
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(back.same_model(&store), "{text}");
        prop_assert_eq!(certdata::write_store(&back).expect("written again"), text.clone());
        // The writer's comments agree with the objects.
        let report = nssroots::lint::lint(text.as_bytes(), "certdata.txt", 0);
        prop_assert_eq!(report.errors(), 0);
        prop_assert!(
            report.findings.iter().all(|f| !f.code.starts_with("comment-")),
            "{}", report.to_text()
        );
    }

    #[test]
    fn selected_written_as_pem_and_read_back_is_the_same_set(
        specs in specs(),
        purposes in proptest::sample::subsequence(Purpose::ALL.to_vec(), 1..4),
        levels in proptest::sample::subsequence(TrustLevel::ALL.to_vec(), 1..4),
        at in date(),
        include_expired in any::<bool>(),
        mode in proptest::sample::select(vec![
            DistrustAfterMode::Grace, DistrustAfterMode::Exclude, DistrustAfterMode::Keep,
        ]),
        sort in proptest::sample::select(vec![
            SortKey::Source, SortKey::Sha256, SortKey::Subject, SortKey::Label,
        ]),
    ) {
        let bytes = fixture(&specs, false);
        let store = Store::from_bytes(&bytes, "certdata.txt").expect("generated file");
        let mut policy = Policy::new(ReferenceTime { unix: at, source: TimeSource::Flag });
        policy.purposes = purposes;
        policy.levels = levels;
        policy.include_expired = include_expired;
        policy.distrust_after = mode;
        let want = selected(&policy, &store);
        let selection = policy.select(&store);
        let pem = nssroots::encode::pem_bundle(&store, &selection, &policy, "certdata.txt", sort);
        prop_assert_eq!(pem_set(pem.as_bytes()), want);
    }
}
