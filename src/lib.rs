//! # nssroots
//!
//! Turns Mozilla NSS's `certdata.txt` (the root store behind Firefox, curl's
//! cacert.pem, certifi, Debian's and Fedora's ca-certificates) into CA bundles
//! that TLS software can load, deciding trust exactly and reproducibly.
//!
//! The pipeline, one module per stage:
//!
//! 0. [`fetch`]: certdata.txt from upstream over verified HTTPS, checked
//!    before it replaces anything;
//! 1. [`parse`]: nom parser from bytes to raw objects, with line-numbered errors;
//! 2. [`model`]: certificates and trust records, paired by issuer and serial,
//!    hashes checked ([`Store`]);
//! 3. [`select`]: a [`Policy`] (purposes, trust levels, reference time,
//!    distrust-after, expiry) decides each certificate;
//! 4. [`encode`]: the PEM bundle with its provenance header;
//! 5. [`write`]: atomic replacement of the output, and `--check`.
//!
//! Beside the pipeline, [`inspect`] lists a store and explains each decision,
//! [`diff`] compares two stores (or two PEM bundles), and [`report`] holds what
//! their text and JSON outputs share; [`lint`] reports what is wrong or odd in
//! a certdata.txt, and [`certdata`] writes a store back as certdata.txt;
//! [`der`] is the little DER nssroots reads and writes itself.
//!
//! [`source`] reads inputs (file, stdin, or the [`snapshot`] embedded in the
//! binary) and [`bundle`] runs the whole pipeline in one call, e.g. from a
//! `build.rs`:
//!
//! ```
//! use nssroots::{bundle, BundleOptions, Policy, ReferenceTime, source::Source};
//! let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
//! let out = bundle(&Source::Snapshot, &policy, &BundleOptions::default())?;
//! assert_eq!(out.count, out.pem.matches("-----BEGIN CERTIFICATE-----").count());
//! assert!(out.pem.contains("## Input SHA-256: 620fd89c02acb0019f1899dab7907db5d20735904f5a9a0d3a8771a5857ac482"));
//! # Ok::<(), nssroots::Error>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// An enum of kebab-case command-line names: `ALL`, `NAMES`, `name()`,
/// `Display` and `FromStr` (an unknown name is [`Error::Invalid`] naming the
/// `what` and every name). Defined before the modules so that each can use it.
macro_rules! kebab_enum {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $var:ident = $kebab:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $var),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            /// Every value's kebab-case name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($kebab),+];

            /// The kebab-case name used on the command line and in reports.
            pub fn name(self) -> &'static str {
                match self { $($name::$var => $kebab),+ }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.name() == s)
                    .ok_or_else(|| $crate::error::Error::Invalid(format!(
                        "unknown {} {s:?}; expected one of: {}", $what, $name::NAMES.join(", ")
                    )))
            }
        }
    };
}

pub mod certdata;
pub mod der;
pub mod diff;
pub mod encode;
pub mod error;
pub mod fetch;
pub mod inspect;
pub mod lint;
pub mod model;
pub mod parse;
pub mod report;
pub mod select;
pub mod snapshot;
pub mod source;
pub mod write;

pub use encode::SortKey;
pub use error::{Error, Result};
pub use model::{Certificate, Purpose, Store, TrustLevel, TrustRecord, Warning};
pub use select::{Decision, DistrustAfterMode, Policy, Reason, ReferenceTime, Selection};

/// Options of [`bundle`] beyond the policy.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// Output order.
    pub sort: SortKey,
    /// Allow a bundle with no certificate (an error otherwise).
    pub allow_empty: bool,
    /// Largest input accepted, in bytes.
    pub max_input: u64,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            sort: SortKey::Source,
            allow_empty: false,
            max_input: source::DEFAULT_MAX_INPUT,
        }
    }
}

/// A generated bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The PEM text.
    pub pem: String,
    /// Number of certificates in it.
    pub count: usize,
    /// Number of certificate objects in the input.
    pub total: usize,
    /// Warnings from the model (duplicates, unknown attributes).
    pub warnings: Vec<Warning>,
}

/// Reads `source`, applies `policy` and encodes the PEM bundle.
///
/// Fails on any parse or model error, and when nothing is selected unless
/// [`BundleOptions::allow_empty`].
pub fn bundle(source: &source::Source, policy: &Policy, options: &BundleOptions) -> Result<Bundle> {
    let store = source.load(options.max_input)?;
    bundle_store(&store, &source.origin(), policy, options)
}

/// Applies `policy` to an already built store and encodes the PEM bundle.
pub fn bundle_store(
    store: &Store,
    origin: &str,
    policy: &Policy,
    options: &BundleOptions,
) -> Result<Bundle> {
    let selection = select_checked(store, policy, options)?;
    Ok(Bundle {
        pem: encode::pem_bundle(store, &selection, policy, origin, options.sort),
        count: selection.selected.len(),
        total: store.certificates.len(),
        warnings: store.warnings.clone(),
    })
}

/// Applies `policy` to an already built store and encodes the selection in
/// `format` (`password` protects a `java` store); also returns how many
/// certificates it holds. Fails like [`bundle_store`] on an empty selection.
pub fn encode_store(
    store: &Store,
    origin: &str,
    policy: &Policy,
    options: &BundleOptions,
    format: encode::formats::Format,
    password: Option<&str>,
) -> Result<(encode::formats::Encoded, usize)> {
    let selection = select_checked(store, policy, options)?;
    let request = encode::formats::Request {
        store,
        selection: &selection,
        policy,
        origin,
        sort: options.sort,
        password,
    };
    Ok((
        encode::formats::encode(format, &request)?,
        selection.selected.len(),
    ))
}

/// Like [`bundle_store`], but writes the PEM bundle to `out` as it is
/// encoded ([`encode::write_pem_bundle`]): the whole bundle is never held
/// in memory. Returns how many certificates it holds. Write errors name
/// `out_name`.
///
/// ```
/// use nssroots::{BundleOptions, Policy, ReferenceTime, Store, snapshot};
/// let store = Store::from_bytes(snapshot::CERTDATA, "certdata.txt")?;
/// let policy = Policy::new(ReferenceTime::parse_rfc3339("2025-04-19T00:00:00Z")?);
/// let options = BundleOptions::default();
/// let mut out = Vec::new();
/// let count = nssroots::write_pem(&store, "example", &policy, &options, &mut out, "out.pem".as_ref())?;
/// let bundle = nssroots::bundle_store(&store, "example", &policy, &options)?;
/// assert_eq!((out, count), (bundle.pem.into_bytes(), bundle.count));
/// # Ok::<(), nssroots::Error>(())
/// ```
pub fn write_pem(
    store: &Store,
    origin: &str,
    policy: &Policy,
    options: &BundleOptions,
    out: &mut dyn std::io::Write,
    out_name: &std::path::Path,
) -> Result<usize> {
    let selection = select_checked(store, policy, options)?;
    encode::write_pem_bundle(out, store, &selection, policy, origin, options.sort)
        .map_err(|e| Error::io("writing", out_name, e))?;
    Ok(selection.selected.len())
}

/// The policy's selection, an error when it is empty and that is not allowed.
fn select_checked<'s>(
    store: &'s Store,
    policy: &Policy,
    options: &BundleOptions,
) -> Result<Selection<'s>> {
    let selection = policy.select(store);
    if selection.selected.is_empty() && !options.allow_empty {
        return Err(Error::EmptySelection {
            source_name: store.source_name.clone(),
            total: store.certificates.len(),
        });
    }
    Ok(selection)
}
