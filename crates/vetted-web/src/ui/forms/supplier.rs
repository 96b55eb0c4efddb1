//! A supplier's own fields: `GET|POST /suppliers/new` and `GET|POST /suppliers/{id}/edit`
//! (id, name, category, status, owner, website, services, data handling, model inference).
//!
//! A new supplier is created with `Store::create_supplier`, an edit stored with
//! `Store::update_supplier` under the version the form was read at, exactly as the REST API's
//! `POST /suppliers` and `PUT /suppliers/{id}` do. An edit is made on top of the stored
//! supplier, so its nested records (locations, agreements …) keep their values; the id cannot
//! change.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use vetted_core::model::{Category, Status, Supplier, SupplierId};
use vetted_store::{Change, StoreError};

use super::fields::{Errors, Field, Group, Kind, Values, conflict_rows};
use super::{Conflict, Crumb, FormData, FormSpec, PagePath, back_to, supplier_url};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::decode_supplier;
use crate::ui::page::Notice;
use crate::ui::{CanEdit, Chrome, Nav, PageError, render};

/// The fields; `with_id` on the new-supplier form only (an id cannot change).
fn spec(with_id: bool) -> Vec<Group> {
    let mut main = Vec::new();
    if with_id {
        main.push(
            Field::new("id", "Id", Kind::Text)
                .required()
                .hint("A short, stable name used in links and reports, such as acme-cloud: no spaces and no “/”. It cannot be changed later."),
        );
    }
    main.extend([
        Field::new("name", "Name", Kind::Text),
        Field::new(
            "category",
            "Category",
            Kind::Select(super::fields::Choice::all(Category::ALL, Category::as_str)),
        ),
        Field::new(
            "status",
            "Status",
            Kind::Select(super::fields::Choice::all(Status::ALL, Status::as_str)),
        ),
        Field::new("owner", "Owner", Kind::Text)
            .hint("Who is accountable for the supplier inside the company."),
        Field::new("website", "Website", Kind::Url),
        Field::new("services", "Services", Kind::Lines).hint("One service a line."),
    ]);
    vec![
        Group::new("Supplier", main),
        Group::new(
            "Data handling",
            vec![
                Field::new("data.personal_data", "Processes personal data", Kind::Checkbox),
                Field::new("data.customer_data", "Processes customer data", Kind::Checkbox),
                Field::new("data.confidential", "Handles confidential data", Kind::Checkbox),
                Field::new(
                    "data.production_dependency",
                    "Production depends on it",
                    Kind::Checkbox,
                ),
                Field::new("data.categories", "Data categories", Kind::Lines)
                    .hint("One category a line, such as customer conversations."),
            ],
        ),
        Group::new(
            "Model inference",
            vec![Field::new(
                "inference.provides",
                "Runs model inference on our or our customers' data",
                Kind::Checkbox,
            )
            .hint("Model suppliers are held to the model rules: inference and data in the model regions, a no-training clause.")],
        ),
    ]
}

fn chrome(session: crate::ui::Session) -> Chrome {
    Chrome::new(session, Nav::Register)
}

fn new_spec() -> FormSpec {
    FormSpec {
        title: "Add a supplier".to_string(),
        crumb: None,
        intro: Some(
            "Record what you know now; the supplier page then lists what the policy still needs."
                .to_string(),
        ),
        action: "/suppliers/new".to_string(),
        cancel: "/suppliers".to_string(),
        submit: "Add the supplier".to_string(),
        groups: spec(true),
        tier_url: None,
    }
}

fn edit_spec(stored: &vetted_store::StoredSupplier) -> FormSpec {
    let id = &stored.supplier.id;
    let crumb = Crumb::of(stored);
    FormSpec {
        title: "Edit the supplier".to_string(),
        intro: Some(format!(
            "{} (id {id}). Locations, agreements and the other records are edited in their own sections of the supplier page.",
            crumb.label
        )),
        crumb: Some(crumb),
        action: format!("{}/edit", supplier_url(id)),
        cancel: supplier_url(id),
        submit: "Save the supplier".to_string(),
        groups: spec(false),
        tier_url: None,
    }
}

/// The supplier the form's values make on top of `base`: the supplier, or the problems.
fn validate(
    values: &Values,
    groups: &[Group],
    base: Value,
    state: &AppState,
) -> Result<Supplier, Errors> {
    let record = values.to_record(groups, base);
    match decode_supplier(&record.to_string(), &state.policy().policy) {
        Ok(s) => Ok(s),
        Err(ApiError::Invalid(problems)) => Err(Errors::from_problems(&problems, "", groups)),
        Err(e) => {
            tracing::error!(error = %e, "the supplier form built a record the decoder could not read");
            let mut errors = Errors::default();
            errors
                .other
                .push("The form could not be read; it has been logged.".to_string());
            Err(errors)
        }
    }
}

/// `GET /suppliers/new`.
pub async fn new_form(CanEdit(session): CanEdit) -> Result<Response, PageError> {
    Ok(render(
        StatusCode::OK,
        &new_spec().page(
            chrome(session),
            &Values::default(),
            &Errors::default(),
            None,
            None,
            None,
        ),
    ))
}

/// `POST /suppliers/new`: creates the supplier.
pub async fn create(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    data: FormData,
) -> Result<Response, PageError> {
    let form = new_spec();
    let invalid =
        |errors: &Errors| form.invalid(chrome(session.clone()), &data.values, errors, None);
    let supplier = match validate(
        &data.values,
        &form.groups,
        Value::Object(Map::new()),
        &state,
    ) {
        Ok(s) => s,
        Err(errors) => return Ok(invalid(&errors)),
    };
    let change = Change::now(session.principal.actor());
    match state.store.create_supplier(&supplier, &change).await {
        Ok(stored) => Ok(back_to(&stored.supplier.id, Notice::Saved, "top")),
        Err(StoreError::Conflict { .. }) => {
            let mut errors = Errors::default();
            errors.add(
                "id",
                "A supplier with this id exists already (perhaps archived): choose another id."
                    .to_string(),
            );
            Ok(invalid(&errors))
        }
        Err(e) => Err(e.into()),
    }
}

fn parse_id(id: &str) -> Result<SupplierId, PageError> {
    SupplierId::parse(id)
        .map_err(|why| ApiError::bad_parameter("id", format!("supplier id {why}")).into())
}

fn as_json(s: &Supplier) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// `GET /suppliers/{id}/edit`.
pub async fn edit_form(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
) -> Result<Response, PageError> {
    let stored = state.store.get_supplier(&parse_id(&id)?).await?;
    let form = edit_spec(&stored);
    let values = Values::from_record(&form.groups, &as_json(&stored.supplier));
    Ok(form.show(chrome(session), &values, Some(stored.version)))
}

/// `POST /suppliers/{id}/edit`: stores the supplier's own fields over the version read.
pub async fn update(
    CanEdit(session): CanEdit,
    State(state): State<AppState>,
    PagePath(id): PagePath<String>,
    data: FormData,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let expected = data.version()?;
    let stored = state.store.get_supplier(&id).await?;
    let form = edit_spec(&stored);
    // On top of the stored supplier: its nested records keep their values. Should it have
    // changed since the form was read, the versioned update below refuses the write.
    let supplier = match validate(
        &data.values,
        &form.groups,
        as_json(&stored.supplier),
        &state,
    ) {
        Ok(s) => s,
        Err(errors) => {
            return Ok(form.invalid(chrome(session), &data.values, &errors, Some(expected)));
        }
    };
    let change = Change::now(session.principal.actor());
    match state
        .store
        .update_supplier(&supplier, expected, &change)
        .await
    {
        Ok(_) => Ok(back_to(&id, Notice::Saved, "top")),
        Err(StoreError::Stale { current }) => {
            let now = Values::from_record(&form.groups, &as_json(&current.supplier));
            let conflict = Conflict {
                version: current.version,
                rows: conflict_rows(&form.groups, &data.values, &now),
                note: None,
                reload: format!("{}/edit", supplier_url(&id)),
            };
            Ok(render(
                StatusCode::CONFLICT,
                &form.page(
                    chrome(session),
                    &data.values,
                    &Errors::default(),
                    Some(current.version),
                    Some(conflict),
                    None,
                ),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
