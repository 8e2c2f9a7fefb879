//! Compare two certdata.txt files (or two PEM bundles): what a release adds,
//! removes and changes, and what that does to a bundle.
//!
//! Certificates are matched by the SHA-256 of their DER. For certificates in
//! both, every purpose whose trust level changed, distrust-after dates added,
//! removed or moved, label and CA-policy flag changes are reported; trust-only
//! distrust records (matched by issuer and serial number) added or removed; and,
//! under a [`Policy`], which certificates enter and leave the bundle. Every list
//! is sorted by label (then fingerprint). [`Diff::to_text`],
//! [`Diff::to_markdown`] and [`Diff::to_json`] render it.
//!
//! ```
//! use nssroots::{Policy, ReferenceTime, Store, snapshot, diff::{Input, diff}};
//! let old = Store::from_bytes(snapshot::CERTDATA, "old")?;
//! let mut text = String::from_utf8(snapshot::CERTDATA.to_vec()).unwrap();
//! // Withdraw server-auth trust from the first root that has it.
//! let trusted = "CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR";
//! let at = text.find(trusted).unwrap();
//! text.replace_range(at..at + trusted.len(), "CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_MUST_VERIFY_TRUST");
//! let new = Store::from_bytes(text.as_bytes(), "new")?;
//! let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
//! let d = diff(&Input::certdata(old, "old"), &Input::certdata(new, "new"), Some(&policy))?;
//! assert_eq!(d.changed.len(), 1);
//! assert_eq!(d.changed[0].changes[0].field, "trust.server-auth");
//! assert_eq!(d.bundle.as_ref().unwrap().leaves.len(), 1);
//! assert!(d.has_differences());
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::error::{Error, Result};
use crate::inspect::{colon_hex, name_text};
use crate::model::{Certificate, Purpose, Store, TrustLevel, TrustRecord, to_hex};
use crate::report::{
    PolicyView, ReasonView, Style, TrustLevels, columns, day, markdown_cell, policy_summary,
    truncate,
};
use crate::select::{Decision, Policy, format_time};
use crate::source::Source;

/// A certificate of a PEM bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PemCertificate {
    /// From a `# Label: "..."` comment, a title line underlined with `=`
    /// (curl's cacert.pem), else the subject's common name, else the subject.
    pub label: String,
    /// SHA-256 of the DER.
    pub sha256: [u8; 32],
    /// Subject, RFC 4514 style.
    pub subject: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
}

/// What one side of a diff holds.
#[derive(Debug, Clone)]
pub enum Content {
    /// A certdata.txt.
    Certdata(Store),
    /// A PEM bundle's certificates, in order, repeats dropped.
    Pem(Vec<PemCertificate>),
}

/// One side of a diff: its content, its name and the SHA-256 of its bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// Where it came from, as bundle headers name inputs.
    pub origin: String,
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// The content.
    pub content: Content,
}

impl Input {
    /// A store read elsewhere, named `origin`.
    pub fn certdata(store: Store, origin: &str) -> Input {
        Input {
            origin: origin.to_owned(),
            sha256: store.input_sha256,
            content: Content::Certdata(store),
        }
    }

    /// Reads `source` (at most `max` bytes) and tells a PEM bundle from a
    /// certdata.txt by its content: a PEM bundle has a `-----BEGIN
    /// CERTIFICATE-----` line and no `BEGINDATA` line.
    pub fn load(source: &Source, max: u64) -> Result<Input> {
        let bytes = source.read(max)?;
        Input::from_bytes(&bytes, &source.name(), &source.origin())
    }

    /// Parses `bytes` (named `name` in errors) as a PEM bundle or a certdata.txt.
    pub fn from_bytes(bytes: &[u8], name: &str, origin: &str) -> Result<Input> {
        if is_pem(bytes) {
            Ok(Input {
                origin: origin.to_owned(),
                sha256: Sha256::digest(bytes).into(),
                content: Content::Pem(parse_pem_bundle(bytes, name)?),
            })
        } else {
            Ok(Input::certdata(Store::from_bytes(bytes, name)?, origin))
        }
    }

    /// `certdata` or `pem`.
    pub fn kind(&self) -> &'static str {
        match self.content {
            Content::Certdata(_) => "certdata",
            Content::Pem(_) => "pem",
        }
    }

    fn count(&self) -> usize {
        match &self.content {
            Content::Certdata(s) => s.certificates.len(),
            Content::Pem(p) => p.len(),
        }
    }
}

fn has_line(bytes: &[u8], line: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .any(|l| l.strip_suffix(b"\r").unwrap_or(l).trim_ascii() == line)
}

/// Whether `bytes` look like a PEM bundle rather than a certdata.txt.
pub fn is_pem(bytes: &[u8]) -> bool {
    has_line(bytes, b"-----BEGIN CERTIFICATE-----") && !has_line(bytes, b"BEGINDATA")
}

/// The label the text before a PEM block gives it, if any.
fn preamble_label(preamble: &[&str]) -> Option<String> {
    if let Some(l) = preamble.iter().rev().find_map(|l| {
        l.trim()
            .strip_prefix("# Label:")
            .map(|v| v.trim().trim_matches('"').to_owned())
    }) {
        return Some(l);
    }
    let mut lines = preamble
        .iter()
        .rev()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty());
    let underline = lines.next()?;
    let title = lines.next()?;
    (underline.len() >= 3 && underline.chars().all(|c| c == '=')).then(|| title.to_owned())
}

/// Reads the `CERTIFICATE` blocks of a PEM bundle, with their labels.
pub fn parse_pem_bundle(bytes: &[u8], name: &str) -> Result<Vec<PemCertificate>> {
    let text = String::from_utf8_lossy(bytes);
    let mut out: Vec<PemCertificate> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    let mut block: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        match &mut block {
            None if t == "-----BEGIN CERTIFICATE-----" => block = Some((i + 1, format!("{t}\n"))),
            None => preamble.push(line),
            Some((start, body)) => {
                body.push_str(t);
                body.push('\n');
                if t == "-----END CERTIFICATE-----" {
                    let start = *start;
                    let bad = |why: String| {
                        Error::Invalid(format!(
                            "{name}:{start}: the PEM block is not an X.509 certificate: {why}"
                        ))
                    };
                    let der = pem::parse(body.as_bytes())
                        .map_err(|e| bad(e.to_string()))?
                        .into_contents();
                    let (_, x509) =
                        X509Certificate::from_der(&der).map_err(|e| bad(e.to_string()))?;
                    let subject = crate::model::format_name(x509.subject());
                    let cn = x509
                        .subject()
                        .iter_common_name()
                        .next()
                        .and_then(|cn| cn.as_str().ok())
                        .map(str::to_owned);
                    let sha256: [u8; 32] = Sha256::digest(&der).into();
                    if !out.iter().any(|c| c.sha256 == sha256) {
                        out.push(PemCertificate {
                            label: preamble_label(&preamble)
                                .or(cn)
                                .unwrap_or_else(|| subject.clone()),
                            sha256,
                            subject,
                            not_before: x509.validity().not_before.timestamp(),
                            not_after: x509.validity().not_after.timestamp(),
                        });
                    }
                    preamble.clear();
                    block = None;
                }
            }
        }
    }
    if let Some((start, _)) = block {
        return Err(Error::Invalid(format!(
            "{name}:{start}: PEM block not closed by -----END CERTIFICATE-----"
        )));
    }
    Ok(out)
}

/// One side's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SideView {
    /// SHA-256 of the input's bytes.
    pub sha256: String,
    /// Certificates in it.
    pub certificates: usize,
    /// `certdata` or `pem`.
    pub format: &'static str,
    /// Where it came from.
    pub input: String,
}

/// A certificate added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Label.
    pub label: String,
    /// Subject.
    pub subject: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// Trust levels the file states, in [`Purpose::ALL`] order (certdata.txt only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustLevels>,
}

fn summary(c: &Certificate) -> CertSummary {
    CertSummary {
        sha256: c.sha256_hex(),
        label: c.label.clone(),
        subject: c.subject.clone(),
        not_before: format_time(c.not_before),
        not_after: format_time(c.not_after),
        trust: Some(TrustLevels::from_fn(|p| c.trust_level(p)).only_stated()),
    }
}

fn pem_summary(c: &PemCertificate) -> CertSummary {
    CertSummary {
        sha256: to_hex(&c.sha256),
        label: c.label.clone(),
        subject: c.subject.clone(),
        not_before: format_time(c.not_before),
        not_after: format_time(c.not_after),
        trust: None,
    }
}

/// A field's value before or after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A level name, an RFC 3339 date or a label.
    Text(String),
    /// The CA-policy flag.
    Flag(bool),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Text(s) => f.write_str(&crate::encode::comment_safe(s)),
            Value::Flag(b) => write!(f, "{b}"),
        }
    }
}

/// One changed field of a certificate in both files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `trust.<purpose>`, `distrust-after.server`, `distrust-after.email`,
    /// `label` or `mozilla-ca-policy`.
    pub field: String,
    /// Before (null: not stated).
    pub old: Option<Value>,
    /// After (null: not stated).
    pub new: Option<Value>,
}

impl Change {
    /// What kind of change this is, for grouping: `trust`, `distrust-after`,
    /// `label` or `mozilla-ca-policy`.
    pub fn kind(&self) -> &str {
        self.field.split('.').next().unwrap_or(&self.field)
    }

    /// `added`, `removed` or `moved`/`changed`, in words for text reports.
    fn verb(&self) -> &'static str {
        match (&self.old, &self.new, self.kind()) {
            (None, Some(_), _) => "added",
            (Some(_), None, _) => "removed",
            (_, _, "distrust-after") => "moved",
            _ => "changed",
        }
    }

    fn old_text(&self) -> String {
        self.old
            .as_ref()
            .map_or("none".to_owned(), |v| v.to_string())
    }

    fn new_text(&self) -> String {
        self.new
            .as_ref()
            .map_or("none".to_owned(), |v| v.to_string())
    }
}

/// A certificate in both files whose trust, dates, label or flag changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Label (the new one).
    pub label: String,
    /// What changed, trust first, in [`Purpose::ALL`] order.
    pub changes: Vec<Change>,
}

/// A trust-only distrust record added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// Label.
    pub label: String,
    /// Issuer.
    pub issuer: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
}

/// A trust-only record in both files (same issuer and serial number) whose
/// trust, dates or label changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordChanged {
    /// Label in NEW.
    pub label: String,
    /// Issuer.
    pub issuer: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// What changed, as for certificates.
    pub changes: Vec<Change>,
}

/// Distrust records added, removed and changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Records {
    /// In NEW only.
    pub added: Vec<RecordSummary>,
    /// In OLD only.
    pub removed: Vec<RecordSummary>,
    /// In both, changed.
    pub changed: Vec<RecordChanged>,
}

/// A certificate entering or leaving the bundle, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    /// SHA-256 of the DER.
    pub sha256: String,
    /// Label.
    pub label: String,
    /// Why it was not in the OLD bundle (enters) or is not in the NEW one
    /// (leaves): `absent` when the file does not have it.
    pub reasons: Vec<ReasonView>,
}

/// The effect on the bundle under a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleEffect {
    /// The policy both files were decided under.
    pub policy: PolicyView,
    /// Certificates selected from OLD.
    pub old_count: usize,
    /// Certificates selected from NEW.
    pub new_count: usize,
    /// In NEW's bundle, not OLD's.
    pub enters: Vec<Move>,
    /// In OLD's bundle, not NEW's.
    pub leaves: Vec<Move>,
    #[serde(skip)]
    text: (String, String),
}

/// The differences between two inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    /// OLD.
    pub old: SideView,
    /// NEW.
    pub new: SideView,
    /// Certificates only in NEW.
    pub added: Vec<CertSummary>,
    /// Certificates only in OLD.
    pub removed: Vec<CertSummary>,
    /// Certificates in both that changed.
    pub changed: Vec<Changed>,
    /// Distrust records added and removed (certdata.txt only).
    pub distrust_records: Records,
    /// The effect on the bundle (null for PEM bundles).
    pub bundle: Option<BundleEffect>,
}

fn by_label<T>(v: &mut [T], key: impl Fn(&T) -> (&str, &str)) {
    v.sort_by(|a, b| key(a).cmp(&key(b)));
}

/// Adds the change of `field` from `old` to `new` to `out`, if they differ.
fn push_change(out: &mut Vec<Change>, field: String, old: Option<Value>, new: Option<Value>) {
    if old != new {
        out.push(Change { field, old, new });
    }
}

fn date_value(d: Option<i64>) -> Option<Value> {
    d.map(|d| Value::Text(format_time(d)))
}

/// Every change between two versions of one certificate.
pub fn changes(old: &Certificate, new: &Certificate) -> Vec<Change> {
    let step_up = |c: &Certificate| c.trust.as_ref().and_then(|t| t.step_up_approved);
    let mut out = trust_changes(
        &|p| old.trust_level(p),
        &|p| new.trust_level(p),
        &|p| old.distrust_after(p),
        &|p| new.distrust_after(p),
        (step_up(old), step_up(new)),
    );
    let mut push = |field: String, o, n| push_change(&mut out, field, o, n);
    push(
        "label".to_owned(),
        Some(Value::Text(old.label.clone())),
        Some(Value::Text(new.label.clone())),
    );
    push(
        "mozilla-ca-policy".to_owned(),
        old.mozilla_ca_policy.map(Value::Flag),
        new.mozilla_ca_policy.map(Value::Flag),
    );
    out
}

/// Every change between two versions of one trust-only record.
pub fn record_changes(old: &TrustRecord, new: &TrustRecord) -> Vec<Change> {
    let mut out = trust_changes(
        &|p| old.level(p),
        &|p| new.level(p),
        &|p| old.distrust_after.for_purpose(p),
        &|p| new.distrust_after.for_purpose(p),
        (old.step_up_approved, new.step_up_approved),
    );
    push_change(
        &mut out,
        "label".to_owned(),
        Some(Value::Text(old.label.clone())),
        Some(Value::Text(new.label.clone())),
    );
    out
}

/// The trust levels per purpose, distrust-after dates and step-up flag
/// that differ, in that order.
fn trust_changes(
    old_level: &dyn Fn(Purpose) -> Option<TrustLevel>,
    new_level: &dyn Fn(Purpose) -> Option<TrustLevel>,
    old_date: &dyn Fn(Purpose) -> Option<i64>,
    new_date: &dyn Fn(Purpose) -> Option<i64>,
    step_up: (Option<bool>, Option<bool>),
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |field: String, o, n| push_change(&mut out, field, o, n);
    for &p in Purpose::ALL {
        let level = |l: Option<TrustLevel>| l.map(|l| Value::Text(l.name().to_owned()));
        push(
            format!("trust.{p}"),
            level(old_level(p)),
            level(new_level(p)),
        );
    }
    for (name, p) in [
        ("server", Purpose::ServerAuth),
        ("email", Purpose::EmailProtection),
    ] {
        push(
            format!("distrust-after.{name}"),
            date_value(old_date(p)),
            date_value(new_date(p)),
        );
    }
    // An absent flag is false (older spellings and new trust objects leave
    // it out): only a change of meaning is reported.
    if step_up.0.unwrap_or(false) != step_up.1.unwrap_or(false) {
        push(
            "trust.step-up-approved".to_owned(),
            step_up.0.map(Value::Flag),
            step_up.1.map(Value::Flag),
        );
    }
    out
}

/// A markdown table row for one change: label, the object's key (in code
/// style), field, old and new values.
fn change_row(label: &str, key: &str, ch: &Change) -> Vec<String> {
    vec![
        markdown_cell(label),
        format!("`{key}`"),
        format!("`{}`", ch.field),
        markdown_cell(&ch.old_text()),
        markdown_cell(&ch.new_text()),
    ]
}

fn record_key(r: &TrustRecord) -> (&[u8], &[u8]) {
    (&r.issuer, &r.serial)
}

fn record_summary(r: &TrustRecord) -> RecordSummary {
    RecordSummary {
        label: r.label.clone(),
        issuer: name_text(&r.issuer),
        serial: colon_hex(&r.serial),
    }
}

fn absent(side: &str) -> ReasonView {
    ReasonView {
        kind: "absent",
        message: format!("not in {side}"),
        purpose: None,
        level: None,
        date: None,
        cutoff: None,
        not_after: None,
    }
}

fn bundle_effect(old: &Store, new: &Store, policy: &Policy) -> BundleEffect {
    type Decided<'s> = BTreeMap<[u8; 32], (&'s Certificate, Decision)>;
    fn decide<'s>(s: &'s Store, policy: &Policy) -> Decided<'s> {
        s.certificates
            .iter()
            .map(|c| (c.sha256, (c, policy.decide(c))))
            .collect()
    }
    let (o, n) = (decide(old, policy), decide(new, policy));
    let moves = |from: &Decided<'_>, to: &Decided<'_>, to_side: &str| {
        let mut v: Vec<Move> = from
            .iter()
            .filter(|(_, (_, d))| d.selected)
            .filter(|(k, _)| !to.get(*k).is_some_and(|(_, d)| d.selected))
            .map(|(k, (c, _))| Move {
                sha256: to_hex(k),
                label: to.get(k).map_or(&c.label, |(c, _)| &c.label).clone(),
                reasons: to.get(k).map_or_else(
                    || vec![absent(to_side)],
                    |(_, d)| ReasonView::all(&d.reasons),
                ),
            })
            .collect();
        by_label(&mut v, |m| (&m.label, &m.sha256));
        v
    };
    BundleEffect {
        policy: PolicyView::new(policy),
        old_count: o.values().filter(|(_, d)| d.selected).count(),
        new_count: n.values().filter(|(_, d)| d.selected).count(),
        // Entering: selected from NEW, not from OLD; the reasons are OLD's.
        enters: moves(&n, &o, "OLD"),
        leaves: moves(&o, &n, "NEW"),
        text: (policy.at.to_string(), policy_summary(policy)),
    }
}

/// Compares OLD and NEW. Two certdata.txt files give every kind of change
/// and, with a policy, its effect on the bundle; two PEM bundles give added and
/// removed certificates only. A PEM bundle and a certdata.txt is an error.
pub fn diff(old: &Input, new: &Input, policy: Option<&Policy>) -> Result<Diff> {
    let side = |i: &Input| SideView {
        sha256: to_hex(&i.sha256),
        certificates: i.count(),
        format: i.kind(),
        input: i.origin.clone(),
    };
    let mut d = Diff {
        old: side(old),
        new: side(new),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        distrust_records: Records {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        },
        bundle: None,
    };
    match (&old.content, &new.content) {
        (Content::Certdata(o), Content::Certdata(n)) => {
            fn index(s: &Store) -> BTreeMap<[u8; 32], &Certificate> {
                s.certificates.iter().map(|c| (c.sha256, c)).collect()
            }
            let (oi, ni) = (index(o), index(n));
            d.added = n
                .certificates
                .iter()
                .filter(|c| !oi.contains_key(&c.sha256))
                .map(summary)
                .collect();
            d.removed = o
                .certificates
                .iter()
                .filter(|c| !ni.contains_key(&c.sha256))
                .map(summary)
                .collect();
            d.changed = n
                .certificates
                .iter()
                .filter_map(|c| {
                    let before = oi.get(&c.sha256)?;
                    let changes = changes(before, c);
                    (!changes.is_empty()).then(|| Changed {
                        sha256: c.sha256_hex(),
                        label: c.label.clone(),
                        changes,
                    })
                })
                .collect();
            let keys = |s: &Store| -> BTreeSet<(Vec<u8>, Vec<u8>)> {
                s.distrust
                    .iter()
                    .map(|r| (r.issuer.clone(), r.serial.clone()))
                    .collect()
            };
            let (ok, nk) = (keys(o), keys(n));
            let only = |s: &Store, other: &BTreeSet<(Vec<u8>, Vec<u8>)>| {
                let mut v: Vec<RecordSummary> = s
                    .distrust
                    .iter()
                    .filter(|r| {
                        let (i, sn) = record_key(r);
                        !other.contains(&(i.to_vec(), sn.to_vec()))
                    })
                    .map(record_summary)
                    .collect();
                by_label(&mut v, |r| (&r.label, &r.serial));
                v
            };
            d.distrust_records.added = only(n, &ok);
            d.distrust_records.removed = only(o, &nk);
            let old_records: BTreeMap<(&[u8], &[u8]), &TrustRecord> =
                o.distrust.iter().map(|r| (record_key(r), r)).collect();
            let mut changed: Vec<RecordChanged> = n
                .distrust
                .iter()
                .filter_map(|r| {
                    let before = old_records.get(&record_key(r))?;
                    let changes = record_changes(before, r);
                    (!changes.is_empty()).then(|| RecordChanged {
                        label: r.label.clone(),
                        issuer: name_text(&r.issuer),
                        serial: colon_hex(&r.serial),
                        changes,
                    })
                })
                .collect();
            by_label(&mut changed, |r| (&r.label, &r.serial));
            d.distrust_records.changed = changed;
            d.bundle = policy.map(|p| bundle_effect(o, n, p));
        }
        (Content::Pem(o), Content::Pem(n)) => {
            let set = |v: &[PemCertificate]| -> BTreeSet<[u8; 32]> {
                v.iter().map(|c| c.sha256).collect()
            };
            let (os, ns) = (set(o), set(n));
            d.added = n
                .iter()
                .filter(|c| !os.contains(&c.sha256))
                .map(pem_summary)
                .collect();
            d.removed = o
                .iter()
                .filter(|c| !ns.contains(&c.sha256))
                .map(pem_summary)
                .collect();
        }
        _ => {
            return Err(Error::Invalid(format!(
                "OLD ({}) is a {} and NEW ({}) a {}: compare two certdata.txt files or two PEM bundles \
                 (make a bundle from the certdata.txt first with `nssroots bundle`)",
                old.origin,
                kind_name(old),
                new.origin,
                kind_name(new)
            )));
        }
    }
    by_label(&mut d.added, |c| (&c.label, &c.sha256));
    by_label(&mut d.removed, |c| (&c.label, &c.sha256));
    by_label(&mut d.changed, |c| (&c.label, &c.sha256));
    Ok(d)
}

fn kind_name(i: &Input) -> &'static str {
    match i.content {
        Content::Certdata(_) => "certdata.txt",
        Content::Pem(_) => "PEM bundle",
    }
}

fn reasons_text(reasons: &[ReasonView]) -> String {
    reasons
        .iter()
        .map(|r| r.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn short(sha256: &str) -> &str {
    sha256.get(..16).unwrap_or(sha256)
}

impl Diff {
    /// Whether anything differs (the exit status of `nssroots diff`).
    pub fn has_differences(&self) -> bool {
        !(self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.distrust_records.added.is_empty()
            && self.distrust_records.removed.is_empty()
            && self.distrust_records.changed.is_empty()
            && self
                .bundle
                .as_ref()
                .is_none_or(|b| b.enters.is_empty() && b.leaves.is_empty()))
    }

    /// Every change of one kind (`trust`, `distrust-after`, `label`,
    /// `mozilla-ca-policy`), with its certificate.
    pub fn changes_of_kind<'a>(
        &'a self,
        kind: &'a str,
    ) -> impl Iterator<Item = (&'a Changed, &'a Change)> + 'a {
        self.changed.iter().flat_map(move |c| {
            c.changes
                .iter()
                .filter(move |ch| ch.kind() == kind)
                .map(move |ch| (c, ch))
        })
    }

    /// The diff as pretty-printed JSON (with a final newline).
    pub fn to_json(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }

    fn summary_line(&self) -> String {
        let mut parts = vec![
            format!("{} added", self.added.len()),
            format!("{} removed", self.removed.len()),
        ];
        if self.old.format == "certdata" {
            parts.push(format!("{} changed", self.changed.len()));
            parts.push(format!(
                "{} distrust records added, {} removed, {} changed",
                self.distrust_records.added.len(),
                self.distrust_records.removed.len(),
                self.distrust_records.changed.len()
            ));
        }
        if let Some(b) = &self.bundle {
            parts.push(format!(
                "bundle {} → {} ({} enter, {} leave)",
                b.old_count,
                b.new_count,
                b.enters.len(),
                b.leaves.len()
            ));
        }
        parts.join("; ")
    }

    /// The diff for a terminal.
    pub fn to_text(&self, style: Style) -> String {
        let mut out = String::new();
        for (what, s) in [("OLD", &self.old), ("NEW", &self.new)] {
            let _ = writeln!(
                out,
                "{what}: {} ({} certificates, SHA-256 {})",
                truncate(&s.input, 100),
                s.certificates,
                s.sha256
            );
        }
        if !self.has_differences() {
            let _ = writeln!(
                out,
                "\nNo differences{}.",
                if self.old.sha256 == self.new.sha256 {
                    " (identical files)"
                } else if self.old.format == "pem" {
                    " in the certificates"
                } else {
                    " in certificates or trust (the bytes differ)"
                }
            );
        }
        let list = |out: &mut String, title: &str, mark: &str, v: &[CertSummary]| {
            if v.is_empty() {
                return;
            }
            let _ = writeln!(out, "\n{}", style.bold(&format!("{title} ({}):", v.len())));
            let rows: Vec<Vec<String>> = v
                .iter()
                .map(|c| {
                    vec![
                        format!("  {mark} {}", truncate(&c.label, 48)),
                        short(&c.sha256).to_owned(),
                        format!("not after {}", day(&c.not_after)),
                    ]
                })
                .collect();
            for line in columns(&rows).lines() {
                let painted = if mark == "+" {
                    style.green(line)
                } else {
                    style.red(line)
                };
                let _ = writeln!(out, "{painted}");
            }
        };
        list(&mut out, "Removed certificates", "-", &self.removed);
        list(&mut out, "Added certificates", "+", &self.added);
        if !self.changed.is_empty() {
            let _ = writeln!(
                out,
                "\n{}",
                style.bold(&format!("Changed certificates ({}):", self.changed.len()))
            );
            for c in &self.changed {
                let _ = writeln!(
                    out,
                    "  {} {}  {}",
                    style.yellow("~"),
                    truncate(&c.label, 60),
                    style.dim(short(&c.sha256))
                );
                for ch in &c.changes {
                    let _ = writeln!(
                        out,
                        "      {}: {} → {}{}",
                        ch.field,
                        ch.old_text(),
                        ch.new_text(),
                        match ch.verb() {
                            "changed" => String::new(),
                            v => format!(" ({v})"),
                        }
                    );
                }
            }
        }
        for (title, mark, v) in [
            (
                "Distrust records removed",
                "-",
                &self.distrust_records.removed,
            ),
            ("Distrust records added", "+", &self.distrust_records.added),
        ] {
            if v.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{}", style.bold(&format!("{title} ({}):", v.len())));
            for r in v {
                let _ = writeln!(
                    out,
                    "  {mark} {}  serial {}",
                    truncate(&r.label, 60),
                    truncate(&r.serial, 40)
                );
            }
        }
        let changed = &self.distrust_records.changed;
        if !changed.is_empty() {
            let title = format!("Distrust records changed ({}):", changed.len());
            let _ = writeln!(out, "\n{}", style.bold(&title));
            for r in changed {
                let _ = writeln!(
                    out,
                    "  {} {}  serial {}",
                    style.yellow("~"),
                    truncate(&r.label, 60),
                    truncate(&r.serial, 40)
                );
                for ch in &r.changes {
                    let _ = writeln!(
                        out,
                        "      {}: {} → {}",
                        ch.field,
                        ch.old_text(),
                        ch.new_text()
                    );
                }
            }
        }
        if let Some(b) = &self.bundle {
            let _ = writeln!(
                out,
                "\n{}",
                style.bold(&format!(
                    "Bundle: {} → {} certificates at {}",
                    b.old_count, b.new_count, b.text.0
                ))
            );
            let _ = writeln!(out, "  Policy: {}", b.text.1);
            for (verb, mark, v) in [("leaves", "-", &b.leaves), ("enters", "+", &b.enters)] {
                for m in v {
                    let line = format!(
                        "  {mark} {} {verb}: {}",
                        truncate(&m.label, 60),
                        reasons_text(&m.reasons)
                    );
                    let painted = if mark == "+" {
                        style.green(&line)
                    } else {
                        style.red(&line)
                    };
                    let _ = writeln!(out, "{painted}");
                }
            }
            if b.enters.is_empty() && b.leaves.is_empty() {
                let _ = writeln!(out, "  No certificate enters or leaves the bundle.");
            }
        }
        let _ = writeln!(out, "\nSummary: {}.", self.summary_line());
        out
    }

    /// The diff as Markdown release notes: a section per kind of change, a
    /// table per section.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Changes from {} to {}\n",
            markdown_cell(&self.old.input),
            markdown_cell(&self.new.input)
        );
        out.push_str("| | OLD | NEW |\n| --- | --- | --- |\n");
        let _ = writeln!(
            out,
            "| Input | {} | {} |",
            markdown_cell(&self.old.input),
            markdown_cell(&self.new.input)
        );
        let _ = writeln!(
            out,
            "| SHA-256 | `{}` | `{}` |",
            self.old.sha256, self.new.sha256
        );
        let _ = writeln!(
            out,
            "| Certificates | {} | {} |",
            self.old.certificates, self.new.certificates
        );
        if let Some(b) = &self.bundle {
            let _ = writeln!(out, "| In the bundle | {} | {} |", b.old_count, b.new_count);
        }
        let _ = writeln!(out, "\nSummary: {}.", self.summary_line());
        if !self.has_differences() {
            out.push_str("\nNo differences.\n");
        }
        let table = |out: &mut String, title: &str, head: &[&str], rows: Vec<Vec<String>>| {
            if rows.is_empty() {
                return;
            }
            let _ = writeln!(out, "\n## {title} ({})\n", rows.len());
            let _ = writeln!(out, "| {} |", head.join(" | "));
            let _ = writeln!(
                out,
                "|{}",
                head.iter().map(|_| " --- |").collect::<String>()
            );
            for r in rows {
                let _ = writeln!(out, "| {} |", r.join(" | "));
            }
        };
        let certs = |v: &[CertSummary]| -> Vec<Vec<String>> {
            v.iter()
                .map(|c| {
                    vec![
                        markdown_cell(&c.label),
                        format!("`{}`", c.sha256),
                        c.not_after.clone(),
                    ]
                })
                .collect()
        };
        let head = ["Label", "SHA-256", "Not after"];
        table(
            &mut out,
            "Removed certificates",
            &head,
            certs(&self.removed),
        );
        table(&mut out, "Added certificates", &head, certs(&self.added));
        for (kind, title) in [
            ("trust", "Trust changes"),
            ("distrust-after", "Distrust-after dates"),
            ("label", "Label changes"),
            ("mozilla-ca-policy", "CA policy flag changes"),
        ] {
            let rows: Vec<Vec<String>> = self
                .changes_of_kind(kind)
                .map(|(c, ch)| change_row(&c.label, short(&c.sha256), ch))
                .collect();
            table(
                &mut out,
                title,
                &["Label", "SHA-256", "Field", "Old", "New"],
                rows,
            );
        }
        let records = |v: &[RecordSummary]| -> Vec<Vec<String>> {
            v.iter()
                .map(|r| {
                    vec![
                        markdown_cell(&r.label),
                        markdown_cell(&r.issuer),
                        format!("`{}`", r.serial),
                    ]
                })
                .collect()
        };
        let head = ["Label", "Issuer", "Serial"];
        table(
            &mut out,
            "Distrust records removed",
            &head,
            records(&self.distrust_records.removed),
        );
        table(
            &mut out,
            "Distrust records added",
            &head,
            records(&self.distrust_records.added),
        );
        let rows: Vec<Vec<String>> = self
            .distrust_records
            .changed
            .iter()
            .flat_map(|r| {
                r.changes
                    .iter()
                    .map(move |ch| change_row(&r.label, &r.serial, ch))
            })
            .collect();
        table(
            &mut out,
            "Distrust record changes",
            &["Label", "Serial", "Field", "Old", "New"],
            rows,
        );
        if let Some(b) = &self.bundle {
            let _ = writeln!(out, "\n## Effect on the bundle\n");
            let _ = writeln!(
                out,
                "Reference time {}; {}.",
                markdown_cell(&b.text.0),
                markdown_cell(&b.text.1)
            );
            if b.enters.is_empty() && b.leaves.is_empty() {
                out.push_str("\nNo certificate enters or leaves the bundle.\n");
            } else {
                out.push_str("\n| | Label | SHA-256 | Why |\n| --- | --- | --- | --- |\n");
                for (what, v) in [("leaves", &b.leaves), ("enters", &b.enters)] {
                    for m in v {
                        let _ = writeln!(
                            out,
                            "| {what} | {} | `{}` | {} |",
                            markdown_cell(&m.label),
                            short(&m.sha256),
                            markdown_cell(&reasons_text(&m.reasons))
                        );
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_labels_from_comments_titles_or_subject() {
        assert_eq!(
            preamble_label(&[
                "# Issuer: x",
                "# Label: \"GlobalSign Root CA\"",
                "# Serial: 1"
            ]),
            Some("GlobalSign Root CA".into())
        );
        assert_eq!(
            preamble_label(&["", "Go Daddy Class 2 CA", "===================", ""]),
            Some("Go Daddy Class 2 CA".into())
        );
        assert_eq!(preamble_label(&["# just a comment"]), None);
    }

    #[test]
    fn pem_detection() {
        assert!(is_pem(b"x\n-----BEGIN CERTIFICATE-----\r\nAA==\n"));
        assert!(!is_pem(b"BEGINDATA\n# -----BEGIN CERTIFICATE-----\n"));
        assert!(!is_pem(crate::snapshot::CERTDATA));
    }

    #[test]
    fn pem_errors_name_the_line() {
        let e = parse_pem_bundle(
            b"a\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "b.pem",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("b.pem:2: the PEM block is not an X.509 certificate"),
            "{e}"
        );
        let e = parse_pem_bundle(b"-----BEGIN CERTIFICATE-----\nAAAA\n", "b.pem")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not closed"), "{e}");
    }

    #[test]
    fn change_verbs() {
        let ch = |f: &str, o: Option<&str>, n: Option<&str>| Change {
            field: f.into(),
            old: o.map(|s| Value::Text(s.into())),
            new: n.map(|s| Value::Text(s.into())),
        };
        assert_eq!(ch("distrust-after.server", None, Some("x")).verb(), "added");
        assert_eq!(
            ch("distrust-after.server", Some("x"), None).verb(),
            "removed"
        );
        assert_eq!(
            ch("distrust-after.server", Some("x"), Some("y")).verb(),
            "moved"
        );
        assert_eq!(
            ch("trust.server-auth", Some("x"), Some("y")).verb(),
            "changed"
        );
        assert_eq!(ch("trust.server-auth", None, None).kind(), "trust");
        assert_eq!(
            serde_json::to_string(&Change {
                field: "mozilla-ca-policy".into(),
                old: Some(Value::Flag(true)),
                new: None
            })
            .unwrap(),
            r#"{"field":"mozilla-ca-policy","old":true,"new":null}"#
        );
    }
}
