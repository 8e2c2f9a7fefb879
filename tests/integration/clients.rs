//! Proof in real clients: bundles nssroots writes, loaded by curl, OpenSSL
//! (`s_client -CAfile`/`-CApath`, `verify`, `storeutl`, `rehash`), Python's
//! ssl module, rustls and Java's keytool.
//!
//! A synthetic certdata.txt holds four roots made here (with keys, so they
//! can sign servers' certificates): A trusted for server-auth, B
//! must-verify-trust for it, C not trusted, D not trusted for server-auth
//! but trusted for email-protection. `openssl s_server` serves a localhost
//! certificate from each.
//!
//! The tools are expected on the machine (`.ci/run` installs them); a test
//! whose tool is missing says so and fails under CI (NSSROOTS_REQUIRE_SHARED
//! or CI set), and skips elsewhere.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nssroots::{Purpose, TrustLevel};

use crate::https::{Ca, Identity};
use crate::support::{run_in, shared_certdata, shared_files, stderr};
use crate::synth::{self, Certdata, Entry};

/// Whether `tool` runs; under CI its absence is a failure.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg(if tool == "keytool" {
            "-help"
        } else {
            "--version"
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !ok {
        let required = std::env::var_os("NSSROOTS_REQUIRE_SHARED").is_some()
            || std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!required, "{tool} is not installed (.ci/run installs it)");
        eprintln!("skipping: {tool} is not installed");
    }
    ok
}

/// The four roots, the certdata.txt made of them, and outputs from it.
struct Setup {
    dir: tempfile::TempDir,
    roots: Vec<(char, Ca)>,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        let roots: Vec<(char, Ca)> = "ABCD"
            .chars()
            .map(|n| (n, Ca::new(&format!("nssroots client test root {n}"))))
            .collect();
        let entry = |n: char| {
            let ca = &roots.iter().find(|(m, _)| *m == n).expect("root").1;
            Entry::new(&synth::Ca::from_der(format!("Root {n}"), ca.der.clone()))
        };
        let certdata = Certdata::new()
            .with(entry('A').level(Purpose::DigitalSignature, TrustLevel::TrustedDelegator))
            .with(entry('B').level(Purpose::ServerAuth, TrustLevel::MustVerifyTrust))
            .with(entry('C').level(Purpose::ServerAuth, TrustLevel::NotTrusted))
            .with(
                entry('D')
                    .level(Purpose::ServerAuth, TrustLevel::NotTrusted)
                    .level(Purpose::EmailProtection, TrustLevel::TrustedDelegator),
            )
            .build();
        std::fs::write(dir.path().join("certdata.txt"), &certdata.bytes).expect("write");
        let s = Setup { dir, roots };
        s.nssroots(&["bundle", "-o", "bundle.pem"]);
        s.nssroots(&["bundle", "--format", "openssl-dir", "-o", "capath"]);
        let both = [
            "bundle",
            "--purpose",
            "server-auth",
            "--purpose",
            "email-protection",
        ];
        s.nssroots(&[&both[..], &["-o", "both.pem"]].concat());
        s.nssroots(
            &[
                &both[..],
                &["--format", "openssl-trusted", "-o", "trusted.pem"],
            ]
            .concat(),
        );
        s
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn nssroots(&self, args: &[&str]) {
        let mut full = vec!["-q"];
        full.extend_from_slice(args);
        full.extend(["--input", "certdata.txt", "--at", "2026-01-01T00:00:00Z"]);
        let o = run_in(self.dir.path(), &full, None);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }

    /// A localhost certificate issued by root `n`, written as `leafN.pem` and `leafN.key`.
    fn leaf(&self, n: char) -> (Identity, PathBuf, PathBuf) {
        let ca = &self.roots.iter().find(|(m, _)| *m == n).expect("root").1;
        let id = ca.server_identity(&["localhost"]);
        let (cert, key) = id.write_pem(self.dir.path(), &format!("leaf{n}"));
        (id, cert, key)
    }
}

/// `openssl s_server` on 127.0.0.1 with a certificate; killed on drop.
struct SServer {
    child: Child,
    port: u16,
}

impl SServer {
    fn start(cert: &Path, key: &Path) -> SServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(cert)
            .arg("-key")
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start openssl s_server");
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "s_server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        SServer { child, port }
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run client")
        .success()
}

fn curl(bundle: &Path, port: u16) -> bool {
    succeeds(
        Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert"])
            .arg(bundle)
            .arg("--resolve")
            .arg(format!("localhost:{port}:127.0.0.1"))
            .arg(format!("https://localhost:{port}/")),
    )
}

fn s_client(ca_option: &str, ca: &Path, port: u16) -> bool {
    succeeds(
        Command::new("openssl")
            .args([
                "s_client",
                "-verify_return_error",
                "-verify_hostname",
                "localhost",
            ])
            .args(["-servername", "localhost", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .arg(ca_option)
            .arg(ca),
    )
}

fn python(bundle: &Path, port: u16) -> bool {
    let script = format!(
        "import socket, ssl\n\
         ctx = ssl.create_default_context(cafile={bundle:?})\n\
         with socket.create_connection(('127.0.0.1', {port}), timeout=10) as raw:\n\
         \x20   with ctx.wrap_socket(raw, server_hostname='localhost') as s:\n\
         \x20       s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')\n",
        bundle = bundle.display().to_string()
    );
    succeeds(Command::new("python3").arg("-c").arg(script))
}

/// A rustls client with the roots of a PEM bundle: does the handshake succeed?
fn rustls_client(bundle: &Path, port: u16) -> bool {
    use std::io::Write;
    let roots = rustls_roots(&std::fs::read(bundle).expect("bundle"));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("conn");
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").is_ok() && tls.flush().is_ok()
}

/// The roots of a PEM text in a rustls store; every certificate must load.
fn rustls_roots(pem_text: &[u8]) -> rustls::RootCertStore {
    let ders: Vec<rustls::pki_types::CertificateDer<'static>> = pem::parse_many(pem_text)
        .expect("PEM")
        .into_iter()
        .filter(|p| p.tag() == "CERTIFICATE")
        .map(|p| p.into_contents().into())
        .collect();
    let mut store = rustls::RootCertStore::empty();
    let (added, ignored) = store.add_parsable_certificates(ders.clone());
    assert_eq!(
        (added, ignored),
        (ders.len(), 0),
        "rustls loads every certificate"
    );
    store
}

#[test]
fn clients_trust_only_the_trusted_root() {
    if !["openssl", "curl", "python3"].iter().all(|t| have(t)) {
        return;
    }
    let s = Setup::new();
    let bundle = s.path("bundle.pem");
    let capath = s.path("capath");
    assert_eq!(
        std::fs::read_to_string(&bundle)
            .unwrap()
            .matches("BEGIN CERTIFICATE")
            .count(),
        1,
        "only root A is in the server-auth bundle"
    );
    for (n, trusted) in [('A', true), ('B', false), ('C', false)] {
        let (_, cert, key) = s.leaf(n);
        let server = SServer::start(&cert, &key);
        let port = server.port;
        assert_eq!(curl(&bundle, port), trusted, "curl, root {n}");
        assert_eq!(
            s_client("-CAfile", &bundle, port),
            trusted,
            "s_client -CAfile, root {n}"
        );
        assert_eq!(
            s_client("-CApath", &capath, port),
            trusted,
            "s_client -CApath, root {n}"
        );
        assert_eq!(python(&bundle, port), trusted, "python ssl, root {n}");
        assert_eq!(rustls_client(&bundle, port), trusted, "rustls, root {n}");
    }
}

#[test]
fn openssl_verify_honours_rejected_purposes() {
    if !have("openssl") {
        return;
    }
    let s = Setup::new();
    let verify = |ca: &str, leaf: &Path| {
        Command::new("openssl")
            .args(["verify", "-purpose", "sslserver", "-CAfile"])
            .arg(s.path(ca))
            .arg(leaf)
            .output()
            .expect("openssl verify")
    };
    let (_, leaf_a, _) = s.leaf('A');
    let (_, leaf_d, _) = s.leaf('D');
    let o = verify("trusted.pem", &leaf_a);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    // Root D is in both files (trusted for email-protection). Plain PEM cannot
    // say it is not trusted for servers; the trusted format can.
    assert!(verify("both.pem", &leaf_d).status.success());
    let o = verify("trusted.pem", &leaf_d);
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.status.success(), "{out}");
    assert!(out.contains("rejected"), "{out}");
    // Root A selected only for a key usage, which has no OpenSSL purpose: the
    // reserved purpose keeps OpenSSL from trusting it for servers (an absent
    // trust list would mean "trusted for everything").
    s.nssroots(&[
        "bundle",
        "--purpose",
        "digital-signature",
        "--format",
        "openssl-trusted",
        "-o",
        "key-usage.pem",
    ]);
    let o = verify("key-usage.pem", &leaf_a);
    assert!(
        !o.status.success(),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn keytool_lists_every_root_as_a_trusted_entry() {
    if !have("keytool") {
        return;
    }
    let s = Setup::new();
    std::fs::write(s.path("pw"), "changeit\n").unwrap();
    let java = [
        "bundle",
        "--purpose",
        "server-auth",
        "--purpose",
        "email-protection",
        "--format",
        "java",
    ];
    s.nssroots(&[&java[..], &["-o", "store.p12"]].concat());
    s.nssroots(
        &[
            &java[..],
            &["--java-password-file", "pw", "-o", "store-pw.p12"],
        ]
        .concat(),
    );
    let list = |file: &str, pass: &str| {
        Command::new("keytool")
            .args(["-list", "-storetype", "PKCS12", "-keystore"])
            .arg(s.path(file))
            .args(["-storepass", pass])
            .output()
            .expect("keytool")
    };
    for (file, pass) in [("store.p12", "anything"), ("store-pw.p12", "changeit")] {
        let o = list(file, pass);
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("Your keystore contains 2 entries"), "{out}");
        assert_eq!(out.matches("trustedCertEntry").count(), 2, "{out}");
        assert!(out.contains("root_a,") && out.contains("root_d,"), "{out}");
    }
    let o = list("store-pw.p12", "wrong-password");
    assert!(!o.status.success(), "the MAC is checked");
}

/// Every certificate of a bundle from every ../shared release loads in
/// OpenSSL, Python's ssl and rustls, and the openssl-dir links are those
/// `openssl rehash` makes (the subject hash of `openssl x509 -subject_hash`).
#[test]
fn every_shared_bundle_loads_everywhere() {
    let Some(dir) = shared_certdata() else { return };
    if !["openssl", "python3"].iter().all(|t| have(t)) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    for (tag, path) in shared_files(&dir) {
        let input = path.to_str().unwrap();
        let policy = [
            "--purpose",
            "server-auth",
            "--purpose",
            "email-protection",
            "--include-expired",
            "--distrust-after",
            "keep",
            "--at",
            "2026-11-22T23:15:00Z",
        ];
        for (format, out) in [
            ("pem", "all.pem"),
            ("openssl-dir", "dir"),
            ("pem-dir", "rehashed"),
        ] {
            let mut args = vec![
                "-q", "bundle", "--input", input, "--format", format, "-o", out,
            ];
            args.extend(policy);
            let o = run_in(work.path(), &args, None);
            assert_eq!(o.status.code(), Some(0), "{tag}: {}", stderr(&o));
        }
        let bundle = work.path().join("all.pem");
        let text = std::fs::read(&bundle).unwrap();
        let count = pem::parse_many(&text).unwrap().len();
        assert!(count > 50, "{tag}: {count}");
        // OpenSSL.
        let o = Command::new("openssl")
            .args(["storeutl", "-noout", "-certs"])
            .arg(&bundle)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains(&format!("Total found: {count}")),
            "{tag}: {out}"
        );
        // Python's ssl.
        let o = Command::new("python3")
            .arg("-c")
            .arg(format!(
                "import ssl; c = ssl.create_default_context(cafile={:?}); print(c.cert_store_stats()['x509'])",
                bundle.display().to_string()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).trim(),
            count.to_string(),
            "{tag}: python"
        );
        // rustls.
        assert_eq!(rustls_roots(&text).len(), count, "{tag}: rustls");
        // The links openssl rehash makes from the same certificates.
        let rehashed = work.path().join("rehashed");
        let o = Command::new("openssl")
            .arg("rehash")
            .arg(&rehashed)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{tag}: rehash {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let links = |d: &Path| {
            let mut v: Vec<(String, String)> = std::fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_symlink())
                .map(|p| {
                    let target = std::fs::read_link(&p).unwrap().display().to_string();
                    (
                        p.file_name().unwrap().to_string_lossy().into_owned(),
                        target,
                    )
                })
                .collect();
            v.sort();
            v
        };
        let ours = links(&work.path().join("dir"));
        assert_eq!(ours.len(), count, "{tag}: one link per certificate");
        assert_eq!(
            ours,
            links(&rehashed),
            "{tag}: openssl-dir links equal openssl rehash's"
        );
        // And each link's hash is what `openssl x509 -subject_hash` prints.
        let o = Command::new("sh")
            .arg("-c")
            .arg(r#"for f in *.pem; do printf '%s %s\n' "$(openssl x509 -subject_hash -noout -in "$f")" "$f"; done"#)
            .current_dir(work.path().join("dir"))
            .output()
            .unwrap();
        let printed: std::collections::BTreeSet<(String, String)> =
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.split_once(' '))
                .map(|(h, f)| (h.to_owned(), f.to_owned()))
                .collect();
        let linked: std::collections::BTreeSet<(String, String)> = ours
            .iter()
            .map(|(link, target)| (link.split('.').next().unwrap().to_owned(), target.clone()))
            .collect();
        assert_eq!(printed.len(), count, "{tag}");
        assert_eq!(
            linked, printed,
            "{tag}: link names are openssl x509 -subject_hash"
        );
    }
}
