//! Vetted's domain: the supplier register, the supplier policy and the engine that evaluates one
//! against the other. Pure: no I/O, no async, no database, no HTTP.
//!
//! - [`model`]: the register document's types (`shared/spec/register-format.md`).
//! - [`read`] and [`mod@write`]: the JSON and YAML documents, with precise errors.
//! - [`audit`]: the keyed hash chain of the audit trail (tamper-evident, verifiable).
//! - [`policy`]: the policy as data, read from TOML; [`Policy::default`](policy::Policy) is the seed.
//! - [`engine`]: every rule of `shared/spec/policy.md`; [`report`]: the check report.
//! - [`projection`]: the evaluation columns the store keeps for filtering and sorting lists.
//! - [`same`]: "the same register" as the spec defines it.
//! - [`role`]: what an account may do (viewer, editor, admin).
//! - [`section`]: a supplier's nested records by name and place (`locations[3]`).
//! - [`remind`]: reminders of what is due, cut into windows and digests.
//! - [`risks`]: the risk register, every supplier's risk entries grouped by risk id.
//! - [`due`]: the action list (reviews, evidence, agreements, risks due).
//! - [`publication`]: the public subprocessor list, its versions, notices and objections.
//! - [`history`]: the register as it was at a past moment, rebuilt from the audit trail.
//! - [`iso`]: the ISO/IEC 27001 A.5.19–5.23 report over a period.

pub mod audit;
pub mod country;
pub mod date;
pub mod due;
pub mod engine;
pub mod history;
pub mod iso;
pub mod model;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod policy;
pub mod projection;
pub mod publication;
pub mod read;
pub mod remind;
pub mod report;
pub mod risks;
pub mod role;
pub mod same;
pub mod section;
pub mod vecmap;
pub mod write;

#[cfg(feature = "testing")]
pub mod testing;
