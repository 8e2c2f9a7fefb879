//! The library's error type.
//!
//! Every error that comes from the input names where it is: the source name
//! (a file name, `<stdin>` or the embedded snapshot), the line and, for
//! syntax errors, the column, followed by what was found and what was expected.

use std::path::PathBuf;

/// Everything that can go wrong in nssroots' library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The text is not certdata.txt syntax.
    ///
    /// Displayed as `certdata.txt:4711:1: MULTILINE_OCTAL value for CKA_VALUE not closed by END`.
    #[error("{source_name}:{line}:{column}: {message}")]
    Syntax {
        /// Name of the input (file name, `<stdin>`, ...).
        source_name: String,
        /// 1-based line number.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What was found and what was expected.
        message: String,
    },

    /// The syntax is fine but an object does not make sense (missing or
    /// ill-typed attribute, unknown class or trust value, bad date, ...).
    #[error("{source_name}:{line}: {message}")]
    Object {
        /// Name of the input.
        source_name: String,
        /// 1-based line of the attribute or object at fault.
        line: usize,
        /// What is wrong and what was expected.
        message: String,
    },

    /// The DER in a certificate object's CKA_VALUE is not a certificate that
    /// x509-parser accepts.
    #[error(
        "{source_name}:{line}: certificate \"{label}\": CKA_VALUE is not a valid X.509 certificate: {reason}"
    )]
    Certificate {
        /// Name of the input.
        source_name: String,
        /// Line of the CKA_VALUE attribute.
        line: usize,
        /// CKA_LABEL of the object.
        label: String,
        /// What x509-parser said.
        reason: String,
    },

    /// A trust object states a certificate hash that differs from the hash of
    /// the certificate it is paired with (by issuer and serial number).
    /// Boxed to keep `Result<T, Error>` small.
    #[error("{0}")]
    HashMismatch(Box<HashMismatch>),

    /// Two objects contradict each other (two trust records that disagree for
    /// one certificate, two different certificates with one issuer and serial).
    #[error("{source_name}:{line}: {message} (the other object starts at line {other_line})")]
    Conflict {
        /// Name of the input.
        source_name: String,
        /// Line of the later object.
        line: usize,
        /// Line of the earlier object.
        other_line: usize,
        /// What disagrees.
        message: String,
    },

    /// The input is larger than the configured limit.
    #[error("{source_name}: input is {size} bytes, more than the limit of {limit} bytes")]
    TooLarge {
        /// Name of the input.
        source_name: String,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },

    /// A policy or command-line value is not valid.
    #[error("{0}")]
    Invalid(String),

    /// The policy selected no certificate and an empty bundle was not allowed.
    #[error(
        "the policy selects no certificate from {source_name} ({total} certificate objects); \
         refusing to write an empty bundle (pass --allow-empty, or set BundleOptions::allow_empty, to write one anyway)"
    )]
    EmptySelection {
        /// Name of the input.
        source_name: String,
        /// Number of certificate objects in the input.
        total: usize,
    },

    /// Fetching from upstream failed, or what came back may not replace
    /// anything. One line: the URL, what went wrong, what to do.
    #[error("{url}: {message}")]
    Fetch {
        /// The URL.
        url: String,
        /// What went wrong and what to do.
        message: String,
    },

    /// A report could not be written as JSON.
    #[error("writing JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// Reading or writing a file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done (`reading`, `writing`, ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The 1-based line in the input the error is about, if it is about one
    /// (for a hash mismatch: the trust object's line).
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Syntax { line, .. }
            | Error::Object { line, .. }
            | Error::Certificate { line, .. }
            | Error::Conflict { line, .. } => Some(*line),
            Error::HashMismatch(h) => Some(h.trust_line),
            _ => None,
        }
    }

    /// The column of a syntax error.
    pub fn column(&self) -> Option<usize> {
        match self {
            Error::Syntax { column, .. } => Some(*column),
            _ => None,
        }
    }

    /// The message without the `source:line:column:` it starts with.
    pub fn detail(&self) -> String {
        let text = self.to_string();
        let source_name = match self {
            Error::Syntax { source_name, .. }
            | Error::Object { source_name, .. }
            | Error::Certificate { source_name, .. }
            | Error::Conflict { source_name, .. } => source_name,
            Error::HashMismatch(h) => &h.source_name,
            _ => return text,
        };
        let mut prefix = format!("{source_name}:");
        for n in [self.line(), self.column()].into_iter().flatten() {
            prefix.push_str(&format!("{n}:"));
        }
        text.strip_prefix(&prefix)
            .map_or_else(|| text.clone(), |rest| rest.trim_start().to_owned())
    }

    /// Wraps an I/O error with the action and path it happened on.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The details of [`Error::HashMismatch`]: both objects and both hashes.
#[derive(Debug, thiserror::Error)]
#[error(
    "{source_name}:{trust_line}: trust object \"{trust_label}\" states {algorithm} {stated}, \
     but the certificate object \"{cert_label}\" at line {cert_line} with the same issuer and serial \
     number hashes to {computed}"
)]
#[non_exhaustive]
pub struct HashMismatch {
    /// Name of the input.
    pub source_name: String,
    /// Line where the trust object starts.
    pub trust_line: usize,
    /// Its CKA_LABEL.
    pub trust_label: String,
    /// Line where the certificate object starts.
    pub cert_line: usize,
    /// Its CKA_LABEL.
    pub cert_label: String,
    /// `SHA-1`, `MD5`, `SHA-256`, ...
    pub algorithm: &'static str,
    /// Hex of the stated hash.
    pub stated: String,
    /// Hex of the computed hash.
    pub computed: String,
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
