//! What a congress is, in events: the payload types of every kind (`payloads`), their JSON
//! Schemas (`schemas`), and decoding with upcasting, so that an event of an older schema
//! version is read as the current type without its stored bytes ever changing.

mod complaint;
pub mod payloads;
pub mod schemas;

pub use payloads::Payload;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("unknown event kind `{kind}`")]
    UnknownKind { kind: String },
    #[error("`{kind}` has no schema version {schema} (this software knows up to {latest})")]
    UnknownSchema {
        kind: String,
        schema: u16,
        latest: u16,
    },
    #[error("payload of `{kind}` does not match its type: {reason}")]
    Mismatch { kind: String, reason: String },
}

/// The newest schema version of each kind: the highest shipped in `schemas/`. Older versions
/// remain readable: [`decode`] upcasts them to the newest type.
pub fn latest_schema(kind: &str) -> Option<u16> {
    crate::catalogue::spec(kind)?;
    schemas::SCHEMAS
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, v, _)| *v)
        .max()
}

/// What a schema version added to its kind: each field, with the JSON an event of the version
/// before is read with (`None`: the field stays absent, as an optional field may).
fn added_in(kind: &str, version: u16) -> &'static [(&'static str, Option<&'static str>)] {
    match (kind, version) {
        ("credentials.reported", 2) => &[("base_exclusions", Some("[]"))],
        ("motion.decided", 2) => &[
            ("election", None),
            ("additions", None),
            ("elections", None),
            ("surplus_percent", None),
        ],
        ("withdrawal.decided", 2) => &[("proposed_by", Some("null"))],
        // Whether a person is local to the organization was not recorded before version 2.
        ("person.registered", 2) => &[("local", Some("null"))],
        _ => &[],
    }
}

/// The first field of a payload of `kind` at `schema` that only a later version has, with that
/// version: an old version does not know it.
pub fn later_field(
    kind: &str,
    schema: u16,
    payload: &serde_json::Map<String, serde_json::Value>,
) -> Option<(&'static str, u16)> {
    (schema.saturating_add(1)..=latest_schema(kind)?).find_map(|version| {
        added_in(kind, version)
            .iter()
            .find(|(field, _)| payload.contains_key(*field))
            .map(|(field, _)| (*field, version))
    })
}

/// Reads a payload of an older schema version as the newest one's JSON: a field the old version
/// did not have is refused (as its type refused unknown fields), then each later version's
/// fields are filled in with what the old event is read as saying.
fn upcast(kind: &str, from: u16, to: u16, bytes: &[u8]) -> Result<Vec<u8>, PayloadError> {
    let mismatch = |reason: String| PayloadError::Mismatch {
        kind: kind.to_string(),
        reason,
    };
    let mut map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(bytes).map_err(|e| mismatch(e.to_string()))?;
    if let Some((field, version)) = later_field(kind, from, &map) {
        return Err(mismatch(format!(
            "unknown field `{field}` in schema {from} (it came with schema {version})"
        )));
    }
    for version in from + 1..=to {
        for &(field, old) in added_in(kind, version) {
            if let Some(text) = old {
                let value = serde_json::from_str(text).map_err(|e| mismatch(e.to_string()))?;
                map.insert(field.to_string(), value);
            }
        }
    }
    serde_json::to_vec(&map).map_err(|e| mismatch(e.to_string()))
}

fn parse<T: serde::de::DeserializeOwned>(kind: &str, bytes: &[u8]) -> Result<T, PayloadError> {
    serde_json::from_slice(bytes).map_err(|e| PayloadError::Mismatch {
        kind: kind.to_string(),
        reason: e.to_string(),
    })
}

/// Decodes a payload of `kind` at `schema` into the current type.
pub fn decode(kind: &str, schema: u16, bytes: &[u8]) -> Result<Payload, PayloadError> {
    let Some(latest) = latest_schema(kind) else {
        return Err(PayloadError::UnknownKind {
            kind: kind.to_string(),
        });
    };
    if schema == 0 || schema > latest {
        return Err(PayloadError::UnknownSchema {
            kind: kind.to_string(),
            schema,
            latest,
        });
    }
    // An older version is read as the newest: `added_in` says what each version added.
    let upcast_bytes;
    let bytes = if schema < latest {
        upcast_bytes = upcast(kind, schema, latest, bytes)?;
        &upcast_bytes[..]
    } else {
        bytes
    };
    Ok(match kind {
        "ledger.created" => Payload::LedgerCreated(parse(kind, bytes)?),
        "key.enrolled" => Payload::KeyEnrolled(parse(kind, bytes)?),
        "key.revoked" => Payload::KeyRevoked(parse(kind, bytes)?),
        "authority.added" => Payload::AuthorityAdded(parse(kind, bytes)?),
        "authority.retired" => Payload::AuthorityRetired(parse(kind, bytes)?),
        "log_key.rotated" => Payload::LogKeyRotated(parse(kind, bytes)?),
        "org.registered" => Payload::OrgRegistered(parse(kind, bytes)?),
        "congress.convened" => Payload::CongressConvened(Box::new(parse(kind, bytes)?)),
        "person.registered" => Payload::PersonRegistered(parse(kind, bytes)?),
        "credentials.reported" => Payload::CredentialsReported(parse(kind, bytes)?),
        "session.opened" => Payload::SessionOpened(parse(kind, bytes)?),
        "motion.decided" => Payload::MotionDecided(parse(kind, bytes)?),
        "election.opened" => Payload::ElectionOpened(parse(kind, bytes)?),
        "nomination.made" => Payload::NominationMade(parse(kind, bytes)?),
        "straw_poll.counted" => Payload::StrawPollCounted(parse(kind, bytes)?),
        "withdrawal.decided" => Payload::WithdrawalDecided(parse(kind, bytes)?),
        "candidate_list.adopted" => Payload::CandidateListAdopted(parse(kind, bytes)?),
        "ballots.issued" => Payload::BallotsIssued(parse(kind, bytes)?),
        "ballots.counted" => Payload::BallotsCounted(parse(kind, bytes)?),
        "election.declared" => Payload::ElectionDeclared(parse(kind, bytes)?),
        "congress.closed" => Payload::CongressClosed(parse(kind, bytes)?),
        "results.approved" => Payload::ResultsApproved(parse(kind, bytes)?),
        "appointment.made" => Payload::AppointmentMade(parse(kind, bytes)?),
        "document.attached" => Payload::DocumentAttached(parse(kind, bytes)?),
        "correction.issued" => Payload::CorrectionIssued(parse(kind, bytes)?),
        "complaint.received" if schema == 1 => {
            Payload::ComplaintReceived(parse::<complaint::ReceivedV1>(kind, bytes)?.into())
        }
        "complaint.received" => {
            Payload::ComplaintReceived(complaint::check_version(schema, parse(kind, bytes)?)?)
        }
        "complaint.assigned" => Payload::ComplaintAssigned(parse(kind, bytes)?),
        "complaint.dismissed" => Payload::ComplaintDismissed(parse(kind, bytes)?),
        "complaint.concluded" => Payload::ComplaintConcluded(parse(kind, bytes)?),
        "complaint.notified" => Payload::ComplaintNotified(parse(kind, bytes)?),
        "complaint.reopened" => Payload::ComplaintReopened(parse(kind, bytes)?),
        "inspection.concluded" => Payload::InspectionConcluded(parse(kind, bytes)?),
        "complaint.shredded" => Payload::ComplaintShredded(parse(kind, bytes)?),
        other => {
            return Err(PayloadError::UnknownKind {
                kind: other.to_string(),
            })
        }
    })
}
