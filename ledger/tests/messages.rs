//! Every message the library produces exists in Vietnamese and in English (issue 13 §2).
//!
//! `vi()` is an exhaustive `match` for every error type, so a new variant without Vietnamese
//! does not compile; these tests build every variant of every localized error and check that
//! each language is there and is that language: the Vietnamese is not the English copied, and
//! it is written with Vietnamese letters; the English has none.

use std::path::PathBuf;

use ledger::archive::{ArchiveError, ImportError};
use ledger::authority::AuthorityError;
use ledger::crypto::SignatureError;
use ledger::domain::schemas::SchemaError;
use ledger::domain::PayloadError;
use ledger::format::checkpoint::NoteError;
use ledger::format::hash::BadHash;
use ledger::format::merkle::ProofError;
use ledger::format::FormatError;
use ledger::keys::KeyError;
use ledger::messages::{Lang, Localized, Text};
use ledger::rulebook::RulebookError;
use ledger::storage::{Poison, PoisonCause, StorageError};
use ledger::verify::integrity::FailureKind;
use ledger::{AppendError, CosignError, Hash, OpenError};

/// Letters that only Vietnamese text has (among the two languages).
fn is_vietnamese(text: &str) -> bool {
    text.chars()
        .any(|c| "ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ".contains(c))
}

fn check(what: &str, m: &dyn Localized) {
    let (vi, en) = (m.vi(), m.en());
    assert!(!vi.trim().is_empty(), "{what}: no Vietnamese");
    assert!(!en.trim().is_empty(), "{what}: no English");
    assert_ne!(vi, en, "{what}: the Vietnamese is the English");
    assert!(is_vietnamese(&vi), "{what}: `{vi}` is not Vietnamese");
    assert!(!is_vietnamese(&en), "{what}: `{en}` is not English");
}

fn storage() -> Vec<StorageError> {
    vec![
        StorageError::Io {
            path: PathBuf::from("/x/log/0.seg"),
            kind: std::io::ErrorKind::Other,
            message: "disk gone".into(),
        },
        StorageError::Corrupt {
            file: PathBuf::from("/x/log/0.seg"),
            offset: 16,
            position: Some(3),
            reason: "crc".into(),
        },
        StorageError::Index("sled".into()),
        StorageError::Lost("entry 9".into()),
        StorageError::Poisoned(Poison {
            cause: PoisonCause::Fsync,
            disk_full: false,
            detail: "EIO".into(),
        }),
    ]
}

fn authority() -> Vec<AuthorityError> {
    vec![
        AuthorityError::NoGenesis,
        AuthorityError::GenesisOrigin {
            expected: "a".into(),
            found: "b".into(),
        },
        AuthorityError::GenesisSigner,
        AuthorityError::SecondGenesis,
        AuthorityError::BadPayload {
            kind: "key.enrolled".into(),
            reason: Text::new("`roles` rỗng", "`roles` is empty"),
        },
        AuthorityError::UnknownKind {
            kind: "session.opend".into(),
        },
        AuthorityError::WrongStream {
            kind: "session.opened".into(),
            family: "congress/<org>/<term>",
            stream: "ledger".into(),
        },
        AuthorityError::UnknownCorrected {
            corrects: Hash::ZERO.to_hex(),
        },
        AuthorityError::CorrectionStream {
            stream: "congress/a/2020-2025".into(),
            corrected_stream: "congress/b/2020-2025".into(),
        },
        AuthorityError::FromTheFuture {
            time: 2,
            received: 1,
        },
        AuthorityError::Unauthorized {
            signer: "ab".into(),
            kind: "session.opened".into(),
            stream: "congress/a/2020-2025".into(),
            reason: Text::new(
                "khóa chưa được đăng ký trong sổ cái này",
                "the key is not enrolled in this ledger",
            ),
        },
    ]
}

fn schema() -> SchemaError {
    ledger::domain::schemas::validate("session.opened", 1, br#"{"session": 1}"#)
        .expect_err("present is required")
}

#[test]
fn every_library_error_is_in_both_languages() {
    for (i, e) in storage().iter().enumerate() {
        check(&format!("StorageError {i}"), e);
    }
    for (i, e) in authority().iter().enumerate() {
        check(&format!("AuthorityError {i}"), e);
    }
    check("SchemaError", &schema());
    let formats = [
        FormatError::Truncated { what: "entry" },
        FormatError::TrailingBytes {
            what: "entry",
            extra: 2,
        },
        FormatError::TooLarge {
            what: "event",
            len: 9,
            limit: 8,
        },
        FormatError::UnknownFormat {
            found: 9,
            expected: 1,
        },
        FormatError::InvalidUtf8 { field: "stream" },
        FormatError::NotNfc { field: "stream" },
        FormatError::BadText { field: "stream" },
        FormatError::PayloadNotObject {
            reason: "an array".into(),
        },
        FormatError::Malformed {
            what: "entry",
            reason: "x".into(),
        },
    ];
    for (i, e) in formats.iter().enumerate() {
        check(&format!("FormatError {i}"), e);
    }
    let signatures = [
        SignatureError::BadKey,
        SignatureError::WeakKey,
        SignatureError::Invalid,
    ];
    for (i, e) in signatures.iter().enumerate() {
        check(&format!("SignatureError {i}"), e);
    }
    let appends: Vec<AppendError> = vec![
        AppendError::Format(FormatError::Truncated { what: "event" }),
        AppendError::WrongLedger {
            expected: "a".into(),
            found: "b".into(),
        },
        AppendError::Signature(SignatureError::Invalid),
        AppendError::Conflict {
            stream: "s".into(),
            submitted: 1,
            current: 2,
            head: Hash::ZERO,
        },
        AppendError::PrevMismatch {
            stream: "s".into(),
            version: 1,
            expected: Hash::ZERO,
            found: Hash::ZERO,
        },
        AppendError::Schema(schema()),
        AppendError::Unauthorized(AuthorityError::NoGenesis),
        AppendError::Storage(StorageError::Index("x".into())),
        AppendError::Closed,
        AppendError::ReadOnly,
        AppendError::LogKeyNotHeld(ledger::messages::Text::new("khóa", "key")),
    ];
    for (i, e) in appends.iter().enumerate() {
        check(&format!("AppendError {i}"), e);
    }
    let payloads = [
        PayloadError::UnknownKind { kind: "x".into() },
        PayloadError::UnknownSchema {
            kind: "x".into(),
            schema: 9,
            latest: 1,
        },
        PayloadError::Mismatch {
            kind: "x".into(),
            reason: "y".into(),
        },
    ];
    for (i, e) in payloads.iter().enumerate() {
        check(&format!("PayloadError {i}"), e);
    }
    let opens: Vec<OpenError> = vec![
        OpenError::Storage(StorageError::Index("x".into())),
        OpenError::Key(KeyError::Read {
            path: "k".into(),
            message: "gone".into(),
        }),
        OpenError::NotEmpty { path: "d".into() },
        OpenError::NotALedger {
            path: "d".into(),
            missing: "log/",
        },
        OpenError::Genesis("x".into()),
    ];
    for (i, e) in opens.iter().enumerate() {
        check(&format!("OpenError {i}"), e);
    }
    let keys = [
        KeyError::Read {
            path: "k".into(),
            message: "m".into(),
        },
        KeyError::Write {
            path: "k".into(),
            message: "m".into(),
        },
        KeyError::Malformed {
            path: "k".into(),
            reason: "r".into(),
        },
    ];
    for (i, e) in keys.iter().enumerate() {
        check(&format!("KeyError {i}"), e);
    }
    let notes = [
        NoteError::Malformed("x".into()),
        NoteError::BadKey("x".into()),
        NoteError::NotSigned { key: "k".into() },
        NoteError::NotCosigned {
            witness: "w".into(),
        },
        NoteError::Quorum {
            needed: 2,
            found: 1,
            missing: vec!["w".into()],
        },
    ];
    for (i, e) in notes.iter().enumerate() {
        check(&format!("NoteError {i}"), e);
    }
    let rulebooks = [
        RulebookError::Unknown("x".into()),
        RulebookError::Malformed {
            id: "x".into(),
            reason: "y".into(),
        },
    ];
    for (i, e) in rulebooks.iter().enumerate() {
        check(&format!("RulebookError {i}"), e);
    }
    let archives = [
        ArchiveError::Io {
            path: "b".into(),
            message: "m".into(),
        },
        ArchiveError::Exists("b".into()),
        ArchiveError::Storage(StorageError::Index("x".into())),
        ArchiveError::Checkpoint("x".into()),
    ];
    for (i, e) in archives.iter().enumerate() {
        check(&format!("ArchiveError {i}"), e);
    }
    let imports: Vec<ImportError> = vec![
        ImportError::Archive(ArchiveError::Exists("b".into())),
        ImportError::Refused(ledger::messages::Text::new("lý do", "a reason")),
        ImportError::NotEmpty("d".into()),
        ImportError::WrongKey,
        ImportError::Open(OpenError::NotEmpty { path: "d".into() }),
    ];
    for (i, e) in imports.iter().enumerate() {
        check(&format!("ImportError {i}"), e);
    }
    let proofs = [
        ProofError::IndexOutOfRange { index: 3, size: 2 },
        ProofError::SizesOutOfOrder { old: 3, new: 2 },
        ProofError::WrongLength,
        ProofError::RootMismatch,
    ];
    for (i, e) in proofs.iter().enumerate() {
        check(&format!("ProofError {i}"), e);
    }
    let cosigns: Vec<CosignError> = vec![
        CosignError::Note(NoteError::Malformed("x".into())),
        CosignError::NoCheckpoint(3),
        CosignError::Mismatch {
            size: 3,
            ours: Hash::ZERO,
            offered: Hash::ZERO,
        },
        CosignError::Untrusted { found: "w".into() },
        CosignError::Invalid {
            witness: "w".into(),
            size: 3,
        },
        CosignError::Storage(StorageError::Index("x".into())),
    ];
    for (i, e) in cosigns.iter().enumerate() {
        check(&format!("CosignError {i}"), e);
    }
    let acts = [
        ledger::act_proof::ActProofError::NotFound(Hash::ZERO),
        ledger::act_proof::ActProofError::NoCheckpoint(3),
        ledger::act_proof::ActProofError::Storage(StorageError::Index("x".into())),
        ledger::act_proof::ActProofError::Invalid(ledger::messages::Text::new("lý do", "a reason")),
    ];
    for (i, e) in acts.iter().enumerate() {
        check(&format!("ActProofError {i}"), e);
    }
    check("BadHash", &BadHash("xyz".into()));
    use ledger::cases::CaseError;
    use ledger::confidential::store::StoreError;
    use ledger::confidential::ConfidentialError;
    let confidentials = [
        ConfidentialError::NotConfidential {
            kind: "k".into(),
            field: "f".into(),
        },
        ConfidentialError::NoCommitment { field: "f".into() },
        ConfidentialError::Mismatch { field: "f".into() },
        ConfidentialError::BadSalt { field: "f".into() },
        ConfidentialError::Plaintext { field: "f".into() },
    ];
    for (i, e) in confidentials.iter().enumerate() {
        check(&format!("ConfidentialError {i}"), e);
    }
    let stores = [
        StoreError::NoRecipients("d".into()),
        StoreError::BadRecipient("r".into()),
        StoreError::BadIdentity,
        StoreError::BadCase("c".into()),
        StoreError::NoCase("c".into()),
        StoreError::AlreadyStored("c".into()),
        StoreError::Shredded("c".into()),
        StoreError::Decrypt("x".into()),
        StoreError::Encrypt("x".into()),
        StoreError::Io {
            path: "d".into(),
            source: std::io::Error::other("x"),
        },
    ];
    for (i, e) in stores.iter().enumerate() {
        check(&format!("StoreError {i}"), e);
    }
    let cases: Vec<CaseError> = vec![
        CaseError::NoCase("c".into()),
        CaseError::NoCommitments("c".into()),
        CaseError::Missing { field: "f".into() },
        CaseError::NotShredAct,
        CaseError::Confidential(ConfidentialError::BadSalt { field: "f".into() }),
        CaseError::Store(StoreError::BadIdentity),
        CaseError::Append(AppendError::Closed),
        CaseError::Storage(StorageError::Index("x".into())),
        CaseError::Format(FormatError::Truncated { what: "e" }),
    ];
    for (i, e) in cases.iter().enumerate() {
        check(&format!("CaseError {i}"), e);
    }
    use ledger::access::log::AccessLogError;
    use ledger::access::tokens::TokenError;
    check(
        "AccessLogError 0",
        &AccessLogError::Broken {
            line: 2,
            reason: "x".into(),
        },
    );
    check(
        "AccessLogError 1",
        &AccessLogError::Io {
            path: "d".into(),
            source: std::io::Error::other("x"),
        },
    );
    check("TokenError 0", &TokenError::NoGrant("g".into()));
    check("TokenError 1", &TokenError::NoHolder);
    check(
        "TokenError 2",
        &TokenError::File {
            path: "d".into(),
            reason: "x".into(),
        },
    );
    for kind in [
        FailureKind::Framing,
        FailureKind::Encoding,
        FailureKind::Position,
        FailureKind::ReceivedTime,
        FailureKind::LedgerOrigin,
        FailureKind::Signature,
        FailureKind::StreamChain,
        FailureKind::Authority,
        FailureKind::Checkpoint,
    ] {
        check(kind.label(), &ledger::localized::failure_kind(kind));
    }
}

#[test]
fn the_check_itself_catches_a_missing_or_copied_language() {
    let copied = Text::new("signature does not verify", "signature does not verify");
    assert!(std::panic::catch_unwind(|| check("copied", &copied)).is_err());
    let empty = Text::new("", "signature does not verify");
    assert!(std::panic::catch_unwind(|| check("empty", &empty)).is_err());
    check(
        "good",
        &Text::new("chữ ký không đúng", "signature does not verify"),
    );
}

#[test]
fn a_schema_error_names_the_path_and_the_root_as_slash() {
    let root = schema();
    assert_eq!(root.path, "/");
    assert!(
        root.vi().contains("thiếu trường bắt buộc \"present\""),
        "{}",
        root.vi()
    );
    let inner =
        ledger::domain::schemas::validate("session.opened", 1, br#"{"session": 0, "present": 3}"#)
            .expect_err("session is at least 1");
    assert_eq!(inner.path, "/session");
    assert!(
        inner.vi().contains("nhỏ hơn giá trị tối thiểu 1"),
        "{}",
        inner.vi()
    );
    let extra = ledger::domain::schemas::validate(
        "session.opened",
        1,
        br#"{"session": 1, "present": 3, "x": 1}"#,
    )
    .expect_err("no other field");
    assert!(extra.vi().contains("không được phép"), "{}", extra.vi());
}

#[test]
fn a_mistyped_kind_is_answered_with_the_nearest() {
    let e = AuthorityError::UnknownKind {
        kind: "session.opend".into(),
    };
    assert!(
        e.vi().contains("có phải ý bạn là `session.opened`?"),
        "{}",
        e.vi()
    );
}

#[test]
fn accept_language_chooses_english_only_when_it_ranks_above_vietnamese() {
    assert_eq!(Lang::from_accept_language(None), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some("en")), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
    assert_eq!(Lang::from_accept_language(Some("vi,en;q=0.8")), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some("en;q=0.5,vi")), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some("fr")), Lang::Vi);
    assert_eq!(Lang::from_accept_language(Some("en;q=0")), Lang::Vi);
    let t = Text::new("một", "one");
    assert_eq!(Lang::Vi.render(&t), "một");
    assert_eq!(Lang::En.render(&t), "one");
    assert_eq!(Lang::Both.render(&t), "một / one");
}
