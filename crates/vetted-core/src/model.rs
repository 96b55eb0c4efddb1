//! The register model: one [`Register`] of [`Supplier`]s, exactly the document of
//! `shared/spec/register-format.md`.
//!
//! Values here are already valid (dates exist, countries are assigned codes, enums are known);
//! the readers in [`crate::read`] are the way in from untrusted text: they report every problem
//! with its path and position. The serde `Deserialize` impls are for data Vetted wrote itself
//! (the store's rows): fast, strict, and stopping at the first problem. Optional values are
//! `Option`, lists default to empty and booleans to their documented default, so two registers
//! that the spec calls "the same" differ here only in list order (see [`crate::same`]).

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::country::Country;
pub use crate::vecmap::VecMap;

/// The `format` value of every register document this version reads and writes.
pub const FORMAT: &str = "supplier-register/1";

/// Declares a closed set of `snake_case` values with their wire names.
macro_rules! value_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the order the spec lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses a wire name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// The wire names joined for an error message: `a, b or c`.
            pub fn expected() -> String {
                crate::model::one_of(Self::ALL.iter().map(|v| v.as_str()))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                crate::openapi::wire_enum(&[$(stringify!($meta)),+], &[$($wire),+])
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| serde::de::Error::custom(
                    format!("unknown value `{s}`: expected {}", $name::expected())))
            }
        }
    };
}

/// `a, b or c`, for "expected one of" messages.
pub fn one_of<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

value_enum!(
    /// What a supplier does for us.
    Category {
        CloudInfrastructure = "cloud_infrastructure",
        ModelProvider = "model_provider",
        DataProvider = "data_provider",
        Annotation = "annotation",
        Saas = "saas",
        Observability = "observability",
        Communications = "communications",
        ProfessionalServices = "professional_services",
        Subcontractor = "subcontractor",
        Other = "other",
    }
);

value_enum!(
    /// Where a supplier stands in its life cycle.
    Status {
        Proposed = "proposed",
        DueDiligence = "due_diligence",
        Approved = "approved",
        Active = "active",
        Offboarding = "offboarding",
        Terminated = "terminated",
        Rejected = "rejected",
    }
);

impl Status {
    /// Engaged suppliers (approved, active, offboarding) are held to the engaged-only rules.
    pub fn is_engaged(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Active | Status::Offboarding
        )
    }

    /// Rejected and terminated suppliers are inactive: only `register.incomplete` applies.
    pub fn is_inactive(self) -> bool {
        matches!(self, Status::Rejected | Status::Terminated)
    }
}

value_enum!(
    /// What a location is used for.
    Purpose { Storage = "storage", Processing = "processing", Inference = "inference", Access = "access" }
);

value_enum!(
    /// A documented transfer mechanism. It documents a transfer; it never makes it allowed.
    Mechanism { Scc = "scc", Adequacy = "adequacy", Bcr = "bcr", Derogation = "derogation" }
);

value_enum!(
    /// The kind of an assurance item.
    AssuranceKind {
        Iso27001 = "iso27001",
        Soc2Type2 = "soc2_type2",
        Soc2Type1 = "soc2_type1",
        Iso27701 = "iso27701",
        Iso42001 = "iso42001",
        C5 = "c5",
        Questionnaire = "questionnaire",
        Pentest = "pentest",
        Other = "other",
    }
);

value_enum!(
    /// The media type of an evidence document: the file types Vetted accepts as evidence.
    MediaType {
        Pdf = "application/pdf",
        Png = "image/png",
        Jpeg = "image/jpeg",
        Webp = "image/webp",
    }
);

impl MediaType {
    /// The type `content` is, by its first bytes ("magic numbers"), whatever name or type a
    /// client declared for it; `None` for anything else.
    pub fn sniff(content: &[u8]) -> Option<MediaType> {
        if content.starts_with(b"%PDF-") {
            Some(MediaType::Pdf)
        } else if content.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(MediaType::Png)
        } else if content.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(MediaType::Jpeg)
        } else if content.len() >= 12 && &content[..4] == b"RIFF" && &content[8..12] == b"WEBP" {
            Some(MediaType::Webp)
        } else {
            None
        }
    }

    /// The usual file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Pdf => "pdf",
            MediaType::Png => "png",
            MediaType::Jpeg => "jpg",
            MediaType::Webp => "webp",
        }
    }

    /// A short name for people: `PDF`, `PNG`, `JPEG`, `WebP`.
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Png => "PNG",
            MediaType::Jpeg => "JPEG",
            MediaType::Webp => "WebP",
        }
    }
}

value_enum!(
    /// The kind of an agreement.
    AgreementKind {
        Msa = "msa",
        Dpa = "dpa",
        Sla = "sla",
        Nda = "nda",
        Scc = "scc",
        OrderForm = "order_form",
        Other = "other",
    }
);

value_enum!(
    /// Risk input: how much the business suffers when the supplier fails.
    BusinessImpact { Low = "low", Medium = "medium", High = "high" }
);

value_enum!(
    /// Risk input: which data the supplier can reach.
    DataAccess { None = "none", Internal = "internal", Customer = "customer" }
);

value_enum!(
    /// Risk input: how hard the supplier is to replace.
    Replaceability { Easy = "easy", Moderate = "moderate", Hard = "hard" }
);

value_enum!(
    /// The outcome of a due-diligence assessment.
    AssessmentOutcome {
        Approved = "approved",
        ApprovedWithConditions = "approved_with_conditions",
        Rejected = "rejected",
    }
);

value_enum!(
    /// Why a review took place.
    ReviewTrigger {
        Scheduled = "scheduled",
        Incident = "incident",
        OwnershipChange = "ownership_change",
        LocationChange = "location_change",
        ServiceChange = "service_change",
        Manual = "manual",
    }
);

value_enum!(
    /// What a review concluded.
    ReviewOutcome { Pass = "pass", Remediate = "remediate", Replace = "replace", Escalate = "escalate" }
);

value_enum!(
    /// One of the four things a review re-checks.
    ReviewCheck { Assurance = "assurance", Dpa = "dpa", Residency = "residency", Risk = "risk" }
);

value_enum!(
    /// The kind of an event in a supplier's life.
    EventKind {
        Incident = "incident",
        OwnershipChange = "ownership_change",
        LocationChange = "location_change",
        ServiceChange = "service_change",
        Other = "other",
    }
);

value_enum!(
    /// The state of a risk entry.
    RiskStatus { Open = "open", Treated = "treated", Accepted = "accepted", Closed = "closed" }
);

value_enum!(
    /// How a risk is treated.
    Treatment { Remediate = "remediate", Replace = "replace", Escalate = "escalate", Accept = "accept" }
);

value_enum!(
    /// A supplier's risk tier, from the three risk inputs.
    Tier { Critical = "critical", High = "high", Medium = "medium", Low = "low" }
);

value_enum!(
    /// The one verdict per supplier, in the order the policy tries them.
    Verdict {
        Inactive = "inactive",
        OutOfScope = "out_of_scope",
        Ineligible = "ineligible",
        NonCompliant = "non_compliant",
        Attention = "attention",
        Compliant = "compliant",
    }
);

impl Verdict {
    /// Worst first, for human output: ineligible, non-compliant, attention, compliant, then the
    /// suppliers the policy does not judge (out of scope, inactive).
    pub const WORST_FIRST: [Verdict; 6] = [
        Verdict::Ineligible,
        Verdict::NonCompliant,
        Verdict::Attention,
        Verdict::Compliant,
        Verdict::OutOfScope,
        Verdict::Inactive,
    ];

    /// Rank in [`Verdict::WORST_FIRST`] (0 is worst).
    pub fn badness_rank(self) -> usize {
        Verdict::WORST_FIRST
            .iter()
            .position(|v| *v == self)
            .unwrap_or(0)
    }
}

/// A supplier id: non-empty, case-sensitive, no whitespace and no `/` (ids appear in URLs).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct SupplierId(String);

impl TryFrom<String> for SupplierId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        SupplierId::parse(&s).map_err(|e| format!("supplier id {e}"))
    }
}

impl SupplierId {
    /// Validates an id; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<SupplierId, &'static str> {
        if s.is_empty() {
            Err("must not be empty")
        } else if s.chars().any(char::is_whitespace) {
            Err("must not contain whitespace")
        } else if s.contains('/') {
            Err("must not contain `/`")
        } else {
            Ok(SupplierId(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SupplierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 of a document's content as 64 lowercase hexadecimal digits: the document's
/// name in the store (content-addressed, so the same file is stored once).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub struct DocumentHash(String);

impl TryFrom<String> for DocumentHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        DocumentHash::parse(&s).map_err(|e| format!("sha256 {e}"))
    }
}

impl DocumentHash {
    /// Validates a hash as written in a document; the error says what is wrong with it.
    pub fn parse(s: &str) -> Result<DocumentHash, &'static str> {
        if s.len() != 64 {
            Err("must be 64 hexadecimal digits")
        } else if !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Err("must be lowercase hexadecimal digits (0-9, a-f)")
        } else {
            Ok(DocumentHash(s.to_string()))
        }
    }

    /// The hash of `content`.
    pub fn of(content: &[u8]) -> DocumentHash {
        use sha2::Digest as _;
        DocumentHash(hex::encode(sha2::Sha256::digest(content)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A non-negative number as written in the document. `48` and `48.0` are the same number and
/// both are written back as `48`.
#[derive(Clone, Copy, PartialEq, PartialOrd, Debug, Deserialize)]
#[serde(transparent)]
pub struct Number(pub f64);

impl Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

/// A clause parameter's value: a number or a text, as the policy's clause catalogue types it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Number(Number),
    Text(String),
}

/// The parameters of one clause (`{"hours": 48}`); keys and types come from the policy.
pub type ClauseParams = VecMap<ParamValue>;

/// The clauses of an agreement by key (`{"incident_notification": {"hours": 48}}`).
pub type Clauses = VecMap<ClauseParams>;

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(b: &bool) -> bool {
    !*b
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_true(b: &bool) -> bool {
    *b
}

fn default_true() -> bool {
    true
}

/// The whole register document.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Register {
    pub suppliers: Vec<Supplier>,
}

/// One supplier with everything the register knows of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supplier {
    pub id: SupplierId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "DataHandling::is_default")]
    pub data: DataHandling,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(default, skip_serializing_if = "Inference::is_default")]
    pub inference: Inference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assurance: Vec<Assurance>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agreements: Vec<Agreement>,
    #[serde(default, skip_serializing_if = "RiskInputs::is_default")]
    pub risk: RiskInputs,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assessments: Vec<Assessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Review>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<RiskEntry>,
    #[serde(default, skip_serializing_if = "Subprocessors::is_default")]
    pub subprocessors: Subprocessors,
    #[serde(default, skip_serializing_if = "PublicListing::is_default")]
    pub public_listing: PublicListing,
}

impl Supplier {
    /// A supplier with only its id: every other field absent.
    pub fn new(id: SupplierId) -> Supplier {
        Supplier {
            id,
            name: None,
            category: None,
            services: Vec::new(),
            status: None,
            owner: None,
            website: None,
            data: DataHandling::default(),
            locations: Vec::new(),
            inference: Inference::default(),
            assurance: Vec::new(),
            agreements: Vec::new(),
            risk: RiskInputs::default(),
            assessments: Vec::new(),
            reviews: Vec::new(),
            events: Vec::new(),
            risks: Vec::new(),
            subprocessors: Subprocessors::default(),
            public_listing: PublicListing::default(),
        }
    }
}

/// Which data the supplier handles.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataHandling {
    #[serde(default, skip_serializing_if = "is_false")]
    pub personal_data: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub customer_data: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub confidential: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub production_dependency: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
}

impl DataHandling {
    fn is_default(&self) -> bool {
        *self == DataHandling::default()
    }
}

/// Where the supplier stores, processes, infers or accesses our data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub country: Country,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub purpose: Purpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mechanism: Option<Mechanism>,
}

/// Whether the supplier runs model inference on our or our customers' data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Inference {
    #[serde(default, skip_serializing_if = "is_false")]
    pub provides: bool,
}

impl Inference {
    fn is_default(&self) -> bool {
        *self == Inference::default()
    }
}

/// One piece of assurance evidence: a certificate, a report, a questionnaire, a test.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assurance {
    pub kind: AssuranceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub valid_from: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub valid_until: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub period_start: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub period_end: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub completed: Option<Date>,
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub covers_service: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub exceptions_acknowledged: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compensating_controls: Vec<String>,
    /// The evidence itself: references to documents by the SHA-256 of their content (an
    /// extension of the format, see `docs/register-format-extensions.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Document>,
}

impl Assurance {
    /// An item of `kind` with every other field absent (and `covers_service` true).
    pub fn new(kind: AssuranceKind) -> Assurance {
        Assurance {
            kind,
            issuer: None,
            scope: None,
            valid_from: None,
            valid_until: None,
            period_start: None,
            period_end: None,
            completed: None,
            covers_service: true,
            exceptions: Vec::new(),
            exceptions_acknowledged: false,
            compensating_controls: Vec::new(),
            documents: Vec::new(),
        }
    }
}

/// A document attached to an assurance item (the certificate, the report): a reference by the
/// SHA-256 of its content. The reference is data: a register may name a document the server
/// does not hold (imported from elsewhere); the server keeps the bytes under the hash.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    /// Lowercase hex SHA-256 of the content.
    pub sha256: DocumentHash,
    /// The file name it was uploaded with (offered again on download).
    pub name: String,
    /// What the content is.
    pub media_type: MediaType,
    /// The content's length in bytes.
    pub size: u64,
}

/// A contract with the supplier and the security clauses it contains.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Agreement {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<AgreementKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub signed: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub expires: Option<Date>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub terminated: Option<Date>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub gdpr_art28: bool,
    #[serde(default, skip_serializing_if = "VecMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::clauses_schema))]
    pub clauses: Clauses,
}

/// The three risk inputs; the tier follows from them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskInputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_impact: Option<BusinessImpact>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_access: Option<DataAccess>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaceability: Option<Replaceability>,
}

impl RiskInputs {
    fn is_default(&self) -> bool {
        *self == RiskInputs::default()
    }
}

/// A due-diligence assessment before engagement.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    #[serde(with = "crate::date::serde_date")]
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    pub outcome: AssessmentOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// A periodic or triggered review.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    #[serde(with = "crate::date::serde_date")]
    pub date: Date,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<ReviewTrigger>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<ReviewOutcome>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<ReviewCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

/// Something that happened to the supplier: an incident, a change of owner, location or service.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    #[serde(with = "crate::date::serde_date")]
    pub date: Date,
    pub kind: EventKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// An entry of the risk register linked to this supplier.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<RiskStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub treatment: Option<Treatment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub due: Option<Date>,
    /// What the risk is, in a few sentences (an extension of the format, as are the fields
    /// below: see `docs/register-format-extensions.md`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The ids of the policy rules the risk answers (`selection.residency`): the findings it
    /// escalates. The decoder only refuses blank ids; forms and the API check them against
    /// the policy in force.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// When the risk was opened.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub opened: Option<Date>,
    /// Who accepted the risk (status `accepted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_by: Option<String>,
    /// The last day the acceptance holds; after it the risk must be decided again. Absent on
    /// an accepted risk: the acceptance never expires (the spec's meaning of `accepted`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub accepted_until: Option<Date>,
}

impl RiskEntry {
    /// Whether the entry counts as an open risk entry for `escalation.risk` on `as_of`: status
    /// `open`, or `accepted` with an acceptance that has not expired (no `accepted_until`, or
    /// `accepted_until` on or after `as_of`). An expired acceptance is Vetted's extension of
    /// the policy's definition (the spec has no `accepted_until`).
    pub fn is_open_on(&self, as_of: Date) -> bool {
        match self.status {
            Some(RiskStatus::Open) => true,
            Some(RiskStatus::Accepted) => self.accepted_until.is_none_or(|d| d >= as_of),
            Some(RiskStatus::Treated | RiskStatus::Closed) | None => false,
        }
    }

    /// Whether the entry is accepted and its acceptance ended before `as_of`.
    pub fn acceptance_expired(&self, as_of: Date) -> bool {
        self.status == Some(RiskStatus::Accepted) && self.accepted_until.is_some_and(|d| d < as_of)
    }
}

/// The supplier's own subprocessors (our fourth parties).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Subprocessors {
    #[serde(default, skip_serializing_if = "is_false")]
    pub known: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub list: Vec<Subprocessor>,
}

impl Subprocessors {
    fn is_default(&self) -> bool {
        *self == Subprocessors::default()
    }
}

/// One fourth party.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Subprocessor {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<Country>,
}

/// Whether and how the supplier appears on the public subprocessor list.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PublicListing {
    #[serde(default, skip_serializing_if = "is_false")]
    pub listed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::serde_opt"
    )]
    pub since: Option<Date>,
}

impl PublicListing {
    fn is_default(&self) -> bool {
        *self == PublicListing::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_round_trip_of_a_stored_supplier() {
        let json = r#"{"id":"aws","name":"AWS","status":"active","data":{"personal_data":true},
            "locations":[{"country":"DE","purpose":"storage"}],
            "assurance":[{"kind":"iso27001","valid_from":"2025-11-01","valid_until":"2028-10-31","covers_service":false}],
            "agreements":[{"signed":"2025-01-10","gdpr_art28":true,"clauses":{"incident_notification":{"hours":48.0},"bcdr":{"backup_location":"DE"}}}]}"#;
        let s: Supplier = serde_json::from_str(json).unwrap();
        assert!(!s.assurance[0].covers_service);
        let again: Supplier = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(s, again);
        assert!(
            serde_json::to_string(&s)
                .unwrap()
                .contains(r#""hours":48}"#)
        );
        assert!(serde_json::from_str::<Supplier>(r#"{"id":"a b"}"#).is_err());
        assert!(serde_json::from_str::<Supplier>(r#"{"id":"a","colour":1}"#).is_err());
    }
}
