//! What OpenSSL reads besides plain PEM: the subject-name hash of
//! `openssl x509 -subject_hash` (the `HASH.N` names of a `-CApath`
//! directory) and `TRUSTED CERTIFICATE` blocks with auxiliary trust.

use sha1::{Digest, Sha1};

use crate::der;
use crate::model::{Certificate, Purpose};

/// The extended key usage OID OpenSSL's auxiliary trust uses for a purpose;
/// `None` for the key-usage purposes, which have none.
pub fn eku_oid(purpose: Purpose) -> Option<&'static str> {
    Some(match purpose {
        Purpose::ServerAuth => "1.3.6.1.5.5.7.3.1",
        Purpose::ClientAuth => "1.3.6.1.5.5.7.3.2",
        Purpose::CodeSigning => "1.3.6.1.5.5.7.3.3",
        Purpose::EmailProtection => "1.3.6.1.5.5.7.3.4",
        Purpose::IpsecEndSystem => "1.3.6.1.5.5.7.3.5",
        Purpose::IpsecTunnel => "1.3.6.1.5.5.7.3.6",
        Purpose::IpsecUser => "1.3.6.1.5.5.7.3.7",
        Purpose::TimeStamping => "1.3.6.1.5.5.7.3.8",
        _ => return None,
    })
}

/// The purposes that have an extended key usage OID, in OID order.
pub const EKU_PURPOSES: [Purpose; 8] = [
    Purpose::ServerAuth,
    Purpose::ClientAuth,
    Purpose::CodeSigning,
    Purpose::EmailProtection,
    Purpose::IpsecEndSystem,
    Purpose::IpsecTunnel,
    Purpose::IpsecUser,
    Purpose::TimeStamping,
];

const UTF8: u8 = 0x0c;
const PRINTABLE: u8 = 0x13;
const T61: u8 = 0x14;
const IA5: u8 = 0x16;
const UNIVERSAL: u8 = 0x1c;
const BMP: u8 = 0x1e;
const VISIBLE: u8 = 0x1a;

/// A string value as UTF-8, the way OpenSSL's `ASN1_STRING_to_UTF8` reads
/// each type (one byte a character for the 8-bit types, UCS-2 and UCS-4
/// big-endian for BMPString and UniversalString). `None` if malformed.
fn to_utf8(tag: u8, content: &[u8]) -> Option<Vec<u8>> {
    let chars: Option<String> = match tag {
        UTF8 => {
            return std::str::from_utf8(content)
                .ok()
                .map(|s| s.as_bytes().to_vec());
        }
        PRINTABLE | T61 | IA5 | VISIBLE => Some(content.iter().map(|&b| char::from(b)).collect()),
        BMP if content.len() % 2 == 0 => content
            .chunks_exact(2)
            .map(|c| char::from_u32(u32::from(u16::from_be_bytes([c[0], c[1]]))))
            .collect(),
        UNIVERSAL if content.len() % 4 == 0 => content
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        _ => None,
    };
    chars.map(String::into_bytes)
}

/// OpenSSL's `ossl_isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `asn1_string_canon`: outer spaces dropped, inner runs of spaces made one
/// space, ASCII lowercased; other bytes kept.
fn canon_text(utf8: &[u8]) -> Vec<u8> {
    let start = utf8
        .iter()
        .position(|&b| !is_space(b))
        .unwrap_or(utf8.len());
    let end = utf8
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |p| p + 1);
    let trimmed = utf8.get(start..end).unwrap_or_default();
    let mut out = Vec::with_capacity(trimmed.len());
    let mut in_space = false;
    for &b in trimmed {
        if is_space(b) {
            if !in_space {
                out.push(b' ');
            }
            in_space = true;
        } else {
            in_space = false;
            out.push(b.to_ascii_lowercase());
        }
    }
    out
}

/// The canonical encoding OpenSSL hashes (`x509_name_canon`): each RDN as a
/// SET OF its attributes, string values canonicalised and re-encoded as
/// UTF8String, the RDNs concatenated without the outer SEQUENCE.
pub fn canonical_name(name_der: &[u8]) -> Option<Vec<u8>> {
    let (tag, mut rdns, rest) = der::split(name_der)?;
    if tag != der::SEQUENCE || !rest.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    while !rdns.is_empty() {
        let (tag, mut avas, after) = der::split(rdns)?;
        if tag != der::SET {
            return None;
        }
        rdns = after;
        let mut entries = Vec::new();
        while !avas.is_empty() {
            let (tag, ava, after) = der::split(avas)?;
            if tag != der::SEQUENCE {
                return None;
            }
            avas = after;
            let (oid_tag, oid, value) = der::split(ava)?;
            let (value_tag, content, end) = der::split(value)?;
            if oid_tag != der::OID || !end.is_empty() {
                return None;
            }
            let value = match to_utf8(value_tag, content) {
                Some(utf8) => der::tlv(der::UTF8_STRING, &canon_text(&utf8)),
                // Other types are copied as they are.
                None => value.to_vec(),
            };
            entries.push(der::sequence(&[der::tlv(der::OID, oid), value]));
        }
        out.extend(der::set_of(&entries));
    }
    Some(out)
}

/// `X509_NAME_hash_ex`: the first four bytes of the SHA-1 of the canonical
/// encoding, little-endian, as `openssl x509 -subject_hash` prints it
/// (8 hex digits). `None` for a name that is not DER.
///
/// ```
/// # use nssroots::{Store, snapshot};
/// let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
/// let isrg = store.certificates.iter().find(|c| c.label == "ISRG Root X1").unwrap();
/// // `openssl x509 -subject_hash -noout` on ISRG Root X1 prints 4042bcee.
/// assert_eq!(nssroots::encode::openssl::subject_hash(isrg).as_deref(), Some("4042bcee"));
/// # Ok::<(), nssroots::Error>(())
/// ```
pub fn subject_hash(cert: &Certificate) -> Option<String> {
    let subject = subject_der(&cert.der)?;
    let digest = Sha1::digest(canonical_name(subject)?);
    let h = u32::from_le_bytes([digest[0], digest[1], digest[2], digest[3]]);
    Some(format!("{h:08x}"))
}

/// The DER of a certificate's subject name.
pub fn subject_der(cert_der: &[u8]) -> Option<&[u8]> {
    der::tbs_parts(cert_der).map(|p| p.subject)
}

/// p11-kit's reserved purpose: an extended key usage that means "none".
pub const NO_PURPOSE_OID: &str = "1.3.6.1.4.1.3319.6.10.16";

/// The DER of OpenSSL's `X509_CERT_AUX`: trusted purposes, rejected
/// purposes (`[0]`) and the alias, as p11-kit's openssl-bundle writes it.
///
/// OpenSSL trusts a certificate with no trust list for every purpose, so
/// when no purpose with an OpenSSL meaning is trusted (only key usages were
/// asked for, say), the list holds p11-kit's reserved "no purpose" OID
/// instead, as p11-kit does: trusted for nothing OpenSSL checks.
pub fn cert_aux(trusted: &[Purpose], rejected: &[Purpose], alias: &str) -> Vec<u8> {
    let oids = |ps: &[Purpose]| -> Vec<u8> {
        ps.iter()
            .filter_map(|&p| eku_oid(p).and_then(der::oid))
            .flatten()
            .collect()
    };
    let mut items = Vec::new();
    let mut trust = oids(trusted);
    if trust.is_empty() {
        trust = der::oid(NO_PURPOSE_OID).unwrap_or_default();
    }
    items.push(der::tlv(der::SEQUENCE, &trust));
    if !rejected.is_empty() {
        items.push(der::tlv(0xa0, &oids(rejected)));
    }
    if !alias.is_empty() {
        items.push(der::tlv(der::UTF8_STRING, alias.as_bytes()));
    }
    der::sequence(&items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_text_matches_openssl() {
        assert_eq!(canon_text(b"  Foo   BAR\tBaz  "), b"foo bar baz");
        assert_eq!(canon_text(b"   "), b"");
        assert_eq!(canon_text("Ünï CODE".as_bytes()), "Ünï code".as_bytes());
    }

    #[test]
    fn string_types_convert_to_utf8() {
        assert_eq!(to_utf8(T61, &[0xe9]).unwrap(), "é".as_bytes());
        assert_eq!(
            to_utf8(BMP, &[0, 0x41, 0x01, 0x31]).unwrap(),
            "Aı".as_bytes()
        );
        assert_eq!(to_utf8(UNIVERSAL, &[0, 0, 0, 0x41]).unwrap(), b"A");
        assert!(to_utf8(BMP, &[0]).is_none());
        assert!(to_utf8(UTF8, &[0xff]).is_none());
        assert!(to_utf8(0x04, b"x").is_none());
    }

    #[test]
    fn aux_encodes_trust_reject_and_alias() {
        let aux = cert_aux(&[Purpose::ServerAuth], &[Purpose::EmailProtection], "A");
        let expected = [
            &[0x30, 27][..],
            &[0x30, 10, 6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 1],
            &[0xa0, 10, 6, 8, 0x2b, 6, 1, 5, 5, 7, 3, 4],
            &[0x0c, 1, b'A'],
        ]
        .concat();
        assert_eq!(aux, expected);
        // Nothing OpenSSL knows is trusted: the reserved purpose, never an
        // absent list (which OpenSSL reads as "trusted for everything").
        let none = [0x2b, 6, 1, 4, 1, 0x99, 0x77, 6, 10, 16];
        let expected = [&[0x30, 14, 0x30, 12, 6, 10][..], &none].concat();
        assert_eq!(cert_aux(&[], &[], ""), expected);
        assert_eq!(cert_aux(&[Purpose::DigitalSignature], &[], ""), expected);
    }
}
