//! See inside a store: [`list`] every certificate object and trust-only
//! distrust record with what the policy decides about it, and [`explain`] the
//! decision about one certificate in words.
//!
//! Both report [`Policy::decide`]'s [`Decision`] (and [`Policy::decide_record`]'s
//! for trust-only objects); nothing here decides anything of its own.
//!
//! ```
//! use nssroots::{Policy, ReferenceTime, Store, snapshot, inspect, report::Style};
//! let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
//! let policy = Policy::new(ReferenceTime::parse_rfc3339("2026-01-03T00:00:00Z")?);
//! let listing = inspect::list(&store, "certdata.txt", &policy);
//! assert_eq!(listing.certificates.len(), store.certificates.len());
//! let affirm = listing.certificates.iter().find(|c| c.label == "AffirmTrust Commercial").unwrap();
//! assert!(!affirm.selected);
//! assert_eq!(affirm.reasons[0].kind, "past-distrust-after");
//!
//! let text = inspect::explain(&store, &policy, "affirmtrust commercial", Style::plain())?;
//! assert!(text.contains("LEFT OUT"));
//! assert!(text.contains("distrust-after date is 2024-11-30T23:59:59Z"));
//! assert!(text.contains("keeps the root only until 2026-01-02T23:59:59Z"));
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Name};

use crate::error::{Error, Result};
use crate::model::{Certificate, Purpose, Store, TrustLevel, TrustRecord, to_hex};
use crate::report::{
    InputView, LEVEL_LEGEND, PolicyView, ReasonView, Style, TrustLevels, columns, columns_with,
    date_origin, day, keywords, level_abbrev, policy_summary, truncate,
};
use crate::select::{Decision, DistrustAfterMode, Policy, Reason, format_time};

/// A distrust-after date and where it is stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateView {
    /// The date that applies (the earlier one where both objects give one).
    pub date: String,
    /// `certificate-object`, `trust-object`, or both.
    pub stated_in: Vec<&'static str>,
}

/// Server and email distrust-after dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DistrustAfterView {
    /// `CKA_NSS_SERVER_DISTRUST_AFTER`.
    pub server: Option<DateView>,
    /// `CKA_NSS_EMAIL_DISTRUST_AFTER`.
    pub email: Option<DateView>,
}

impl DistrustAfterView {
    fn of(cert: &Certificate) -> DistrustAfterView {
        let view = |p: Purpose| {
            let date = cert.distrust_after(p)?;
            let mut stated_in = Vec::new();
            if cert.distrust_after.for_purpose(p).is_some() {
                stated_in.push("certificate-object");
            }
            if cert
                .trust
                .as_ref()
                .is_some_and(|t| t.distrust_after.for_purpose(p).is_some())
            {
                stated_in.push("trust-object");
            }
            Some(DateView {
                date: format_time(date),
                stated_in,
            })
        };
        DistrustAfterView {
            server: view(Purpose::ServerAuth),
            email: view(Purpose::EmailProtection),
        }
    }
}

/// A qualifying purpose that carries a distrust-after date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatedView {
    /// The purpose.
    pub purpose: Purpose,
    /// Its distrust-after date.
    pub date: String,
    /// Until when the rule keeps the root (null under `keep`: for ever).
    pub kept_until: Option<String>,
}

/// One certificate object in a [`Listing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateView {
    /// Line where the certificate object starts.
    pub line: usize,
    /// SHA-256 of the DER, lowercase hex.
    pub sha256: String,
    /// CKA_LABEL.
    pub label: String,
    /// Subject, RFC 4514 style.
    pub subject: String,
    /// Issuer, RFC 4514 style.
    pub issuer: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// notBefore.
    pub not_before: String,
    /// notAfter.
    pub not_after: String,
    /// Line of the paired trust object (null: none).
    pub trust_line: Option<usize>,
    /// The trust level for every purpose.
    pub trust: TrustLevels,
    /// Distrust-after dates.
    pub distrust_after: DistrustAfterView,
    /// CKA_NSS_MOZILLA_CA_POLICY (null: absent).
    pub mozilla_ca_policy: Option<bool>,
    /// Whether the policy selects it.
    pub selected: bool,
    /// Purposes it qualified for.
    pub purposes: Vec<Purpose>,
    /// Why it is left out (empty when selected).
    pub reasons: Vec<ReasonView>,
    /// Qualifying purposes with a distrust-after date that has not removed it.
    pub dated: Vec<DatedView>,
}

/// A stated certificate hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashView {
    /// `SHA-1`, `MD5`, `SHA-256`, ...
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub value: String,
}

/// A trust-only object (explicit distrust record) in a [`Listing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordView {
    /// Line where the trust object starts.
    pub line: usize,
    /// CKA_LABEL.
    pub label: String,
    /// Issuer, RFC 4514 style (hex of the DER where it does not parse).
    pub issuer: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// The certificate hashes it states.
    pub hashes: Vec<HashView>,
    /// The trust level for every purpose.
    pub trust: TrustLevels,
    /// Distrust-after dates in the record (RFC 3339).
    pub distrust_after: RecordDates,
    /// Always false: there is no certificate to select.
    pub selected: bool,
    /// Why not.
    pub reasons: Vec<ReasonView>,
}

/// The distrust-after dates a trust-only object states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDates {
    /// Server-auth.
    pub server: Option<String>,
    /// Email-protection.
    pub email: Option<String>,
}

/// Counts of a [`Listing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Certificate objects.
    pub certificates: usize,
    /// Those the policy selects.
    pub selected: usize,
    /// Trust-only distrust records.
    pub distrust_records: usize,
}

/// Everything `nssroots list` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// The input.
    pub input: InputView,
    /// The policy the decisions were made under.
    pub policy: PolicyView,
    /// Counts.
    pub counts: Counts,
    /// Certificate objects, in source order.
    pub certificates: Vec<CertificateView>,
    /// Trust-only distrust records, in source order.
    pub distrust_records: Vec<RecordView>,
    #[serde(skip)]
    policy_text: String,
    #[serde(skip)]
    reference_text: String,
}

/// The issuer name DER of a trust record as text.
pub fn name_text(der: &[u8]) -> String {
    match X509Name::from_der(der) {
        Ok(([], name)) => crate::model::format_name(&name),
        _ => to_hex(der),
    }
}

/// Content octets as colon-separated lowercase hex (`00:a1:ff`).
pub use crate::model::colon_hex;

/// The view of one certificate and its decision.
pub fn certificate_view(cert: &Certificate, d: &Decision) -> CertificateView {
    CertificateView {
        line: cert.line,
        sha256: cert.sha256_hex(),
        label: cert.label.clone(),
        subject: cert.subject.clone(),
        issuer: cert.issuer.clone(),
        serial: cert.serial.clone(),
        not_before: format_time(cert.not_before),
        not_after: format_time(cert.not_after),
        trust_line: cert.trust.as_ref().map(|t| t.line),
        trust: TrustLevels::from_fn(|p| cert.trust_level(p)),
        distrust_after: DistrustAfterView::of(cert),
        mozilla_ca_policy: cert.mozilla_ca_policy,
        selected: d.selected,
        purposes: d.purposes.clone(),
        reasons: ReasonView::all(&d.reasons),
        dated: d
            .dated
            .iter()
            .map(|k| DatedView {
                purpose: k.purpose,
                date: format_time(k.date),
                kept_until: k.cutoff.map(format_time),
            })
            .collect(),
    }
}

fn record_view(r: &TrustRecord, d: &Decision) -> RecordView {
    RecordView {
        line: r.line,
        label: r.label.clone(),
        issuer: name_text(&r.issuer),
        serial: colon_hex(&r.serial),
        hashes: r
            .hashes
            .iter()
            .map(|(a, h)| HashView {
                algorithm: a.name(),
                value: to_hex(h),
            })
            .collect(),
        trust: TrustLevels::from_fn(|p| r.level(p)),
        distrust_after: RecordDates {
            server: r.distrust_after.server.map(format_time),
            email: r.distrust_after.email.map(format_time),
        },
        selected: d.selected,
        reasons: ReasonView::all(&d.reasons),
    }
}

/// Lists every certificate object and distrust record of `store` with the
/// decision of `policy`. `origin` names the input (as in bundle headers).
pub fn list(store: &Store, origin: &str, policy: &Policy) -> Listing {
    let certificates: Vec<CertificateView> = store
        .certificates
        .iter()
        .map(|c| certificate_view(c, &policy.decide(c)))
        .collect();
    let distrust_records: Vec<RecordView> = store
        .distrust
        .iter()
        .map(|r| record_view(r, &policy.decide_record(r)))
        .collect();
    Listing {
        input: InputView::new(origin, &store.input_sha256),
        policy: PolicyView::new(policy),
        counts: Counts {
            certificates: certificates.len(),
            selected: certificates.iter().filter(|c| c.selected).count(),
            distrust_records: distrust_records.len(),
        },
        certificates,
        distrust_records,
        policy_text: policy_summary(policy),
        reference_text: policy.at.to_string(),
    }
}

/// Label column width of the table.
const LABEL_WIDTH: usize = 30;

/// `s 2024-11-30`, `e 2022-11-30`, `se 2022-11-30` (both, same day; the
/// earlier day otherwise), or `-`.
fn dates_cell(d: &DistrustAfterView) -> String {
    fn day_of(v: &Option<DateView>) -> Option<&str> {
        v.as_ref().map(|v| day(&v.date))
    }
    match (day_of(&d.server), day_of(&d.email)) {
        (None, None) => "-".to_owned(),
        (Some(s), None) => format!("s {s}"),
        (None, Some(e)) => format!("e {e}"),
        (Some(s), Some(e)) if s == e => format!("se {s}"),
        (Some(s), Some(e)) => format!("s {s} e {e}"),
    }
}

fn flag_cell(f: Option<bool>) -> &'static str {
    match f {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

impl Listing {
    /// The listing as pretty-printed JSON (with a final newline).
    pub fn to_json(&self) -> Result<String> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(s)
    }

    /// The listing as an aligned table for a terminal: labels cut to fit,
    /// fingerprints shortened to 8 digits (the JSON has every field in full).
    pub fn to_table(&self, style: Style) -> String {
        self.to_table_width(style, None)
    }

    /// [`Listing::to_table`] for a terminal `width` characters wide: the
    /// label column shrinks (to 12 at the least) so that the rows fit.
    pub fn to_table_width(&self, style: Style, width: Option<usize>) -> String {
        // The columns but LABEL and WHY, with the separators between all ten.
        let fixed = 8
            + 10
            + 3
            + 3
            + 4
            + 3
            + 3
            + 2 * 9
            + self
                .certificates
                .iter()
                .map(|c| dates_cell(&c.distrust_after).chars().count())
                .max()
                .unwrap_or(1)
                .max(8);
        let why = |c: &CertificateView| keywords(c.reasons.iter().map(|r| r.kind));
        let why_max = self
            .certificates
            .iter()
            .map(|c| why(c).chars().count())
            .max()
            .unwrap_or(3);
        // Narrow terminals: the label shrinks first (to 12), then WHY (to 8);
        // `explain` and `--format json` have both in full.
        let (label_width, why_width) = match width {
            None => (LABEL_WIDTH, usize::MAX),
            Some(w) => {
                let label = w.saturating_sub(fixed + why_max).clamp(12, LABEL_WIDTH);
                (label, w.saturating_sub(fixed + label).max(8))
            }
        };
        let mut out = String::new();
        let _ = writeln!(out, "{}", style.bold(&truncate(&self.input.name, 120)));
        let _ = writeln!(out, "SHA-256: {}", self.input.sha256);
        let _ = writeln!(out, "Reference time: {}", self.reference_text);
        let _ = writeln!(out, "Policy: {}", self.policy_text);
        let _ = writeln!(
            out,
            "{} certificates, {} selected; {} distrust records without a certificate",
            self.counts.certificates, self.counts.selected, self.counts.distrust_records
        );
        out.push('\n');
        let mut rows = vec![
            [
                "SHA-256",
                "LABEL",
                "NOT-AFTER",
                "SRV",
                "EML",
                "CODE",
                "DISTRUST",
                "POL",
                "IN",
                "WHY",
            ]
            .map(str::to_owned)
            .to_vec(),
        ];
        let mut others = 0;
        for c in &self.certificates {
            if c.trust.0.iter().any(|(p, l)| {
                l.is_some()
                    && !matches!(
                        p,
                        Purpose::ServerAuth | Purpose::EmailProtection | Purpose::CodeSigning
                    )
            }) {
                others += 1;
            }
            let abbrev = |p| level_abbrev(c.trust.get(p)).to_owned();
            rows.push(vec![
                c.sha256.get(..8).unwrap_or_default().to_owned(),
                truncate(&c.label, label_width),
                day(&c.not_after).to_owned(),
                abbrev(Purpose::ServerAuth),
                abbrev(Purpose::EmailProtection),
                abbrev(Purpose::CodeSigning),
                dates_cell(&c.distrust_after),
                flag_cell(c.mozilla_ca_policy).to_owned(),
                if c.selected { "yes" } else { "no" }.to_owned(),
                if why_width == usize::MAX {
                    why(c)
                } else {
                    truncate(&why(c), why_width)
                },
            ]);
        }
        out.push_str(&columns_with(&rows, |r, col, cell| match (r, col) {
            (0, _) | (_, 0..=7) => Cow::Borrowed(cell),
            _ if cell.starts_with("yes") => style.green(cell),
            _ => style.red(cell),
        }));
        if !self.distrust_records.is_empty() {
            out.push('\n');
            let _ = writeln!(
                out,
                "{}",
                style.bold(&format!(
                    "Distrust records: {} trust-only objects with no certificate object (never selected)",
                    self.distrust_records.len()
                ))
            );
            let mut rows = vec![
                ["LINE", "LABEL", "SRV", "EML", "CODE", "SERIAL"]
                    .map(str::to_owned)
                    .to_vec(),
            ];
            for r in &self.distrust_records {
                let abbrev = |p| level_abbrev(r.trust.get(p)).to_owned();
                rows.push(vec![
                    r.line.to_string(),
                    truncate(&r.label, LABEL_WIDTH),
                    abbrev(Purpose::ServerAuth),
                    abbrev(Purpose::EmailProtection),
                    abbrev(Purpose::CodeSigning),
                    truncate(&r.serial, 29),
                ]);
            }
            out.push_str(&columns(&rows));
        }
        out.push('\n');
        for line in [
            "SRV server-auth, EML email-protection, CODE code-signing trust:",
            LEVEL_LEGEND,
            "DISTRUST: distrust-after dates, s server, e email. POL: CKA_NSS_MOZILLA_CA_POLICY.",
            "IN: selected by the policy; WHY: the reasons it is not.",
            "`nssroots explain QUERY` says why in words; --format json has every field in full.",
        ] {
            let _ = writeln!(out, "{}", style.dim(line));
        }
        if others > 0 {
            let _ = writeln!(
                out,
                "{}",
                style.dim(&format!(
                    "{others} certificates state trust for other purposes too; see --format json."
                ))
            );
        }
        out
    }
}

/// What a query found: a certificate object or a trust-only record.
#[derive(Debug, Clone, Copy)]
pub enum Found<'s> {
    /// A certificate object.
    Certificate(&'s Certificate),
    /// A trust-only distrust record.
    Record(&'s TrustRecord),
}

impl Found<'_> {
    fn label(&self) -> &str {
        match self {
            Found::Certificate(c) => &c.label,
            Found::Record(r) => &r.label,
        }
    }
}

/// The hex digits of `query` (colons and spaces dropped, lowercased), if
/// it is nothing else.
fn hex_digits(query: &str) -> Option<String> {
    let hex: String = query
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hex.chars().all(|c| c.is_ascii_hexdigit()).then_some(hex)
}

/// The hex digits of a fingerprint query, if it is one: at least 8 hex
/// digits and nothing else.
fn fingerprint_query(query: &str) -> Option<String> {
    hex_digits(query).filter(|hex| hex.len() >= 8 && hex.len() <= 64)
}

/// Finds what `query` names in `store`: a SHA-256 fingerprint or a unique
/// prefix of at least 8 hex digits (colons allowed), else a label substring
/// (case-insensitive; where some labels equal the query, only those).
///
/// Errors: nothing matches; a fingerprint prefix matches several certificates.
pub fn find<'s>(store: &'s Store, query: &str) -> Result<Vec<Found<'s>>> {
    if let Some(hex) = fingerprint_query(query) {
        let hits: Vec<&Certificate> = store
            .certificates
            .iter()
            .filter(|c| c.sha256_hex().starts_with(&hex))
            .collect();
        match hits.len() {
            0 => {}
            1 => return Ok(hits.into_iter().map(Found::Certificate).collect()),
            n => {
                let names: Vec<String> = hits
                    .iter()
                    .map(|c| format!("  {}  {}", c.sha256_hex(), c.label))
                    .collect();
                return Err(Error::Invalid(format!(
                    "the fingerprint prefix {hex} is ambiguous: it matches {n} certificates in {}; \
                     give more digits:\n{}",
                    store.source_name,
                    names.join("\n")
                )));
            }
        }
    }
    let needle = query.to_lowercase();
    let all: Vec<Found<'s>> = store
        .certificates
        .iter()
        .map(Found::Certificate)
        .chain(store.distrust.iter().map(Found::Record))
        .filter(|f| f.label().to_lowercase().contains(&needle))
        .collect();
    let exact: Vec<Found<'s>> = all
        .iter()
        .copied()
        .filter(|f| f.label().to_lowercase() == needle)
        .collect();
    if !exact.is_empty() {
        return Ok(exact);
    }
    let short_hex = !query.is_empty() && hex_digits(query).is_some_and(|hex| hex.len() < 8);
    if all.is_empty() && short_hex {
        return Err(Error::Invalid(format!(
            "{query:?} matches no label in {}, and a SHA-256 fingerprint prefix needs at least 8 hex digits; \
             `nssroots list` shows every label and fingerprint",
            store.source_name
        )));
    }
    if all.is_empty() || needle.is_empty() {
        return Err(Error::Invalid(format!(
            "no certificate in {} has a SHA-256 fingerprint starting with, or a label containing, {query:?}; \
             `nssroots list` shows every label and fingerprint",
            store.source_name
        )));
    }
    Ok(all)
}

/// Explains, in words, the decision of `policy` about every certificate or
/// distrust record `query` names (see [`find`]).
pub fn explain(store: &Store, policy: &Policy, query: &str, style: Style) -> Result<String> {
    let found = find(store, query)?;
    let mut out = String::new();
    if found.len() > 1 {
        let _ = writeln!(
            out,
            "{} matches for {query:?} in {}.\n",
            found.len(),
            store.source_name
        );
    }
    for (i, f) in found.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match f {
            Found::Certificate(c) => explain_certificate(&mut out, c, policy, style),
            Found::Record(r) => explain_record(&mut out, r, policy, style),
        }
    }
    Ok(out)
}

fn field(out: &mut String, name: &str, value: &str) {
    let _ = writeln!(out, "  {name:<15} {value}");
}

fn decision_heading(out: &mut String, policy: &Policy, selected: bool, style: Style) {
    let verdict = if selected {
        style.green("SELECTED").into_owned()
    } else {
        style.red("LEFT OUT").into_owned()
    };
    out.push('\n');
    let _ = writeln!(out, "  Decision: {verdict} at {}", policy.at);
    let _ = writeln!(out, "  Policy:   {}", policy_summary(policy));
}

fn asked_levels(policy: &Policy) -> String {
    let v: Vec<String> = policy.levels.iter().map(|l| l.to_string()).collect();
    v.join(" or ")
}

/// Why `purpose` does or does not count, in words, from the decision.
fn purpose_step(cert: &Certificate, policy: &Policy, d: &Decision, purpose: Purpose) -> String {
    let level = cert.trust_level(purpose);
    let reason = d.reasons.iter().chain(&d.set_aside).find(|r| match r {
        Reason::NotTrustedFor { purpose: p, .. }
        | Reason::DistrustAfterPassed { purpose: p, .. } => *p == purpose,
        _ => false,
    });
    let origin = date_origin(cert, purpose).unwrap_or_default();
    match reason {
        Some(Reason::NotTrustedFor { level: None, .. }) => {
            format!("{purpose}: the trust object states no trust for it, so it does not count.")
        }
        Some(Reason::NotTrustedFor {
            level: Some(TrustLevel::NotTrusted),
            ..
        }) => format!(
            "{purpose}: the trust object says not-trusted: NSS explicitly distrusts it for {purpose}."
        ),
        Some(Reason::NotTrustedFor { level: Some(l), .. }) => format!(
            "{purpose}: the trust object says {l}, not {}, so it does not count.",
            asked_levels(policy)
        ),
        Some(Reason::DistrustAfterPassed { date, cutoff, .. }) => {
            let rule = match policy.distrust_after {
                DistrustAfterMode::Grace => format!(
                    "with {} days of grace the rule keeps the root only until {}",
                    policy.grace_days(purpose),
                    format_time(*cutoff)
                ),
                _ => format!(
                    "the exclude rule leaves the root out once the date has passed ({})",
                    format_time(*cutoff)
                ),
            };
            format!(
                "{purpose}: the trust object says {}, an asked level, but its distrust-after date is {} ({origin}); \
                 {rule}, and the reference time {} is later, so {purpose} does not count.",
                level.map_or("?", TrustLevel::name),
                format_time(*date),
                format_time(policy.at.unix)
            )
        }
        _ if d.purposes.contains(&purpose) => {
            let mut s = format!(
                "{purpose}: the trust object says {}, an asked level.",
                level.map_or("?", TrustLevel::name)
            );
            if let Some(k) = d.dated.iter().find(|k| k.purpose == purpose) {
                let _ = write!(
                    s,
                    " Its distrust-after date is {} ({origin}): {}.",
                    format_time(k.date),
                    match k.cutoff {
                        Some(c) => format!(
                            "only certificates issued before it are trusted, and the rule keeps the root in a bundle until {}",
                            format_time(c)
                        ),
                        None => "ignored under the keep rule".to_owned(),
                    }
                );
            }
            s
        }
        _ => format!("{purpose}: not considered."),
    }
}

fn explain_certificate(out: &mut String, c: &Certificate, policy: &Policy, style: Style) {
    let d = policy.decide(c);
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!("\"{}\"", crate::encode::comment_safe(&c.label)))
    );
    field(out, "SHA-256", &c.sha256_hex());
    field(out, "Subject", &c.subject);
    field(out, "Issuer", &c.issuer);
    field(out, "Serial", &c.serial);
    field(
        out,
        "Valid",
        &format!(
            "{} to {}",
            format_time(c.not_before),
            format_time(c.not_after)
        ),
    );
    field(
        out,
        "Objects",
        &match &c.trust {
            Some(t) => format!(
                "certificate at line {}, trust at line {} (paired by issuer and serial number)",
                c.line, t.line
            ),
            None => format!("certificate at line {}, no trust object", c.line),
        },
    );
    field(
        out,
        "Trust",
        &TrustLevels::from_fn(|p| c.trust_level(p)).stated(),
    );
    let mut dates = Vec::new();
    for (what, p) in [
        ("server", Purpose::ServerAuth),
        ("email", Purpose::EmailProtection),
    ] {
        if let (Some(date), Some(origin)) = (c.distrust_after(p), date_origin(c, p)) {
            dates.push(format!("{what} {} ({origin})", format_time(date)));
        }
    }
    field(
        out,
        "Distrust-after",
        &if dates.is_empty() {
            "none".to_owned()
        } else {
            dates.join("; ")
        },
    );
    field(
        out,
        "CA policy",
        match c.mozilla_ca_policy {
            Some(true) => "CKA_NSS_MOZILLA_CA_POLICY true",
            Some(false) => "CKA_NSS_MOZILLA_CA_POLICY false",
            None => "no CKA_NSS_MOZILLA_CA_POLICY attribute",
        },
    );
    decision_heading(out, policy, d.selected, style);
    let mut steps: Vec<String> = Vec::new();
    if c.trust.is_none() {
        steps.push(
            "No trust object has this certificate's issuer and serial number: NSS gives it no trust, \
             so no policy selects it."
                .to_owned(),
        );
    } else {
        for &p in &policy.purposes {
            steps.push(purpose_step(c, policy, &d, p));
        }
        let at = format_time(policy.at.unix);
        let expired = c.not_after < policy.at.unix;
        // Would --include-expired change the decision? Only when the asked
        // purposes qualify the certificate and expiry alone keeps it out.
        let only_expiry = !d.purposes.is_empty();
        steps.push(match (expired, policy.include_expired) {
            (true, false) if only_expiry => format!(
                "Expiry: not valid after {}, before the reference time {at}: expired, so it is left out \
                 (--include-expired would keep it).",
                format_time(c.not_after)
            ),
            (true, false) => format!(
                "Expiry: not valid after {}, before the reference time {at}: expired as well.",
                format_time(c.not_after)
            ),
            (true, true) => format!(
                "Expiry: expired at {}, but --include-expired keeps expired certificates.",
                format_time(c.not_after)
            ),
            (false, _) => format!(
                "Expiry: valid until {}, after the reference time {at}.",
                format_time(c.not_after)
            ),
        });
    }
    for (i, s) in steps.iter().enumerate() {
        let _ = writeln!(out, "    {}. {s}", i + 1);
    }
    let purposes: Vec<String> = d.purposes.iter().map(|p| p.to_string()).collect();
    let conclusion = if d.selected {
        format!("Selected: it qualifies for {}.", purposes.join(", "))
    } else {
        format!(
            "Left out ({}).",
            keywords(d.reasons.iter().map(Reason::keyword))
        )
    };
    let _ = writeln!(out, "    => {conclusion}");
}

fn explain_record(out: &mut String, r: &TrustRecord, policy: &Policy, style: Style) {
    let d = policy.decide_record(r);
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "\"{}\" (a trust-only object: an explicit distrust record)",
            crate::encode::comment_safe(&r.label)
        ))
    );
    field(out, "Issuer", &name_text(&r.issuer));
    field(out, "Serial", &colon_hex(&r.serial));
    for (a, h) in &r.hashes {
        field(out, &format!("{} (stated)", a.name()), &to_hex(h));
    }
    field(
        out,
        "Objects",
        &format!("trust at line {}, no certificate object", r.line),
    );
    field(out, "Trust", &TrustLevels::from_fn(|p| r.level(p)).stated());
    decision_heading(out, policy, false, style);
    for (i, reason) in d.reasons.iter().enumerate() {
        let s = match reason {
            Reason::NotTrustedFor {
                purpose,
                level: Some(TrustLevel::NotTrusted),
            } => format!("{purpose}: not-trusted: NSS explicitly distrusts certificates with this issuer and serial number."),
            Reason::NoCertificate => "The file holds no certificate for it: it exists so that NSS distrusts that certificate wherever it is met, and never goes in a bundle.".to_owned(),
            other => format!("{other}."),
        };
        let _ = writeln!(out, "    {}. {s}", i + 1);
    }
    let _ = writeln!(out, "    => Left out: nothing to select.");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::ReferenceTime;
    use crate::snapshot;

    fn store() -> Store {
        Store::from_bytes(snapshot::CERTDATA, "certdata.txt").unwrap()
    }

    fn policy(at: &str) -> Policy {
        Policy::new(ReferenceTime::parse_rfc3339(at).unwrap())
    }

    #[test]
    fn fingerprint_queries() {
        assert_eq!(fingerprint_query("AB:CD:EF:01"), Some("abcdef01".into()));
        assert_eq!(fingerprint_query("abcdef0"), None);
        assert_eq!(fingerprint_query("GlobalSign"), None);
    }

    #[test]
    fn find_by_prefix_label_and_errors() {
        let s = store();
        let c = &s.certificates[0];
        let hex = c.sha256_hex();
        let hits = find(&s, &hex[..10].to_uppercase()).unwrap();
        assert!(matches!(hits[..], [Found::Certificate(x)] if x.sha256 == c.sha256));
        // Exact label beats substring: "GlobalSign Root CA" is also in "... - R3".
        let hits = find(&s, "globalsign root ca").unwrap();
        assert_eq!(hits.len(), 1);
        assert!(find(&s, "GlobalSign").unwrap().len() > 1);
        let e = find(&s, "no such root anywhere").unwrap_err().to_string();
        assert!(e.contains("nssroots list"), "{e}");
    }

    #[test]
    fn an_ambiguous_prefix_is_an_error_naming_the_candidates() {
        let mut s = store();
        // No two real fingerprints share 8 digits: make a twin that shares 5 bytes.
        let mut twin = s.certificates[1].clone();
        twin.sha256[..5].copy_from_slice(&s.certificates[0].sha256[..5]);
        twin.label = "Twin".into();
        s.certificates.push(twin);
        let hex = s.certificates[0].sha256_hex();
        let e = find(&s, &hex[..8]).unwrap_err().to_string();
        assert!(e.contains("is ambiguous: it matches 2 certificates"), "{e}");
        assert!(e.contains("Twin") && e.contains(&hex), "{e}");
        // Ten digits tell them apart.
        assert_eq!(find(&s, &hex[..12]).unwrap().len(), 1);
    }

    #[test]
    fn listing_reports_every_object_and_reason() {
        let s = store();
        let l = list(&s, "certdata.txt", &policy("2026-01-03T00:00:00Z"));
        assert_eq!(l.counts.certificates, s.certificates.len());
        assert_eq!(
            l.counts.selected,
            policy("2026-01-03T00:00:00Z").select(&s).selected.len()
        );
        let json = l.to_json().unwrap();
        assert!(json.contains("\"reference_time_source\": \"--at\""));
        let table = l.to_table(Style::plain());
        assert!(table.contains("  no   past-distrust-after\n"), "{table}");
        assert!(!table.contains('\u{1b}'));
        let colored = l.to_table(Style::colored());
        assert!(colored.contains("\u{1b}[32myes\u{1b}[0m\n"), "{colored}");
        assert!(colored.contains("\u{1b}[31mno \u{1b}[0m  \u{1b}[31mpast-distrust-after\u{1b}[0m"));
    }

    #[test]
    fn selected_with_set_aside_purpose_is_explained() {
        let s = store();
        let mut p = policy("2025-04-19T00:00:00Z");
        p.purposes = vec![Purpose::ServerAuth, Purpose::EmailProtection];
        let text = explain(&s, &p, "GlobalSign Root CA", Style::plain()).unwrap();
        assert!(text.contains("SELECTED"), "{text}");
        assert!(
            text.contains("server-auth: the trust object says trusted-delegator, an asked level.")
        );
    }
}
