//! Ed25519 verification: strict verification (§2.2), exact, and a batched fast path, not.
//!
//! [`verify_each`] is `verify_strict`, signature by signature, with each signer's decompressed
//! key cached. The ledger accepts appends through it alone, so it never stores an event that
//! the spec's strict rule refuses. For a key that keeps signing it also keeps a table of
//! multiples of `-A` (and one of the basepoint, for all keys), so that `[s]B - [k]A` takes about
//! 64 point additions and no doubling, instead of the double-base multiplication's 253
//! doublings and some 70 additions: the same point, hence the same decision, in about two
//! thirds of the time per signature (`benches/core.rs`, limits).
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
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
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
    minus_a: Option<EdwardsPoint>,
    weak: bool,
    batchable: bool,
}

/// A cached key, with what the strict path keeps for it.
struct Entry {
    known: KnownKey,
    /// Strict verifications with the key, without a table, since it was cached or lost its table.
    uses: AtomicU32,
    table: Option<Arc<Table>>,
    /// Whether the table was used since the eviction hand last passed it.
    recent: AtomicBool,
}

#[derive(Default)]
struct Keys {
    /// Looked up on every signature: a fast hasher, seeded at random, not SipHash.
    known: HashMap<[u8; 32], Entry, foldhash::fast::RandomState>,
    /// The keys that have a table, in the order the eviction hand visits them.
    with_table: Vec<[u8; 32]>,
    hand: usize,
}

/// Keys seen before. Signers are few (enrolled bodies), so the cache saves a decompression,
/// and for batches a torsion check (as costly as a verification), per event. Shared by the
/// threads of one verification.
#[derive(Default)]
pub struct KeyCache {
    keys: parking_lot::RwLock<Keys>,
}

/// The number of distinct keys a cache holds before it starts afresh (a bound on memory).
const KEY_CACHE_LIMIT: usize = 65_536;

/// A table costs about as much to build as this many strict verifications without one
/// (about 1 ms against 32 µs), so a key earns its table after this many: whatever the pattern
/// of signers, even one that makes tables churn, building them at most doubles the work spent
/// on a key, and a key that goes on signing pays its table back within about 80 more events.
const TABLE_AFTER: u32 = 32;

/// Tables kept at once, each about 0.65 MB: at most about 42 MB per cache (plus the shared
/// basepoint table), small beside the index cache (256 MiB by default). The signers that keep
/// signing, the only ones a table pays for, are tens (a congress's presidium and bodies), not
/// the thousands of enrolled keys; beyond this many, a table not used since the eviction hand
/// last passed makes room (second chance), so memory stays bounded however many keys sign, and
/// a key that lost its table earns it again like a new one.
const TABLE_LIMIT: usize = 64;

/// What the strict path multiplies `k` by: `-A`, or its table.
enum MinusA {
    Point(EdwardsPoint),
    Table(Arc<Table>),
}

impl KeyCache {
    /// The number of keys that have a table (tests and diagnostics).
    pub fn tables(&self) -> usize {
        self.keys.read().with_table.len()
    }

    fn known(&self, public: &[u8; 32]) -> KnownKey {
        if let Some(entry) = self.keys.read().known.get(public) {
            return entry.known;
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
        if keys.known.len() >= KEY_CACHE_LIMIT {
            *keys = Keys::default();
        }
        keys.known.entry(*public).or_insert(Entry {
            known,
            uses: AtomicU32::new(0),
            table: None,
            recent: AtomicBool::new(false),
        });
        known
    }

    /// `-A` for a strict verification, or its table: `None` if the key is not a point or is
    /// weak. Counts the use, and builds the key's table on its `TABLE_AFTER`th use.
    fn strict(&self, public: &[u8; 32]) -> Option<MinusA> {
        let minus_a = loop {
            let keys = self.keys.read();
            let Some(entry) = keys.known.get(public) else {
                drop(keys);
                self.known(public);
                continue;
            };
            let minus_a = entry.known.minus_a.filter(|_| !entry.known.weak)?;
            if let Some(table) = &entry.table {
                // Read first: a store on every use would bounce the line between cores.
                if !entry.recent.load(Ordering::Relaxed) {
                    entry.recent.store(true, Ordering::Relaxed);
                }
                return Some(MinusA::Table(Arc::clone(table)));
            }
            // Exactly one thread sees the count reach TABLE_AFTER, and builds.
            if entry.uses.fetch_add(1, Ordering::Relaxed).wrapping_add(1) != TABLE_AFTER {
                return Some(MinusA::Point(minus_a));
            }
            break minus_a;
        };
        let table = Arc::new(Table::new(&minus_a));
        self.install(public, &table);
        Some(MinusA::Table(table))
    }

    fn install(&self, public: &[u8; 32], table: &Arc<Table>) {
        let mut keys = self.keys.write();
        let Keys {
            known,
            with_table,
            hand,
        } = &mut *keys;
        if known.get(public).is_none_or(|e| e.table.is_some()) {
            return; // the cache started afresh meanwhile
        }
        if with_table.len() < TABLE_LIMIT {
            with_table.push(*public);
        } else {
            loop {
                *hand %= with_table.len();
                match known.get_mut(&with_table[*hand]) {
                    Some(old) if old.recent.swap(false, Ordering::Relaxed) => *hand += 1,
                    old => {
                        if let Some(old) = old {
                            old.table = None;
                            *old.uses.get_mut() = 0;
                        }
                        with_table[*hand] = *public;
                        *hand += 1;
                        break;
                    }
                }
            }
        }
        if let Some(entry) = known.get_mut(public) {
            entry.table = Some(Arc::clone(table));
            *entry.recent.get_mut() = true;
        }
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
        .map(|item| match cache.strict(item.public) {
            Some(minus_a) => strict_with_key(item.public, &minus_a, item.message, item.signature),
            None => false,
        })
        .collect()
}

/// `verify_strict`'s decision, computed without decompressing `R`. `verify_strict` refuses a
/// non-canonical `S`, an `R` that does not decompress or is of small order, and a weak key
/// (the caller's check), then accepts iff `compress([s]B − [k]A)` equals `R`'s bytes, with
/// `k = SHA-512(R ‖ A ‖ M)`. Here `R`'s bytes are checked instead: an unreduced `y`, or one of
/// the small-order encodings, is refused (an `R` that does not decompress at all can never
/// equal a compressed point, so the comparison refuses it). The property tests compare this
/// with `verify_strict` on valid, damaged and torsioned signatures, with and without tables:
/// both compute the same point, so only its encoding is compared.
fn strict_with_key(
    public: &[u8; 32],
    minus_a: &MinusA,
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
    let expected = match minus_a {
        MinusA::Point(minus_a) => {
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, minus_a, &s)
        }
        MinusA::Table(minus_a) => double_table_mul(basepoint_table(), &s, minus_a, &k),
    };
    expected.compress().0 == r
}

/// Bits per digit of a table. Measured on the 2-core EPYC (`benches/core.rs`, limits, five
/// signers, three runs each): 21.0 to 21.6 µs per signature with 8, 21.4 to 22.9 with 7 (0.38 MB
/// tables), 22.1 to 23.0 with 6 (0.22 MB), against 32.5 without tables: fewer additions
/// outweigh the cache misses of larger tables, but not by much.
const W: usize = 8;
const HALF: usize = 1 << (W - 1);
/// Digits per scalar. A reduced scalar is below 2^253, and the top digit must take the last
/// carry and still be at most `HALF`: W · WINDOWS ≥ 254 guarantees it.
const WINDOWS: usize = 254usize.div_ceil(W);
const _: () = assert!(W >= 2 && W <= 14 && W * WINDOWS >= 254);

/// `j · 2^(W·i) · P` for every window `i` and `1 ≤ j ≤ HALF`, at `i·HALF + j − 1`: `[x]P` is then
/// one addition (or subtraction) per non-zero digit of `x`, with no doubling.
struct Table(Box<[EdwardsPoint]>);

impl Table {
    fn new(point: &EdwardsPoint) -> Table {
        let mut points = Vec::with_capacity(WINDOWS * HALF);
        let mut base = *point;
        for _ in 0..WINDOWS {
            let mut multiple = base;
            points.push(multiple);
            for _ in 1..HALF {
                multiple += &base;
                points.push(multiple);
            }
            // HALF · base, doubled: the next window's base.
            base = multiple + multiple;
        }
        Table(points.into_boxed_slice())
    }
}

/// The basepoint's table, shared by every cache.
fn basepoint_table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Table::new(&curve25519_dalek::constants::ED25519_BASEPOINT_POINT))
}

/// The signed radix-2^W digits of a reduced scalar: `x = Σ d_i · 2^(W·i)`, with every `d_i` in
/// [−HALF, HALF) except the last, which takes the carry and is in [0, HALF].
fn recode(x: &Scalar) -> [i16; WINDOWS] {
    let bytes = x.as_bytes();
    let mut digits = [0i16; WINDOWS];
    let mut carry = 0;
    for (i, digit) in digits.iter_mut().enumerate() {
        let bit = W * i;
        let mut v = 0u32;
        for (j, b) in bytes.iter().skip(bit / 8).take(3).enumerate() {
            v |= u32::from(*b) << (8 * j);
        }
        let v = ((v >> (bit % 8)) & ((1 << W) - 1)) as i16 + carry;
        carry = i16::from(i + 1 < WINDOWS && v >= HALF as i16);
        *digit = v - (carry << W);
    }
    digits
}

/// `[x]P + [y]Q` from the tables of `P` and `Q`, in variable time (everything verified is public).
/// A digit out of range, impossible for a reduced scalar, indexes past the table and panics
/// rather than compute a wrong point.
fn double_table_mul(p: &Table, x: &Scalar, q: &Table, y: &Scalar) -> EdwardsPoint {
    // The sum is added to in place: moving a point (160 bytes) in and out of an `Option` at
    // every addition cost 3% of a strict whole-log verification (issue 18).
    let mut sum = EdwardsPoint::identity();
    let mut empty = true;
    for (table, scalar) in [(p, x), (q, y)] {
        for (window, digit) in recode(scalar).into_iter().enumerate() {
            if digit == 0 {
                continue;
            }
            let multiple = &table.0[window * HALF + usize::from(digit.unsigned_abs()) - 1];
            match (empty, digit > 0) {
                (true, true) => sum = *multiple,
                (true, false) => sum = -multiple,
                (false, true) => sum += multiple,
                (false, false) => sum -= multiple,
            }
            empty = false;
        }
    }
    sum
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
        // Canonical edge values of S (they reach the point computation): 0, 1, ℓ − 1, ℓ − 2.
        for s in [Scalar::ZERO, Scalar::ONE, -Scalar::ONE, -Scalar::from(2u8)] {
            let mut sig = good;
            sig[32..].copy_from_slice(s.as_bytes());
            cases.push(sig);
        }
        // With the double-base multiplication, and with tables (once the key has earned one).
        let cold = KeyCache::default();
        let warm = KeyCache::default();
        earn_table(&warm, &public, msg, &good);
        for cache in [&cold, &warm] {
            for (i, sig) in cases.iter().enumerate() {
                let item = Item {
                    public: &public,
                    message: msg,
                    signature: sig,
                };
                assert_eq!(
                    verify_each(&[item], cache)[0],
                    verify_strict(&public, msg, sig).is_ok(),
                    "case {i}"
                );
            }
        }
        assert_eq!(cold.tables(), 0);
        assert_eq!(warm.tables(), 1);
        assert!(
            verify_each(
                &[Item {
                    public: &public,
                    message: msg,
                    signature: &good
                }],
                &warm
            )[0]
        );
    }

    /// Verifies one good signature until the key has a table; checks it takes `TABLE_AFTER`
    /// uses (of a new key, or of one that lost its table).
    fn earn_table(cache: &KeyCache, public: &[u8; 32], message: &[u8], signature: &[u8; 64]) {
        let has_table = || {
            cache
                .keys
                .read()
                .known
                .get(public)
                .is_some_and(|e| e.table.is_some())
        };
        let item = || Item {
            public,
            message,
            signature,
        };
        for _ in 1..TABLE_AFTER {
            assert!(verify_each(&[item()], cache)[0]);
            assert!(!has_table());
        }
        assert!(verify_each(&[item()], cache)[0]);
        assert!(has_table());
    }

    /// Deterministic "random" scalars, and the edge values of the recoding.
    fn scalars() -> Vec<Scalar> {
        use sha2::{Digest, Sha512};
        let mut out: Vec<Scalar> = (0..48u32)
            .map(|i| Scalar::from_bytes_mod_order_wide(&Sha512::digest(i.to_le_bytes()).into()))
            .collect();
        let half = HALF as u64;
        for v in [
            0,
            1,
            2,
            half - 1,
            half,
            half + 1,
            2 * half - 1,
            2 * half,
            u64::MAX,
        ] {
            out.push(Scalar::from(v));
            out.push(-Scalar::from(v)); // ℓ − v
        }
        for byte in [0x7f, 0x80, 0xff] {
            out.push(Scalar::from_bytes_mod_order([byte; 32]));
        }
        let mut top = [0u8; 32];
        top[31] = 0x10; // 2^252
        out.push(Scalar::from_bytes_mod_order(top));
        out.push(Scalar::from_bytes_mod_order(top) - Scalar::ONE);
        out
    }

    #[test]
    fn recoding_recombines_to_the_scalar() {
        for x in scalars() {
            let digits = recode(&x);
            for (i, &d) in digits.iter().enumerate() {
                let (lo, hi) = if i + 1 < WINDOWS {
                    (-(HALF as i16), HALF as i16 - 1)
                } else {
                    (0, HALF as i16)
                };
                assert!((lo..=hi).contains(&d), "digit {i} = {d} of {x:?}");
            }
            // Σ d_i · 2^(W·i) as an integer (not only modulo ℓ: a key may carry torsion).
            let mut sum = [0i64; 40];
            for (i, &d) in digits.iter().enumerate() {
                sum[W * i / 8] += i64::from(d) << (W * i % 8);
            }
            let mut carry = 0i64;
            for v in sum.iter_mut() {
                *v += carry;
                carry = v.div_euclid(256);
                *v = v.rem_euclid(256);
            }
            assert_eq!(carry, 0);
            assert!(sum[32..].iter().all(|&v| v == 0), "{x:?}");
            let bytes: Vec<u8> = sum[..32].iter().map(|&v| v as u8).collect();
            assert_eq!(bytes, x.as_bytes(), "{x:?}");
        }
    }

    #[test]
    fn table_multiplication_matches_dalek() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
        let prime = ED25519_BASEPOINT_POINT * Scalar::from(0x5eed_u64);
        // A key may be of mixed order (only small-order keys are refused): the torsion part
        // shows whether the digits add up to the scalar exactly, not just modulo ℓ.
        let mixed = prime + EIGHT_TORSION[1];
        let b = basepoint_table();
        for point in [prime, -prime, mixed] {
            let table = Table::new(&point);
            for x in scalars() {
                let y = x * Scalar::from(3u8) + Scalar::ONE;
                assert_eq!(
                    double_table_mul(&table, &x, &table, &Scalar::ZERO),
                    point * x,
                    "{x:?}"
                );
                assert_eq!(
                    double_table_mul(b, &x, &table, &y),
                    EdwardsPoint::vartime_double_scalar_mul_basepoint(&y, &point, &x),
                    "{x:?}"
                );
                assert_eq!(
                    double_table_mul(b, &x, b, &Scalar::ZERO),
                    EdwardsPoint::mul_base(&x)
                );
            }
        }
    }

    /// A signer whose key is of mixed order: `A = [a]B + T` with `T` of order 2. Its honest
    /// signatures hold under `verify_strict` only when `k` is even, so both decisions occur.
    #[test]
    fn tables_decide_a_mixed_order_key_as_verify_strict_does() {
        use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
        use sha2::{Digest, Sha512};
        let wide = |parts: &[&[u8]]| {
            let mut h = Sha512::new();
            for p in parts {
                h.update(p);
            }
            Scalar::from_bytes_mod_order_wide(&h.finalize().into())
        };
        let a = wide(&[b"mixed"]);
        let public = (ED25519_BASEPOINT_POINT * a + EIGHT_TORSION[4])
            .compress()
            .to_bytes();
        let sign = |message: &[u8]| {
            let r = wide(&[b"nonce", message]);
            let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
            let k = wide(&[&big_r, &public, message]);
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&big_r);
            sig[32..].copy_from_slice((r + k * a).as_bytes());
            sig
        };
        let cache = KeyCache::default();
        let mut seen = [false; 2];
        for i in 0..200u32 {
            let message = i.to_le_bytes();
            let sig = sign(&message);
            let strict = verify_strict(&public, &message, &sig).is_ok();
            seen[usize::from(strict)] = true;
            let item = Item {
                public: &public,
                message: &message,
                signature: &sig,
            };
            assert_eq!(verify_each(&[item], &cache)[0], strict, "message {i}");
        }
        assert_eq!(seen, [true, true]);
        assert_eq!(cache.tables(), 1);
    }

    #[test]
    fn tables_are_bounded_and_the_least_recently_used_makes_room() {
        let msg = b"m";
        let signers: Vec<([u8; 32], [u8; 64])> = (0..TABLE_LIMIT + 2)
            .map(|i| {
                let key = signing_key_from_seed(&[i as u8; 32]);
                (public_key(&key), key.sign(msg).to_bytes())
            })
            .collect();
        let has_table =
            |cache: &KeyCache, i: usize| cache.keys.read().known[&signers[i].0].table.is_some();
        let use_key = |cache: &KeyCache, i: usize| {
            let (public, sig) = &signers[i];
            let item = Item {
                public,
                message: msg,
                signature: sig,
            };
            assert!(verify_each(&[item], cache)[0]);
        };
        let cache = KeyCache::default();
        for (public, sig) in &signers[..TABLE_LIMIT] {
            earn_table(&cache, public, msg, sig);
        }
        assert_eq!(cache.tables(), TABLE_LIMIT);
        // All were used since the hand last passed: it goes round once and takes the first.
        earn_table(
            &cache,
            &signers[TABLE_LIMIT].0,
            msg,
            &signers[TABLE_LIMIT].1,
        );
        assert_eq!(cache.tables(), TABLE_LIMIT);
        assert!(!has_table(&cache, 0));
        // Keys 1 to 9 are used again; the next newcomer takes key 10's table.
        for i in 1..10 {
            use_key(&cache, i);
        }
        earn_table(
            &cache,
            &signers[TABLE_LIMIT + 1].0,
            msg,
            &signers[TABLE_LIMIT + 1].1,
        );
        assert!((1..10).all(|i| has_table(&cache, i)));
        assert!(!has_table(&cache, 10));
        // A key that lost its table earns it again like a new one.
        earn_table(&cache, &signers[0].0, msg, &signers[0].1);
        let keys = cache.keys.read();
        assert_eq!(keys.with_table.len(), TABLE_LIMIT);
        let holders: std::collections::HashSet<_> = keys.with_table.iter().collect();
        assert_eq!(holders.len(), TABLE_LIMIT);
        for (public, entry) in &keys.known {
            assert_eq!(entry.table.is_some(), holders.contains(public));
        }
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
