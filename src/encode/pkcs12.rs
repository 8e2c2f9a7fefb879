//! A PKCS #12 trust store (RFC 7292) that Java's `keytool` and `KeyStore`
//! read: one certificate bag per root, with its alias as `friendlyName` and
//! Java's trusted-key-usage attribute (`anyExtendedKeyUsage`), which makes
//! it a `trustedCertEntry`. Certificates are public, so the bags are not
//! encrypted; with a password, the store carries an HMAC-SHA256 integrity
//! MAC (PKCS #12 key derivation, 10,000 iterations).
//!
//! Written by hand rather than with the p12-keystore crate, the one that
//! writes Java trust entries: it draws its salts from a random generator
//! and always encrypts, so the same input would give different bytes each
//! time. Here the MAC salt is derived from the content: same input, same
//! options, same bytes.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::der;
use crate::model::Certificate;
use crate::select::Decision;

/// MAC key derivation iterations (Java's default).
const ITERATIONS: u64 = 10_000;

fn oid(dotted: &str) -> Vec<u8> {
    der::oid(dotted).unwrap_or_default()
}

/// `[0] EXPLICIT` around `inner`.
fn explicit0(inner: &[u8]) -> Vec<u8> {
    der::tlv(0xa0, inner)
}

/// A `data` ContentInfo holding `content`.
fn data(content: &[u8]) -> Vec<u8> {
    der::sequence(&[
        oid("1.2.840.113549.1.7.1"),
        explicit0(&der::tlv(der::OCTET_STRING, content)),
    ])
}

fn bmp(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// One certificate bag.
fn cert_bag(cert: &Certificate, alias: &str) -> Vec<u8> {
    let bag = der::sequence(&[
        oid("1.2.840.113549.1.9.22.1"),
        explicit0(&der::tlv(der::OCTET_STRING, &cert.der)),
    ]);
    let attributes = der::set_of(&[
        // friendlyName
        der::sequence(&[
            oid("1.2.840.113549.1.9.20"),
            der::set_of(&[der::tlv(der::BMP_STRING, &bmp(alias))]),
        ]),
        // Oracle's trusted key usage: anyExtendedKeyUsage.
        der::sequence(&[
            oid("2.16.840.1.113894.746875.1.1"),
            der::set_of(&[oid("2.5.29.37.0")]),
        ]),
    ]);
    der::sequence(&[
        oid("1.2.840.113549.1.12.10.1.3"),
        explicit0(&bag),
        attributes,
    ])
}

/// RFC 7292 appendix B.2 with SHA-256 (u = 32, v = 64), `n` bytes.
fn derive_key(id: u8, password: &str, salt: &[u8], iterations: u64, n: usize) -> Vec<u8> {
    const V: usize = 64;
    let mut pass = bmp(password);
    pass.extend([0, 0]);
    let stretch = |s: &[u8]| -> Vec<u8> {
        if s.is_empty() {
            return Vec::new();
        }
        let len = V * s.len().div_ceil(V);
        s.iter().cycle().take(len).copied().collect()
    };
    let mut i = stretch(salt);
    i.extend(stretch(&pass));
    let d = [id; V];
    let mut out = Vec::with_capacity(n + 32);
    while out.len() < n {
        let mut a = Sha256::new().chain_update(d).chain_update(&i).finalize();
        for _ in 1..iterations {
            a = Sha256::digest(a);
        }
        out.extend_from_slice(&a);
        let b: Vec<u8> = a.iter().cycle().take(V).copied().collect();
        for block in i.chunks_mut(V) {
            // block = (block + b + 1) mod 2^(8V), big-endian.
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().zip(&b).rev() {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out.truncate(n);
    out
}

/// The trust store: the certificates under `aliases` (one each, in order),
/// with an integrity MAC when `password` is given.
pub fn trust_store(
    selected: &[(&Certificate, Decision)],
    aliases: &[String],
    password: Option<&str>,
) -> Vec<u8> {
    let bags: Vec<Vec<u8>> = selected
        .iter()
        .zip(aliases)
        .map(|((cert, _), alias)| cert_bag(cert, &alias.to_lowercase()))
        .collect();
    let safe_contents = der::sequence(&bags);
    let auth_safe = der::sequence(&[data(&safe_contents)]);
    let mut pfx = vec![der::integer(3), data(&auth_safe)];
    if let Some(password) = password {
        let salt = Sha256::new()
            .chain_update(b"nssroots PKCS #12 MAC salt")
            .chain_update(&auth_safe)
            .finalize();
        let salt = salt.get(..16).unwrap_or_default();
        let key = derive_key(3, password, salt, ITERATIONS, 32);
        let mac = Hmac::<Sha256>::new_from_slice(&key)
            .map(|m| m.chain_update(&auth_safe).finalize().into_bytes().to_vec())
            .unwrap_or_default();
        pfx.push(der::sequence(&[
            der::sequence(&[
                der::sequence(&[oid("2.16.840.1.101.3.4.2.1"), der::tlv(0x05, &[])]),
                der::tlv(der::OCTET_STRING, &mac),
            ]),
            der::tlv(der::OCTET_STRING, salt),
            der::integer(ITERATIONS),
        ]));
    }
    der::sequence(&pfx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bmp_strings_end_without_terminator() {
        assert_eq!(bmp("Aé"), [0, 0x41, 0, 0xe9]);
    }

    #[test]
    fn key_derivation_is_deterministic_and_depends_on_everything() {
        let k = derive_key(3, "changeit", b"salt", 2, 32);
        assert_eq!(k.len(), 32);
        assert_eq!(k, derive_key(3, "changeit", b"salt", 2, 32));
        assert_ne!(k, derive_key(1, "changeit", b"salt", 2, 32));
        assert_ne!(k, derive_key(3, "changeiT", b"salt", 2, 32));
        assert_ne!(k, derive_key(3, "changeit", b"salT", 2, 32));
        assert_ne!(k, derive_key(3, "changeit", b"salt", 3, 32));
    }
}
