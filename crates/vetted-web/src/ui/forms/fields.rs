//! Form fields, from what a form shows to what the register decoder checks and back:
//!
//! - [`Field`] and [`Kind`]: one control, named by the dotted path of its value inside the
//!   record (`country`, `data.personal_data`, `clauses.incident_notification.hours`), so a
//!   problem the decoder reports at `locations[3].country` finds its field by name;
//! - [`Values`]: what was typed (or what is stored, for an edit form), as the browser sends it;
//! - [`Values::to_record`]: the JSON record built from them, which the handlers give to the
//!   same decoder the REST API and the import use (so the rules live in one place, the core);
//! - [`Errors::from_problems`]: the decoder's problems put next to their fields;
//! - [`groups`], [`Input`]: what the templates draw (`templates/forms/_input.html`), with
//!   `aria-invalid` and `aria-describedby` worked out here rather than in the template;
//! - [`conflict_rows`]: a stale edit's values beside the current ones.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

/// One control of a form.
#[derive(Clone, Debug)]
pub struct Field {
    /// The dotted path of the value inside the record, and the control's `name`.
    pub name: String,
    /// The visible label.
    pub label: String,
    /// A line of help under the label.
    pub hint: Option<String>,
    /// What kind of control and value.
    pub kind: Kind,
    /// Whether the register format requires the value (marked, and `required` in the HTML).
    pub required: bool,
}

impl Field {
    /// An optional field.
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: Kind) -> Field {
        Field {
            name: name.into(),
            label: label.into(),
            hint: None,
            kind,
            required: false,
        }
    }

    /// The same field, required.
    #[must_use]
    pub fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// The same field with a line of help.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }
}

/// A choice of a select or of a group of checkboxes: the wire value and its label.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The value sent and stored (`due_diligence`).
    pub value: String,
    /// What the user reads (`Due diligence`).
    pub label: String,
}

impl Choice {
    /// Every value of a closed set, labelled with [`super::label`].
    pub fn all<T: Copy>(values: &[T], wire: fn(T) -> &'static str) -> Vec<Choice> {
        values
            .iter()
            .map(|v| Choice {
                value: wire(*v).to_string(),
                label: super::label(wire(*v)),
            })
            .collect()
    }
}

/// One clause of the policy's catalogue in an agreement form: a checkbox (`clauses` =
/// `key`) and its parameters (`clauses.key.param`).
#[derive(Clone, Debug)]
pub struct ClauseSpec {
    /// The clause key.
    pub key: String,
    /// Its title in the policy.
    pub title: String,
    /// Its parameters, as number or text fields.
    pub params: Vec<Field>,
}

/// The kinds of control, and how each turns typed text into a JSON value.
#[derive(Clone, Debug)]
pub enum Kind {
    /// One line of text.
    Text,
    /// A web address.
    Url,
    /// Free text over several lines, one string.
    TextArea,
    /// A list of strings, one a line.
    Lines,
    /// A date, `YYYY-MM-DD`.
    Date,
    /// A country code (upper-cased as typed: `de` is `DE`).
    Country,
    /// Country codes separated by commas or spaces.
    Countries,
    /// One of a closed set (an empty choice when not required).
    Select(Vec<Choice>),
    /// A yes/no flag.
    Checkbox,
    /// Any of a closed set, as a list.
    Choices(Vec<Choice>),
    /// A number ≥ 0; with `max`, at most that (percentages).
    Number {
        /// The largest value (`Some(100)` for a percentage).
        max: Option<u32>,
    },
    /// The clause checklist of an agreement.
    Clauses(Vec<ClauseSpec>),
}

/// A named group of fields: a `<fieldset>` with its legend.
#[derive(Clone, Debug)]
pub struct Group {
    /// The legend; `None` draws the fields without a fieldset border.
    pub legend: Option<String>,
    /// The fields, in order.
    pub fields: Vec<Field>,
}

impl Group {
    /// A group with a legend.
    pub fn new(legend: impl Into<String>, fields: Vec<Field>) -> Group {
        Group {
            legend: Some(legend.into()),
            fields,
        }
    }

    /// A group without a legend.
    pub fn plain(fields: Vec<Field>) -> Group {
        Group {
            legend: None,
            fields,
        }
    }
}

/// Every field of `groups`, clause parameters included.
fn all_fields(groups: &[Group]) -> impl Iterator<Item = &Field> {
    groups.iter().flat_map(|g| &g.fields).flat_map(|f| {
        let params: Vec<&Field> = match &f.kind {
            Kind::Clauses(specs) => specs.iter().flat_map(|c| &c.params).collect(),
            _ => Vec::new(),
        };
        std::iter::once(f).chain(params)
    })
}

/// The form's own fields that are not record values.
const NOT_VALUES: [&str; 2] = ["csrf_token", "version"];

/// What a form holds: each field's values as the browser sends them (one for most controls,
/// one per ticked box for checkbox groups).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Values(BTreeMap<String, Vec<String>>);

impl Values {
    /// The submitted pairs, without the CSRF token and the version.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Values {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            if !NOT_VALUES.contains(&k.as_str()) {
                map.entry(k).or_default().push(v);
            }
        }
        Values(map)
    }

    /// The (first) value of `name`, or `""`.
    pub fn first(&self, name: &str) -> &str {
        self.0
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> &[String] {
        self.0.get(name).map_or(&[], Vec::as_slice)
    }

    /// Whether `name` holds `value` (a ticked box of a group).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.all(name).iter().any(|v| v == value)
    }

    /// Whether the checkbox `name` is ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.all(name).iter().any(|v| !v.is_empty())
    }

    fn set(&mut self, name: &str, values: Vec<String>) {
        if values.is_empty() {
            self.0.remove(name);
        } else {
            self.0.insert(name.to_string(), values);
        }
    }

    /// The values an edit form starts with: the stored record's, field by field.
    pub fn from_record(groups: &[Group], record: &Value) -> Values {
        let mut out = Values::default();
        for field in all_fields(groups) {
            let value = get_path(record, &field.name);
            let values = match (&field.kind, value) {
                (_, None | Some(Value::Null)) => Vec::new(),
                (Kind::Clauses(_), Some(Value::Object(map))) => map.keys().cloned().collect(),
                (Kind::Checkbox, Some(Value::Bool(b))) => {
                    if *b {
                        vec!["true".to_string()]
                    } else {
                        Vec::new()
                    }
                }
                (Kind::Lines, Some(Value::Array(items))) => vec![joined(items, "\n")],
                (Kind::Countries, Some(Value::Array(items))) => vec![joined(items, ", ")],
                (Kind::Choices(_), Some(Value::Array(items))) => {
                    items.iter().map(scalar_text).collect()
                }
                (_, Some(v)) => vec![scalar_text(v)],
            };
            out.set(&field.name, values);
        }
        out
    }

    /// The record these values make, on top of `base` (the stored record for an edit, so
    /// what the form does not show is kept; an empty object for a new one). An empty field
    /// removes its value: the register format leaves absent what is not recorded.
    pub fn to_record(&self, groups: &[Group], base: Value) -> Value {
        let mut record = match base {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        for field in groups.iter().flat_map(|g| &g.fields) {
            let value = match &field.kind {
                Kind::Clauses(specs) => self.clauses(specs),
                kind => self.value(&field.name, kind),
            };
            set_path(&mut record, &field.name, value);
        }
        Value::Object(record)
    }

    /// The JSON value of one field (`None`: absent).
    fn value(&self, name: &str, kind: &Kind) -> Option<Value> {
        let text = self.first(name);
        let strings = |items: Vec<String>| {
            (!items.is_empty())
                .then(|| Value::Array(items.into_iter().map(Value::String).collect()))
        };
        match kind {
            Kind::Checkbox => Some(Value::Bool(self.checked(name))),
            Kind::Lines => strings(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
            Kind::Countries => strings(
                text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
                    .filter(|c| !c.is_empty())
                    .map(str::to_uppercase)
                    .collect(),
            ),
            Kind::Choices(_) => strings(
                self.all(name)
                    .iter()
                    .filter(|v| !v.is_empty())
                    .cloned()
                    .collect(),
            ),
            Kind::Country => non_empty(text).map(|t| Value::String(t.to_uppercase())),
            Kind::Number { .. } => non_empty(text).map(number),
            Kind::TextArea => non_empty(text).map(|t| Value::String(t.to_string())),
            Kind::Text | Kind::Url | Kind::Date | Kind::Select(_) | Kind::Clauses(_) => {
                non_empty(text).map(|t| Value::String(t.to_string()))
            }
        }
    }

    /// The `clauses` object: each ticked clause of the catalogue, in the catalogue's order,
    /// with the parameters given.
    fn clauses(&self, specs: &[ClauseSpec]) -> Option<Value> {
        let mut clauses = Map::new();
        for spec in specs.iter().filter(|c| self.has("clauses", &c.key)) {
            let mut params = Map::new();
            for p in &spec.params {
                if let Some(v) = self.value(&p.name, &p.kind) {
                    let short = p.name.rsplit('.').next().unwrap_or(&p.name);
                    params.insert(short.to_string(), v);
                }
            }
            clauses.insert(spec.key.clone(), Value::Object(params));
        }
        (!clauses.is_empty()).then_some(Value::Object(clauses))
    }

    /// What the form itself refuses before the decoder sees the record: parameters typed
    /// for a clause that is not ticked (they would be dropped without a word).
    pub fn check(&self, groups: &[Group]) -> Errors {
        let mut errors = Errors::default();
        for field in groups.iter().flat_map(|g| &g.fields) {
            if let Kind::Clauses(specs) = &field.kind {
                for spec in specs.iter().filter(|c| !self.has("clauses", &c.key)) {
                    for p in spec
                        .params
                        .iter()
                        .filter(|p| !self.first(&p.name).trim().is_empty())
                    {
                        errors.add(
                            &p.name,
                            format!(
                                "Tick “{}” to record this parameter, or clear it.",
                                spec.title
                            ),
                        );
                    }
                }
            }
        }
        errors
    }
}

fn non_empty(text: &str) -> Option<&str> {
    let t = text.trim();
    (!t.is_empty()).then_some(t)
}

/// A typed number as a JSON number; anything else stays text, so the decoder names it
/// ("expected a number, found …") with the value as typed.
fn number(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .and_then(serde_json::Number::from_f64)
        .map_or_else(|| Value::String(text.to_string()), Value::Number)
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_text(n),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// `48` rather than `48.0`: the register writes whole numbers without a fraction.
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        _ => n.to_string(),
    }
}

fn joined(items: &[Value], sep: &str) -> String {
    items.iter().map(scalar_text).collect::<Vec<_>>().join(sep)
}

/// The value at a dotted path.
fn get_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// Sets (or, with `None`, removes) the value at a dotted path, creating objects on the way.
fn set_path(map: &mut Map<String, Value>, path: &str, value: Option<Value>) {
    match path.split_once('.') {
        None => {
            match value {
                Some(v) => map.insert(path.to_string(), v),
                None => map.remove(path),
            };
        }
        Some((head, rest)) => {
            let child = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(inner) = child {
                set_path(inner, rest, value);
            }
        }
    }
}

/// Messages by field, and those that belong to no field of the form.
#[derive(Clone, Debug, Default)]
pub struct Errors {
    by_field: BTreeMap<String, Vec<String>>,
    /// Problems elsewhere in the record (shown above the form with their path).
    pub other: Vec<String>,
}

impl Errors {
    /// Adds a message to field `name`.
    pub fn add(&mut self, name: &str, message: String) {
        self.by_field
            .entry(name.to_string())
            .or_default()
            .push(message);
    }

    /// Whether nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty() && self.other.is_empty()
    }

    /// The messages of field `name`.
    pub fn of(&self, name: &str) -> &[String] {
        self.by_field.get(name).map_or(&[], Vec::as_slice)
    }

    /// Both sets of messages.
    pub fn merge(&mut self, other: Errors) {
        for (k, v) in other.by_field {
            self.by_field.entry(k).or_default().extend(v);
        }
        self.other.extend(other.other);
    }

    /// The decoder's problems for a record decoded at `prefix` (`locations[3]`; empty for a
    /// whole supplier), each put on the field its path names. A path inside a list value
    /// (`services[2]`) names the list's field; one inside a clause that the form has no field
    /// for names the checklist. A required value left out is reported by the decoder on the
    /// record itself (`missing required field "country"`): it goes to that field, worded for
    /// a form.
    pub fn from_problems(
        problems: &[crate::error::Problem],
        prefix: &str,
        groups: &[Group],
    ) -> Errors {
        let fields: BTreeMap<&str, &Field> =
            all_fields(groups).map(|f| (f.name.as_str(), f)).collect();
        let mut errors = Errors::default();
        for p in problems {
            let Some(rest) = relative(&p.path, prefix) else {
                errors.other.push(located(&p.path, &p.message));
                continue;
            };
            if rest.is_empty() {
                let missing = fields
                    .values()
                    .find(|f| p.message == format!("missing required field {:?}", f.name));
                match missing {
                    Some(f) => errors.add(&f.name, required_message(&f.kind)),
                    None => errors.other.push(p.message.clone()),
                }
                continue;
            }
            let path = without_indices(rest);
            let mut candidate = path.as_str();
            loop {
                if fields.contains_key(candidate) {
                    errors.add(candidate, p.message.clone());
                    break;
                }
                let Some((parent, _)) = candidate.rsplit_once('.') else {
                    errors.other.push(located(&p.path, &p.message));
                    break;
                };
                candidate = parent;
            }
        }
        errors
    }
}

fn located(path: &str, message: &str) -> String {
    if path.is_empty() {
        message.to_string()
    } else {
        format!("{path}: {message}")
    }
}

fn required_message(kind: &Kind) -> String {
    match kind {
        Kind::Select(_) | Kind::Choices(_) => "Required: choose one.".to_string(),
        Kind::Date => "Required: enter a date (YYYY-MM-DD).".to_string(),
        _ => "Required: enter a value.".to_string(),
    }
}

/// `path` relative to the record at `prefix`: `Some("")` for the record itself, `None` for a
/// path outside it.
fn relative<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    if prefix.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(prefix)?;
    if rest.is_empty() {
        Some(rest)
    } else {
        rest.strip_prefix('.')
    }
}

/// `data.categories[1]` → `data.categories`: list positions name the list's field.
fn without_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '[' {
            let mut inner = String::new();
            let mut closed = false;
            for d in chars.by_ref() {
                if d == ']' {
                    closed = true;
                    break;
                }
                inner.push(d);
            }
            if !(closed && !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit())) {
                // A quoted key (`["a b"]`): keep it, so it matches no field and walks up.
                out.push('[');
                out.push_str(&inner);
                if closed {
                    out.push(']');
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A control as the templates draw it.
#[derive(Clone, Debug)]
pub struct Input {
    /// The `name` sent.
    pub name: String,
    /// The element id (`f-` and the name with dots as dashes).
    pub id: String,
    /// The label.
    pub label: String,
    /// A line of help.
    pub hint: Option<String>,
    /// Which control.
    pub control: Control,
    /// Marked required.
    pub required: bool,
    /// The text shown in it.
    pub value: String,
    /// A checkbox's state.
    pub checked: bool,
    /// A select's or checkbox group's choices.
    pub options: Vec<Opt>,
    /// The largest number accepted (percentages).
    pub max: Option<u32>,
    /// What is wrong with it.
    pub errors: Vec<String>,
    /// The clause checklist.
    pub clauses: Vec<ClauseInput>,
}

impl Input {
    /// Whether it has a problem (`aria-invalid="true"`).
    pub fn invalid(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The id of its error message.
    pub fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }

    /// The id of its help line.
    pub fn hint_id(&self) -> String {
        format!("{}-hint", self.id)
    }

    /// `aria-describedby`: the help line and the error message, when present.
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(self.hint_id());
        }
        if self.invalid() {
            ids.push(self.error_id());
        }
        ids.join(" ")
    }

    /// The `type` of an `<input>`.
    pub fn input_type(&self) -> &'static str {
        match self.control {
            Control::Url => "url",
            Control::Date => "date",
            Control::Number => "number",
            _ => "text",
        }
    }
}

/// The controls `templates/forms/_input.html` knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// `<input type=text>`.
    Text,
    /// `<input type=url>`.
    Url,
    /// `<input type=date>`.
    Date,
    /// `<input type=number>`.
    Number,
    /// A two-letter code.
    Country,
    /// `<textarea>`.
    TextArea,
    /// `<select>`.
    Select,
    /// One checkbox.
    Checkbox,
    /// A fieldset of checkboxes.
    Choices,
    /// The clause checklist.
    Clauses,
}

/// A choice as drawn.
#[derive(Clone, Debug)]
pub struct Opt {
    /// Its value.
    pub value: String,
    /// Its label.
    pub label: String,
    /// Selected or ticked.
    pub selected: bool,
    /// The element id (checkbox groups).
    pub id: String,
}

/// One clause of the checklist as drawn.
#[derive(Clone, Debug)]
pub struct ClauseInput {
    /// The clause key (the checkbox's value).
    pub key: String,
    /// Its title.
    pub title: String,
    /// The checkbox's id.
    pub id: String,
    /// Ticked.
    pub checked: bool,
    /// Its parameters.
    pub params: Vec<Input>,
}

/// A group as drawn.
#[derive(Clone, Debug)]
pub struct GroupView {
    /// The legend.
    pub legend: Option<String>,
    /// Its controls.
    pub inputs: Vec<Input>,
}

/// The element id of field `name`.
pub fn field_id(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("f-{safe}")
}

fn input(field: &Field, values: &Values, errors: &Errors) -> Input {
    let id = field_id(&field.name);
    let opts = |choices: &[Choice], selected: &dyn Fn(&str) -> bool| {
        choices
            .iter()
            .map(|c| Opt {
                value: c.value.clone(),
                label: c.label.clone(),
                selected: selected(&c.value),
                id: format!("{id}-{}", c.value),
            })
            .collect()
    };
    let (control, options, max, clauses) = match &field.kind {
        Kind::Text | Kind::Lines | Kind::Countries => (Control::Text, Vec::new(), None, Vec::new()),
        Kind::Url => (Control::Url, Vec::new(), None, Vec::new()),
        Kind::TextArea => (Control::TextArea, Vec::new(), None, Vec::new()),
        Kind::Date => (Control::Date, Vec::new(), None, Vec::new()),
        Kind::Country => (Control::Country, Vec::new(), None, Vec::new()),
        Kind::Number { max } => (Control::Number, Vec::new(), *max, Vec::new()),
        Kind::Checkbox => (Control::Checkbox, Vec::new(), None, Vec::new()),
        Kind::Select(choices) => {
            let current = values.first(&field.name);
            (
                Control::Select,
                opts(choices, &|v| v == current),
                None,
                Vec::new(),
            )
        }
        Kind::Choices(choices) => (
            Control::Choices,
            opts(choices, &|v| values.has(&field.name, v)),
            None,
            Vec::new(),
        ),
        Kind::Clauses(specs) => (
            Control::Clauses,
            Vec::new(),
            None,
            specs
                .iter()
                .map(|c| ClauseInput {
                    key: c.key.clone(),
                    title: c.title.clone(),
                    id: format!("{id}-{}", c.key),
                    checked: values.has(&field.name, &c.key),
                    params: c.params.iter().map(|p| input(p, values, errors)).collect(),
                })
                .collect(),
        ),
    };
    // A list written one item a line needs a text area.
    let control = if matches!(field.kind, Kind::Lines) {
        Control::TextArea
    } else {
        control
    };
    Input {
        name: field.name.clone(),
        id,
        label: field.label.clone(),
        hint: field.hint.clone(),
        control,
        required: field.required,
        value: values.first(&field.name).to_string(),
        checked: values.checked(&field.name),
        options,
        max,
        errors: errors.of(&field.name).to_vec(),
        clauses,
    }
}

/// The groups as drawn, with `values` in them and `errors` beside them.
pub fn groups(groups: &[Group], values: &Values, errors: &Errors) -> Vec<GroupView> {
    groups
        .iter()
        .map(|g| GroupView {
            legend: g.legend.clone(),
            inputs: g.fields.iter().map(|f| input(f, values, errors)).collect(),
        })
        .collect()
}

/// One entry of the error summary above a form: a link to the field, or a problem elsewhere.
#[derive(Clone, Debug)]
pub struct SummaryItem {
    /// `#f-country`, when the problem has a field.
    pub href: Option<String>,
    /// `Country: …`.
    pub text: String,
}

/// The error summary: every field's problems in form order, then the others.
pub fn summary(groups: &[Group], errors: &Errors) -> Vec<SummaryItem> {
    let mut out = Vec::new();
    for field in all_fields(groups) {
        for message in errors.of(&field.name) {
            // A clause parameter's label alone ("hours") needs its clause to be understood.
            let label = clause_of(groups, &field.name).map_or_else(
                || field.label.clone(),
                |c| format!("{}: {}", c.title, field.label),
            );
            out.push(SummaryItem {
                href: Some(format!("#{}", field_id(&field.name))),
                text: format!("{label}: {message}"),
            });
        }
    }
    out.extend(errors.other.iter().map(|m| SummaryItem {
        href: None,
        text: m.clone(),
    }));
    out
}

fn clause_of<'g>(groups: &'g [Group], name: &str) -> Option<&'g ClauseSpec> {
    groups
        .iter()
        .flat_map(|g| &g.fields)
        .find_map(|f| match &f.kind {
            Kind::Clauses(specs) => specs
                .iter()
                .find(|c| c.params.iter().any(|p| p.name == name)),
            _ => None,
        })
}

/// One row of a stale edit's comparison.
#[derive(Clone, Debug)]
pub struct ConflictRow {
    /// The field.
    pub label: String,
    /// What the user submitted.
    pub yours: String,
    /// What is stored now.
    pub current: String,
    /// Whether they differ.
    pub differs: bool,
}

/// The user's values beside the current ones, field by field (a clause as one row).
pub fn conflict_rows(groups: &[Group], yours: &Values, current: &Values) -> Vec<ConflictRow> {
    let mut rows = Vec::new();
    for field in groups.iter().flat_map(|g| &g.fields) {
        match &field.kind {
            Kind::Clauses(specs) => {
                for spec in specs {
                    let (a, b) = (clause_text(spec, yours), clause_text(spec, current));
                    rows.push(ConflictRow {
                        label: format!("Clause: {}", spec.title),
                        differs: a != b,
                        yours: a,
                        current: b,
                    });
                }
            }
            kind => {
                let (a, b) = (shown(field, kind, yours), shown(field, kind, current));
                rows.push(ConflictRow {
                    label: field.label.clone(),
                    differs: a != b,
                    yours: a,
                    current: b,
                });
            }
        }
    }
    rows
}

/// A value as the comparison shows it.
fn shown(field: &Field, kind: &Kind, values: &Values) -> String {
    let name = &field.name;
    let text = match kind {
        Kind::Checkbox => {
            return if values.checked(name) { "yes" } else { "no" }.to_string();
        }
        Kind::Select(choices) => {
            let v = values.first(name);
            choices
                .iter()
                .find(|c| c.value == v)
                .map_or_else(|| v.trim().to_string(), |c| c.label.clone())
        }
        Kind::Choices(choices) => {
            let picked: BTreeSet<&str> = values.all(name).iter().map(String::as_str).collect();
            choices
                .iter()
                .filter(|c| picked.contains(c.value.as_str()))
                .map(|c| c.label.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
        Kind::Lines => values
            .first(name)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; "),
        _ => values.first(name).trim().to_string(),
    };
    if text.is_empty() {
        "—".to_string()
    } else {
        text
    }
}

fn clause_text(spec: &ClauseSpec, values: &Values) -> String {
    if !values.has("clauses", &spec.key) {
        return "not included".to_string();
    }
    let params: Vec<String> = spec
        .params
        .iter()
        .filter_map(|p| non_empty(values.first(&p.name)).map(|v| format!("{} {v}", p.label)))
        .collect();
    if params.is_empty() {
        "included".to_string()
    } else {
        format!("included ({})", params.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Vec<Group> {
        vec![Group::plain(vec![
            Field::new("country", "Country", Kind::Country).required(),
            Field::new("note", "Note", Kind::Text),
            Field::new("data.personal_data", "Personal data", Kind::Checkbox),
            Field::new("data.categories", "Categories", Kind::Lines),
            Field::new(
                "clauses",
                "Clauses",
                Kind::Clauses(vec![ClauseSpec {
                    key: "incident_notification".into(),
                    title: "Incident notification".into(),
                    params: vec![Field::new(
                        "clauses.incident_notification.hours",
                        "hours",
                        Kind::Number { max: None },
                    )],
                }]),
            ),
        ])]
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        Values::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
        )
    }

    #[test]
    fn typed_values_make_the_record_and_the_record_fills_the_form() {
        let v = values(&[
            ("csrf_token", "x"),
            ("version", "3"),
            ("country", " de "),
            ("note", "  "),
            ("data.personal_data", "true"),
            ("data.categories", "a\n\n b \n"),
            ("clauses", "incident_notification"),
            ("clauses.incident_notification.hours", "48"),
        ]);
        assert_eq!(v.first("csrf_token"), "");
        let base = serde_json::json!({"note": "old", "region": "kept"});
        let record = v.to_record(&spec(), base);
        assert_eq!(
            record,
            serde_json::json!({
                "country": "DE", "region": "kept",
                "data": {"personal_data": true, "categories": ["a", "b"]},
                "clauses": {"incident_notification": {"hours": 48.0}},
            })
        );
        let back = Values::from_record(&spec(), &record);
        assert_eq!(back.first("country"), "DE");
        assert_eq!(back.first("data.categories"), "a\nb");
        assert!(back.checked("data.personal_data"));
        assert!(back.has("clauses", "incident_notification"));
        assert_eq!(back.first("clauses.incident_notification.hours"), "48");
        // Not a number: kept as text for the decoder to name.
        let v = values(&[
            ("clauses", "incident_notification"),
            ("clauses.incident_notification.hours", "two days"),
        ]);
        assert_eq!(
            v.to_record(&spec(), Value::Null)["clauses"]["incident_notification"]["hours"],
            "two days"
        );
    }

    #[test]
    fn parameters_of_an_unticked_clause_are_refused() {
        let v = values(&[("clauses.incident_notification.hours", "48")]);
        let errors = v.check(&spec());
        assert_eq!(errors.of("clauses.incident_notification.hours").len(), 1);
        assert!(values(&[]).check(&spec()).is_empty());
    }

    #[test]
    fn problems_find_their_fields() {
        use crate::error::Problem;
        let problems = [
            Problem::at("locations[2].country", "`UK` is not a country code"),
            Problem::at("locations[2].data.categories[1]", "expected a string"),
            Problem::at(
                "locations[2].clauses.incident_notification.hours",
                "negative",
            ),
            Problem::at("locations[2].clauses.nope", "unknown clause"),
            Problem::at("locations[2]", "missing required field \"country\""),
            Problem::at("locations[2].colour", "unknown field"),
            Problem::at("name", "outside"),
        ];
        let e = Errors::from_problems(&problems, "locations[2]", &spec());
        assert_eq!(
            e.of("country"),
            ["`UK` is not a country code", "Required: enter a value."]
        );
        assert_eq!(e.of("data.categories"), ["expected a string"]);
        assert_eq!(e.of("clauses.incident_notification.hours"), ["negative"]);
        assert_eq!(e.of("clauses"), ["unknown clause"]);
        assert_eq!(
            e.other,
            ["locations[2].colour: unknown field", "name: outside"]
        );
        assert_eq!(without_indices("a[1].b[\"x y\"][2]"), "a.b[\"x y\"]");
    }
}
