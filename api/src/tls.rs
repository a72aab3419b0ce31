//! `serve --tls-cert/--tls-key`: HTTPS served by this process (rustls), so that an inspector
//! reaching the server by name, not from localhost, gets a secure context (WebCrypto). The
//! connections go through the same accept loop as plain ones (`serving::serve_with`).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Why the certificate or key cannot be used: which file, what was wrong, what to do.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("Không đọc được chứng chỉ TLS {path}: {why}. Hãy đưa tệp PEM chứa chuỗi chứng chỉ (bắt đầu bằng chứng chỉ của máy chủ). / The TLS certificate {path} cannot be read: {why}. Give a PEM file with the certificate chain (the server's certificate first).")]
    Cert { path: String, why: String },
    #[error("Không đọc được khóa TLS {path}: {why}. Hãy đưa tệp PEM chứa khóa riêng (PKCS#8, RSA hoặc EC). / The TLS key {path} cannot be read: {why}. Give a PEM file with the private key (PKCS#8, RSA or EC).")]
    Key { path: String, why: String },
    #[error("Chứng chỉ và khóa TLS không dùng được cùng nhau: {0}. / The TLS certificate and key cannot be used together: {0}.")]
    Config(String),
}

/// The acceptor for a PEM certificate chain and private key.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, TlsError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert {
            path: cert.display().to_string(),
            why: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Cert {
            path: cert.display().to_string(),
            why: "no certificate in it".into(),
        });
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.display().to_string(),
        why: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
