//! The static files under `/static/`, embedded in the binary: the vendored htmx and Pico CSS
//! (see `static/README.md` for their versions, licences and SHA-256) and Vetted's own CSS and
//! JavaScript.
//!
//! Pages link them through [`url`], which appends a short hash of the content
//! (`/static/vetted.css?v=1a2b3c4d`), so each file can be cached for a year: a new build with a
//! changed file links a new URL.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::{Access, Pages};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../static/favicon.svg"),
    },
    Asset {
        name: "htmx-2.0.11.min.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/htmx-2.0.11.min.js"),
    },
    Asset {
        name: "pico-2.1.1.min.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/pico-2.1.1.min.css"),
    },
    Asset {
        name: "vetted.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/vetted.css"),
    },
    Asset {
        name: "public.css",
        content_type: "text/css; charset=utf-8",
        bytes: vetted_app::publication::render::PUBLIC_CSS.as_bytes(),
    },
    Asset {
        name: "vetted.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/vetted.js"),
    },
];

/// Each asset's URL with its content hash, computed once.
static URLS: LazyLock<Vec<(&'static str, String)>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let hash = Sha256::digest(a.bytes);
            let short = u32::from_be_bytes([hash[0], hash[1], hash[2], hash[3]]);
            (a.name, format!("/static/{}?v={short:08x}", a.name))
        })
        .collect()
});

/// The URL of the embedded file `name`, with its content hash; `/static/name` for a name that
/// is not embedded (a test catches that: every linked asset must load).
pub fn url(name: &str) -> String {
    URLS.iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| format!("/static/{name}"), |(_, u)| u.clone())
}

/// `GET /static/{name}`.
pub fn pages() -> Pages {
    Pages::new().get("/static/{name}", Access::Public, serve)
}

async fn serve(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}
