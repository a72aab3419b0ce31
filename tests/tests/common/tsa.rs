//! A local Time-Stamp Authority for tests: Debian's `openssl ts -reply` (a real RFC 3161
//! implementation) behind a small HTTP server on loopback, one `openssl` run per request, with
//! a throwaway CA and TSA certificates (extendedKeyUsage critical timeStamping) made by
//! `openssl req`/`x509`/`ca` in the test's directory. No network beyond 127.0.0.1.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs (scripts/install-test-tools.sh installs it)");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A throwaway CA that issues TSA certificates.
pub struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    /// A new CA (P-256) named `name` in `dir`.
    pub fn new(dir: &Path, name: &str) -> Pki {
        std::fs::create_dir_all(dir.join("cadb")).unwrap();
        std::fs::write(dir.join("cadb/index.txt"), "").unwrap();
        std::fs::write(dir.join("cadb/serial"), "10\n").unwrap();
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "3650",
                "-subj",
                &format!("/CN={name}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        let d = dir.display();
        std::fs::write(
            dir.join("ca.cnf"),
            format!(
                "[ ca ]\ndefault_ca = test\n[ test ]\ndir = {d}/cadb\ndatabase = $dir/index.txt\nserial = $dir/serial\nnew_certs_dir = $dir\ncertificate = {d}/ca.pem\nprivate_key = {d}/ca.key\ndefault_md = sha256\npolicy = anything\nunique_subject = no\ncopy_extensions = none\n[ anything ]\ncommonName = supplied\n[ ext ]\nextendedKeyUsage = critical,timeStamping\nbasicConstraints = CA:FALSE\nkeyUsage = critical,digitalSignature\n"
            ),
        )
        .unwrap();
        Pki {
            dir: dir.to_path_buf(),
        }
    }

    pub fn ca_pem(&self) -> String {
        self.dir.join("ca.pem").to_str().unwrap().to_string()
    }

    /// A TSA certificate and key named `name`, valid from a day ago until `valid_for` from
    /// now (`openssl ca -enddate`: a validity of a few seconds needs no fake clock).
    fn issue(&self, name: &str, valid_for: Duration) -> (PathBuf, PathBuf) {
        let key = format!("{name}.key");
        let csr = format!("{name}.csr");
        let pem = format!("{name}.pem");
        openssl(
            &self.dir,
            &[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        let stamp = |t: std::time::SystemTime| {
            let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
            let (days, rest) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
            let (y, m, d) = ledger::calendar::civil_from_days(days);
            format!(
                "{y:04}{m:02}{d:02}{:02}{:02}{:02}Z",
                rest / 3600,
                rest % 3600 / 60,
                rest % 60
            )
        };
        let now = std::time::SystemTime::now();
        openssl(
            &self.dir,
            &[
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-in",
                &csr,
                "-out",
                &pem,
                "-extensions",
                "ext",
                "-notext",
                "-startdate",
                &stamp(now - Duration::from_secs(86_400)),
                "-enddate",
                &stamp(now + valid_for),
            ],
        );
        (self.dir.join(pem), self.dir.join(key))
    }
}

/// A TSA serving RFC 3161 over HTTP on 127.0.0.1, stopped when dropped.
pub struct LocalTsa {
    pub url: String,
    pub cert: PathBuf,
    stop: Arc<AtomicBool>,
    addr: std::net::SocketAddr,
}

impl LocalTsa {
    /// A TSA named `name` whose certificate `pki` issues, valid for `valid_for`.
    pub fn start(pki: &Pki, name: &str, valid_for: Duration) -> LocalTsa {
        LocalTsa::start_on(pki, name, valid_for, "127.0.0.1:0")
    }

    /// [`LocalTsa::start`] on a given loopback address (one a server was told of while no TSA
    /// answered there).
    pub fn start_on(pki: &Pki, name: &str, valid_for: Duration, addr: &str) -> LocalTsa {
        let (cert, key) = pki.issue(name, valid_for);
        let dir = pki.dir.join(format!("tsa-{name}"));
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("tsa.cnf");
        std::fs::write(
            &config,
            format!(
                "[ tsa ]\ndefault_tsa = tsa1\n[ tsa1 ]\nserial = {}\ncrypto_device = builtin\nsigner_cert = {c}\ncerts = {}\nsigner_key = {}\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256, sha384, sha512, sha3-256, sha3-512\naccuracy = secs:1\nordering = no\ntsa_name = yes\ness_cert_id_chain = no\ness_cert_id_alg = sha256\n",
                dir.join("serial").display(),
                pki.dir.join("ca.pem").display(),
                key.display(),
                c = cert.display(),
            ),
        )
        .unwrap();
        let listener = TcpListener::bind(addr).unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            let count = AtomicU64::new(0);
            for stream in listener.incoming() {
                if stopped.load(Ordering::Acquire) {
                    break;
                }
                if let Ok(stream) = stream {
                    let n = count.fetch_add(1, Ordering::Relaxed);
                    let _ = answer(stream, &dir, &config, n);
                }
            }
        });
        LocalTsa {
            url: format!("http://{addr}/"),
            cert,
            stop,
            addr,
        }
    }
}

impl Drop for LocalTsa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wakes the accepting thread so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

/// One request: `POST` a TimeStampReq, answered with `openssl ts -reply`'s TimeStampResp.
fn answer(mut stream: TcpStream, dir: &Path, config: &Path, n: u64) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let (head_len, body_len) = loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..read]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        if let Ok(httparse::Status::Complete(len)) = req.parse(&buf) {
            let body_len = req
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .and_then(|h| std::str::from_utf8(h.value).ok()?.trim().parse().ok())
                .unwrap_or(0usize);
            break (len, body_len);
        }
    };
    while buf.len() < head_len + body_len {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..read]);
    }
    let query = dir.join(format!("{n}.tsq"));
    let reply = dir.join(format!("{n}.tsr"));
    std::fs::write(&query, &buf[head_len..head_len + body_len])?;
    let ok = Command::new("openssl")
        .args(["ts", "-reply", "-config"])
        .arg(config)
        .arg("-queryfile")
        .arg(&query)
        .arg("-out")
        .arg(&reply)
        .output()?
        .status
        .success();
    let (status, body) = match (ok, std::fs::read(&reply)) {
        (true, Ok(body)) => ("200 OK", body),
        _ => ("500 Internal Server Error", Vec::new()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}
