//! ML-DSA-44 (FIPS 204), the post-quantum signature of the log's and the witnesses'
//! cosignatures (C2SP tlog-cosignature, ML-DSA-44 type). The implementation is the `fips204`
//! crate; RustCrypto's `ml-dsa` cross-checks it in `tests/pq.rs` (same seed, same key; each
//! verifies the other's signatures), with NIST's key-generation vectors.
//!
//! A key is kept as its 32-byte seed ξ (FIPS 204 Algorithm 6): the expanded private key is
//! derived from it on load, and the public key recomputed and compared with the stored one.

use fips204::ml_dsa_44;
use fips204::traits::{KeyGen, SerDes, Signer, Verifier};

/// Bytes of an ML-DSA-44 public key.
pub const PUBLIC_BYTES: usize = ml_dsa_44::PK_LEN;
/// Bytes of an ML-DSA-44 signature.
pub const SIGNATURE_BYTES: usize = ml_dsa_44::SIG_LEN;

/// An ML-DSA-44 signing key, with its seed (to store it) and its public key.
#[derive(Clone)]
pub struct MlDsa44Key {
    seed: [u8; 32],
    public: Box<[u8; PUBLIC_BYTES]>,
    private: Box<ml_dsa_44::PrivateKey>,
}

impl MlDsa44Key {
    /// The key FIPS 204's `ML-DSA.KeyGen_internal` derives from the seed ξ.
    pub fn from_seed(seed: &[u8; 32]) -> MlDsa44Key {
        let (public, private) = ml_dsa_44::KG::keygen_from_seed(seed);
        MlDsa44Key {
            seed: *seed,
            public: Box::new(public.into_bytes()),
            private: Box::new(private),
        }
    }

    /// A new key from the operating system's random source.
    pub fn generate() -> MlDsa44Key {
        let mut seed = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
        MlDsa44Key::from_seed(&seed)
    }

    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    pub fn public(&self) -> &[u8; PUBLIC_BYTES] {
        &self.public
    }

    /// A hedged ML-DSA-44 signature of `message` (empty context, FIPS 204 Algorithm 2).
    pub fn sign(&self, message: &[u8]) -> Result<[u8; SIGNATURE_BYTES], &'static str> {
        self.private.try_sign(message, &[])
    }
}

impl std::fmt::Debug for MlDsa44Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MlDsa44Key({}…)", hex::encode(&self.public[..8]))
    }
}

/// Whether `signature` is a valid ML-DSA-44 signature of `message` (empty context) by
/// `public`. A public key that does not decode verifies nothing.
pub fn verify(public: &[u8; PUBLIC_BYTES], message: &[u8], signature: &[u8]) -> bool {
    let Ok(signature) = <[u8; SIGNATURE_BYTES]>::try_from(signature) else {
        return false;
    };
    ml_dsa_44::PublicKey::try_from_bytes(*public)
        .is_ok_and(|pk| pk.verify(message, &signature, &[]))
}
