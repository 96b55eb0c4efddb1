//! The policy's own review (`policy.review`, control 5.1): the policy file's text with the new
//! `last_review` date and, when given, a new `version` and `owner`, every other byte as it was
//! (comments, order, layout: `toml_edit` edits the document in place). The caller stores the
//! result as the next policy version through the policy upload, which validates it, audits it
//! and puts it in force.

use time::Date;
use toml_edit::{DocumentMut, Item, Value};

/// What a policy review records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyReview {
    /// The day of the review: the new `last_review`.
    pub date: Date,
    /// A new `version` string, if the review changes it.
    pub version: Option<String>,
    /// A new `owner`, if the review changes it.
    pub owner: Option<String>,
}

/// Why the text could not be edited.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The text is not a TOML document (a stored policy always is; a hand-edited one may not).
    #[error("the policy text is not a TOML document: {0}")]
    NotToml(String),
    /// A new version or owner that is blank.
    #[error("{0} must not be blank")]
    Blank(&'static str),
}

/// `text` with `last_review = review.date` and the new version and owner, if any; top-level
/// keys missing from the text are added at the top level.
pub fn reviewed_text(text: &str, review: &PolicyReview) -> Result<String, ReviewError> {
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ReviewError::NotToml(e.message().to_string()))?;
    let date = toml_edit::Date {
        year: review.date.year() as u16,
        month: u8::from(review.date.month()),
        day: review.date.day(),
    };
    set(
        &mut doc,
        "last_review",
        Value::from(toml_edit::Datetime {
            date: Some(date),
            time: None,
            offset: None,
        }),
    );
    for (key, value) in [("version", &review.version), ("owner", &review.owner)] {
        if let Some(v) = value {
            let v = v.trim();
            if v.is_empty() {
                return Err(ReviewError::Blank(key));
            }
            set(&mut doc, key, Value::from(v));
        }
    }
    Ok(doc.to_string())
}

/// Sets a top-level key, keeping the decoration (spacing, a trailing comment) of the value it
/// replaces.
fn set(doc: &mut DocumentMut, key: &str, mut value: Value) {
    match doc.get_mut(key).and_then(Item::as_value_mut) {
        Some(old) => {
            *value.decor_mut() = old.decor().clone();
            *old = value;
        }
        None => {
            doc.insert(key, Item::Value(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;
    use vetted_core::policy::{DEFAULT_POLICY_TOML, Policy};

    use super::*;

    #[test]
    fn the_review_changes_the_date_and_keeps_everything_else() {
        let text = reviewed_text(
            DEFAULT_POLICY_TOML,
            &PolicyReview {
                date: date!(2027 - 11 - 02),
                version: Some("2".into()),
                owner: None,
            },
        )
        .unwrap();
        let policy = Policy::from_toml(&text).unwrap();
        assert_eq!(policy.last_review, date!(2027 - 11 - 02));
        assert_eq!(policy.version, "2");
        assert_eq!(policy.owner, "ciso");
        // Only the two lines changed.
        let changed: Vec<(&str, &str)> = DEFAULT_POLICY_TOML
            .lines()
            .zip(text.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [
                ("version = \"1\"", "version = \"2\""),
                ("last_review = 2026-11-01", "last_review = 2027-11-02"),
            ]
        );
        assert_eq!(DEFAULT_POLICY_TOML.lines().count(), text.lines().count());
    }

    #[test]
    fn a_trailing_comment_stays_and_missing_keys_are_added() {
        let text = "name = \"x\"  # ours\nlast_review = 2020-01-01 # the last one\n";
        let out = reviewed_text(
            text,
            &PolicyReview {
                date: date!(2026 - 11 - 25),
                version: None,
                owner: Some("Head of Security".into()),
            },
        )
        .unwrap();
        assert!(
            out.contains("last_review = 2026-11-25 # the last one"),
            "{out}"
        );
        assert!(out.contains("owner = \"Head of Security\""), "{out}");
        assert!(matches!(
            reviewed_text(
                text,
                &PolicyReview {
                    date: date!(2026 - 11 - 25),
                    version: Some(" ".into()),
                    owner: None
                }
            ),
            Err(ReviewError::Blank("version"))
        ));
        assert!(matches!(
            reviewed_text(
                "= broken",
                &PolicyReview {
                    date: date!(2026 - 11 - 25),
                    version: None,
                    owner: None
                }
            ),
            Err(ReviewError::NotToml(_))
        ));
    }
}
