//! The Vietnamese of every library error, beside its English (`Display`): one exhaustive
//! `match` per error type, so that a variant added without its Vietnamese does not compile.
//! Kept apart from [`crate::messages`] (which every module may use) because it knows every
//! error type: nothing in the library depends on it, so no module cycle runs through it.

use crate::access::log::AccessLogError;
use crate::access::tokens::TokenError;
use crate::act_proof::ActProofError;
use crate::archive::{ArchiveError, ImportError};
use crate::authority::AuthorityError;
use crate::cases::CaseError;
use crate::confidential::store::StoreError;
use crate::confidential::ConfidentialError;
use crate::crypto::SignatureError;
use crate::domain::schemas::SchemaError;
use crate::domain::PayloadError;
use crate::engine::CosignError;
use crate::engine::{AppendError, OpenError};
use crate::format::checkpoint::NoteError;
use crate::format::hash::BadHash;
use crate::format::merkle::ProofError;
use crate::format::FormatError;
use crate::keys::KeyError;
use crate::messages::{Localized, Text};
use crate::monitor::MonitorError;
use crate::rulebook::RulebookError;
use crate::storage::{PoisonCause, StorageError};
use crate::tiles::{TileError, MAX_ENTRY};
use crate::timestamp::LongTermError;

macro_rules! english_is_display {
    ($($t:ty),* $(,)?) => {
        $(impl Localized for $t {
            fn vi(&self) -> String {
                vi(self)
            }
            fn en(&self) -> String {
                self.to_string()
            }
        })*
    };
}

english_is_display!(
    AppendError,
    AuthorityError,
    SchemaError,
    PayloadError,
    FormatError,
    SignatureError,
    StorageError,
    OpenError,
    KeyError,
    NoteError,
    RulebookError,
    ArchiveError,
    ImportError,
    ProofError,
    CosignError,
    ActProofError,
    BadHash,
    ConfidentialError,
    CaseError,
    StoreError,
    AccessLogError,
    TokenError,
    LongTermError,
    MonitorError,
    TileError,
);

/// The Vietnamese of one error: each type's `match` below.
trait Vietnamese {
    fn vietnamese(&self) -> String;
}

fn vi(e: &impl Vietnamese) -> String {
    e.vietnamese()
}

impl Vietnamese for AppendError {
    fn vietnamese(&self) -> String {
        match self {
            AppendError::Format(e) => format!("sự kiện sai định dạng: {}", e.vi()),
            AppendError::WrongLedger { expected, found } => {
                format!("sự kiện dành cho sổ cái `{found}`, nhưng sổ cái này là `{expected}`")
            }
            AppendError::Signature(e) => format!("chữ ký không hợp lệ: {}", e.vi()),
            AppendError::TooLarge { bytes, limit } => format!(
                "sự kiện dài {bytes} byte, vượt giới hạn {limit} byte của sự kiện mới: tài liệu dài hãy đính kèm thành tệp (blob)"
            ),
            AppendError::Conflict {
                stream,
                submitted,
                current,
                head,
            } => format!(
                "xung đột phiên bản ở `{stream}`: sự kiện mang phiên bản {submitted}, nhưng phiên bản kế tiếp của luồng là {current} (đầu luồng {head}); hãy đọc lại luồng và ký lại theo đầu luồng"
            ),
            AppendError::PrevMismatch {
                stream,
                version,
                expected,
                found,
            } => format!(
                "`prev` của `{stream}` phiên bản {version} là {found}, nhưng đầu luồng là {expected}"
            ),
            AppendError::Schema(e) => e.vi(),
            AppendError::Unauthorized(e) => format!("không có thẩm quyền: {}", e.vi()),
            AppendError::Storage(e) => format!("lưu trữ: {}", e.vi()),
            AppendError::Closed => "sổ cái đã đóng".into(),
            AppendError::ReadOnly => "sổ cái này là bản sao chỉ đọc (không giữ khóa sổ cái): hãy ghi vào sổ cái gốc mà nó sao".into(),
            AppendError::LogKeyNotHeld(t) => t.vi.clone(),
        }
    }
}

impl Vietnamese for AuthorityError {
    fn vietnamese(&self) -> String {
        use crate::authority::MAX_CLOCK_SKEW_MS;
        match self {
            AuthorityError::NoGenesis => {
                "sự kiện đầu tiên phải là `ledger.created` ở phiên bản 0 của luồng `ledger`".into()
            }
            AuthorityError::GenesisOrigin { expected, found } => format!(
                "`ledger.created` ghi tên sổ `{found}`, nhưng sổ cái này là `{expected}`"
            ),
            AuthorityError::GenesisSigner => {
                "`ledger.created` phải do một trong các cơ quan có thẩm quyền mà nó nêu tên ký".into()
            }
            AuthorityError::SecondGenesis => {
                "`ledger.created` chỉ có một lần, là sự kiện đầu tiên".into()
            }
            AuthorityError::BadPayload { kind, reason } => {
                format!("nội dung của `{kind}` không hợp lệ: {}", reason.vi)
            }
            AuthorityError::UnknownKind { kind } => {
                let hint = crate::catalogue::closest_kind(kind)
                    .map(|k| format!("; có phải ý bạn là `{k}`?"))
                    .unwrap_or_default();
                format!("loại hành vi `{kind}` không có trong danh mục{hint}")
            }
            AuthorityError::WrongStream {
                kind,
                family,
                stream,
            } => format!("loại `{kind}` thuộc các luồng {family}, không thuộc `{stream}`"),
            AuthorityError::UnknownCorrected { corrects } => format!(
                "`correction.issued` đính chính {corrects}, là hành vi không có trong sổ cái này"
            ),
            AuthorityError::CorrectionStream {
                stream,
                corrected_stream,
            } => format!(
                "bản đính chính phải ghi vào luồng của hành vi được đính chính (`{corrected_stream}`), không phải `{stream}`"
            ),
            AuthorityError::FromTheFuture { time, received } => format!(
                "hành vi ghi thời điểm {time} (ms), sớm hơn thời điểm sổ cái nhận nó ({received} ms) quá {MAX_CLOCK_SKEW_MS} ms; hãy ký với thời điểm hiện tại"
            ),
            AuthorityError::Unauthorized {
                signer,
                kind,
                stream,
                reason,
            } => format!(
                "khóa ký {signer} không được ký `{kind}` trong `{stream}`: {}",
                reason.vi
            ),
        }
    }
}

impl Vietnamese for SchemaError {
    fn vietnamese(&self) -> String {
        format!(
            "nội dung của `{}` (lược đồ {}) không khớp lược đồ tại `{}`: {}",
            self.kind, self.schema, self.path, self.message_vi
        )
    }
}

impl Vietnamese for PayloadError {
    fn vietnamese(&self) -> String {
        match self {
            PayloadError::UnknownKind { kind } => format!("loại hành vi `{kind}` không xác định"),
            PayloadError::UnknownSchema {
                kind,
                schema,
                latest,
            } => format!(
                "`{kind}` không có lược đồ phiên bản {schema} (phần mềm này biết đến phiên bản {latest})"
            ),
            PayloadError::Mismatch { kind, reason } => {
                format!("nội dung của `{kind}` không khớp kiểu dữ liệu: {reason}")
            }
        }
    }
}

impl Vietnamese for FormatError {
    fn vietnamese(&self) -> String {
        match self {
            FormatError::Truncated { what } => {
                format!("bị cắt cụt: {what} kết thúc trước độ dài đã khai")
            }
            FormatError::TrailingBytes { what, extra } => {
                format!("{what} còn thừa {extra} byte sau trường cuối cùng")
            }
            FormatError::TooLarge { what, len, limit } => {
                format!("{what} dài {len} byte, vượt giới hạn {limit}")
            }
            FormatError::UnknownFormat { found, expected } => format!(
                "phiên bản định dạng {found} không xác định (phần mềm này đọc phiên bản {expected})"
            ),
            FormatError::InvalidUtf8 { field } => format!("trường `{field}` không phải UTF-8"),
            FormatError::NotNfc { field } => {
                format!("trường `{field}` không ở dạng chuẩn hóa Unicode NFC")
            }
            FormatError::BadText { field } => {
                format!("trường `{field}` rỗng hoặc chứa ký tự điều khiển")
            }
            FormatError::PayloadNotObject { reason } => {
                format!("nội dung không phải một đối tượng JSON: {reason}")
            }
            FormatError::Malformed { what, reason } => format!("{what} sai cấu trúc: {reason}"),
        }
    }
}

impl Vietnamese for SignatureError {
    fn vietnamese(&self) -> String {
        match self {
            SignatureError::BadKey => "khóa ký không phải khóa công khai Ed25519 hợp lệ".into(),
            SignatureError::WeakKey => "khóa ký yếu (bậc nhỏ) nên bị từ chối".into(),
            SignatureError::Invalid => "chữ ký không đúng".into(),
        }
    }
}

/// Why a ledger stopped accepting writes, in Vietnamese (`PoisonCause::words` in English).
pub fn poison_cause(cause: PoisonCause) -> &'static str {
    match cause {
        PoisonCause::Fsync => "một lần fsync thất bại",
        PoisonCause::CutBack => "một lần ghi thất bại mà không cắt bỏ được",
        PoisonCause::IndexUpdate => "một lần cập nhật chỉ mục thất bại",
        PoisonCause::Read => "một lần đọc thất bại trên đường ghi",
    }
}

impl Vietnamese for StorageError {
    fn vietnamese(&self) -> String {
        match self {
            StorageError::Io { path, message, .. } => {
                format!("lỗi vào/ra ở {}: {message}", path.display())
            }
            StorageError::Corrupt {
                file,
                offset,
                position,
                reason,
            } => format!(
                "{} bị hỏng tại byte {offset}{}: {reason}",
                file.display(),
                position.map(|p| format!(" (mục {p})")).unwrap_or_default()
            ),
            StorageError::Index(e) => format!("lỗi cơ sở dữ liệu chỉ mục: {e}"),
            StorageError::Lost(e) => format!("dữ liệu đã xác nhận bị mất: {e}"),
            StorageError::Poisoned(p) => format!(
                "sổ cái ngừng nhận ghi sau {} ({}); hãy mở lại (khởi động lại máy chủ) để phục hồi",
                poison_cause(p.cause),
                p.detail
            ),
        }
    }
}

impl Vietnamese for OpenError {
    fn vietnamese(&self) -> String {
        match self {
            OpenError::Storage(e) => e.vi(),
            OpenError::Key(e) => e.vi(),
            OpenError::NotEmpty { path } => format!(
                "{} đã có một sổ cái (hoặc tệp khác); hãy chọn một thư mục trống hoặc mới",
                path.display()
            ),
            OpenError::NotALedger { path, missing } => format!(
                "{} không phải thư mục sổ cái (không có {missing})",
                path.display()
            ),
            OpenError::Genesis(e) => format!("sự kiện khởi tạo không chấp nhận được: {e}"),
        }
    }
}

impl Vietnamese for KeyError {
    fn vietnamese(&self) -> String {
        match self {
            KeyError::Read { path, message } => {
                format!("không đọc được tệp khóa {}: {message}", path.display())
            }
            KeyError::Write { path, message } => {
                format!("không ghi được tệp khóa {}: {message}", path.display())
            }
            KeyError::Malformed { path, reason } => format!(
                "{} không phải tệp khóa của congress-ledger: {reason}",
                path.display()
            ),
        }
    }
}

impl Vietnamese for NoteError {
    fn vietnamese(&self) -> String {
        match self {
            NoteError::Malformed(e) => format!("ghi chú điểm kiểm sai cấu trúc: {e}"),
            NoteError::BadKey(e) => format!("khóa kiểm tra sai cấu trúc: {e}"),
            NoteError::NotSigned { key } => {
                format!("ghi chú không có chữ ký hợp lệ nào của `{key}`")
            }
            NoteError::NotCosigned { witness } => {
                format!("ghi chú không có chữ ký đồng ký hợp lệ của nhân chứng `{witness}`")
            }
            NoteError::Quorum {
                needed,
                found,
                missing,
            } => format!(
                "{found} nhân chứng tin cậy đã đồng ký điểm kiểm, cần {needed} (chưa đồng ký: {})",
                missing.join(", ")
            ),
        }
    }
}

impl Vietnamese for RulebookError {
    fn vietnamese(&self) -> String {
        match self {
            RulebookError::Unknown(id) => {
                format!("không có bộ quy tắc `{id}` (có: qd244-2014, qd190-2024)")
            }
            RulebookError::Malformed { id, reason } => {
                format!("bộ quy tắc `{id}` sai cấu trúc: {reason}")
            }
        }
    }
}

impl Vietnamese for ArchiveError {
    fn vietnamese(&self) -> String {
        match self {
            ArchiveError::Io { path, message } => {
                format!("lỗi vào/ra ở {}: {message}", path.display())
            }
            ArchiveError::Exists(path) => format!(
                "{} đã có; hãy chọn một đường dẫn mới cho hồ sơ lưu trữ",
                path.display()
            ),
            ArchiveError::Storage(e) => e.vi(),
            ArchiveError::Checkpoint(e) => {
                format!("sổ cái không ký được điểm kiểm để xuất hồ sơ: {e}")
            }
        }
    }
}

impl Vietnamese for ImportError {
    fn vietnamese(&self) -> String {
        match self {
            ImportError::Archive(e) => e.vi(),
            ImportError::Refused(e) => {
                format!(
                    "hồ sơ lưu trữ không kiểm tra đạt nên không được nhập: {}",
                    e.vi
                )
            }
            ImportError::NotEmpty(path) => format!(
                "{} đã có tệp; hãy nhập vào một thư mục mới hoặc trống",
                path.display()
            ),
            ImportError::WrongKey => {
                "khóa ký đã cho không phải khóa sổ cái mà hồ sơ nêu tên".into()
            }
            ImportError::Open(e) => e.vi(),
        }
    }
}

impl Vietnamese for ProofError {
    fn vietnamese(&self) -> String {
        match self {
            ProofError::IndexOutOfRange { index, size } => {
                format!("vị trí {index} không nhỏ hơn cỡ cây {size}")
            }
            ProofError::SizesOutOfOrder { old, new } => {
                format!("cỡ cũ {old} lớn hơn cỡ mới {new}")
            }
            ProofError::WrongLength => "chứng minh có số mã băm không đúng với các cỡ này".into(),
            ProofError::RootMismatch => "chứng minh không dẫn tới gốc mong đợi".into(),
        }
    }
}

impl Vietnamese for CosignError {
    fn vietnamese(&self) -> String {
        match self {
            CosignError::Note(e) => format!("không đọc được điểm kiểm đã đồng ký: {}", e.vi()),
            CosignError::NoCheckpoint(size) => format!(
                "sổ cái này chưa ký điểm kiểm nào ở cỡ {size}; hãy đồng ký một điểm kiểm nó đã cung cấp"
            ),
            CosignError::Mismatch {
                size,
                ours,
                offered,
            } => format!(
                "ghi chú không phải điểm kiểm cỡ {size} của sổ cái này: gốc của nó là {offered}, của sổ cái này là {ours}"
            ),
            CosignError::Untrusted { found } => format!(
                "không chữ ký nào là của nhân chứng mà sổ cái này chấp nhận (có: {found}); hãy khởi động máy chủ với --witness cho từng khóa nhân chứng"
            ),
            CosignError::Invalid { witness, size } => format!(
                "chữ ký đồng ký của `{witness}` không đúng trên điểm kiểm cỡ {size} của sổ cái này"
            ),
            CosignError::Storage(e) => e.vi(),
        }
    }
}

impl Vietnamese for ActProofError {
    fn vietnamese(&self) -> String {
        match self {
            ActProofError::NotFound(h) => format!("sổ cái này không có sự kiện mã băm {h}"),
            ActProofError::NoCheckpoint(p) => {
                format!("sổ cái chưa có điểm kiểm nào bao mục {p}")
            }
            ActProofError::Storage(e) => e.vi(),
            ActProofError::Invalid(e) => format!("chứng minh không đúng: {}", e.vi),
        }
    }
}

impl Vietnamese for BadHash {
    fn vietnamese(&self) -> String {
        format!(
            "`{}` không phải mã băm: cần 64 chữ số thập lục phân viết thường",
            self.0
        )
    }
}

impl Vietnamese for ConfidentialError {
    fn vietnamese(&self) -> String {
        match self {
            ConfidentialError::NotConfidential { kind, field } => {
                format!("trường `{field}` không phải trường bảo mật của `{kind}`")
            }
            ConfidentialError::NoCommitment { field } => {
                format!("trường `{field}` không có cam kết trong bản ghi")
            }
            ConfidentialError::Mismatch { field } => {
                format!("giá trị và muối của `{field}` không khớp với cam kết trong bản ghi")
            }
            ConfidentialError::BadSalt { field } => {
                format!("muối của `{field}` phải là 64 chữ số hex (32 byte)")
            }
            ConfidentialError::Plaintext { field } => format!(
                "trường bảo mật `{field}` phải là một cam kết `{{\"commitment\": …}}`, không phải giá trị rõ"
            ),
        }
    }
}

impl Vietnamese for CaseError {
    fn vietnamese(&self) -> String {
        match self {
            CaseError::NoCase(case) => {
                format!("không có vụ việc `{case}` trong sổ (luồng complaint/{case})")
            }
            CaseError::NoCommitments(case) => format!(
                "bản ghi mở vụ việc `{case}` không chứa cam kết nào (lược đồ cũ ghi rõ giá trị)"
            ),
            CaseError::Missing { field } => {
                format!("thiếu giá trị của trường bảo mật `{field}` mà bản ghi đã cam kết")
            }
            CaseError::NotShredAct => {
                "đây không phải bản ghi `complaint.shredded` của một vụ việc".into()
            }
            CaseError::Confidential(e) => e.vi(),
            CaseError::Store(e) => e.vi(),
            CaseError::Append(e) => e.vi(),
            CaseError::Storage(e) => e.vi(),
            CaseError::Format(e) => e.vi(),
        }
    }
}

impl Vietnamese for StoreError {
    fn vietnamese(&self) -> String {
        match self {
            StoreError::NoRecipients(dir) => format!(
                "chưa có khóa nhận của ủy ban kiểm tra trong {}: chạy `congress-ledger confidential init --recipient age1…`",
                dir.display()
            ),
            StoreError::BadRecipient(r) => format!("`{r}` không phải khóa nhận age X25519 (age1…)"),
            StoreError::BadIdentity => {
                "không đọc được khóa bí mật age (AGE-SECRET-KEY-1…)".into()
            }
            StoreError::BadCase(case) => format!("mã vụ việc `{case}` không hợp lệ"),
            StoreError::NoCase(case) => format!("vụ việc `{case}` không có dữ liệu bảo mật"),
            StoreError::AlreadyStored(case) => {
                format!("dữ liệu bảo mật của vụ việc `{case}` đã được lưu; không ghi đè")
            }
            StoreError::Shredded(case) => format!(
                "khóa của vụ việc `{case}` đã bị hủy khi hết thời hạn lưu trữ: không thể đọc"
            ),
            StoreError::Decrypt(e) => format!(
                "không giải mã được bằng khóa này (không phải khóa của ủy ban kiểm tra?): {e}"
            ),
            StoreError::Encrypt(e) => format!("mã hóa thất bại: {e}"),
            StoreError::Io { path, source } => {
                format!("lỗi vào/ra ở {}: {source}", path.display())
            }
        }
    }
}

impl Vietnamese for AccessLogError {
    fn vietnamese(&self) -> String {
        match self {
            AccessLogError::Broken { line, reason } => {
                format!("nhật ký truy cập hỏng ở dòng {line}: {reason}")
            }
            AccessLogError::Io { path, source } => {
                format!("lỗi vào/ra ở {}: {source}", path.display())
            }
        }
    }
}

impl Vietnamese for TileError {
    fn vietnamese(&self) -> String {
        match self {
            TileError::Io { path, message } => format!("không ghi/đọc được {path}: {message}"),
            TileError::Missing { path } => format!("thiếu {path} trong các ô đã công bố"),
            TileError::Bad { path, reason } => format!("{path} không hợp lệ: {reason}"),
            TileError::TooLarge { position, bytes } => format!(
                "mục {position} dài {bytes} byte, vượt giới hạn {MAX_ENTRY} byte của tlog-tiles: không công bố được sổ cái này (tài liệu phải là tệp đính kèm)"
            ),
            TileError::Conflict(c) => format!("đích công bố đã có một điểm kiểm khác: {c}"),
            TileError::Storage(e) => e.vi(),
        }
    }
}

impl Vietnamese for MonitorError {
    fn vietnamese(&self) -> String {
        match self {
            MonitorError::Storage(e) => e.vi(),
            MonitorError::Open(e) => e.vi(),
            MonitorError::Mirror(t) => t.vi.clone(),
        }
    }
}

impl Vietnamese for TokenError {
    fn vietnamese(&self) -> String {
        match self {
            TokenError::NoGrant(id) => {
                format!("không có quyền đọc nào mang mã `{id}` (xem `congress-ledger access list`)")
            }
            TokenError::NoHolder => "tên người giữ không được để trống".into(),
            TokenError::File { path, reason } => {
                format!("tệp quyền đọc {}: {reason}", path.display())
            }
        }
    }
}

/// The Vietnamese and English of an integrity failure's kind.
pub fn failure_kind(kind: crate::verify::integrity::FailureKind) -> Text {
    use crate::verify::integrity::FailureKind as K;
    let vi = match kind {
        K::Framing => "khung dữ liệu",
        K::Encoding => "mã hóa",
        K::Position => "vị trí",
        K::ReceivedTime => "thời điểm nhận",
        K::LedgerOrigin => "tên sổ cái",
        K::Signature => "chữ ký",
        K::StreamChain => "chuỗi của luồng",
        K::Authority => "thẩm quyền",
        K::Checkpoint => "điểm kiểm",
        K::Tiles => "ô dữ liệu (tiles)",
    };
    Text::new(vi, kind.label())
}

impl Vietnamese for LongTermError {
    fn vietnamese(&self) -> String {
        let LongTermError { link, why } = self;
        format!("{link}: {}", why.vi)
    }
}
