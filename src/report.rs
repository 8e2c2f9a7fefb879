//! Pieces shared by the reports of [`crate::inspect`] and [`crate::diff`]:
//! serializable views of the policy, the input and the reasons of a
//! [`Decision`](crate::select::Decision), text layout helpers (columns,
//! truncation, Markdown escaping) and a small ANSI colour helper.
//!
//! JSON reports are made of structs with derived `Serialize`, so their keys
//! come in declaration order; dates are RFC 3339 UTC strings and fingerprints
//! lowercase hex.
//!
//! ```
//! use nssroots::report::{Style, truncate};
//! assert_eq!(truncate("Certigna Root CA", 10), "Certigna …");
//! assert_eq!(Style::plain().green("yes"), "yes");
//! assert_eq!(Style::colored().green("yes"), "\u{1b}[32myes\u{1b}[0m");
//! ```

use std::borrow::Cow;

use serde::{Serialize, Serializer};

use crate::encode::comment_safe;
use crate::model::{Certificate, Purpose, TrustLevel, to_hex};
use crate::select::{DistrustAfterMode, Policy, Reason, TimeSource, format_time};

impl Serialize for Purpose {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Serialize for TrustLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Whether text output carries ANSI colours. The command line turns them on
/// only when standard output is a terminal and `NO_COLOR` is not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    color: bool,
}

impl Style {
    /// No colours.
    pub fn plain() -> Style {
        Style { color: false }
    }

    /// ANSI colours.
    pub fn colored() -> Style {
        Style { color: true }
    }

    /// Colours when `color` is true.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    fn paint<'a>(&self, code: &str, text: &'a str) -> Cow<'a, str> {
        if self.color {
            Cow::Owned(format!("\u{1b}[{code}m{text}\u{1b}[0m"))
        } else {
            Cow::Borrowed(text)
        }
    }

    /// Bold text (headings).
    pub fn bold<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("1", text)
    }

    /// Green text (selected, added).
    pub fn green<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("32", text)
    }

    /// Red text (left out, removed).
    pub fn red<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("31", text)
    }

    /// Yellow text (changed).
    pub fn yellow<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("33", text)
    }

    /// Dimmed text (secondary details).
    pub fn dim<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.paint("2", text)
    }
}

/// `s` cut to at most `width` characters, the last one `…` when cut, with
/// control characters escaped (see [`comment_safe`]).
pub fn truncate(s: &str, width: usize) -> String {
    let s = comment_safe(s);
    if s.chars().count() <= width {
        return s.into_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// `s` padded with spaces to `width` characters (never cut).
pub fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    let mut out = String::with_capacity(s.len() + width.saturating_sub(n));
    out.push_str(s);
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(n)));
    out
}

/// Lays out rows as aligned columns separated by two spaces; the last column
/// is not padded. Widths are counted in characters.
///
/// ```
/// let t = nssroots::report::columns(&[vec!["a".into(), "bb".into()], vec!["ccc".into(), "d".into()]]);
/// assert_eq!(t, "a    bb\nccc  d\n");
/// ```
pub fn columns(rows: &[Vec<String>]) -> String {
    columns_with(rows, |_, _, cell| Cow::Borrowed(cell))
}

/// [`columns`], with `paint(row, column, padded cell)` applied to every cell
/// after padding (so colour codes do not upset the alignment).
pub fn columns_with<'r>(
    rows: &'r [Vec<String>],
    paint: impl for<'c> Fn(usize, usize, &'c str) -> Cow<'c, str>,
) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (r, row) in rows.iter().enumerate() {
        // Drop empty trailing cells so no line ends in spaces.
        let used = row.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1);
        for (i, cell) in row.iter().take(used).enumerate() {
            if i + 1 == used {
                out.push_str(&paint(r, i, cell));
            } else {
                out.push_str(&paint(
                    r,
                    i,
                    &pad(cell, widths.get(i).copied().unwrap_or(0)),
                ));
                out.push_str("  ");
            }
        }
        out.push('\n');
    }
    out
}

/// Text made safe for a Markdown table cell: control characters escaped,
/// `|`, `\`, `` ` ``, `*`, `<`, `>`, `[` and `]` backslash-escaped (`_` is
/// left alone: inside a word it starts no emphasis).
pub fn markdown_cell(s: &str) -> String {
    let s = comment_safe(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '|' | '\\' | '`' | '*' | '<' | '>' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A short name of a trust level for narrow columns (`TD`, `MVT`, ...; `-`
/// when none is stated).
pub fn level_abbrev(level: Option<TrustLevel>) -> &'static str {
    match level {
        None => "-",
        Some(TrustLevel::TrustedDelegator) => "TD",
        Some(TrustLevel::Trusted) => "T",
        Some(TrustLevel::MustVerifyTrust) => "MVT",
        Some(TrustLevel::NotTrusted) => "NT",
        Some(TrustLevel::ValidDelegator) => "VD",
        Some(TrustLevel::TrustUnknown) => "TU",
    }
}

/// The legend of [`level_abbrev`].
pub const LEVEL_LEGEND: &str = "  TD trusted-delegator, T trusted, MVT must-verify-trust, NT not-trusted,\n  \
     VD valid-delegator, TU trust-unknown, - none stated.";

/// The date part (`YYYY-MM-DD`) of an RFC 3339 time.
pub fn day(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

/// An input as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputView {
    /// Where it came from (`file certdata.txt`, `standard input`, the snapshot).
    pub name: String,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
}

impl InputView {
    /// The view of an input named `name` whose bytes hash to `sha256`.
    pub fn new(name: &str, sha256: &[u8; 32]) -> InputView {
        InputView {
            name: name.to_owned(),
            sha256: to_hex(sha256),
        }
    }
}

/// The grace each dated purpose gets under the `grace` rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GraceView {
    /// Days after a server-auth distrust-after date.
    #[serde(rename = "server-auth")]
    pub server_auth: u32,
    /// Days after an email-protection distrust-after date.
    #[serde(rename = "email-protection")]
    pub email_protection: u32,
}

/// A [`Policy`] as reports state it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyView {
    /// The reference time, RFC 3339 UTC.
    pub reference_time: String,
    /// Where it came from: `--at`, `SOURCE_DATE_EPOCH` or `now`.
    pub reference_time_source: &'static str,
    /// Asked purposes.
    pub purposes: Vec<Purpose>,
    /// Asked trust levels.
    pub levels: Vec<TrustLevel>,
    /// Whether expired certificates are kept.
    pub include_expired: bool,
    /// `grace`, `exclude` or `keep`.
    pub distrust_after: &'static str,
    /// Grace in days per dated purpose (used under `grace` only).
    pub grace_days: GraceView,
}

impl PolicyView {
    /// The view of `policy`.
    pub fn new(policy: &Policy) -> PolicyView {
        PolicyView {
            reference_time: format_time(policy.at.unix),
            reference_time_source: match policy.at.source {
                TimeSource::Flag => "--at",
                TimeSource::SourceDateEpoch => "SOURCE_DATE_EPOCH",
                TimeSource::Now => "now",
            },
            purposes: policy.purposes.clone(),
            levels: policy.levels.clone(),
            include_expired: policy.include_expired,
            distrust_after: policy.distrust_after.name(),
            grace_days: GraceView {
                server_auth: policy.grace_days(Purpose::ServerAuth),
                email_protection: policy.grace_days(Purpose::EmailProtection),
            },
        }
    }
}

/// One line of policy for text reports: purposes, levels, expiry, distrust-after.
pub fn policy_summary(policy: &Policy) -> String {
    let names = |v: &[String]| v.join(", ");
    let purposes: Vec<String> = policy.purposes.iter().map(|p| p.to_string()).collect();
    let levels: Vec<String> = policy.levels.iter().map(|l| l.to_string()).collect();
    let rule = match policy.distrust_after {
        DistrustAfterMode::Grace => format!(
            "distrust-after grace +{}/+{} days (server/email)",
            policy.grace_days(Purpose::ServerAuth),
            policy.grace_days(Purpose::EmailProtection)
        ),
        DistrustAfterMode::Exclude => "distrust-after exclude".to_owned(),
        DistrustAfterMode::Keep => "distrust-after keep (dates ignored)".to_owned(),
    };
    format!(
        "purposes {}; levels {}; expired {}; {rule}",
        names(&purposes),
        names(&levels),
        if policy.include_expired {
            "kept"
        } else {
            "left out"
        }
    )
}

/// A [`Reason`] for JSON: its keyword, its sentence, and its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonView {
    /// [`Reason::keyword`] (`expired`, `past-distrust-after`, ...).
    pub kind: &'static str,
    /// The reason in words.
    pub message: String,
    /// The purpose concerned, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    /// The trust level the file gives for it, if the reason is about trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<TrustLevel>,
    /// The distrust-after date, if the reason is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// When the distrust-after rule stopped keeping the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cutoff: Option<String>,
    /// The certificate's notAfter, if the reason is expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
}

impl ReasonView {
    /// The view of `reason`.
    pub fn new(reason: &Reason) -> ReasonView {
        let mut v = ReasonView {
            kind: reason.keyword(),
            message: reason.to_string(),
            purpose: None,
            level: None,
            date: None,
            cutoff: None,
            not_after: None,
        };
        match reason {
            Reason::NoTrustRecord | Reason::NoCertificate => {}
            Reason::NotTrustedFor { purpose, level } => {
                v.purpose = Some(*purpose);
                v.level = *level;
            }
            Reason::DistrustAfterPassed {
                purpose,
                date,
                cutoff,
            } => {
                v.purpose = Some(*purpose);
                v.date = Some(format_time(*date));
                v.cutoff = Some(format_time(*cutoff));
            }
            Reason::Expired { not_after } => v.not_after = Some(format_time(*not_after)),
        }
        v
    }

    /// Views of every reason, in order.
    pub fn all(reasons: &[Reason]) -> Vec<ReasonView> {
        reasons.iter().map(ReasonView::new).collect()
    }
}

/// Reason keywords, each once, in order, joined by `, `.
pub fn keywords<'a>(kinds: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for k in kinds {
        if !seen.contains(&k) {
            seen.push(k);
        }
    }
    seen.join(", ")
}

/// The trust level of every purpose, serialized as a map in [`Purpose::ALL`]
/// order with `null` for purposes the file states no level for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustLevels(pub Vec<(Purpose, Option<TrustLevel>)>);

impl TrustLevels {
    /// Levels through `level`, for every purpose.
    pub fn from_fn(level: impl Fn(Purpose) -> Option<TrustLevel>) -> TrustLevels {
        TrustLevels(Purpose::ALL.iter().map(|&p| (p, level(p))).collect())
    }

    /// Only the purposes that have a level.
    pub fn only_stated(mut self) -> TrustLevels {
        self.0.retain(|(_, l)| l.is_some());
        self
    }

    /// The level for `purpose`.
    pub fn get(&self, purpose: Purpose) -> Option<TrustLevel> {
        self.0
            .iter()
            .find(|(p, _)| *p == purpose)
            .and_then(|(_, l)| *l)
    }

    /// `server-auth trusted-delegator, email-protection must-verify-trust`, or `none stated`.
    pub fn stated(&self) -> String {
        let v: Vec<String> = self
            .0
            .iter()
            .filter_map(|(p, l)| l.map(|l| format!("{p} {l}")))
            .collect();
        if v.is_empty() {
            "none stated".to_owned()
        } else {
            v.join(", ")
        }
    }
}

impl Serialize for TrustLevels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (p, l) in &self.0 {
            m.serialize_entry(p.name(), l)?;
        }
        m.end()
    }
}

/// Where a certificate's distrust-after date for `purpose` is stated, in
/// words: the certificate object, the trust object, or both.
pub fn date_origin(cert: &Certificate, purpose: Purpose) -> Option<String> {
    let own = cert.distrust_after.for_purpose(purpose);
    let trust = cert
        .trust
        .as_ref()
        .and_then(|t| t.distrust_after.for_purpose(purpose));
    Some(match (own, trust) {
        (None, None) => return None,
        (Some(_), None) => "stated in the certificate object".to_owned(),
        (None, Some(_)) => {
            "stated in the trust object; the certificate object states none".to_owned()
        }
        (Some(a), Some(b)) if a == b => "stated in both objects".to_owned(),
        (Some(a), Some(b)) => format!(
            "the earlier of the certificate object's {} and the trust object's {}",
            format_time(a),
            format_time(b)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_padding_count_characters() {
        assert_eq!(truncate("AC Raíz Certicámara S.A.", 9), "AC Raíz …");
        assert_eq!(truncate("short", 9), "short");
        assert_eq!(truncate("a\nb", 9), "a\\u{a}b");
        assert_eq!(pad("Raíz", 6), "Raíz  ");
        assert_eq!(pad("toolong", 3), "toolong");
    }

    #[test]
    fn markdown_cells_cannot_break_tables() {
        // The newline becomes `\u{a}`, whose backslash is escaped in turn.
        assert_eq!(markdown_cell("a|b_c*\n"), "a\\|b_c\\*\\\\u{a}");
    }

    #[test]
    fn columns_align_on_characters() {
        let t = columns(&[
            vec!["Raíz".into(), "x".into(), "end".into()],
            vec!["ab".into(), "yyy".into(), "".into()],
        ]);
        assert_eq!(t, "Raíz  x    end\nab    yyy\n");
    }

    #[test]
    fn reason_views_carry_their_data() {
        let v = ReasonView::new(&Reason::DistrustAfterPassed {
            purpose: Purpose::ServerAuth,
            date: 0,
            cutoff: 86_400,
        });
        assert_eq!(v.kind, "past-distrust-after");
        assert_eq!(v.cutoff.as_deref(), Some("1970-01-02T00:00:00Z"));
        let json = serde_json::to_string(&ReasonView::new(&Reason::NotTrustedFor {
            purpose: Purpose::EmailProtection,
            level: Some(TrustLevel::NotTrusted),
        }))
        .unwrap();
        assert_eq!(
            json,
            r#"{"kind":"explicitly-distrusted","message":"email-protection trust is not-trusted, not an asked level","purpose":"email-protection","level":"not-trusted"}"#
        );
        let reasons = [
            Reason::NoCertificate,
            Reason::NoCertificate,
            Reason::NoTrustRecord,
        ];
        assert_eq!(
            keywords(reasons.iter().map(Reason::keyword)),
            "no-certificate, no-trust-record"
        );
    }

    #[test]
    fn trust_levels_serialize_in_purpose_order() {
        let l = TrustLevels::from_fn(|p| {
            (p == Purpose::EmailProtection).then_some(TrustLevel::TrustedDelegator)
        });
        let json = serde_json::to_string(&l).unwrap();
        assert!(
            json.starts_with(
                r#"{"server-auth":null,"client-auth":null,"email-protection":"trusted-delegator","#
            ),
            "{json}"
        );
        assert_eq!(json.matches(':').count(), 15);
        assert_eq!(l.stated(), "email-protection trusted-delegator");
    }
}
