//! `nssroots fetch` and `bundle --fetch` against a local HTTPS server
//! ([`crate::https`]): no internet. After every failure, every file that
//! existed is byte-identical (and not rewritten).

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::https::{Ca, Reply, Request, Server};
use crate::support::stderr;
use crate::synth::{Certdata, Entry, ca};

const V1: &[u8] = nssroots::snapshot::CERTDATA;

/// Another valid certdata.txt: one synthetic trusted root.
fn v2() -> Vec<u8> {
    Certdata::new().with(Entry::new(&ca())).build().bytes
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    nssroots::model::to_hex(&sha2::Sha256::digest(bytes))
}

/// A scratch directory with the CA file of `ca` in it.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new(ca: &Ca) -> Scratch {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("ca.pem"), &ca.pem).expect("write ca");
        Scratch { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).expect("write");
    }

    /// Every file and its bytes and modification time: to prove nothing changed.
    fn snapshot(&self) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
        let mut files: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("read_dir")
            .map(|e| {
                let e = e.expect("entry");
                let meta = e.metadata().expect("metadata");
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).expect("read"),
                    meta.modified().expect("mtime"),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// Runs nssroots in the directory, with no proxy from the environment.
    fn run(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_nssroots"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("SOURCE_DATE_EPOCH")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run nssroots")
    }

    fn fetch(&self, url: &str, extra: &[&str]) -> Output {
        let mut args = vec![
            "fetch",
            "--url",
            url,
            "--ca-file",
            "ca.pem",
            "-o",
            "certdata.txt",
        ];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// Asserts a failed run: exit 2, one line naming the URL and `what`.
fn assert_fails(o: &Output, url: &str, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(url), "names the URL: {err}");
    assert!(err.contains(what), "says {what:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
}

/// A server answering every request with `reply(i)`.
fn serve(ca: &Ca, reply: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static) -> Server {
    Server::start(ca.server_identity(&["localhost"]), reply)
}

/// Runs `args` against a failing server and checks that nothing in the
/// directory (an existing certdata.txt and lock) changed.
fn fails_untouched(
    reply: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    extra: &[&str],
    what: &str,
) -> Server {
    let ca = Ca::new("nssroots test CA");
    let server = serve(&ca, reply);
    let s = Scratch::new(&ca);
    s.write("certdata.txt", V1);
    s.write("lock.json", b"{\"url\": \"x\", \"sha256\": \"00\", \"size\": 1, \"fetched_at\": \"t\", \"etag\": null, \"last_modified\": null}\n");
    let before = s.snapshot();
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, extra);
    assert_fails(&o, &url, what);
    assert_eq!(s.snapshot(), before, "files untouched");
    server
}

#[test]
fn success_writes_file_and_lock_then_304_and_same_hash_are_unchanged() {
    let ca = Ca::new("nssroots test CA");
    let v2 = v2();
    let served = v2.clone();
    let server = serve(&ca, move |_, req| {
        if req.header("if-none-match") == Some("\"v2\"") {
            Reply::status(304)
        } else {
            Reply::Full(
                200,
                vec![
                    ("ETag".into(), "\"v2\"".into()),
                    (
                        "Last-Modified".into(),
                        "Wed, 25 Nov 2026 10:00:00 GMT".into(),
                    ),
                ],
                served.clone(),
            )
        }
    });
    let s = Scratch::new(&ca);
    s.write("certdata.txt", V1);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &["--lock", "lock.json", "--backup"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(s.path("certdata.txt")).unwrap(), v2);
    assert!(
        stderr(&o).contains("1 certificates (1 trusted)"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read(s.path("certdata.txt.bak")).unwrap(),
        V1,
        "--backup keeps the old file"
    );
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path("lock.json")).unwrap()).unwrap();
    assert_eq!(lock["url"], url.as_str());
    assert_eq!(lock["sha256"], sha256_hex(&v2).as_str());
    assert_eq!(lock["size"], v2.len() as u64);
    assert_eq!(lock["etag"], "\"v2\"");
    assert_eq!(lock["last_modified"], "Wed, 25 Nov 2026 10:00:00 GMT");
    assert!(lock["fetched_at"].as_str().unwrap().ends_with('Z'));
    let first = &server.requests()[0];
    assert!(
        first.header("user-agent").unwrap().starts_with("nssroots/"),
        "{first:?}"
    );
    assert_eq!(
        first.header("if-none-match"),
        None,
        "no lock yet: not conditional"
    );

    // Second run: conditional request, 304, nothing rewritten.
    let before = s.snapshot();
    std::thread::sleep(Duration::from_millis(20));
    let o = s.fetch(&url, &["--lock", "lock.json", "--locked"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unchanged: the server answered 304"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.requests()[1].header("if-none-match"), Some("\"v2\""));
    assert_eq!(
        server.requests()[1].header("if-modified-since"),
        Some("Wed, 25 Nov 2026 10:00:00 GMT")
    );
    assert_eq!(s.snapshot(), before);

    // Without the lock: a plain request, the same bytes, nothing rewritten.
    let o = s.fetch(&url, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unchanged: the download has the SHA-256"),
        "{}",
        stderr(&o)
    );
    assert_eq!(s.snapshot(), before);
}

#[test]
fn a_server_certificate_from_another_ca_is_refused() {
    let trusted = Ca::new("nssroots test CA");
    let other = Ca::new("someone else's CA");
    let server = Server::start(other.server_identity(&["localhost"]), |_, _| Reply::ok(V1));
    let s = Scratch::new(&trusted);
    s.write("certdata.txt", b"old");
    let before = s.snapshot();
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &[]);
    assert_fails(&o, &url, "TLS verification failed");
    assert!(
        stderr(&o).contains("--ca-file"),
        "says what to do: {}",
        stderr(&o)
    );
    assert_eq!(s.snapshot(), before);
    assert!(
        server.requests().is_empty(),
        "no request reached the server"
    );
}

#[test]
fn a_certificate_for_another_host_name_is_refused() {
    let ca = Ca::new("nssroots test CA");
    let server = Server::start(ca.server_identity(&["other.example"]), |_, _| Reply::ok(V1));
    let s = Scratch::new(&ca);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &[]);
    assert_fails(&o, &url, "TLS verification failed");
    assert!(!s.path("certdata.txt").exists());
    assert!(server.requests().is_empty());
}

#[test]
fn not_found_is_not_retried() {
    let server = fails_untouched(|_, _| Reply::status(404), &[], "HTTP 404 Not Found");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn server_errors_are_retried_three_times_at_most() {
    let server = fails_untouched(|_, _| Reply::status(500), &[], "after 3 attempts");
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn two_server_errors_then_success() {
    let ca = Ca::new("nssroots test CA");
    let server = serve(&ca, |i, _| {
        if i < 2 {
            Reply::status(500)
        } else {
            Reply::ok(V1)
        }
    });
    let s = Scratch::new(&ca);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(s.path("certdata.txt")).unwrap(), V1);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn a_body_cut_short_is_an_error() {
    let server = fails_untouched(
        |_, _| Reply::CutShort {
            declared: V1.len(),
            body: V1[..V1.len() / 2].to_vec(),
        },
        &[],
        "broke off",
    );
    assert_eq!(server.requests().len(), 3, "retried");
}

#[test]
fn a_body_over_the_size_limit_is_refused_with_or_without_content_length() {
    fails_untouched(
        |_, _| Reply::ok(V1),
        &["--max-size", "100000"],
        "larger than the limit of 100000 bytes",
    );
    fails_untouched(
        |_, _| Reply::Unsized(V1.to_vec()),
        &["--max-size", "100000"],
        "larger than the limit of 100000 bytes",
    );
}

#[test]
fn a_server_that_stalls_times_out_in_bounded_time() {
    let start = Instant::now();
    let server = fails_untouched(|_, _| Reply::Stall, &["--timeout", "1"], "timed out");
    // Three attempts of one second each plus 1 s and 2 s of backoff.
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn an_html_page_is_not_certdata() {
    fails_untouched(
        |_, _| Reply::ok(b"<!DOCTYPE html>\n<html><body>Rate limited</body></html>\n"),
        &[],
        "not a valid certdata.txt",
    );
}

#[test]
fn certdata_that_trusts_nothing_replaces_nothing() {
    let empty = Certdata::new().build().bytes;
    fails_untouched(move |_, _| Reply::ok(&empty), &[], "trusts no certificate");
}

#[test]
fn a_redirect_to_plain_http_is_refused() {
    let server = fails_untouched(
        |_, _| {
            Reply::Full(
                302,
                vec![("Location".into(), "http://localhost:1/certdata.txt".into())],
                Vec::new(),
            )
        },
        &[],
        "not HTTPS",
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn a_redirect_to_https_is_followed() {
    let ca = Ca::new("nssroots test CA");
    let port = std::sync::Arc::new(AtomicUsize::new(0));
    let p = std::sync::Arc::clone(&port);
    let server = serve(&ca, move |_, req| {
        if req.path == "/old" {
            let to = format!("https://localhost:{}/new", p.load(Ordering::SeqCst));
            Reply::Full(302, vec![("Location".into(), to)], Vec::new())
        } else {
            Reply::ok(V1)
        }
    });
    port.store(usize::from(server.port), Ordering::SeqCst);
    let s = Scratch::new(&ca);
    let o = s.fetch(&server.url("/old"), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn sha256_mismatch_writes_nothing() {
    let wrong = "00".repeat(32);
    fails_untouched(
        |_, _| Reply::ok(V1),
        &["--sha256", &wrong],
        "differs from the expected",
    );
}

#[test]
fn sha256_match_writes() {
    let ca = Ca::new("nssroots test CA");
    let server = serve(&ca, |_, _| Reply::ok(V1));
    let s = Scratch::new(&ca);
    let o = s.fetch(
        &server.url("/certdata.txt"),
        &["--sha256", &sha256_hex(V1).to_uppercase()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(s.path("certdata.txt")).unwrap(), V1);
}

#[test]
fn locked_mismatch_writes_nothing() {
    // The lock written by fails_untouched names another URL and hash.
    fails_untouched(
        |_, _| Reply::ok(V1),
        &["--lock", "lock.json", "--locked"],
        "--locked",
    );
}

#[test]
fn locked_against_an_upstream_change_writes_nothing() {
    let ca = Ca::new("nssroots test CA");
    let v2 = v2();
    let server = serve(&ca, move |i, _| {
        if i == 0 {
            Reply::ok(V1)
        } else {
            Reply::ok(&v2)
        }
    });
    let s = Scratch::new(&ca);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &["--lock", "lock.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = s.snapshot();
    let o = s.fetch(&url, &["--lock", "lock.json", "--locked"]);
    assert_fails(&o, &url, "differs from the lock file's");
    assert_eq!(s.snapshot(), before);
}

#[test]
fn plain_http_urls_are_refused_before_connecting() {
    let ca = Ca::new("nssroots test CA");
    let s = Scratch::new(&ca);
    let o = s.fetch("http://localhost:1/certdata.txt", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("plain http is refused"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bundle_fetch_bundles_the_download() {
    let ca = Ca::new("nssroots test CA");
    let server = serve(&ca, |_, _| Reply::ok(V1));
    let s = Scratch::new(&ca);
    let url = server.url("/certdata.txt");
    let o = s.run(&[
        "bundle",
        "--fetch",
        "--url",
        &url,
        "--ca-file",
        "ca.pem",
        "--at",
        "2025-04-19T00:00:00Z",
        "-o",
        "bundle.pem",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pem = std::fs::read_to_string(s.path("bundle.pem")).unwrap();
    assert!(pem.contains(&url), "the header names the URL");
    assert!(pem.contains(&sha256_hex(V1)), "and the input's SHA-256");
    // The same bundle as from the embedded snapshot, but for the origin line.
    let snapshot = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("bundles/ca-bundle.pem"),
    )
    .unwrap();
    let certs = |t: &str| t.find("-----BEGIN").map(|i| t[i..].to_owned());
    assert_eq!(certs(&pem), certs(&snapshot));
    // Source options without --fetch are a mistake, not silently ignored;
    // so are --lock without --locked (bundle writes no lock) and the reverse.
    let o = s.run(&["bundle", "--url", &url]);
    assert_eq!(o.status.code(), Some(2));
    for extra in [&["--lock", "lock.json"][..], &["--locked"]] {
        let mut args = vec!["bundle", "--fetch", "--url", &url, "--ca-file", "ca.pem"];
        args.extend_from_slice(extra);
        let o = s.run(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("--lock"), "{}", stderr(&o));
    }
}

/// A server that answers 304 to `If-None-Match: "v2"` and sends `body`
/// with that ETag otherwise.
fn etag_server(ca: &Ca, body: Vec<u8>) -> Server {
    serve(ca, move |_, req| {
        if req.header("if-none-match") == Some("\"v2\"") {
            Reply::status(304)
        } else {
            Reply::Full(200, vec![("ETag".into(), "\"v2\"".into())], body.clone())
        }
    })
}

/// After a 304 the file there is kept, so it must be the one --sha256 pins.
#[test]
fn a_304_does_not_skip_the_sha256_check() {
    let ca = Ca::new("nssroots test CA");
    let v2 = v2();
    let server = etag_server(&ca, v2.clone());
    let s = Scratch::new(&ca);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &["--lock", "lock.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = s.snapshot();
    let wrong = "0".repeat(64);
    for extra in [
        &["--lock", "lock.json", "--sha256", &wrong][..],
        &["--lock", "lock.json", "--locked", "--sha256", &wrong],
    ] {
        let o = s.fetch(&url, extra);
        assert_fails(&o, &url, "304 Not Modified, but");
        assert_eq!(s.snapshot(), before, "files untouched");
    }
    assert_eq!(
        server.requests()[1].header("if-none-match"),
        Some("\"v2\""),
        "it was a 304"
    );
    let right = sha256_hex(&v2);
    let o = s.fetch(&url, &["--lock", "lock.json", "--sha256", &right]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("304"), "{}", stderr(&o));
}

/// A file that is already current gets its lock written (and --locked then
/// works), instead of a lock that can never be made without deleting it.
#[test]
fn a_current_file_gets_a_lock() {
    let ca = Ca::new("nssroots test CA");
    let v2 = v2();
    let server = etag_server(&ca, v2.clone());
    let s = Scratch::new(&ca);
    s.write("certdata.txt", &v2);
    let url = server.url("/certdata.txt");
    let o = s.fetch(&url, &["--lock", "lock.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unchanged: the download has the SHA-256"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("wrote the lock file"), "{}", stderr(&o));
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(s.path("lock.json")).unwrap()).unwrap();
    assert_eq!(lock["sha256"], sha256_hex(&v2).as_str());
    assert_eq!(lock["etag"], "\"v2\"");
    assert_eq!(std::fs::read(s.path("certdata.txt")).unwrap(), v2);
    // Now conditional, and --locked has its lock; nothing rewritten.
    let before = s.snapshot();
    std::thread::sleep(Duration::from_millis(20));
    let o = s.fetch(&url, &["--lock", "lock.json", "--locked"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("304"), "{}", stderr(&o));
    assert_eq!(s.snapshot(), before);
    // A lock already up to date is not rewritten.
    let o = s.fetch(&url, &["--lock", "lock.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(s.snapshot(), before);
}
