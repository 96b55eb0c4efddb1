//! The nested parts of a supplier, by name: [`Section`] (`locations`, `data`, `public_listing` …)
//! and [`RecordAt`], the place one record has inside its supplier (`locations[3]`).
//!
//! The server addresses them in URLs (`/suppliers/{id}/locations/3`) and decodes request bodies
//! for them with [`crate::read::read_record_json`], so a problem in a body carries the path the
//! record will have inside the supplier, exactly as a file import reports it.

use std::fmt;

use serde::Serialize;

use crate::model::{
    Agreement, Assessment, Assurance, DataHandling, Event, Inference, Location, PublicListing,
    Review, RiskEntry, RiskInputs, Subprocessor, Subprocessors, Supplier,
};

/// A nested list or record of a supplier, named as in the register format.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Section {
    /// `data`: which data the supplier handles (one object).
    Data,
    /// `locations`: a list.
    Locations,
    /// `inference`: one object.
    Inference,
    /// `assurance`: the evidence, a list.
    Assurance,
    /// `agreements`: a list, each with its clauses.
    Agreements,
    /// `risk`: the three risk inputs (one object).
    Risk,
    /// `assessments`: a list.
    Assessments,
    /// `reviews`: a list.
    Reviews,
    /// `events`: a list.
    Events,
    /// `risks`: the linked risk entries, a list.
    Risks,
    /// `subprocessors`: one object whose `list` holds the fourth parties.
    Subprocessors,
    /// `public_listing`: one object.
    PublicListing,
}

impl Section {
    /// Every section, in the order of the register format.
    pub const ALL: [Section; 12] = [
        Section::Data,
        Section::Locations,
        Section::Inference,
        Section::Assurance,
        Section::Agreements,
        Section::Risk,
        Section::Assessments,
        Section::Reviews,
        Section::Events,
        Section::Risks,
        Section::Subprocessors,
        Section::PublicListing,
    ];

    /// The field name in the register format (and in URLs).
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Data => "data",
            Section::Locations => "locations",
            Section::Inference => "inference",
            Section::Assurance => "assurance",
            Section::Agreements => "agreements",
            Section::Risk => "risk",
            Section::Assessments => "assessments",
            Section::Reviews => "reviews",
            Section::Events => "events",
            Section::Risks => "risks",
            Section::Subprocessors => "subprocessors",
            Section::PublicListing => "public_listing",
        }
    }

    /// The section named `s`, if any.
    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The names joined for an error message: `data, locations … or public_listing`.
    pub fn expected() -> String {
        crate::model::one_of(Section::ALL.iter().map(|s| s.as_str()))
    }

    /// The place of item `index` of this section, for sections that hold a list (the list of
    /// `subprocessors` is its `list`); `None` for the one-object sections.
    pub fn item(self, index: usize) -> Option<RecordAt> {
        match self {
            Section::Locations => Some(RecordAt::Location(index)),
            Section::Assurance => Some(RecordAt::Assurance(index)),
            Section::Agreements => Some(RecordAt::Agreement(index)),
            Section::Assessments => Some(RecordAt::Assessment(index)),
            Section::Reviews => Some(RecordAt::Review(index)),
            Section::Events => Some(RecordAt::Event(index)),
            Section::Risks => Some(RecordAt::RiskEntry(index)),
            Section::Subprocessors => Some(RecordAt::Subprocessor(index)),
            Section::Data | Section::Inference | Section::Risk | Section::PublicListing => None,
        }
    }

    /// The place of a one-object section (`data`, `inference`, `risk`, `subprocessors`,
    /// `public_listing`) as a whole; `None` for the lists.
    pub fn whole(self) -> Option<RecordAt> {
        match self {
            Section::Data => Some(RecordAt::Data),
            Section::Inference => Some(RecordAt::Inference),
            Section::Risk => Some(RecordAt::Risk),
            Section::Subprocessors => Some(RecordAt::Subprocessors),
            Section::PublicListing => Some(RecordAt::PublicListing),
            Section::Locations
            | Section::Assurance
            | Section::Agreements
            | Section::Assessments
            | Section::Reviews
            | Section::Events
            | Section::Risks => None,
        }
    }

    /// How many items this section of `supplier` holds (the `list` of `subprocessors`);
    /// `None` for the one-object sections.
    pub fn len(self, s: &Supplier) -> Option<usize> {
        match self {
            Section::Locations => Some(s.locations.len()),
            Section::Assurance => Some(s.assurance.len()),
            Section::Agreements => Some(s.agreements.len()),
            Section::Assessments => Some(s.assessments.len()),
            Section::Reviews => Some(s.reviews.len()),
            Section::Events => Some(s.events.len()),
            Section::Risks => Some(s.risks.len()),
            Section::Subprocessors => Some(s.subprocessors.list.len()),
            Section::Data | Section::Inference | Section::Risk | Section::PublicListing => None,
        }
    }

    /// Removes item `index` of this list section of `s` (the items after it move up by one);
    /// `false`, and nothing changed, when there is no such item or the section is one object.
    pub fn remove(self, s: &mut Supplier, index: usize) -> bool {
        fn rm<T>(list: &mut Vec<T>, index: usize) -> bool {
            if index < list.len() {
                list.remove(index);
                true
            } else {
                false
            }
        }
        match self {
            Section::Locations => rm(&mut s.locations, index),
            Section::Assurance => rm(&mut s.assurance, index),
            Section::Agreements => rm(&mut s.agreements, index),
            Section::Assessments => rm(&mut s.assessments, index),
            Section::Reviews => rm(&mut s.reviews, index),
            Section::Events => rm(&mut s.events, index),
            Section::Risks => rm(&mut s.risks, index),
            Section::Subprocessors => rm(&mut s.subprocessors.list, index),
            Section::Data | Section::Inference | Section::Risk | Section::PublicListing => false,
        }
    }

    /// The whole section of `supplier` as its JSON document has it; an absent section is its
    /// empty value (`[]` or the object with its defaults), never `null`.
    pub fn view(self, supplier: &Supplier) -> serde_json::Value {
        fn json<T: Serialize + ?Sized>(value: &T) -> serde_json::Value {
            // The model's types serialize to JSON without fail (string keys, finite numbers).
            serde_json::to_value(value).unwrap_or(serde_json::Value::Null)
        }
        let s = supplier;
        match self {
            Section::Data => json(&s.data),
            Section::Locations => json(&s.locations),
            Section::Inference => json(&s.inference),
            Section::Assurance => json(&s.assurance),
            Section::Agreements => json(&s.agreements),
            Section::Risk => json(&s.risk),
            Section::Assessments => json(&s.assessments),
            Section::Reviews => json(&s.reviews),
            Section::Events => json(&s.events),
            Section::Risks => json(&s.risks),
            Section::Subprocessors => json(&s.subprocessors),
            Section::PublicListing => json(&s.public_listing),
        }
    }

    /// Item `index` of this section of `supplier` as JSON: `None` when the section is not a
    /// list or has no such item.
    pub fn item_view(self, supplier: &Supplier, index: usize) -> Option<serde_json::Value> {
        fn json<T: Serialize>(list: &[T], index: usize) -> Option<serde_json::Value> {
            list.get(index).and_then(|v| serde_json::to_value(v).ok())
        }
        let s = supplier;
        match self {
            Section::Locations => json(&s.locations, index),
            Section::Assurance => json(&s.assurance, index),
            Section::Agreements => json(&s.agreements, index),
            Section::Assessments => json(&s.assessments, index),
            Section::Reviews => json(&s.reviews, index),
            Section::Events => json(&s.events, index),
            Section::Risks => json(&s.risks, index),
            Section::Subprocessors => json(&s.subprocessors.list, index),
            Section::Data | Section::Inference | Section::Risk | Section::PublicListing => None,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one record sits inside its supplier: what a request body for it decodes as, and the
/// path its problems are reported under.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RecordAt {
    /// `data`.
    Data,
    /// `locations[i]`.
    Location(usize),
    /// `inference`.
    Inference,
    /// `assurance[i]`.
    Assurance(usize),
    /// `agreements[i]`.
    Agreement(usize),
    /// `risk`.
    Risk,
    /// `assessments[i]`.
    Assessment(usize),
    /// `reviews[i]`.
    Review(usize),
    /// `events[i]`.
    Event(usize),
    /// `risks[i]`.
    RiskEntry(usize),
    /// `subprocessors` (the whole object: `known` and `list`).
    Subprocessors,
    /// `subprocessors.list[i]`.
    Subprocessor(usize),
    /// `public_listing`.
    PublicListing,
}

impl RecordAt {
    /// The section the record belongs to.
    pub fn section(self) -> Section {
        match self {
            RecordAt::Data => Section::Data,
            RecordAt::Location(_) => Section::Locations,
            RecordAt::Inference => Section::Inference,
            RecordAt::Assurance(_) => Section::Assurance,
            RecordAt::Agreement(_) => Section::Agreements,
            RecordAt::Risk => Section::Risk,
            RecordAt::Assessment(_) => Section::Assessments,
            RecordAt::Review(_) => Section::Reviews,
            RecordAt::Event(_) => Section::Events,
            RecordAt::RiskEntry(_) => Section::Risks,
            RecordAt::Subprocessors | RecordAt::Subprocessor(_) => Section::Subprocessors,
            RecordAt::PublicListing => Section::PublicListing,
        }
    }

    /// The record's index in its list, for list items.
    pub fn index(self) -> Option<usize> {
        match self {
            RecordAt::Location(i)
            | RecordAt::Assurance(i)
            | RecordAt::Agreement(i)
            | RecordAt::Assessment(i)
            | RecordAt::Review(i)
            | RecordAt::Event(i)
            | RecordAt::RiskEntry(i)
            | RecordAt::Subprocessor(i) => Some(i),
            RecordAt::Data
            | RecordAt::Inference
            | RecordAt::Risk
            | RecordAt::Subprocessors
            | RecordAt::PublicListing => None,
        }
    }

    /// The record's path inside its supplier: `locations[3]`, `subprocessors.list[0]`, `data`.
    pub fn path(self) -> String {
        match (self, self.index()) {
            (RecordAt::Subprocessor(i), _) => format!("subprocessors.list[{i}]"),
            (_, Some(i)) => format!("{}[{i}]", self.section()),
            (_, None) => self.section().to_string(),
        }
    }
}

impl fmt::Display for RecordAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// Puts `record` where it belongs in `s`: replaces the one-object section or item `i` of a
/// list, or appends it when `i` is the list's length. A record of another kind than `at`
/// (a caller's mistake), or an index past the end, changes nothing and gives the record back.
#[expect(
    clippy::result_large_err,
    reason = "the record is handed back on a caller's mistake, a rare path; boxing it buys nothing"
)]
pub fn put_record(s: &mut Supplier, at: RecordAt, record: Record) -> Result<(), Record> {
    fn place<T>(list: &mut Vec<T>, index: usize, item: T) -> Result<(), T> {
        if let Some(slot) = list.get_mut(index) {
            *slot = item;
        } else if index == list.len() {
            list.push(item);
        } else {
            return Err(item);
        }
        Ok(())
    }
    match (at, record) {
        (RecordAt::Data, Record::Data(v)) => s.data = v,
        (RecordAt::Inference, Record::Inference(v)) => s.inference = v,
        (RecordAt::Risk, Record::Risk(v)) => s.risk = v,
        (RecordAt::Subprocessors, Record::Subprocessors(v)) => s.subprocessors = v,
        (RecordAt::PublicListing, Record::PublicListing(v)) => s.public_listing = v,
        (RecordAt::Location(i), Record::Location(v)) => {
            place(&mut s.locations, i, v).map_err(Record::Location)?;
        }
        (RecordAt::Assurance(i), Record::Assurance(v)) => {
            place(&mut s.assurance, i, v).map_err(Record::Assurance)?;
        }
        (RecordAt::Agreement(i), Record::Agreement(v)) => {
            place(&mut s.agreements, i, v).map_err(Record::Agreement)?;
        }
        (RecordAt::Assessment(i), Record::Assessment(v)) => {
            place(&mut s.assessments, i, v).map_err(Record::Assessment)?;
        }
        (RecordAt::Review(i), Record::Review(v)) => {
            place(&mut s.reviews, i, v).map_err(Record::Review)?;
        }
        (RecordAt::Event(i), Record::Event(v)) => {
            place(&mut s.events, i, v).map_err(Record::Event)?;
        }
        (RecordAt::RiskEntry(i), Record::RiskEntry(v)) => {
            place(&mut s.risks, i, v).map_err(Record::RiskEntry)?;
        }
        (RecordAt::Subprocessor(i), Record::Subprocessor(v)) => {
            place(&mut s.subprocessors.list, i, v).map_err(Record::Subprocessor)?;
        }
        (_, record) => return Err(record),
    }
    Ok(())
}

/// One decoded record of a supplier, as [`crate::read::read_record_json`] returns it.
#[derive(Clone, PartialEq, Debug, Serialize)]
#[serde(untagged)]
pub enum Record {
    Data(DataHandling),
    Location(Location),
    Inference(Inference),
    Assurance(Assurance),
    Agreement(Agreement),
    Risk(RiskInputs),
    Assessment(Assessment),
    Review(Review),
    Event(Event),
    RiskEntry(RiskEntry),
    Subprocessors(Subprocessors),
    Subprocessor(Subprocessor),
    PublicListing(PublicListing),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_paths_read_as_in_the_import() {
        for s in Section::ALL {
            assert_eq!(Section::parse(s.as_str()), Some(s));
        }
        assert_eq!(Section::parse("location"), None);
        assert_eq!(RecordAt::Location(3).path(), "locations[3]");
        assert_eq!(RecordAt::Subprocessor(0).path(), "subprocessors.list[0]");
        assert_eq!(RecordAt::PublicListing.path(), "public_listing");
        assert_eq!(
            Section::Subprocessors.item(2),
            Some(RecordAt::Subprocessor(2))
        );
        assert_eq!(Section::Data.item(0), None);
    }

    #[test]
    fn records_are_put_replaced_appended_and_removed_in_place() {
        use crate::country::Country;
        use crate::model::{Location, Purpose};
        let loc = |c: &str| Location {
            country: Country::parse(c).unwrap(),
            region: None,
            purpose: Purpose::Storage,
            note: None,
            mechanism: None,
        };
        let mut s = Supplier::new(crate::model::SupplierId::parse("acme").unwrap());
        assert_eq!(Section::Locations.len(&s), Some(0));
        assert_eq!(Section::Risk.len(&s), None);
        assert_eq!(Section::Risk.whole(), Some(RecordAt::Risk));
        assert_eq!(Section::Locations.whole(), None);
        put_record(&mut s, RecordAt::Location(0), Record::Location(loc("DE"))).unwrap();
        put_record(&mut s, RecordAt::Location(1), Record::Location(loc("IE"))).unwrap();
        put_record(&mut s, RecordAt::Location(0), Record::Location(loc("FR"))).unwrap();
        assert_eq!(s.locations, [loc("FR"), loc("IE")]);
        // Past the end, or another kind of record: nothing changes.
        assert!(put_record(&mut s, RecordAt::Location(5), Record::Location(loc("AT"))).is_err());
        assert!(put_record(&mut s, RecordAt::Data, Record::Location(loc("AT"))).is_err());
        assert_eq!(Section::Locations.len(&s), Some(2));
        assert!(Section::Locations.remove(&mut s, 0));
        assert!(!Section::Locations.remove(&mut s, 1));
        assert!(!Section::Data.remove(&mut s, 0));
        assert_eq!(s.locations, [loc("IE")]);
    }

    #[test]
    fn absent_sections_view_as_their_empty_value() {
        let s = Supplier::new(crate::model::SupplierId::parse("acme").unwrap());
        assert_eq!(Section::Locations.view(&s), serde_json::json!([]));
        assert_eq!(Section::Data.view(&s), serde_json::json!({}));
        assert_eq!(Section::Locations.item_view(&s, 0), None);
    }
}
