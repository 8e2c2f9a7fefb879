//! **lint**: what is wrong, odd or worth knowing in a certdata.txt, each
//! finding with its line and a [`Severity`].
//!
//! - **Errors** are what makes `nssroots bundle` refuse the file: syntax
//!   errors (parsing stops there: one finding, and the objects before it are
//!   still checked), and every model error: hash mismatches, trust for a
//!   certificate that is not there, conflicting trust, DER that is not a
//!   certificate, unknown classes. Unlike `bundle`, lint goes on after a model
//!   error and reports them all.
//! - **Warnings**: `#` comments that disagree with the objects (fingerprints,
//!   validity dates and serial numbers against the DER, `# Certificate "..."`
//!   and `# Trust for "..."` names against CKA_LABEL), duplicate labels,
//!   trusted roots already expired and distrust-after dates already past at
//!   the reference time, a certificate and trust object that give different
//!   distrust-after dates, a distrust object whose stated hash is that of a
//!   certificate its issuer and serial do not name, unknown attributes and types, and the model's own
//!   warnings (repeated objects, bare serial numbers).
//! - **Notes**: certificates with no trust object (never selected), with no
//!   distrust-after attributes at all in a file that has them, with a
//!   distrust-after date only in the trust object, with no `# Not Valid
//!   After` comment (curl's mk-ca-bundle.pl leaves those out), and trust-only
//!   distrust objects that state no certificate hash.
//!
//! ```
//! use nssroots::lint::{lint, Severity};
//! let text = "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_NSS_TRUST\nCKA_LABEL UTF8 \"x\"\n\
//!             CKA_ISSUER MULTILINE_OCTAL\n\\060\\000\nEND\nCKA_SERIAL_NUMBER MULTILINE_OCTAL\n\\002\\001\\001\nEND\n\
//!             CKA_TRUST_SERVER_AUTH CK_TRUST CKT_NSS_TRUSTED_DELEGATOR\nCKA_FOO CK_BBOOL CK_TRUE\n";
//! let report = lint(text.as_bytes(), "certdata.txt", 1_750_000_000);
//! assert_eq!(report.errors(), 1);
//! assert_eq!(report.findings[0].line, 2);
//! assert_eq!(report.findings[0].code, "orphan-trust");
//! assert_eq!(report.findings[1].severity, Severity::Warning);
//! assert_eq!(report.findings[1].code, "unknown-attribute");
//! assert!(report.to_text().starts_with("certdata.txt:2: error: trust object \"x\" gives trusted-delegator trust"));
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::error::Error;
use crate::model::{Certificate, HashAlgorithm, Purpose, Store, StoreBuilder};
use crate::parse::{Parser, RawObject, Value};
use crate::select::format_time;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// `nssroots bundle` refuses the file.
    Error,
    /// Probably a mistake, but the file can be used.
    Warning,
    /// Worth knowing.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based line (of the object, attribute or comment concerned).
    pub line: usize,
    /// How bad it is.
    pub severity: Severity,
    /// A stable keyword, such as `hash-mismatch` or `comment-fingerprint`.
    pub code: &'static str,
    /// What is wrong, in one line.
    pub message: String,
}

/// Everything lint found in one input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Name of the input.
    pub source_name: String,
    /// The reference time (Unix seconds) expiry and distrust-after were judged at.
    pub at: i64,
    /// Certificate objects modelled (duplicates counted once).
    pub certificates: usize,
    /// The findings, by line.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// Error findings.
    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    /// Findings with `code`.
    pub fn with_code<'r>(&'r self, code: &'r str) -> impl Iterator<Item = &'r Finding> + 'r {
        self.findings.iter().filter(move |f| f.code == code)
    }

    /// One line per finding (`source:line: severity: message [code]`) and a
    /// summary line.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{}:{}: {}: {} [{}]",
                self.source_name,
                f.line,
                f.severity.name(),
                f.message,
                f.code
            );
        }
        let _ = writeln!(
            out,
            "{}: {} errors, {} warnings, {} notes ({} certificates; reference time {})",
            self.source_name,
            self.errors(),
            self.count(Severity::Warning),
            self.count(Severity::Note),
            self.certificates,
            format_time(self.at)
        );
        out
    }

    /// The report as one JSON object: `source`, `reference_time`,
    /// `certificates`, `errors`, `warnings`, `notes` and `findings` (each with
    /// `line`, `severity`, `code`, `message`).
    pub fn to_json(&self) -> String {
        let value = serde_json::json!({
            "source": self.source_name,
            "reference_time": format_time(self.at),
            "certificates": self.certificates,
            "errors": self.errors(),
            "warnings": self.count(Severity::Warning),
            "notes": self.count(Severity::Note),
            "findings": self.findings,
        });
        let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// Attributes nssroots knows, besides the `CKA_TRUST_*` purposes.
const KNOWN_ATTRIBUTES: &[&str] = &[
    "CKA_CLASS",
    "CKA_TOKEN",
    "CKA_PRIVATE",
    "CKA_MODIFIABLE",
    "CKA_LABEL",
    "CKA_CERTIFICATE_TYPE",
    "CKA_SUBJECT",
    "CKA_ID",
    "CKA_ISSUER",
    "CKA_SERIAL_NUMBER",
    "CKA_VALUE",
    "CKA_NSS_MOZILLA_CA_POLICY",
    "CKA_NSS_SERVER_DISTRUST_AFTER",
    "CKA_NSS_EMAIL_DISTRUST_AFTER",
    "CKA_CERT_SHA1_HASH",
    "CKA_CERT_MD5_HASH",
    "CKA_HASH_OF_CERTIFICATE",
    "CKA_CERT_HASH",
    "CKA_NAME_HASH_ALGORITHM",
    "CKA_TRUST_STEP_UP_APPROVED",
];

const DISTRUST_AFTER: [(&str, Purpose); 2] = [
    ("CKA_NSS_SERVER_DISTRUST_AFTER", Purpose::ServerAuth),
    ("CKA_NSS_EMAIL_DISTRUST_AFTER", Purpose::EmailProtection),
];

/// Lints certdata.txt bytes at reference time `at` (Unix seconds).
pub fn lint(input: &[u8], source_name: &str, at: i64) -> Report {
    let mut findings = Vec::new();
    let mut objects: Vec<RawObject<'_>> = Vec::new();
    let mut parser = Parser::new(source_name);
    let parsed = parser.feed(input, None, &mut |o| {
        objects.push(o);
        Ok(())
    });
    if let Err(e) = parsed.and_then(|()| parser.finish().map(|_| ())) {
        findings.push(from_error(&e));
    }

    let mut uses_distrust_after = false;
    let mut own_dates: HashMap<usize, [bool; 2]> = HashMap::new();
    for obj in &objects {
        raw_checks(obj, &mut findings);
        let has = DISTRUST_AFTER.map(|(name, _)| obj.get(name).is_some());
        uses_distrust_after |= has.iter().any(|&h| h);
        own_dates.insert(obj.line, has);
    }

    let mut builder = StoreBuilder::new(source_name);
    for obj in objects {
        if let Err(e) = builder.add(obj) {
            findings.push(from_error(&e));
        }
    }
    let (store, errors) = builder.finish_all();
    findings.extend(errors.iter().map(from_error));
    for w in &store.warnings {
        findings.push(finding(
            w.line,
            Severity::Warning,
            "model",
            w.message.clone(),
        ));
    }

    let text = String::from_utf8_lossy(input);
    let comments = comment_blocks(&text);
    store_checks(&store, &comments, at, &mut findings);
    for cert in &store.certificates {
        let has = own_dates.get(&cert.line).copied().unwrap_or_default();
        if uses_distrust_after && has == [false, false] {
            findings.push(finding(
                cert.line,
                Severity::Note,
                "no-distrust-after-attributes",
                format!(
                    "certificate \"{}\" has no CKA_NSS_SERVER_DISTRUST_AFTER or CKA_NSS_EMAIL_DISTRUST_AFTER \
                     attribute, unlike other objects in this file",
                    cert.label
                ),
            ));
        }
        for (name, purpose) in DISTRUST_AFTER {
            let in_trust = cert
                .trust
                .as_ref()
                .and_then(|t| t.distrust_after.for_purpose(purpose));
            let in_cert = cert.distrust_after.for_purpose(purpose);
            if let (Some(t), Some(c)) = (in_trust, in_cert)
                && t != c
            {
                findings.push(finding(
                    cert.trust.as_ref().map_or(cert.line, |t| t.line),
                    Severity::Warning,
                    "distrust-after-disagrees",
                    format!(
                        "trust object for \"{}\" gives {name} {} but its certificate object (line {}) gives {}; \
                         nssroots applies the earlier, {}",
                        cert.label,
                        format_time(t),
                        cert.line,
                        format_time(c),
                        format_time(t.min(c))
                    ),
                ));
            }
            if let (Some(date), None) = (in_trust, in_cert) {
                findings.push(finding(
                    cert.trust.as_ref().map_or(cert.line, |t| t.line),
                    Severity::Note,
                    "distrust-after-in-trust",
                    format!(
                        "trust object for \"{}\" gives {name} {} but its certificate object (line {}) does not; \
                         nssroots applies it, tools that read only certificate objects do not",
                        cert.label,
                        format_time(date),
                        cert.line
                    ),
                ));
            }
        }
    }
    findings.sort_by_key(|f| (f.line, f.severity));
    Report {
        source_name: source_name.to_owned(),
        at,
        certificates: store.certificates.len(),
        findings,
    }
}

fn finding(line: usize, severity: Severity, code: &'static str, message: String) -> Finding {
    Finding {
        line,
        severity,
        code,
        message,
    }
}

/// An error of the parser or the model as a finding.
fn from_error(e: &Error) -> Finding {
    let code = match e {
        Error::Syntax { .. } => "syntax",
        Error::Certificate { .. } => "bad-der",
        Error::HashMismatch(_) => "hash-mismatch",
        Error::Conflict { .. } => "conflict",
        Error::TooLarge { .. } => "too-large",
        Error::Object { message, .. }
            if message.contains("no certificate object has its issuer") =>
        {
            "orphan-trust"
        }
        Error::Object { message, .. } if message.starts_with("unknown object class") => {
            "unknown-class"
        }
        _ => "object",
    };
    let message = match e.column() {
        Some(c) => format!("column {c}: {}", e.detail()),
        None => e.detail(),
    };
    finding(e.line().unwrap_or(1), Severity::Error, code, message)
}

/// Unknown attributes and value types.
fn raw_checks(obj: &RawObject<'_>, findings: &mut Vec<Finding>) {
    for a in &obj.attributes {
        if !KNOWN_ATTRIBUTES.contains(&a.name) && Purpose::from_attribute(a.name).is_none() {
            findings.push(finding(
                a.line,
                Severity::Warning,
                "unknown-attribute",
                format!(
                    "unknown attribute {} ({} object); ignored",
                    a.name,
                    obj.class()
                ),
            ));
        }
        if let Value::Other { type_name, .. } = &a.value {
            findings.push(finding(
                a.line,
                Severity::Warning,
                "unknown-type",
                format!("{} has the unknown type {type_name}; ignored", a.name),
            ));
        }
    }
}

/// What the `#` lines before an object say.
#[derive(Debug, Default)]
struct Comments {
    /// `# Certificate "name"` (or `# Trust for ...`): line and name.
    name: Option<(usize, String)>,
    /// `# Field: value` lines: line, field, value.
    fields: Vec<(usize, String, String)>,
}

impl Comments {
    fn field(&self, names: &[&str]) -> Option<(usize, &str)> {
        self.fields
            .iter()
            .find(|(_, f, _)| names.contains(&f.as_str()))
            .map(|(l, _, v)| (*l, v.as_str()))
    }
}

/// The comment block right before each `CKA_CLASS` line, by that line.
fn comment_blocks(text: &str) -> HashMap<usize, Comments> {
    let mut blocks = HashMap::new();
    let mut pending = Comments::default();
    for (i, line) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            for prefix in [
                "Certificate \"",
                "Trust for \"",
                "Trust for Certificate \"",
                "Distrust \"",
                "Explicitly Distrust \"",
            ] {
                if let Some(name) = comment
                    .strip_prefix(prefix)
                    .and_then(|r| r.strip_suffix('"'))
                {
                    pending.name = Some((line_no, name.to_owned()));
                }
            }
            if let Some((field, value)) = comment.split_once(':') {
                pending
                    .fields
                    .push((line_no, field.trim().to_owned(), value.trim().to_owned()));
            }
        } else if line.starts_with("CKA_CLASS") {
            blocks.insert(line_no, std::mem::take(&mut pending));
        } else {
            pending = Comments::default();
        }
    }
    blocks
}

/// Checks on the model and the comments before its objects.
fn store_checks(
    store: &Store,
    comments: &HashMap<usize, Comments>,
    at: i64,
    findings: &mut Vec<Finding>,
) {
    let mut labels: HashMap<&str, usize> = HashMap::new();
    for cert in &store.certificates {
        if let Some(first) = labels.get(cert.label.as_str()) {
            findings.push(finding(
                cert.line,
                Severity::Warning,
                "duplicate-label",
                format!(
                    "certificate label \"{}\" is also the label of the certificate at line {first}; \
                     tools that match trust by label (Debian's certdata2pem.py) mix them up",
                    cert.label
                ),
            ));
        } else {
            labels.insert(&cert.label, cert.line);
        }
        let block = comments.get(&cert.line);
        comment_checks(cert, block, &cert.label, true, findings);
        if block.is_some_and(|b| b.field(&["Not Valid After", "Not After"]).is_none()) {
            findings.push(finding(
                cert.line,
                Severity::Note,
                "no-validity-comment",
                format!(
                    "certificate \"{}\" has no \"# Not Valid After\" comment; curl's mk-ca-bundle.pl leaves such certificates out",
                    cert.label
                ),
            ));
        }
        let Some(trust) = &cert.trust else {
            findings.push(finding(
                cert.line,
                Severity::Note,
                "no-trust",
                format!(
                    "certificate \"{}\" has no trust object with its issuer and serial number; no policy selects it",
                    cert.label
                ),
            ));
            continue;
        };
        if let Some(block) = comments.get(&trust.line) {
            comment_checks(cert, Some(block), &trust.label, false, findings);
        }
        let trusted: Vec<Purpose> = trust
            .levels()
            .filter(|(_, l)| l.is_trusting())
            .map(|(p, _)| p)
            .collect();
        if !trusted.is_empty() && cert.not_after < at {
            findings.push(finding(
                cert.line,
                Severity::Warning,
                "expired",
                format!(
                    "certificate \"{}\" is trusted ({}) but expired at {}, before the reference time",
                    cert.label,
                    names(&trusted),
                    format_time(cert.not_after)
                ),
            ));
        }
        for p in trusted {
            if let Some(date) = cert.distrust_after(p).filter(|&d| d < at) {
                findings.push(finding(
                    cert.line,
                    Severity::Warning,
                    "distrust-after-passed",
                    format!(
                        "certificate \"{}\" is trusted for {p} but its distrust-after date {} has passed: \
                         certificates it issued since are not trusted",
                        cert.label,
                        format_time(date)
                    ),
                ));
            }
        }
    }
    // The certificates by each hash a distrust object states (computed
    // once per algorithm, not once per object).
    let mut by_hash: HashMap<(HashAlgorithm, Vec<u8>), &Certificate> = HashMap::new();
    for record in &store.distrust {
        for (alg, _) in &record.hashes {
            if !by_hash.keys().any(|(a, _)| a == alg) {
                for cert in store.certificates.iter().rev() {
                    by_hash.insert((*alg, alg.digest(&cert.der)), cert);
                }
            }
        }
    }
    for record in &store.distrust {
        if record.hashes.is_empty() {
            findings.push(finding(
                record.line,
                Severity::Note,
                "distrust-without-hash",
                format!(
                    "distrust object \"{}\" has no certificate object and states no certificate hash; \
                     tools that match trust by CKA_CERT_SHA1_HASH cannot apply it",
                    record.label
                ),
            ));
        }
        // Its hash names a certificate its issuer and serial do not: NSS
        // (which pairs by issuer and serial) does not distrust it, tools
        // that pair by hash (Go's parser) do.
        for (alg, hash) in &record.hashes {
            if let Some(cert) = by_hash.get(&(*alg, hash.clone())) {
                findings.push(finding(
                    record.line,
                    Severity::Warning,
                    "distrust-hash-names-other",
                    format!(
                        "distrust object \"{}\" states the {} hash of certificate \"{}\" (line {}), but not its \
                         issuer and serial number: NSS does not distrust that certificate, tools that pair trust by hash do",
                        record.label,
                        alg.name(),
                        cert.label,
                        cert.line
                    ),
                ));
                break;
            }
        }
    }
}

fn names(purposes: &[Purpose]) -> String {
    purposes
        .iter()
        .map(|p| p.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The comment block before one of `cert`'s objects (labelled `label`; the
/// certificate object itself if `certificate_block`) against the certificate.
fn comment_checks(
    cert: &Certificate,
    block: Option<&Comments>,
    label: &str,
    certificate_block: bool,
    findings: &mut Vec<Finding>,
) {
    let Some(block) = block else { return };
    if let Some((line, name)) = &block.name {
        if unescape(name) != label && *name != crate::encode::comment_safe(label) {
            findings.push(finding(
                *line,
                Severity::Warning,
                "comment-label",
                format!(
                    "the comment names \"{name}\" but the object's CKA_LABEL is \"{label}\"{}",
                    if certificate_block {
                        "; curl's mk-ca-bundle.pl stops on this"
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    for (names, alg) in [
        (&["Fingerprint (SHA-256)", "SHA256 Fingerprint"][..], None),
        (
            &["Fingerprint (SHA1)", "SHA1 Fingerprint"][..],
            Some(HashAlgorithm::Sha1),
        ),
        (
            &["Fingerprint (MD5)", "MD5 Fingerprint"][..],
            Some(HashAlgorithm::Md5),
        ),
    ] {
        let Some((line, stated)) = block.field(names) else {
            continue;
        };
        let computed = match alg {
            None => cert.sha256.to_vec(),
            Some(alg) => alg.digest(&cert.der),
        };
        let stated_hex: String = stated
            .chars()
            .filter(|c| c.is_ascii_hexdigit())
            .collect::<String>()
            .to_ascii_lowercase();
        let computed_hex = crate::model::to_hex(&computed);
        if stated_hex != computed_hex {
            findings.push(finding(
                line,
                Severity::Warning,
                "comment-fingerprint",
                format!(
                    "the comment gives {} {stated} for \"{label}\", but its DER hashes to {}",
                    names[0],
                    crate::certdata::colon_hex(&computed)
                ),
            ));
        }
    }
    for (names, actual) in [
        (&["Not Valid Before", "Not Before"][..], cert.not_before),
        (&["Not Valid After", "Not After"][..], cert.not_after),
    ] {
        let Some((line, stated)) = block.field(names) else {
            continue;
        };
        if comment_date(stated) != Some(actual) {
            findings.push(finding(
                line,
                Severity::Warning,
                "comment-date",
                format!(
                    "the comment gives {} {stated:?} for \"{label}\", but the DER says {}",
                    names[0],
                    format_time(actual)
                ),
            ));
        }
    }
    if let Some((line, stated)) = block.field(&["Serial Number"]) {
        if let Some(stated_hex) = comment_serial(stated) {
            let actual = cert
                .serial_number
                .iter()
                .skip_while(|&&b| b == 0)
                .copied()
                .collect::<Vec<u8>>();
            if stated_hex != crate::model::to_hex(&actual) {
                findings.push(finding(
                    line,
                    Severity::Warning,
                    "comment-serial",
                    format!(
                        "the comment gives serial number {stated} for \"{label}\", but the DER says {}",
                        cert.serial
                    ),
                ));
            }
        }
    }
}

/// A comment's name with the `\xNN` escapes of old files decoded, as in
/// CKA_LABEL.
fn unescape(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 2..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes.get(i..i + 2), hex) {
            (Some(b"\\x"), Some(b)) => {
                out.push(b);
                i += 4;
            }
            _ => {
                out.extend(bytes.get(i));
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The serial number of a `# Serial Number:` comment as lowercase hex
/// without leading zeros: `04:00:..` or `1234 (0x4d2)`. `None` for a form
/// not understood (such as negative numbers).
fn comment_serial(stated: &str) -> Option<String> {
    let hex = match stated.split_once("(0x") {
        Some((_, rest)) => rest.strip_suffix(')')?.to_owned(),
        None => stated.replace(':', ""),
    };
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    let trimmed = hex.trim_start_matches('0');
    // Whole bytes, as to_hex writes them.
    Some(if trimmed.len() % 2 == 1 {
        format!("0{trimmed}")
    } else {
        trimmed.to_owned()
    })
}

/// Unix seconds of a comment date: `Tue Sep 01 12:00:00 1998` (NSS) or
/// `Apr  4 15:37:15 2021 GMT` (OpenSSL).
fn comment_date(s: &str) -> Option<i64> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = s
        .split_whitespace()
        .filter(|t| !WEEKDAYS.contains(t) && *t != "GMT" && *t != "UTC")
        .collect();
    let [month, day, hms, year] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? as u8 + 1;
    let mut hms = hms.split(':').map(|n| n.parse::<u8>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let date = time::Date::from_calendar_date(
        year.parse().ok()?,
        time::Month::try_from(month).ok()?,
        day.parse().ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(h, m, sec).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_dates_and_serials_parse() {
        assert_eq!(comment_date("Tue Sep 01 12:00:00 1998"), Some(904_651_200));
        assert_eq!(
            comment_date("Apr  4 15:37:15 2021 GMT"),
            comment_date("Sun Apr 04 15:37:15 2021")
        );
        assert_eq!(comment_date("Tue Sep 31 12:00:00 1998"), None);
        assert_eq!(comment_date("yesterday"), None);
        assert_eq!(
            comment_serial("04:00:00:00:00:01:15:4b:5a:c3:94").as_deref(),
            Some("040000000001154b5ac394")
        );
        assert_eq!(comment_serial("1000 (0x3e8)").as_deref(), Some("03e8"));
        assert_eq!(comment_serial("0 (0x0)").as_deref(), Some(""));
        assert_eq!(comment_serial("-5"), None);
        assert_eq!(unescape("AC Ra\\xC3\\xADz \\x4"), "AC Raíz \\x4");
    }

    #[test]
    fn the_snapshot_has_no_errors() {
        let report = lint(crate::snapshot::CERTDATA, "certdata.txt", 1_745_020_800);
        assert_eq!(report.errors(), 0, "{}", report.to_text());
        assert_eq!(report.with_code("comment-fingerprint").count(), 0);
        assert_eq!(report.with_code("comment-date").count(), 0);
        assert_eq!(report.with_code("comment-serial").count(), 0);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["errors"], 0);
        assert_eq!(json["certificates"], report.certificates);
    }

    #[test]
    fn a_syntax_error_is_one_finding_and_earlier_objects_are_still_checked() {
        let text = "BEGINDATA\nCKA_CLASS CK_OBJECT_CLASS CKO_FOO\nCKA_CLASS CK_OBJECT_CLASS CKO_BAR\nCKA_LABEL UTF8 \"x\n";
        let report = lint(text.as_bytes(), "t", 0);
        let codes: Vec<_> = report.findings.iter().map(|f| (f.line, f.code)).collect();
        assert_eq!(codes, [(2, "unknown-class"), (4, "syntax")]);
        assert!(
            report.findings[1]
                .message
                .starts_with("column 18: string not closed")
        );
    }
}
