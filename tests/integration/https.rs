//! A small HTTPS server for the fetch tests: rustls on 127.0.0.1 with
//! certificates from an rcgen CA, one thread per connection, HTTP/1.1 with
//! `Connection: close`, and a handler that decides each answer (including
//! misbehaving ones: a body cut short, no answer at all).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A test CA: its certificate (PEM) and what signs server certificates.
pub struct Ca {
    pub pem: String,
    pub der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = rcgen::DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("self-sign");
        Ca {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A server certificate for `names`, and its key.
    pub fn server_identity(&self, names: &[&str]) -> Identity {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let params = CertificateParams::new(names).expect("params");
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        Identity {
            cert: cert.der().clone(),
            key: key.serialize_der(),
        }
    }
}

/// A server's certificate and private key (PKCS #8 DER).
pub struct Identity {
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

impl Identity {
    /// Writes `NAME.pem` (the certificate) and `NAME.key` (the key) into
    /// `dir`; returns their paths.
    pub fn write_pem(
        &self,
        dir: &std::path::Path,
        name: &str,
    ) -> (std::path::PathBuf, std::path::PathBuf) {
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}.key"));
        let block = |tag: &str, der: &[u8]| pem::encode(&pem::Pem::new(tag, der.to_vec()));
        std::fs::write(&cert, block("CERTIFICATE", &self.cert)).expect("write cert");
        std::fs::write(&key, block("PRIVATE KEY", &self.key)).expect("write key");
        (cert, key)
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Reply {
    /// A status, extra headers and a body with its Content-Length.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// 200 with no Content-Length: the body ends when the connection closes.
    Unsized(Vec<u8>),
    /// 200 announcing `declared` bytes, then only `body`, then the connection drops.
    CutShort { declared: usize, body: Vec<u8> },
    /// Nothing at all, for a long time.
    Stall,
}

impl Reply {
    pub fn ok(body: &[u8]) -> Reply {
        Reply::Full(200, Vec::new(), body.to_vec())
    }

    pub fn status(code: u16) -> Reply {
        Reply::Full(code, Vec::new(), format!("status {code}\n").into_bytes())
    }
}

type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

pub struct Server {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Serves on 127.0.0.1 (a free port) with `identity`; `handler` gets the
    /// request's index (0 for the first) and the request.
    pub fn start(
        identity: Identity,
        handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![identity.cert],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key)),
            )
            .expect("server config");
        let config = Arc::new(config);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (config, handler, seen) =
                    (Arc::clone(&config), Arc::clone(&handler), Arc::clone(&seen));
                std::thread::spawn(move || {
                    // Failed handshakes (the client refused us) end here.
                    let _ = serve(stream, config, &*handler, &seen);
                });
            }
        });
        Server { port, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("lock").clone()
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    handler: &Handler,
    seen: &Mutex<Vec<Request>>,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = BufReader::new(rustls::StreamOwned::new(conn, tcp));
    let mut line = String::new();
    tls.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if tls.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((n, v)) = h.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let request = Request { path, headers };
    let index = {
        let mut seen = seen.lock().expect("lock");
        seen.push(request.clone());
        seen.len() - 1
    };
    let mut tls = tls.into_inner();
    let head = |code: u16, extra: &[(String, String)], len: Option<usize>| {
        let mut h = format!("HTTP/1.1 {code} {}\r\nConnection: close\r\n", reason(code));
        if let Some(len) = len {
            h.push_str(&format!("Content-Length: {len}\r\n"));
        }
        for (n, v) in extra {
            h.push_str(&format!("{n}: {v}\r\n"));
        }
        h.push_str("\r\n");
        h
    };
    match handler(index, &request) {
        Reply::Full(code, extra, body) => {
            let len = (code != 304).then_some(body.len());
            tls.write_all(head(code, &extra, len).as_bytes())?;
            if code != 304 {
                tls.write_all(&body)?;
            }
        }
        Reply::Unsized(body) => {
            tls.write_all(head(200, &[], None).as_bytes())?;
            tls.write_all(&body)?;
        }
        Reply::CutShort { declared, body } => {
            tls.write_all(head(200, &[], Some(declared)).as_bytes())?;
            tls.write_all(&body)?;
            tls.flush()?;
            // Drop the TCP connection without TLS close_notify.
            return tls.sock.shutdown(std::net::Shutdown::Both);
        }
        Reply::Stall => {
            std::thread::sleep(Duration::from_secs(60));
            return Ok(());
        }
    }
    tls.conn.send_close_notify();
    tls.flush()
}

fn reason(code: u16) -> &'static str {
    match code {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Other",
    }
}
