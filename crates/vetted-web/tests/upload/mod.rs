//! `multipart/form-data` posts for the upload forms' tests (the import page, the policy
//! upload), sent by a signed-in [`Visitor`] with its CSRF token as the first part, as the
//! pages' forms send it.

use axum::body::Body;
use axum::http::{Request, header};

use crate::common::pages::{Page, Visitor, page};
use crate::common::send;

/// One part of a form.
pub enum Part<'a> {
    /// A text field.
    Text(&'a str, &'a str),
    /// A file field: name, file name, content.
    File(&'a str, &'a str, &'a [u8]),
}

const BOUNDARY: &str = "vetted-test-boundary-7f3a9c";

/// The body of a form of `parts`.
pub fn body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                out.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
                );
                out.extend_from_slice(value.as_bytes());
            }
            Part::File(name, file_name, content) => {
                out.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                         Content-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                out.extend_from_slice(content);
            }
        }
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

/// `POST uri` as `multipart/form-data`: the CSRF token first, then `parts`.
pub async fn post(v: &Visitor, uri: &str, parts: &[Part<'_>]) -> Page {
    let mut all = vec![Part::Text("csrf_token", &v.csrf)];
    all.extend(parts.iter().map(|p| match p {
        Part::Text(n, t) => Part::Text(n, t),
        Part::File(n, f, c) => Part::File(n, f, c),
    }));
    let mut req = Request::post(uri).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={BOUNDARY}"),
    );
    if let Some(c) = &v.cookie {
        req = req.header(header::COOKIE, c);
    }
    page(send(&v.app, req.body(Body::from(body(&all))).unwrap()).await).await
}
