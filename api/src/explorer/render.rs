//! The explorer's pages as static files, for the archive bag's `data/render/` (issue 17 §5):
//! a record a person can read in fifty years with a browser alone.
//!
//! The pages are the server's own, asked of the router in process (no socket, no server):
//! from the home page and the complaints page, in Vietnamese and English, every link to a
//! congress, an act, a progress page or an act's proof file is followed once. Links are made
//! relative to the file that holds them; links to what is not rendered (search, the live API)
//! are dropped, and scripts are removed: nothing in the render needs JavaScript.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::AppState;

/// The most bytes one rendered page or proof may have.
const MAX_PAGE_BYTES: usize = 16 << 20;

/// The pages of the explorer over `state`'s ledger, as (path under the render directory,
/// bytes), sorted by path. Fails, naming the page, if one the pages link to cannot be made.
pub async fn render(state: Arc<AppState>) -> Result<Vec<(String, Vec<u8>)>, String> {
    let app = crate::router(state);
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut queue: VecDeque<String> = ["/", "/?lang=en", "/complaints", "/complaints?lang=en"]
        .into_iter()
        .map(str::to_string)
        .collect();
    // By file: `/x` and `/x?lang=vi` are one page.
    let mut seen: HashSet<String> = queue.iter().filter_map(|u| file_of(u)).collect();
    while let Some(url) = queue.pop_front() {
        let Some(file) = file_of(&url) else {
            continue;
        };
        let request = Request::get(&url)
            .body(Body::empty())
            .map_err(|e| format!("{url}: {e}"))?;
        let response = app
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_PAGE_BYTES)
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!(
                "{url} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        if !file.ends_with(".html") {
            files.insert(file, bytes.to_vec());
            continue;
        }
        let html = String::from_utf8_lossy(&bytes);
        let html = strip_scripts(&html);
        let (html, links) = relink(&html, &url, &file);
        for link in links {
            if file_of(&link).is_some_and(|f| seen.insert(f)) {
                queue.push_back(link);
            }
        }
        files.insert(file, html.into_bytes());
    }
    Ok(files.into_iter().collect())
}

/// A path segment safe as a file name and in a relative link as it is.
fn plain(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The file a URL of the explorer is rendered to, or None for what is not rendered.
fn file_of(url: &str) -> Option<String> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let en = query.split('&').any(|p| p == "lang=en");
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if !segments.iter().all(|s| plain(s)) && path != "/" {
        return None;
    }
    let page = |base: String| Some(format!("{base}{}", if en { ".en.html" } else { ".html" }));
    match segments.as_slice() {
        [""] => page("index".into()),
        ["complaints"] => page("complaints".into()),
        ["congresses", org, term] => page(format!("congresses/{org}/{term}")),
        ["acts", hash] => page(format!("acts/{hash}")),
        ["progress", org] => page(format!("progress/{org}")),
        ["v1", "proofs", "act", hash] => Some(format!("proofs/{hash}.json")),
        ["explorer", "style.css"] => Some("explorer/style.css".into()),
        _ => None,
    }
}

/// `<script>` elements removed: the render is read without JavaScript.
fn strip_scripts(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</script>") {
            Some(end) => rest = &rest[start + end + "</script>".len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The page with each `href`/`src`/`action` made relative to `file` (or dropped when it
/// points at what is not rendered), and the explorer URLs it links to.
fn relink(html: &str, url: &str, file: &str) -> (String, Vec<String>) {
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    let up = "../".repeat(file.matches('/').count());
    let mut out = String::with_capacity(html.len());
    let mut links = Vec::new();
    let mut rest = html;
    loop {
        let next = ["href=\"", "src=\"", "action=\""]
            .iter()
            .filter_map(|a| rest.find(a).map(|i| (i, a.len())))
            .min();
        let Some((at, len)) = next else {
            break;
        };
        let value_start = at + len;
        let Some(value_len) = rest[value_start..].find('"') else {
            break;
        };
        let value = &rest[value_start..value_start + value_len];
        let target = value.replace("&amp;", "&");
        let absolute = if target.starts_with('?') {
            Some(format!("{path}{target}"))
        } else if target.starts_with('/') {
            Some(target.clone())
        } else {
            None
        };
        out.push_str(&rest[..at]);
        match absolute {
            // In-page anchors and outside links stay as they are.
            None => out.push_str(&rest[at..value_start + value_len + 1]),
            Some(absolute) => {
                if let Some(to) = file_of(&absolute) {
                    out.push_str(&rest[at..value_start]);
                    out.push_str(&up);
                    out.push_str(&to);
                    out.push('"');
                    links.push(absolute);
                }
                // Not rendered: the attribute is dropped (the text stays, unlinked).
            }
        }
        rest = &rest[value_start + value_len + 1..];
    }
    out.push_str(rest);
    (out, links)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_made_relative_or_dropped() {
        let html = r##"<link rel="stylesheet" href="/explorer/style.css"><a href="/acts/ab12?lang=en">x</a> <a href="/search?lang=en">s</a> <a href="?lang=vi">vi</a> <a href="#verify">v</a>"##;
        let (out, links) = relink(
            html,
            "/congresses/hd/2020-2025?lang=en",
            "congresses/hd/2020-2025.en.html",
        );
        assert_eq!(
            out,
            r##"<link rel="stylesheet" href="../../explorer/style.css"><a href="../../acts/ab12.en.html">x</a> <a >s</a> <a href="../../congresses/hd/2020-2025.html">vi</a> <a href="#verify">v</a>"##
        );
        assert_eq!(
            links,
            vec![
                "/explorer/style.css",
                "/acts/ab12?lang=en",
                "/congresses/hd/2020-2025?lang=vi"
            ]
        );
        assert_eq!(file_of("/../etc"), None);
        assert_eq!(file_of("/v1/proofs/act/ab"), Some("proofs/ab.json".into()));
        assert_eq!(
            strip_scripts("a<script src=\"x\"></script>b<script>1</script>c"),
            "abc"
        );
    }
}
