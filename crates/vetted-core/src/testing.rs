//! proptest strategies for valid registers, for this crate's and other crates' tests (cargo
//! feature `testing`).
//!
//! Every field of the model is covered, absent and present. Strings are drawn to break writers
//! and readers: YAML's trouble words (`NO`, `null`, `~`, `123`, `-`), quotes, backslashes, line
//! breaks, control characters, leading and trailing spaces, and any Unicode. Supplier ids are
//! unique within a register, dates exist, countries are assigned codes, and clauses come from the
//! default policy's catalogue with parameters of the right kind.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use time::Date;

use crate::country::Country;
use crate::model::{
    Agreement, AgreementKind, Assessment, AssessmentOutcome, Assurance, AssuranceKind,
    BusinessImpact, Category, ClauseParams, Clauses, DataAccess, DataHandling, Document,
    DocumentHash, Event, EventKind, Inference, Location, Mechanism, MediaType, Number, ParamValue,
    PublicListing, Purpose, Register, Replaceability, Review, ReviewCheck, ReviewOutcome,
    ReviewTrigger, RiskEntry, RiskInputs, RiskStatus, Status, Subprocessor, Subprocessors,
    Supplier, SupplierId, Treatment,
};
use crate::policy::{ParamKind, Policy};

/// Strings that readers and writers get wrong.
const AWKWARD: &[&str] = &[
    "",
    " ",
    "NO",
    "no",
    "yes",
    "Yes",
    "on",
    "off",
    "y",
    "n",
    "null",
    "Null",
    "NULL",
    "~",
    "true",
    "False",
    "123",
    "-7",
    "0o17",
    "0x1F",
    "1e3",
    ".5",
    ".inf",
    ".nan",
    "-",
    "- item",
    "? key",
    ": value",
    "a: b",
    "# comment",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "%YAML",
    "---",
    "...",
    "{}",
    "[]",
    "'single'",
    "\"double\"",
    "back\\slash",
    "\\n",
    "tab\there",
    "line\nbreak",
    "crlf\r\n",
    " leading",
    "trailing ",
    "  both  ",
    "ünïcödé",
    "日本語",
    "emoji 😀",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{feff}bom",
    "\u{2028}",
    "2025-01-05",
    "@at",
    "`tick`",
    "|",
    ">",
    "%",
];

/// A string: awkward words, printable text, or anything at all.
pub fn arb_text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(AWKWARD).prop_map(str::to_string),
        3 => "[ -~]{0,24}",
        2 => "\\PC{0,16}",
        1 => vec(any::<char>(), 0..12).prop_map(String::from_iter),
    ]
    .boxed()
}

fn opt_text() -> BoxedStrategy<Option<String>> {
    option::of(arb_text()).boxed()
}

fn texts() -> BoxedStrategy<Vec<String>> {
    vec(arb_text(), 0..3).boxed()
}

/// A supplier id: non-empty, no whitespace, no `/`, possibly awkward (`NO`, `123`, `null`).
pub fn arb_supplier_id() -> BoxedStrategy<SupplierId> {
    prop_oneof![
        select(
            &[
                "NO",
                "null",
                "123",
                "-",
                "~",
                "true",
                "a\"b",
                "back\\slash",
                "ünï",
                "aws"
            ][..]
        )
        .prop_map(str::to_string),
        "[^\\s/]{1,12}",
    ]
    .prop_filter_map("a valid id", |s| SupplierId::parse(&s).ok())
    .boxed()
}

/// A date that exists, between 1900 and 2199, month ends and leap days included.
pub fn arb_date() -> BoxedStrategy<Date> {
    let start =
        Date::from_calendar_date(1900, time::Month::January, 1).map_or(0, Date::to_julian_day);
    let end =
        Date::from_calendar_date(2199, time::Month::December, 31).map_or(0, Date::to_julian_day);
    (start..=end)
        .prop_filter_map("a date", |jd| Date::from_julian_day(jd).ok())
        .boxed()
}

fn opt_date() -> BoxedStrategy<Option<Date>> {
    option::of(arb_date()).boxed()
}

/// Every officially assigned country code.
fn assigned_countries() -> Vec<Country> {
    let mut out = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            if let Some(c) = std::str::from_utf8(&[a, b]).ok().and_then(Country::parse) {
                out.push(c);
            }
        }
    }
    out
}

/// An officially assigned ISO 3166-1 alpha-2 code.
pub fn arb_country() -> BoxedStrategy<Country> {
    select(assigned_countries()).boxed()
}

fn arb_enum<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> BoxedStrategy<T> {
    select(all).boxed()
}

fn opt_enum<T: Clone + std::fmt::Debug + 'static>(all: &'static [T]) -> BoxedStrategy<Option<T>> {
    option::of(select(all)).boxed()
}

/// A non-negative finite number: integers, fractions, tiny and huge values.
fn arb_number() -> BoxedStrategy<f64> {
    prop_oneof![
        (0u32..100_000).prop_map(f64::from),
        0.0..1e6f64,
        select(&[0.0, 0.5, 99.95, 1e-7, 5e-324, 1e21, 1.5e300, f64::MAX][..]),
        proptest::num::f64::POSITIVE
            | proptest::num::f64::ZERO
            | proptest::num::f64::NORMAL
            | proptest::num::f64::SUBNORMAL,
    ]
    .prop_filter("finite and non-negative", |n| n.is_finite() && *n >= 0.0)
    .boxed()
}

/// A percentage, 0–100.
fn arb_percent() -> BoxedStrategy<f64> {
    prop_oneof![
        (0u32..=100).prop_map(f64::from),
        0.0..=100.0f64,
        select(&[0.0, 99.95, 99.999, 100.0][..])
    ]
    .boxed()
}

fn arb_param(kind: ParamKind) -> BoxedStrategy<ParamValue> {
    match kind {
        ParamKind::Number => arb_number()
            .prop_map(|n| ParamValue::Number(Number(n)))
            .boxed(),
        ParamKind::Percent => arb_percent()
            .prop_map(|n| ParamValue::Number(Number(n)))
            .boxed(),
        ParamKind::Text => arb_text().prop_map(ParamValue::Text).boxed(),
    }
}

/// Clauses from the default policy's catalogue, each with some of its parameters, properly typed.
pub fn arb_clauses() -> BoxedStrategy<Clauses> {
    let catalogue: Vec<BoxedStrategy<(String, ClauseParams)>> = Policy::default()
        .clauses
        .into_iter()
        .map(|def| {
            let params: Vec<BoxedStrategy<Option<(String, ParamValue)>>> = def
                .params
                .iter()
                .map(|(name, kind)| {
                    let name = name.clone();
                    option::of(arb_param(*kind))
                        .prop_map(move |v| v.map(|v| (name.clone(), v)))
                        .boxed()
                })
                .collect();
            let key = def.key.clone();
            params
                .prop_map(move |ps| {
                    (
                        key.clone(),
                        ps.into_iter().flatten().collect::<ClauseParams>(),
                    )
                })
                .boxed()
        })
        .collect();
    vec(proptest::strategy::Union::new(catalogue), 0..5)
        .prop_map(|cs| cs.into_iter().collect())
        .boxed()
}

fn arb_location() -> impl Strategy<Value = Location> {
    (
        arb_country(),
        opt_text(),
        arb_enum(Purpose::ALL),
        opt_text(),
        opt_enum(Mechanism::ALL),
    )
        .prop_map(|(country, region, purpose, note, mechanism)| Location {
            country,
            region,
            purpose,
            note,
            mechanism,
        })
}

fn arb_assurance() -> impl Strategy<Value = Assurance> {
    (
        (
            arb_enum(AssuranceKind::ALL),
            opt_text(),
            opt_text(),
            opt_date(),
            opt_date(),
            opt_date(),
        ),
        (
            opt_date(),
            opt_date(),
            any::<bool>(),
            texts(),
            any::<bool>(),
            texts(),
        ),
        vec(arb_document(), 0..3),
    )
        .prop_map(
            |(
                (kind, issuer, scope, valid_from, valid_until, period_start),
                (
                    period_end,
                    completed,
                    covers_service,
                    exceptions,
                    exceptions_acknowledged,
                    compensating_controls,
                ),
                documents,
            )| Assurance {
                kind,
                issuer,
                scope,
                valid_from,
                valid_until,
                period_start,
                period_end,
                completed,
                covers_service,
                exceptions,
                exceptions_acknowledged,
                compensating_controls,
                documents,
            },
        )
}

/// A document reference: any hash (as the digest of some bytes), name, type and size up to
/// the largest a JSON number carries exactly.
pub fn arb_document() -> impl Strategy<Value = Document> {
    (
        any::<[u8; 8]>(),
        arb_text(),
        arb_enum(MediaType::ALL),
        prop_oneof![0u64..100_000_000, Just((1u64 << 53) - 1)],
    )
        .prop_map(|(seed, name, media_type, size)| Document {
            sha256: DocumentHash::of(&seed),
            name,
            media_type,
            size,
        })
}

fn arb_agreement() -> impl Strategy<Value = Agreement> {
    (
        opt_enum(AgreementKind::ALL),
        opt_text(),
        opt_date(),
        opt_date(),
        opt_date(),
        any::<bool>(),
        arb_clauses(),
    )
        .prop_map(
            |(kind, title, signed, expires, terminated, gdpr_art28, clauses)| Agreement {
                kind,
                title,
                signed,
                expires,
                terminated,
                gdpr_art28,
                clauses,
            },
        )
}

fn arb_assessment() -> impl Strategy<Value = Assessment> {
    (
        arb_date(),
        opt_text(),
        arb_enum(AssessmentOutcome::ALL),
        opt_text(),
    )
        .prop_map(|(date, assessor, outcome, notes)| Assessment {
            date,
            assessor,
            outcome,
            notes,
        })
}

fn arb_review() -> impl Strategy<Value = Review> {
    (
        arb_date(),
        opt_text(),
        opt_enum(ReviewTrigger::ALL),
        opt_enum(ReviewOutcome::ALL),
        vec(arb_enum(ReviewCheck::ALL), 0..5),
        opt_text(),
    )
        .prop_map(|(date, reviewer, trigger, outcome, checks, notes)| Review {
            date,
            reviewer,
            trigger,
            outcome,
            checks,
            notes,
        })
}

fn arb_event() -> impl Strategy<Value = Event> {
    (arb_date(), arb_enum(EventKind::ALL), opt_text()).prop_map(|(date, kind, summary)| Event {
        date,
        kind,
        summary,
    })
}

fn arb_risk_entry() -> impl Strategy<Value = RiskEntry> {
    (
        (
            opt_text(),
            opt_text(),
            opt_enum(RiskStatus::ALL),
            opt_enum(Treatment::ALL),
            opt_text(),
            opt_date(),
        ),
        (
            opt_text(),
            // Rule ids are any text but a blank one (the decoder refuses those).
            vec(
                arb_text().prop_filter("not blank", |t| !t.trim().is_empty()),
                0..3,
            ),
            opt_date(),
            opt_text(),
            opt_date(),
        ),
    )
        .prop_map(
            |(
                (id, title, status, treatment, owner, due),
                (description, rules, opened, accepted_by, accepted_until),
            )| RiskEntry {
                id,
                title,
                status,
                treatment,
                owner,
                due,
                description,
                rules,
                opened,
                accepted_by,
                accepted_until,
            },
        )
}

fn arb_subprocessors() -> impl Strategy<Value = Subprocessors> {
    let one = (opt_text(), opt_text(), vec(arb_country(), 0..3)).prop_map(
        |(name, purpose, countries)| Subprocessor {
            name,
            purpose,
            countries,
        },
    );
    (any::<bool>(), vec(one, 0..3)).prop_map(|(known, list)| Subprocessors { known, list })
}

fn arb_data() -> impl Strategy<Value = DataHandling> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        texts(),
    )
        .prop_map(
            |(personal_data, customer_data, confidential, production_dependency, categories)| {
                DataHandling {
                    personal_data,
                    customer_data,
                    confidential,
                    production_dependency,
                    categories,
                }
            },
        )
}

fn arb_risk() -> impl Strategy<Value = RiskInputs> {
    (
        opt_enum(BusinessImpact::ALL),
        opt_enum(DataAccess::ALL),
        opt_enum(Replaceability::ALL),
    )
        .prop_map(
            |(business_impact, data_access, replaceability)| RiskInputs {
                business_impact,
                data_access,
                replaceability,
            },
        )
}

fn arb_public_listing() -> impl Strategy<Value = PublicListing> {
    (any::<bool>(), opt_text(), opt_date()).prop_map(|(listed, purpose, since)| PublicListing {
        listed,
        purpose,
        since,
    })
}

/// One valid supplier, every field possibly present.
pub fn arb_supplier() -> BoxedStrategy<Supplier> {
    (
        (
            arb_supplier_id(),
            opt_text(),
            opt_enum(Category::ALL),
            texts(),
            opt_enum(Status::ALL),
            opt_text(),
            opt_text(),
        ),
        (
            arb_data(),
            vec(arb_location(), 0..3),
            any::<bool>(),
            vec(arb_assurance(), 0..3),
            vec(arb_agreement(), 0..3),
        ),
        (
            arb_risk(),
            vec(arb_assessment(), 0..3),
            vec(arb_review(), 0..3),
            vec(arb_event(), 0..3),
            vec(arb_risk_entry(), 0..3),
            arb_subprocessors(),
            arb_public_listing(),
        ),
    )
        .prop_map(
            |(
                (id, name, category, services, status, owner, website),
                (data, locations, provides, assurance, agreements),
                (risk, assessments, reviews, events, risks, subprocessors, public_listing),
            )| Supplier {
                id,
                name,
                category,
                services,
                status,
                owner,
                website,
                data,
                locations,
                inference: Inference { provides },
                assurance,
                agreements,
                risk,
                assessments,
                reviews,
                events,
                risks,
                subprocessors,
                public_listing,
            },
        )
        .boxed()
}

/// A valid register of up to 5 suppliers with unique ids (a repeated id gets a `-n` suffix).
pub fn arb_register() -> BoxedStrategy<Register> {
    vec(arb_supplier(), 0..5)
        .prop_map(|mut suppliers| {
            let mut seen = std::collections::BTreeSet::new();
            for (n, s) in suppliers.iter_mut().enumerate() {
                let mut id = s.id.as_str().to_string();
                while seen.contains(&id) {
                    id = format!("{id}-{n}");
                }
                if let Ok(unique) = SupplierId::parse(&id) {
                    s.id = unique;
                }
                seen.insert(id);
            }
            Register { suppliers }
        })
        .boxed()
}

/// A copy of `register` with its suppliers and every list in another order (drawn from `seed`):
/// the same register in the spec's sense.
pub fn shuffle(register: &Register, seed: u64) -> Register {
    let mut rng = SplitMix(seed);
    let mut r = register.clone();
    for s in &mut r.suppliers {
        rng.shuffle(&mut s.services);
        rng.shuffle(&mut s.data.categories);
        rng.shuffle(&mut s.locations);
        for a in &mut s.assurance {
            rng.shuffle(&mut a.exceptions);
            rng.shuffle(&mut a.compensating_controls);
            rng.shuffle(&mut a.documents);
        }
        rng.shuffle(&mut s.assurance);
        rng.shuffle(&mut s.agreements);
        rng.shuffle(&mut s.assessments);
        for review in &mut s.reviews {
            rng.shuffle(&mut review.checks);
        }
        rng.shuffle(&mut s.reviews);
        rng.shuffle(&mut s.events);
        for risk in &mut s.risks {
            rng.shuffle(&mut risk.rules);
        }
        rng.shuffle(&mut s.risks);
        for p in &mut s.subprocessors.list {
            rng.shuffle(&mut p.countries);
        }
        rng.shuffle(&mut s.subprocessors.list);
    }
    rng.shuffle(&mut r.suppliers);
    r
}

/// A register and a shuffled copy of it.
pub fn arb_register_and_shuffle() -> BoxedStrategy<(Register, Register)> {
    (arb_register(), any::<u64>())
        .prop_map(|(r, seed)| {
            let shuffled = shuffle(&r, seed);
            (r, shuffled)
        })
        .boxed()
}

/// A small deterministic generator for [`shuffle`] (`SplitMix64`).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}
