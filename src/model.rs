//! Stage 2 of the pipeline: the **model**: certificates and the trust NSS
//! gives them.
//!
//! [`Store::from_document`] turns the raw objects of [`crate::parse`] into
//! [`Certificate`]s, each with the [`TrustRecord`] that belongs to it, plus the
//! trust-only distrust records. Trust is paired with its certificate by
//! `CKA_ISSUER` + `CKA_SERIAL_NUMBER` only, never by label, position or comment
//! (labels repeat, comments lie), and both are checked against the certificate's
//! DER. Every certificate hash a trust object states (SHA-1, MD5, or the
//! PKCS #11 3.2 `CKA_HASH_OF_CERTIFICATE`/`CKA_CERT_HASH`) is recomputed and must
//! match.
//!
//! All three spellings are understood: `CKO_NSS_TRUST`/`CKT_NSS_*`, the pre-2011
//! `CKO_NETSCAPE_TRUST`/`CKT_NETSCAPE_*`, and the PKCS #11 3.2 `CKO_TRUST` with
//! `CKT_TRUST_ANCHOR`, `CKT_TRUSTED`, `CKT_NOT_TRUSTED`,
//! `CKT_TRUST_MUST_VERIFY_TRUST` and `CKT_TRUST_UNKNOWN`.
//!
//! ```
//! let store = nssroots::Store::from_bytes(nssroots::snapshot::CERTDATA, "certdata.txt")?;
//! let globalsign = store.certificates.iter().find(|c| c.label == "GlobalSign Root CA").unwrap();
//! assert_eq!(
//!     globalsign.trust_level(nssroots::Purpose::ServerAuth),
//!     Some(nssroots::TrustLevel::TrustedDelegator)
//! );
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::HashMap;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};
use x509_parser::nom::Parser as _;
use x509_parser::prelude::X509CertificateParser;

use crate::error::{Error, HashMismatch, Result};
use crate::parse::{self, Attribute, RawObject, Value};

mod md5_lanes;
mod pieces;
mod split;

kebab_enum!(
    /// A purpose NSS gives trust for: one per `CKA_TRUST_*` attribute.
    Purpose, "purpose" {
        /// `CKA_TRUST_SERVER_AUTH`
        ServerAuth = "server-auth",
        /// `CKA_TRUST_CLIENT_AUTH`
        ClientAuth = "client-auth",
        /// `CKA_TRUST_EMAIL_PROTECTION`
        EmailProtection = "email-protection",
        /// `CKA_TRUST_CODE_SIGNING`
        CodeSigning = "code-signing",
        /// `CKA_TRUST_TIME_STAMPING`
        TimeStamping = "time-stamping",
        /// `CKA_TRUST_IPSEC_END_SYSTEM`
        IpsecEndSystem = "ipsec-end-system",
        /// `CKA_TRUST_IPSEC_TUNNEL`
        IpsecTunnel = "ipsec-tunnel",
        /// `CKA_TRUST_IPSEC_USER`
        IpsecUser = "ipsec-user",
        /// `CKA_TRUST_DIGITAL_SIGNATURE`
        DigitalSignature = "digital-signature",
        /// `CKA_TRUST_NON_REPUDIATION`
        NonRepudiation = "non-repudiation",
        /// `CKA_TRUST_KEY_ENCIPHERMENT`
        KeyEncipherment = "key-encipherment",
        /// `CKA_TRUST_DATA_ENCIPHERMENT`
        DataEncipherment = "data-encipherment",
        /// `CKA_TRUST_KEY_AGREEMENT`
        KeyAgreement = "key-agreement",
        /// `CKA_TRUST_KEY_CERT_SIGN`
        KeyCertSign = "key-cert-sign",
        /// `CKA_TRUST_CRL_SIGN`
        CrlSign = "crl-sign",
    }
);

impl Purpose {
    /// The certdata.txt attribute that carries this purpose's trust.
    pub fn attribute(self) -> &'static str {
        match self {
            Purpose::ServerAuth => "CKA_TRUST_SERVER_AUTH",
            Purpose::ClientAuth => "CKA_TRUST_CLIENT_AUTH",
            Purpose::EmailProtection => "CKA_TRUST_EMAIL_PROTECTION",
            Purpose::CodeSigning => "CKA_TRUST_CODE_SIGNING",
            Purpose::TimeStamping => "CKA_TRUST_TIME_STAMPING",
            Purpose::IpsecEndSystem => "CKA_TRUST_IPSEC_END_SYSTEM",
            Purpose::IpsecTunnel => "CKA_TRUST_IPSEC_TUNNEL",
            Purpose::IpsecUser => "CKA_TRUST_IPSEC_USER",
            Purpose::DigitalSignature => "CKA_TRUST_DIGITAL_SIGNATURE",
            Purpose::NonRepudiation => "CKA_TRUST_NON_REPUDIATION",
            Purpose::KeyEncipherment => "CKA_TRUST_KEY_ENCIPHERMENT",
            Purpose::DataEncipherment => "CKA_TRUST_DATA_ENCIPHERMENT",
            Purpose::KeyAgreement => "CKA_TRUST_KEY_AGREEMENT",
            Purpose::KeyCertSign => "CKA_TRUST_KEY_CERT_SIGN",
            Purpose::CrlSign => "CKA_TRUST_CRL_SIGN",
        }
    }

    /// The purpose carried by a `CKA_TRUST_*` attribute name.
    pub fn from_attribute(name: &str) -> Option<Purpose> {
        Purpose::ALL.iter().copied().find(|p| p.attribute() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

kebab_enum!(
    /// A trust level, whatever its spelling in the file.
    TrustLevel, "trust level" {
        /// A trust anchor: `CKT_NSS_TRUSTED_DELEGATOR`, `CKT_NETSCAPE_TRUSTED_DELEGATOR`, `CKT_TRUST_ANCHOR`.
        TrustedDelegator = "trusted-delegator",
        /// Trusted as an end entity: `CKT_NSS_TRUSTED`, `CKT_NETSCAPE_TRUSTED`, `CKT_TRUSTED`.
        Trusted = "trusted",
        /// Neither trusted nor distrusted: `CKT_NSS_MUST_VERIFY_TRUST`, `CKT_NETSCAPE_MUST_VERIFY`,
        /// `CKT_TRUST_MUST_VERIFY_TRUST`.
        MustVerifyTrust = "must-verify-trust",
        /// Explicitly distrusted: `CKT_NSS_NOT_TRUSTED`, `CKT_NETSCAPE_UNTRUSTED`, `CKT_NOT_TRUSTED`,
        /// and the old `CKT_NSS_VALID`/`CKT_NETSCAPE_VALID`, which NSS's header says "really means
        /// CKT_NSS_NOT_TRUSTED".
        NotTrusted = "not-trusted",
        /// `CKT_NSS_VALID_DELEGATOR`, `CKT_NETSCAPE_VALID_DELEGATOR`.
        ValidDelegator = "valid-delegator",
        /// `CKT_NSS_TRUST_UNKNOWN`, `CKT_NETSCAPE_TRUST_UNKNOWN`, `CKT_TRUST_UNKNOWN`.
        TrustUnknown = "trust-unknown",
    }
);

impl TrustLevel {
    /// The level a `CKT_*` token means, in any of the three spellings.
    pub fn from_token(token: &str) -> Option<TrustLevel> {
        use TrustLevel::*;
        Some(match token {
            "CKT_NSS_TRUSTED_DELEGATOR" | "CKT_NETSCAPE_TRUSTED_DELEGATOR" | "CKT_TRUST_ANCHOR" => {
                TrustedDelegator
            }
            "CKT_NSS_TRUSTED" | "CKT_NETSCAPE_TRUSTED" | "CKT_TRUSTED" => Trusted,
            "CKT_NSS_MUST_VERIFY_TRUST"
            | "CKT_NSS_MUST_VERIFY"
            | "CKT_NETSCAPE_MUST_VERIFY"
            | "CKT_NETSCAPE_MUST_VERIFY_TRUST"
            | "CKT_TRUST_MUST_VERIFY_TRUST" => MustVerifyTrust,
            "CKT_NSS_NOT_TRUSTED"
            | "CKT_NSS_UNTRUSTED"
            | "CKT_NETSCAPE_UNTRUSTED"
            | "CKT_NETSCAPE_NOT_TRUSTED"
            | "CKT_NOT_TRUSTED"
            | "CKT_NSS_VALID"
            | "CKT_NETSCAPE_VALID" => NotTrusted,
            "CKT_NSS_VALID_DELEGATOR" | "CKT_NETSCAPE_VALID_DELEGATOR" => ValidDelegator,
            "CKT_NSS_TRUST_UNKNOWN" | "CKT_NETSCAPE_TRUST_UNKNOWN" | "CKT_TRUST_UNKNOWN" => {
                TrustUnknown
            }
            _ => return None,
        })
    }

    /// Whether this level makes a certificate trusted for the purpose
    /// (as an anchor or as an end entity).
    pub fn is_trusting(self) -> bool {
        matches!(
            self,
            TrustLevel::TrustedDelegator | TrustLevel::Trusted | TrustLevel::ValidDelegator
        )
    }
}

/// A hash algorithm a trust object may state a certificate hash in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HashAlgorithm {
    /// MD5 (`CKA_CERT_MD5_HASH`, `CKM_MD5`)
    Md5,
    /// SHA-1 (`CKA_CERT_SHA1_HASH`, `CKM_SHA_1`)
    Sha1,
    /// SHA-224 (`CKM_SHA224`)
    Sha224,
    /// SHA-256 (`CKM_SHA256`)
    Sha256,
    /// SHA-384 (`CKM_SHA384`)
    Sha384,
    /// SHA-512 (`CKM_SHA512`)
    Sha512,
}

impl HashAlgorithm {
    /// Every algorithm.
    pub const ALL: [HashAlgorithm; 6] = [
        HashAlgorithm::Md5,
        HashAlgorithm::Sha1,
        HashAlgorithm::Sha224,
        HashAlgorithm::Sha256,
        HashAlgorithm::Sha384,
        HashAlgorithm::Sha512,
    ];

    /// Display name, such as `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Md5 => "MD5",
            HashAlgorithm::Sha1 => "SHA-1",
            HashAlgorithm::Sha224 => "SHA-224",
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sha384 => "SHA-384",
            HashAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// The algorithm of a `CKM_*` mechanism token.
    pub fn from_mechanism(token: &str) -> Option<HashAlgorithm> {
        Some(match token {
            "CKM_MD5" => HashAlgorithm::Md5,
            "CKM_SHA_1" => HashAlgorithm::Sha1,
            "CKM_SHA224" => HashAlgorithm::Sha224,
            "CKM_SHA256" => HashAlgorithm::Sha256,
            "CKM_SHA384" => HashAlgorithm::Sha384,
            "CKM_SHA512" => HashAlgorithm::Sha512,
            _ => return None,
        })
    }

    /// How many bytes its digest has.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlgorithm::Md5 => 16,
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }

    /// The algorithm whose digest has `len` bytes.
    pub fn from_len(len: usize) -> Option<HashAlgorithm> {
        HashAlgorithm::ALL
            .into_iter()
            .find(|alg| alg.digest_len() == len)
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Md5 => Md5::digest(data).to_vec(),
            HashAlgorithm::Sha1 => Sha1::digest(data).to_vec(),
            HashAlgorithm::Sha224 => Sha224::digest(data).to_vec(),
            HashAlgorithm::Sha256 => Sha256::digest(data).to_vec(),
            HashAlgorithm::Sha384 => Sha384::digest(data).to_vec(),
            HashAlgorithm::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// Distrust-after dates (Unix seconds): certificates issued by the root after
/// the date are not trusted for that purpose.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DistrustAfter {
    /// `CKA_NSS_SERVER_DISTRUST_AFTER` (server-auth).
    pub server: Option<i64>,
    /// `CKA_NSS_EMAIL_DISTRUST_AFTER` (email-protection).
    pub email: Option<i64>,
}

impl DistrustAfter {
    /// The date for `purpose`, if that purpose has one.
    pub fn for_purpose(&self, purpose: Purpose) -> Option<i64> {
        match purpose {
            Purpose::ServerAuth => self.server,
            Purpose::EmailProtection => self.email,
            _ => None,
        }
    }
}

/// Which family of names an object was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spelling {
    /// `CKO_NSS_TRUST`, `CKT_NSS_*` (2011 to today).
    Nss,
    /// `CKO_NETSCAPE_TRUST`, `CKT_NETSCAPE_*` (before 2011).
    Netscape,
    /// PKCS #11 3.2 `CKO_TRUST`, `CKT_TRUST_*`.
    Pkcs11v32,
}

/// A trust object: the trust NSS gives one certificate, named by issuer and serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRecord {
    /// CKA_LABEL (informative only; never used for pairing).
    pub label: String,
    /// Line where the object starts.
    pub line: usize,
    /// CKA_ISSUER: DER of the issuer name.
    pub issuer: Vec<u8>,
    /// The serial number's content octets: CKA_SERIAL_NUMBER's DER INTEGER
    /// unwrapped (or the attribute as is, where it is not a DER INTEGER).
    pub serial: Vec<u8>,
    levels: [Option<TrustLevel>; 15],
    /// CKA_TRUST_STEP_UP_APPROVED.
    pub step_up_approved: Option<bool>,
    /// Distrust-after dates given in the trust object itself.
    pub distrust_after: DistrustAfter,
    /// Certificate hashes the object states.
    pub hashes: Vec<(HashAlgorithm, Vec<u8>)>,
    /// The spelling of the class.
    pub spelling: Spelling,
}

impl TrustRecord {
    /// The trust level for `purpose`, if the object states one.
    pub fn level(&self, purpose: Purpose) -> Option<TrustLevel> {
        self.levels.get(purpose.index()).copied().flatten()
    }

    /// Every purpose the record states a level for, with that level.
    pub fn levels(&self) -> impl Iterator<Item = (Purpose, TrustLevel)> + '_ {
        Purpose::ALL
            .iter()
            .filter_map(|&p| self.level(p).map(|l| (p, l)))
    }

    /// Whether two records say the same thing (labels, lines and the way the
    /// hashes are stated may differ). An absent step-up flag is false
    /// (PKCS #11 3.2 trust objects have none).
    pub fn same_trust(&self, other: &TrustRecord) -> bool {
        self.levels == other.levels
            && self.step_up_approved.unwrap_or(false) == other.step_up_approved.unwrap_or(false)
            && self.distrust_after == other.distrust_after
    }
}

/// A certificate object and the trust paired with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// CKA_LABEL.
    pub label: String,
    /// Line where the object starts.
    pub line: usize,
    /// CKA_VALUE: the DER of the certificate.
    pub der: Vec<u8>,
    /// SHA-256 of the DER: the certificate's identity everywhere in nssroots.
    pub sha256: [u8; 32],
    /// Subject as text (RFC 4514 style, from the DER).
    pub subject: String,
    /// Issuer as text.
    pub issuer: String,
    /// CKA_ISSUER (checked equal to the DER's issuer).
    pub issuer_der: Vec<u8>,
    /// The serial number's content octets, from the DER (CKA_SERIAL_NUMBER is
    /// checked to be their DER INTEGER encoding, or in some pre-2010 objects the
    /// bare octets).
    pub serial_number: Vec<u8>,
    /// Serial number, colon-separated hex, as in the DER.
    pub serial: String,
    /// notBefore, Unix seconds.
    pub not_before: i64,
    /// notAfter, Unix seconds.
    pub not_after: i64,
    /// CKA_NSS_MOZILLA_CA_POLICY, where the object has it.
    pub mozilla_ca_policy: Option<bool>,
    /// Distrust-after dates given in the certificate object.
    pub distrust_after: DistrustAfter,
    /// The trust record paired by issuer and serial, if any.
    pub trust: Option<TrustRecord>,
}

impl Certificate {
    /// Trust level for `purpose` (None with no trust record or no level stated).
    pub fn trust_level(&self, purpose: Purpose) -> Option<TrustLevel> {
        self.trust.as_ref().and_then(|t| t.level(purpose))
    }

    /// The distrust-after date for `purpose`, from the certificate object or the
    /// trust object (the earlier one where both give one).
    pub fn distrust_after(&self, purpose: Purpose) -> Option<i64> {
        let own = self.distrust_after.for_purpose(purpose);
        let trust = self
            .trust
            .as_ref()
            .and_then(|t| t.distrust_after.for_purpose(purpose));
        match (own, trust) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// SHA-256 fingerprint, lowercase hex.
    pub fn sha256_hex(&self) -> String {
        to_hex(&self.sha256)
    }
}

/// Something worth knowing that does not stop the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// Line of the object concerned.
    pub line: usize,
    /// What it is.
    pub message: String,
}

/// A parsed, checked certdata.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// Name of the input, for messages.
    pub source_name: String,
    /// SHA-256 of the input bytes.
    pub input_sha256: [u8; 32],
    /// Certificates, in source order, duplicates removed.
    pub certificates: Vec<Certificate>,
    /// Trust objects with no certificate object: explicit distrust records.
    pub distrust: Vec<TrustRecord>,
    /// Warnings (duplicate objects, unknown attributes), in source order.
    pub warnings: Vec<Warning>,
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        push_hex(&mut s, b);
    }
    s
}

/// Appends `b` as two lowercase hex digits.
pub(crate) fn push_hex(s: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    s.push(char::from(DIGITS[usize::from(b >> 4)]));
    s.push(char::from(DIGITS[usize::from(b & 15)]));
}

/// organizationIdentifier (X.520), which x509-parser's OID registry does
/// not name: its `Display` writes it as `OID(2.5.4.97)`.
const ORGANIZATION_IDENTIFIER: x509_parser::der_parser::oid::Oid<'static> =
    x509_parser::der_parser::oid!(2.5.4.97);

/// The text of a distinguished name exactly as x509-parser's `Display` for
/// `X509Name` writes it (`C=US, O=Example, CN=Root`), written directly for
/// the usual names: every attribute one of the eight that x509-parser
/// abbreviates, or serialNumber or organizationIdentifier (both in NSS's
/// roots: ANF, e-Szigno, FNMT), with a value of a UTF-8-compatible string
/// type. Any other name is left to `Display`, which looks its attribute
/// types up in x509-parser's OID registry and formats each attribute into a
/// string of its own. The registry, a hash map of a few hundred OIDs, is
/// built on first use: with the two attributes written here instead, none
/// of NSS 3.123's names needs it, and a `bundle` run on that file took
/// 3.45 -> 3.33 ms and 3.18 -> 3.08 ms (1,500 rounds each, every run right
/// after a sha256sum run).
pub(crate) fn format_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    use x509_parser::oid_registry as oids;
    const ABBREVIATIONS: [(&x509_parser::der_parser::oid::Oid<'static>, &str); 10] = [
        (&oids::OID_X509_COMMON_NAME, "CN"),
        (&oids::OID_X509_COUNTRY_NAME, "C"),
        (&oids::OID_X509_LOCALITY_NAME, "L"),
        (&oids::OID_X509_STATE_OR_PROVINCE_NAME, "ST"),
        (&oids::OID_X509_ORGANIZATION_NAME, "O"),
        (&oids::OID_X509_ORGANIZATIONAL_UNIT, "OU"),
        (&oids::OID_DOMAIN_COMPONENT, "DC"),
        (&oids::OID_PKCS9_EMAIL_ADDRESS, "Email"),
        // Not abbreviated: the registry's short name, and Display's text for
        // an OID the registry lacks (the test below checks both).
        (&oids::OID_X509_SERIALNUMBER, "serialNumber"),
        (&ORGANIZATION_IDENTIFIER, "OID(2.5.4.97)"),
    ];
    let mut out = String::with_capacity(name.as_raw().len());
    for rdn in name.iter() {
        if !out.is_empty() {
            out.push_str(", ");
        }
        for (i, attr) in rdn.iter().enumerate() {
            let abbrev = ABBREVIATIONS
                .iter()
                .find(|(oid, _)| *oid == attr.attr_type())
                .map(|(_, a)| *a);
            let value = attr.attr_value();
            let text = match value.tag() {
                Tag::NumericString
                | Tag::VisibleString
                | Tag::PrintableString
                | Tag::GeneralString
                | Tag::ObjectDescriptor
                | Tag::GraphicString
                | Tag::T61String
                | Tag::VideotexString
                | Tag::Utf8String
                | Tag::Ia5String => std::str::from_utf8(value.as_bytes()).ok(),
                _ => None,
            };
            let (Some(abbrev), Some(text)) = (abbrev, text) else {
                return name.to_string();
            };
            if i > 0 {
                out.push_str(" + ");
            }
            out.push_str(abbrev);
            out.push('=');
            out.push_str(text);
        }
    }
    out
}

/// Lowercase hex with a colon between bytes (`01:02:ff`), as serial numbers
/// are printed.
///
/// ```
/// assert_eq!(nssroots::model::colon_hex(&[1, 2, 0xff]), "01:02:ff");
/// assert_eq!(nssroots::model::colon_hex(&[]), "");
/// ```
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        push_hex(&mut s, b);
    }
    s
}

/// Parses a 13-byte UTCTime `YYMMDDHHMMSSZ` (RFC 5280: YY < 50 is 20YY) to Unix seconds.
pub fn parse_utc_time(bytes: &[u8]) -> Option<i64> {
    if bytes.len() != 13 || bytes.get(12) != Some(&b'Z') {
        return None;
    }
    let mut n = [0u8; 6];
    for (i, slot) in n.iter_mut().enumerate() {
        let hi = bytes.get(2 * i)?.checked_sub(b'0').filter(|d| *d < 10)?;
        let lo = bytes
            .get(2 * i + 1)?
            .checked_sub(b'0')
            .filter(|d| *d < 10)?;
        *slot = hi * 10 + lo;
    }
    let year = if n[0] < 50 { 2000 } else { 1900 } + i32::from(n[0]);
    let month = time::Month::try_from(n[1]).ok()?;
    let date = time::Date::from_calendar_date(year, month, n[2]).ok()?;
    let t = time::Time::from_hms(n[3], n[4], n[5]).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, t)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Builder state: source name for errors.
#[derive(Debug, Clone, Copy)]
struct Ctx<'s> {
    source_name: &'s str,
}

/// One object as [`Ctx::model`] makes it, before it meets the others.
///
/// The objects are not boxed, though the variants are large: a part's are
/// made on a worker thread and moved into the store on the calling thread,
/// which then freed each box, one by one, into the worker's heap, while the
/// worker was still allocating from it. Unboxed, a part's objects are one
/// block, which `split` hands back to the workers for their next parts. Measured on NSS 3.123, 1,500 rounds each
/// right after a sha256sum run: 3.56 -> 3.50 ms and 3.45 -> 3.40 ms.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
enum Modelled {
    Certificate(Certificate, Digests),
    Trust(TrustRecord),
    Ignored,
}

/// The SHA-1 and MD5 of a certificate's DER, which NSS's trust objects
/// state: computed where the certificate is modelled (in parallel), compared
/// when trust is paired.
#[derive(Debug, Clone, Copy)]
struct Digests {
    sha1: [u8; 20],
    /// Filled for a part's certificates at once ([`Part::model`],
    /// [`md5_lanes`]); computed when asked for where it is not.
    md5: Option<[u8; 16]>,
}

impl Digests {
    /// The SHA-1 of `der` (its MD5 is left to [`Part::model`]).
    fn of(der: &[u8]) -> Self {
        Digests {
            sha1: Sha1::digest(der).into(),
            md5: None,
        }
    }

    /// The digest of `alg`: precomputed for SHA-1 and (mostly) MD5.
    fn get(&self, alg: HashAlgorithm, der: &[u8]) -> Cow<'_, [u8]> {
        match (alg, &self.md5) {
            (HashAlgorithm::Sha1, _) => Cow::Borrowed(&self.sha1),
            (HashAlgorithm::Md5, Some(md5)) => Cow::Borrowed(md5),
            (other, _) => Cow::Owned(other.digest(der)),
        }
    }
}

/// A certificate's issuer and serial number as one map key: the issuer's
/// length (eight bytes), the issuer, the serial. Built into a buffer kept
/// for the purpose, a trust record is looked up with no allocation (a key
/// of two vectors had to be cloned for each lookup).
fn issuer_serial_key(key: &mut Vec<u8>, issuer: &[u8], serial: &[u8]) {
    key.clear();
    // One allocation for a new key, not one for each of the three parts.
    key.reserve_exact(8 + issuer.len() + serial.len());
    key.extend_from_slice(&(issuer.len() as u64).to_le_bytes());
    key.extend_from_slice(issuer);
    key.extend_from_slice(serial);
}

impl Ctx<'_> {
    fn err(&self, line: usize, message: String) -> Error {
        Error::Object {
            source_name: self.source_name.to_owned(),
            line,
            message,
        }
    }

    fn octal<'o>(&self, obj: &'o RawObject<'_>, name: &str, what: &str) -> Result<&'o [u8]> {
        match obj.get(name) {
            Some(Attribute {
                value: Value::Octal(b),
                ..
            }) => Ok(b),
            Some(a) => Err(self.err(
                a.line,
                format!(
                    "{name} has type {}; expected MULTILINE_OCTAL ({what})",
                    a.value.type_name()
                ),
            )),
            None => Err(self.err(
                obj.line,
                format!("{} object has no {name}; expected {what}", obj.class()),
            )),
        }
    }

    fn label(&self, obj: &RawObject<'_>) -> Result<String> {
        match obj.get("CKA_LABEL") {
            Some(Attribute {
                value: Value::Utf8(s),
                ..
            }) => Ok(s.to_string()),
            Some(a) => Err(self.err(
                a.line,
                format!("CKA_LABEL has type {}; expected UTF8", a.value.type_name()),
            )),
            None => Ok(String::new()),
        }
    }

    fn bool_attr(&self, obj: &RawObject<'_>, name: &str) -> Result<Option<bool>> {
        match obj.get(name) {
            Some(Attribute {
                value: Value::Bool(b),
                ..
            }) => Ok(Some(*b)),
            Some(a) => Err(self.err(
                a.line,
                format!("{name} has type {}; expected CK_BBOOL", a.value.type_name()),
            )),
            None => Ok(None),
        }
    }

    /// `CK_BBOOL CK_FALSE` (none) or a 13-byte UTCTime in MULTILINE_OCTAL.
    fn date_attr(&self, obj: &RawObject<'_>, name: &str) -> Result<Option<i64>> {
        match obj.get(name) {
            None
            | Some(Attribute {
                value: Value::Bool(false),
                ..
            }) => Ok(None),
            Some(Attribute {
                value: Value::Octal(b),
                line,
                ..
            }) => parse_utc_time(b).map(Some).ok_or_else(|| {
                self.err(
                    *line,
                    format!(
                        "{name} is {:?}; expected 13 ASCII bytes of UTCTime YYMMDDHHMMSSZ",
                        String::from_utf8_lossy(b)
                    ),
                )
            }),
            Some(a) => Err(self.err(
                a.line,
                format!(
                    "{name} is {} {}; expected CK_BBOOL CK_FALSE or a MULTILINE_OCTAL UTCTime",
                    a.value.type_name(),
                    match &a.value {
                        Value::Bool(true) => "CK_TRUE",
                        _ => "",
                    }
                ),
            )),
        }
    }

    fn distrust_after(&self, obj: &RawObject<'_>) -> Result<DistrustAfter> {
        Ok(DistrustAfter {
            server: self.date_attr(obj, "CKA_NSS_SERVER_DISTRUST_AFTER")?,
            email: self.date_attr(obj, "CKA_NSS_EMAIL_DISTRUST_AFTER")?,
        })
    }

    /// Turns one object into a certificate (with the digests trust objects
    /// state), a trust record, or nothing (the root list object). Any other
    /// class is an error. Needs no other object, so pieces of an input can be
    /// modelled on several threads.
    fn model(&self, mut obj: RawObject<'_>, warnings: &mut Vec<Warning>) -> Result<Modelled> {
        Ok(match obj.class() {
            "CKO_CERTIFICATE" => {
                let cert = self.certificate(&mut obj, warnings)?;
                let digests = Digests::of(&cert.der);
                Modelled::Certificate(cert, digests)
            }
            "CKO_NSS_TRUST" => Modelled::Trust(self.trust(&obj, Spelling::Nss, warnings)?),
            "CKO_NETSCAPE_TRUST" => {
                Modelled::Trust(self.trust(&obj, Spelling::Netscape, warnings)?)
            }
            "CKO_TRUST" => Modelled::Trust(self.trust(&obj, Spelling::Pkcs11v32, warnings)?),
            "CKO_NSS_BUILTIN_ROOT_LIST" | "CKO_NETSCAPE_BUILTIN_ROOT_LIST" => Modelled::Ignored,
            other => {
                return Err(self.err(
                    obj.line,
                    format!(
                        "unknown object class {other}; expected CKO_CERTIFICATE, CKO_NSS_TRUST, CKO_NETSCAPE_TRUST, CKO_TRUST or CKO_NSS_BUILTIN_ROOT_LIST"
                    ),
                ));
            }
        })
    }

    /// The certificate in `obj`, its DER moved out of the object.
    fn certificate(
        &self,
        obj: &mut RawObject<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Certificate> {
        let mut cert = self.certificate_fields(obj, warnings)?;
        if let Some(Attribute {
            value: Value::Octal(der),
            ..
        }) = obj.attributes.iter_mut().find(|a| a.name == "CKA_VALUE")
        {
            cert.der = std::mem::take(der);
        }
        Ok(cert)
    }

    /// Everything of the certificate in `obj` but its DER (left empty).
    fn certificate_fields(
        &self,
        obj: &RawObject<'_>,
        warnings: &mut Vec<Warning>,
    ) -> Result<Certificate> {
        let label = self.label(obj)?;
        if let Some(a) = obj.get("CKA_CERTIFICATE_TYPE") {
            if a.value != Value::CertificateType("CKC_X_509") {
                return Err(self.err(
                    a.line,
                    format!(
                        "certificate \"{label}\" has CKA_CERTIFICATE_TYPE {:?}; expected CKC_X_509",
                        a.value
                    ),
                ));
            }
        }
        let der = self.octal(obj, "CKA_VALUE", "the certificate's DER")?;
        let value_line = obj.get("CKA_VALUE").map_or(obj.line, |a| a.line);
        let bad = |reason: String| Error::Certificate {
            source_name: self.source_name.to_owned(),
            line: value_line,
            label: label.clone(),
            reason,
        };
        // Extensions are checked for structure but their contents are not
        // decoded: nothing here reads them, and x509-parser accepts the same
        // certificates either way (a bad extension body only becomes a
        // `ParsedExtension::ParseError` when decoded).
        let (rest, x509) = X509CertificateParser::new()
            .with_deep_parse_extensions(false)
            .parse(der)
            .map_err(|e| bad(e.to_string()))?;
        if !rest.is_empty() {
            return Err(bad(format!("{} bytes after the certificate", rest.len())));
        }
        let tbs = &x509.tbs_certificate;
        let issuer_der = self.octal(obj, "CKA_ISSUER", "the DER of the issuer name")?;
        let serial_der = self.octal(obj, "CKA_SERIAL_NUMBER", "the DER of the serial number")?;
        if issuer_der != tbs.issuer.as_raw() {
            return Err(self.err(
                obj.get("CKA_ISSUER").map_or(obj.line, |a| a.line),
                format!("certificate \"{label}\": CKA_ISSUER differs from the issuer in CKA_VALUE"),
            ));
        }
        let serial_line = obj.get("CKA_SERIAL_NUMBER").map_or(obj.line, |a| a.line);
        if integer_content(serial_der) != Some(tbs.raw_serial()) {
            if serial_der != tbs.raw_serial() {
                return Err(self.err(
                    serial_line,
                    format!(
                        "certificate \"{label}\": CKA_SERIAL_NUMBER is not the DER INTEGER of the serial number in CKA_VALUE"
                    ),
                ));
            }
            warnings.push(Warning {
                line: serial_line,
                message: format!(
                    "certificate \"{label}\": CKA_SERIAL_NUMBER holds the bare serial number octets, not their DER INTEGER \
                     encoding; paired by the serial number in CKA_VALUE"
                ),
            });
        }
        if let Some(Attribute {
            value: Value::Octal(subject),
            line,
            ..
        }) = obj.get("CKA_SUBJECT")
        {
            if subject.as_slice() != tbs.subject.as_raw() {
                return Err(self.err(
                    *line,
                    format!(
                        "certificate \"{label}\": CKA_SUBJECT differs from the subject in CKA_VALUE"
                    ),
                ));
            }
        }
        let validity = tbs.validity();
        let subject = format_name(&tbs.subject);
        // A root's issuer is its subject: the same bytes, the same text.
        let issuer = if tbs.issuer.as_raw() == tbs.subject.as_raw() {
            subject.clone()
        } else {
            format_name(&tbs.issuer)
        };
        Ok(Certificate {
            sha256: Sha256::digest(der).into(),
            subject,
            issuer,
            serial: colon_hex(tbs.raw_serial()),
            not_before: validity.not_before.timestamp(),
            not_after: validity.not_after.timestamp(),
            der: Vec::new(),
            issuer_der: issuer_der.to_vec(),
            serial_number: tbs.raw_serial().to_vec(),
            mozilla_ca_policy: self.bool_attr(obj, "CKA_NSS_MOZILLA_CA_POLICY")?,
            distrust_after: self.distrust_after(obj)?,
            trust: None,
            line: obj.line,
            label,
        })
    }

    fn trust(
        &self,
        obj: &RawObject<'_>,
        spelling: Spelling,
        warnings: &mut Vec<Warning>,
    ) -> Result<TrustRecord> {
        let label = self.label(obj)?;
        let mut levels = [None; 15];
        let mut hashes = Vec::new();
        let named_alg = match obj.get("CKA_NAME_HASH_ALGORITHM") {
            None => None,
            Some(Attribute {
                value: Value::Mechanism(m),
                line,
                ..
            }) => Some(HashAlgorithm::from_mechanism(m).ok_or_else(|| {
                self.err(
                    *line,
                    format!("unknown hash mechanism {m}; expected CKM_SHA_1, CKM_SHA256, CKM_SHA384, CKM_SHA512, CKM_SHA224 or CKM_MD5"),
                )
            })?),
            Some(a) => {
                return Err(self.err(
                    a.line,
                    format!(
                        "CKA_NAME_HASH_ALGORITHM has type {}; expected CK_MECHANISM_TYPE",
                        a.value.type_name()
                    ),
                ));
            }
        };
        for a in &obj.attributes {
            match (a.name, &a.value) {
                ("CKA_CERT_SHA1_HASH", Value::Octal(h)) => {
                    hashes.push((HashAlgorithm::Sha1, h.clone()))
                }
                ("CKA_CERT_MD5_HASH", Value::Octal(h)) => {
                    hashes.push((HashAlgorithm::Md5, h.clone()))
                }
                ("CKA_HASH_OF_CERTIFICATE" | "CKA_CERT_HASH", Value::Octal(h)) => {
                    let alg = named_alg.or_else(|| HashAlgorithm::from_len(h.len())).ok_or_else(|| {
                        self.err(
                            a.line,
                            format!("{} has {} bytes and no CKA_NAME_HASH_ALGORITHM says which hash it is", a.name, h.len()),
                        )
                    })?;
                    hashes.push((alg, h.clone()));
                }
                (
                    "CKA_CERT_SHA1_HASH"
                    | "CKA_CERT_MD5_HASH"
                    | "CKA_HASH_OF_CERTIFICATE"
                    | "CKA_CERT_HASH",
                    v,
                ) => {
                    return Err(self.err(
                        a.line,
                        format!(
                            "{} has type {}; expected MULTILINE_OCTAL",
                            a.name,
                            v.type_name()
                        ),
                    ));
                }
                (name, Value::Trust(token)) => {
                    let level = TrustLevel::from_token(token).ok_or_else(|| {
                        self.err(
                            a.line,
                            format!(
                                "unknown trust value {token} for {name}; expected a CKT_NSS_*, CKT_NETSCAPE_* or PKCS #11 3.2 CKT_* trust value"
                            ),
                        )
                    })?;
                    match Purpose::from_attribute(name) {
                        Some(p) => {
                            if let Some(slot) = levels.get_mut(p.index()) {
                                *slot = Some(level);
                            }
                        }
                        None => warnings.push(Warning {
                            line: a.line,
                            message: format!(
                                "trust object \"{label}\": unknown purpose attribute {name} ignored"
                            ),
                        }),
                    }
                }
                // A purpose with a value of another type: dropping it would
                // lose a trust (or a distrust) NSS's build would keep.
                (name, v) if Purpose::from_attribute(name).is_some() => {
                    return Err(self.err(
                        a.line,
                        format!("{name} has type {}; expected CK_TRUST", v.type_name()),
                    ));
                }
                _ => {}
            }
        }
        for (alg, h) in &hashes {
            if h.len() != alg.digest_len() {
                return Err(self.err(
                    obj.line,
                    format!(
                        "trust object \"{label}\": {} hash has {} bytes; expected {}",
                        alg.name(),
                        h.len(),
                        alg.digest_len()
                    ),
                ));
            }
        }
        Ok(TrustRecord {
            issuer: self
                .octal(obj, "CKA_ISSUER", "the DER of the certificate's issuer")?
                .to_vec(),
            serial: {
                let der = self.octal(
                    obj,
                    "CKA_SERIAL_NUMBER",
                    "the DER of the certificate's serial number",
                )?;
                // NSS finds trust by the certificate's DER serial number,
                // compared byte for byte: a bare or non-minimal value here
                // would pair with no certificate in NSS, so it must not here.
                match integer_content(der) {
                    Some(content) if crate::der::tlv(crate::der::INTEGER, content) == der => {
                        content.to_vec()
                    }
                    _ => {
                        return Err(self.err(
                            obj.line,
                            format!(
                                "trust object \"{label}\": CKA_SERIAL_NUMBER is not one DER INTEGER with a minimal length; \
                                 NSS compares it byte for byte with the certificate's DER serial number, so it would pair with no certificate"
                            ),
                        ));
                    }
                }
            },
            levels,
            step_up_approved: self.bool_attr(obj, "CKA_TRUST_STEP_UP_APPROVED")?,
            distrust_after: self.distrust_after(obj)?,
            hashes,
            spelling,
            line: obj.line,
            label,
        })
    }
}

/// The content octets of a DER INTEGER (`02 len content`), if `der` is exactly one.
fn integer_content(der: &[u8]) -> Option<&[u8]> {
    match crate::der::split(der) {
        Some((crate::der::INTEGER, content, [])) => Some(content),
        _ => None,
    }
}

/// What a thread made of part of an input: its objects up to the first
/// error, their warnings, and that error. Both loaders ([`pieces`],
/// [`split`]) hand these back to the calling thread, which inserts them in
/// input order.
#[derive(Debug, Default)]
struct Part {
    objects: Vec<Modelled>,
    warnings: Vec<Warning>,
    error: Option<Error>,
}

impl Part {
    /// Models every object `parse` hands over, until it returns, into
    /// `objects` (an empty list, whose room is used).
    fn model(
        ctx: Ctx<'_>,
        objects: Vec<Modelled>,
        parse: impl FnOnce(&mut dyn FnMut(RawObject<'_>) -> Result<()>) -> Result<()>,
    ) -> Part {
        let mut part = Part {
            objects,
            ..Part::default()
        };
        let (objects, warnings) = (&mut part.objects, &mut part.warnings);
        let result = parse(&mut |obj| {
            objects.push(ctx.model(obj, warnings)?);
            Ok(())
        });
        part.error = result.err();
        part.fill_md5();
        part
    }

    /// Computes the MD5 of every certificate in the part, four at a time
    /// ([`md5_lanes`]).
    fn fill_md5(&mut self) {
        let ders: Vec<&[u8]> = self
            .objects
            .iter()
            .filter_map(|obj| match obj {
                Modelled::Certificate(cert, _) => Some(cert.der.as_slice()),
                _ => None,
            })
            .collect();
        let mut md5s = md5_lanes::md5_each(&ders).into_iter();
        for obj in &mut self.objects {
            if let Modelled::Certificate(_, digests) = obj {
                digests.md5 = md5s.next();
            }
        }
    }

    /// Moves every line number of the objects and warnings `by` lines on:
    /// for a part parsed as if the input began where it begins.
    fn shift_lines(&mut self, by: usize) {
        for obj in &mut self.objects {
            match obj {
                Modelled::Certificate(cert, _) => cert.line += by,
                Modelled::Trust(record) => record.line += by,
                Modelled::Ignored => {}
            }
        }
        for w in &mut self.warnings {
            w.line += by;
        }
    }

    /// Inserts the objects and warnings into `builder`; then the error, if any.
    fn insert_into(self, builder: &mut StoreBuilder<'_>) -> Result<()> {
        self.insert_keeping(builder, drop)
    }

    /// As [`Part::insert_into`], but the emptied object list goes to `keep`
    /// instead of being freed: its block is in the heap of the thread that
    /// made the part, which may still be allocating from it (`split`).
    fn insert_keeping(
        self,
        builder: &mut StoreBuilder<'_>,
        keep: impl FnOnce(Vec<Modelled>),
    ) -> Result<()> {
        let Part {
            mut objects,
            warnings,
            error,
        } = self;
        builder.reserve(objects.len());
        builder.warnings.extend(warnings);
        let inserted = objects.drain(..).try_for_each(|obj| builder.insert(obj));
        keep(objects);
        inserted?;
        error.map_or(Ok(()), Err)
    }
}

/// A worker thread ended without answering (it cannot, short of a bug).
fn stopped(source_name: &str) -> Error {
    Error::io(
        "parsing",
        source_name,
        std::io::Error::other("a parsing thread stopped"),
    )
}

/// How much the loaders read at a time. Small pieces keep the memory in
/// flight small: each thread's read buffer is two of them, and every page
/// of it is a page fault (about 2.7 us on the VM measured, where a whole run
/// takes about 225). With 16 KiB pieces a run on NSS 3.123 takes 17 fewer
/// page faults than with 32 KiB ones (300 runs: 209 against 226), and
/// reading the whole 1.3 MB file costs about the same either way (83 reads
/// or 42: 85-100 us in a loop; 8 KiB reads took 135-150 us). 1,500
/// interleaved rounds: 3.276 -> 3.264 ms (within the noise, but not slower).
const READ_CHUNK: usize = 16 * 1024;

/// The size a read buffer has at least: a [`READ_CHUNK`] and the unparsed
/// tail before it. A worker's hash job and its parts share one buffer
/// (`split`), so both size it with [`grow_to_read_buffer`].
const READ_BUFFER: usize = READ_CHUNK * 2;

/// Grows `buf` (with zeros) to [`READ_BUFFER`] bytes if it is shorter; a
/// buffer given back by an earlier job is used as it is.
fn grow_to_read_buffer(buf: &mut Vec<u8>) {
    if buf.len() < READ_BUFFER {
        buf.resize(READ_BUFFER, 0);
    }
}

/// The unparsed tail of an input being read: one buffer, initialised once
/// and grown only for an object longer than a read, holding
/// `buf[start..end]`. Both loaders ([`pieces`], [`split`]) read through it.
struct Window {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// Bytes the last read added.
    fresh: usize,
}

impl Window {
    fn new() -> Window {
        Window::with_buffer(Vec::new())
    }

    /// An empty window over `buf`, a buffer an earlier window gave back
    /// ([`Window::into_buffer`]): a thread that reads several inputs one
    /// after another touches the pages of one buffer, not of one each (a
    /// fresh page costs a page fault, about 2 us on the VM measured).
    fn with_buffer(mut buf: Vec<u8>) -> Window {
        grow_to_read_buffer(&mut buf);
        Window {
            buf,
            start: 0,
            end: 0,
            fresh: 0,
        }
    }

    /// The buffer, for the next window.
    fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// Reads up to [`READ_CHUNK`] bytes after the window; how many (0 at the end).
    fn read(&mut self, reader: &mut impl std::io::Read) -> std::io::Result<usize> {
        if self.buf.len() - self.end < READ_CHUNK {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
            if self.buf.len() - self.end < READ_CHUNK {
                self.buf.resize(self.end + READ_CHUNK, 0);
            }
        }
        loop {
            match reader.read(
                self.buf
                    .get_mut(self.end..self.end + READ_CHUNK)
                    .unwrap_or_default(),
            ) {
                Ok(n) => {
                    self.end += n;
                    self.fresh = n;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The bytes the last read added.
    fn fresh(&self) -> &[u8] {
        self.buf
            .get(self.end - self.fresh..self.end)
            .unwrap_or_default()
    }

    /// The unparsed text.
    fn text(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Where the text can be cut after whole objects (see
    /// [`parse::split_point`]), if anywhere but its start. Only the new bytes
    /// and the 10 before them (`\nCKA_CLASS` and the blank after it) can hold
    /// a cut: every earlier one was taken, so a long line is not searched
    /// again at every read.
    fn cut(&self) -> Option<usize> {
        let text = self.text();
        let from = (text.len() - self.fresh).saturating_sub(b"\nCKA_CLASS".len());
        parse::split_point(text.get(from..).unwrap_or_default())
            .map(|c| c + from)
            .filter(|&c| c > 0)
    }

    /// Drops the first `n` bytes of the text (they were parsed).
    fn consume(&mut self, n: usize) {
        self.start += n;
    }
}

/// Builds a [`Store`] from objects as the parser hands them over, so that
/// the text of an object can be dropped as soon as it is modelled.
#[derive(Debug)]
pub struct StoreBuilder<'n> {
    ctx: Ctx<'n>,
    warnings: Vec<Warning>,
    certificates: Vec<Certificate>,
    /// Digests of `certificates`, index for index.
    digests: Vec<Digests>,
    by_sha256: HashMap<[u8; 32], usize>,
    /// Certificates by [`issuer_serial_key`].
    by_issuer_serial: HashMap<Vec<u8>, usize>,
    trust: Vec<TrustRecord>,
}

impl<'n> StoreBuilder<'n> {
    /// An empty builder for the input called `source_name`.
    pub fn new(source_name: &'n str) -> Self {
        StoreBuilder {
            ctx: Ctx { source_name },
            warnings: Vec::new(),
            certificates: Vec::new(),
            digests: Vec::new(),
            by_sha256: HashMap::new(),
            by_issuer_serial: HashMap::new(),
            trust: Vec::new(),
        }
    }

    /// Room for `n` more objects of either kind, so that inserting a part's
    /// objects does not grow (and copy) the tables and vectors step by step.
    fn reserve(&mut self, n: usize) {
        self.certificates.reserve(n / 2 + 1);
        self.digests.reserve(n / 2 + 1);
        self.trust.reserve(n / 2 + 1);
        self.by_sha256.reserve(n / 2 + 1);
        self.by_issuer_serial.reserve(n / 2 + 1);
    }

    /// Models one object: a certificate, a trust record, or the root list
    /// object (ignored). Any other class is an error.
    pub fn add(&mut self, obj: RawObject<'_>) -> Result<()> {
        let modelled = self.ctx.model(obj, &mut self.warnings)?;
        self.insert(modelled)
    }

    /// Adds an object [`Ctx::model`] made: checks a certificate against the
    /// ones already in (same DER: kept once; same issuer and serial with
    /// other DER: conflict).
    fn insert(&mut self, modelled: Modelled) -> Result<()> {
        let source_name = self.ctx.source_name;
        let warnings = &mut self.warnings;
        let certificates = &mut self.certificates;
        match modelled {
            Modelled::Certificate(cert, digests) => {
                if let Some(first_cert) = self
                    .by_sha256
                    .get(&cert.sha256)
                    .and_then(|&i| certificates.get(i))
                {
                    let first = first_cert.line;
                    // Kept once only if nothing that decides trust differs.
                    if first_cert.distrust_after != cert.distrust_after
                        || first_cert.mozilla_ca_policy != cert.mozilla_ca_policy
                    {
                        return Err(Error::Conflict {
                            source_name: source_name.to_owned(),
                            line: cert.line,
                            other_line: first,
                            message: format!(
                                "certificate \"{}\" repeats an earlier certificate (same DER) with different \
                                 distrust-after dates or CKA_NSS_MOZILLA_CA_POLICY",
                                cert.label
                            ),
                        });
                    }
                    warnings.push(Warning {
                        line: cert.line,
                        message: format!(
                            "certificate \"{}\" repeats the certificate at line {first} (same DER); kept once",
                            cert.label
                        ),
                    });
                    return Ok(());
                }
                let mut key = Vec::new();
                issuer_serial_key(&mut key, &cert.issuer_der, &cert.serial_number);
                if let Some(&i) = self.by_issuer_serial.get(&key) {
                    return Err(Error::Conflict {
                        source_name: source_name.to_owned(),
                        line: cert.line,
                        other_line: certificates.get(i).map_or(0, |c| c.line),
                        message: format!(
                            "certificate \"{}\" has the same issuer and serial number as another certificate with different DER",
                            cert.label
                        ),
                    });
                }
                self.by_sha256.insert(cert.sha256, certificates.len());
                self.by_issuer_serial.insert(key, certificates.len());
                certificates.push(cert);
                self.digests.push(digests);
            }
            Modelled::Trust(record) => self.trust.push(record),
            Modelled::Ignored => {}
        }
        Ok(())
    }

    /// Pairs the trust records with the certificates and returns the store.
    /// `input_sha256` is left zero. Fails with the first error
    /// [`StoreBuilder::finish_all`] finds.
    pub fn finish(self) -> Result<Store> {
        let (store, errors) = self.finish_all();
        match errors.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(store),
        }
    }

    /// Pairs the trust records with the certificates, going on after an
    /// error: returns the store without the trust records in error, and every
    /// error (hash mismatches, conflicting trust, trust for a missing
    /// certificate) in input order. For [`crate::lint`].
    pub fn finish_all(self) -> (Store, Vec<Error>) {
        let mut errors = Vec::new();
        let StoreBuilder {
            ctx,
            mut warnings,
            mut certificates,
            digests,
            by_issuer_serial,
            trust,
            ..
        } = self;
        let source_name = ctx.source_name;
        let mut distrust: Vec<TrustRecord> = Vec::new();
        let mut key = Vec::new();
        'records: for record in trust {
            issuer_serial_key(&mut key, &record.issuer, &record.serial);
            let found = by_issuer_serial
                .get(key.as_slice())
                .and_then(|&i| Some((certificates.get_mut(i)?, digests.get(i)?)));
            match found {
                Some((cert, digests)) => {
                    for (alg, stated) in &record.hashes {
                        let computed = digests.get(*alg, &cert.der);
                        if *computed != **stated {
                            errors.push(Error::HashMismatch(Box::new(HashMismatch {
                                source_name: source_name.to_owned(),
                                trust_line: record.line,
                                trust_label: record.label.clone(),
                                cert_line: cert.line,
                                cert_label: cert.label.clone(),
                                algorithm: alg.name(),
                                stated: to_hex(stated),
                                computed: to_hex(&computed),
                            })));
                            continue 'records;
                        }
                    }
                    match &cert.trust {
                        None => cert.trust = Some(record),
                        Some(prev) if prev.same_trust(&record) => warnings.push(Warning {
                            line: record.line,
                            message: format!(
                                "trust object \"{}\" repeats the trust object at line {} for the same certificate; kept once",
                                record.label, prev.line
                            ),
                        }),
                        Some(prev) => {
                            errors.push(Error::Conflict {
                                source_name: source_name.to_owned(),
                                line: record.line,
                                other_line: prev.line,
                                message: format!(
                                    "trust object \"{}\" disagrees with an earlier trust object for the same certificate \"{}\" (line {})",
                                    record.label, cert.label, cert.line
                                ),
                            });
                        }
                    }
                }
                None => {
                    if let Some((p, l)) = record.levels().find(|(_, l)| l.is_trusting()) {
                        errors.push(ctx.err(
                            record.line,
                            format!(
                                "trust object \"{}\" gives {l} trust for {p} but no certificate object has its issuer and serial number; \
                                 expected trust-only objects to distrust",
                                record.label
                            ),
                        ));
                        continue;
                    }
                    if let Some(prev) = distrust
                        .iter()
                        .find(|d| d.issuer == record.issuer && d.serial == record.serial)
                    {
                        if !prev.same_trust(&record) {
                            errors.push(Error::Conflict {
                                source_name: source_name.to_owned(),
                                line: record.line,
                                other_line: prev.line,
                                message: format!(
                                    "distrust object \"{}\" disagrees with an earlier one for the same issuer and serial number",
                                    record.label
                                ),
                            });
                            continue;
                        }
                        warnings.push(Warning {
                            line: record.line,
                            message: format!(
                                "distrust object \"{}\" repeats the one at line {}; kept once",
                                record.label, prev.line
                            ),
                        });
                        continue;
                    }
                    distrust.push(record);
                }
            }
        }
        warnings.sort_by_key(|w| w.line);
        let store = Store {
            source_name: source_name.to_owned(),
            input_sha256: [0; 32],
            certificates,
            distrust,
            warnings,
        };
        (store, errors)
    }
}

impl Store {
    /// Parses and models certdata.txt bytes in one step (as
    /// [`Store::from_reader`] does).
    pub fn from_bytes(input: &[u8], source_name: &str) -> Result<Store> {
        pieces::load(input, source_name, u64::MAX)
    }

    /// Reads, parses and models certdata.txt from `reader` a piece at a time
    /// (16 KiB reads, each piece cut where an object starts), so memory holds
    /// the model and a few pieces of text, never the whole input. After the
    /// header, pieces are parsed and modelled on two worker threads while
    /// this one reads and hashes; the result, warnings and errors are those of
    /// a single pass. Fails when the input is larger than `max` bytes.
    ///
    /// ```
    /// let store = nssroots::Store::from_reader(nssroots::snapshot::CERTDATA, "certdata.txt", u64::MAX)?;
    /// assert_eq!(nssroots::model::to_hex(&store.input_sha256), nssroots::snapshot::SHA256);
    /// # Ok::<(), nssroots::Error>(())
    /// ```
    pub fn from_reader(reader: impl std::io::Read, source_name: &str, max: u64) -> Result<Store> {
        pieces::load(reader, source_name, max)
    }

    /// Reads, parses and models the certdata.txt file at `path` (named
    /// `source_name` in messages): a file of 256 KiB or more in parts, on
    /// the calling thread and a worker thread for each other CPU (four
    /// threads at most), one of which hashes it; a smaller one as
    /// [`Store::from_reader`] does. The result, warnings and errors are those
    /// of a single pass. Fails when the file is larger than `max` bytes.
    ///
    /// ```
    /// let store = nssroots::Store::from_file("bundles/certdata.txt".as_ref(), "certdata.txt", u64::MAX)?;
    /// assert_eq!(nssroots::model::to_hex(&store.input_sha256), nssroots::snapshot::SHA256);
    /// # Ok::<(), nssroots::Error>(())
    /// ```
    pub fn from_file(path: &std::path::Path, source_name: &str, max: u64) -> Result<Store> {
        split::load_file(path, source_name, max)
    }

    /// Builds the model from parsed objects. `input_sha256` is left zero; use
    /// [`Store::from_bytes`] to have it set.
    pub fn from_document(doc: &parse::Document<'_>, source_name: &str) -> Result<Store> {
        let mut builder = StoreBuilder::new(source_name);
        for obj in &doc.objects {
            builder.add(obj.clone())?;
        }
        builder.finish()
    }

    /// Whether `other` holds the same certificates (with their trust) and
    /// distrust records as this store, in the same order, wherever they stand
    /// in their inputs: line numbers, warnings, source names and input hashes
    /// are not compared.
    pub fn same_model(&self, other: &Store) -> bool {
        fn strip(s: &Store) -> (Vec<Certificate>, Vec<TrustRecord>) {
            let unplace = |t: &mut TrustRecord| t.line = 0;
            let mut certificates = s.certificates.clone();
            for c in &mut certificates {
                c.line = 0;
                c.trust.as_mut().map(unplace);
            }
            let mut distrust = s.distrust.clone();
            distrust.iter_mut().for_each(unplace);
            (certificates, distrust)
        }
        strip(self) == strip(other)
    }

    /// The certificate with this SHA-256, if present.
    pub fn by_sha256(&self, sha256: &[u8; 32]) -> Option<&Certificate> {
        self.certificates.iter().find(|c| &c.sha256 == sha256)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_lengths_are_the_digests() {
        for alg in HashAlgorithm::ALL {
            assert_eq!(alg.digest_len(), alg.digest(b"x").len(), "{}", alg.name());
            assert_eq!(HashAlgorithm::from_len(alg.digest_len()), Some(alg));
        }
    }

    #[test]
    fn format_name_writes_what_x509_parser_displays() {
        use x509_parser::prelude::{FromDer, X509Certificate, X509Name};
        let store = Store::from_bytes(crate::snapshot::CERTDATA, "certdata.txt").unwrap();
        for cert in &store.certificates {
            let (_, x509) = X509Certificate::from_der(&cert.der).unwrap();
            for name in [x509.subject(), x509.issuer()] {
                assert_eq!(format_name(name), name.to_string());
            }
        }
        // DER of a Name from (OID content, value tag, value) per RDN.
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            let mut v = vec![tag, u8::try_from(content.len()).unwrap()];
            v.extend_from_slice(content);
            v
        }
        /// An attribute: its OID's content octets, its value's tag and content.
        type Attr<'a> = (&'a [u8], u8, &'a [u8]);
        let name = |rdns: &[&[Attr<'_>]]| {
            let mut seq = Vec::new();
            for rdn in rdns {
                let mut set = Vec::new();
                for (oid, tag, value) in rdn.iter() {
                    set.extend(tlv(0x30, &[tlv(0x06, oid), tlv(*tag, value)].concat()));
                }
                seq.extend(tlv(0x31, &set));
            }
            tlv(0x30, &seq)
        };
        const CN: &[u8] = &[0x55, 0x04, 0x03];
        const O: &[u8] = &[0x55, 0x04, 0x0a];
        const SERIAL: &[u8] = &[0x55, 0x04, 0x05];
        const ORG_ID: &[u8] = &[0x55, 0x04, 0x61];
        const TITLE: &[u8] = &[0x55, 0x04, 0x0c];
        for der in [
            // Written here: two RDNs, a multi-valued one.
            name(&[
                &[(O, 0x13, b"Example")],
                &[(CN, 0x0c, b"Root"), (O, 0x16, b"x")],
            ]),
            // Written here too: the two attributes named without an
            // abbreviation.
            name(&[&[(SERIAL, 0x13, b"42")], &[(CN, 0x0c, b"Root")]]),
            name(&[&[(ORG_ID, 0x0c, b"VATHU-1")], &[(CN, 0x0c, b"Root")]]),
            // Left to Display: another attribute x509-parser does not
            // abbreviate, a BMPString, an OCTET STRING value, bytes that are
            // not UTF-8.
            name(&[&[(TITLE, 0x13, b"Boss")], &[(CN, 0x0c, b"Root")]]),
            name(&[&[(CN, 0x1e, &[0, b'R', 0, b'o'])]]),
            name(&[&[(CN, 0x04, &[1, 2])]]),
            name(&[&[(CN, 0x0c, &[0xff])]]),
            name(&[]),
        ] {
            let (_, parsed) = X509Name::from_der(&der).unwrap();
            assert_eq!(format_name(&parsed), parsed.to_string(), "{der:02x?}");
        }
        let der = name(&[&[(CN, 0x0c, b"a"), (O, 0x0c, b"b")]]);
        let (_, multi) = X509Name::from_der(&der).unwrap();
        assert_eq!(format_name(&multi), "CN=a + O=b");
        let der = name(&[&[(SERIAL, 0x13, b"1")], &[(ORG_ID, 0x0c, b"x")]]);
        let (_, named) = X509Name::from_der(&der).unwrap();
        assert_eq!(format_name(&named), "serialNumber=1, OID(2.5.4.97)=x");
        // What the two names written without an abbreviation rest on.
        let registry = x509_parser::objects::oid_registry();
        let serial = &x509_parser::oid_registry::OID_X509_SERIALNUMBER;
        assert_eq!(registry.get(serial).map(|e| e.sn()), Some("serialNumber"));
        assert!(registry.get(&ORGANIZATION_IDENTIFIER).is_none());
    }

    /// A reader that hands out at most `step` bytes per call, to put piece
    /// boundaries everywhere.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(out.len()).min(self.data.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// The reference: the whole input parsed and modelled in one pass on
    /// this thread.
    fn single_pass(data: &[u8]) -> Result<Store> {
        let mut parser = parse::Parser::new("certdata.txt");
        let mut builder = StoreBuilder::new("certdata.txt");
        parser.feed(data, None, &mut |obj| builder.add(obj))?;
        parser.finish()?;
        let mut store = builder.finish()?;
        store.input_sha256 = Sha256::digest(data).into();
        Ok(store)
    }

    fn streamed(data: &[u8], step: usize) -> Result<Store> {
        Store::from_reader(Trickle { data, step }, "certdata.txt", u64::MAX)
    }

    type Summary = Vec<(usize, [u8; 32], Option<Vec<Option<TrustLevel>>>)>;

    fn summary(s: &Store) -> Summary {
        s.certificates
            .iter()
            .map(|c| {
                (
                    c.line,
                    c.sha256,
                    c.trust.as_ref().map(|t| t.levels.to_vec()),
                )
            })
            .collect()
    }

    #[test]
    fn streaming_equals_parsing_in_one_piece() {
        let data = crate::snapshot::CERTDATA;
        let whole = single_pass(data).unwrap();
        for step in [1 << 16, 4099, 977] {
            let s = streamed(data, step).unwrap();
            assert_eq!(summary(&s), summary(&whole), "step {step}");
            assert!(s == whole, "step {step}");
        }
        assert_eq!(Store::from_bytes(data, "certdata.txt").unwrap(), whole);
        assert_eq!(to_hex(&whole.input_sha256), crate::snapshot::SHA256);
    }

    #[test]
    fn streaming_reports_errors_where_parsing_in_one_piece_does() {
        let text = std::str::from_utf8(crate::snapshot::CERTDATA).unwrap();
        // The 40th END removed: the octal value runs into the next object.
        let end_at = text.match_indices("\nEND\n").nth(40).unwrap().0;
        let no_end = format!("{}{}", &text[..end_at], &text[end_at + 4..]);
        // A NUL and a non-UTF-8 byte far into the file.
        let late = text.len() - 5000;
        let mut nul = text.as_bytes().to_vec();
        nul[late] = 0;
        let mut latin1 = text.as_bytes().to_vec();
        latin1[late] = 0xE9;
        // The 40th certificate's DER runs straight into the next object, which
        // is where a piece boundary falls.
        let value = text
            .match_indices("CKA_VALUE MULTILINE_OCTAL\n")
            .nth(40)
            .unwrap()
            .0;
        let end = value + text[value..].find("\nEND\n").unwrap() + 1;
        let next = end + text[end..].find("\nCKA_CLASS").unwrap() + 1;
        let into_next = format!("{}{}", &text[..end], &text[next..]);
        for (bad, what) in [
            (
                no_end.as_bytes(),
                "not closed by END (found \"CKA_SERIAL_N\"",
            ),
            (
                into_next.as_bytes(),
                "not closed by END (found \"CKA_CLASS CK\"",
            ),
            (&nul, "NUL byte"),
            (&latin1, "not UTF-8"),
        ] {
            let expected = single_pass(bad).unwrap_err().to_string();
            assert!(expected.contains(what), "{expected}");
            for step in [usize::MAX, 1 << 16, 1000] {
                let got = streamed(bad, step).unwrap_err().to_string();
                assert_eq!(got, expected, "step {step}");
            }
        }
    }

    /// Loads `data` from a file, in parts when it is large enough.
    fn from_file(data: &[u8]) -> Result<Store> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("certdata.txt");
        std::fs::write(&path, data).unwrap();
        Store::from_file(&path, "certdata.txt", u64::MAX)
    }

    #[test]
    fn files_in_parts_equal_one_pass() {
        let data = crate::snapshot::CERTDATA;
        assert_eq!(from_file(data).unwrap(), single_pass(data).unwrap());
        let crlf = String::from_utf8_lossy(data).replace('\n', "\r\n");
        assert_eq!(
            from_file(crlf.as_bytes()).unwrap(),
            single_pass(crlf.as_bytes()).unwrap()
        );
        // Errors in the first part, near each cut and in the last part.
        let text = std::str::from_utf8(data).unwrap();
        let ends: Vec<usize> = text.match_indices("\nEND\n").map(|(i, _)| i).collect();
        let parts = usize::try_from(split::PARTS).unwrap();
        let near_cuts = (1..parts).flat_map(|j| {
            let cut = ends.len() * j / parts;
            [cut - 1, cut, cut + 1]
        });
        for k in [3].into_iter().chain(near_cuts).chain([ends.len() - 2]) {
            let bad = format!("{}{}", &text[..ends[k]], &text[ends[k] + 4..]);
            let expected = single_pass(bad.as_bytes()).unwrap_err().to_string();
            assert_eq!(
                from_file(bad.as_bytes()).unwrap_err().to_string(),
                expected,
                "END {k}"
            );
        }
        // A second BEGINDATA late in the file names the first one's line.
        let second = format!("{text}BEGINDATA\n");
        let expected = single_pass(second.as_bytes()).unwrap_err().to_string();
        assert!(expected.contains("first at line"), "{expected}");
        assert_eq!(
            from_file(second.as_bytes()).unwrap_err().to_string(),
            expected
        );
        // Warnings in the first and last parts keep their lines (the last
        // part's are counted from its start, then moved on).
        let odd = "CKA_TRUST_STEP_UP_APPROVED CK_BBOOL CK_FALSE\n";
        let steps: Vec<usize> = text.match_indices(odd).map(|(i, _)| i).collect();
        let mut warned = text.to_owned();
        for &at in [steps[2], steps[steps.len() - 3]].iter().rev() {
            warned.insert_str(at, "CKA_TRUST_ODD CK_TRUST CKT_NSS_TRUSTED_DELEGATOR\n");
        }
        let one = single_pass(warned.as_bytes()).unwrap();
        assert_eq!(one.warnings.len(), 2, "{:?}", one.warnings);
        assert_eq!(from_file(warned.as_bytes()).unwrap(), one);
        // A header longer than half the file: cuts fall before BEGINDATA.
        let long = format!("{}{text}", "# padding\n".repeat(200_000));
        assert_eq!(
            from_file(long.as_bytes()).unwrap(),
            single_pass(long.as_bytes()).unwrap()
        );
        // Nowhere to cut (no object after any cut point; no line ending at
        // all): one pass, after the workers have started.
        let comments = format!("{}BEGINDATA\n", "# only a comment\n".repeat(20_000));
        assert_eq!(
            from_file(comments.as_bytes()).unwrap(),
            single_pass(comments.as_bytes()).unwrap()
        );
        let one_line = "#".repeat(300_000);
        assert_eq!(
            from_file(one_line.as_bytes()).unwrap_err().to_string(),
            single_pass(one_line.as_bytes()).unwrap_err().to_string()
        );
    }

    #[test]
    fn files_in_parts_equal_one_pass_after_random_line_edits() {
        // Deterministic pseudo-random edits anywhere in the file: delete a
        // line, repeat one, or put one line where another was. Each result
        // (store or error message) must be the one pass's.
        let text = std::str::from_utf8(crate::snapshot::CERTDATA).unwrap();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |below: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            usize::try_from(seed % below as u64).unwrap()
        };
        let mut outcomes = [0usize; 2];
        for _ in 0..40 {
            let mut edited = lines.clone();
            for _ in 0..1 + next(3) {
                let (i, j) = (next(edited.len()), next(edited.len()));
                match next(3) {
                    0 => {
                        edited.remove(i);
                    }
                    1 => edited.insert(i, edited[j]),
                    _ => edited[i] = edited[j],
                }
            }
            let data = edited.concat();
            let (one, parts) = (single_pass(data.as_bytes()), from_file(data.as_bytes()));
            match (one, parts) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b);
                    outcomes[0] += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string());
                    outcomes[1] += 1;
                }
                (a, b) => panic!("one pass {:?}, in parts {:?}", a.err(), b.err()),
            }
        }
        // Both kinds of outcome were compared.
        assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
    }

    #[test]
    fn streaming_enforces_the_size_limit() {
        let data = crate::snapshot::CERTDATA;
        let e = Store::from_reader(data, "x", 100_000).unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 100_000, .. }), "{e}");
    }

    #[test]
    fn utc_time_parses_and_rejects() {
        assert_eq!(parse_utc_time(b"241130235959Z"), Some(1_733_011_199));
        assert_eq!(parse_utc_time(b"991231235959Z"), Some(946_684_799));
        assert_eq!(parse_utc_time(b"241330235959Z"), None);
        assert_eq!(parse_utc_time(b"240230000000Z"), None);
        assert_eq!(parse_utc_time(b"2411302359Z"), None);
        assert_eq!(parse_utc_time(b"24113023595xZ"), None);
        assert_eq!(parse_utc_time(b"241130235959+"), None);
    }

    /// A PKCS #11 3.2 trust object has no step-up flag: beside an NSS one
    /// with CK_FALSE for the same certificate it is the same trust, not a
    /// conflict that would refuse the file.
    #[test]
    fn an_absent_step_up_flag_is_false() {
        let record = |step_up| TrustRecord {
            label: "x".into(),
            line: 1,
            issuer: vec![0x30, 0],
            serial: vec![1],
            levels: [None; 15],
            step_up_approved: step_up,
            distrust_after: DistrustAfter::default(),
            hashes: Vec::new(),
            spelling: Spelling::Nss,
        };
        assert!(record(None).same_trust(&record(Some(false))));
        assert!(record(Some(false)).same_trust(&record(None)));
        assert!(!record(None).same_trust(&record(Some(true))));
    }

    #[test]
    fn all_spellings_map_to_one_level() {
        for (tokens, level) in [
            (
                &[
                    "CKT_NSS_TRUSTED_DELEGATOR",
                    "CKT_NETSCAPE_TRUSTED_DELEGATOR",
                    "CKT_TRUST_ANCHOR",
                ][..],
                TrustLevel::TrustedDelegator,
            ),
            (
                &[
                    "CKT_NSS_NOT_TRUSTED",
                    "CKT_NETSCAPE_UNTRUSTED",
                    "CKT_NOT_TRUSTED",
                    "CKT_NETSCAPE_VALID",
                ][..],
                TrustLevel::NotTrusted,
            ),
            (
                &[
                    "CKT_NSS_MUST_VERIFY_TRUST",
                    "CKT_NETSCAPE_MUST_VERIFY",
                    "CKT_TRUST_MUST_VERIFY_TRUST",
                ][..],
                TrustLevel::MustVerifyTrust,
            ),
            (
                &[
                    "CKT_NSS_TRUST_UNKNOWN",
                    "CKT_NETSCAPE_TRUST_UNKNOWN",
                    "CKT_TRUST_UNKNOWN",
                ][..],
                TrustLevel::TrustUnknown,
            ),
            (
                &["CKT_NSS_TRUSTED", "CKT_NETSCAPE_TRUSTED", "CKT_TRUSTED"][..],
                TrustLevel::Trusted,
            ),
            (
                &["CKT_NSS_VALID_DELEGATOR", "CKT_NETSCAPE_VALID_DELEGATOR"][..],
                TrustLevel::ValidDelegator,
            ),
        ] {
            for t in tokens {
                assert_eq!(TrustLevel::from_token(t), Some(level), "{t}");
            }
        }
        assert_eq!(TrustLevel::from_token("CKT_NSS_TRUSTED_DELEGATORX"), None);
    }

    #[test]
    fn names_round_trip() {
        for p in Purpose::ALL {
            assert_eq!(p.name().parse::<Purpose>().unwrap(), *p);
            assert_eq!(Purpose::from_attribute(p.attribute()), Some(*p));
        }
        for l in TrustLevel::ALL {
            assert_eq!(l.name().parse::<TrustLevel>().unwrap(), *l);
        }
        assert!(
            "server"
                .parse::<Purpose>()
                .unwrap_err()
                .to_string()
                .contains("server-auth")
        );
    }

    #[test]
    fn integer_content_checks_the_header() {
        assert_eq!(integer_content(&[2, 1, 5]), Some(&[5u8][..]));
        assert_eq!(integer_content(&[2, 0x81, 1, 5]), Some(&[5u8][..]));
        assert_eq!(integer_content(&[2, 2, 5]), None);
        assert_eq!(integer_content(&[4, 1, 5]), None);
        assert_eq!(integer_content(&[]), None);
    }

    #[test]
    fn hash_lengths_match_algorithms() {
        for alg in HashAlgorithm::ALL {
            assert_eq!(HashAlgorithm::from_len(alg.digest(b"x").len()), Some(alg));
        }
    }
}
