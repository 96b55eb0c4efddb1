//! [`DatabaseUrl`]: where the database lives, as configured (a URL or a plain `SQLite` path),
//! which backend that names, and a redacted form for logs, `Debug` output and errors.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use crate::StoreError;

/// A database URL or a plain path to a `SQLite` file, as given in configuration.
///
/// `Debug` and `Display` show it with any password replaced by `***`; [`DatabaseUrl::expose`]
/// gives the real text. Understood forms:
///
/// - `sqlite:PATH`, `sqlite://PATH` or a plain `PATH`: a `SQLite` file, created on first use;
/// - `postgres://…`, `postgresql://…`: a `PostgreSQL` database, which must exist;
/// - any other `SCHEME://…`: an error naming the scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

/// The backend a [`DatabaseUrl`] names, with what that backend needs to connect.
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) enum Target {
    Sqlite(PathBuf),
    Postgres(DatabaseUrl),
}

impl DatabaseUrl {
    /// Wraps a URL or path; nothing is checked until it is opened.
    pub fn new(url_or_path: impl Into<String>) -> DatabaseUrl {
        DatabaseUrl(url_or_path.into())
    }

    /// The text as given, password included: only for connecting.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The text with the password of `user:password@` and of a `password=` parameter
    /// replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// Which backend the text names; [`StoreError::Unsupported`] says why none fits.
    pub(crate) fn target(&self) -> Result<Target, StoreError> {
        let text = self.0.as_str();
        let (scheme, rest) = match split_scheme(text) {
            Some((scheme, rest)) => (Some(scheme.to_ascii_lowercase()), rest),
            None => (None, text),
        };
        match scheme.as_deref() {
            None => sqlite_path(text, rest, false),
            Some("sqlite") => sqlite_path(text, rest, true),
            Some("postgres" | "postgresql") if text.contains("://") => {
                Ok(Target::Postgres(self.clone()))
            }
            Some("postgres" | "postgresql") => Err(StoreError::Unsupported(format!(
                "`{}`: give a PostgreSQL database as postgres://USER@HOST[:PORT]/DATABASE",
                self.redacted()
            ))),
            Some(other) => Err(StoreError::Unsupported(format!(
                "unsupported database URL scheme `{other}` in `{}`: give a SQLite file path, \
                 sqlite:PATH or postgres://USER@HOST/DATABASE",
                self.redacted()
            ))),
        }
    }
}

/// `scheme` and the rest of `scheme://rest`, or of `sqlite:rest` and `postgres(ql):rest`.
/// Anything else is a path, including `C:\…` and `notes:2026.db`.
fn split_scheme(text: &str) -> Option<(&str, &str)> {
    if let Some((scheme, rest)) = text.split_once("://") {
        let mut chars = scheme.chars();
        let is_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if is_scheme {
            return Some((scheme, rest));
        }
    }
    let (scheme, rest) = text.split_once(':')?;
    ["sqlite", "postgres", "postgresql"]
        .iter()
        .any(|known| scheme.eq_ignore_ascii_case(known))
        .then_some((scheme, rest))
}

fn sqlite_path(text: &str, path: &str, is_url: bool) -> Result<Target, StoreError> {
    if path.is_empty() {
        return Err(StoreError::Unsupported(format!(
            "the database `{text}` names no SQLite file: give a path such as vetted.db"
        )));
    }
    if path == ":memory:" || path.starts_with("file:") {
        return Err(StoreError::Unsupported(format!(
            "`{text}`: in-memory and `file:` SQLite databases are not supported; give a path \
             to a file"
        )));
    }
    if is_url && path.contains('?') {
        return Err(StoreError::Unsupported(format!(
            "`{}`: SQLite URL options are not supported; Vetted sets them itself, so give the \
             path only",
            redact(text)
        )));
    }
    Ok(Target::Sqlite(PathBuf::from(path)))
}

/// Replaces passwords in `scheme://user:password@host/…?password=…` with `***`.
fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = match query.split_once('#') {
                Some((query, fragment)) => (query, Some(fragment)),
                None => (query, None),
            };
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
            format!("{path}?{}{fragment}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DatabaseUrl")
            .field(&self.redacted())
            .finish()
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(DatabaseUrl::new(s))
    }
}

impl From<String> for DatabaseUrl {
    fn from(s: String) -> Self {
        DatabaseUrl(s)
    }
}

impl From<&str> for DatabaseUrl {
    fn from(s: &str) -> Self {
        DatabaseUrl::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Result<Target, String> {
        DatabaseUrl::new(s).target().map_err(|e| e.to_string())
    }

    fn sqlite(p: &str) -> Target {
        Target::Sqlite(PathBuf::from(p))
    }

    #[test]
    fn sqlite_urls_and_plain_paths_name_a_sqlite_file() {
        assert_eq!(target("vetted.db"), Ok(sqlite("vetted.db")));
        assert_eq!(
            target("/var/lib/vetted/v.db"),
            Ok(sqlite("/var/lib/vetted/v.db"))
        );
        assert_eq!(target("sqlite:data/v.db"), Ok(sqlite("data/v.db")));
        assert_eq!(target("sqlite://data/v.db"), Ok(sqlite("data/v.db")));
        assert_eq!(target("sqlite:///abs/v.db"), Ok(sqlite("/abs/v.db")));
        assert_eq!(target("SQLite:v.db"), Ok(sqlite("v.db")));
        assert_eq!(target(r"C:\vetted\v.db"), Ok(sqlite(r"C:\vetted\v.db")));
        assert_eq!(target("notes:2026.db"), Ok(sqlite("notes:2026.db")));
    }

    #[test]
    fn postgres_urls_name_a_postgres_database() {
        for url in [
            "postgres://vetted:s3cret@db.example/vetted",
            "postgresql://h/db",
            "POSTGRES://h:5433/db?sslmode=require",
        ] {
            assert_eq!(target(url), Ok(Target::Postgres(DatabaseUrl::new(url))));
        }
        let short = target("postgres:vetted").unwrap_err();
        assert!(short.contains("postgres://USER@HOST"), "{short}");
    }

    #[test]
    fn other_urls_are_unsupported_with_a_reason() {
        let my = target("mysql://root:hunter2@localhost/v").unwrap_err();
        assert!(my.contains("scheme `mysql`"), "{my}");
        assert!(!my.contains("hunter2"), "{my}");

        for bad in ["", "sqlite:", "sqlite::memory:", "sqlite://v.db?mode=ro"] {
            assert!(target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        let cases = [
            ("postgres://u:p@h:5432/db", "postgres://u:***@h:5432/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            (
                "postgres://u:p:q@h/db?sslmode=require",
                "postgres://u:***@h/db?sslmode=require",
            ),
            (
                "postgres://h/db?user=u&password=p#x",
                "postgres://h/db?user=u&password=***#x",
            ),
            ("postgres://u:p@h", "postgres://u:***@h"),
            ("sqlite:v.db", "sqlite:v.db"),
        ];
        for (given, shown) in cases {
            let url = DatabaseUrl::new(given);
            assert_eq!(url.to_string(), shown);
            assert_eq!(format!("{url:?}"), format!("DatabaseUrl({shown:?})"));
            assert_eq!(url.expose(), given);
        }
    }
}
