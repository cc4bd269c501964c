//! The agent inbox: the `web/` folder, embedded in the binary at build time.

use axum::body::Body;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

// `e2e/` is the browser test suite (with its node_modules): never shipped.
#[derive(RustEmbed)]
#[folder = "../../web/"]
#[exclude = "e2e/*"]
struct Assets;

fn asset(path: &str) -> Option<Response> {
    let file = Assets::get(path)?;
    let mime = mime_for(path);
    Some(
        Response::builder()
            .header(header::CONTENT_TYPE, mime)
            .header(header::CACHE_CONTROL, "no-cache")
            .header("X-Content-Type-Options", "nosniff")
            .body(Body::from(file.data.into_owned()))
            .expect("static response"),
    )
}

fn mime_for(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

pub async fn index() -> Response {
    asset("index.html").unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

pub async fn file(Path(path): Path<String>) -> Response {
    // The demo pages only exist in `parley demo`; the demo router serves them.
    if path.starts_with("demo/") {
        return StatusCode::NOT_FOUND.into_response();
    }
    asset(&path).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

/// Serves `web/demo/<path>` (mounted by the demo only).
pub fn demo_asset(path: &str) -> Response {
    asset(&format!("demo/{path}")).unwrap_or_else(|| StatusCode::NOT_FOUND.into_response())
}

#[cfg(test)]
mod tests {
    use super::Assets;

    #[test]
    fn the_browser_test_suite_is_not_embedded() {
        let files: Vec<String> = Assets::iter().map(|f| f.into_owned()).collect();
        for shipped in ["index.html", "js/main.js", "css/app.css", "demo/phone.html"] {
            assert!(files.iter().any(|f| f == shipped), "{shipped} in {files:?}");
        }
        let e2e: Vec<&String> = files.iter().filter(|f| f.starts_with("e2e/")).collect();
        assert!(e2e.is_empty(), "{e2e:?}");
        assert!(Assets::get("e2e/package.json").is_none());
        assert!(Assets::get("e2e/node_modules/playwright-core/package.json").is_none());
    }
}
