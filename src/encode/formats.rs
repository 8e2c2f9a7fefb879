//! Every output format of `bundle --format`: one file (PEM, OpenSSL's
//! trusted PEM, p11-kit, JSON, Java PKCS #12, Rust source) or a directory
//! (one file per certificate, plus OpenSSL's `HASH.N` links for `-CApath`).
//!
//! ```
//! use nssroots::encode::formats::{encode, Encoded, Entry, Format, Request};
//! use nssroots::{Policy, ReferenceTime, Store, snapshot, SortKey};
//! let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
//! let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
//! let selection = policy.select(&store);
//! let request = Request { store: &store, selection: &selection, policy: &policy,
//!                         origin: "example", sort: SortKey::Source, password: None };
//! let Encoded::Directory(entries) = encode(Format::OpensslDir, &request)? else { unreachable!() };
//! // ISRG Root X1's file and the link OpenSSL looks it up by.
//! assert!(entries.iter().any(|e| matches!(e, Entry::Link { name, target }
//!     if name == "4042bcee.0" && target == "ISRG_Root_X1.pem")));
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::collections::BTreeSet;

use serde::Serialize;

use super::openssl::{self, EKU_PURPOSES};
use super::{
    SortKey, comment_block, header, ordered, pem_block, push_comment_block, push_pem_block,
};
use crate::error::{Error, Result};
use crate::model::{Certificate, Purpose, Store, TrustLevel};
use crate::select::{Decision, Policy, Selection};

kebab_enum!(
    /// An output format.
    #[derive(Default)]
    Format, "format" {
        /// PEM bundle with comment blocks (the default).
        #[default]
        Pem = "pem",
        /// `TRUSTED CERTIFICATE` blocks with OpenSSL's auxiliary trust and the label as alias.
        OpensslTrusted = "openssl-trusted",
        /// A `-CApath` directory: one PEM file per certificate and `HASH.N` links.
        OpensslDir = "openssl-dir",
        /// One PEM file per certificate.
        PemDir = "pem-dir",
        /// One DER file per certificate.
        DerDir = "der-dir",
        /// p11-kit's `.p11-kit` object format, as Fedora's ca-certificates writes it.
        P11Kit = "p11-kit",
        /// A JSON manifest: every field `list --format json` shows, plus the PEM.
        Json = "json",
        /// A PKCS #12 trust store that Java's `keytool` reads.
        Java = "java",
        /// Rust source: `rustls_pki_types::TrustAnchor`s, for build-time pinning.
        Rust = "rust",
    }
);

impl Format {
    /// Whether the output is a directory.
    pub fn is_directory(self) -> bool {
        matches!(self, Format::OpensslDir | Format::PemDir | Format::DerDir)
    }

    /// Whether the output is binary (not for a terminal).
    pub fn is_binary(self) -> bool {
        self == Format::Java
    }
}

/// One entry of a directory output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A regular file.
    File {
        /// Its name (no directories).
        name: String,
        /// Its bytes.
        bytes: Vec<u8>,
    },
    /// A symbolic link to another entry.
    Link {
        /// Its name.
        name: String,
        /// The entry it points to (a name in the same directory).
        target: String,
    },
}

impl Entry {
    /// The entry's name.
    pub fn name(&self) -> &str {
        match self {
            Entry::File { name, .. } | Entry::Link { name, .. } => name,
        }
    }
}

/// An encoded output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoded {
    /// One file's bytes.
    File(Vec<u8>),
    /// A directory's entries, in a fixed order.
    Directory(Vec<Entry>),
}

/// What to encode.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The store.
    pub store: &'a Store,
    /// The policy's selection over it.
    pub selection: &'a Selection<'a>,
    /// The policy.
    pub policy: &'a Policy,
    /// Where the input came from, for headers.
    pub origin: &'a str,
    /// Order of the certificates.
    pub sort: SortKey,
    /// The `java` store's password (none: no integrity MAC).
    pub password: Option<&'a str>,
}

/// Encodes the selection in `format`.
pub fn encode(format: Format, r: &Request<'_>) -> Result<Encoded> {
    let selected = ordered(r.selection, r.sort);
    let head = |what: &str| {
        header(
            what,
            r.store,
            r.selection,
            &selected,
            r.policy,
            r.origin,
            r.sort,
        )
    };
    Ok(match format {
        Format::Pem => Encoded::File(
            super::pem_bundle(r.store, r.selection, r.policy, r.origin, r.sort).into_bytes(),
        ),
        Format::OpensslTrusted => {
            let mut out = head("OpenSSL trusted-certificate bundle");
            for (cert, _) in &selected {
                let (trusted, rejected) = purpose_trust(cert, r.policy);
                out.push('\n');
                push_comment_block(&mut out, cert);
                out.push_str(&aux_comment(&trusted, &rejected));
                let mut der = cert.der.clone();
                der.extend(openssl::cert_aux(&trusted, &rejected, &cert.label));
                push_pem_block(&mut out, "TRUSTED CERTIFICATE", &der);
            }
            Encoded::File(out.into_bytes())
        }
        Format::OpensslDir | Format::PemDir | Format::DerDir => {
            let names = file_names(selected.iter().map(|(c, _)| *c));
            let (ext, readme) = match format {
                Format::DerDir => ("der", "DER certificate directory"),
                Format::PemDir => ("pem", "PEM certificate directory"),
                _ => ("pem", "OpenSSL CApath directory"),
            };
            let mut entries = vec![Entry::File {
                name: crate::write::DIR_MARKER.into(),
                bytes: head(readme).into_bytes(),
            }];
            // (hash, file name): numbered within a hash in file-name order,
            // as `openssl rehash` numbers them.
            let mut hashed: Vec<(String, String)> = Vec::new();
            for ((cert, _), base) in selected.iter().zip(&names) {
                let name = format!("{base}.{ext}");
                let bytes = if format == Format::DerDir {
                    cert.der.clone()
                } else {
                    let mut text = comment_block(cert);
                    push_pem_block(&mut text, "CERTIFICATE", &cert.der);
                    text.into_bytes()
                };
                if format == Format::OpensslDir {
                    let hash = openssl::subject_hash(cert).ok_or_else(|| {
                        Error::Invalid(format!(
                            "certificate \"{}\": its subject is not DER that OpenSSL could hash",
                            cert.label
                        ))
                    })?;
                    hashed.push((hash, name.clone()));
                }
                entries.push(Entry::File { name, bytes });
            }
            hashed.sort();
            let mut n = 0;
            for (i, (hash, target)) in hashed.iter().enumerate() {
                n = match i.checked_sub(1).and_then(|j| hashed.get(j)) {
                    Some((prev, _)) if prev == hash => n + 1,
                    _ => 0,
                };
                entries.push(Entry::Link {
                    name: format!("{hash}.{n}"),
                    target: target.clone(),
                });
            }
            Encoded::Directory(entries)
        }
        Format::P11Kit => Encoded::File(
            super::p11kit::encode(r, &selected, &head("p11-kit trust objects")).into_bytes(),
        ),
        Format::Json => Encoded::File(json(r, &selected)?.into_bytes()),
        Format::Java => Encoded::File(super::pkcs12::trust_store(
            &selected,
            &file_names(selected.iter().map(|(c, _)| *c)),
            r.password,
        )),
        Format::Rust => {
            Encoded::File(super::rust::encode(&selected, &head("Trust anchors"))?.into_bytes())
        }
    })
}

/// For OpenSSL's auxiliary trust and p11-kit's extensions: the asked
/// purposes (with an extended key usage) the policy would select the
/// certificate for on their own, and every such purpose NSS says it is not
/// trusted for or whose distrust-after date has passed under the policy.
pub fn purpose_trust(cert: &Certificate, policy: &Policy) -> (Vec<Purpose>, Vec<Purpose>) {
    let every = Policy {
        purposes: EKU_PURPOSES.to_vec(),
        ..policy.clone()
    };
    let d = every.decide(cert);
    let trusted = EKU_PURPOSES
        .iter()
        .copied()
        .filter(|p| d.purposes.contains(p) && policy.purposes.contains(p))
        .collect();
    let passed: BTreeSet<Purpose> = super::passed_dates(&d.reasons)
        .chain(super::passed_dates(&d.set_aside))
        .map(|(purpose, _, _)| purpose)
        .collect();
    let rejected = EKU_PURPOSES
        .iter()
        .copied()
        .filter(|&p| cert.trust_level(p) == Some(TrustLevel::NotTrusted) || passed.contains(&p))
        .collect();
    (trusted, rejected)
}

/// `# Trusted for: ...` and `# Rejected for: ...` lines.
fn aux_comment(trusted: &[Purpose], rejected: &[Purpose]) -> String {
    let list = |ps: &[Purpose]| {
        if ps.is_empty() {
            "-".to_owned()
        } else {
            ps.iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let trust = if trusted.is_empty() {
        format!(
            "none (p11-kit's reserved purpose {})",
            super::openssl::NO_PURPOSE_OID
        )
    } else {
        list(trusted)
    };
    format!(
        "# OpenSSL trust: {trust}\n# OpenSSL reject: {}\n",
        list(rejected)
    )
}

/// File names from the labels, Debian's certdata2pem.py style (`/`, space
/// and `,` become `_`, parentheses `=`), other unsafe characters `_`, at most
/// 200 bytes; a repeated name gets `_2`, `_3`, ... in order. No extension.
pub fn file_names<'c>(certs: impl Iterator<Item = &'c Certificate>) -> Vec<String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for cert in certs {
        let mut base: String = cert
            .label
            .chars()
            .map(|c| match c {
                '/' | ' ' | ',' => '_',
                '(' | ')' => '=',
                c if c.is_control() || c == '\\' || c == ':' => '_',
                c => c,
            })
            .collect();
        if base.is_empty() || base.starts_with('.') || base.starts_with('-') {
            base.insert_str(0, "cert_");
        }
        while base.len() > 200 {
            base.pop();
        }
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name.to_lowercase()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        taken.insert(name.to_lowercase());
        out.push(name);
    }
    out
}

/// The `json` manifest.
fn json(r: &Request<'_>, selected: &[(&Certificate, Decision)]) -> Result<String> {
    #[derive(Serialize)]
    struct Manifest<'a> {
        generator: String,
        input: crate::report::InputView,
        policy: crate::report::PolicyView,
        order: &'a str,
        count: usize,
        certificates: Vec<WithPem>,
    }
    #[derive(Serialize)]
    struct WithPem {
        #[serde(flatten)]
        view: crate::inspect::CertificateView,
        pem: String,
    }
    let manifest = Manifest {
        generator: format!("nssroots {}", env!("CARGO_PKG_VERSION")),
        input: crate::report::InputView::new(r.origin, &r.store.input_sha256),
        policy: crate::report::PolicyView::new(r.policy),
        order: r.sort.name(),
        count: selected.len(),
        certificates: selected
            .iter()
            .map(|(c, d)| WithPem {
                view: crate::inspect::certificate_view(c, d),
                pem: pem_block("CERTIFICATE", &c.der),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in Format::NAMES {
            assert_eq!(name.parse::<Format>().unwrap().name(), *name);
        }
        assert!("der".parse::<Format>().is_err());
    }
}
