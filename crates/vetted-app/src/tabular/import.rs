//! From sheets of cells to a [`Register`], whatever file the cells came from: headers matched
//! to the layout, every cell parsed, child rows attached to their suppliers, and every problem
//! collected with its sheet, row and column. The XLSX and CSV readers only turn their files into
//! [`SheetIn`]s.

use std::collections::{HashMap, HashSet};

use time::Date;
use vetted_core::country::Country;
use vetted_core::model::{
    Agreement, AgreementKind, Assessment, AssessmentOutcome, Assurance, AssuranceKind,
    BusinessImpact, Category, ClauseParams, DataAccess, Document, Event, EventKind, Location,
    Mechanism, Number, ParamValue, Purpose, Register, Replaceability, Review, ReviewCheck,
    ReviewOutcome, ReviewTrigger, RiskEntry, RiskStatus, Status, Subprocessor, Supplier,
    SupplierId, Treatment,
};
use vetted_core::policy::{ParamKind, Policy};

use super::cell::{self, Cell, column_letter, quoted};
use super::layout::{self, IGNORED_SHEETS, Layout, SHEETS, SUPPLIER_COLUMN, Sheet};
use super::problem::{ColumnPosition, ProblemColumn, TabularProblem};

/// One sheet as read from a file: its rows of cells, empty rows included or not.
pub(crate) struct SheetIn<'a> {
    /// The file it came from, for problems.
    pub(crate) file: &'a str,
    /// The sheet's name as written.
    pub(crate) name: String,
    /// Columns are shown as letters (XLSX) rather than numbers (CSV).
    pub(crate) letters: bool,
    /// The 0-based column index of every row's first cell.
    pub(crate) first_col: usize,
    pub(crate) rows: Vec<RowIn<'a>>,
}

/// One row: its 1-based spreadsheet row number and its cells.
pub(crate) struct RowIn<'a> {
    pub(crate) number: usize,
    pub(crate) cells: Vec<Cell<'a>>,
}

/// Reads a register from its sheets. `problems` holds what the file reader found already;
/// `suppliers_file` names the file a missing suppliers sheet is reported against.
pub(crate) fn import(
    sheets: &[SheetIn<'_>],
    mut problems: Vec<TabularProblem>,
    suppliers_file: &str,
    policy: &Policy,
) -> Result<Register, Vec<TabularProblem>> {
    let layout = Layout::new(policy);
    let mut by_name: HashMap<&'static str, &SheetIn<'_>> = HashMap::new();
    for sheet in sheets {
        let key = sheet.name.trim().to_lowercase();
        if IGNORED_SHEETS.iter().any(|s| s.eq_ignore_ascii_case(&key)) {
            continue;
        }
        match SHEETS.iter().find(|s| **s == key) {
            Some(known) => {
                if by_name.insert(known, sheet).is_some() {
                    problems.push(sheet_problem(sheet, format!("the {known} sheet is given twice")));
                }
            }
            None => problems.push(sheet_problem(
                sheet,
                format!(
                    "unknown sheet {}: expected {} (a sheet named README or instructions is skipped)",
                    quoted(sheet.name.trim()),
                    vetted_core::model::one_of(SHEETS.iter().copied())
                ),
            )),
        }
    }

    let mut register = Register::default();
    let mut ids = Ids::default();
    match by_name.get(layout::SUPPLIERS) {
        Some(sheet) => {
            let mut sink = Sink::new(sheet);
            read_suppliers(sheet, &layout, &mut sink, &mut register, &mut ids);
            problems.extend(sink.finish());
        }
        None => problems.push(TabularProblem {
            file: suppliers_file.to_string(),
            sheet: None,
            row: None,
            column: None,
            message: format!(
                "missing the {} sheet: every register needs one, with one row per supplier",
                layout::SUPPLIERS
            ),
        }),
    }
    for name in &SHEETS[1..] {
        let (Some(sheet), Some(def)) = (by_name.get(name), layout.sheet(name)) else {
            continue;
        };
        let mut sink = Sink::new(sheet);
        read_children(sheet, def, &layout, &mut sink, &mut register, &ids);
        problems.extend(sink.finish());
    }
    if problems.is_empty() {
        Ok(register)
    } else {
        Err(problems)
    }
}

fn sheet_problem(sheet: &SheetIn<'_>, message: String) -> TabularProblem {
    TabularProblem {
        file: sheet.file.to_string(),
        sheet: Some(sheet.name.clone()),
        row: None,
        column: None,
        message,
    }
}

/// The supplier ids seen on the suppliers sheet.
#[derive(Default)]
struct Ids {
    /// Id → index in the register, and the row it is on.
    index: HashMap<String, (usize, usize)>,
    /// The suppliers sheet was read (it exists and has an id column): a child row naming an id
    /// it lacks is an error. Otherwise that error would only repeat the sheet's own problem.
    read: bool,
}

/// The problems of one sheet, sorted by row and column when done.
struct Sink<'s> {
    file: &'s str,
    sheet: &'s str,
    letters: bool,
    first_col: usize,
    list: Vec<(usize, usize, TabularProblem)>,
}

impl<'s> Sink<'s> {
    fn new(sheet: &'s SheetIn<'_>) -> Sink<'s> {
        Sink {
            file: sheet.file,
            sheet: &sheet.name,
            letters: sheet.letters,
            first_col: sheet.first_col,
            list: Vec::new(),
        }
    }

    /// A problem at `row` (1-based) and the cell at `index` in the row, in the column `name`.
    fn push(&mut self, row: usize, column: Option<(usize, &str)>, message: String) {
        let position = column.map(|(index, name)| {
            let absolute = self.first_col + index;
            let position = if self.letters {
                ColumnPosition::Letter(column_letter(absolute))
            } else {
                ColumnPosition::Number(absolute + 1)
            };
            (
                index,
                ProblemColumn {
                    name: name.to_string(),
                    position,
                },
            )
        });
        let key = position.as_ref().map_or(0, |(i, _)| i + 1);
        self.list.push((
            row,
            key,
            TabularProblem {
                file: self.file.to_string(),
                sheet: Some(self.sheet.to_string()),
                row: Some(row),
                column: position.map(|(_, c)| c),
                message,
            },
        ));
    }

    fn finish(mut self) -> Vec<TabularProblem> {
        self.list.sort_by_key(|(row, col, _)| (*row, *col));
        self.list.into_iter().map(|(.., p)| p).collect()
    }
}

/// Which cell of a row holds which column of the layout.
struct Header {
    /// Per layout column: its cell index, when the sheet has it.
    cells: Vec<Option<usize>>,
    /// The same by column name, for the lookups of every row.
    by_name: HashMap<String, usize>,
    /// The header row's number.
    row: usize,
}

/// Reads the header (the first non-blank row) and checks the data rows for values in columns
/// without a header. `None` when the sheet is empty.
fn read_header<'r, 'a>(
    sheet: &'r SheetIn<'a>,
    def: &Sheet,
    sink: &mut Sink<'_>,
) -> Option<(Header, Vec<&'r RowIn<'a>>)> {
    let mut rows = sheet
        .rows
        .iter()
        .skip_while(|r| r.cells.iter().all(Cell::is_blank));
    let head = rows.next()?;
    let mut header = Header {
        cells: vec![None; def.columns.len()],
        by_name: HashMap::new(),
        row: head.number,
    };
    let mut unnamed: Vec<bool> = Vec::with_capacity(head.cells.len());
    for (index, cell) in head.cells.iter().enumerate() {
        unnamed.push(cell.is_blank());
        if cell.is_blank() {
            continue;
        }
        let written = match cell.text() {
            Ok(t) => t.trim().to_string(),
            Err(e) => {
                sink.push(head.number, Some((index, "")), e);
                continue;
            }
        };
        match def.position(&written.to_lowercase()) {
            Some(pos) => match header.cells[pos] {
                Some(first) => sink.push(
                    head.number,
                    Some((index, &written)),
                    format!(
                        "the column {} is given twice (first in column {})",
                        quoted(&written),
                        position_text(sink, first)
                    ),
                ),
                None => header.cells[pos] = Some(index),
            },
            None => sink.push(
                head.number,
                Some((index, &written)),
                format!(
                    "unknown column {}: expected {}",
                    quoted(&written),
                    def.expected()
                ),
            ),
        }
    }
    header.by_name = def
        .columns
        .iter()
        .zip(&header.cells)
        .filter_map(|(column, index)| Some((column.name.clone(), (*index)?)))
        .collect();
    let data: Vec<&RowIn<'a>> = rows
        .filter(|r| !r.cells.iter().all(Cell::is_blank))
        .collect();
    // A value under no header would be silently lost: report each such column once.
    let mut reported = HashSet::new();
    for row in &data {
        for (index, cell) in row.cells.iter().enumerate() {
            if !cell.is_blank()
                && unnamed.get(index).copied().unwrap_or(true)
                && reported.insert(index)
            {
                sink.push(
                    row.number,
                    Some((index, "")),
                    "the cell has a value but its column has no header".into(),
                );
            }
        }
    }
    for (column, cell) in def.columns.iter().zip(&header.cells) {
        if column.required
            && cell.is_none()
            && (!data.is_empty() || column.name == "id" || column.name == SUPPLIER_COLUMN)
        {
            let why = if column.name == "id" {
                "every supplier needs an id".to_string()
            } else if column.name == SUPPLIER_COLUMN {
                format!(
                    "every row of the {} sheet names its supplier by id",
                    def.name
                )
            } else {
                format!("every {} needs one", def.noun)
            };
            sink.push(
                header.row,
                None,
                format!("missing column {}: {why}", quoted(&column.name)),
            );
        }
    }
    Some((header, data))
}

fn position_text(sink: &Sink<'_>, index: usize) -> String {
    let absolute = sink.first_col + index;
    if sink.letters {
        column_letter(absolute)
    } else {
        (absolute + 1).to_string()
    }
}

/// One data row being read: lookups by column name, problems pushed as they are found.
struct Row<'r, 'a, 's, 'k> {
    cells: &'r [Cell<'a>],
    number: usize,
    header: &'r Header,
    def: &'r Sheet,
    sink: &'k mut Sink<'s>,
}

impl<'r, 'a> Row<'r, 'a, '_, '_> {
    /// The column's position in the layout and, when the sheet has the column and the cell is
    /// not blank, the cell index and the cell.
    fn get(&self, name: &str) -> Option<(usize, &'r Cell<'a>)> {
        let index = *self.header.by_name.get(name)?;
        let cell = self.cells.get(index)?;
        (!cell.is_blank()).then_some((index, cell))
    }

    fn problem(&mut self, index: usize, name: &str, message: String) {
        self.sink.push(self.number, Some((index, name)), message);
    }

    fn parse<T>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&Cell<'a>) -> Result<T, String>,
    ) -> Option<T> {
        let (index, cell) = self.get(name)?;
        match parse(cell) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(index, name, e);
                None
            }
        }
    }

    /// Free text, kept as written.
    fn text(&mut self, name: &str) -> Option<String> {
        self.parse(name, |c| c.text().map(std::borrow::Cow::into_owned))
    }

    /// Free text, one item per line.
    fn lines(&mut self, name: &str) -> Vec<String> {
        self.parse(name, |c| {
            c.text()
                .map(|t| cell::lines(&t).map(str::to_string).collect())
        })
        .unwrap_or_default()
    }

    fn yes_no(&mut self, name: &str, default: bool) -> bool {
        self.parse(name, cell::parse_yes_no).unwrap_or(default)
    }

    fn date(&mut self, name: &str) -> Option<Date> {
        self.parse(name, cell::parse_date_cell)
    }

    fn choice<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Option<T> {
        self.parse(name, |c| cell::parse_choice(c, parse, expected))
    }

    fn choices<T>(
        &mut self,
        name: &str,
        parse: fn(&str) -> Option<T>,
        expected: fn() -> String,
    ) -> Vec<T> {
        let Some((index, cell)) = self.get(name) else {
            return Vec::new();
        };
        match cell::parse_choices(cell, parse, expected) {
            Ok(values) => values,
            Err(problems) => {
                for p in problems {
                    self.problem(index, name, p);
                }
                Vec::new()
            }
        }
    }

    fn country(&mut self, name: &str) -> Option<Country> {
        self.parse(name, |c| cell::parse_country_text(c.text()?.trim()))
    }

    /// Country codes, one per line (or separated by commas or semicolons); strictly upper case.
    fn countries(&mut self, name: &str) -> Vec<Country> {
        let Some((index, cell)) = self.get(name) else {
            return Vec::new();
        };
        let text = match cell.text() {
            Ok(t) => t,
            Err(e) => {
                self.problem(index, name, e);
                return Vec::new();
            }
        };
        let mut countries = Vec::new();
        for code in cell::codes(&text) {
            match cell::parse_country_text(code) {
                Ok(c) => countries.push(c),
                Err(e) => self.problem(index, name, e),
            }
        }
        countries
    }

    /// Document references, one per line (see [`cell::parse_document`]); each bad line is a
    /// problem of its own.
    fn documents(&mut self, name: &str) -> Vec<Document> {
        let Some((index, cell)) = self.get(name) else {
            return Vec::new();
        };
        let text = match cell.text() {
            Ok(t) => t,
            Err(e) => {
                self.problem(index, name, e);
                return Vec::new();
            }
        };
        let mut documents = Vec::new();
        for line in cell::lines(&text) {
            match cell::parse_document(line) {
                Ok(d) => documents.push(d),
                Err(e) => self.problem(index, name, e),
            }
        }
        documents
    }

    fn number(&mut self, name: &str, percent: bool) -> Option<f64> {
        self.parse(name, |c| cell::parse_number(c, percent))
    }

    /// A required value: a blank cell is reported (a missing column was reported with the
    /// header, a bad value where it was parsed).
    fn require<T>(&mut self, name: &str, value: Option<T>) -> Option<T> {
        if value.is_none()
            && let Some(&index) = self.header.by_name.get(name)
            && self.cells.get(index).is_none_or(Cell::is_blank)
        {
            let message = format!("missing {name}: every {} needs one", self.def.noun);
            self.problem(index, name, message);
        }
        value
    }

    /// The supplier id in column `name`.
    fn supplier_id(&mut self, name: &str) -> Result<SupplierId, Option<String>> {
        let Some((index, cell)) = self.get(name) else {
            return Err(None);
        };
        let text = match cell.text() {
            Ok(t) => t.trim().to_string(),
            Err(e) => {
                self.problem(index, name, e);
                return Err(None);
            }
        };
        SupplierId::parse(&text).map_err(|e| {
            self.problem(index, name, format!("supplier id {} {e}", quoted(&text)));
            Some(text)
        })
    }
}

fn read_suppliers(
    sheet: &SheetIn<'_>,
    layout: &Layout,
    sink: &mut Sink<'_>,
    register: &mut Register,
    ids: &mut Ids,
) {
    let Some(def) = layout.sheet(layout::SUPPLIERS) else {
        return;
    };
    let Some((header, rows)) = read_header(sheet, def, sink) else {
        sink.push(
            1,
            None,
            "the sheet is empty: its first row names the columns, starting with id".into(),
        );
        return;
    };
    let Some(id_index) = def.position("id").and_then(|p| header.cells[p]) else {
        return;
    };
    ids.read = true;
    for row in rows {
        let mut r = Row {
            cells: &row.cells,
            number: row.number,
            header: &header,
            def,
            sink,
        };
        let id = r.supplier_id("id");
        // A row without a valid id is still checked cell by cell, under a stand-in id.
        let Some(stand_in) = id
            .as_ref()
            .ok()
            .cloned()
            .or_else(|| SupplierId::parse("-").ok())
        else {
            continue;
        };
        let supplier = read_supplier(&mut r, stand_in);
        match id {
            Ok(id) => {
                if let Some((_, first_row)) = ids.index.get(id.as_str()) {
                    let message = format!(
                        "duplicate supplier id {}: already on row {first_row}",
                        quoted(id.as_str())
                    );
                    r.problem(id_index, "id", message);
                } else {
                    ids.index.insert(
                        id.as_str().to_string(),
                        (register.suppliers.len(), row.number),
                    );
                    register.suppliers.push(supplier);
                }
            }
            // An invalid id was reported where it was read.
            Err(Some(_)) => {}
            Err(None) => r.problem(
                id_index,
                "id",
                "missing id: every supplier needs one".into(),
            ),
        }
    }
}

/// Reads every column of a supplier row but its id.
fn read_supplier(r: &mut Row<'_, '_, '_, '_>, id: SupplierId) -> Supplier {
    let mut s = Supplier::new(id);
    s.name = r.text("name");
    s.category = r.choice("category", Category::parse, Category::expected);
    s.services = r.lines("services");
    s.status = r.choice("status", Status::parse, Status::expected);
    s.owner = r.text("owner");
    s.website = r.text("website");
    s.data.personal_data = r.yes_no("data.personal_data", false);
    s.data.customer_data = r.yes_no("data.customer_data", false);
    s.data.confidential = r.yes_no("data.confidential", false);
    s.data.production_dependency = r.yes_no("data.production_dependency", false);
    s.data.categories = r.lines("data.categories");
    s.inference.provides = r.yes_no("inference.provides", false);
    s.risk.business_impact = r.choice(
        "risk.business_impact",
        BusinessImpact::parse,
        BusinessImpact::expected,
    );
    s.risk.data_access = r.choice("risk.data_access", DataAccess::parse, DataAccess::expected);
    s.risk.replaceability = r.choice(
        "risk.replaceability",
        Replaceability::parse,
        Replaceability::expected,
    );
    s.subprocessors.known = r.yes_no("subprocessors.known", false);
    s.public_listing.listed = r.yes_no("public_listing.listed", false);
    s.public_listing.purpose = r.text("public_listing.purpose");
    s.public_listing.since = r.date("public_listing.since");
    s
}

/// Reads a child sheet and attaches each row to its supplier.
fn read_children(
    sheet: &SheetIn<'_>,
    def: &Sheet,
    layout: &Layout,
    sink: &mut Sink<'_>,
    register: &mut Register,
    ids: &Ids,
) {
    // An empty child sheet is no rows.
    let Some((header, rows)) = read_header(sheet, def, sink) else {
        return;
    };
    let Some(supplier_index) = def.position(SUPPLIER_COLUMN).and_then(|p| header.cells[p]) else {
        return;
    };
    for row in rows {
        let mut r = Row {
            cells: &row.cells,
            number: row.number,
            header: &header,
            def,
            sink,
        };
        let owner = match r.supplier_id(SUPPLIER_COLUMN) {
            Ok(id) => {
                let found = ids.index.get(id.as_str()).map(|(index, _)| *index);
                if found.is_none() && ids.read {
                    let message = format!(
                        "unknown supplier {}: no row of the {} sheet has this id",
                        quoted(id.as_str()),
                        layout::SUPPLIERS
                    );
                    r.problem(supplier_index, SUPPLIER_COLUMN, message);
                }
                found
            }
            // An invalid id was reported where it was read.
            Err(Some(_)) => None,
            Err(None) => {
                let message = format!(
                    "missing supplier: every {} names its supplier by id",
                    def.noun
                );
                r.problem(supplier_index, SUPPLIER_COLUMN, message);
                None
            }
        };
        let supplier = owner.and_then(|i| register.suppliers.get_mut(i));
        match def.name {
            layout::LOCATIONS => {
                if let (Some(item), Some(s)) = (read_location(&mut r), supplier) {
                    s.locations.push(item);
                }
            }
            layout::ASSURANCE => {
                if let (Some(item), Some(s)) = (read_assurance(&mut r), supplier) {
                    s.assurance.push(item);
                }
            }
            layout::AGREEMENTS => {
                let item = read_agreement(&mut r, layout);
                if let Some(s) = supplier {
                    s.agreements.push(item);
                }
            }
            layout::ASSESSMENTS => {
                if let (Some(item), Some(s)) = (read_assessment(&mut r), supplier) {
                    s.assessments.push(item);
                }
            }
            layout::REVIEWS => {
                if let (Some(item), Some(s)) = (read_review(&mut r), supplier) {
                    s.reviews.push(item);
                }
            }
            layout::EVENTS => {
                if let (Some(item), Some(s)) = (read_event(&mut r), supplier) {
                    s.events.push(item);
                }
            }
            layout::RISKS => {
                let item = read_risk(&mut r);
                if let Some(s) = supplier {
                    s.risks.push(item);
                }
            }
            layout::SUBPROCESSORS => {
                let item = read_subprocessor(&mut r);
                if let Some(s) = supplier {
                    s.subprocessors.list.push(item);
                }
            }
            _ => {}
        }
    }
}

fn read_location(r: &mut Row<'_, '_, '_, '_>) -> Option<Location> {
    let country = r.country("country");
    let country = r.require("country", country);
    let region = r.text("region");
    let purpose = r.choice("purpose", Purpose::parse, Purpose::expected);
    let purpose = r.require("purpose", purpose);
    let note = r.text("note");
    let mechanism = r.choice("mechanism", Mechanism::parse, Mechanism::expected);
    Some(Location {
        country: country?,
        region,
        purpose: purpose?,
        note,
        mechanism,
    })
}

fn read_assurance(r: &mut Row<'_, '_, '_, '_>) -> Option<Assurance> {
    let kind = r.choice("kind", AssuranceKind::parse, AssuranceKind::expected);
    let kind = r.require("kind", kind);
    let mut a = Assurance::new(AssuranceKind::Other);
    a.issuer = r.text("issuer");
    a.scope = r.text("scope");
    a.valid_from = r.date("valid_from");
    a.valid_until = r.date("valid_until");
    a.period_start = r.date("period_start");
    a.period_end = r.date("period_end");
    a.completed = r.date("completed");
    a.covers_service = r.yes_no("covers_service", true);
    a.exceptions = r.lines("exceptions");
    a.exceptions_acknowledged = r.yes_no("exceptions_acknowledged", false);
    a.compensating_controls = r.lines("compensating_controls");
    a.documents = r.documents("documents");
    a.kind = kind?;
    Some(a)
}

fn read_agreement(r: &mut Row<'_, '_, '_, '_>, layout: &Layout) -> Agreement {
    let mut a = Agreement {
        kind: r.choice("kind", AgreementKind::parse, AgreementKind::expected),
        title: r.text("title"),
        signed: r.date("signed"),
        expires: r.date("expires"),
        terminated: r.date("terminated"),
        gdpr_art28: r.yes_no("gdpr_art28", false),
        ..Agreement::default()
    };
    for clause in &layout.clauses {
        let present = r.parse(&clause.column, cell::parse_yes_no);
        let mut params = ClauseParams::new();
        let mut filled = None;
        for (param, column, kind) in &clause.params {
            let value = match kind {
                ParamKind::Text => r.text(column).map(ParamValue::Text),
                ParamKind::Number => r
                    .number(column, false)
                    .map(|v| ParamValue::Number(Number(v))),
                ParamKind::Percent => r
                    .number(column, true)
                    .map(|v| ParamValue::Number(Number(v))),
            };
            if r.get(column).is_some() {
                filled.get_or_insert(column);
            }
            if let Some(value) = value {
                params.insert(param.clone(), value);
            }
        }
        match (present, filled) {
            (Some(false), Some(param_column)) => {
                if let Some((index, cell)) = r.get(&clause.column) {
                    let said = cell
                        .text()
                        .map(|t| t.trim().to_string())
                        .unwrap_or_default();
                    let message = format!(
                        "the {} clause is marked {} but {param_column} is filled in",
                        clause.key,
                        quoted(&said)
                    );
                    r.problem(index, &clause.column, message);
                }
            }
            (Some(true), _) | (None, Some(_)) => {
                a.clauses.insert(clause.key.clone(), params);
            }
            (Some(false) | None, None) => {}
        }
    }
    a
}

fn read_assessment(r: &mut Row<'_, '_, '_, '_>) -> Option<Assessment> {
    let date = r.date("date");
    let date = r.require("date", date);
    let assessor = r.text("assessor");
    let outcome = r.choice(
        "outcome",
        AssessmentOutcome::parse,
        AssessmentOutcome::expected,
    );
    let outcome = r.require("outcome", outcome);
    let notes = r.text("notes");
    Some(Assessment {
        date: date?,
        assessor,
        outcome: outcome?,
        notes,
    })
}

fn read_review(r: &mut Row<'_, '_, '_, '_>) -> Option<Review> {
    let date = r.date("date");
    let date = r.require("date", date);
    Some(Review {
        reviewer: r.text("reviewer"),
        trigger: r.choice("trigger", ReviewTrigger::parse, ReviewTrigger::expected),
        outcome: r.choice("outcome", ReviewOutcome::parse, ReviewOutcome::expected),
        checks: r.choices("checks", ReviewCheck::parse, ReviewCheck::expected),
        notes: r.text("notes"),
        date: date?,
    })
}

fn read_event(r: &mut Row<'_, '_, '_, '_>) -> Option<Event> {
    let date = r.date("date");
    let date = r.require("date", date);
    let kind = r.choice("kind", EventKind::parse, EventKind::expected);
    let kind = r.require("kind", kind);
    let summary = r.text("summary");
    Some(Event {
        date: date?,
        kind: kind?,
        summary,
    })
}

fn read_risk(r: &mut Row<'_, '_, '_, '_>) -> RiskEntry {
    RiskEntry {
        id: r.text("id"),
        title: r.text("title"),
        status: r.choice("status", RiskStatus::parse, RiskStatus::expected),
        treatment: r.choice("treatment", Treatment::parse, Treatment::expected),
        owner: r.text("owner"),
        due: r.date("due"),
        description: r.text("description"),
        rules: r.lines("rules"),
        opened: r.date("opened"),
        accepted_by: r.text("accepted_by"),
        accepted_until: r.date("accepted_until"),
    }
}

fn read_subprocessor(r: &mut Row<'_, '_, '_, '_>) -> Subprocessor {
    Subprocessor {
        name: r.text("name"),
        purpose: r.text("purpose"),
        countries: r.countries("countries"),
    }
}
