//! Stage 3 of the pipeline: **select** the certificates a policy trusts.
//!
//! A [`Policy`] names the purposes and trust levels asked for, the reference
//! time, whether expired roots stay, and how distrust-after dates are applied.
//! [`Policy::decide`] gives the [`Decision`] for one certificate with every
//! reason behind it; [`Policy::select`] applies it to a whole [`Store`].
//!
//! ```
//! use nssroots::{Policy, ReferenceTime, Store, snapshot};
//! let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
//! let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
//! let selection = policy.select(&store);
//! assert!(selection.selected.len() > 100);
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::fmt;
use std::fmt::Write as _;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};
use crate::model::{Certificate, Purpose, Store, TrustLevel, TrustRecord};

const DAY: i64 = 86_400;

/// Where the reference time came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeSource {
    /// `--at`.
    Flag,
    /// The `SOURCE_DATE_EPOCH` environment variable.
    SourceDateEpoch,
    /// The clock when the program ran.
    Now,
}

/// The moment the policy is evaluated at (Unix seconds) and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferenceTime {
    /// Unix seconds.
    pub unix: i64,
    /// Its origin, printed in outputs.
    pub source: TimeSource,
}

impl ReferenceTime {
    /// A reference time given as an RFC 3339 string (`--at`). Outputs say it
    /// came "from --at", as the CLI's do, so a bundle made by a `build.rs`
    /// with it has the bytes of `nssroots bundle --at` with the same time. A fraction of
    /// a second is rounded up: certificate times are whole seconds, and
    /// `20:53:42.5Z` is after a notAfter of `20:53:42Z`.
    ///
    /// ```
    /// use nssroots::ReferenceTime;
    /// let t = ReferenceTime::parse_rfc3339("2026-11-27T20:53:42.5Z")?;
    /// assert_eq!(t.unix, ReferenceTime::parse_rfc3339("2026-11-27T20:53:43Z")?.unix);
    /// # Ok::<(), nssroots::Error>(())
    /// ```
    pub fn parse_rfc3339(s: &str) -> Result<ReferenceTime> {
        let t = OffsetDateTime::parse(s, &Rfc3339).map_err(|e| {
            Error::Invalid(format!(
                "--at {s:?} is not an RFC 3339 time ({e}); expected e.g. 2026-11-22T23:15:00Z"
            ))
        })?;
        Ok(ReferenceTime {
            unix: t.unix_timestamp() + i64::from(t.nanosecond() > 0),
            source: TimeSource::Flag,
        })
    }

    /// A reference time from a `SOURCE_DATE_EPOCH` value (decimal Unix seconds).
    pub fn from_source_date_epoch(s: &str) -> Result<ReferenceTime> {
        let unix: i64 = s.trim().parse().map_err(|_| {
            Error::Invalid(format!(
                "SOURCE_DATE_EPOCH={s:?} is not a decimal number of seconds since 1970"
            ))
        })?;
        OffsetDateTime::from_unix_timestamp(unix)
            .map_err(|_| Error::Invalid(format!("SOURCE_DATE_EPOCH={s:?} is out of range")))?;
        Ok(ReferenceTime {
            unix,
            source: TimeSource::SourceDateEpoch,
        })
    }

    /// The current time.
    pub fn now() -> ReferenceTime {
        ReferenceTime {
            unix: OffsetDateTime::now_utc().unix_timestamp(),
            source: TimeSource::Now,
        }
    }

    /// The reference time the way the command line resolves it: `--at`, else
    /// `SOURCE_DATE_EPOCH` (passed in by the caller), else now.
    pub fn resolve(at: Option<&str>, source_date_epoch: Option<&str>) -> Result<ReferenceTime> {
        match (at, source_date_epoch) {
            (Some(at), _) => ReferenceTime::parse_rfc3339(at),
            (None, Some(sde)) if !sde.is_empty() => ReferenceTime::from_source_date_epoch(sde),
            _ => Ok(ReferenceTime::now()),
        }
    }
}

impl fmt::Display for ReferenceTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = match self.source {
            TimeSource::Flag => "from --at",
            TimeSource::SourceDateEpoch => "from SOURCE_DATE_EPOCH",
            TimeSource::Now => "the current time",
        };
        write!(f, "{} ({from})", format_time(self.unix))
    }
}

/// Unix seconds as RFC 3339 UTC (`2024-11-30T23:59:59Z`); `@` and the
/// number for a time outside the years 0000-9999.
///
/// ```
/// assert_eq!(nssroots::select::format_time(1_733_011_199), "2024-11-30T23:59:59Z");
/// assert_eq!(nssroots::select::format_time(-1), "1969-12-31T23:59:59Z");
/// ```
pub fn format_time(unix: i64) -> String {
    let mut out = String::with_capacity(20);
    push_time(&mut out, unix);
    out
}

/// Appends [`format_time`] to `out`. The date is computed directly (the
/// civil-from-days algorithm of H. Hinnant's `chrono`-compatible date
/// library), without the `time` crate's formatter, which cost a third of a
/// PEM comment block; a test compares the two over the whole range.
pub fn push_time(out: &mut String, unix: i64) {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if !(0..=9999).contains(&year) {
        let _ = write!(out, "@{unix}");
        return;
    }
    let mut push = |v: i64, width: u32, after: char| {
        for k in (0..width).rev() {
            let digit = (v / 10i64.pow(k)) % 10;
            out.push(char::from(b'0' + digit as u8));
        }
        out.push(after);
    };
    push(year, 4, '-');
    push(month, 2, '-');
    push(day, 2, 'T');
    push(secs / 3600, 2, ':');
    push(secs / 60 % 60, 2, ':');
    push(secs % 60, 2, 'Z');
}

kebab_enum!(
    /// How distrust-after dates are applied.
    DistrustAfterMode, "distrust-after rule" {
        /// Leave a root out once the reference time is past its date plus the
        /// longest lifetime a certificate issued before the date can still have.
        Grace = "grace",
        /// Leave a root out as soon as its date has passed.
        Exclude = "exclude",
        /// Ignore the dates (what curl, Debian and Go do).
        Keep = "keep",
    }
);

/// Default grace, in days, for a purpose: the longest validity a certificate
/// issued just before the distrust-after date may have (398 days for TLS server
/// certificates under the CA/Browser Forum Baseline Requirements, 825 days for
/// S/MIME certificates under the S/MIME Baseline Requirements). Other purposes
/// carry no distrust-after dates.
pub fn default_grace_days(purpose: Purpose) -> u32 {
    match purpose {
        Purpose::EmailProtection => 825,
        _ => 398,
    }
}

/// What a bundle trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Purposes asked for (any one suffices).
    pub purposes: Vec<Purpose>,
    /// Trust levels asked for.
    pub levels: Vec<TrustLevel>,
    /// The moment the policy is evaluated at.
    pub at: ReferenceTime,
    /// Keep certificates whose notAfter is before the reference time.
    pub include_expired: bool,
    /// How distrust-after dates apply.
    pub distrust_after: DistrustAfterMode,
    /// Grace in days for every purpose, instead of [`default_grace_days`].
    /// Only [`DistrustAfterMode::Grace`] uses it (the CLI refuses it with the
    /// other rules; here it is ignored).
    pub grace_days: Option<u32>,
}

/// Why a certificate is not selected (or, for `WithinGrace`, why it is despite a date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// No trust object has its issuer and serial number.
    NoTrustRecord,
    /// The trust for an asked purpose is not an asked level.
    NotTrustedFor {
        /// The purpose.
        purpose: Purpose,
        /// The level the file gives (None: not stated).
        level: Option<TrustLevel>,
    },
    /// Trusted for the purpose, but the distrust-after rule removes it.
    DistrustAfterPassed {
        /// The purpose.
        purpose: Purpose,
        /// The distrust-after date.
        date: i64,
        /// When the root stops being kept (date, plus grace under `grace`).
        cutoff: i64,
    },
    /// notAfter is before the reference time.
    Expired {
        /// notAfter.
        not_after: i64,
    },
    /// A trust-only object (an explicit distrust record): there is no
    /// certificate to put in a bundle.
    NoCertificate,
}

impl Reason {
    /// A short machine-stable keyword for the reason.
    pub fn keyword(&self) -> &'static str {
        match self {
            Reason::NoTrustRecord => "no-trust-record",
            Reason::NotTrustedFor {
                level: Some(TrustLevel::NotTrusted),
                ..
            } => "explicitly-distrusted",
            Reason::NotTrustedFor { .. } => "not-trusted-for-purpose",
            Reason::DistrustAfterPassed { .. } => "past-distrust-after",
            Reason::Expired { .. } => "expired",
            Reason::NoCertificate => "no-certificate",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoTrustRecord => {
                f.write_str("no trust object has its issuer and serial number")
            }
            Reason::NotTrustedFor {
                purpose,
                level: Some(l),
            } => {
                write!(f, "{purpose} trust is {l}, not an asked level")
            }
            Reason::NotTrustedFor {
                purpose,
                level: None,
            } => {
                write!(f, "no {purpose} trust is stated")
            }
            Reason::DistrustAfterPassed {
                purpose,
                date,
                cutoff,
            } => write!(
                f,
                "{purpose} distrust-after {} and the rule keeps it only until {}",
                format_time(*date),
                format_time(*cutoff)
            ),
            Reason::Expired { not_after } => write!(f, "expired at {}", format_time(*not_after)),
            Reason::NoCertificate => {
                f.write_str("a trust-only object: there is no certificate object to select")
            }
        }
    }
}

/// A trusted purpose whose distrust-after date did not (yet) remove the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDespiteDate {
    /// The purpose.
    pub purpose: Purpose,
    /// The distrust-after date.
    pub date: i64,
    /// When it will be removed, if the rule removes it at all (None under `keep`).
    pub cutoff: Option<i64>,
}

/// The decision for one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the policy selects it.
    pub selected: bool,
    /// Purposes for which it qualified.
    pub purposes: Vec<Purpose>,
    /// Why not (when not selected): every reason found.
    pub reasons: Vec<Reason>,
    /// When selected: why it did not qualify for the other asked purposes
    /// (empty when not selected, where `reasons` holds them).
    pub set_aside: Vec<Reason>,
    /// Qualifying purposes that carry a distrust-after date.
    pub dated: Vec<KeptDespiteDate>,
}

/// The outcome of a policy over a store.
#[derive(Debug)]
pub struct Selection<'s> {
    /// Selected certificates, in source order, with their decisions.
    pub selected: Vec<(&'s Certificate, Decision)>,
    /// Certificates left out, in source order, with their decisions.
    pub rejected: Vec<(&'s Certificate, Decision)>,
}

impl Policy {
    /// The default policy (server-auth, trusted-delegator, expired left out,
    /// distrust-after with grace) at `at`.
    pub fn new(at: ReferenceTime) -> Policy {
        Policy {
            purposes: vec![Purpose::ServerAuth],
            levels: vec![TrustLevel::TrustedDelegator],
            at,
            include_expired: false,
            distrust_after: DistrustAfterMode::Grace,
            grace_days: None,
        }
    }

    /// Drops repeated purposes and levels, keeping the first occurrence of
    /// each, so the header states every one once and in the order given.
    ///
    /// ```
    /// use nssroots::{Policy, Purpose, ReferenceTime};
    /// let mut p = Policy::new(ReferenceTime::resolve(Some("2025-01-01T00:00:00Z"), None).unwrap());
    /// p.purposes = vec![Purpose::ServerAuth, Purpose::EmailProtection, Purpose::ServerAuth];
    /// p.dedup();
    /// assert_eq!(p.purposes, [Purpose::ServerAuth, Purpose::EmailProtection]);
    /// ```
    pub fn dedup(&mut self) {
        fn first_only<T: PartialEq + Copy>(items: &mut Vec<T>) {
            let mut seen = Vec::with_capacity(items.len());
            items.retain(|x| {
                let new = !seen.contains(x);
                if new {
                    seen.push(*x);
                }
                new
            });
        }
        first_only(&mut self.purposes);
        first_only(&mut self.levels);
    }

    /// Grace in days for `purpose`.
    pub fn grace_days(&self, purpose: Purpose) -> u32 {
        self.grace_days
            .unwrap_or_else(|| default_grace_days(purpose))
    }

    /// The moment after which a root with distrust-after `date` for `purpose`
    /// is left out (None: never, under `keep`).
    pub fn cutoff(&self, purpose: Purpose, date: i64) -> Option<i64> {
        match self.distrust_after {
            DistrustAfterMode::Keep => None,
            DistrustAfterMode::Exclude => Some(date),
            DistrustAfterMode::Grace => {
                Some(date.saturating_add(i64::from(self.grace_days(purpose)) * DAY))
            }
        }
    }

    /// Decides one certificate.
    pub fn decide(&self, cert: &Certificate) -> Decision {
        let mut d = Decision {
            selected: false,
            purposes: Vec::new(),
            reasons: Vec::new(),
            set_aside: Vec::new(),
            dated: Vec::new(),
        };
        if cert.trust.is_none() {
            d.reasons.push(Reason::NoTrustRecord);
            return d;
        }
        for &purpose in &self.purposes {
            if let Some(r) = self.level_reason(purpose, cert.trust_level(purpose)) {
                d.reasons.push(r);
                continue;
            }
            if let Some(date) = cert.distrust_after(purpose) {
                let cutoff = self.cutoff(purpose, date);
                if let Some(cutoff) = cutoff.filter(|&c| self.at.unix > c) {
                    d.reasons.push(Reason::DistrustAfterPassed {
                        purpose,
                        date,
                        cutoff,
                    });
                    continue;
                }
                d.dated.push(KeptDespiteDate {
                    purpose,
                    date,
                    cutoff,
                });
            }
            d.purposes.push(purpose);
        }
        if !self.include_expired && cert.not_after < self.at.unix {
            d.reasons.push(Reason::Expired {
                not_after: cert.not_after,
            });
        }
        d.selected = !d.purposes.is_empty()
            && !d
                .reasons
                .iter()
                .any(|r| matches!(r, Reason::Expired { .. }));
        if d.selected {
            d.set_aside = std::mem::take(&mut d.reasons);
        }
        d
    }

    /// Why `level` for `purpose` does not qualify (None: it is an asked level).
    fn level_reason(&self, purpose: Purpose, level: Option<TrustLevel>) -> Option<Reason> {
        (!level.is_some_and(|l| self.levels.contains(&l)))
            .then_some(Reason::NotTrustedFor { purpose, level })
    }

    /// Decides a trust-only object (one of [`Store::distrust`]): never
    /// selected; the reasons give its level for each asked purpose that is not
    /// an asked level, then [`Reason::NoCertificate`].
    ///
    /// ```
    /// use nssroots::{Policy, ReferenceTime, Reason};
    /// let store = nssroots::Store::from_bytes(nssroots::snapshot::CERTDATA, "certdata.txt")?;
    /// let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
    /// for record in &store.distrust {
    ///     let d = policy.decide_record(record);
    ///     assert!(!d.selected);
    ///     assert_eq!(d.reasons.last(), Some(&Reason::NoCertificate));
    /// }
    /// # Ok::<(), nssroots::Error>(())
    /// ```
    pub fn decide_record(&self, record: &TrustRecord) -> Decision {
        let mut reasons: Vec<Reason> = self
            .purposes
            .iter()
            .filter_map(|&p| self.level_reason(p, record.level(p)))
            .collect();
        reasons.push(Reason::NoCertificate);
        Decision {
            selected: false,
            purposes: Vec::new(),
            reasons,
            set_aside: Vec::new(),
            dated: Vec::new(),
        }
    }

    /// Applies the policy to every certificate of `store`.
    pub fn select<'s>(&self, store: &'s Store) -> Selection<'s> {
        let mut selection = Selection {
            selected: Vec::new(),
            rejected: Vec::new(),
        };
        for cert in &store.certificates {
            let d = self.decide(cert);
            if d.selected {
                selection.selected.push((cert, d));
            } else {
                selection.rejected.push((cert, d));
            }
        }
        selection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The direct formatter writes what the `time` crate writes, over the
    /// whole range it covers and at every boundary that matters.
    #[test]
    fn push_time_writes_what_the_time_crate_writes() {
        let reference = |unix: i64| {
            OffsetDateTime::from_unix_timestamp(unix)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| format!("@{unix}"))
        };
        let year0 = -62_167_219_200i64; // 0000-01-01T00:00:00Z
        let year10000 = 253_402_300_800i64; // 10000-01-01T00:00:00Z
        let mut edges = vec![
            0,
            -1,
            1,
            year0,
            year0 - 1,
            year10000,
            year10000 - 1,
            951_782_400,    // 2000-02-29
            4_107_542_400,  // 2100-03-01
            -2_203_891_200, // 1900-02-28
            i64::MAX,
            i64::MIN,
        ];
        // A pseudo-random walk over the range (deterministic).
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let span = (year10000 - year0 + 20_000_000) as u64;
            edges.push(year0 - 10_000_000 + (x % span) as i64);
        }
        for unix in edges {
            assert_eq!(format_time(unix), reference(unix), "{unix}");
        }
    }

    #[test]
    fn reference_time_sources() {
        let t = ReferenceTime::resolve(Some("2026-11-22T23:15:00Z"), Some("1")).unwrap();
        assert_eq!(t.unix, 1_795_389_300);
        assert_eq!(t.source, TimeSource::Flag);
        assert_eq!(t.to_string(), "2026-11-22T23:15:00Z (from --at)");
        let t = ReferenceTime::resolve(None, Some("1700000000")).unwrap();
        assert_eq!(
            (t.unix, t.source),
            (1_700_000_000, TimeSource::SourceDateEpoch)
        );
        assert_eq!(
            ReferenceTime::resolve(None, None).unwrap().source,
            TimeSource::Now
        );
        assert_eq!(
            ReferenceTime::resolve(None, Some("")).unwrap().source,
            TimeSource::Now
        );
        assert!(ReferenceTime::resolve(None, Some("yesterday")).is_err());
        assert!(
            ReferenceTime::resolve(Some("2026-11-22"), None)
                .unwrap_err()
                .to_string()
                .contains("RFC 3339")
        );
        let t = ReferenceTime::parse_rfc3339("2026-11-23T01:15:00+02:00").unwrap();
        assert_eq!(t.unix, 1_795_389_300);
    }

    #[test]
    fn selected_certificates_keep_the_reasons_of_other_purposes_apart() {
        let store = Store::from_bytes(crate::snapshot::CERTDATA, "certdata.txt").unwrap();
        let mut p = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z").unwrap());
        p.purposes = vec![Purpose::ServerAuth, Purpose::EmailProtection];
        let cert = store
            .certificates
            .iter()
            .find(|c| c.label == "Amazon Root CA 1")
            .unwrap();
        let d = p.decide(cert);
        assert!(d.selected);
        assert!(d.reasons.is_empty());
        assert_eq!(d.purposes, [Purpose::ServerAuth, Purpose::EmailProtection]);
        let telekom = store
            .certificates
            .iter()
            .find(|c| c.label == "Telekom Security TLS RSA Root 2023")
            .unwrap();
        let d = p.decide(telekom);
        assert!(d.selected && d.reasons.is_empty());
        assert_eq!(
            d.set_aside,
            [Reason::NotTrustedFor {
                purpose: Purpose::EmailProtection,
                level: Some(TrustLevel::MustVerifyTrust)
            }]
        );
    }

    #[test]
    fn cutoffs_per_mode() {
        let mut p = Policy::new(ReferenceTime::now());
        assert_eq!(p.cutoff(Purpose::ServerAuth, 0), Some(398 * DAY));
        assert_eq!(p.cutoff(Purpose::EmailProtection, 0), Some(825 * DAY));
        p.grace_days = Some(10);
        assert_eq!(p.cutoff(Purpose::EmailProtection, 0), Some(10 * DAY));
        p.distrust_after = DistrustAfterMode::Exclude;
        assert_eq!(p.cutoff(Purpose::ServerAuth, 5), Some(5));
        p.distrust_after = DistrustAfterMode::Keep;
        assert_eq!(p.cutoff(Purpose::ServerAuth, 5), None);
    }
}
