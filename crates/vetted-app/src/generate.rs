//! Synthetic supplier registers for benchmarks and load tests.
//!
//! [`generate_register`] builds a register of any size from a seed, deterministically and without
//! I/O: the same `(n, seed)` always yields the same register, and supplier *k* does not depend on
//! `n`, so a smaller register is a prefix of a larger one. Each supplier is about 1.1 KB of
//! compact JSON on average (from 0.2 KB for an out-of-scope entry to about 2 KB).
//!
//! The mix is tuned for [`REFERENCE_DATE`]: a supplier starts healthy (current assurance, EU
//! locations, a DPA and a master agreement with every clause, a recent review) and then draws
//! independent defects, each of which breaks one rule of `shared/spec/policy.md` (a lapsed
//! certificate, a US location, a missing clause, an overdue review, …). Checked on that date under
//! the default policy, 300 suppliers are enough for every verdict and every rule to occur (so it
//! was for every seed tried while tuning): roughly 43% non-compliant, 20% compliant, 10%
//! attention, 4% ineligible, 13% inactive and 10% out of scope.
//! For a realistic, hand-written register see `examples/register.json`.

use time::{Date, Duration, Month};
use vetted_core::country::{Country, EU_MEMBER_STATES};
use vetted_core::date::{add_days, add_months};
use vetted_core::model::{
    Agreement, AgreementKind, Assessment, AssessmentOutcome, Assurance, AssuranceKind,
    BusinessImpact, Category, ClauseParams, Clauses, DataAccess, Event, EventKind, Location,
    Mechanism, Number, ParamValue, PublicListing, Purpose, Register, Replaceability, Review,
    ReviewCheck, ReviewOutcome, ReviewTrigger, RiskEntry, RiskInputs, RiskStatus, Status,
    Subprocessor, Supplier, SupplierId, Treatment,
};

/// The `as_of` date the generated mix is tuned for: on it, every verdict occurs.
pub const REFERENCE_DATE: Date = date(2026, Month::November, 25);

/// Builds a register of `n` synthetic suppliers, `sup-000001` to `sup-{n:06}`, from `seed`.
pub fn generate_register(n: usize, seed: u64) -> Register {
    Register {
        suppliers: (0..n).map(|index| generate_supplier(index, seed)).collect(),
    }
}

/// Supplier number `index` (0-based) of the register generated from `seed`.
fn generate_supplier(index: usize, seed: u64) -> Supplier {
    let mut rng = SplitMix64::new(seed ^ (index as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407));
    Builder { rng: &mut rng }.supplier(index)
}

const fn date(year: i32, month: Month, day: u8) -> Date {
    match Date::from_calendar_date(year, month, day) {
        Ok(d) => d,
        Err(_) => panic!("invalid constant date"),
    }
}

/// `SplitMix64` (Steele, Lea and Flood): tiny, fast and good enough for test data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(total as usize) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return *item;
            }
            roll -= weight;
        }
        items[items.len() - 1].0
    }

    /// A date in `from..=to`.
    fn date_in(&mut self, from: Date, to: Date) -> Date {
        let span = (to - from).whole_days().max(0) as usize;
        add_days(from, self.below(span + 1) as u32)
    }
}

const CATEGORIES: &[(Category, u32)] = &[
    (Category::Saas, 30),
    (Category::CloudInfrastructure, 10),
    (Category::ModelProvider, 9),
    (Category::DataProvider, 5),
    (Category::Annotation, 4),
    (Category::Observability, 7),
    (Category::Communications, 8),
    (Category::ProfessionalServices, 10),
    (Category::Subcontractor, 7),
    (Category::Other, 10),
];

const STATUSES: &[(Status, u32)] = &[
    (Status::Active, 58),
    (Status::Approved, 7),
    (Status::Offboarding, 5),
    (Status::Proposed, 4),
    (Status::DueDiligence, 6),
    (Status::Terminated, 8),
    (Status::Rejected, 6),
];

/// Home countries, EU-heavy; the last five are outside the EU.
const HOMES: &[(&str, u32)] = &[
    ("DE", 30),
    ("FR", 14),
    ("NL", 10),
    ("IE", 9),
    ("SE", 4),
    ("FI", 3),
    ("DK", 3),
    ("PL", 4),
    ("ES", 4),
    ("IT", 3),
    ("AT", 3),
    ("BE", 2),
    ("EE", 2),
    ("PT", 2),
    ("CZ", 2),
    ("US", 4),
    ("GB", 2),
    ("CH", 2),
    ("IN", 1),
    ("SG", 1),
];

const STEMS: &[&str] = &[
    "Nord", "Alpen", "Blau", "Kiel", "Azur", "Lumo", "Vekt", "Heli", "Quant", "Sora", "Trav",
    "Peri", "Kobo", "Mira", "Orbi", "Vela", "Zeph", "Cora", "Tess", "Brio", "Falk", "Isar", "Lyra",
    "Oder",
];
const ENDINGS: &[&str] = &[
    "wave", "data", "soft", "line", "scope", "works", "cloud", "logic", "labs", "stack", "gate",
];
const OWNERS: &[&str] = &[
    "cto@example.eu",
    "ciso@example.eu",
    "platform-lead@example.eu",
    "ml-lead@example.eu",
    "head-of-support@example.eu",
    "it@example.eu",
    "people-ops@example.eu",
    "finance@example.eu",
];
const REVIEWERS: &[&str] = &[
    "ciso@example.eu",
    "m.schulz@example.eu",
    "a.nowak@example.eu",
];
const ISSUERS: &[&str] = &[
    "TÜV Cert",
    "AFNOR Certification",
    "BSI Group",
    "DNV",
    "Bureau Veritas",
    "DEKRA",
    "NSAI",
];
const AUDITORS: &[&str] = &[
    "Vogel & Partner",
    "Hartley & Moore LLP",
    "Brandt Prüfung",
    "Fidal Audit",
];

fn legal_form(country: &str) -> &'static str {
    match country {
        "DE" | "AT" => "GmbH",
        "FR" => "SAS",
        "NL" | "BE" => "B.V.",
        "IE" | "GB" => "Ltd",
        "SE" => "AB",
        "FI" => "Oy",
        "DK" => "ApS",
        "PL" => "Sp. z o.o.",
        "ES" => "S.L.",
        "IT" => "S.r.l.",
        "EE" => "OÜ",
        "PT" => "Lda",
        "CZ" => "s.r.o.",
        "CH" => "AG",
        "IN" => "Pvt Ltd",
        "SG" => "Pte. Ltd.",
        _ => "Inc.",
    }
}

fn services(category: Category) -> &'static [&'static str] {
    match category {
        Category::Saas => &[
            "Ticketing for human hand-over",
            "CRM and sales pipeline",
            "Survey tool",
            "Document signing",
            "Knowledge base editor",
            "Product analytics",
        ],
        Category::CloudInfrastructure => &[
            "Production hosting",
            "Managed PostgreSQL",
            "Object storage",
            "GPU servers",
        ],
        Category::ModelProvider => &[
            "LLM API",
            "Embedding API",
            "Speech-to-text API",
            "Reranking API",
        ],
        Category::DataProvider => &["Licensed dialogue corpus", "Product catalogue feeds"],
        Category::Annotation => &["Conversation labelling", "Answer-quality rating"],
        Category::Observability => &["Logs and traces", "Error tracking", "Uptime monitoring"],
        Category::Communications => &["Transactional e-mail", "SMS delivery", "Team chat"],
        Category::ProfessionalServices => &[
            "Penetration testing",
            "Legal counsel",
            "Tax advice",
            "Recruiting",
        ],
        Category::Subcontractor => &["Freelance development", "Contract support agents"],
        Category::Other => &["Office supplies", "Travel booking", "Coffee delivery"],
    }
}

/// The seven clauses the critical and high tiers require (a superset of the lower tiers').
const TIER_CLAUSES: [&str; 7] = [
    "data_protection_confidentiality",
    "incident_notification",
    "security_sla",
    "audit_right",
    "subcontractors",
    "bcdr",
    "exit",
];

fn country(code: &str) -> Country {
    Country::parse(code).expect("the generator only uses assigned codes")
}

fn number(v: f64) -> ParamValue {
    ParamValue::Number(Number(v))
}

fn is_eu(code: &str) -> bool {
    EU_MEMBER_STATES.contains(&code)
}

/// Draws one supplier from the random stream.
struct Builder<'a> {
    rng: &'a mut SplitMix64,
}

impl Builder<'_> {
    fn supplier(&mut self, index: usize) -> Supplier {
        let id = SupplierId::parse(&format!("sup-{:06}", index + 1)).expect("valid id");
        let mut s = Supplier::new(id);
        let category = self.rng.weighted(CATEGORIES);
        let status = self.rng.weighted(STATUSES);
        let home = self.rng.weighted(HOMES);
        let stem = *self.rng.pick(STEMS);
        let ending = *self.rng.pick(ENDINGS);
        s.name = Some(format!("{stem}{ending} {}", legal_form(home)));
        s.category = Some(category);
        s.services = vec![(*self.rng.pick(services(category))).to_string()];
        s.status = Some(status);
        // A few entries lack their owner, as real registers do.
        s.owner = (!self.rng.chance(0.02)).then(|| (*self.rng.pick(OWNERS)).to_string());
        // Half the entries record a website.
        s.website = self
            .rng
            .chance(0.5)
            .then(|| format!("https://{}{ending}.example", stem.to_lowercase()));

        let out_of_scope = match category {
            Category::Other => self.rng.chance(0.7),
            Category::ProfessionalServices => self.rng.chance(0.25),
            _ => self.rng.chance(0.03),
        };
        self.risk(&mut s, out_of_scope);
        if out_of_scope {
            return s;
        }
        self.data(&mut s, category);
        self.locations(&mut s, home);
        self.assurance(&mut s);
        self.agreements(&mut s, category);
        self.history(&mut s, status);
        self.subprocessors(&mut s, status);
        s
    }

    fn risk(&mut self, s: &mut Supplier, out_of_scope: bool) {
        let r = &mut *self.rng;
        s.risk = RiskInputs {
            business_impact: Some(*r.pick(&[
                BusinessImpact::Low,
                BusinessImpact::Medium,
                BusinessImpact::High,
            ])),
            data_access: Some(if out_of_scope {
                DataAccess::None
            } else {
                *r.pick(&[
                    DataAccess::Internal,
                    DataAccess::Customer,
                    DataAccess::Customer,
                ])
            }),
            replaceability: Some(*r.pick(&[
                Replaceability::Easy,
                Replaceability::Moderate,
                Replaceability::Hard,
            ])),
        };
        if r.chance(0.04) {
            s.risk.replaceability = None;
        }
    }

    fn data(&mut self, s: &mut Supplier, category: Category) {
        let r = &mut *self.rng;
        s.data.personal_data = r.chance(0.75);
        s.data.customer_data = r.chance(0.6);
        s.data.confidential = r.chance(0.8) || !(s.data.personal_data || s.data.customer_data);
        s.data.production_dependency = r.chance(0.5);
        if s.data.personal_data {
            s.data.categories = vec!["end-user contact details".to_string()];
        }
        s.inference.provides = match category {
            Category::ModelProvider => true,
            Category::Saas => r.chance(0.08),
            _ => false,
        };
    }

    fn locations(&mut self, s: &mut Supplier, home: &str) {
        let r = &mut *self.rng;
        s.locations.push(Location {
            country: country(home),
            region: None,
            purpose: Purpose::Storage,
            note: None,
            mechanism: None,
        });
        if s.inference.provides {
            // Non-EU model providers infer at home; a few EU ones route inference abroad.
            let at = if is_eu(home) && r.chance(0.1) {
                "US"
            } else {
                home
            };
            s.locations.push(Location {
                country: country(at),
                region: None,
                purpose: Purpose::Inference,
                note: None,
                mechanism: (!is_eu(at)).then_some(Mechanism::Scc),
            });
        } else if r.chance(0.5) {
            let at = if r.chance(0.7) {
                home
            } else {
                *r.pick(&["DE", "FR", "NL", "IE"])
            };
            s.locations.push(Location {
                country: country(at),
                region: None,
                purpose: Purpose::Processing,
                note: None,
                mechanism: None,
            });
        }
        if r.chance(0.15) {
            let at = *r.pick(&["US", "IN", "DE", "PT", "IE", "FR", "NL", "PL"]);
            s.locations.push(Location {
                country: country(at),
                region: None,
                purpose: Purpose::Access,
                note: Some("support".to_string()),
                mechanism: (!is_eu(at)).then_some(Mechanism::Scc),
            });
        }
    }

    fn assurance(&mut self, s: &mut Supplier) {
        let r = &mut *self.rng;
        if r.chance(0.65) {
            let from = r.date_in(date(2023, Month::October, 1), date(2026, Month::June, 30));
            let mut item = Assurance::new(AssuranceKind::Iso27001);
            item.issuer = Some((*r.pick(ISSUERS)).to_string());
            item.valid_from = Some(from);
            item.valid_until = add_months(from, 36).previous_day();
            item.covers_service = !r.chance(0.05);
            s.assurance.push(item);
        }
        if r.chance(0.45) {
            let end = r.date_in(
                date(2025, Month::September, 30),
                date(2026, Month::September, 30),
            );
            let mut item = Assurance::new(AssuranceKind::Soc2Type2);
            item.issuer = Some((*r.pick(AUDITORS)).to_string());
            item.period_start = Some(end - Duration::days(364));
            item.period_end = Some(end);
            if r.chance(0.2) {
                item.exceptions = vec!["CC6.1: access removal late".to_string()];
                item.exceptions_acknowledged = r.chance(0.5);
            }
            s.assurance.push(item);
        }
        if s.assurance.is_empty() || r.chance(0.15) {
            let mut item = Assurance::new(AssuranceKind::Questionnaire);
            item.completed = Some(r.date_in(
                date(2025, Month::September, 1),
                date(2026, Month::October, 31),
            ));
            if r.chance(0.9) {
                item.compensating_controls = vec!["encryption at rest with our keys".to_string()];
            }
            s.assurance.push(item);
        }
    }

    fn agreements(&mut self, s: &mut Supplier, category: Category) {
        let r = &mut *self.rng;
        if r.chance(0.04) {
            return; // click-through terms only: nothing signed
        }
        let signed = r.date_in(date(2022, Month::June, 1), date(2026, Month::September, 30));
        let expires = match r.below(100) {
            // Up for renewal within the agreement expiry window of the reference date.
            0..4 => Some(r.date_in(add_days(REFERENCE_DATE, 1), add_days(REFERENCE_DATE, 60))),
            4..25 => Some(add_months(signed, *r.pick(&[24, 36, 48]))),
            _ => None,
        };
        let mut clauses = Clauses::new();
        for key in TIER_CLAUSES {
            clauses.insert(key.to_string(), ClauseParams::new());
        }
        let hours = r.weighted(&[(24, 3), (48, 4), (72, 4), (96, 1)]);
        clauses.insert(
            "incident_notification".into(),
            [("hours".into(), number(f64::from(hours)))].into(),
        );
        if r.chance(0.5) {
            let sla = [("availability".to_string(), number(99.9))];
            clauses.insert("security_sla".into(), sla.into());
        }
        let extra = match category {
            Category::ModelProvider => Some("ai_security_testing"),
            Category::DataProvider | Category::Annotation => Some("data_sourcing_transparency"),
            _ => None,
        };
        if let Some(key) = extra.filter(|_| r.chance(0.85)) {
            clauses.insert(key.to_string(), ClauseParams::new());
        }
        if s.inference.provides && r.chance(0.85) {
            clauses.insert("no_training".to_string(), ClauseParams::new());
        }
        if r.chance(0.05) {
            let key = *r.pick(&TIER_CLAUSES);
            clauses.remove(key);
        }
        s.agreements.push(Agreement {
            kind: Some(if r.chance(0.8) {
                AgreementKind::Msa
            } else {
                AgreementKind::OrderForm
            }),
            title: Some("Master agreement".to_string()),
            signed: Some(signed),
            expires,
            terminated: None,
            gdpr_art28: false,
            clauses,
        });
        if s.data.personal_data && r.chance(0.94) {
            s.agreements.push(Agreement {
                kind: Some(AgreementKind::Dpa),
                title: Some("DPA".to_string()),
                signed: Some(signed),
                expires: r.chance(0.05).then(|| add_months(signed, 24)),
                gdpr_art28: true,
                ..Agreement::default()
            });
        }
    }

    /// Assessment, reviews, events and risk entries, placed around the last check.
    fn history(&mut self, s: &mut Supplier, status: Status) {
        let r = &mut *self.rng;
        if !status.is_engaged() {
            // A proposal has no history yet; an inactive supplier keeps the assessment that
            // decided its fate.
            let date = r.date_in(
                date(2025, Month::January, 1),
                date(2026, Month::October, 31),
            );
            if status.is_inactive() {
                let outcome = if status == Status::Rejected {
                    AssessmentOutcome::Rejected
                } else {
                    AssessmentOutcome::Approved
                };
                s.assessments.push(Assessment {
                    date,
                    assessor: None,
                    outcome,
                    notes: None,
                });
            }
            return;
        }
        // Engaged: the last check is overdue, due soon, or comfortably recent.
        let last_check = match r.below(100) {
            0..10 => r.date_in(date(2025, Month::May, 1), date(2025, Month::November, 24)),
            10..17 => r.date_in(
                date(2025, Month::November, 25),
                date(2025, Month::December, 25),
            ),
            _ => r.date_in(
                date(2025, Month::December, 26),
                date(2026, Month::November, 20),
            ),
        };
        let reviewed = r.chance(0.8);
        if r.chance(0.96) {
            let date = if reviewed {
                last_check - Duration::days(400)
            } else {
                last_check
            };
            let outcome = if r.chance(0.75) {
                AssessmentOutcome::Approved
            } else {
                AssessmentOutcome::ApprovedWithConditions
            };
            s.assessments.push(Assessment {
                date,
                assessor: None,
                outcome,
                notes: None,
            });
        }
        if reviewed {
            if r.chance(0.3) {
                s.reviews
                    .push(review(r, last_check - Duration::days(365), false));
            }
            let partial = r.chance(0.1);
            s.reviews.push(review(r, last_check, partial));
        }
        for _ in 0..r.weighted(&[(0, 55), (1, 30), (2, 15)]) {
            let kind = r.weighted(&[
                (EventKind::Incident, 40),
                (EventKind::ServiceChange, 15),
                (EventKind::LocationChange, 10),
                (EventKind::OwnershipChange, 5),
                (EventKind::Other, 30),
            ]);
            let date = r.date_in(
                date(2025, Month::January, 1),
                date(2026, Month::November, 20),
            );
            s.events.push(Event {
                date,
                kind,
                summary: Some(format!("{kind} reported")),
            });
        }
        s.events.sort_by_key(|e| e.date);
        if r.chance(0.45) {
            s.risks.push(RiskEntry {
                id: Some(format!("R-{}", r.below(900) + 100)),
                title: Some("Supplier finding under treatment".to_string()),
                status: Some(r.weighted(&[
                    (RiskStatus::Open, 55),
                    (RiskStatus::Accepted, 15),
                    (RiskStatus::Treated, 10),
                    (RiskStatus::Closed, 20),
                ])),
                treatment: Some(*r.pick(&[Treatment::Remediate, Treatment::Accept])),
                owner: Some("ciso@example.eu".to_string()),
                due: Some(r.date_in(date(2026, Month::June, 1), date(2027, Month::June, 30))),
                ..RiskEntry::default()
            });
        }
    }

    fn subprocessors(&mut self, s: &mut Supplier, status: Status) {
        let r = &mut *self.rng;
        if !s.data.personal_data {
            return;
        }
        s.subprocessors.known = r.chance(0.85);
        if s.subprocessors.known {
            for _ in 0..r.below(3) {
                let at = if r.chance(0.9) {
                    *r.pick(&["DE", "FR", "IE", "NL"])
                } else {
                    "US"
                };
                s.subprocessors.list.push(Subprocessor {
                    name: Some(format!("{}host", r.pick(STEMS))),
                    purpose: Some("hosting".to_string()),
                    countries: vec![country(at)],
                });
            }
        }
        if status == Status::Active && s.data.customer_data && r.chance(0.7) {
            s.public_listing = PublicListing {
                listed: true,
                purpose: None,
                since: s.agreements.first().and_then(|a| a.signed),
            };
        }
    }
}

fn review(r: &mut SplitMix64, date: Date, partial: bool) -> Review {
    let mut checks = vec![
        ReviewCheck::Assurance,
        ReviewCheck::Dpa,
        ReviewCheck::Residency,
        ReviewCheck::Risk,
    ];
    if partial {
        checks.remove(r.below(checks.len()));
    }
    Review {
        date,
        reviewer: Some((*r.pick(REVIEWERS)).to_string()),
        trigger: Some(ReviewTrigger::Scheduled),
        outcome: Some(ReviewOutcome::Pass),
        checks,
        notes: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn deterministic_for_a_seed() {
        assert_eq!(generate_register(50, 7), generate_register(50, 7));
        assert_ne!(generate_register(50, 7), generate_register(50, 8));
    }

    #[test]
    fn smaller_registers_are_prefixes() {
        let big = generate_register(40, 3);
        assert_eq!(generate_register(10, 3).suppliers[..], big.suppliers[..10]);
    }

    #[test]
    fn honours_n_with_unique_sequential_ids() {
        assert!(generate_register(0, 1).suppliers.is_empty());
        let reg = generate_register(1234, 1);
        assert_eq!(reg.suppliers.len(), 1234);
        let ids: HashSet<&str> = reg.suppliers.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), 1234);
        assert_eq!(reg.suppliers[0].id.as_str(), "sup-000001");
        assert_eq!(reg.suppliers[1233].id.as_str(), "sup-001234");
    }

    #[test]
    fn about_one_kilobyte_per_supplier() {
        let reg = generate_register(2000, 42);
        let bytes = serde_json::to_string(&reg).expect("serializes").len();
        let per_supplier = bytes / 2000;
        assert!(
            (800..=1300).contains(&per_supplier),
            "{per_supplier} bytes per supplier"
        );
    }

    #[test]
    fn serde_round_trip() {
        let reg = generate_register(200, 9);
        let json = serde_json::to_string(&reg).expect("serializes");
        let back: Register = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, reg);
    }

    #[test]
    fn realistic_mix() {
        let reg = generate_register(500, 5);
        let has = |f: &dyn Fn(&Supplier) -> bool| reg.suppliers.iter().any(f);
        for status in Status::ALL {
            assert!(has(&|s| s.status == Some(*status)), "{status}");
        }
        for category in Category::ALL {
            assert!(has(&|s| s.category == Some(*category)), "{category}");
        }
        assert!(has(&|s| s
            .locations
            .iter()
            .any(|l| !is_eu(l.country.as_str()))));
        assert!(has(&|s| s.inference.provides));
        assert!(has(
            &|s| s.data == vetted_core::model::DataHandling::default()
        ));
        assert!(has(&|s| !s.subprocessors.list.is_empty()));
        assert!(has(&|s| !s.risks.is_empty()));
        for s in &reg.suppliers {
            assert!(s.events.len() <= 2 && s.reviews.len() <= 2, "{}", s.id);
            if s.data != vetted_core::model::DataHandling::default() {
                assert!((1..=3).contains(&s.assurance.len()), "{}", s.id);
            }
        }
    }

    /// The document's top level, strict as the model is.
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Document {
        format: String,
        suppliers: Vec<Supplier>,
    }

    #[test]
    fn example_register_deserializes() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/register.json");
        let text = std::fs::read_to_string(path).expect("examples/register.json is readable");
        let doc: Document =
            serde_json::from_str(&text).expect("examples/register.json matches the model");
        assert_eq!(doc.format, vetted_core::model::FORMAT);
        assert!(doc.suppliers.len() >= 20);
        let ids: HashSet<&str> = doc.suppliers.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids.len(), doc.suppliers.len());
    }
}
