//! `GET /tlog/<path>`: the log as C2SP tlog-tiles, computed from the ledger
//! (`ledger::tiles::publish::serve`). Every tile and bundle is immutable and cacheable
//! forever; the checkpoint is not cached.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::events::blocking;
use crate::problem::Problem;
use crate::AppState;
use ledger::messages::Text;

pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

pub async fn object(
    State(state): State<Arc<AppState>>,
    Path(path): Path<String>,
) -> Result<Response, Problem> {
    let wanted = path.clone();
    let found = blocking(move || {
        ledger::tiles::publish::serve(&state.ledger, &wanted).map_err(|e| {
            Problem::failure(
                StatusCode::INTERNAL_SERVER_ERROR,
                Text::new("lỗi đọc ô dữ liệu", "tiles unreadable"),
                Text::new(
                    "Máy chủ không dựng được ô dữ liệu này từ sổ cái; hãy báo người vận hành kèm mã yêu cầu (request_id) để tra nhật ký.",
                    "The server could not make this tile from the ledger; give the operator the request_id to find the cause in its log.",
                ),
                e,
            )
        })
    })
    .await?;
    let Some((bytes, immutable)) = found else {
        return Err(Problem::not_found(Text::new(
            format!("không có /tlog/{path}: không phải đường dẫn tlog-tiles, hoặc sổ cái chưa dài đến thế"),
            format!("no /tlog/{path}: not a tlog-tiles path, or the log is not that large yet"),
        )));
    };
    let (kind, cache) = if immutable {
        ("application/octet-stream", IMMUTABLE)
    } else {
        ("text/plain; charset=utf-8", "no-cache")
    };
    Ok((
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)],
        bytes,
    )
        .into_response())
}
