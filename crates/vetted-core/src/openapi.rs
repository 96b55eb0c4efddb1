//! Hand-written OpenAPI schemas (utoipa) for the types whose JSON is made by hand-written serde:
//! [`Country`], [`SupplierId`], [`DocumentHash`], the value enums of `model.rs` (their impls come from the
//! `value_enum!` macro and use [`wire_enum`]) and the clause maps of an agreement
//! ([`clauses_schema`]). The derived schemas of the other model types refer to these.
//! Compiled only with the `openapi` feature, which the server enables.

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::country::Country;
use crate::model::{DocumentHash, SupplierId};

/// A string schema restricted to `values` (a value enum's wire names), described by the enum's
/// doc comment: `metas` are its attributes as `stringify!` writes them (`doc = r" Text."`).
pub(crate) fn wire_enum(metas: &[&str], values: &[&'static str]) -> RefOr<Schema> {
    let description: Vec<&str> = metas
        .iter()
        // `stringify!` may break a long attribute after `=`: match the parts, not the spacing.
        .filter_map(|m| m.strip_prefix("doc")?.trim_start().strip_prefix('='))
        .map(|m| {
            m.trim()
                .trim_start_matches('r')
                .trim_start_matches('#')
                .trim_start_matches('"')
                .trim_end_matches('#')
                .trim_end_matches('"')
                .trim()
        })
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description.join(" ")))
        .enum_values(Some(values.iter().copied()))
        .into()
}

impl PartialSchema for Country {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "An officially assigned ISO 3166-1 alpha-2 country code, upper case (`DE`).",
            ))
            .pattern(Some("^[A-Z]{2}$"))
            .examples(["DE"])
            .into()
    }
}

impl ToSchema for Country {}

impl PartialSchema for SupplierId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A supplier id: non-empty, case-sensitive, no whitespace and no `/`.",
            ))
            .pattern(Some(r"^[^\s/]+$"))
            .min_length(Some(1))
            .examples(["aws"])
            .into()
    }
}

impl ToSchema for SupplierId {}

impl PartialSchema for DocumentHash {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "The SHA-256 of a document's content: 64 lowercase hexadecimal digits.",
            ))
            .pattern(Some("^[0-9a-f]{64}$"))
            .min_length(Some(64))
            .max_length(Some(64))
            .into()
    }
}

impl ToSchema for DocumentHash {}

/// The schema of an agreement's `clauses`: an object of clause keys (from the policy's
/// catalogue), each an object of parameters whose values are numbers ≥ 0 or strings.
pub fn clauses_schema() -> Schema {
    let number = ObjectBuilder::new()
        .schema_type(Type::Number)
        .minimum(Some(0));
    let value = OneOfBuilder::new()
        .item(number)
        .item(ObjectBuilder::new().schema_type(Type::String));
    let params = ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "The clause's parameters by name (`{\"hours\": 48}`); names and types come from the policy's clause catalogue. `{}` for none.",
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::OneOf(
            value.build(),
        )))));
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .description(Some(
            "The agreement's security clauses by key (`incident_notification`), keys from the policy's clause catalogue.",
        ))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(
            params.build(),
        )))))
        .build()
        .into()
}
