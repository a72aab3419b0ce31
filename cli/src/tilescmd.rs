//! `publish` and the tiles destinations and sources: a directory, an S3-compatible bucket
//! (`s3://bucket/prefix`, through the `object_store` crate), or a web server (`http(s)://…`,
//! read-only: `serve`'s `/tlog/`, or a bucket's public address).
//!
//! The bucket's endpoint and credentials come from the environment, as for any S3 client:
//! `AWS_ENDPOINT_URL` (e.g. `http://127.0.0.1:9000`), `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_REGION` (default `us-east-1`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use ledger::tiles::{DirStore, TileError, TileStore};

use crate::text::both;

#[derive(Args)]
pub struct PublishArgs {
    /// The ledger directory.
    #[arg(long)]
    ledger: PathBuf,
    /// Where: a directory, or `s3://bucket/prefix`.
    #[arg(long)]
    to: String,
    /// Print the result as JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// A bucket through `object_store`, driven from synchronous code on a runtime of its own.
struct Bucket {
    url: String,
    store: object_store::aws::AmazonS3,
    prefix: String,
    runtime: tokio::runtime::Runtime,
}

impl Bucket {
    fn open(url: &str) -> anyhow::Result<Bucket> {
        let rest = url.strip_prefix("s3://").unwrap_or(url);
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            anyhow::bail!(
                "`{url}`: {}",
                both(
                    "thiếu tên bucket; hãy viết s3://bucket/tiền-tố",
                    "no bucket name; write s3://bucket/prefix"
                )
            );
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_allow_http(true);
        if let Ok(endpoint) = std::env::var("AWS_ENDPOINT_URL") {
            builder = builder.with_endpoint(endpoint);
        }
        if std::env::var("AWS_REGION").is_err() && std::env::var("AWS_DEFAULT_REGION").is_err() {
            builder = builder.with_region("us-east-1");
        }
        let store = builder.build().with_context(|| {
            both(
                &format!("cấu hình bucket của {url}"),
                &format!("configuring the bucket of {url}"),
            )
        })?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .with_context(|| {
                both(
                    "khởi động trình khách của bucket",
                    "starting the bucket client's runtime",
                )
            })?;
        Ok(Bucket {
            url: url.to_string(),
            store,
            prefix: prefix.trim_matches('/').to_string(),
            runtime,
        })
    }

    fn key(&self, path: &str) -> object_store::path::Path {
        if self.prefix.is_empty() {
            object_store::path::Path::from(path)
        } else {
            object_store::path::Path::from(format!("{}/{path}", self.prefix))
        }
    }
}

impl TileStore for Bucket {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), TileError> {
        use object_store::ObjectStoreExt;
        let payload = object_store::PutPayload::from(bytes.to_vec());
        self.runtime
            .block_on(self.store.put(&self.key(path), payload))
            .map(|_| ())
            .map_err(|e| TileError::io(&format!("{}/{path}", self.url), e))
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TileError> {
        use object_store::ObjectStoreExt;
        let key = self.key(path);
        self.runtime.block_on(async {
            match self.store.get(&key).await {
                Ok(got) => got
                    .bytes()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| TileError::io(&format!("{}/{path}", self.url), e)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(TileError::io(&format!("{}/{path}", self.url), e)),
            }
        })
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}

/// Tiles read over HTTP (read-only).
struct Web {
    base: String,
    agent: ureq::Agent,
}

impl TileStore for Web {
    fn put(&self, path: &str, _: &[u8]) -> Result<(), TileError> {
        Err(TileError::io(
            &format!("{}/{path}", self.base),
            "không ghi được qua HTTP / HTTP is read-only here: publish to a directory or s3://",
        ))
    }

    fn get(&self, path: &str) -> Result<Option<Vec<u8>>, TileError> {
        let url = format!("{}/{path}", self.base);
        match self.agent.get(&url).call() {
            Ok(resp) => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes)
                    .map_err(|e| TileError::io(&url, e))?;
                Ok(Some(bytes))
            }
            Err(ureq::Error::Status(404, _)) => Ok(None),
            Err(e) => Err(TileError::io(&url, e)),
        }
    }

    fn describe(&self) -> String {
        self.base.clone()
    }
}

/// The tiles at `url`: `s3://bucket/prefix`, `http(s)://…`, or a directory.
pub fn store(url: &str) -> anyhow::Result<Box<dyn TileStore>> {
    if url.starts_with("s3://") {
        return Ok(Box::new(Bucket::open(url)?));
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Ok(Box::new(Web {
            base: url.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(30))
                .build(),
        }));
    }
    Ok(Box::new(DirStore::new(Path::new(url))))
}

/// The local tile cache for `url`: `--cache` if given, else a directory named after the URL
/// under `$XDG_CACHE_HOME` (or `~/.cache`) `/congress-ledger/tiles/`.
pub fn cache(url: &str, given: Option<&Path>) -> DirStore {
    if let Some(dir) = given {
        return DirStore::cache(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let name: String = url
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    DirStore::cache(&base.join("congress-ledger").join("tiles").join(name))
}

/// Opens a published log, trusting nothing but `log_key`.
pub fn open_tiles(
    url: &str,
    cache_dir: Option<&Path>,
    log_key: &str,
) -> anyhow::Result<ledger::tiles::read::TileLog> {
    let key = crate::text::log_key(log_key)?;
    Ok(ledger::tiles::read::TileLog::open(
        store(url)?,
        Some(cache(url, cache_dir)),
        key,
    )?)
}

pub fn publish(args: PublishArgs) -> anyhow::Result<ExitCode> {
    let ledger = crate::ledgercmd::open(&args.ledger)?;
    let note = ledger.sign_checkpoint().map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            both(
                "ký một điểm kiểm tra để công bố",
                "signing a checkpoint to publish"
            ),
            crate::text::render(&e)
        )
    })?;
    let note = ledger.with_cosignatures(note);
    let to = store(&args.to)?;
    let done = ledger::tiles::publish::publish(&ledger, &*to, &note)?;
    ledger.close()?;
    if args.json {
        crate::text::print_json(&done)?;
    } else {
        crate::say!(
            "{} {} → {}: {} {}..{}, {} {}, {} {}, {} {}, {} {}",
            both("Đã công bố", "Published"),
            args.ledger.display(),
            args.to,
            both("mục", "entries"),
            done.from,
            done.size,
            done.bundles,
            both("gói", "bundles"),
            done.tiles,
            both("ô", "tiles"),
            done.blobs,
            both("tệp đính kèm", "blobs"),
            done.bytes,
            both("byte", "bytes")
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `serve --publish URL`: keeps the tiles at `url` up to date as the log grows, on a thread
/// of its own (each new checkpoint, with the cosignatures it has then). Failures are logged
/// and retried; the destination's checkpoint always stays backed by its tiles. Returns once
/// `stop` is set, after publishing the latest checkpoint.
pub fn follow(
    ledger: std::sync::Arc<ledger::Ledger>,
    url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> anyhow::Result<std::thread::JoinHandle<()>> {
    let to = store(&url)?;
    std::thread::Builder::new()
        .name("tiles-publisher".into())
        .spawn(move || {
            let mut published: Option<ledger::SignedNote> = None;
            loop {
                let stopping = stop.load(std::sync::atomic::Ordering::Acquire);
                let latest = ledger.checkpoint().map(|n| ledger.with_cosignatures(n));
                if let Some(note) = latest.filter(|n| Some(n) != published.as_ref()) {
                    match ledger::tiles::publish::publish(&ledger, &*to, &note) {
                        Ok(done) => {
                            tracing::info!(
                                to = %url, size = done.size, tiles = done.tiles,
                                bundles = done.bundles, "published"
                            );
                            published = Some(note);
                        }
                        Err(e) => tracing::error!(to = %url, error = %e, "publishing failed"),
                    }
                }
                if stopping {
                    return;
                }
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
        })
        .with_context(|| both("khởi động bộ công bố", "starting the publisher"))
}
