//! Importing a register received in memory (an upload to the server, the body of
//! `POST /api/v1/register/import`): [`read_upload`] reads it in any format with the readers
//! `vetted import` uses, and [`plan`] works out what it would change in the store, supplier by
//! supplier, without writing anything.
//!
//! A plan says for each supplier whether it would be created, updated (and which top-level
//! fields or sections differ) or left unchanged, by the store's own rule (a stored supplier equal
//! to the imported one is unchanged; an archived one is updated and stays archived). It also
//! keeps the version of each supplier it was made against ([`ImportPlan::versions`]), so
//! [`Store::upsert_register_as_planned`] can write exactly the change that was shown, or
//! refuse when someone changed the register in between.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use vetted_core::model::{Register, Supplier};
use vetted_core::policy::Policy;
use vetted_core::read::{self, ReadOptions, Syntax, check_json_syntax, line_col, read_register};
use vetted_core::section::Section;
use vetted_store::{PlannedVersions, Store, StoreError, StoredSupplier};

use crate::files::FileFormat;
use crate::tabular::{self, TabularProblem};

/// Why an uploaded register could not be read; nothing is imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadError {
    /// A JSON or YAML document that is not UTF-8: where the first bad byte is.
    NotUtf8 {
        /// 1-based.
        line: usize,
        /// 1-based, in characters.
        column: usize,
    },
    /// JSON that is not JSON at all (the first syntax error, with its line and column).
    Malformed(read::Problem),
    /// A JSON or YAML document that breaks the register format: every problem, with its field
    /// path, line and column.
    Document(Vec<read::Problem>),
    /// A workbook or CSV sheet that breaks the flat layout: every problem, with its sheet, row
    /// and column.
    Tabular(Vec<TabularProblem>),
}

/// Reads an uploaded register: a JSON or YAML document, an XLSX workbook of the flat layout,
/// or one CSV file standing for the `suppliers` sheet. Clause keys are checked against
/// `policy`. `file_name` names the file in spreadsheet problems.
pub fn read_upload(
    format: FileFormat,
    bytes: &[u8],
    file_name: &str,
    policy: &Policy,
) -> Result<Register, UploadError> {
    let text = || {
        std::str::from_utf8(bytes).map_err(|e| {
            let offset = e.valid_up_to();
            let (line, column) = line_col(&String::from_utf8_lossy(&bytes[..offset]), offset);
            UploadError::NotUtf8 { line, column }
        })
    };
    let options = ReadOptions {
        clauses: Some(&policy.clauses),
    };
    match format {
        FileFormat::Json => {
            let text = text()?;
            check_json_syntax(text).map_err(UploadError::Malformed)?;
            read_register(text, Syntax::Json, &options).map_err(UploadError::Document)
        }
        FileFormat::Yaml => {
            read_register(text()?, Syntax::Yaml, &options).map_err(UploadError::Document)
        }
        FileFormat::Xlsx => {
            tabular::read_xlsx(bytes, file_name, policy).map_err(UploadError::Tabular)
        }
        FileFormat::Csv => tabular::read_csv_sheets(
            &[(
                "suppliers".to_string(),
                file_name.to_string(),
                bytes.to_vec(),
            )],
            policy,
        )
        .map_err(UploadError::Tabular),
    }
}

/// What an import would do to one supplier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlannedChange {
    /// Not stored yet: it would be created.
    Create,
    /// Stored and different: it would get a new version. `fields` are the top-level fields and
    /// sections that differ (`name`, `locations` …), in the register format's order.
    Update {
        /// The fields and sections that differ.
        fields: Vec<String>,
    },
    /// Stored and equal: left as it is.
    Unchanged,
}

/// One supplier of an import's plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedSupplier {
    /// The supplier's id.
    pub id: String,
    /// Its name in the imported register.
    pub name: Option<String>,
    /// What would happen to it.
    pub change: PlannedChange,
    /// The stored version the plan was made against; `None` when not stored.
    pub version: Option<i64>,
    /// Whether the stored supplier is archived (an import updates it and it stays archived).
    pub archived: bool,
}

/// What an import would change, supplier by supplier, in register order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ImportPlan {
    /// Every supplier of the register.
    pub suppliers: Vec<PlannedSupplier>,
}

impl ImportPlan {
    /// How many suppliers would be created.
    pub fn created(&self) -> usize {
        self.count(|c| matches!(c, PlannedChange::Create))
    }

    /// How many would be updated.
    pub fn updated(&self) -> usize {
        self.count(|c| matches!(c, PlannedChange::Update { .. }))
    }

    /// How many would stay as they are.
    pub fn unchanged(&self) -> usize {
        self.count(|c| matches!(c, PlannedChange::Unchanged))
    }

    /// Whether the import would write anything.
    pub fn changes_anything(&self) -> bool {
        self.created() + self.updated() > 0
    }

    /// The ids that would be created, in register order.
    pub fn created_ids(&self) -> Vec<String> {
        self.ids(|c| matches!(c, PlannedChange::Create))
    }

    /// The ids that would be updated, in register order.
    pub fn updated_ids(&self) -> Vec<String> {
        self.ids(|c| matches!(c, PlannedChange::Update { .. }))
    }

    /// The stored versions the plan was made against, for
    /// [`Store::upsert_register_as_planned`].
    pub fn versions(&self) -> PlannedVersions {
        self.suppliers
            .iter()
            .map(|s| (s.id.clone(), s.version))
            .collect()
    }

    fn count(&self, f: impl Fn(&PlannedChange) -> bool) -> usize {
        self.suppliers.iter().filter(|s| f(&s.change)).count()
    }

    fn ids(&self, f: impl Fn(&PlannedChange) -> bool) -> Vec<String> {
        self.suppliers
            .iter()
            .filter(|s| f(&s.change))
            .map(|s| s.id.clone())
            .collect()
    }
}

/// What importing `register` would do to the store as it is now. Writes nothing. An id given
/// twice is a [`StoreError::Conflict`], as the import itself would answer.
pub async fn plan(store: &dyn Store, register: &Register) -> Result<ImportPlan, StoreError> {
    let mut stored: HashMap<String, StoredSupplier> = store
        .list_suppliers()
        .await?
        .into_iter()
        .map(|s| (s.supplier.id.to_string(), s))
        .collect();
    let mut seen = HashSet::with_capacity(register.suppliers.len());
    let mut suppliers = Vec::with_capacity(register.suppliers.len());
    for s in &register.suppliers {
        let id = s.id.to_string();
        if !seen.insert(id.clone()) {
            return Err(StoreError::Conflict {
                what: "supplier",
                id,
                reason: "appears more than once in the register".to_string(),
            });
        }
        let existing = match stored.remove(&id) {
            Some(found) => Some(found),
            // Archived suppliers are not listed, yet an import updates them.
            None => store.find_supplier(&s.id).await?,
        };
        let (change, version, archived) = match existing {
            None => (PlannedChange::Create, None, false),
            Some(found) => {
                let change = if found.supplier == *s {
                    PlannedChange::Unchanged
                } else {
                    PlannedChange::Update {
                        fields: changed_fields(&found.supplier, s),
                    }
                };
                (change, Some(found.version), found.archived)
            }
        };
        suppliers.push(PlannedSupplier {
            id,
            name: s.name.clone(),
            change,
            version,
            archived,
        });
    }
    Ok(ImportPlan { suppliers })
}

/// The supplier's own fields, before its sections, in the register format's order.
const FIELDS: [&str; 7] = [
    "id", "name", "category", "services", "status", "owner", "website",
];

/// The top-level fields and sections in which `after` differs from `before`, in the register
/// format's order (a field present in one and absent in the other differs). Compared as the
/// documents the store keeps, so what is listed is what the import would write.
pub fn changed_fields(before: &Supplier, after: &Supplier) -> Vec<String> {
    let as_map = |s: &Supplier| match serde_json::to_value(s) {
        Ok(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    let (before, after) = (as_map(before), as_map(after));
    let order: Vec<&str> = FIELDS
        .iter()
        .copied()
        .chain(Section::ALL.iter().map(|s| s.as_str()))
        .collect();
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort_by_key(|k| {
        (
            order.iter().position(|o| o == k).unwrap_or(order.len()),
            (*k).clone(),
        )
    });
    keys.dedup();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use vetted_core::model::SupplierId;

    use super::*;

    fn supplier(name: &str) -> Supplier {
        let mut s = Supplier::new(SupplierId::parse("acme").unwrap());
        s.name = Some(name.to_string());
        s
    }

    #[test]
    fn changed_fields_lists_what_differs_in_the_formats_order() {
        let before = supplier("Acme");
        assert!(changed_fields(&before, &before).is_empty());
        let mut after = supplier("Acme Ltd");
        after.website = Some("https://acme.example".into());
        after.services.push("hosting".into());
        after.data.personal_data = true;
        assert_eq!(
            changed_fields(&before, &after),
            ["name", "services", "website", "data"]
        );
        // Removed counts as changed too.
        assert_eq!(
            changed_fields(&after, &before),
            ["name", "services", "website", "data"]
        );
    }

    #[test]
    fn a_csv_upload_is_the_suppliers_sheet_and_problems_name_the_cell() {
        let policy = Policy::default();
        let csv = b"id,name,category\nacme,Acme,not-a-category\n";
        let Err(UploadError::Tabular(problems)) =
            read_upload(FileFormat::Csv, csv, "upload.csv", &policy)
        else {
            panic!("a bad category is a problem");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        let p = &problems[0];
        assert_eq!(
            (p.file.as_str(), p.sheet.as_deref(), p.row),
            ("upload.csv", Some("suppliers"), Some(2))
        );
        assert_eq!(p.column.as_ref().map(|c| c.name.as_str()), Some("category"));
    }

    #[test]
    fn text_formats_report_bad_bytes_and_syntax_with_their_place() {
        let policy = Policy::default();
        assert_eq!(
            read_upload(FileFormat::Json, b"{\n  \"a\xff", "x.json", &policy),
            Err(UploadError::NotUtf8 { line: 2, column: 5 })
        );
        let Err(UploadError::Malformed(p)) =
            read_upload(FileFormat::Json, b"{\"suppliers\": [", "x.json", &policy)
        else {
            panic!("malformed JSON");
        };
        assert_eq!(p.line, Some(1));
        let Err(UploadError::Document(problems)) = read_upload(
            FileFormat::Yaml,
            b"format: supplier-register/1\nsuppliers:\n  - id: acme\n    category: nope\n",
            "x.yaml",
            &policy,
        ) else {
            panic!("a bad category");
        };
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].path, "suppliers[0].category");
        assert_eq!(problems[0].line, Some(4));
    }
}
