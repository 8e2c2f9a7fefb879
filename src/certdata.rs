//! Writing **certdata.txt**: the inverse of [`crate::parse`] and
//! [`crate::model`].
//!
//! [`write_store`] writes a [`Store`] back as certdata.txt text in NSS's
//! layout: a comment header, `BEGINDATA`, the builtin root list object, then
//! per certificate a `# Certificate "..."` comment block (issuer, serial
//! number, subject, validity and fingerprints, as NSS writes them), the
//! certificate object and its trust object, and last the trust-only distrust
//! objects. Parsing the text back gives the same model (labels, DER, trust
//! levels, hashes, distrust-after dates, spellings); only line numbers,
//! warnings and the input's SHA-256 differ.
//!
//! [`Writer`] is the line-level part, for writing any object, even one the
//! model would reject (the test-fixture generator uses it that way):
//! `MULTILINE_OCTAL` values at 16 escapes per line, `UTF8` strings with `\"`,
//! `\\` and `\xNN` escapes where needed.
//!
//! ```
//! use nssroots::{Store, certdata, snapshot};
//! let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
//! let text = certdata::write_store(&store)?;
//! let again = Store::from_bytes(text.as_bytes(), "certdata.txt")?;
//! assert_eq!(again.certificates.len(), store.certificates.len());
//! assert_eq!(certdata::write_store(&again)?, text);
//!
//! let mut w = certdata::Writer::new();
//! w.line("BEGINDATA");
//! w.object_header("CKO_NSS_TRUST", "Ra\u{ed}z \"A\"", true);
//! assert!(w.finish().contains("CKA_LABEL UTF8 \"Ra\\xC3\\xADz \\\"A\\\"\"\n"));
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::fmt::Write as _;

use time::OffsetDateTime;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::encode::comment_safe;
use crate::error::{Error, Result};
use crate::model::{
    Certificate, DistrustAfter, HashAlgorithm, Purpose, Spelling, Store, TrustLevel, TrustRecord,
};

/// Escapes per `MULTILINE_OCTAL` line, as NSS writes them.
pub const OCTAL_PER_LINE: usize = 16;

/// certdata.txt text being written, a line at a time, with line numbers.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    text: String,
    lines: usize,
    crlf: bool,
}

impl Writer {
    /// An empty text with LF line endings.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// Ends lines with CRLF instead of LF.
    pub fn crlf(mut self) -> Writer {
        self.crlf = true;
        self
    }

    /// Appends a line (without its ending); returns its 1-based number.
    pub fn line(&mut self, s: &str) -> usize {
        self.text.push_str(s);
        self.text.push_str(if self.crlf { "\r\n" } else { "\n" });
        self.lines += 1;
        self.lines
    }

    /// Lines written so far.
    pub fn line_count(&self) -> usize {
        self.lines
    }

    /// `NAME MULTILINE_OCTAL`, the bytes as `\ooo` escapes 16 to a line, `END`.
    /// Returns the line of the name.
    pub fn octal(&mut self, name: &str, bytes: &[u8]) -> usize {
        let first = self.line(&format!("{name} MULTILINE_OCTAL"));
        let mut l = String::with_capacity(OCTAL_PER_LINE * 4);
        for chunk in bytes.chunks(OCTAL_PER_LINE) {
            l.clear();
            for b in chunk {
                let _ = write!(l, "\\{b:03o}");
            }
            self.line(&l);
        }
        self.line("END");
        first
    }

    /// `NAME UTF8 "value"`, escaped by [`quote_utf8`].
    pub fn utf8(&mut self, name: &str, value: &str, escape_non_ascii: bool) -> usize {
        self.line(&format!(
            "{name} UTF8 \"{}\"",
            quote_utf8(value, escape_non_ascii)
        ))
    }

    /// `NAME CK_BBOOL CK_TRUE|CK_FALSE`.
    pub fn bool(&mut self, name: &str, value: bool) -> usize {
        let v = if value { "CK_TRUE" } else { "CK_FALSE" };
        self.line(&format!("{name} CK_BBOOL {v}"))
    }

    /// `NAME TYPE VALUE` for a one-token value such as `CK_TRUST CKT_NSS_TRUSTED`.
    pub fn token(&mut self, name: &str, type_name: &str, value: &str) -> usize {
        self.line(&format!("{name} {type_name} {value}"))
    }

    /// A distrust-after attribute: the date as a `MULTILINE_OCTAL` UTCTime, or
    /// `CK_BBOOL CK_FALSE` for none. Fails for a date UTCTime cannot hold
    /// (before 1950 or from 2050 on).
    pub fn date(&mut self, name: &str, date: Option<i64>) -> Result<usize> {
        match date {
            None => Ok(self.bool(name, false)),
            Some(d) => {
                let t = utc_time(d).ok_or_else(|| {
                    Error::Invalid(format!(
                        "{name}: {d} is not a date UTCTime can hold (1950 to 2049)"
                    ))
                })?;
                Ok(self.octal(name, t.as_bytes()))
            }
        }
    }

    /// `CKA_CLASS`, `CKA_TOKEN`, `CKA_PRIVATE`, `CKA_MODIFIABLE` and
    /// `CKA_LABEL`, as every NSS object starts. Returns the `CKA_CLASS` line.
    pub fn object_header(&mut self, class: &str, label: &str, escape_non_ascii: bool) -> usize {
        let line = self.token("CKA_CLASS", "CK_OBJECT_CLASS", class);
        self.bool("CKA_TOKEN", true);
        self.bool("CKA_PRIVATE", false);
        self.bool("CKA_MODIFIABLE", false);
        self.utf8("CKA_LABEL", label, escape_non_ascii);
        line
    }

    /// The text.
    pub fn finish(self) -> String {
        self.text
    }
}

/// The body of a `UTF8 "..."` string: `"` and `\` escaped, control
/// characters as `\xNN`, and with `escape_non_ascii` every non-ASCII byte as
/// `\xNN` too (as pre-2017 NSS files write them).
pub fn quote_utf8(s: &str, escape_non_ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() || (escape_non_ascii && !c.is_ascii()) => {
                let mut buf = [0; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "\\x{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// `YYMMDDHHMMSSZ`, the UTCTime NSS writes distrust-after dates in, of Unix
/// seconds; `None` outside 1950 to 2049.
pub fn utc_time(unix: i64) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(unix).ok()?;
    if !(1950..2050).contains(&t.year()) {
        return None;
    }
    Some(format!(
        "{:02}{:02}{:02}{:02}{:02}{:02}Z",
        t.year() % 100,
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// `02 len content`: the DER INTEGER of a serial number's content octets,
/// as `CKA_SERIAL_NUMBER` holds it.
pub fn der_integer(content: &[u8]) -> Vec<u8> {
    crate::der::tlv(crate::der::INTEGER, content)
}

/// The `CKT_*` token of `level` in `spelling`. PKCS #11 3.2 has no
/// valid-delegator value: that one is written in the NSS spelling, which the
/// model reads in any object.
pub fn trust_token(spelling: Spelling, level: TrustLevel) -> &'static str {
    use TrustLevel::*;
    match (spelling, level) {
        (Spelling::Nss | Spelling::Pkcs11v32, ValidDelegator) => "CKT_NSS_VALID_DELEGATOR",
        (Spelling::Nss, TrustedDelegator) => "CKT_NSS_TRUSTED_DELEGATOR",
        (Spelling::Nss, Trusted) => "CKT_NSS_TRUSTED",
        (Spelling::Nss, MustVerifyTrust) => "CKT_NSS_MUST_VERIFY_TRUST",
        (Spelling::Nss, NotTrusted) => "CKT_NSS_NOT_TRUSTED",
        (Spelling::Nss, TrustUnknown) => "CKT_NSS_TRUST_UNKNOWN",
        (Spelling::Netscape, TrustedDelegator) => "CKT_NETSCAPE_TRUSTED_DELEGATOR",
        (Spelling::Netscape, Trusted) => "CKT_NETSCAPE_TRUSTED",
        (Spelling::Netscape, MustVerifyTrust) => "CKT_NETSCAPE_MUST_VERIFY",
        (Spelling::Netscape, NotTrusted) => "CKT_NETSCAPE_UNTRUSTED",
        (Spelling::Netscape, ValidDelegator) => "CKT_NETSCAPE_VALID_DELEGATOR",
        (Spelling::Netscape, TrustUnknown) => "CKT_NETSCAPE_TRUST_UNKNOWN",
        (Spelling::Pkcs11v32, TrustedDelegator) => "CKT_TRUST_ANCHOR",
        (Spelling::Pkcs11v32, Trusted) => "CKT_TRUSTED",
        (Spelling::Pkcs11v32, MustVerifyTrust) => "CKT_TRUST_MUST_VERIFY_TRUST",
        (Spelling::Pkcs11v32, NotTrusted) => "CKT_NOT_TRUSTED",
        (Spelling::Pkcs11v32, TrustUnknown) => "CKT_TRUST_UNKNOWN",
    }
}

/// The class of a trust object in `spelling`.
pub fn trust_class(spelling: Spelling) -> &'static str {
    match spelling {
        Spelling::Nss => "CKO_NSS_TRUST",
        Spelling::Netscape => "CKO_NETSCAPE_TRUST",
        Spelling::Pkcs11v32 => "CKO_TRUST",
    }
}

/// The `CKM_*` mechanism that names `alg` (`CKA_NAME_HASH_ALGORITHM`).
pub fn mechanism(alg: HashAlgorithm) -> &'static str {
    match alg {
        HashAlgorithm::Md5 => "CKM_MD5",
        HashAlgorithm::Sha1 => "CKM_SHA_1",
        HashAlgorithm::Sha224 => "CKM_SHA224",
        HashAlgorithm::Sha256 => "CKM_SHA256",
        HashAlgorithm::Sha384 => "CKM_SHA384",
        HashAlgorithm::Sha512 => "CKM_SHA512",
    }
}

/// Unix seconds as NSS's comments write them: `Tue Sep 01 12:00:00 1998`.
pub fn comment_time(unix: i64) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] [year]"
    );
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_else(|| format!("@{unix}"))
}

/// Colon-separated uppercase hex, as NSS's fingerprint comments write it.
pub fn colon_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// The comment lines NSS writes before a certificate's objects: issuer,
/// serial number, subject, validity and fingerprints.
pub fn certificate_comments(cert: &Certificate) -> Vec<String> {
    vec![
        format!("# Issuer: {}", comment_safe(&cert.issuer)),
        format!("# Serial Number:{}", cert.serial),
        format!("# Subject: {}", comment_safe(&cert.subject)),
        format!("# Not Valid Before: {}", comment_time(cert.not_before)),
        format!("# Not Valid After : {}", comment_time(cert.not_after)),
        format!("# Fingerprint (SHA-256): {}", colon_hex(&cert.sha256)),
        format!(
            "# Fingerprint (SHA1): {}",
            colon_hex(&HashAlgorithm::Sha1.digest(&cert.der))
        ),
    ]
}

/// Writes `store` as certdata.txt (LF line endings). Fails only for a
/// certificate whose DER does not parse or a date UTCTime cannot hold, which
/// a store read from certdata.txt never has.
pub fn write_store(store: &Store) -> Result<String> {
    let mut w = Writer::new();
    for l in [
        "#".to_owned(),
        format!(
            "# certdata.txt written by nssroots {} from {}.",
            env!("CARGO_PKG_VERSION"),
            comment_safe(&store.source_name)
        ),
        "# The certificates and the trust in it are that file's.".to_owned(),
        "#".to_owned(),
        "BEGINDATA".to_owned(),
    ] {
        w.line(&l);
    }
    let spellings = store
        .certificates
        .iter()
        .filter_map(|c| c.trust.as_ref())
        .chain(&store.distrust)
        .map(|t| t.spelling);
    let netscape = store.certificates.len() + store.distrust.len() > 0
        && spellings.clone().all(|s| s == Spelling::Netscape);
    w.object_header(
        if netscape {
            "CKO_NETSCAPE_BUILTIN_ROOT_LIST"
        } else {
            "CKO_NSS_BUILTIN_ROOT_LIST"
        },
        "Mozilla Builtin Roots",
        false,
    );
    for cert in &store.certificates {
        write_certificate(&mut w, cert)?;
        if let Some(trust) = &cert.trust {
            w.line("");
            w.line(&format!("# Trust for \"{}\"", comment_safe(&trust.label)));
            for l in certificate_comments(cert) {
                w.line(&l);
            }
            write_trust(&mut w, trust)?;
        }
    }
    for record in &store.distrust {
        w.line("");
        w.line(&format!(
            "# Explicitly Distrust \"{}\"",
            comment_safe(&record.label)
        ));
        write_trust(&mut w, record)?;
    }
    Ok(w.finish())
}

fn write_certificate(w: &mut Writer, cert: &Certificate) -> Result<()> {
    let (_, x509) = X509Certificate::from_der(&cert.der).map_err(|e| {
        Error::Invalid(format!(
            "certificate \"{}\": DER does not parse: {e}",
            cert.label
        ))
    })?;
    w.line("");
    w.line("#");
    w.line(&format!("# Certificate \"{}\"", comment_safe(&cert.label)));
    w.line("#");
    for l in certificate_comments(cert) {
        w.line(&l);
    }
    w.object_header("CKO_CERTIFICATE", &cert.label, false);
    w.token("CKA_CERTIFICATE_TYPE", "CK_CERTIFICATE_TYPE", "CKC_X_509");
    w.octal("CKA_SUBJECT", x509.tbs_certificate.subject.as_raw());
    w.utf8("CKA_ID", "0", false);
    w.octal("CKA_ISSUER", &cert.issuer_der);
    w.octal("CKA_SERIAL_NUMBER", &der_integer(&cert.serial_number));
    w.octal("CKA_VALUE", &cert.der);
    if let Some(policy) = cert.mozilla_ca_policy {
        w.bool("CKA_NSS_MOZILLA_CA_POLICY", policy);
    }
    // Pre-2011 (Netscape) files have no distrust-after attributes at all.
    let netscape = cert
        .trust
        .as_ref()
        .is_some_and(|t| t.spelling == Spelling::Netscape);
    write_dates(w, &cert.distrust_after, !netscape)
}

/// The distrust-after attributes; with `absent_too`, `CK_FALSE` for a
/// purpose with no date.
fn write_dates(w: &mut Writer, dates: &DistrustAfter, absent_too: bool) -> Result<()> {
    for (date, name) in [
        (dates.server, "CKA_NSS_SERVER_DISTRUST_AFTER"),
        (dates.email, "CKA_NSS_EMAIL_DISTRUST_AFTER"),
    ] {
        if date.is_some() || absent_too {
            w.date(name, date)?;
        }
    }
    Ok(())
}

fn write_trust(w: &mut Writer, t: &TrustRecord) -> Result<()> {
    w.object_header(trust_class(t.spelling), &t.label, false);
    // Each stated hash in its own attribute, in the record's order: SHA-1 and
    // MD5 in NSS's attributes, others in the PKCS #11 3.2 ones. The hash's
    // length says its algorithm, so CKA_NAME_HASH_ALGORITHM is only written
    // (as NSS does) where one attribute needs it.
    let (mut sha1, mut md5) = (false, false);
    let mut others: Vec<HashAlgorithm> = Vec::new();
    let mut slots: Vec<(&str, &[u8])> = Vec::with_capacity(t.hashes.len());
    for (alg, hash) in &t.hashes {
        let name = match alg {
            HashAlgorithm::Sha1 if !sha1 => {
                sha1 = true;
                "CKA_CERT_SHA1_HASH"
            }
            HashAlgorithm::Md5 if !md5 => {
                md5 = true;
                "CKA_CERT_MD5_HASH"
            }
            _ => {
                others.push(*alg);
                match others.len() {
                    1 => "CKA_HASH_OF_CERTIFICATE",
                    2 => "CKA_CERT_HASH",
                    _ => continue,
                }
            }
        };
        slots.push((name, hash));
    }
    for (name, hash) in slots {
        w.octal(name, hash);
    }
    if let [alg] = others.as_slice() {
        w.token(
            "CKA_NAME_HASH_ALGORITHM",
            "CK_MECHANISM_TYPE",
            mechanism(*alg),
        );
    }
    w.octal("CKA_ISSUER", &t.issuer);
    w.octal("CKA_SERIAL_NUMBER", &der_integer(&t.serial));
    for purpose in Purpose::ALL {
        if let Some(level) = t.level(*purpose) {
            w.token(
                purpose.attribute(),
                "CK_TRUST",
                trust_token(t.spelling, level),
            );
        }
    }
    if let Some(step_up) = t.step_up_approved {
        w.bool("CKA_TRUST_STEP_UP_APPROVED", step_up);
    }
    write_dates(w, &t.distrust_after, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn octal_lines_hold_sixteen_escapes() {
        let mut w = Writer::new();
        assert_eq!(w.octal("CKA_X", &[0o377; 17]), 1);
        let text = w.finish();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], "\\377".repeat(16));
        assert_eq!(lines[2], "\\377");
        assert_eq!(lines[3], "END");
    }

    #[test]
    fn strings_are_escaped_where_needed() {
        assert_eq!(quote_utf8("a\"b\\c", false), "a\\\"b\\\\c");
        assert_eq!(quote_utf8("Raíz\n", false), "Raíz\\x0A");
        assert_eq!(quote_utf8("Raíz", true), "Ra\\xC3\\xADz");
        let mut w = Writer::new().crlf();
        w.line("BEGINDATA");
        w.object_header("CKO_CERTIFICATE", "q\"\u{7f}é", false);
        let text = w.finish();
        let doc = crate::parse::parse(text.as_bytes(), "t").unwrap();
        assert!(doc.crlf);
        assert_eq!(
            doc.objects[0].get("CKA_LABEL").unwrap().value.as_utf8(),
            Some("q\"\u{7f}é")
        );
    }

    #[test]
    fn helpers_encode_as_nss_does() {
        assert_eq!(utc_time(1_733_011_199).as_deref(), Some("241130235959Z"));
        assert_eq!(utc_time(-1_000_000_000), None);
        assert_eq!(utc_time(2_600_000_000), None);
        assert_eq!(der_integer(&[5]), [2, 1, 5]);
        assert_eq!(der_integer(&[7; 200])[..3], [2, 0x81, 200]);
        assert_eq!(der_integer(&[7; 300])[..4], [2, 0x82, 1, 44]);
        assert_eq!(comment_time(904_651_200), "Tue Sep 01 12:00:00 1998");
        assert_eq!(colon_hex(&[0xeb, 0x04]), "EB:04");
        for s in [Spelling::Nss, Spelling::Netscape, Spelling::Pkcs11v32] {
            for l in TrustLevel::ALL {
                assert_eq!(TrustLevel::from_token(trust_token(s, *l)), Some(*l));
            }
        }
        for alg in HashAlgorithm::ALL {
            assert_eq!(HashAlgorithm::from_mechanism(mechanism(alg)), Some(alg));
        }
        let mut w = Writer::new();
        assert!(
            w.date("CKA_NSS_SERVER_DISTRUST_AFTER", Some(i64::MAX))
                .is_err()
        );
    }

    #[test]
    fn the_snapshot_round_trips() {
        let store = Store::from_bytes(crate::snapshot::CERTDATA, "certdata.txt").unwrap();
        let text = write_store(&store).unwrap();
        let again = Store::from_bytes(text.as_bytes(), "certdata.txt").unwrap();
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
        assert!(again.same_model(&store));
        assert!(
            !again.same_model(&Store {
                distrust: Vec::new(),
                ..store.clone()
            }) || store.distrust.is_empty()
        );
        assert_eq!(write_store(&again).unwrap(), text);
    }
}
