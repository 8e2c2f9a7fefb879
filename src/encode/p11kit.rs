//! p11-kit's `.p11-kit` object format, as Fedora's ca-certificates writes it
//! from certdata.txt: each selected root as a trusted certificate object
//! with its CA-policy flag and distrust-after dates, then certificate
//! extensions (bound by public key) that carry the purposes it is trusted
//! for (extended key usage) and rejected for (p11-kit's reject extension);
//! certificates NSS distrusts, and trust-only distrust records, as
//! `x-distrusted` objects, so that p11-kit blocks them whatever else adds them.

use std::fmt::Write as _;

use super::formats::{Request, purpose_trust};
use super::openssl::{EKU_PURPOSES, NO_PURPOSE_OID, eku_oid};
use super::push_pem_block;
use crate::der;
use crate::model::{Certificate, Purpose, TrustLevel, TrustRecord};
use crate::select::Decision;

/// p11-kit's "OpenSSL reject" extension.
const REJECT_OID: &str = "1.3.6.1.4.1.3319.6.10.1";
/// Extended key usage.
const EKU_OID: &str = "2.5.29.37";

/// `"..."` with every byte but `A-Za-z0-9-_.~/ ` percent-encoded.
fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3 + 2);
    out.push('"');
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-_.~/ ".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out.push('"');
    out
}

/// An extension object for `cert` (`oid` with extended key usages `usages`).
fn extension(out: &mut String, cert: &Certificate, oid: &str, usages: &[&str]) {
    let Some(spki) = der::tbs_parts(&cert.der).map(|p| p.spki) else {
        return;
    };
    let list: Vec<u8> = usages
        .iter()
        .filter_map(|u| der::oid(u))
        .flatten()
        .collect();
    let value = der::sequence(&[
        der::oid(oid).unwrap_or_default(),
        der::tlv(0x01, &[0xff]),
        der::tlv(der::OCTET_STRING, &der::tlv(der::SEQUENCE, &list)),
    ]);
    let _ = write!(
        out,
        "\n# {oid}: {}\n[p11-kit-object-v1]\nlabel: {}\nclass: x-certificate-extension\nobject-id: {oid}\nvalue: {}\nmodifiable: false\n",
        usages.join(", "),
        quote(cert.label.as_bytes()),
        quote(&value)
    );
    push_pem_block(out, "PUBLIC KEY", spki);
}

fn certificate(out: &mut String, cert: &Certificate, trust_line: &str) {
    let _ = write!(
        out,
        "\n# {}\n[p11-kit-object-v1]\nlabel: {}\n{trust_line}\n",
        super::comment_safe(&cert.label),
        quote(cert.label.as_bytes())
    );
    if cert.mozilla_ca_policy == Some(true) {
        out.push_str("nss-mozilla-ca-policy: true\n");
    }
    for (attr, p) in [
        ("nss-server-distrust-after", Purpose::ServerAuth),
        ("nss-email-distrust-after", Purpose::EmailProtection),
    ] {
        // Dates in the model came from UTCTime, so they have one.
        if let Some(time) = cert.distrust_after(p).and_then(crate::certdata::utc_time) {
            let _ = writeln!(out, "{attr}: {}", quote(time.as_bytes()));
        }
    }
    out.push_str("modifiable: false\n");
    push_pem_block(out, "CERTIFICATE", &cert.der);
}

fn record(out: &mut String, record: &TrustRecord) {
    let _ = write!(
        out,
        "\n# {} (distrust record)\n[p11-kit-object-v1]\nlabel: {}\nclass: certificate\ncertificate-type: x-509\nissuer: {}\nserial-number: {}\nx-distrusted: true\nmodifiable: false\n",
        super::comment_safe(&record.label),
        quote(record.label.as_bytes()),
        quote(&record.issuer),
        quote(&der::tlv(der::INTEGER, &record.serial)),
    );
}

/// The whole file: `head` as comments, the selected roots, then what NSS
/// distrusts.
pub fn encode(r: &Request<'_>, selected: &[(&Certificate, Decision)], head: &str) -> String {
    let mut out = head.to_owned();
    for (cert, _) in selected {
        certificate(&mut out, cert, "trusted: true");
        let (trusted, rejected) = purpose_trust(cert, r.policy);
        let oids =
            |ps: &[Purpose]| -> Vec<&str> { ps.iter().filter_map(|&p| eku_oid(p)).collect() };
        if !rejected.is_empty() {
            extension(&mut out, cert, REJECT_OID, &oids(&rejected));
        }
        if trusted.is_empty() {
            extension(&mut out, cert, EKU_OID, &[NO_PURPOSE_OID]);
        } else {
            extension(&mut out, cert, EKU_OID, &oids(&trusted));
        }
    }
    // Certificates NSS does not trust for any purpose it states.
    for cert in &r.store.certificates {
        let distrusted = cert.trust.as_ref().is_some_and(|t| {
            let stated: Vec<TrustLevel> = EKU_PURPOSES.iter().filter_map(|&p| t.level(p)).collect();
            !stated.is_empty() && stated.iter().all(|&l| l == TrustLevel::NotTrusted)
        });
        if distrusted {
            certificate(&mut out, cert, "x-distrusted: true");
        }
    }
    // A trust-only record is blocked when it distrusts for any purpose (a
    // p11-kit blocklist entry cannot be per purpose, and letting a chain
    // through a certificate NSS distrusts for servers is the worse error);
    // one that only says "must verify" or "unknown" distrusts nothing.
    for r in r
        .store
        .distrust
        .iter()
        .filter(|r| r.levels().any(|(_, l)| l == TrustLevel::NotTrusted))
    {
        record(&mut out, r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_and_dates() {
        assert_eq!(quote(b"Izenpe.com (x)"), "\"Izenpe.com %28x%29\"");
        assert_eq!(quote(&[0x30, 0x0a]), "\"0%0A\"");
        assert_eq!(
            crate::certdata::utc_time(1_776_297_599).as_deref(),
            Some("260415235959Z")
        );
    }
}
