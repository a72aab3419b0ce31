//! Selective disclosure: an act's proof (`act_proof`) with the values and salts of chosen
//! confidential fields, checked against the act's commitments. A complainant's receipt is one:
//! the proof of the `complaint.received` (case, received date, inclusion in a signed
//! checkpoint) with the openings of their own identity fields, so that they alone can later
//! prove that the commission had their letter on that day.

use crate::messages::Text;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::act_proof::{self, ActProof, ActProofError, VerifiedAct};
use crate::confidential::{ConfidentialError, Openings};
use crate::format::VerifierKey;
use crate::verify::witnessed::WitnessPolicy;

pub const FORMAT: &str = "congress-ledger-disclosure/v1";

/// The complainant's own fields: what a receipt discloses.
pub const RECEIPT_FIELDS: &[&str] = &["complainant.name", "complainant.contact"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disclosure {
    pub format: String,
    pub proof: ActProof,
    /// The disclosed fields: value and salt of each.
    pub disclosed: Openings,
}

/// The proof `proof` with the openings of `fields`, taken from `openings` (a field the act
/// does not hold is an error; a receipt's fields that the act does not hold are skipped by
/// [`receipt`]).
pub fn disclose(
    proof: ActProof,
    openings: &Openings,
    fields: &[String],
) -> Result<Disclosure, ConfidentialError> {
    let mut disclosed = Openings::new();
    for f in fields {
        let o = openings
            .get(f)
            .ok_or_else(|| ConfidentialError::NoCommitment { field: f.clone() })?;
        disclosed.insert(f.clone(), o.clone());
    }
    Ok(Disclosure {
        format: FORMAT.into(),
        proof,
        disclosed,
    })
}

/// A complainant's receipt: the proof with the openings of their own identity fields.
pub fn receipt(proof: ActProof, openings: &Openings) -> Disclosure {
    let disclosed = openings
        .iter()
        .filter(|(f, _)| RECEIPT_FIELDS.contains(&f.as_str()))
        .map(|(f, o)| (f.clone(), o.clone()))
        .collect();
    Disclosure {
        format: FORMAT.into(),
        proof,
        disclosed,
    }
}

/// What a verified disclosure shows: the act, and each disclosed field's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedDisclosure {
    pub act: VerifiedAct,
    pub disclosed: BTreeMap<String, Value>,
}

/// Checks the act's proof (as `act_proof::verify_witnessed`), then each disclosed value and
/// salt against the act's commitment of that field.
pub fn verify(
    d: &Disclosure,
    log_key: &VerifierKey,
    policy: Option<&WitnessPolicy>,
) -> Result<VerifiedDisclosure, ActProofError> {
    if d.format != FORMAT {
        return Err(ActProofError::Invalid(Text::new(
            format!("định dạng `{}` không phải {FORMAT}", d.format),
            format!("format `{}` is not {FORMAT}", d.format),
        )));
    }
    let act = act_proof::verify_witnessed(&d.proof, log_key, policy)?;
    let schema = act_schema(&d.proof)?;
    crate::confidential::check(&act.kind, schema, &act.payload, &d.disclosed)
        .map_err(|e| ActProofError::Invalid(Text::of(&e)))?;
    let disclosed = d
        .disclosed
        .iter()
        .map(|(f, o)| (f.clone(), o.value.clone()))
        .collect();
    Ok(VerifiedDisclosure { act, disclosed })
}

/// The act's schema version, from its entry (the verified act does not carry it).
fn act_schema(proof: &ActProof) -> Result<u16, ActProofError> {
    let bytes = hex::decode(&proof.act.entry).map_err(|_| {
        ActProofError::Invalid(Text::new(
            "mục của hành vi không phải chuỗi hex",
            "the act's entry is not hex",
        ))
    })?;
    let entry =
        crate::format::Entry::decode(&bytes).map_err(|e| ActProofError::Invalid(Text::of(&e)))?;
    Ok(entry.event.body().schema)
}
