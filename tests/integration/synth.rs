//! A generator of synthetic certdata.txt fixtures.
//!
//! [`ca`] makes a fresh self-signed CA certificate with rcgen; an [`Entry`]
//! says how one such certificate appears in the file (spelling, trust levels,
//! hashes, distrust-after dates, and the defects the model must catch); a
//! [`Certdata`] writes the entries out in the format of NSS's certdata.txt:
//! a licence-like comment header, `BEGINDATA`, the builtin root list object,
//! then per entry a certificate object and a trust object. The lines are
//! written with the library's certdata.txt writer ([`nssroots::certdata`]),
//! which can also write objects the model rejects.
//!
//! Limits: rcgen always writes positive serial numbers, so negative serials
//! cannot be generated here.

use std::sync::atomic::{AtomicUsize, Ordering};

use md5::Md5;
pub use nssroots::certdata::trust_token;
use nssroots::certdata::{Writer, der_integer, trust_class};
use nssroots::encode::comment_safe;
use nssroots::model::{HashAlgorithm, Spelling, to_hex};
use nssroots::{Purpose, TrustLevel};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_parser::prelude::{FromDer, X509Certificate};

/// A self-signed CA certificate and the DER pieces certdata.txt repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ca {
    /// The subject's common name (distinct for every call of [`ca`]).
    pub common_name: String,
    /// The certificate's DER.
    pub der: Vec<u8>,
    /// DER of the subject name.
    pub subject: Vec<u8>,
    /// DER of the issuer name (equal to the subject: self-signed).
    pub issuer: Vec<u8>,
    /// The serial number as a DER INTEGER (`02 len content`), as in `CKA_SERIAL_NUMBER`.
    pub serial: Vec<u8>,
    /// The serial number's content octets.
    pub serial_content: Vec<u8>,
    /// Lowercase hex SHA-256 of the DER.
    pub sha256: String,
}

static NEXT_CA: AtomicUsize = AtomicUsize::new(1);

/// Unix seconds of an RFC 3339 time such as `2030-01-01T00:00:00Z`.
pub fn unix(rfc3339: &str) -> i64 {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .unwrap_or_else(|e| panic!("{rfc3339:?}: {e}"))
        .unix_timestamp()
}

/// A new self-signed CA valid from 1975 to 4096 (rcgen's defaults).
pub fn ca() -> Ca {
    make_ca(None)
}

/// A new self-signed CA valid from `not_before` to `not_after` (RFC 3339).
pub fn ca_valid(not_before: &str, not_after: &str) -> Ca {
    let t = |s: &str| OffsetDateTime::from_unix_timestamp(unix(s)).expect("time in range");
    make_ca(Some((t(not_before), t(not_after))))
}

fn make_ca(validity: Option<(OffsetDateTime, OffsetDateTime)>) -> Ca {
    let n = NEXT_CA.fetch_add(1, Ordering::Relaxed);
    let common_name = format!("Synthetic Root CA {n}");
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "nssroots tests");
    params
        .distinguished_name
        .push(DnType::CommonName, common_name.as_str());
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    if let Some((not_before, not_after)) = validity {
        params.not_before = not_before;
        params.not_after = not_after;
    }
    let key = KeyPair::generate().expect("generate a key");
    let der = params.self_signed(&key).expect("self-sign").der().to_vec();
    Ca::from_der(common_name, der)
}

impl Ca {
    /// The pieces of a CA certificate made elsewhere (for instance one whose
    /// key signs test servers' certificates).
    pub fn from_der(common_name: String, der: Vec<u8>) -> Ca {
        let (rest, x509) = X509Certificate::from_der(&der).expect("DER parses");
        assert!(rest.is_empty());
        let tbs = &x509.tbs_certificate;
        let serial_content = tbs.raw_serial().to_vec();
        Ca {
            common_name,
            subject: tbs.subject.as_raw().to_vec(),
            issuer: tbs.issuer.as_raw().to_vec(),
            serial: der_integer(&serial_content),
            serial_content,
            sha256: to_hex(&Sha256::digest(&der)),
            der,
        }
    }
}

/// Where a distrust-after date is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the certificate object (where NSS puts them).
    Certificate,
    /// In the trust object.
    Trust,
}

/// How one certificate appears in a fixture. Built with [`Entry::new`] and the
/// chainable setters; by default: NSS spelling, server-auth trusted-delegator,
/// email-protection and code-signing must-verify-trust, all hashes stated and
/// right, no distrust-after date, a certificate object and a trust object.
#[derive(Debug, Clone)]
pub struct Entry {
    ca: Ca,
    label: String,
    trust_label: Option<String>,
    escape_label: bool,
    spelling: Spelling,
    levels: Vec<(Purpose, TrustLevel)>,
    sha1: bool,
    md5: bool,
    sha256: bool,
    corrupt: Option<HashAlgorithm>,
    distrust_after: Vec<(Purpose, i64, Place)>,
    certificate: bool,
    trust: bool,
    duplicate: bool,
    second_trust: Option<(Purpose, TrustLevel)>,
    ca_policy: Option<bool>,
}

impl Entry {
    /// The default entry for `ca`, labelled with its common name.
    pub fn new(ca: &Ca) -> Entry {
        Entry {
            ca: ca.clone(),
            label: ca.common_name.clone(),
            trust_label: None,
            escape_label: false,
            spelling: Spelling::Nss,
            levels: vec![
                (Purpose::ServerAuth, TrustLevel::TrustedDelegator),
                (Purpose::EmailProtection, TrustLevel::MustVerifyTrust),
                (Purpose::CodeSigning, TrustLevel::MustVerifyTrust),
            ],
            sha1: true,
            md5: true,
            sha256: true,
            corrupt: None,
            distrust_after: Vec::new(),
            certificate: true,
            trust: true,
            duplicate: false,
            second_trust: None,
            ca_policy: Some(true),
        }
    }

    /// A trust-only object (an explicit distrust record): no certificate
    /// object, no hashes, not-trusted for server-auth, email-protection and code-signing.
    pub fn distrust_record(ca: &Ca) -> Entry {
        let mut e = Entry::new(ca).no_hashes();
        e.certificate = false;
        e.levels = [
            Purpose::ServerAuth,
            Purpose::EmailProtection,
            Purpose::CodeSigning,
        ]
        .map(|p| (p, TrustLevel::NotTrusted))
        .to_vec();
        e
    }

    /// Sets the label of both objects.
    pub fn label(mut self, label: &str) -> Entry {
        label.clone_into(&mut self.label);
        self
    }

    /// Gives the trust object a label of its own.
    pub fn trust_label(mut self, label: &str) -> Entry {
        self.trust_label = Some(label.to_owned());
        self
    }

    /// Writes every non-ASCII byte of the labels as a `\xNN` escape.
    pub fn escaped_label(mut self) -> Entry {
        self.escape_label = true;
        self
    }

    /// Chooses the spelling of the trust object.
    pub fn spelling(mut self, spelling: Spelling) -> Entry {
        self.spelling = spelling;
        self
    }

    /// Sets the trust level for `purpose`.
    pub fn level(mut self, purpose: Purpose, level: TrustLevel) -> Entry {
        match self.levels.iter_mut().find(|(p, _)| *p == purpose) {
            Some(slot) => slot.1 = level,
            None => self.levels.push((purpose, level)),
        }
        self
    }

    /// States no trust level for `purpose`.
    pub fn without_level(mut self, purpose: Purpose) -> Entry {
        self.levels.retain(|(p, _)| *p != purpose);
        self
    }

    /// Whether the NSS/Netscape trust object states `CKA_CERT_SHA1_HASH` and `CKA_CERT_MD5_HASH`.
    pub fn hashes(mut self, sha1: bool, md5: bool) -> Entry {
        self.sha1 = sha1;
        self.md5 = md5;
        self
    }

    /// States no certificate hash at all (not even the PKCS #11 3.2 one).
    pub fn no_hashes(mut self) -> Entry {
        (self.sha1, self.md5, self.sha256) = (false, false, false);
        self
    }

    /// Writes a wrong hash for `alg` (SHA-1 or MD5; SHA-256 under PKCS #11 3.2).
    pub fn corrupt(mut self, alg: HashAlgorithm) -> Entry {
        self.corrupt = Some(alg);
        self
    }

    /// A distrust-after date (Unix seconds) for server-auth or email-protection, written at `place`.
    pub fn distrust_after(mut self, purpose: Purpose, date: i64, place: Place) -> Entry {
        assert!(matches!(
            purpose,
            Purpose::ServerAuth | Purpose::EmailProtection
        ));
        self.distrust_after.push((purpose, date, place));
        self
    }

    /// Sets `CKA_NSS_MOZILLA_CA_POLICY` (None: no such attribute). Netscape-spelled
    /// entries never have it.
    pub fn ca_policy(mut self, flag: Option<bool>) -> Entry {
        self.ca_policy = flag;
        self
    }

    /// Writes the certificate object with no trust object.
    pub fn no_trust(mut self) -> Entry {
        self.trust = false;
        self
    }

    /// Writes the certificate object twice.
    pub fn duplicated(mut self) -> Entry {
        self.duplicate = true;
        self
    }

    /// Adds a second trust object for the certificate, equal to the first but
    /// with `level` for `purpose` (a repeat if that is the first's level, a conflict otherwise).
    pub fn second_trust(mut self, purpose: Purpose, level: TrustLevel) -> Entry {
        self.second_trust = Some((purpose, level));
        self
    }

    fn date_at(&self, purpose: Purpose, place: Place) -> Option<i64> {
        self.distrust_after
            .iter()
            .find(|(p, _, pl)| *p == purpose && *pl == place)
            .map(|(_, d, _)| *d)
    }
}

/// Where the objects of one entry start (1-based lines of their `CKA_CLASS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lines {
    /// The certificate object.
    pub certificate: Option<usize>,
    /// Its repeat ([`Entry::duplicated`]).
    pub duplicate: Option<usize>,
    /// The trust object.
    pub trust: Option<usize>,
    /// The second trust object ([`Entry::second_trust`]).
    pub second_trust: Option<usize>,
}

/// A generated certdata.txt and where each entry's objects are.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Per entry, in order.
    pub lines: Vec<Lines>,
}

impl Fixture {
    /// The file as text.
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.bytes).expect("fixtures are UTF-8")
    }
}

/// A certdata.txt writer: entries in order, LF or CRLF line endings.
#[derive(Debug, Clone, Default)]
pub struct Certdata {
    entries: Vec<Entry>,
    crlf: bool,
}

/// A distrust-after attribute (`CK_FALSE` for none).
fn write_date(out: &mut Writer, name: &str, date: Option<i64>) {
    out.date(name, date)
        .expect("UTCTime covers 1950 to 2049 only");
}

/// `digest`, with its first byte flipped when `corrupt`.
fn hash_value(mut digest: Vec<u8>, corrupt: bool) -> Vec<u8> {
    if corrupt {
        digest[0] ^= 0xff;
    }
    digest
}

impl Certdata {
    /// An empty file (header, `BEGINDATA` and the root list object only).
    pub fn new() -> Certdata {
        Certdata::default()
    }

    /// Adds an entry.
    pub fn with(mut self, entry: Entry) -> Certdata {
        self.entries.push(entry);
        self
    }

    /// Ends lines with CRLF instead of LF.
    pub fn crlf(mut self) -> Certdata {
        self.crlf = true;
        self
    }

    /// Writes the file.
    pub fn build(&self) -> Fixture {
        let mut out = if self.crlf {
            Writer::new().crlf()
        } else {
            Writer::new()
        };
        for l in [
            "#",
            "# This Source Code Form is subject to the terms of the Mozilla Public",
            "# License, v. 2.0. If a copy of the MPL was not distributed with this",
            "# file, You can obtain one at http://mozilla.org/MPL/2.0/.",
            "#",
            "# Synthetic certdata.txt written by the nssroots test generator.",
            "# The certificates are self-signed test CAs made with rcgen.",
            "#",
            "BEGINDATA",
        ] {
            out.line(l);
        }
        let netscape = !self.entries.is_empty()
            && self
                .entries
                .iter()
                .all(|e| e.spelling == Spelling::Netscape);
        let root_list = if netscape {
            "CKO_NETSCAPE_BUILTIN_ROOT_LIST"
        } else {
            "CKO_NSS_BUILTIN_ROOT_LIST"
        };
        out.object_header(root_list, "Mozilla Builtin Roots", false);

        let mut lines = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let mut l = Lines::default();
            if e.certificate {
                l.certificate = Some(certificate_object(&mut out, e));
                if e.duplicate {
                    l.duplicate = Some(certificate_object(&mut out, e));
                }
            }
            if e.trust {
                l.trust = Some(trust_object(&mut out, e, &e.levels));
                if let Some((purpose, level)) = e.second_trust {
                    let mut levels = e.levels.clone();
                    match levels.iter_mut().find(|(p, _)| *p == purpose) {
                        Some(slot) => slot.1 = level,
                        None => levels.push((purpose, level)),
                    }
                    l.second_trust = Some(trust_object(&mut out, e, &levels));
                }
            }
            lines.push(l);
        }
        Fixture {
            bytes: out.finish().into_bytes(),
            lines,
        }
    }
}

fn certificate_object(out: &mut Writer, e: &Entry) -> usize {
    out.line("");
    out.line("#");
    out.line(&format!("# Certificate \"{}\"", comment_safe(&e.label)));
    out.line("#");
    out.line(&format!("# Fingerprint (SHA-256): {}", e.ca.sha256));
    let line = out.object_header("CKO_CERTIFICATE", &e.label, e.escape_label);
    out.line("CKA_CERTIFICATE_TYPE CK_CERTIFICATE_TYPE CKC_X_509");
    out.octal("CKA_SUBJECT", &e.ca.subject);
    out.line("CKA_ID UTF8 \"0\"");
    out.octal("CKA_ISSUER", &e.ca.issuer);
    out.octal("CKA_SERIAL_NUMBER", &e.ca.serial);
    out.octal("CKA_VALUE", &e.ca.der);
    match e.ca_policy {
        Some(flag) if e.spelling != Spelling::Netscape => {
            out.line(&format!(
                "CKA_NSS_MOZILLA_CA_POLICY CK_BBOOL {}",
                if flag { "CK_TRUE" } else { "CK_FALSE" }
            ));
        }
        _ => {}
    }
    for (purpose, name) in [
        (Purpose::ServerAuth, "CKA_NSS_SERVER_DISTRUST_AFTER"),
        (Purpose::EmailProtection, "CKA_NSS_EMAIL_DISTRUST_AFTER"),
    ] {
        let date = e.date_at(purpose, Place::Certificate);
        // Pre-2011 (Netscape) files have no distrust-after attributes at all.
        if date.is_some() || e.spelling != Spelling::Netscape {
            write_date(out, name, date);
        }
    }
    line
}

fn trust_object(out: &mut Writer, e: &Entry, levels: &[(Purpose, TrustLevel)]) -> usize {
    let label = e.trust_label.as_deref().unwrap_or(&e.label);
    out.line("");
    out.line(&format!("# Trust for \"{}\"", comment_safe(label)));
    let line = out.object_header(trust_class(e.spelling), label, e.escape_label);
    let der = &e.ca.der;
    let bad = |alg| e.corrupt == Some(alg);
    if e.spelling == Spelling::Pkcs11v32 {
        if e.sha256 {
            out.octal(
                "CKA_HASH_OF_CERTIFICATE",
                &hash_value(Sha256::digest(der).to_vec(), bad(HashAlgorithm::Sha256)),
            );
            out.line("CKA_NAME_HASH_ALGORITHM CK_MECHANISM_TYPE CKM_SHA256");
        }
    } else {
        if e.sha1 {
            out.octal(
                "CKA_CERT_SHA1_HASH",
                &hash_value(Sha1::digest(der).to_vec(), bad(HashAlgorithm::Sha1)),
            );
        }
        if e.md5 {
            out.octal(
                "CKA_CERT_MD5_HASH",
                &hash_value(Md5::digest(der).to_vec(), bad(HashAlgorithm::Md5)),
            );
        }
    }
    out.octal("CKA_ISSUER", &e.ca.issuer);
    out.octal("CKA_SERIAL_NUMBER", &e.ca.serial);
    for (purpose, level) in levels {
        out.token(
            purpose.attribute(),
            "CK_TRUST",
            trust_token(e.spelling, *level),
        );
    }
    if e.spelling != Spelling::Pkcs11v32 {
        out.line("CKA_TRUST_STEP_UP_APPROVED CK_BBOOL CK_FALSE");
    }
    for (purpose, name) in [
        (Purpose::ServerAuth, "CKA_NSS_SERVER_DISTRUST_AFTER"),
        (Purpose::EmailProtection, "CKA_NSS_EMAIL_DISTRUST_AFTER"),
    ] {
        if let Some(date) = e.date_at(purpose, Place::Trust) {
            write_date(out, name, Some(date));
        }
    }
    line
}
