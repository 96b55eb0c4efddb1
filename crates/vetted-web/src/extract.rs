//! The project's own extractors: request bodies, query strings and path parameters that fail
//! as a JSON [`ApiError`] (400, 413, 415, 422) naming the field or parameter, never as axum's
//! plain-text rejections.
//!
//! - [`JsonText`]: the body as JSON text (content type checked, size limit, well-formed JSON);
//!   the base of the others, and what a handler decodes a nested record from with
//!   [`decode_record`].
//! - [`SupplierJson`]: a supplier decoded by the register reader (`vetted_core::read`), so its
//!   problems have the same paths and messages as a file import.
//! - [`ApiJson`]: any other body, decoded by serde with the field path of the first problem.
//! - [`ApiQuery`]: a query string read by a [`FromQuery`] type, parameter by parameter.
//! - [`ApiPath`]: path parameters.
//! - [`IfMatch`]: the version a write read (`If-Match: "3"`, the `ETag` of a read).

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::HeaderValue;
use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use vetted_core::model::Supplier;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, read_record_json, read_supplier_json};
use vetted_core::section::{Record, RecordAt};

use crate::AppState;
use crate::error::{ApiError, Problem};

/// The media type of every JSON body.
pub const JSON: &str = "application/json";

/// A request body that is well-formed JSON text: `Content-Type: application/json` (or a
/// `+json` type) else 415, within the body limit else 413, UTF-8 and valid JSON syntax else
/// 400 with the line and column of the first error.
#[derive(Clone, Debug)]
pub struct JsonText(pub String);

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == JSON || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl FromRequest<AppState> for JsonText {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<JsonText, ApiError> {
        let json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json);
        if !json {
            return Err(ApiError::UnsupportedMediaType { expected: JSON });
        }
        let limit_bytes = state.config.body_limit_bytes;
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection {
                BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                    ApiError::PayloadTooLarge { limit_bytes }
                }
                other => ApiError::bad_parameter("body", other.body_text()),
            })?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(&bytes[..offset]);
            let (line, column) = vetted_core::read::line_col(&text, offset);
            ApiError::MalformedJson(Problem {
                path: String::new(),
                message: "the body is not UTF-8".into(),
                line: Some(line),
                column: Some(column),
            })
        })?;
        check_syntax(&text)?;
        Ok(JsonText(text))
    }
}

/// 400 with line and column unless `text` is one well-formed JSON value (the register
/// reader's own syntax check and messages). Problems beyond syntax (duplicate keys, wrong
/// types) are the decoder's, answered with 422.
fn check_syntax(text: &str) -> Result<(), ApiError> {
    vetted_core::read::check_json_syntax(text).map_err(|p| ApiError::MalformedJson(p.into()))
}

/// The reader's options for bodies: the active policy's clause catalogue.
fn options(policy: &Policy) -> ReadOptions<'_> {
    ReadOptions {
        clauses: Some(&policy.clauses),
    }
}

/// A supplier body, decoded by the register reader against the active policy: 422 with every
/// problem (path relative to the supplier, line and column in the body) when it breaks the
/// register format.
#[derive(Clone, Debug)]
pub struct SupplierJson(pub Supplier);

impl FromRequest<AppState> for SupplierJson {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<SupplierJson, ApiError> {
        let JsonText(text) = JsonText::from_request(req, state).await?;
        decode_supplier(&text, &state.policy().policy).map(SupplierJson)
    }
}

/// Decodes a supplier from JSON text as a request body: 422 with every problem.
pub fn decode_supplier(text: &str, policy: &Policy) -> Result<Supplier, ApiError> {
    read_supplier_json(text, &options(policy))
        .map_err(|problems| ApiError::Invalid(problems.into_iter().map(Problem::from).collect()))
}

/// Decodes one nested record from JSON text (a [`JsonText`] body) as it will sit at `at` in its
/// supplier: 422 with every problem, under paths such as `locations[3].country`.
pub fn decode_record(text: &str, at: RecordAt, policy: &Policy) -> Result<Record, ApiError> {
    read_record_json(text, at, &options(policy))
        .map_err(|problems| ApiError::Invalid(problems.into_iter().map(Problem::from).collect()))
}

/// Any other JSON body, decoded by serde: 422 with the path of the first problem.
#[derive(Clone, Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<ApiJson<T>, ApiError> {
        let JsonText(text) = JsonText::from_request(req, state).await?;
        let de = &mut serde_json::Deserializer::from_str(&text);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let message = inner.to_string();
                let message = message
                    .rsplit_once(" at line ")
                    .map_or(message.as_str(), |(m, _)| m)
                    .to_string();
                let path = if path == "." { String::new() } else { path };
                ApiError::Invalid(vec![Problem {
                    path: with_named_field(path, &message),
                    message,
                    line: Some(inner.line()),
                    column: Some(inner.column()),
                }])
            })
    }
}

/// The path of a missing or unknown field: serde names it only in its message, and the path
/// stops at the object that lacks or has it (`""` for the body itself).
fn with_named_field(path: String, message: &str) -> String {
    let field = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split_once('`'))
        .map(|(name, _)| name);
    match field {
        Some(name) if path.is_empty() => name.to_string(),
        Some(name) if !path.ends_with(name) => format!("{path}.{name}"),
        _ => path,
    }
}

/// A query string's parameters, taken one by one by a [`FromQuery`] type, which then calls
/// [`QueryParams::finish`] so an unknown parameter is an error rather than silently ignored.
#[derive(Debug)]
pub struct QueryParams {
    pairs: Vec<(String, String)>,
    taken: Vec<bool>,
}

impl QueryParams {
    /// The parameters of `query` (`a=1&b=2`, without the `?`), percent-decoded.
    pub fn parse(query: &str) -> QueryParams {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let taken = vec![false; pairs.len()];
        QueryParams { pairs, taken }
    }

    /// Every value of `name` (a repeatable parameter), in order.
    pub fn all(&mut self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if k == name {
                self.taken[i] = true;
                out.push(v.clone());
            }
        }
        out
    }

    /// The value of `name`, if given: 400 when it is given twice.
    pub fn one(&mut self, name: &str) -> Result<Option<String>, ApiError> {
        let mut values = self.all(name);
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            _ => Err(ApiError::bad_parameter(name, "given more than once")),
        }
    }

    /// The value of `name` parsed by `parse`, whose error becomes a 400 naming the parameter.
    pub fn parsed<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ApiError> {
        self.one(name)?
            .map(|v| parse(&v).map_err(|why| ApiError::bad_parameter(name, why)))
            .transpose()
    }

    /// Every value of `name` parsed by `parse`.
    pub fn parsed_all<T>(
        &mut self,
        name: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Vec<T>, ApiError> {
        self.all(name)
            .iter()
            .map(|v| parse(v).map_err(|why| ApiError::bad_parameter(name, why)))
            .collect()
    }

    /// 400 if a parameter was not taken: `known` lists those the endpoint reads.
    pub fn finish(self, known: &[&str]) -> Result<(), ApiError> {
        match self
            .pairs
            .iter()
            .zip(&self.taken)
            .find(|(_, taken)| !**taken)
        {
            None => Ok(()),
            Some(((name, _), _)) => Err(ApiError::bad_parameter(
                name.clone(),
                if known.is_empty() {
                    "unknown parameter: this endpoint takes none".to_string()
                } else {
                    format!(
                        "unknown parameter: expected {}",
                        vetted_core::model::one_of(known.iter().copied())
                    )
                },
            )),
        }
    }
}

/// A type read from a query string, parameter by parameter.
pub trait FromQuery: Sized {
    /// The parameters it reads, for the error on an unknown one.
    const PARAMS: &'static [&'static str];

    /// Takes its parameters from `q`; [`ApiQuery`] checks afterwards that none is left.
    fn from_query(q: &mut QueryParams) -> Result<Self, ApiError>;
}

/// A query string read by `T`: 400 naming the parameter and why, for a malformed, repeated or
/// unknown one.
#[derive(Clone, Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: FromQuery> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<ApiQuery<T>, ApiError> {
        let mut q = QueryParams::parse(parts.uri.query().unwrap_or(""));
        let value = T::from_query(&mut q)?;
        q.finish(T::PARAMS)?;
        Ok(ApiQuery(value))
    }
}

/// Path parameters: 400 naming the problem when they cannot be read (bad percent-encoding, a
/// number that is not one).
#[derive(Clone, Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, ApiError> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|rejection| ApiError::bad_parameter("path", rejection.body_text()))
    }
}

/// The `ETag` of a supplier at `version`: `"3"` (strong, quoted).
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// The version a write was based on, from `If-Match: "3"` (the `ETag` the read returned);
/// `None` when the header is absent. A weak tag, `*`, a list or anything but a quoted version
/// is a 400 naming the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<IfMatch, ApiError> {
        let mut values = parts.headers.get_all(IF_MATCH).iter();
        let Some(value) = values.next() else {
            return Ok(IfMatch(None));
        };
        let bad = || {
            ApiError::bad_parameter(
                "If-Match",
                "expected the ETag of the record as read, such as \"3\"",
            )
        };
        if values.next().is_some() {
            return Err(bad());
        }
        value
            .to_str()
            .ok()
            .map(str::trim)
            .and_then(|v| v.strip_prefix('"'))
            .and_then(|v| v.strip_suffix('"'))
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|v| v.parse::<i64>().ok())
            .map(|version| IfMatch(Some(version)))
            .ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn if_match(values: &[&str]) -> Result<IfMatch, ApiError> {
        let mut req = axum::http::Request::get("/");
        for v in values {
            req = req.header(IF_MATCH, *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        IfMatch::from_request_parts(&mut parts, &()).await
    }

    #[tokio::test]
    async fn if_match_reads_the_etag_of_a_read() {
        assert_eq!(if_match(&[]).await.unwrap(), IfMatch(None));
        assert_eq!(if_match(&["\"3\""]).await.unwrap(), IfMatch(Some(3)));
        assert_eq!(etag(3), "\"3\"");
        for bad in [
            &["W/\"3\""][..],
            &["*"],
            &["3"],
            &["\"\""],
            &["\"-1\""],
            &["\"3\", \"4\""],
            &["\"3\"", "\"4\""],
        ] {
            let Err(ApiError::BadParameter(p)) = if_match(bad).await else {
                panic!("{bad:?} accepted");
            };
            assert_eq!(p.path, "If-Match");
        }
    }

    #[test]
    fn json_media_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(is_json("application/merge-patch+json"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonx"));
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let Err(ApiError::MalformedJson(p)) = check_syntax("{\n  \"a\": 1,\n}") else {
            panic!("accepted");
        };
        assert_eq!((p.line, p.column), (Some(3), Some(1)));
        assert_eq!(
            p.message,
            "expected a key after \",\" (JSON allows no trailing comma)"
        );
        assert!(check_syntax("{\"a\": [1, 2]}").is_ok());
        assert!(check_syntax("").is_err());
    }

    #[test]
    fn query_parameters_repeat_and_unknown_ones_are_refused() {
        let mut q = QueryParams::parse("verdict=attention&verdict=compliant&limit=5&colour=red");
        assert_eq!(q.all("verdict"), ["attention", "compliant"]);
        assert_eq!(q.one("limit").unwrap().as_deref(), Some("5"));
        let Err(ApiError::BadParameter(p)) = q.finish(&["verdict", "limit"]) else {
            panic!("unknown parameter accepted");
        };
        assert_eq!(p.path, "colour");
        assert_eq!(p.message, "unknown parameter: expected verdict or limit");
    }
}
