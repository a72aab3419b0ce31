//! Ed25519 verification: strict verification (§2.2), exact, and a batched fast path, not.
//!
//! [`verify_each`] is `verify_strict`, signature by signature, with each signer's decompressed
//! key cached. The ledger accepts appends through it alone, so it never stores an event that
//! the spec's strict rule refuses.
//!
//! [`verify_batched`] is the verifier's fast mode: ed25519-dalek's `verify_batch`, entered only
//! by signatures whose key is valid, not weak and torsion-free, whose `R` is a canonical
//! encoding of a point not of small order and whose `S` is canonical; anything else, and every
//! item of a batch that fails as a whole, is decided by `verify_strict`. One gap remains, and
//! no cheap check closes it: the batch equation is cofactorless with coefficients derived from
//! the inputs, so the holder of a key can craft a signature whose `R` carries a small-order
//! component that strict verification refuses and a batch accepts (about half the time, and
//! the signer can retry). Such an event can only be in a log the ledger did not write (appends
//! are strict); to rule it out, verify with strict signatures.

use std::collections::HashMap;

use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signature, SigningKey, VerifyingKey};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signer key is not a valid Ed25519 public key")]
    BadKey,
    #[error("signer key is weak (small order) and is refused")]
    WeakKey,
    #[error("signature does not verify")]
    Invalid,
}

pub fn verify_strict(
    public: &[u8; 32],
    message: &[u8],
    signature: &[u8; 64],
) -> Result<(), SignatureError> {
    let key = VerifyingKey::from_bytes(public).map_err(|_| SignatureError::BadKey)?;
    if key.is_weak() {
        return Err(SignatureError::WeakKey);
    }
    key.verify_strict(message, &Signature::from_bytes(signature))
        .map_err(|_| SignatureError::Invalid)
}

/// The public key of a signing key, as the 32 bytes that go into `signer`.
pub fn public_key(key: &SigningKey) -> [u8; 32] {
    key.verifying_key().to_bytes()
}

/// A signing key from a 32-byte seed (RFC 8032 private key).
pub fn signing_key_from_seed(seed: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(seed)
}

/// One signature to check in a batch.
pub struct Item<'a> {
    pub public: &'a [u8; 32],
    pub message: &'a [u8],
    pub signature: &'a [u8; 64],
}

/// What is known of a signer key: its decompressed form (None if it is not a point), its
/// negation (for recomputing `R`), whether it is weak (refused by strict verification) and
/// whether it may enter a batch.
#[derive(Clone, Copy)]
struct KnownKey {
    key: Option<VerifyingKey>,
    minus_a: Option<curve25519_dalek::EdwardsPoint>,
    weak: bool,
    batchable: bool,
}

/// Keys seen before. Signers are few (enrolled bodies), so the cache saves a decompression,
/// and for batches a torsion check (as costly as a verification), per event. Shared by the
/// threads of one verification.
#[derive(Default)]
pub struct KeyCache {
    keys: parking_lot::RwLock<HashMap<[u8; 32], KnownKey>>,
}

/// The number of distinct keys a cache holds before it starts afresh (a bound on memory).
const KEY_CACHE_LIMIT: usize = 65_536;

impl KeyCache {
    fn known(&self, public: &[u8; 32]) -> KnownKey {
        if let Some(known) = self.keys.read().get(public) {
            return *known;
        }
        let key = VerifyingKey::from_bytes(public).ok();
        let weak = key.is_some_and(|k| k.is_weak());
        let batchable = !weak
            && key.is_some()
            && CompressedEdwardsY(*public)
                .decompress()
                .is_some_and(|p| p.is_torsion_free());
        let known = KnownKey {
            key,
            minus_a: key.map(|k| -k.to_edwards()),
            weak,
            batchable,
        };
        let mut keys = self.keys.write();
        if keys.len() >= KEY_CACHE_LIMIT {
            keys.clear();
        }
        keys.insert(*public, known);
        known
    }

    fn batchable(&self, public: &[u8; 32]) -> Option<VerifyingKey> {
        let k = self.known(public);
        k.key.filter(|_| k.batchable)
    }
}

/// Exactly `verify_strict` for each item (§2.2); `result[i]` says whether item `i` verifies.
pub fn verify_each(items: &[Item<'_>], cache: &KeyCache) -> Vec<bool> {
    items
        .iter()
        .map(|item| {
            let known = cache.known(item.public);
            match known.minus_a {
                Some(minus_a) if !known.weak => {
                    strict_with_key(item.public, &minus_a, item.message, item.signature)
                }
                _ => false,
            }
        })
        .collect()
}

/// `verify_strict`'s decision, computed without decompressing `R`. `verify_strict` refuses a
/// non-canonical `S`, an `R` that does not decompress or is of small order, and a weak key
/// (the caller's check), then accepts iff `compress([s]B − [k]A)` equals `R`'s bytes, with
/// `k = SHA-512(R ‖ A ‖ M)`. Here `R`'s bytes are checked instead: an unreduced `y`, or one of
/// the small-order encodings, is refused (an `R` that does not decompress at all can never
/// equal a compressed point, so the comparison refuses it). The property tests compare this
/// with `verify_strict` on valid, damaged and torsioned signatures.
fn strict_with_key(
    public: &[u8; 32],
    minus_a: &curve25519_dalek::EdwardsPoint,
    message: &[u8],
    signature: &[u8; 64],
) -> bool {
    use sha2::{Digest, Sha512};
    let mut r = [0u8; 32];
    r.copy_from_slice(&signature[..32]);
    if y_not_reduced(&r) || small_order_encodings().contains(&r) {
        return false;
    }
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(&signature[32..]);
    let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
        return false;
    };
    let mut h = Sha512::new();
    h.update(r);
    h.update(public);
    h.update(message);
    let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
    curve25519_dalek::EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, minus_a, &s)
        .compress()
        .0
        == r
}

/// Every encoding with `y < p` of a small-order point: the eight torsion points, each also
/// with the sign bit flipped (for x = 0 that is the non-canonical "-0"; otherwise it is the
/// negated point, already in the set).
fn small_order_encodings() -> &'static [[u8; 32]; 16] {
    static SET: std::sync::OnceLock<[[u8; 32]; 16]> = std::sync::OnceLock::new();
    SET.get_or_init(|| {
        let mut set = [[0u8; 32]; 16];
        for (i, p) in curve25519_dalek::constants::EIGHT_TORSION
            .iter()
            .enumerate()
        {
            let c = p.compress().0;
            set[2 * i] = c;
            set[2 * i + 1] = c;
            set[2 * i + 1][31] ^= 0x80;
        }
        set
    })
}

/// Whether the 255-bit `y` of an encoding is at least p = 2^255 - 19 (non-canonical).
fn y_not_reduced(enc: &[u8; 32]) -> bool {
    enc[31] & 0x7f == 0x7f && enc[1..31].iter().all(|&b| b == 0xff) && enc[0] >= 0xed
}

/// `R` must be a canonical encoding of a point that is not of small order, and `S` a canonical
/// scalar: the conditions `verify_strict` adds to the cofactorless equation. Checked on the
/// bytes alone, because a decompression costs as much as a third of a batched verification.
fn signature_batchable(signature: &[u8; 64]) -> bool {
    let mut r = [0u8; 32];
    r.copy_from_slice(&signature[..32]);
    if y_not_reduced(&r) || small_order_encodings().contains(&r) {
        return false;
    }
    let mut s = [0u8; 32];
    s.copy_from_slice(&signature[32..]);
    bool::from(Scalar::from_canonical_bytes(s).is_some())
}

/// The fast mode: batches, with the gap the module documentation describes. Items that may
/// not be batched, and the items of a failed batch, are verified one by one with
/// `verify_strict`.
pub fn verify_batched(items: &[Item<'_>], cache: &KeyCache) -> Vec<bool> {
    let mut result = vec![false; items.len()];
    let mut batch_idx = Vec::with_capacity(items.len());
    let mut keys = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        match cache.batchable(item.public) {
            Some(key) if signature_batchable(item.signature) => {
                batch_idx.push(i);
                keys.push(key);
            }
            _ => result[i] = verify_strict(item.public, item.message, item.signature).is_ok(),
        }
    }
    if batch_idx.is_empty() {
        return result;
    }
    let messages: Vec<&[u8]> = batch_idx.iter().map(|&i| items[i].message).collect();
    let signatures: Vec<Signature> = batch_idx
        .iter()
        .map(|&i| Signature::from_bytes(items[i].signature))
        .collect();
    if ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok() {
        for &i in &batch_idx {
            result[i] = true;
        }
    } else {
        for &i in &batch_idx {
            let item = &items[i];
            result[i] = verify_strict(item.public, item.message, item.signature).is_ok();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer;

    fn signed(seed: u8, msg: &[u8]) -> ([u8; 32], [u8; 64]) {
        let key = signing_key_from_seed(&[seed; 32]);
        (public_key(&key), key.sign(msg).to_bytes())
    }

    #[test]
    fn batch_agrees_with_strict_and_finds_the_bad_one() {
        let msgs: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i; 10]).collect();
        let mut sigs: Vec<([u8; 32], [u8; 64])> = msgs
            .iter()
            .enumerate()
            .map(|(i, m)| signed(i as u8 + 1, m))
            .collect();
        sigs[7].1[40] ^= 1;
        let items: Vec<Item> = msgs
            .iter()
            .zip(&sigs)
            .map(|(m, (p, s))| Item {
                public: p,
                message: m,
                signature: s,
            })
            .collect();
        let result = verify_batched(&items, &KeyCache::default());
        for (i, ok) in result.iter().enumerate() {
            assert_eq!(*ok, i != 7, "item {i}");
        }
    }

    #[test]
    fn small_order_key_is_refused_even_with_a_matching_equation() {
        // The identity point as key with R = identity and S = 0 satisfies the cofactorless
        // equation for every message; strict verification must still refuse it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&identity);
        let item = Item {
            public: &identity,
            message: b"anything",
            signature: &sig,
        };
        assert_eq!(verify_batched(&[item], &KeyCache::default()), vec![false]);
        assert!(verify_strict(&identity, b"anything", &sig).is_err());
    }

    #[test]
    fn the_fast_strict_path_decides_edge_encodings_as_verify_strict_does() {
        let key = signing_key_from_seed(&[8; 32]);
        let public = public_key(&key);
        let msg = b"an act of the congress";
        let good = key.sign(msg).to_bytes();
        let mut cases = vec![good];
        // Every small-order R, and an unreduced one, with the real S.
        for enc in small_order_encodings() {
            let mut sig = good;
            sig[..32].copy_from_slice(enc);
            cases.push(sig);
        }
        let mut unreduced = good;
        unreduced[..32].copy_from_slice(&[0xff; 32]);
        unreduced[31] = 0x7f;
        cases.push(unreduced);
        // S + L: the same scalar, not canonical.
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let mut l = [0u8; 32];
        l[..16].copy_from_slice(&[
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14,
        ]);
        l[31] = 0x10;
        let mut s_plus_l = good;
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(good[32 + i]) + u16::from(l[i]) + carry;
            s_plus_l[32 + i] = v as u8;
            carry = v >> 8;
        }
        cases.push(s_plus_l);
        let cache = KeyCache::default();
        for (i, sig) in cases.iter().enumerate() {
            let item = Item {
                public: &public,
                message: msg,
                signature: sig,
            };
            assert_eq!(
                verify_each(&[item], &cache)[0],
                verify_strict(&public, msg, sig).is_ok(),
                "case {i}"
            );
        }
        assert!(
            verify_each(
                &[Item {
                    public: &public,
                    message: msg,
                    signature: &good
                }],
                &cache
            )[0]
        );
    }

    #[test]
    fn small_order_or_unreduced_r_never_enters_a_batch() {
        for enc in small_order_encodings() {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(enc);
            assert!(!signature_batchable(&sig));
            let point = CompressedEdwardsY(*enc).decompress();
            assert!(point.is_none_or(|p| p.is_small_order()));
        }
        let mut sig = [0u8; 64];
        sig[..32].copy_from_slice(&[0xff; 32]);
        sig[0] = 0xee;
        sig[31] = 0x7f;
        assert!(
            !signature_batchable(&sig),
            "y = p + 1 is not a canonical encoding"
        );
        let (_, good) = signed(3, b"m");
        assert!(signature_batchable(&good));
    }
}
