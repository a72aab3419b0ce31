//! `confidential`: the commission's key pair, the store's recipients, recording a letter with
//! its confidential fields committed (`receive`), reading a case back with the commission's
//! key (`show`, recorded in the access log), and crypto-shredding a case (`shred`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use ledger::access::log::{AccessLog, ConfidentialRead};
use ledger::confidential::store::{self, SealedCase, Store};
use ledger::confidential::Openings;
use ledger::Ledger;

use crate::text::{both, print_json, server_base};

#[derive(Subcommand)]
pub enum ConfidentialAction {
    /// Make the inspection commission's key pair (age X25519): the secret key goes to OUT
    /// (mode 0600, kept by the commission, never on the server), the recipient (age1…) is
    /// printed, for `confidential init`.
    Keygen {
        /// The secret key file to create (a new file).
        #[arg(long)]
        out: PathBuf,
    },
    /// Set the commission's recipients (age1…) of a ledger's confidential store: each new
    /// case's key is wrapped to them.
    Init {
        /// The ledger directory.
        #[arg(long)]
        ledger: PathBuf,
        /// The commission's recipients (age1…), as `confidential keygen` prints them; several if need be.
        #[arg(long = "recipient", required = true)]
        recipients: Vec<String>,
    },
    /// Record a letter received: its confidential fields (complainant's name and contact,
    /// summary, the letter's digest) committed under fresh salts, the act signed and appended,
    /// the values and the letter deposited in the confidential store, and the openings written
    /// to --openings-out (for the complainant's receipt: `proof export --receipt`).
    Receive {
        #[command(flatten)]
        target: TargetArgs,
        /// The signing key (registrar or inspection).
        #[arg(long)]
        key: PathBuf,
        /// The payload as `complaint.received` schema 3 describes it, with the confidential
        /// fields in plaintext (`complainant.name`, `complainant.contact`, `summary`).
        #[arg(long)]
        payload: PathBuf,
        /// The letter itself: stored encrypted, its digest committed.
        #[arg(long)]
        letter: Option<PathBuf>,
        /// The act's time (RFC 3339); now by default.
        #[arg(long)]
        time: Option<String>,
        /// Where to write the openings (values and salts, JSON, mode 0600).
        #[arg(long)]
        openings_out: PathBuf,
    },
    /// Deposit a case's openings again (after a `receive` whose deposit failed): checked
    /// against the act's commitments, stored once.
    Deposit {
        #[command(flatten)]
        target: TargetArgs,
        /// The case's id.
        #[arg(long)]
        case: String,
        /// The openings file `receive` wrote.
        #[arg(long)]
        openings: PathBuf,
    },
    /// Read a case's confidential values with a commission key; the read is recorded in the
    /// access log (by the server, or here for a local ledger).
    Show {
        #[command(flatten)]
        target: TargetArgs,
        /// The case's id.
        #[arg(long)]
        case: String,
        /// The commission's secret key file (from `confidential keygen`).
        #[arg(long)]
        identity: PathBuf,
        /// Why it is read (kept in the access log).
        #[arg(long)]
        why: Option<String>,
        /// Print the result as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Crypto-shred a case at the end of its retention period: the `complaint.shredded` act is
    /// signed and appended, then the case's key destroyed. Its values become unreadable; every
    /// proof, checkpoint and bag still verifies.
    Shred {
        #[command(flatten)]
        target: TargetArgs,
        /// The case's id.
        #[arg(long)]
        case: String,
        /// The inspection commission's signing key.
        #[arg(long)]
        key: PathBuf,
        /// The last day of the retention period (YYYY-MM-DD).
        #[arg(long)]
        retention_ended: String,
        /// The commission's decision (number and date).
        #[arg(long)]
        decision: String,
        /// The act's time (RFC 3339); now by default.
        #[arg(long)]
        time: Option<String>,
    },
}

#[derive(Args)]
pub struct TargetArgs {
    /// The ledger directory (with no server running on it).
    #[arg(long, required_unless_present = "server", conflicts_with = "server")]
    ledger: Option<PathBuf>,
    /// The server (`http://127.0.0.1:8080`); authenticate with --token.
    #[arg(long)]
    server: Option<String>,
}

enum Target {
    Local(Ledger),
    Server(String),
}

impl Target {
    fn connect(args: &TargetArgs) -> anyhow::Result<Target> {
        match (&args.server, &args.ledger) {
            (Some(s), _) => Ok(Target::Server(server_base(s)?)),
            (None, Some(dir)) => Ok(Target::Local(crate::ledgercmd::open(dir)?)),
            (None, None) => bail!(
                "{}",
                crate::text::both(
                    "hãy chỉ sổ cái bằng --ledger DIR hoặc --server URL",
                    "name the ledger with --ledger DIR or --server URL"
                )
            ),
        }
    }

    fn origin(&self) -> anyhow::Result<String> {
        match self {
            Target::Local(l) => Ok(l.origin().to_string()),
            Target::Server(base) => {
                Ok(crate::client::get::<api::wire::Health>(&format!("{base}/healthz"))?.origin)
            }
        }
    }

    fn head(&self, stream: &str) -> anyhow::Result<(u64, ledger::Hash)> {
        match self {
            Target::Local(l) => Ok(l
                .head(stream)?
                .map_or((0, ledger::Hash::ZERO), |h| (h.next_version, h.hash))),
            Target::Server(base) => {
                let page: api::wire::StreamPage =
                    crate::client::get(&format!("{base}/v1/streams/{stream}?limit=0"))?;
                Ok((page.next_version, page.head))
            }
        }
    }

    /// Signs the next event of `stream` and appends it.
    fn sign(
        &self,
        stream: &str,
        kind: &str,
        time: i64,
        key: &ed25519_dalek::SigningKey,
        payload: &serde_json::Value,
    ) -> anyhow::Result<ledger::SignedEvent> {
        let (version, prev) = self.head(stream)?;
        let schema = ledger::domain::latest_schema(kind).unwrap_or(1);
        Ok(ledger::compose::event(
            &self.origin()?,
            stream,
            version,
            prev,
            kind,
            schema,
            time,
            key,
            payload,
        )?)
    }

    fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> anyhow::Result<T> {
        let Target::Server(base) = self else {
            bail!(
                "{}",
                crate::text::both(
                    "lệnh này cần một máy chủ (--server URL), không phải một thư mục sổ cái",
                    "this needs a server (--server URL), not a ledger directory"
                )
            )
        };
        crate::client::post(&format!("{base}{path}"), content_type, body)
    }
}

fn now_or(time: Option<&str>) -> anyhow::Result<i64> {
    match time {
        Some(t) => crate::ledgercmd::parse_time(t),
        None => Ok(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis() as i64),
    }
}

fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| {
            both(
                &format!("tạo {} (tệp này phải chưa có)", path.display()),
                &format!("creating {} (it must not exist yet)", path.display()),
            )
        })?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    Ok(())
}

pub fn run(action: ConfidentialAction) -> anyhow::Result<ExitCode> {
    match action {
        ConfidentialAction::Keygen { out } => {
            let (secret, recipient) = store::generate_identity();
            write_secret(
                &out,
                &format!("# congress-ledger inspection commission key\n# recipient: {recipient}\n{secret}\n"),
            )?;
            crate::say!("{recipient}");
            Ok(ExitCode::SUCCESS)
        }
        ConfidentialAction::Init { ledger, recipients } => {
            if !ledger.join("log").is_dir() {
                bail!(
                    "{}",
                    both(
                        &format!("{} không phải thư mục sổ cái", ledger.display()),
                        &format!("{} is not a ledger directory", ledger.display())
                    )
                );
            }
            Store::beside(&ledger).set_recipients(&recipients)?;
            crate::say!(
                "{}",
                both(
                    &format!("Đã đặt {} khóa nhận của ủy ban kiểm tra", recipients.len()),
                    &format!(
                        "set {} inspection commission recipient(s)",
                        recipients.len()
                    ),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
        ConfidentialAction::Receive {
            target,
            key,
            payload,
            letter,
            time,
            openings_out,
        } => receive(
            &target,
            &key,
            &payload,
            letter.as_deref(),
            time.as_deref(),
            &openings_out,
        ),
        ConfidentialAction::Deposit {
            target,
            case,
            openings,
        } => {
            let openings = crate::ledgercmd::read_openings(&openings)?;
            let target = Target::connect(&target)?;
            deposit(&target, &case, &openings)?;
            if let Target::Local(l) = target {
                l.close()?;
            }
            crate::say!(
                "{}",
                both("Đã lưu vào kho bảo mật", "stored in the confidential store")
            );
            Ok(ExitCode::SUCCESS)
        }
        ConfidentialAction::Show {
            target,
            case,
            identity,
            why,
            json,
        } => show(&target, &case, &identity, why, json),
        ConfidentialAction::Shred {
            target,
            case,
            key,
            retention_ended,
            decision,
            time,
        } => {
            let key = ledger::keys::read(&key)?;
            let target = Target::connect(&target)?;
            let event = target.sign(
                &format!("complaint/{case}"),
                "complaint.shredded",
                now_or(time.as_deref())?,
                &key,
                &serde_json::json!({"retention_ended": retention_ended, "decision": decision}),
            )?;
            let position = match &target {
                Target::Local(l) => {
                    let dir = l.dir().to_path_buf();
                    ledger::cases::shred(l, &Store::beside(&dir), event.bytes().to_vec())?.position
                }
                Target::Server(_) => {
                    target
                        .post::<api::wire::Appended>(
                            &format!("/v1/confidential/{case}/shred"),
                            "application/octet-stream",
                            event.bytes(),
                        )?
                        .position
                }
            };
            if let Target::Local(l) = target {
                l.close()?;
            }
            crate::say!(
                "{}",
                both(
                    &format!("Đã ghi việc hủy khóa vụ việc {case} (mục {position}) và hủy khóa: thông tin bảo mật không còn đọc được"),
                    &format!("recorded the shredding of case {case} (entry {position}) and destroyed its key: its confidential values are unreadable"),
                )
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn receive(
    target: &TargetArgs,
    key: &Path,
    payload: &Path,
    letter: Option<&Path>,
    time: Option<&str>,
    openings_out: &Path,
) -> anyhow::Result<ExitCode> {
    if openings_out.exists() {
        bail!(
            "{}",
            both(
                &format!("{} đã có; hãy chọn một tệp mới", openings_out.display()),
                &format!(
                    "{} already exists; choose a new file",
                    openings_out.display()
                )
            )
        );
    }
    let key = ledger::keys::read(key)?;
    let text = std::fs::read_to_string(payload).with_context(|| crate::text::reading(payload))?;
    let mut plain: serde_json::Value = serde_json::from_str(&text).with_context(|| {
        both(
            &format!("{} không phải JSON", payload.display()),
            &format!("{} is not JSON", payload.display()),
        )
    })?;
    let case = plain["case"]
        .as_str()
        .with_context(|| {
            both(
                &format!("{} không ghi `case` (mã vụ việc)", payload.display()),
                &format!("{} names no `case`", payload.display()),
            )
        })?
        .to_string();
    let letter = letter
        .map(|p| std::fs::read(p).with_context(|| crate::text::reading(p)))
        .transpose()?;
    if let Some(bytes) = &letter {
        plain["document_sha256"] = ledger::Hash::of(bytes).to_hex().into();
    }
    let kind = "complaint.received";
    let schema = ledger::domain::latest_schema(kind).unwrap_or(1);
    let (sealed, openings) = ledger::confidential::seal(kind, schema, &plain);
    let target = Target::connect(target)?;
    let event = target.sign(
        &format!("complaint/{case}"),
        kind,
        now_or(time)?,
        &key,
        &sealed,
    )?;
    // The openings are written first: if anything later fails, the values are not lost.
    write_secret(
        openings_out,
        &(serde_json::to_string_pretty(&openings)? + "\n"),
    )?;
    match &target {
        Target::Local(l) => {
            let store = Store::beside(l.dir());
            // Nothing is appended unless the values can be stored.
            store.recipients()?;
            l.append(event.bytes().to_vec())?;
            deposit(&target, &case, &openings)?;
            if let Some(bytes) = &letter {
                store.add_document(&case, bytes)?;
            }
        }
        Target::Server(_) => {
            target.post::<api::wire::Appended>(
                "/v1/events",
                "application/octet-stream",
                event.bytes(),
            )?;
            deposit(&target, &case, &openings)?;
            if let Some(bytes) = &letter {
                target.post::<api::wire::DocumentAdded>(
                    &format!("/v1/confidential/{case}/documents"),
                    "application/octet-stream",
                    bytes,
                )?;
            }
        }
    }
    if let Target::Local(l) = target {
        l.close()?;
    }
    crate::say!("{}", event.hash());
    eprintln!(
        "{}",
        both(
            &format!("Đã ghi đơn {case}; tên và nội dung chỉ nằm trong kho bảo mật. Giá trị và muối ở {} (để cấp biên nhận)", openings_out.display()),
            &format!("recorded case {case}; the name and content are only in the confidential store. Values and salts are in {} (for the receipt)", openings_out.display()),
        )
    );
    Ok(ExitCode::SUCCESS)
}

/// Stores the openings of `case`, checked against its act.
fn deposit(target: &Target, case: &str, openings: &Openings) -> anyhow::Result<()> {
    match target {
        Target::Local(l) => {
            ledger::cases::deposit(l, &Store::beside(l.dir()), case, openings)?;
        }
        Target::Server(_) => {
            let body = serde_json::to_vec(&api::wire::Deposit {
                values: openings.clone(),
            })?;
            target
                .post::<api::wire::Deposited>(
                    &format!("/v1/confidential/{case}"),
                    "application/json",
                    &body,
                )
                .with_context(|| {
                    both(
                        &format!("văn bản đã được ghi; hãy gửi lại các giá trị bằng `confidential deposit --case {case} --openings …`"),
                        &format!("the act is recorded; deposit the values again with `confidential deposit --case {case} --openings …`"),
                    )
                })?;
        }
    }
    Ok(())
}

fn show(
    target: &TargetArgs,
    case: &str,
    identity: &Path,
    why: Option<String>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(identity).with_context(|| crate::text::reading(identity))?;
    let identity = store::parse_identity(&text)?;
    let target = Target::connect(target)?;
    let sealed: SealedCase = match &target {
        Target::Local(l) => {
            let sealed = Store::beside(l.dir()).sealed(case)?;
            let act = ledger::cases::case_act(l, case)
                .ok()
                .map(|e| e.event.hash().to_hex());
            AccessLog::beside(l.dir()).record(ConfidentialRead {
                reader: format!("local:{}", std::env::var("USER").unwrap_or_default()),
                role: "inspection".into(),
                case: case.to_string(),
                act,
                what: "values".into(),
                why,
            })?;
            sealed
        }
        Target::Server(base) => {
            let mut path = format!("/v1/confidential/{case}");
            if let Some(why) = &why {
                path = format!("{path}?why={}", url_encode(why));
            }
            crate::client::get::<api::wire::SealedRead>(&format!("{base}{path}"))?.sealed
        }
    };
    if let Target::Local(l) = target {
        l.close()?;
    }
    let openings: Openings = sealed.open(&identity)?;
    if json {
        return print_json(
            &serde_json::json!({"case": case, "values": openings, "documents": sealed.documents}),
        );
    }
    for (field, o) in &openings {
        crate::say!("{field}\t{}", o.value);
    }
    Ok(ExitCode::SUCCESS)
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
