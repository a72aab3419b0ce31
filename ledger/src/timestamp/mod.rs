//! Trusted timestamps (RFC 3161) on checkpoints and on evidence records: the request a
//! Time-Stamp Authority is sent, the checks on its answer, and the verification of a token
//! against the TSA certificates a user trusts.
//!
//! The structures are RustCrypto's (`x509-tsp`, `cms`, `x509-cert`, over `der`); the CMS
//! signature and the TSA's certificate chain are checked by the system's OpenSSL — the same
//! code `openssl ts -verify` runs — with the chain built at the token's own time and the
//! `timestampsign` purpose (extendedKeyUsage timeStamping, critical). This module speaks no
//! HTTP: whoever sends a query ([`Stamper`]) does.

pub mod algorithms;

use std::path::Path;

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier, SignerInfo};
use der::asn1::{Int, OctetString};
use der::{Decode, Encode};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyParam;
use openssl::x509::{X509PurposeId, X509StoreContext, X509};
use serde::Serialize;
use x509_cert::Certificate;
use x509_tsp::{MessageImprint, TimeStampReq, TimeStampResp, TspVersion, TstInfo};

pub use algorithms::{Algorithms, HashAlg};

use crate::format::{SignedNote, VerifierKey};
use crate::messages::Text;

/// id-ct-TSTInfo (RFC 3161 §2.4.2): what a time-stamp token's signed content must be.
const ID_CT_TSTINFO: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// Largest time-stamp response accepted (a token with its certificates is a few KiB).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A link of a long-term proof that failed: which one (a token, a renewal, a file) and why,
/// in both languages. Each refusal of the timestamps and the evidence record is one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{link}: {}", why.en)]
pub struct LongTermError {
    /// The link, e.g. `data/timestamps/12-1.tsr` or `evidence.ers chain 1 timestamp 2`.
    pub link: String,
    pub why: Text,
}

impl LongTermError {
    pub fn new(link: impl Into<String>, vi: impl Into<String>, en: impl Into<String>) -> Self {
        LongTermError {
            link: link.into(),
            why: Text::new(vi, en),
        }
    }

    /// The same failure, named by a larger link (`evidence.ers: chain 1 …`).
    pub fn within(mut self, outer: &str) -> Self {
        self.link = format!("{outer} {}", self.link);
        self
    }
}

/// Sends a DER `TimeStampReq` to one TSA and returns the DER `TimeStampResp` it answered
/// (the HTTP of RFC 3161 §3.4 lives in the front ends).
pub trait Stamper {
    /// What to call the TSA in messages (its URL).
    fn name(&self) -> String;
    fn query(&self, request: &[u8]) -> Result<Vec<u8>, String>;
}

/// The exact bytes a checkpoint's timestamp covers: the note's body and the log's own
/// signature lines, as the log signed them — no witness or post-quantum cosignature lines,
/// which arrive later. `log_keys`: the log's Ed25519 keys (more than one once it was
/// rotated: a checkpoint may carry the lines of the key in force and of the one it replaced).
pub fn checkpoint_bytes(note: &SignedNote, log_keys: &[VerifierKey]) -> Vec<u8> {
    let mut own = note.clone();
    own.signatures
        .retain(|s| log_keys.iter().any(|k| s.name == k.name && s.id == k.id));
    own.encode().into_bytes()
}

/// A DER `TimeStampReq` for `digest` (made with `alg`), asking for the TSA's certificate
/// (`certReq`) and carrying `nonce`.
pub fn request(alg: HashAlg, digest: &[u8], nonce: u64) -> Result<Vec<u8>, der::Error> {
    TimeStampReq {
        version: TspVersion::V1,
        message_imprint: MessageImprint {
            hash_algorithm: alg.identifier(),
            hashed_message: OctetString::new(digest)?,
        },
        req_policy: None,
        nonce: Some(nonce_int(nonce)?),
        cert_req: true,
        extensions: None,
    }
    .to_der()
}

/// A positive INTEGER of minimal encoding for `nonce`.
fn nonce_int(nonce: u64) -> Result<Int, der::Error> {
    let mut bytes = nonce.to_be_bytes();
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Int::new(&bytes)
}

/// A fresh nonce for a request.
pub fn nonce() -> u64 {
    use rand_core::RngCore;
    let n = rand_core::OsRng.next_u64();
    // The encoding sets the top bits; keep the value the same as what is sent.
    let mut bytes = n.to_be_bytes();
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    u64::from_be_bytes(bytes)
}

/// Asks `tsa` for a token over `digest` and checks the answer is one: status granted, the
/// imprint and nonce of the request. Returns the DER `TimeStampResp` as the TSA sent it.
pub fn obtain(tsa: &dyn Stamper, alg: HashAlg, digest: &[u8]) -> Result<Vec<u8>, LongTermError> {
    let link = tsa.name();
    let nonce = nonce();
    let req = request(alg, digest, nonce).map_err(|e| {
        LongTermError::new(
            &link,
            format!("không tạo được yêu cầu dấu thời gian: {e}"),
            format!("the time-stamp request could not be encoded: {e}"),
        )
    })?;
    let resp = tsa.query(&req).map_err(|e| {
        LongTermError::new(
            &link,
            format!("TSA không trả lời được: {e}; hãy thử lại sau"),
            format!("the TSA could not be reached: {e}; try again later"),
        )
    })?;
    let tst = parse(&resp, &link)?.tst;
    if tst.nonce.is_none() || tst.nonce != nonce_int(nonce).ok() {
        return Err(LongTermError::new(
            &link,
            "TSA trả lời bằng một dấu thời gian không mang nonce của yêu cầu (một câu trả lời cũ hay của yêu cầu khác)",
            "the TSA answered with a token that does not carry the request's nonce (a replayed or foreign answer)",
        ));
    }
    check_imprint(&tst, alg, digest, &link)?;
    Ok(resp)
}

/// CMS SignedData (RFC 5652 §5.1) as a token carries it, read leniently in one respect: the
/// `certificates` SET may hold a certificate twice (`openssl ts -reply` and TSAs configured
/// like it put the signer's certificate in both `signer_cert` and `certs`), which strict DER
/// SET OF decoding would refuse though it changes nothing signed.
#[derive(Clone, Debug, Eq, PartialEq, der::Sequence)]
struct SignedData {
    version: der::Any,
    digest_algorithms: der::Any,
    encap_content_info: EncapsulatedContentInfo,
    #[asn1(
        context_specific = "0",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    certificates: Option<Vec<CertificateChoices>>,
    #[asn1(
        context_specific = "1",
        tag_mode = "IMPLICIT",
        constructed = "true",
        optional = "true"
    )]
    crls: Option<Vec<der::Any>>,
    signer_infos: der::asn1::SetOfVec<SignerInfo>,
}

/// A parsed response: the token and what it signs.
struct Parsed {
    token: ContentInfo,
    signed: SignedData,
    tst: TstInfo,
}

fn parse(resp: &[u8], link: &str) -> Result<Parsed, LongTermError> {
    let bad = |vi: String, en: String| LongTermError::new(link, vi, en);
    let resp = TimeStampResp::from_der(resp).map_err(|e| {
        bad(
            format!("không phải một TimeStampResp DER (RFC 3161): {e}"),
            format!("not a DER TimeStampResp (RFC 3161): {e}"),
        )
    })?;
    use cmpv2::status::PkiStatus;
    if !matches!(
        resp.status.status,
        PkiStatus::Accepted | PkiStatus::GrantedWithMods
    ) {
        let text = resp
            .status
            .status_string
            .as_ref()
            .and_then(|s| s.iter().next())
            .map(|s| s.to_string())
            .unwrap_or_default();
        return Err(bad(
            format!(
                "TSA từ chối cấp dấu thời gian ({:?}) {text}",
                resp.status.status
            ),
            format!(
                "the TSA refused the request ({:?}) {text}",
                resp.status.status
            ),
        ));
    }
    let Some(token) = resp.time_stamp_token else {
        return Err(bad(
            "câu trả lời không mang dấu thời gian".into(),
            "the response carries no time-stamp token".into(),
        ));
    };
    let (signed, tst) = token_parts(&token).map_err(|(vi, en)| bad(vi, en))?;
    Ok(Parsed { token, signed, tst })
}

fn token_parts(token: &ContentInfo) -> Result<(SignedData, TstInfo), (String, String)> {
    let signed = token.content.decode_as::<SignedData>().map_err(|e| {
        (
            format!("dấu thời gian không phải SignedData: {e}"),
            format!("the token is not CMS SignedData: {e}"),
        )
    })?;
    if signed.encap_content_info.econtent_type != ID_CT_TSTINFO {
        return Err((
            "nội dung được ký không phải TSTInfo".into(),
            "the signed content is not a TSTInfo".into(),
        ));
    }
    let tst = signed
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| {
            (
                "dấu thời gian không mang TSTInfo".to_string(),
                "the token carries no TSTInfo".to_string(),
            )
        })
        .and_then(|any| {
            TstInfo::from_der(any.value()).map_err(|e| {
                (
                    format!("TSTInfo hỏng: {e}"),
                    format!("the TSTInfo is malformed: {e}"),
                )
            })
        })?;
    Ok((signed, tst))
}

fn check_imprint(
    tst: &TstInfo,
    alg: HashAlg,
    digest: &[u8],
    link: &str,
) -> Result<(), LongTermError> {
    let imprint = &tst.message_imprint;
    if imprint.hash_algorithm.oid != alg.oid() || imprint.hashed_message.as_bytes() != digest {
        let theirs = HashAlg::from_oid(imprint.hash_algorithm.oid)
            .map(|a| a.name().to_string())
            .unwrap_or_else(|| imprint.hash_algorithm.oid.to_string());
        return Err(LongTermError::new(
            link,
            format!(
                "dấu vân tay trong dấu thời gian ({theirs} {}) không khớp với dữ liệu ({} {}): dấu thời gian này là của dữ liệu khác",
                hex::encode(imprint.hashed_message.as_bytes()),
                alg.name(),
                hex::encode(digest)
            ),
            format!(
                "the token's message imprint ({theirs} {}) does not match the data ({} {}): this token is for other data",
                hex::encode(imprint.hashed_message.as_bytes()),
                alg.name(),
                hex::encode(digest)
            ),
        ));
    }
    Ok(())
}

/// The CA certificates a user trusts for TSAs (`--tsa-ca FILE`, PEM, one or more).
pub struct TsaRoots {
    certs: Vec<X509>,
}

impl TsaRoots {
    pub fn from_pem(pem: &[u8], name: &str) -> Result<TsaRoots, LongTermError> {
        let certs = X509::stack_from_pem(pem).unwrap_or_default();
        if certs.is_empty() {
            return Err(LongTermError::new(
                name,
                "không có chứng thư PEM nào: hãy đưa tệp PEM chứng thư CA của TSA mà bạn tin",
                "holds no PEM certificate: give a PEM file of the TSA CA certificates you trust",
            ));
        }
        Ok(TsaRoots { certs })
    }

    pub fn read(path: &Path) -> Result<TsaRoots, LongTermError> {
        let name = path.display().to_string();
        let pem = std::fs::read(path).map_err(|e| {
            LongTermError::new(
                &name,
                format!("không đọc được: {e}"),
                format!("cannot be read: {e}"),
            )
        })?;
        TsaRoots::from_pem(&pem, &name)
    }
}

/// What a verified token says: when, by whom, over what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The token's genTime, RFC 3339 (UTC).
    pub time: String,
    /// Seconds since the Unix epoch of `time`.
    pub unix: u64,
    /// The TSA's name (the token's `tsa` field, else the signing certificate's subject).
    pub authority: String,
    /// The imprint's hash algorithm.
    pub algorithm: String,
    /// Until when the TSA's certificate was valid (Unix seconds): a renewal must come first.
    #[serde(skip)]
    pub cert_not_after: u64,
}

/// Verifies a DER `TimeStampResp` over `digest` (made with `alg`): the imprint, the TSA's
/// CMS signature, its certificate chain to `roots` as it stood at the token's time, and the
/// timeStamping purpose of its certificate. `link` names the token in messages.
pub fn verify(
    resp: &[u8],
    alg: HashAlg,
    digest: &[u8],
    roots: &TsaRoots,
    link: &str,
) -> Result<Verified, LongTermError> {
    let parsed = parse(resp, link)?;
    verify_parsed(&parsed, alg, digest, roots, link)
}

/// [`verify`] for a bare token (a CMS `ContentInfo`, as an evidence record holds it).
pub fn verify_token(
    token: &ContentInfo,
    alg: HashAlg,
    digest: &[u8],
    roots: &TsaRoots,
    link: &str,
) -> Result<Verified, LongTermError> {
    let (signed, tst) = token_parts(token).map_err(|(vi, en)| LongTermError::new(link, vi, en))?;
    let parsed = Parsed {
        token: token.clone(),
        signed,
        tst,
    };
    verify_parsed(&parsed, alg, digest, roots, link)
}

/// A token's genTime as it claims it (Unix seconds, RFC 3339), before any check.
pub fn claimed_time(token: &ContentInfo) -> Option<(u64, String)> {
    let (_, tst) = token_parts(token).ok()?;
    Some((
        tst.gen_time.to_unix_duration().as_secs(),
        tst.gen_time.to_date_time().to_string(),
    ))
}

/// The bare token of a response (what an evidence record stores).
pub fn token_of(resp: &[u8], link: &str) -> Result<ContentInfo, LongTermError> {
    Ok(parse(resp, link)?.token)
}

fn verify_parsed(
    parsed: &Parsed,
    alg: HashAlg,
    digest: &[u8],
    roots: &TsaRoots,
    link: &str,
) -> Result<Verified, LongTermError> {
    check_imprint(&parsed.tst, alg, digest, link)?;
    let fail = |vi: String, en: String| LongTermError::new(link, vi, en);
    let certs: Vec<Certificate> = parsed
        .signed
        .certificates
        .as_ref()
        .map(|set| {
            set.iter()
                .filter_map(|c| match c {
                    CertificateChoices::Certificate(c) => Some(c.clone()),
                    CertificateChoices::Other(_) => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let [signer_info] = parsed.signed.signer_infos.as_slice() else {
        return Err(fail(
            "dấu thời gian phải có đúng một chữ ký".into(),
            "a time-stamp token must carry exactly one signature".into(),
        ));
    };
    let signer = certs
        .iter()
        .find(|c| identifies(&signer_info.sid, c))
        .ok_or_else(|| {
            fail(
                "dấu thời gian không mang chứng thư của TSA đã ký (yêu cầu phải đặt certReq)".into(),
                "the token does not carry the signing TSA's certificate (requests must set certReq)"
                    .into(),
            )
        })?;
    let to_x509 = |c: &Certificate| {
        c.to_der()
            .ok()
            .and_then(|d| X509::from_der(&d).ok())
            .ok_or_else(|| fail("chứng thư hỏng".into(), "a certificate is malformed".into()))
    };
    let signer_x509 = to_x509(signer)?;
    let unix = parsed.tst.gen_time.to_unix_duration().as_secs();
    let time = parsed.tst.gen_time.to_date_time().to_string();

    // The CMS signature over the TSTInfo, by exactly that certificate.
    let der = parsed.token.to_der().map_err(|e| {
        fail(
            format!("dấu thời gian hỏng: {e}"),
            format!("the token is malformed: {e}"),
        )
    })?;
    let mut cms = CmsContentInfo::from_der(&der).map_err(|e| {
        fail(
            format!("OpenSSL không đọc được CMS: {e}"),
            format!("OpenSSL cannot read the CMS: {e}"),
        )
    })?;
    let mut only = Stack::new().map_err(|e| fail(e.to_string(), e.to_string()))?;
    only.push(signer_x509.clone())
        .map_err(|e| fail(e.to_string(), e.to_string()))?;
    cms.verify(
        Some(&only),
        None,
        None,
        None,
        CMSOptions::NOINTERN | CMSOptions::NO_SIGNER_CERT_VERIFY | CMSOptions::BINARY,
    )
    .map_err(|e| {
        fail(
            format!("chữ ký của TSA trên dấu thời gian không hợp lệ: {e}"),
            format!("the TSA's signature on the token does not verify: {e}"),
        )
    })?;

    // The chain, at the token's time, to a root the user trusts, for time stamping.
    let mut store = X509StoreBuilder::new().map_err(|e| fail(e.to_string(), e.to_string()))?;
    for root in &roots.certs {
        store
            .add_cert(root.clone())
            .map_err(|e| fail(e.to_string(), e.to_string()))?;
    }
    store
        .set_purpose(X509PurposeId::TIMESTAMP_SIGN)
        .map_err(|e| fail(e.to_string(), e.to_string()))?;
    let mut param = X509VerifyParam::new().map_err(|e| fail(e.to_string(), e.to_string()))?;
    param.set_time(unix as _);
    store
        .set_param(&param)
        .map_err(|e| fail(e.to_string(), e.to_string()))?;
    let store = store.build();
    let mut chain = Stack::new().map_err(|e| fail(e.to_string(), e.to_string()))?;
    for c in &certs {
        chain
            .push(to_x509(c)?)
            .map_err(|e| fail(e.to_string(), e.to_string()))?;
    }
    let mut ctx = X509StoreContext::new().map_err(|e| fail(e.to_string(), e.to_string()))?;
    let outcome = ctx
        .init(&store, &signer_x509, &chain, |c| {
            Ok((c.verify_cert()?, c.error()))
        })
        .map_err(|e| fail(e.to_string(), e.to_string()))?;
    let subject = signer.tbs_certificate.subject.to_string();
    if !outcome.0 {
        return Err(fail(
            format!(
                "TSA `{subject}` không được tin cậy: chuỗi chứng thư của nó không dẫn tới CA đã cho (--tsa-ca) vào lúc {time}, hoặc chứng thư không dành cho đóng dấu thời gian ({})",
                outcome.1.error_string()
            ),
            format!(
                "TSA `{subject}` is not trusted: its certificate chain does not lead to the CA given (--tsa-ca) at {time}, or the certificate is not for time stamping ({})",
                outcome.1.error_string()
            ),
        ));
    }
    let authority = match &parsed.tst.tsa {
        Some(x509_cert::ext::pkix::name::GeneralName::DirectoryName(name)) => name.to_string(),
        _ => subject,
    };
    let cert_not_after = signer
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_secs();
    Ok(Verified {
        time,
        unix,
        authority,
        algorithm: alg.name().to_string(),
        cert_not_after,
    })
}

/// Whether `sid` names `cert`.
fn identifies(sid: &SignerIdentifier, cert: &Certificate) -> bool {
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            ias.issuer == cert.tbs_certificate.issuer
                && ias.serial_number == cert.tbs_certificate.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => cert
            .tbs_certificate
            .get::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own == *ski),
    }
}

/// Every certificate the tokens of `responses` carry, as PEM, each once.
pub fn certificates_pem(responses: &[Vec<u8>]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    let mut out = String::new();
    for resp in responses {
        let Ok(parsed) = parse(resp, "") else {
            continue;
        };
        for c in parsed.signed.certificates.iter().flatten() {
            if let CertificateChoices::Certificate(c) = c {
                if let Ok(der) = c.to_der() {
                    if seen.insert(der.clone()) {
                        if let Ok(pem) = X509::from_der(&der).and_then(|x| x.to_pem()) {
                            out.push_str(&String::from_utf8_lossy(&pem));
                        }
                    }
                }
            }
        }
    }
    out
}
