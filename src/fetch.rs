//! Stage 0 of the pipeline: **fetch** certdata.txt from upstream over
//! verified HTTPS, and replace a local copy only with something that is
//! certainly a better one.
//!
//! A tampered certdata.txt hands an attacker every TLS connection that trusts
//! the bundle made from it, so this module is strict:
//!
//! - HTTPS only (plain `http://` URLs and redirects to them are refused), TLS
//!   always verified by rustls (ring provider) against the platform's roots
//!   or only the roots of a given PEM file ([`Roots`]);
//! - bounded: connect and read timeouts, a maximum size, at most
//!   [`FetchOptions::attempts`] attempts with backoff on connection errors
//!   and 5xx answers;
//! - checked before anything is replaced ([`update`]): an expected SHA-256,
//!   a lock file ([`Lock`]), the bytes must parse as certdata.txt and trust at
//!   least one certificate; unchanged content (a `304 Not Modified` answer to a
//!   conditional request, or the same SHA-256) rewrites nothing;
//! - atomic: outputs are replaced by rename ([`crate::write`]), optionally
//!   keeping the previous file as `PATH.bak`.
//!
//! ```
//! use nssroots::fetch::{Channel, Upstream};
//! assert_eq!(
//!     Upstream::Channel(Channel::Release).url()?,
//!     "https://raw.githubusercontent.com/mozilla-firefox/firefox/refs/heads/release/security/nss/lib/ckfw/builtins/certdata.txt"
//! );
//! assert!(Upstream::Url("http://example.com/certdata.txt".into()).url().is_err());
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Store, to_hex};

/// Default maximum download size: 16 MiB (today's certdata.txt is about 1.4 MB).
pub const DEFAULT_MAX_SIZE: u64 = 16 * 1024 * 1024;

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!(
    "nssroots/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/nssroots/nssroots)"
);

kebab_enum!(
    /// A Firefox branch whose copy of certdata.txt to fetch.
    Channel, "channel" {
        /// Firefox release.
        Release = "release",
        /// Firefox beta.
        Beta = "beta",
        /// Firefox nightly (the autoland branch).
        Nightly = "nightly",
    }
);

impl Channel {
    /// The branch of the Firefox repository on GitHub.
    pub fn branch(self) -> &'static str {
        match self {
            Channel::Release => "release",
            Channel::Beta => "beta",
            Channel::Nightly => "autoland",
        }
    }
}

/// Where to fetch certdata.txt from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upstream {
    /// A Firefox branch's copy, as curl's mk-ca-bundle.pl fetches it.
    Channel(Channel),
    /// The copy at an NSS release tag, such as `NSS_3_123_RTM`.
    NssTag(String),
    /// Any HTTPS URL.
    Url(String),
}

impl Default for Upstream {
    fn default() -> Self {
        Upstream::Channel(Channel::Release)
    }
}

impl Upstream {
    /// The HTTPS URL to fetch. Fails for a tag that is not an NSS tag name
    /// and for a URL that is not `https://`.
    ///
    /// ```
    /// use nssroots::fetch::Upstream;
    /// assert_eq!(
    ///     Upstream::NssTag("NSS_3_123_RTM".into()).url()?,
    ///     "https://raw.githubusercontent.com/nss-dev/nss/refs/tags/NSS_3_123_RTM/lib/ckfw/builtins/certdata.txt"
    /// );
    /// // Before NSS 3.15 the file lived under security/nss/.
    /// assert!(Upstream::NssTag("NSS_3_14_RTM".into()).url()?.ends_with("/NSS_3_14_RTM/security/nss/lib/ckfw/builtins/certdata.txt"));
    /// # Ok::<(), nssroots::Error>(())
    /// ```
    pub fn url(&self) -> Result<String> {
        match self {
            Upstream::Channel(c) => Ok(format!(
                "https://raw.githubusercontent.com/mozilla-firefox/firefox/refs/heads/{}/security/nss/lib/ckfw/builtins/certdata.txt",
                c.branch()
            )),
            Upstream::NssTag(tag) => {
                let version = nss_tag_version(tag).ok_or_else(|| {
                    Error::Invalid(format!(
                        "{tag:?} is not an NSS tag name; expected NSS_<major>_<minor>[_<patch>]_RTM or similar, such as NSS_3_123_RTM"
                    ))
                })?;
                let path = if version < (3, 15) {
                    "security/nss/lib/ckfw/builtins/certdata.txt"
                } else {
                    "lib/ckfw/builtins/certdata.txt"
                };
                Ok(format!(
                    "https://raw.githubusercontent.com/nss-dev/nss/refs/tags/{tag}/{path}"
                ))
            }
            Upstream::Url(url) => {
                let parsed = reqwest::Url::parse(url)
                    .map_err(|e| Error::Invalid(format!("{url}: not a URL ({e})")))?;
                if parsed.scheme() != "https" {
                    return Err(Error::Invalid(format!(
                        "{url}: plain {} is refused; use an https:// URL",
                        parsed.scheme()
                    )));
                }
                Ok(url.clone())
            }
        }
    }
}

/// `(major, minor)` of a tag like `NSS_3_123_RTM` or `NSS_3_12_4_RTM`.
fn nss_tag_version(tag: &str) -> Option<(u32, u32)> {
    if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let mut parts = tag.strip_prefix("NSS_")?.split('_');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// The roots that verify the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Roots {
    /// The platform's trust store.
    #[default]
    Platform,
    /// Only the certificates of this PEM file (for instance a bundle nssroots
    /// made earlier, so that a pinned store verifies its own update).
    File(PathBuf),
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Roots to verify the server with.
    pub roots: Roots,
    /// Largest body accepted, in bytes.
    pub max_size: u64,
    /// Time allowed to connect (TCP and TLS).
    pub connect_timeout: Duration,
    /// Time allowed for each read and write once connected.
    pub timeout: Duration,
    /// Attempts in all (connection errors and 5xx answers are retried).
    pub attempts: u32,
    /// Wait before the second attempt; doubled before each further one.
    pub backoff: Duration,
    /// Show progress on standard error (when it is a terminal and the
    /// download takes more than a second).
    pub progress: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            roots: Roots::Platform,
            max_size: DEFAULT_MAX_SIZE,
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(30),
            attempts: 3,
            backoff: Duration::from_secs(1),
            progress: true,
        }
    }
}

/// The validators of a conditional request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// `ETag` of the copy we have.
    pub etag: Option<String>,
    /// `Last-Modified` of the copy we have.
    pub last_modified: Option<String>,
}

/// A fetched body.
#[derive(Debug, Clone)]
pub struct Download {
    /// The URL asked for.
    pub url: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Their SHA-256.
    pub sha256: [u8; 32],
    /// Validators the server sent, for the next conditional request.
    pub validators: Validators,
}

/// What the server answered.
#[derive(Debug, Clone)]
pub enum Response {
    /// `304 Not Modified` to a conditional request.
    NotModified,
    /// The body.
    Body(Download),
}

fn fetch_error(url: &str, message: impl Into<String>) -> Error {
    Error::Fetch {
        url: url.to_owned(),
        message: message.into(),
    }
}

/// The rustls configuration: ring, and the platform verifier or only the
/// roots of a PEM file.
fn tls_config(roots: &Roots) -> Result<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Invalid(format!("TLS setup: {e}")))?;
    let mut config = match roots {
        Roots::Platform => {
            use rustls_platform_verifier::BuilderVerifierExt;
            builder
                .with_platform_verifier()
                .map_err(|e| Error::Invalid(format!("the platform's trust store: {e}")))?
                .with_no_client_auth()
        }
        Roots::File(path) => {
            let text = std::fs::read(path).map_err(|e| Error::io("reading", path, e))?;
            let blocks = pem::parse_many(&text).map_err(|e| {
                Error::Invalid(format!(
                    "{}: not PEM ({e}); expected --ca-file to hold PEM certificates",
                    path.display()
                ))
            })?;
            let mut store = rustls::RootCertStore::empty();
            for block in blocks.iter().filter(|b| b.tag() == "CERTIFICATE") {
                store.add(block.contents().to_vec().into()).map_err(|e| {
                    Error::Invalid(format!(
                        "{}: a certificate rustls cannot use as a root: {e}",
                        path.display()
                    ))
                })?;
            }
            if store.is_empty() {
                return Err(Error::Invalid(format!(
                    "{}: no certificate in it; expected --ca-file to hold PEM certificates",
                    path.display()
                )));
            }
            builder.with_root_certificates(store).with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

fn client(options: &FetchOptions) -> Result<reqwest::blocking::Client> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.url().scheme() != "https" {
            let to = attempt.url().to_string();
            attempt.error(format!("redirected to {to}, which is not HTTPS: refused"))
        } else if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else {
            attempt.follow()
        }
    });
    reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(tls_config(&options.roots)?)
        .https_only(true)
        .redirect(policy)
        .user_agent(USER_AGENT)
        .connect_timeout(options.connect_timeout)
        .timeout(options.timeout)
        .build()
        .map_err(|e| Error::Invalid(format!("HTTP client setup: {}", chain(&e))))
}

/// Every message in an error's source chain, joined, repeats dropped.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = Some(e);
    while let Some(err) = cur {
        let msg = err.to_string();
        if !parts.iter().any(|p| p.contains(&msg)) {
            parts.push(msg);
        }
        cur = below(err);
    }
    parts.join(": ")
}

/// The next error down a chain. An io::Error's `source()` skips the error
/// it wraps (hyper-rustls puts rustls' errors inside two of them), so that
/// one is taken instead.
fn below<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e (dyn std::error::Error + 'static)> {
    match err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner),
        None => err.source(),
    }
}

/// Whether a rustls error (a certificate the roots do not vouch for, a wrong
/// name, ...) is somewhere in the chain: not worth retrying.
fn is_tls_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        cur = below(err);
    }
    false
}

/// One attempt's failure: retry it or not.
enum Failure {
    Retry(String),
    Fatal(String),
}

/// Fetches `url`: a conditional request when `validators` are given.
/// Retries connection errors and 5xx answers; fails on anything else that is
/// not `200 OK` or `304 Not Modified`, on a body over the size limit, and on a
/// body shorter than its `Content-Length`.
pub fn get(url: &str, options: &FetchOptions, validators: Option<&Validators>) -> Result<Response> {
    let client = client(options)?;
    let attempts = options.attempts.max(1);
    let mut wait = options.backoff;
    let mut attempt = 1;
    loop {
        match get_once(&client, url, options, validators) {
            Ok(response) => return Ok(response),
            Err(Failure::Retry(message)) if attempt < attempts => {
                if options.progress && std::io::stderr().is_terminal() {
                    eprintln!(
                        "nssroots: {url}: {message}; attempt {} of {attempts} in {} ms",
                        attempt + 1,
                        wait.as_millis()
                    );
                }
                std::thread::sleep(wait);
                wait = wait.saturating_mul(2);
                attempt += 1;
            }
            Err(Failure::Retry(message)) => {
                return Err(fetch_error(
                    url,
                    format!("{message} (after {attempt} attempts); try again later"),
                ));
            }
            Err(Failure::Fatal(message)) => return Err(fetch_error(url, message)),
        }
    }
}

fn get_once(
    client: &reqwest::blocking::Client,
    url: &str,
    options: &FetchOptions,
    validators: Option<&Validators>,
) -> std::result::Result<Response, Failure> {
    let mut request = client.get(url);
    if let Some(v) = validators {
        if let Some(etag) = &v.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &v.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
    }
    let mut response = request.send().map_err(|e| {
        // The URL starts the message already.
        let e = e.without_url();
        if is_tls_refusal(&e) {
            Failure::Fatal(format!(
                "TLS verification failed: {}; check the URL, or pass --ca-file with the roots that issued the server's certificate",
                chain(&e)
            ))
        } else if e.is_redirect() {
            Failure::Fatal(format!("{}; use a source that stays on HTTPS", chain(&e)))
        } else if e.is_timeout() {
            Failure::Retry(format!(
                "timed out ({}); check the network or raise --timeout",
                chain(&e)
            ))
        } else {
            Failure::Retry(format!("cannot connect: {}", chain(&e)))
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED && validators.is_some() {
        return Ok(Response::NotModified);
    }
    if status.is_server_error() {
        return Err(Failure::Retry(format!("the server answered HTTP {status}")));
    }
    if status != reqwest::StatusCode::OK {
        return Err(Failure::Fatal(format!(
            "the server answered HTTP {status}; expected 200 OK: check the channel, tag or URL"
        )));
    }
    let header = |name: reqwest::header::HeaderName| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header(reqwest::header::ETAG),
        last_modified: header(reqwest::header::LAST_MODIFIED),
    };
    let declared = response.content_length();
    if let Some(len) = declared.filter(|&len| len > options.max_size) {
        return Err(Failure::Fatal(too_big(len, options.max_size)));
    }
    let bytes = read_body(&mut response, url, declared, options)?;
    Ok(Response::Body(Download {
        url: url.to_owned(),
        sha256: Sha256::digest(&bytes).into(),
        bytes,
        validators,
    }))
}

fn too_big(size: u64, limit: u64) -> String {
    format!(
        "the file is larger than the limit of {limit} bytes (at least {size} bytes); raise --max-size if that is expected"
    )
}

/// Reads the body up to the size limit, with progress on a terminal.
fn read_body(
    response: &mut reqwest::blocking::Response,
    url: &str,
    declared: Option<u64>,
    options: &FetchOptions,
) -> std::result::Result<Vec<u8>, Failure> {
    let show = options.progress && std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut shown = false;
    let mut bytes =
        Vec::with_capacity(declared.map_or(1 << 20, |n| n.min(options.max_size)) as usize);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match response.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                if shown {
                    eprintln!();
                }
                let got = bytes.len();
                let of = declared.map_or(String::new(), |d| format!(" of {d}"));
                return Err(Failure::Retry(format!(
                    "the download broke off after {got}{of} bytes ({})",
                    chain(&e)
                )));
            }
        };
        bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
        if bytes.len() as u64 > options.max_size {
            return Err(Failure::Fatal(too_big(
                bytes.len() as u64,
                options.max_size,
            )));
        }
        if show && start.elapsed() > Duration::from_secs(1) {
            shown = true;
            let of = declared.map_or(String::new(), |d| format!(" of {} KiB", d / 1024));
            eprint!(
                "\rnssroots: downloading {url}: {} KiB{of}",
                bytes.len() / 1024
            );
        }
    }
    if shown {
        eprintln!();
    }
    if let Some(d) = declared.filter(|&d| d != bytes.len() as u64) {
        return Err(Failure::Retry(format!(
            "the download broke off after {} of {d} bytes",
            bytes.len()
        )));
    }
    Ok(bytes)
}

/// A lock file: what was fetched, from where, when. JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lock {
    /// The URL fetched.
    pub url: String,
    /// SHA-256 of the body, lowercase hex.
    pub sha256: String,
    /// Size of the body in bytes.
    pub size: u64,
    /// When it was fetched (RFC 3339, UTC).
    pub fetched_at: String,
    /// The server's `ETag`, if any.
    pub etag: Option<String>,
    /// The server's `Last-Modified`, if any.
    pub last_modified: Option<String>,
}

impl Lock {
    /// Reads a lock file; `None` when it does not exist.
    pub fn read(path: &Path) -> Result<Option<Lock>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::Invalid(format!(
                    "{}: not an nssroots lock file ({e}); delete it or pass another --lock",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io("reading", path, e)),
        }
    }

    /// The lock file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}

/// What [`update`] should check and write.
#[derive(Debug, Clone, Default)]
pub struct UpdateOptions {
    /// The certdata.txt to replace.
    pub output: PathBuf,
    /// Expected SHA-256 of the download.
    pub sha256: Option<[u8; 32]>,
    /// Lock file to read (for conditional requests and `locked`) and write.
    pub lock: Option<PathBuf>,
    /// Fail unless the download matches the lock file.
    pub locked: bool,
    /// Keep the previous output as `PATH.bak`.
    pub backup: bool,
}

/// What [`update`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing was rewritten: the server said `304 Not Modified`, or the
    /// download has the SHA-256 of the output already there.
    Unchanged {
        /// Why.
        reason: String,
    },
    /// The output (and lock, if any) was written.
    Written {
        /// SHA-256 of what was written.
        sha256: [u8; 32],
        /// Its size.
        size: usize,
        /// Certificate objects in it.
        certificates: usize,
        /// Of which trusted for at least one purpose.
        trusted: usize,
    },
}

/// Checks a download before it may replace anything: expected hash, lock,
/// certdata.txt syntax and model, at least one trusted certificate. Returns
/// the store.
pub fn verify(
    download: &Download,
    sha256: Option<&[u8; 32]>,
    lock: Option<&Lock>,
) -> Result<Store> {
    let url = &download.url;
    let got = to_hex(&download.sha256);
    if let Some(want) = sha256.filter(|w| **w != download.sha256) {
        return Err(fetch_error(
            url,
            format!(
                "SHA-256 {got} differs from the expected {} (--sha256); nothing written: check where the expected hash came from",
                to_hex(want)
            ),
        ));
    }
    if let Some(lock) = lock {
        if lock.url != *url {
            return Err(fetch_error(
                url,
                format!(
                    "the lock file is for {}, not this URL (--locked); fetch without --locked to move it",
                    lock.url
                ),
            ));
        }
        if lock.sha256 != got {
            return Err(fetch_error(
                url,
                format!(
                    "SHA-256 {got} differs from the lock file's {} (--locked); nothing written: review the upstream change, then fetch without --locked",
                    lock.sha256
                ),
            ));
        }
    }
    let store = Store::from_bytes(&download.bytes, url).map_err(|e| {
        fetch_error(
            url,
            format!("the download is not a valid certdata.txt: {e}; nothing written"),
        )
    })?;
    if trusted_count(&store) == 0 {
        return Err(fetch_error(
            url,
            format!(
                "the download parses but trusts no certificate ({} certificate objects); nothing written",
                store.certificates.len()
            ),
        ));
    }
    Ok(store)
}

fn trusted_count(store: &Store) -> usize {
    store
        .certificates
        .iter()
        .filter(|c| {
            c.trust
                .as_ref()
                .is_some_and(|t| t.levels().any(|(_, l)| l.is_trusting()))
        })
        .count()
}

/// Fetches `url` and replaces `options.output` with it, after [`verify`].
///
/// A conditional request is made when a lock file describes the output that
/// is there now (same SHA-256). `304 Not Modified`, or a download with the
/// output's SHA-256, ends with [`Outcome::Unchanged`] and leaves the output as
/// it is; after such a download a lock file that is missing or out of date is
/// written. After a 304, `sha256` is checked against the output there. On any
/// error, every file is left as it was.
pub fn update(url: &str, fetch: &FetchOptions, options: &UpdateOptions) -> Result<Outcome> {
    let lock = match &options.lock {
        Some(path) => Lock::read(path)?,
        None => None,
    };
    if options.locked && lock.is_none() {
        return Err(Error::Invalid(match &options.lock {
            Some(path) => format!(
                "--locked: the lock file {} does not exist; fetch once without --locked to create it",
                path.display()
            ),
            None => "--locked needs --lock PATH".to_owned(),
        }));
    }
    let current = match std::fs::read(&options.output) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("reading", &options.output, e)),
    };
    let current_sha = current.as_ref().map(|b| to_hex(&Sha256::digest(b)));
    // Conditional only when the output is what the lock describes.
    let validators = lock
        .as_ref()
        .filter(|l| l.url == url && Some(&l.sha256) == current_sha.as_ref())
        .map(|l| Validators {
            etag: l.etag.clone(),
            last_modified: l.last_modified.clone(),
        })
        .filter(|v| v.etag.is_some() || v.last_modified.is_some());
    let download = match get(url, fetch, validators.as_ref())? {
        Response::NotModified => {
            // The file there is the one the lock describes (the request was
            // conditional only then): it must still be the one pinned.
            if let (Some(want), Some(have)) = (&options.sha256, &current_sha) {
                if to_hex(want) != *have {
                    return Err(fetch_error(
                        url,
                        format!(
                            "the server answered 304 Not Modified, but {} has SHA-256 {have}, not the --sha256 {}; nothing written",
                            options.output.display(),
                            to_hex(want)
                        ),
                    ));
                }
            }
            return Ok(Outcome::Unchanged {
                reason: "the server answered 304 Not Modified".into(),
            });
        }
        Response::Body(d) => d,
    };
    let store = verify(
        &download,
        options.sha256.as_ref(),
        lock.as_ref().filter(|_| options.locked),
    )?;
    let sha_hex = to_hex(&download.sha256);
    let new_lock = options.lock.as_ref().map(|path| {
        let now = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let new = Lock {
            url: url.to_owned(),
            sha256: sha_hex.clone(),
            size: download.bytes.len() as u64,
            fetched_at: now
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            etag: download.validators.etag.clone(),
            last_modified: download.validators.last_modified.clone(),
        };
        (path, new)
    });
    if current_sha.as_deref() == Some(sha_hex.as_str()) {
        // The file stays; a lock that is missing or describes something
        // else is written, so that the next run can be conditional and
        // --locked has something to check against.
        let mut reason = format!(
            "the download has the SHA-256 of {} ({sha_hex})",
            options.output.display()
        );
        if let Some((path, new)) = new_lock.as_ref().filter(|_| !options.locked) {
            let same = lock.as_ref().is_some_and(|l| {
                l.url == new.url
                    && l.sha256 == new.sha256
                    && l.size == new.size
                    && l.etag == new.etag
                    && l.last_modified == new.last_modified
            });
            if !same {
                crate::write::write_atomic(path, new.to_json().as_bytes())?;
                reason.push_str(&format!("; wrote the lock file {}", path.display()));
            }
        }
        return Ok(Outcome::Unchanged { reason });
    }
    if options.backup {
        if let Some(old) = &current {
            let mut bak = options.output.clone().into_os_string();
            bak.push(".bak");
            crate::write::write_atomic(Path::new(&bak), old)?;
        }
    }
    crate::write::write_atomic(&options.output, &download.bytes)?;
    if let Some((path, new)) = &new_lock {
        crate::write::write_atomic(path, new.to_json().as_bytes())?;
    }
    Ok(Outcome::Written {
        sha256: download.sha256,
        size: download.bytes.len(),
        certificates: store.certificates.len(),
        trusted: trusted_count(&store),
    })
}

/// Parses a `--sha256` value: 64 hex digits.
pub fn parse_sha256(hex: &str) -> Result<[u8; 32]> {
    let hex = hex.trim();
    let mut out = [0u8; 32];
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::Invalid(format!(
            "{hex:?} is not a SHA-256; expected 64 hex digits"
        )));
    }
    for (i, slot) in out.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2).unwrap_or("00");
        *slot = u8::from_str_radix(pair, 16).unwrap_or(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_urls_have_the_firefox_form() {
        for (c, branch) in [
            (Channel::Release, "release"),
            (Channel::Beta, "beta"),
            (Channel::Nightly, "autoland"),
        ] {
            assert_eq!(
                Upstream::Channel(c).url().unwrap(),
                format!(
                    "https://raw.githubusercontent.com/mozilla-firefox/firefox/refs/heads/{branch}/security/nss/lib/ckfw/builtins/certdata.txt"
                )
            );
        }
        for name in Channel::NAMES {
            assert!(name.parse::<Channel>().is_ok());
        }
        assert!("stable".parse::<Channel>().is_err());
    }

    #[test]
    fn nss_tags_pick_the_path_of_their_time() {
        let url = |t: &str| Upstream::NssTag(t.into()).url();
        assert!(
            url("NSS_3_12_4_RTM")
                .unwrap()
                .ends_with("/refs/tags/NSS_3_12_4_RTM/security/nss/lib/ckfw/builtins/certdata.txt")
        );
        assert!(
            url("NSS_3_15_RTM")
                .unwrap()
                .ends_with("/refs/tags/NSS_3_15_RTM/lib/ckfw/builtins/certdata.txt")
        );
        for bad in [
            "3_123",
            "NSS_3",
            "NSS_x_1_RTM",
            "NSS_3_1/../x",
            "NSS_3_1?x=1",
            "",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_https_urls() {
        let url = |u: &str| Upstream::Url(u.into()).url();
        assert!(url("https://example.com/certdata.txt").is_ok());
        for bad in [
            "http://example.com/certdata.txt",
            "ftp://x/y",
            "file:///etc/passwd",
            "example.com",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sha256_values() {
        let hex = "620fd89c02acb0019f1899dab7907db5d20735904f5a9a0d3a8771a5857ac482";
        assert_eq!(to_hex(&parse_sha256(hex).unwrap()), hex);
        assert_eq!(to_hex(&parse_sha256(&hex.to_uppercase()).unwrap()), hex);
        assert!(parse_sha256(&hex[1..]).is_err());
        assert!(parse_sha256(&format!("{}g", &hex[1..])).is_err());
    }

    #[test]
    fn lock_round_trips() {
        let lock = Lock {
            url: "https://x/certdata.txt".into(),
            sha256: "00".repeat(32),
            size: 5,
            fetched_at: "2026-11-26T00:00:00Z".into(),
            etag: Some("\"abc\"".into()),
            last_modified: None,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.json");
        std::fs::write(&path, lock.to_json()).unwrap();
        assert_eq!(Lock::read(&path).unwrap(), Some(lock));
        assert_eq!(Lock::read(&dir.path().join("none")).unwrap(), None);
        std::fs::write(&path, "{").unwrap();
        assert!(Lock::read(&path).is_err());
    }
}
