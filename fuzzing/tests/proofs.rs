//! Merkle proofs verify if and only if they are the right ones: the right leaf at the right
//! position in a tree of the right size with the right root. Every single change to one of
//! them fails, with one exception that RFC 9162 has by design and that the tests name: an
//! inclusion proof does not bind the tree size beyond the shape of its path, so a size with the
//! same path shape (same inner and border lengths, RFC 9162 §2.1.3.2) verifies against the same
//! root. Sizes and roots come together from a signed checkpoint, which is what binds them.

use ledger::format::merkle::{self, MemoryTree};
use ledger::Hash;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    Config {
        cases: std::env::var("FUZZ_CASES")
            .ok()
            .and_then(|v| v.replace('_', "").parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..Config::default()
    }
}

fn tree(size: u64, salt: u64) -> (MemoryTree, Vec<Hash>) {
    let leaves: Vec<Hash> = (0..size)
        .map(|i| merkle::leaf_hash(&[salt.to_le_bytes(), i.to_le_bytes()].concat()))
        .collect();
    let mut t = MemoryTree::new();
    for l in &leaves {
        t.push(*l);
    }
    (t, leaves)
}

/// RFC 9162's decomposition of an inclusion path: hashes below the split from the last leaf,
/// and hashes along the right border.
fn shape(index: u64, size: u64) -> (u32, u32) {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner, border)
}

#[derive(Debug, Clone)]
enum Change {
    Leaf(u8),
    Index(u64),
    Size(u64),
    Root(u8),
    ProofHash(usize, u8),
    DropLast,
    AppendRoot,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0u8..32).prop_map(Change::Leaf),
        any::<u64>().prop_map(Change::Index),
        any::<u64>().prop_map(Change::Size),
        (0u8..32).prop_map(Change::Root),
        (any::<usize>(), 0u8..32).prop_map(|(i, b)| Change::ProofHash(i, b)),
        Just(Change::DropLast),
        Just(Change::AppendRoot),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_inclusion_proof_verifies_iff_it_is_the_right_one(
        size in 1u64..600,
        at in any::<prop::sample::Index>(),
        salt in any::<u64>(),
        change in change(),
        small in any::<bool>(),
    ) {
        let (t, leaves) = tree(size, salt);
        let index = at.index(size as usize) as u64;
        let root = t.root();
        let proof = merkle::inclusion_proof(&t, index, size).unwrap().unwrap();
        let leaf = leaves[index as usize];
        prop_assert!(merkle::verify_inclusion(&leaf, index, size, &proof, &root).is_ok());

        let (mut l, mut i, mut n, mut r, mut p) = (leaf, index, size, root, proof.clone());
        // Near values matter more than far ones: half the changed numbers stay close.
        let near = |x: u64, d: u64| if small { x.wrapping_add(d % 7).wrapping_sub(3) } else { d };
        let expect_ok = match change {
            Change::Leaf(b) => { l.0[b as usize] ^= 1; false }
            Change::Index(d) => { i = near(index, d); i == index }
            Change::Size(d) => {
                n = near(size, d);
                n == size || (index < n && shape(index, n) == shape(index, size))
            }
            Change::Root(b) => { r.0[b as usize] ^= 1; false }
            Change::ProofHash(k, b) => {
                if p.is_empty() { true } else { let k = k % p.len(); p[k].0[b as usize] ^= 1; false }
            }
            Change::DropLast => p.pop().is_none(),
            Change::AppendRoot => { p.push(root); false }
        };
        let verified = merkle::verify_inclusion(&l, i, n, &p, &r).is_ok();
        prop_assert_eq!(verified, expect_ok, "{:?}: leaf {} of {}", change, index, size);
    }

    #[test]
    fn a_consistency_proof_verifies_iff_it_is_the_right_one(
        new in 1u64..400,
        at in any::<prop::sample::Index>(),
        salt in any::<u64>(),
        change in change(),
    ) {
        let (t, _) = tree(new, salt);
        let old = at.index(new as usize + 1) as u64;
        let roots = |n: u64| merkle::root(&t, n).unwrap();
        let proof = merkle::consistency_proof(&t, old, new).unwrap().unwrap();
        let (old_root, new_root) = (roots(old), roots(new));
        prop_assert!(merkle::verify_consistency(old, new, &old_root, &new_root, &proof).is_ok());

        let (mut o, mut nr, mut p) = (old_root, new_root, proof.clone());
        // From the empty tree there is nothing to prove: any proof but the empty one is refused
        // and the roots are not looked at (RFC 9162 implementations do the same).
        let from_empty = old == 0;
        let expect_ok = match change {
            Change::Leaf(b) => { o.0[b as usize] ^= 1; from_empty }
            Change::Root(b) => { nr.0[b as usize] ^= 1; from_empty }
            Change::ProofHash(k, b) => {
                if p.is_empty() { true } else { let k = k % p.len(); p[k].0[b as usize] ^= 1; false }
            }
            Change::DropLast => p.pop().is_none(),
            Change::AppendRoot => { p.push(new_root); false }
            // Sizes: checked below, against the proof each size pair really has.
            Change::Index(_) | Change::Size(_) => true,
        };
        let verified = merkle::verify_consistency(old, new, &o, &nr, &p).is_ok();
        prop_assert_eq!(verified, expect_ok, "{:?}: {} -> {}", change, old, new);

        // Another old size with this pair's proof and roots is refused whenever that size's own
        // proof has another length.
        if let Change::Size(d) | Change::Index(d) = change {
            let other = d % (new + 1);
            if other != old && other != 0 {
                let own = merkle::consistency_proof(&t, other, new).unwrap().unwrap();
                if own.len() != proof.len() {
                    prop_assert!(
                        merkle::verify_consistency(other, new, &old_root, &new_root, &proof).is_err(),
                        "{} -> {} accepted as {} -> {}", old, new, other, new
                    );
                }
            }
        }
    }
}
