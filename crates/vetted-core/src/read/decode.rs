//! The typed decoder: reads a [`Source`] value by value into the [`crate::model`] types, checking
//! every value against the register format and recording every problem with its path and
//! position, then carrying on with the next value. Only a syntax error ([`Fatal`]) stops it.
//!
//! Nothing is held as a tree: an object's members are decoded as they arrive, so reading a large
//! register costs little more than the register itself.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{Scope, ScopedJoinHandle};

use time::Date;

use super::problems::{Earlier, RawProblem};
use super::source::{Fatal, Pos, Scalar, Source, Tok};
use crate::country::Country;
use crate::date::parse_date;
use crate::model::{
    Agreement, AgreementKind, Assessment, AssessmentOutcome, Assurance, AssuranceKind,
    BusinessImpact, Category, ClauseParams, Clauses, DataAccess, DataHandling, Document,
    DocumentHash, Event, EventKind, FORMAT, Inference, Location, Mechanism, MediaType, Number,
    ParamValue, PublicListing, Purpose, Register, Replaceability, Review, ReviewCheck,
    ReviewOutcome, ReviewTrigger, RiskEntry, RiskInputs, RiskStatus, Status, Subprocessor,
    Subprocessors, Supplier, SupplierId, Treatment, one_of,
};
use crate::policy::{ClauseDef, ParamKind};
use crate::section::{Record, RecordAt};

/// Where a value is: `suppliers[3].agreements[0].clauses.incident_notification.hours`. Built on
/// the stack as the decoder descends and rendered only when a problem needs it.
#[derive(Clone, Copy)]
pub(crate) enum Path<'p> {
    Root,
    Key(&'p Path<'p>, &'p str),
    Index(&'p Path<'p>, usize),
}

impl Path<'_> {
    pub(crate) fn render(&self) -> String {
        let mut segments = Vec::new();
        let mut at = self;
        loop {
            match at {
                Path::Root => break,
                Path::Key(parent, _) | Path::Index(parent, _) => {
                    segments.push(at);
                    at = parent;
                }
            }
        }
        let mut out = String::new();
        for segment in segments.iter().rev() {
            match segment {
                Path::Key(_, key) if is_plain_key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Path::Key(_, key) => {
                    let _ = write!(out, "[{key:?}]");
                }
                Path::Index(_, i) => {
                    let _ = write!(out, "[{i}]");
                }
                Path::Root => {}
            }
        }
        out
    }
}

/// Keys that read unambiguously in a dotted path; others are written `["a key"]`.
fn is_plain_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A string for a message: quoted, escaped, and shortened when long.
fn quote(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        format!("{s:?}")
    } else {
        let short: String = s.chars().take(MAX - 1).collect();
        format!("{:?}", short + "…")
    }
}

fn describe(s: &Scalar<'_>) -> String {
    match s {
        Scalar::Null => "null".to_string(),
        Scalar::Bool(b) => format!("boolean {b}"),
        Scalar::Number { raw, .. } => format!("number {raw}"),
        Scalar::Str(s) => format!("string {}", quote(s)),
    }
}

/// Edit distance counting a swap of neighbours as one edit (optimal string alignment), for
/// "did you mean" on short keys and values.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

/// ` (did you mean "x"?)` when exactly one candidate is close to `word`.
fn suggestion<'c>(word: &str, candidates: impl Iterator<Item = &'c str>) -> String {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for c in candidates {
        let d = if c == lower { 0 } else { distance(&lower, c) };
        match best {
            Some((bd, _)) if d > bd => {}
            Some((bd, _)) if d == bd => tie = true,
            _ => {
                best = Some((d, c));
                tie = false;
            }
        }
    }
    match best {
        // One slip in a short word, two in a longer one.
        Some((d, c)) if !tie && d <= if word.chars().count() <= 5 { 1 } else { 2 } => {
            format!(" (did you mean {c:?}?)")
        }
        _ => String::new(),
    }
}

/// What a value should have been, for "expected …, found …".
#[derive(Clone, Copy)]
enum Expect {
    Text,
    Bool,
    Date,
    Country,
    Id,
    Object,
    List,
    Register,
    Suppliers,
    Supplier,
    Clauses,
    Params,
    Number,
    Percent,
    NumberOrText,
    Size,
    Hash,
    RuleId,
    OneOf(fn() -> String),
}

impl fmt::Display for Expect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expect::Text => f.write_str("a string"),
            Expect::Bool => f.write_str("a boolean (true or false)"),
            Expect::Date => f.write_str("a date (YYYY-MM-DD)"),
            Expect::Country => f.write_str("a country code (ISO 3166-1 alpha-2)"),
            Expect::Id => f.write_str("a supplier id (a string)"),
            Expect::Object => f.write_str("an object"),
            Expect::List => f.write_str("a list"),
            Expect::Register => f.write_str("an object with \"format\" and \"suppliers\""),
            Expect::Suppliers => f.write_str("a list of suppliers"),
            Expect::Supplier => f.write_str("a supplier (an object)"),
            Expect::Clauses => f.write_str("an object of clauses"),
            Expect::Params => f.write_str("an object of clause parameters ({} for none)"),
            Expect::Number => f.write_str("a number ≥ 0"),
            Expect::Percent => f.write_str("a number from 0 to 100"),
            Expect::NumberOrText => f.write_str("a number or a string"),
            Expect::Size => f.write_str("a whole number of bytes (an integer ≥ 0)"),
            Expect::Hash => f.write_str("a SHA-256 (64 lowercase hexadecimal digits)"),
            Expect::RuleId => f.write_str("a rule id (a string such as selection.residency)"),
            Expect::OneOf(expected) => write!(f, "one of {}", expected()),
        }
    }
}

/// What the decoder got for one value.
enum Got<T> {
    Value(T),
    /// `null` (absent), at this position.
    Null(Pos),
    /// Something wrong, already reported.
    Bad,
}

impl<T> Got<T> {
    /// Continues with a value; `null` and already-reported problems pass through.
    fn and_then<U>(self, f: impl FnOnce(T) -> Got<U>) -> Got<U> {
        match self {
            Got::Value(v) => f(v),
            Got::Null(at) => Got::Null(at),
            Got::Bad => Got::Bad,
        }
    }

    fn map<U>(self, f: impl FnOnce(T) -> U) -> Got<U> {
        match self {
            Got::Value(v) => Got::Value(f(v)),
            Got::Null(at) => Got::Null(at),
            Got::Bad => Got::Bad,
        }
    }

    fn ok(self) -> Option<T> {
        match self {
            Got::Value(v) => Some(v),
            Got::Null(_) | Got::Bad => None,
        }
    }
}

/// The model's closed value sets, as the decoder needs them.
trait WireEnum: Copy {
    fn parse(s: &str) -> Option<Self>;
    fn expected() -> String;
    fn names() -> Vec<&'static str>;
}

macro_rules! wire_enums {
    ($($name:ident),+ $(,)?) => {$(
        impl WireEnum for $name {
            fn parse(s: &str) -> Option<Self> {
                $name::parse(s)
            }
            fn expected() -> String {
                $name::expected()
            }
            fn names() -> Vec<&'static str> {
                $name::ALL.iter().map(|v| v.as_str()).collect()
            }
        }
    )+};
}

wire_enums!(
    Category,
    Status,
    Purpose,
    Mechanism,
    AssuranceKind,
    MediaType,
    AgreementKind,
    BusinessImpact,
    DataAccess,
    Replaceability,
    AssessmentOutcome,
    ReviewTrigger,
    ReviewOutcome,
    ReviewCheck,
    EventKind,
    RiskStatus,
    Treatment,
);

/// The fixed keys of one object of the format.
trait Fields: Copy {
    const NAMES: &'static [&'static str];
    fn lookup(name: &str) -> Option<Self>;
    fn index(self) -> usize;
}

macro_rules! fields {
    ($name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        #[derive(Clone, Copy)]
        enum $name { $($variant),+ }

        impl Fields for $name {
            const NAMES: &'static [&'static str] = &[$($wire),+];
            fn lookup(name: &str) -> Option<Self> {
                match name { $($wire => Some($name::$variant),)+ _ => None }
            }
            fn index(self) -> usize {
                self as usize
            }
        }

        // `object` keeps a bit per field.
        const _: () = assert!(<$name as Fields>::NAMES.len() <= 32);
    };
}

fields!(RootField { Format = "format", Suppliers = "suppliers" });

fields!(SupplierField {
    Id = "id",
    Name = "name",
    Category = "category",
    Services = "services",
    Status = "status",
    Owner = "owner",
    Website = "website",
    Data = "data",
    Locations = "locations",
    Inference = "inference",
    Assurance = "assurance",
    Agreements = "agreements",
    Risk = "risk",
    Assessments = "assessments",
    Reviews = "reviews",
    Events = "events",
    Risks = "risks",
    Subprocessors = "subprocessors",
    PublicListing = "public_listing",
});

fields!(DataField {
    PersonalData = "personal_data",
    CustomerData = "customer_data",
    Confidential = "confidential",
    ProductionDependency = "production_dependency",
    Categories = "categories",
});

fields!(LocationField { Country = "country", Region = "region", Purpose = "purpose", Note = "note", Mechanism = "mechanism" });

fields!(InferenceField { Provides = "provides" });

fields!(AssuranceField {
    Kind = "kind",
    Issuer = "issuer",
    Scope = "scope",
    ValidFrom = "valid_from",
    ValidUntil = "valid_until",
    PeriodStart = "period_start",
    PeriodEnd = "period_end",
    Completed = "completed",
    CoversService = "covers_service",
    Exceptions = "exceptions",
    ExceptionsAcknowledged = "exceptions_acknowledged",
    CompensatingControls = "compensating_controls",
    Documents = "documents",
});

fields!(DocumentField { Sha256 = "sha256", Name = "name", MediaType = "media_type", Size = "size" });

fields!(AgreementField {
    Kind = "kind",
    Title = "title",
    Signed = "signed",
    Expires = "expires",
    Terminated = "terminated",
    GdprArt28 = "gdpr_art28",
    Clauses = "clauses",
});

fields!(RiskField { BusinessImpact = "business_impact", DataAccess = "data_access", Replaceability = "replaceability" });

fields!(AssessmentField { Date = "date", Assessor = "assessor", Outcome = "outcome", Notes = "notes" });

fields!(ReviewField {
    Date = "date",
    Reviewer = "reviewer",
    Trigger = "trigger",
    Outcome = "outcome",
    Checks = "checks",
    Notes = "notes",
});

fields!(EventField { Date = "date", Kind = "kind", Summary = "summary" });

fields!(RiskEntryField {
    Id = "id",
    Title = "title",
    Status = "status",
    Treatment = "treatment",
    Owner = "owner",
    Due = "due",
    Description = "description",
    Rules = "rules",
    Opened = "opened",
    AcceptedBy = "accepted_by",
    AcceptedUntil = "accepted_until",
});

fields!(SubprocessorsField { Known = "known", List = "list" });

fields!(SubprocessorField { Name = "name", Purpose = "purpose", Countries = "countries" });

fields!(PublicListingField { Listed = "listed", Purpose = "purpose", Since = "since" });

/// Below this many bytes of suppliers, reading on a second thread does not pay.
const SPLIT_MIN_BYTES: usize = 4 << 20;

/// What the second thread read: suppliers with their indices counted from its start, their
/// problems, and the offset after the list's `]` (or the syntax error that stopped it).
struct Tail {
    suppliers: Vec<Supplier>,
    origins: Vec<(usize, Pos)>,
    problems: Vec<RawProblem>,
    end: Result<usize, Fatal>,
}

/// `suppliers[3].name` → `suppliers[3 + base].name`.
fn shift_supplier_index(path: &mut String, base: usize) {
    let Some(rest) = path.strip_prefix("suppliers[") else {
        return;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if let Ok(i) = rest[..digits].parse::<usize>() {
        *path = format!("suppliers[{}{}", i + base, &rest[digits..]);
    }
}

/// Adds the path of the value being read to a syntax error that has none yet.
fn at_path(path: &Path<'_>) -> impl FnOnce(Fatal) -> Fatal {
    move |mut fatal| {
        if fatal.path.is_none() {
            fatal.path = Some(path.render());
        }
        fatal
    }
}

/// Reads a document into the model, recording problems.
pub(crate) struct Decoder<'a, 'o, S> {
    src: S,
    clauses: Option<&'o [ClauseDef]>,
    problems: Vec<RawProblem>,
    /// The keys seen so far in the open free-form objects (clauses, parameters), innermost last:
    /// one buffer reused as a stack, so duplicate keys are found without an allocation per object.
    seen: Vec<(Cow<'a, str>, Pos)>,
    /// The same for the fixed-key objects: which field was given where.
    fields_at: Vec<(usize, Pos)>,
}

impl<'a, 'o, S: Source<'a> + Send> Decoder<'a, 'o, S> {
    pub(crate) fn new(src: S, clauses: Option<&'o [ClauseDef]>) -> Self {
        Decoder {
            src,
            clauses,
            problems: Vec::new(),
            seen: Vec::new(),
            fields_at: Vec::new(),
        }
    }

    /// Reads a whole register document.
    pub(crate) fn register(mut self) -> (Option<Register>, Vec<RawProblem>) {
        let result = self.register_inner();
        self.finish(result.map(|suppliers| Register { suppliers }))
    }

    /// Reads one supplier object, with paths relative to it.
    pub(crate) fn lone_supplier(mut self) -> (Option<Supplier>, Vec<RawProblem>) {
        let result = self.supplier(&Path::Root).and_then(|got| {
            self.src.finish()?;
            Ok(match got {
                Got::Value((supplier, _)) => Some(supplier),
                Got::Null(at) => {
                    self.problem(
                        at,
                        &Path::Root,
                        format!("expected {}, found null", Expect::Supplier),
                    );
                    None
                }
                Got::Bad => None,
            })
        });
        let (supplier, problems) = self.finish(result);
        (supplier.flatten(), problems)
    }

    /// Reads one nested record of a supplier, with paths as it will have inside the supplier
    /// (`locations[3].country`).
    pub(crate) fn lone_record(mut self, at: RecordAt) -> (Option<Record>, Vec<RawProblem>) {
        let name = at.section().as_str();
        let key = Path::Key(&Path::Root, name);
        let list = Path::Key(&key, "list");
        let path = match at {
            RecordAt::Subprocessor(i) => Path::Index(&list, i),
            _ => match at.index() {
                Some(i) => Path::Index(&key, i),
                None => key,
            },
        };
        let result = self.record(at, &path).and_then(|got| {
            self.src.finish()?;
            Ok(match got {
                Got::Value(record) => Some(record),
                Got::Null(pos) => {
                    self.problem(
                        pos,
                        &path,
                        format!("expected {}, found null", Expect::Object),
                    );
                    None
                }
                Got::Bad => None,
            })
        });
        let (record, problems) = self.finish(result);
        (record.flatten(), problems)
    }

    fn record(&mut self, at: RecordAt, path: &Path<'_>) -> Result<Got<Record>, Fatal> {
        Ok(match at {
            RecordAt::Data => Got::Value(Record::Data(self.data(path)?)),
            RecordAt::Location(_) => self.location(path)?.map(Record::Location),
            RecordAt::Inference => Got::Value(Record::Inference(self.inference(path)?)),
            RecordAt::Assurance(_) => self.assurance(path)?.map(Record::Assurance),
            RecordAt::Agreement(_) => self.agreement(path)?.map(Record::Agreement),
            RecordAt::Risk => Got::Value(Record::Risk(self.risk(path)?)),
            RecordAt::Assessment(_) => self.assessment(path)?.map(Record::Assessment),
            RecordAt::Review(_) => self.review(path)?.map(Record::Review),
            RecordAt::Event(_) => self.event(path)?.map(Record::Event),
            RecordAt::RiskEntry(_) => self.risk_entry(path)?.map(Record::RiskEntry),
            RecordAt::Subprocessors => Got::Value(Record::Subprocessors(self.subprocessors(path)?)),
            RecordAt::Subprocessor(_) => self.subprocessor(path)?.map(Record::Subprocessor),
            RecordAt::PublicListing => {
                Got::Value(Record::PublicListing(self.public_listing(path)?))
            }
        })
    }

    fn finish<T>(mut self, result: Result<T, Fatal>) -> (Option<T>, Vec<RawProblem>) {
        match result {
            Ok(value) if self.problems.is_empty() => (Some(value), self.problems),
            Ok(_) => (None, self.problems),
            Err(fatal) => {
                self.problems.push(RawProblem {
                    at: fatal.pos,
                    path: fatal.path.unwrap_or_default(),
                    message: fatal.message,
                    earlier: None,
                });
                (None, self.problems)
            }
        }
    }

    fn problem(&mut self, at: Pos, path: &Path<'_>, message: impl Into<String>) {
        self.problems.push(RawProblem {
            at,
            path: path.render(),
            message: message.into(),
            earlier: None,
        });
    }

    /// Reports a value of the wrong type (skipping it when it is an object or list).
    fn mismatch(
        &mut self,
        tok: Tok<'a>,
        at: Pos,
        path: &Path<'_>,
        expect: Expect,
    ) -> Result<(), Fatal> {
        match tok {
            Tok::Unsupported(message) => self.problem(at, path, message),
            Tok::Map => {
                self.problem(at, path, format!("expected {expect}, found an object"));
                self.src.skip_container(true)?;
            }
            Tok::Seq => {
                self.problem(at, path, format!("expected {expect}, found a list"));
                self.src.skip_container(false)?;
            }
            Tok::Scalar(s) => self.problem(
                at,
                path,
                format!("expected {expect}, found {}", describe(&s)),
            ),
        }
        Ok(())
    }

    /// A string value (`expect` names what it should be, for the message when it is not one).
    fn string(
        &mut self,
        path: &Path<'_>,
        expect: Expect,
    ) -> Result<Got<(Cow<'a, str>, Pos)>, Fatal> {
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Scalar(Scalar::Str(s)) => Ok(Got::Value((s, at))),
            Tok::Scalar(Scalar::Null) => Ok(Got::Null(at)),
            other => {
                self.mismatch(other, at, path, expect)?;
                Ok(Got::Bad)
            }
        }
    }

    fn text(&mut self, path: &Path<'_>) -> Result<Got<String>, Fatal> {
        Ok(match self.string(path, Expect::Text)? {
            Got::Value((s, _)) => Got::Value(s.into_owned()),
            Got::Null(at) => Got::Null(at),
            Got::Bad => Got::Bad,
        })
    }

    fn opt_text(&mut self, path: &Path<'_>) -> Result<Option<String>, Fatal> {
        Ok(self.text(path)?.ok())
    }

    /// A string value turned into `T` by `parse`, whose error is the problem's message.
    fn parsed<T>(
        &mut self,
        path: &Path<'_>,
        expect: Expect,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<Got<(T, Pos)>, Fatal> {
        Ok(match self.string(path, expect)? {
            Got::Value((s, at)) => match parse(&s) {
                Ok(v) => Got::Value((v, at)),
                Err(message) => {
                    self.problem(at, path, message);
                    Got::Bad
                }
            },
            Got::Null(at) => Got::Null(at),
            Got::Bad => Got::Bad,
        })
    }

    fn wire<E: WireEnum>(&mut self, path: &Path<'_>) -> Result<Got<E>, Fatal> {
        let got = self.parsed(path, Expect::OneOf(E::expected), |s| {
            E::parse(s).ok_or_else(|| {
                let hint = suggestion(s, E::names().into_iter());
                format!(
                    "unknown value {}: expected {}{hint}",
                    quote(s),
                    E::expected()
                )
            })
        })?;
        Ok(got.map(|(v, _)| v))
    }

    fn date(&mut self, path: &Path<'_>) -> Result<Got<Date>, Fatal> {
        let got = self.parsed(path, Expect::Date, |s| {
            parse_date(s).ok_or_else(|| {
                format!(
                    "{} is not a date: expected YYYY-MM-DD that exists",
                    quote(s)
                )
            })
        })?;
        Ok(got.map(|(v, _)| v))
    }

    fn opt_date(&mut self, path: &Path<'_>) -> Result<Option<Date>, Fatal> {
        Ok(self.date(path)?.ok())
    }

    fn country(&mut self, path: &Path<'_>) -> Result<Got<Country>, Fatal> {
        let got = self.parsed(path, Expect::Country, |s| {
            Country::parse(s).ok_or_else(|| {
                let why = match Country::hint(s) {
                    Some(hint) => format!(" ({hint})"),
                    None => {
                        ": expected an officially assigned code in upper case, such as DE".into()
                    }
                };
                format!(
                    "{} is not an ISO 3166-1 alpha-2 country code{why}",
                    quote(s)
                )
            })
        })?;
        Ok(got.map(|(v, _)| v))
    }

    /// A boolean; `null` (absent) gives `default`.
    fn boolean(&mut self, path: &Path<'_>, default: bool) -> Result<bool, Fatal> {
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Scalar(Scalar::Bool(b)) => Ok(b),
            Tok::Scalar(Scalar::Null) => Ok(default),
            other => {
                self.mismatch(other, at, path, Expect::Bool)?;
                Ok(default)
            }
        }
    }

    /// A list whose items `item` reads; `null` is an empty list, a `null` item is a problem.
    fn list<T>(
        &mut self,
        path: &Path<'_>,
        expect: Expect,
        mut item: impl FnMut(&mut Self, &Path<'_>) -> Result<Got<T>, Fatal>,
    ) -> Result<Vec<T>, Fatal> {
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Seq => {}
            Tok::Scalar(Scalar::Null) => return Ok(Vec::new()),
            other => {
                self.mismatch(other, at, path, Expect::List)?;
                return Ok(Vec::new());
            }
        }
        let mut out = Vec::new();
        let mut i = 0;
        while self.src.item().map_err(at_path(path))? {
            let child = Path::Index(path, i);
            match item(self, &child).map_err(at_path(&child))? {
                Got::Value(v) => {
                    // Lists are short and kept for the register's lifetime: grow exactly.
                    if out.len() == out.capacity() {
                        out.reserve_exact(out.len().max(1));
                    }
                    out.push(v);
                }
                Got::Null(at) => self.problem(at, &child, format!("expected {expect}, found null")),
                Got::Bad => {}
            }
            i += 1;
        }
        out.shrink_to_fit();
        Ok(out)
    }

    fn text_list(&mut self, path: &Path<'_>) -> Result<Vec<String>, Fatal> {
        self.list(path, Expect::Text, Self::text)
    }

    /// An object of the fixed keys `F`: unknown and repeated keys are reported and skipped, each
    /// known key's value is read by `field`. Gives the object's position (for missing fields).
    fn object<F: Fields>(
        &mut self,
        path: &Path<'_>,
        expect: Expect,
        mut field: impl FnMut(&mut Self, F, &Path<'_>) -> Result<(), Fatal>,
    ) -> Result<Got<Pos>, Fatal> {
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Map => {}
            Tok::Scalar(Scalar::Null) => return Ok(Got::Null(at)),
            other => {
                self.mismatch(other, at, path, expect)?;
                return Ok(Got::Bad);
            }
        }
        // Which fields were given (a bit each), and where, in `self.fields_at` from `base`.
        let mut given = 0u32;
        let base = self.fields_at.len();
        while let Some((key, key_at)) = self.src.key().map_err(at_path(path))? {
            let child = Path::Key(path, &key);
            let Some(f) = F::lookup(&key) else {
                let hint = suggestion(&key, F::NAMES.iter().copied());
                let expected = if F::NAMES.len() <= 2 {
                    one_of(F::NAMES.iter().copied())
                } else {
                    format!("one of {}", one_of(F::NAMES.iter().copied()))
                };
                self.problem(
                    key_at,
                    &child,
                    format!("unknown field: expected {expected}{hint}"),
                );
                self.src.skip_value().map_err(at_path(&child))?;
                continue;
            };
            let bit = 1u32 << f.index();
            if given & bit != 0 {
                let first = self.fields_at[base..]
                    .iter()
                    .find(|(i, _)| *i == f.index())
                    .map_or(key_at, |(_, at)| *at);
                self.duplicate(key_at, &child, first);
                self.src.skip_value().map_err(at_path(&child))?;
                continue;
            }
            given |= bit;
            self.fields_at.push((f.index(), key_at));
            field(self, f, &child).map_err(at_path(&child))?;
        }
        self.fields_at.truncate(base);
        Ok(Got::Value(at))
    }

    fn duplicate(&mut self, at: Pos, path: &Path<'_>, first: Pos) {
        self.problems.push(RawProblem {
            at,
            path: path.render(),
            message: "key given twice".to_string(),
            earlier: Some(Earlier::At(first)),
        });
    }

    /// A required field's value: reported when absent (`None`) or null.
    fn required<T>(
        &mut self,
        got: Option<Got<T>>,
        object: &Path<'_>,
        object_at: Pos,
        name: &str,
    ) -> Option<T> {
        match got {
            Some(Got::Value(v)) => Some(v),
            Some(Got::Bad) => None,
            Some(Got::Null(at)) => {
                self.problem(
                    at,
                    &Path::Key(object, name),
                    format!("missing required field {name:?}: null means absent"),
                );
                None
            }
            None => {
                self.problem(
                    object_at,
                    object,
                    format!("missing required field {name:?}"),
                );
                None
            }
        }
    }

    fn register_inner(&mut self) -> Result<Vec<Supplier>, Fatal> {
        let mut format = None;
        let mut suppliers = Vec::new();
        // Per decoded supplier: its index in the document and the position of its id.
        let mut origins: Vec<(usize, Pos)> = Vec::new();
        let root = Path::Root;
        let got = self.object::<RootField>(&root, Expect::Register, |d, f, path| {
            match f {
                RootField::Format => {
                    let got = d.string(path, Expect::Text)?;
                    if let Got::Value((s, at)) = &got
                        && s != FORMAT
                    {
                        d.problem(*at, path, format!("format must be {FORMAT:?}"));
                    }
                    format = Some(got);
                }
                RootField::Suppliers => d.suppliers(path, &mut suppliers, &mut origins)?,
            }
            Ok(())
        })?;
        match got {
            Got::Value(at) => {
                self.required(format, &root, at, "format");
            }
            Got::Null(at) => self.problem(
                at,
                &root,
                format!("expected {}, found null", Expect::Register),
            ),
            Got::Bad => {}
        }
        self.src.finish()?;
        self.duplicate_ids(&suppliers, &origins);
        suppliers.shrink_to_fit();
        Ok(suppliers)
    }

    fn suppliers(
        &mut self,
        path: &Path<'_>,
        out: &mut Vec<Supplier>,
        origins: &mut Vec<(usize, Pos)>,
    ) -> Result<(), Fatal> {
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Seq => {}
            Tok::Scalar(Scalar::Null) => return Ok(()),
            other => return self.mismatch(other, at, path, Expect::Suppliers),
        }
        let large = self
            .src
            .text_and_offset()
            .is_some_and(|(text, at)| text.len() - at >= SPLIT_MIN_BYTES);
        if large {
            let cancel = AtomicBool::new(false);
            std::thread::scope(|scope| {
                let result = self.supplier_items(path, out, origins, Some((scope, &cancel)));
                // Whatever happened here, the second thread's work is no longer wanted.
                cancel.store(true, Ordering::Relaxed);
                result
            })
        } else {
            self.supplier_items(path, out, origins, None)
        }
    }

    /// Reads the suppliers list's items. With a thread `scope`, once the first two items show
    /// what separates suppliers, a second thread starts reading from a supplier boundary found
    /// halfway through the rest; its work is used only if this thread then arrives exactly at
    /// that boundary between two items, so the result is always that of reading in order.
    fn supplier_items<'s>(
        &mut self,
        path: &Path<'_>,
        out: &mut Vec<Supplier>,
        origins: &mut Vec<(usize, Pos)>,
        scope: Option<(&'s Scope<'s, '_>, &'s AtomicBool)>,
    ) -> Result<(), Fatal>
    where
        'a: 's,
        'o: 's,
        S: 's,
    {
        let mut speculation: Option<(usize, ScopedJoinHandle<'s, Option<Tail>>)> = None;
        let mut first_end = None;
        let mut i = 0;
        while self.src.item().map_err(at_path(path))? {
            if let Some((scope, cancel)) = scope {
                let here = self.src.text_and_offset().map_or(0, |(_, at)| at);
                if i == 1
                    && let Some(end) = first_end
                {
                    speculation = self.speculate(scope, cancel, end, here);
                }
                if let Some((at, _)) = &speculation {
                    if here == *at {
                        if let Some((_, handle)) = speculation.take()
                            && let Ok(Some(tail)) = handle.join()
                        {
                            return self.adopt(tail, i, out, origins);
                        }
                    } else if here > *at {
                        cancel.store(true, Ordering::Relaxed);
                        speculation = None;
                    }
                }
            }
            let child = Path::Index(path, i);
            match self.supplier(&child).map_err(at_path(&child))? {
                Got::Value((supplier, id_at)) => {
                    out.push(supplier);
                    origins.push((i, id_at));
                }
                Got::Null(at) => self.problem(
                    at,
                    &child,
                    format!("expected {}, found null", Expect::Supplier),
                ),
                Got::Bad => {}
            }
            if i == 0 {
                first_end = self.src.text_and_offset().map(|(_, at)| at);
            }
            i += 1;
        }
        Ok(())
    }

    /// Starts a second thread at a likely supplier boundary in the second half of the text:
    /// where the bytes from the first supplier's closing `}` to the second's first key recur.
    fn speculate<'s>(
        &self,
        scope: &'s Scope<'s, '_>,
        cancel: &'s AtomicBool,
        first_end: usize,
        second_start: usize,
    ) -> Option<(usize, ScopedJoinHandle<'s, Option<Tail>>)>
    where
        'a: 's,
        'o: 's,
        S: 's,
    {
        let (text, _) = self.src.text_and_offset()?;
        let bytes = text.as_bytes();
        let close = first_end
            .checked_sub(1)
            .filter(|c| bytes.get(*c) == Some(&b'}'))?;
        // `{`, whitespace, then the first key in quotes (without escapes).
        let mut key = second_start + 1;
        while bytes.get(key).is_some_and(u8::is_ascii_whitespace) {
            key += 1;
        }
        let key_len = bytes.get(key + 1..)?.iter().position(|b| *b == b'"')?;
        if bytes.get(second_start) != Some(&b'{')
            || bytes.get(key) != Some(&b'"')
            || bytes[key + 1..key + 1 + key_len].contains(&b'\\')
        {
            return None;
        }
        let pattern = &bytes[close..key + 2 + key_len];
        let middle = second_start + (bytes.len() - second_start) / 2;
        let found = memchr::memmem::find(&bytes[middle..], pattern)?;
        let at = middle + found + (second_start - close);
        let src = self.src.fork(at)?;
        let clauses = self.clauses;
        let handle = std::thread::Builder::new()
            .name("vetted-read".into())
            .spawn_scoped(scope, move || Decoder::tail(src, clauses, cancel))
            .ok()?;
        Some((at, handle))
    }

    /// On the second thread: reads supplier items from a fork to the end of the list.
    fn tail(src: S, clauses: Option<&'o [ClauseDef]>, cancel: &AtomicBool) -> Option<Tail> {
        let mut d = Decoder::new(src, clauses);
        let root = Path::Root;
        let path = Path::Key(&root, "suppliers");
        let mut suppliers = Vec::new();
        let mut origins = Vec::new();
        let mut i = 0;
        let end = loop {
            if cancel.load(Ordering::Relaxed) {
                return None;
            }
            let child = Path::Index(&path, i);
            match d.supplier(&child).map_err(at_path(&child)) {
                Ok(Got::Value((supplier, id_at))) => {
                    suppliers.push(supplier);
                    origins.push((i, id_at));
                }
                Ok(Got::Null(at)) => d.problem(
                    at,
                    &child,
                    format!("expected {}, found null", Expect::Supplier),
                ),
                Ok(Got::Bad) => {}
                Err(fatal) => break Err(fatal),
            }
            i += 1;
            match d.src.item().map_err(at_path(&path)) {
                Ok(true) => {}
                Ok(false) => break Ok(d.src.text_and_offset().map_or(0, |(_, at)| at)),
                Err(fatal) => break Err(fatal),
            }
        };
        Some(Tail {
            suppliers,
            origins,
            problems: d.problems,
            end,
        })
    }

    /// Takes over what the second thread read, its supplier indices shifted by `base`.
    fn adopt(
        &mut self,
        tail: Tail,
        base: usize,
        out: &mut Vec<Supplier>,
        origins: &mut Vec<(usize, Pos)>,
    ) -> Result<(), Fatal> {
        for mut problem in tail.problems {
            shift_supplier_index(&mut problem.path, base);
            self.problems.push(problem);
        }
        out.extend(tail.suppliers);
        origins.extend(tail.origins.into_iter().map(|(i, at)| (i + base, at)));
        match tail.end {
            Ok(end) => {
                self.src.seek(end);
                Ok(())
            }
            Err(mut fatal) => {
                if let Some(path) = &mut fatal.path {
                    shift_supplier_index(path, base);
                }
                Err(fatal)
            }
        }
    }

    fn duplicate_ids(&mut self, suppliers: &[Supplier], origins: &[(usize, Pos)]) {
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(suppliers.len());
        for (n, supplier) in suppliers.iter().enumerate() {
            let id = supplier.id.as_str();
            if let Some(&earlier) = first.get(id) {
                let (index, at) = origins[n];
                let (first_index, first_at) = origins[earlier];
                self.problems.push(RawProblem {
                    at,
                    path: format!("suppliers[{index}].id"),
                    message: format!("duplicate supplier id {}", quote(id)),
                    earlier: Some(Earlier::Supplier {
                        path: format!("suppliers[{first_index}]"),
                        at: first_at,
                    }),
                });
            } else {
                first.insert(id, n);
            }
        }
    }

    /// One supplier and the position of its id.
    fn supplier(&mut self, path: &Path<'_>) -> Result<Got<(Supplier, Pos)>, Fatal> {
        let mut id = None;
        let Ok(placeholder) = SupplierId::parse("-") else {
            return Ok(Got::Bad);
        };
        let mut s = Supplier::new(placeholder);
        let got = self.object::<SupplierField>(path, Expect::Supplier, |d, f, path| {
            match f {
                SupplierField::Id => id = Some(d.id(path)?),
                SupplierField::Name => s.name = d.opt_text(path)?,
                SupplierField::Category => s.category = d.wire(path)?.ok(),
                SupplierField::Services => s.services = d.text_list(path)?,
                SupplierField::Status => s.status = d.wire(path)?.ok(),
                SupplierField::Owner => s.owner = d.opt_text(path)?,
                SupplierField::Website => s.website = d.opt_text(path)?,
                SupplierField::Data => s.data = d.data(path)?,
                SupplierField::Locations => {
                    s.locations = d.list(path, Expect::Object, Self::location)?;
                }
                SupplierField::Inference => s.inference = d.inference(path)?,
                SupplierField::Assurance => {
                    s.assurance = d.list(path, Expect::Object, Self::assurance)?;
                }
                SupplierField::Agreements => {
                    s.agreements = d.list(path, Expect::Object, Self::agreement)?;
                }
                SupplierField::Risk => s.risk = d.risk(path)?,
                SupplierField::Assessments => {
                    s.assessments = d.list(path, Expect::Object, Self::assessment)?;
                }
                SupplierField::Reviews => s.reviews = d.list(path, Expect::Object, Self::review)?,
                SupplierField::Events => s.events = d.list(path, Expect::Object, Self::event)?,
                SupplierField::Risks => s.risks = d.list(path, Expect::Object, Self::risk_entry)?,
                SupplierField::Subprocessors => s.subprocessors = d.subprocessors(path)?,
                SupplierField::PublicListing => s.public_listing = d.public_listing(path)?,
            }
            Ok(())
        })?;
        Ok(got.and_then(|at| match self.required(id, path, at, "id") {
            Some((id, id_at)) => {
                s.id = id;
                Got::Value((s, id_at))
            }
            None => Got::Bad,
        }))
    }

    fn id(&mut self, path: &Path<'_>) -> Result<Got<(SupplierId, Pos)>, Fatal> {
        self.parsed(path, Expect::Id, |s| {
            SupplierId::parse(s).map_err(|why| {
                if s.is_empty() {
                    format!("supplier id {why}")
                } else {
                    format!("supplier id {} {why}", quote(s))
                }
            })
        })
    }

    fn data(&mut self, path: &Path<'_>) -> Result<DataHandling, Fatal> {
        let mut data = DataHandling::default();
        self.object::<DataField>(path, Expect::Object, |d, f, path| {
            match f {
                DataField::PersonalData => data.personal_data = d.boolean(path, false)?,
                DataField::CustomerData => data.customer_data = d.boolean(path, false)?,
                DataField::Confidential => data.confidential = d.boolean(path, false)?,
                DataField::ProductionDependency => {
                    data.production_dependency = d.boolean(path, false)?;
                }
                DataField::Categories => data.categories = d.text_list(path)?,
            }
            Ok(())
        })?;
        Ok(data)
    }

    fn location(&mut self, path: &Path<'_>) -> Result<Got<Location>, Fatal> {
        let (mut country, mut purpose) = (None, None);
        let (mut region, mut note, mut mechanism) = (None, None, None);
        let got = self.object::<LocationField>(path, Expect::Object, |d, f, path| {
            match f {
                LocationField::Country => country = Some(d.country(path)?),
                LocationField::Region => region = d.opt_text(path)?,
                LocationField::Purpose => purpose = Some(d.wire(path)?),
                LocationField::Note => note = d.opt_text(path)?,
                LocationField::Mechanism => mechanism = d.wire(path)?.ok(),
            }
            Ok(())
        })?;
        Ok(got.and_then(|at| {
            let country = self.required(country, path, at, "country");
            let purpose = self.required(purpose, path, at, "purpose");
            match (country, purpose) {
                (Some(country), Some(purpose)) => Got::Value(Location {
                    country,
                    region,
                    purpose,
                    note,
                    mechanism,
                }),
                _ => Got::Bad,
            }
        }))
    }

    fn inference(&mut self, path: &Path<'_>) -> Result<Inference, Fatal> {
        let mut inference = Inference::default();
        self.object::<InferenceField>(path, Expect::Object, |d, f, path| {
            match f {
                InferenceField::Provides => inference.provides = d.boolean(path, false)?,
            }
            Ok(())
        })?;
        Ok(inference)
    }

    fn assurance(&mut self, path: &Path<'_>) -> Result<Got<Assurance>, Fatal> {
        let mut kind = None;
        let mut a = Assurance::new(AssuranceKind::Other);
        let got = self.object::<AssuranceField>(path, Expect::Object, |d, f, path| {
            match f {
                AssuranceField::Kind => kind = Some(d.wire(path)?),
                AssuranceField::Issuer => a.issuer = d.opt_text(path)?,
                AssuranceField::Scope => a.scope = d.opt_text(path)?,
                AssuranceField::ValidFrom => a.valid_from = d.opt_date(path)?,
                AssuranceField::ValidUntil => a.valid_until = d.opt_date(path)?,
                AssuranceField::PeriodStart => a.period_start = d.opt_date(path)?,
                AssuranceField::PeriodEnd => a.period_end = d.opt_date(path)?,
                AssuranceField::Completed => a.completed = d.opt_date(path)?,
                AssuranceField::CoversService => a.covers_service = d.boolean(path, true)?,
                AssuranceField::Exceptions => a.exceptions = d.text_list(path)?,
                AssuranceField::ExceptionsAcknowledged => {
                    a.exceptions_acknowledged = d.boolean(path, false)?;
                }
                AssuranceField::CompensatingControls => {
                    a.compensating_controls = d.text_list(path)?;
                }
                AssuranceField::Documents => {
                    a.documents = d.list(path, Expect::Object, Self::document)?;
                }
            }
            Ok(())
        })?;
        Ok(
            got.and_then(|at| match self.required(kind, path, at, "kind") {
                Some(kind) => {
                    a.kind = kind;
                    Got::Value(a)
                }
                None => Got::Bad,
            }),
        )
    }

    /// A document reference of an assurance item: every field required.
    fn document(&mut self, path: &Path<'_>) -> Result<Got<Document>, Fatal> {
        let (mut sha256, mut name, mut media_type, mut size) = (None, None, None, None);
        let got = self.object::<DocumentField>(path, Expect::Object, |d, f, path| {
            match f {
                DocumentField::Sha256 => sha256 = Some(d.hash(path)?),
                DocumentField::Name => name = Some(d.text(path)?),
                DocumentField::MediaType => media_type = Some(d.wire(path)?),
                DocumentField::Size => size = Some(d.size(path)?),
            }
            Ok(())
        })?;
        Ok(got.and_then(|at| {
            let sha256 = self.required(sha256, path, at, "sha256");
            let name = self.required(name, path, at, "name");
            let media_type = self.required(media_type, path, at, "media_type");
            let size = self.required(size, path, at, "size");
            match (sha256, name, media_type, size) {
                (Some(sha256), Some(name), Some(media_type), Some(size)) => Got::Value(Document {
                    sha256,
                    name,
                    media_type,
                    size,
                }),
                _ => Got::Bad,
            }
        }))
    }

    fn hash(&mut self, path: &Path<'_>) -> Result<Got<DocumentHash>, Fatal> {
        let got = self.parsed(path, Expect::Hash, |s| {
            DocumentHash::parse(s).map_err(|why| format!("{} is not a SHA-256: it {why}", quote(s)))
        })?;
        Ok(got.map(|(v, _)| v))
    }

    /// A byte count: a whole number ≥ 0 that a JSON number carries exactly (below 2^53).
    fn size(&mut self, path: &Path<'_>) -> Result<Got<u64>, Fatal> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Scalar(Scalar::Number { raw, value }) => {
                if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < EXACT {
                    Ok(Got::Value(value as u64))
                } else {
                    self.problem(
                        at,
                        path,
                        format!("{raw} is not a size: expected {}", Expect::Size),
                    );
                    Ok(Got::Bad)
                }
            }
            Tok::Scalar(Scalar::Null) => Ok(Got::Null(at)),
            other => {
                self.mismatch(other, at, path, Expect::Size)?;
                Ok(Got::Bad)
            }
        }
    }

    fn agreement(&mut self, path: &Path<'_>) -> Result<Got<Agreement>, Fatal> {
        let mut a = Agreement::default();
        let got = self.object::<AgreementField>(path, Expect::Object, |d, f, path| {
            match f {
                AgreementField::Kind => a.kind = d.wire(path)?.ok(),
                AgreementField::Title => a.title = d.opt_text(path)?,
                AgreementField::Signed => a.signed = d.opt_date(path)?,
                AgreementField::Expires => a.expires = d.opt_date(path)?,
                AgreementField::Terminated => a.terminated = d.opt_date(path)?,
                AgreementField::GdprArt28 => a.gdpr_art28 = d.boolean(path, false)?,
                AgreementField::Clauses => a.clauses = d.clauses(path)?,
            }
            Ok(())
        })?;
        Ok(got.map(|_| a))
    }

    /// `clauses`: keys from the policy's catalogue (any key without one), each an object of
    /// parameters. A `null` clause is absent.
    fn clauses(&mut self, path: &Path<'_>) -> Result<Clauses, Fatal> {
        let mut out = Clauses::new();
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Map => {}
            Tok::Scalar(Scalar::Null) => return Ok(out),
            other => {
                self.mismatch(other, at, path, Expect::Clauses)?;
                return Ok(out);
            }
        }
        let base = self.seen.len();
        while let Some((key, key_at)) = self.src.key().map_err(at_path(path))? {
            let child = Path::Key(path, &key);
            if let Some(first) = self.seen_before(base, &key) {
                self.duplicate(key_at, &child, first);
                self.src.skip_value().map_err(at_path(&child))?;
                continue;
            }
            let def = match self.clauses {
                None => None,
                Some(catalogue) => {
                    let Some(def) = catalogue.iter().find(|c| c.key == *key) else {
                        let hint = suggestion(&key, catalogue.iter().map(|c| c.key.as_str()));
                        let expected = one_of(catalogue.iter().map(|c| c.key.as_str()));
                        self.problem(
                            key_at,
                            &child,
                            format!("unknown clause: expected one of {expected}{hint}"),
                        );
                        self.src.skip_value().map_err(at_path(&child))?;
                        continue;
                    };
                    Some(def)
                }
            };
            let params = self.params(&child, def).map_err(at_path(&child))?;
            if let Got::Value(params) = params {
                out.insert(key.to_string(), params);
            }
            self.seen.push((key, key_at));
        }
        self.seen.truncate(base);
        Ok(out)
    }

    /// Where `key` was first given in the free-form object whose keys start at `seen[base]`.
    fn seen_before(&self, base: usize, key: &str) -> Option<Pos> {
        self.seen[base..]
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, at)| *at)
    }

    fn params(
        &mut self,
        path: &Path<'_>,
        def: Option<&ClauseDef>,
    ) -> Result<Got<ClauseParams>, Fatal> {
        let mut out = ClauseParams::new();
        let (tok, at) = self.src.value()?;
        match tok {
            Tok::Map => {}
            Tok::Scalar(Scalar::Null) => return Ok(Got::Null(at)),
            other => {
                self.mismatch(other, at, path, Expect::Params)?;
                return Ok(Got::Bad);
            }
        }
        let base = self.seen.len();
        while let Some((key, key_at)) = self.src.key().map_err(at_path(path))? {
            let child = Path::Key(path, &key);
            if let Some(first) = self.seen_before(base, &key) {
                self.duplicate(key_at, &child, first);
                self.src.skip_value().map_err(at_path(&child))?;
                continue;
            }
            let kind = match def {
                None => None,
                Some(def) => {
                    let Some(kind) = def.params.get(key.as_ref()) else {
                        let message = if def.params.is_empty() {
                            format!("unknown parameter: {} takes no parameters", def.key)
                        } else {
                            let hint = suggestion(&key, def.params.keys().map(String::as_str));
                            format!(
                                "unknown parameter: expected {}{hint}",
                                one_of(def.params.keys().map(String::as_str))
                            )
                        };
                        self.problem(key_at, &child, message);
                        self.src.skip_value().map_err(at_path(&child))?;
                        continue;
                    };
                    Some(*kind)
                }
            };
            if let Some(value) = self.param(&child, &key, kind).map_err(at_path(&child))? {
                out.insert(key.to_string(), value);
            }
            self.seen.push((key, key_at));
        }
        self.seen.truncate(base);
        Ok(Got::Value(out))
    }

    /// One clause parameter, typed by the catalogue (`kind`) or, without one, by its syntax.
    fn param(
        &mut self,
        path: &Path<'_>,
        name: &str,
        kind: Option<ParamKind>,
    ) -> Result<Option<ParamValue>, Fatal> {
        let (tok, at) = self.src.value()?;
        let expect = match kind {
            Some(ParamKind::Number) => Expect::Number,
            Some(ParamKind::Percent) => Expect::Percent,
            Some(ParamKind::Text) => Expect::Text,
            None => Expect::NumberOrText,
        };
        match (tok, kind) {
            (Tok::Scalar(Scalar::Null), _) => Ok(None),
            (
                Tok::Scalar(Scalar::Number { raw, value }),
                Some(ParamKind::Number | ParamKind::Percent) | None,
            ) => {
                let percent = kind == Some(ParamKind::Percent);
                let problem = if !value.is_finite() {
                    Some(format!("{raw} is not a finite number: expected {expect}"))
                } else if percent && !(0.0..=100.0).contains(&value) {
                    Some(format!("{name} {raw} is out of range: expected 0–100"))
                } else if value < 0.0 {
                    Some(format!("{raw} is negative: expected a number ≥ 0"))
                } else {
                    None
                };
                match problem {
                    Some(message) => {
                        self.problem(at, path, message);
                        Ok(None)
                    }
                    // `-0` is 0.
                    None => Ok(Some(ParamValue::Number(Number(value + 0.0)))),
                }
            }
            (Tok::Scalar(Scalar::Str(s)), Some(ParamKind::Text) | None) => {
                Ok(Some(ParamValue::Text(s.into_owned())))
            }
            (other, _) => {
                self.mismatch(other, at, path, expect)?;
                Ok(None)
            }
        }
    }

    fn risk(&mut self, path: &Path<'_>) -> Result<RiskInputs, Fatal> {
        let mut risk = RiskInputs::default();
        self.object::<RiskField>(path, Expect::Object, |d, f, path| {
            match f {
                RiskField::BusinessImpact => risk.business_impact = d.wire(path)?.ok(),
                RiskField::DataAccess => risk.data_access = d.wire(path)?.ok(),
                RiskField::Replaceability => risk.replaceability = d.wire(path)?.ok(),
            }
            Ok(())
        })?;
        Ok(risk)
    }

    fn assessment(&mut self, path: &Path<'_>) -> Result<Got<Assessment>, Fatal> {
        let (mut date, mut outcome, mut assessor, mut notes) = (None, None, None, None);
        let got = self.object::<AssessmentField>(path, Expect::Object, |d, f, path| {
            match f {
                AssessmentField::Date => date = Some(d.date(path)?),
                AssessmentField::Assessor => assessor = d.opt_text(path)?,
                AssessmentField::Outcome => outcome = Some(d.wire(path)?),
                AssessmentField::Notes => notes = d.opt_text(path)?,
            }
            Ok(())
        })?;
        Ok(got.and_then(|at| {
            let date = self.required(date, path, at, "date");
            let outcome = self.required(outcome, path, at, "outcome");
            match (date, outcome) {
                (Some(date), Some(outcome)) => Got::Value(Assessment {
                    date,
                    assessor,
                    outcome,
                    notes,
                }),
                _ => Got::Bad,
            }
        }))
    }

    fn review(&mut self, path: &Path<'_>) -> Result<Got<Review>, Fatal> {
        let mut date = None;
        let (mut reviewer, mut trigger, mut outcome, mut checks, mut notes) =
            (None, None, None, Vec::new(), None);
        let got = self.object::<ReviewField>(path, Expect::Object, |d, f, path| {
            match f {
                ReviewField::Date => date = Some(d.date(path)?),
                ReviewField::Reviewer => reviewer = d.opt_text(path)?,
                ReviewField::Trigger => trigger = d.wire(path)?.ok(),
                ReviewField::Outcome => outcome = d.wire(path)?.ok(),
                ReviewField::Checks => {
                    checks = d.list(path, Expect::OneOf(ReviewCheck::expected), Self::wire)?;
                }
                ReviewField::Notes => notes = d.opt_text(path)?,
            }
            Ok(())
        })?;
        Ok(
            got.and_then(|at| match self.required(date, path, at, "date") {
                Some(date) => Got::Value(Review {
                    date,
                    reviewer,
                    trigger,
                    outcome,
                    checks,
                    notes,
                }),
                None => Got::Bad,
            }),
        )
    }

    fn event(&mut self, path: &Path<'_>) -> Result<Got<Event>, Fatal> {
        let (mut date, mut kind, mut summary) = (None, None, None);
        let got = self.object::<EventField>(path, Expect::Object, |d, f, path| {
            match f {
                EventField::Date => date = Some(d.date(path)?),
                EventField::Kind => kind = Some(d.wire(path)?),
                EventField::Summary => summary = d.opt_text(path)?,
            }
            Ok(())
        })?;
        Ok(got.and_then(|at| {
            let date = self.required(date, path, at, "date");
            let kind = self.required(kind, path, at, "kind");
            match (date, kind) {
                (Some(date), Some(kind)) => Got::Value(Event {
                    date,
                    kind,
                    summary,
                }),
                _ => Got::Bad,
            }
        }))
    }

    fn risk_entry(&mut self, path: &Path<'_>) -> Result<Got<RiskEntry>, Fatal> {
        let mut r = RiskEntry::default();
        let got = self.object::<RiskEntryField>(path, Expect::Object, |d, f, path| {
            match f {
                RiskEntryField::Id => r.id = d.opt_text(path)?,
                RiskEntryField::Title => r.title = d.opt_text(path)?,
                RiskEntryField::Status => r.status = d.wire(path)?.ok(),
                RiskEntryField::Treatment => r.treatment = d.wire(path)?.ok(),
                RiskEntryField::Owner => r.owner = d.opt_text(path)?,
                RiskEntryField::Due => r.due = d.opt_date(path)?,
                RiskEntryField::Description => r.description = d.opt_text(path)?,
                RiskEntryField::Rules => r.rules = d.list(path, Expect::RuleId, Self::rule_id)?,
                RiskEntryField::Opened => r.opened = d.opt_date(path)?,
                RiskEntryField::AcceptedBy => r.accepted_by = d.opt_text(path)?,
                RiskEntryField::AcceptedUntil => r.accepted_until = d.opt_date(path)?,
            }
            Ok(())
        })?;
        Ok(got.map(|_| r))
    }

    /// A policy rule id of a risk entry: any text but a blank one (the decoder knows no
    /// policy; forms and the API check the ids against the policy in force).
    fn rule_id(&mut self, path: &Path<'_>) -> Result<Got<String>, Fatal> {
        let got = self.parsed(path, Expect::RuleId, |s| {
            if s.trim().is_empty() {
                Err(format!(
                    "{} is not a rule id: name a rule of the policy, such as selection.residency",
                    quote(s)
                ))
            } else {
                Ok(s.to_string())
            }
        })?;
        Ok(got.map(|(v, _)| v))
    }

    fn subprocessors(&mut self, path: &Path<'_>) -> Result<Subprocessors, Fatal> {
        let mut s = Subprocessors::default();
        self.object::<SubprocessorsField>(path, Expect::Object, |d, f, path| {
            match f {
                SubprocessorsField::Known => s.known = d.boolean(path, false)?,
                SubprocessorsField::List => {
                    s.list = d.list(path, Expect::Object, Self::subprocessor)?;
                }
            }
            Ok(())
        })?;
        Ok(s)
    }

    fn subprocessor(&mut self, path: &Path<'_>) -> Result<Got<Subprocessor>, Fatal> {
        let mut s = Subprocessor::default();
        let got = self.object::<SubprocessorField>(path, Expect::Object, |d, f, path| {
            match f {
                SubprocessorField::Name => s.name = d.opt_text(path)?,
                SubprocessorField::Purpose => s.purpose = d.opt_text(path)?,
                SubprocessorField::Countries => {
                    s.countries = d.list(path, Expect::Country, Self::country)?;
                }
            }
            Ok(())
        })?;
        Ok(got.map(|_| s))
    }

    fn public_listing(&mut self, path: &Path<'_>) -> Result<PublicListing, Fatal> {
        let mut p = PublicListing::default();
        self.object::<PublicListingField>(path, Expect::Object, |d, f, path| {
            match f {
                PublicListingField::Listed => p.listed = d.boolean(path, false)?,
                PublicListingField::Purpose => p.purpose = d.opt_text(path)?,
                PublicListingField::Since => p.since = d.opt_date(path)?,
            }
            Ok(())
        })?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_dotted_with_indices() {
        let root = Path::Root;
        let suppliers = Path::Key(&root, "suppliers");
        let s3 = Path::Index(&suppliers, 3);
        let odd = Path::Key(&s3, "a key");
        assert_eq!(s3.render(), "suppliers[3]");
        assert_eq!(Path::Key(&s3, "id").render(), "suppliers[3].id");
        assert_eq!(odd.render(), r#"suppliers[3]["a key"]"#);
        assert_eq!(root.render(), "");
    }

    #[test]
    fn suggestions_only_when_close_and_unique() {
        let names = ["proposed", "active", "approved"];
        assert_eq!(
            suggestion("actve", names.iter().copied()),
            r#" (did you mean "active"?)"#
        );
        assert_eq!(
            suggestion("Active", names.iter().copied()),
            r#" (did you mean "active"?)"#
        );
        assert_eq!(suggestion("zzz", names.iter().copied()), "");
        assert_eq!(
            suggestion("stauts", ["status", "name"].iter().copied()),
            r#" (did you mean "status"?)"#
        );
        assert_eq!(
            suggestion("huge", ["low", "medium", "high"].iter().copied()),
            ""
        );
        assert_eq!(suggestion("a", ["b", "c"].iter().copied()), "");
    }

    #[test]
    fn long_strings_are_shortened_in_messages() {
        let long = "x".repeat(100);
        let q = quote(&long);
        assert_eq!(q.chars().count(), 62);
        assert!(q.ends_with("…\""));
    }
}
