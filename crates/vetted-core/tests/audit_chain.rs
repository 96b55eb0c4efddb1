//! The audit trail's hash chain against every kind of tampering: a trail of 50 entries is
//! changed one way at a time and `verify` must name the first broken entry and why.

use proptest::prelude::*;
use rstest::rstest;
use serde_json::{Value, json};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use vetted_core::audit::{
    Actor, AuditEntry, AuditKey, BrokenReason, ChainHead, Digest, NewEntry, Verification, action,
    canonical_bytes, canonical_json, seal, verify,
};

const LEN: usize = 50;

fn key() -> AuditKey {
    AuditKey::from_bytes(&[0x42; 32]).unwrap()
}

fn other_key() -> AuditKey {
    AuditKey::from_bytes(&[0x43; 32]).unwrap()
}

fn actor(n: usize) -> Actor {
    match n % 3 {
        0 => Actor::User {
            id: format!("user-{}", n % 5),
        },
        1 => Actor::Token {
            id: format!("token-{}", n % 4),
            user_id: "user-1".into(),
        },
        _ => Actor::System,
    }
}

fn record(n: usize, version: usize) -> Value {
    let tier = ["low", "medium", "high"][version % 3];
    json!({
        "id": format!("supplier-{}", n % 7),
        "name": format!("Supplier {n}"),
        "tier": tier,
        "version": version,
        "locations": [{"country": "DE", "processing": true}, {"country": "FR"}],
        "score": 2.5,
    })
}

/// The `n`th change (from 0): creations, updates, archivals and the odd import or policy upload.
fn change(n: usize) -> NewEntry {
    let at = datetime!(2026-01-05 09:00:00 UTC) + Duration::minutes(n as i64 * 37);
    let (action, subject, before, after) = match n % 6 {
        0 => (action::SUPPLIER_CREATE, Some(n), None, Some(record(n, 0))),
        1 | 2 => (
            action::SUPPLIER_UPDATE,
            Some(n),
            Some(record(n, n)),
            Some(record(n, n + 1)),
        ),
        3 => (action::SUPPLIER_ARCHIVE, Some(n), Some(record(n, n)), None),
        4 => (
            action::REGISTER_IMPORT,
            None,
            None,
            Some(json!({"created": n, "updated": 2})),
        ),
        _ => (
            action::POLICY_UPLOAD,
            None,
            None,
            Some(json!({"version": n})),
        ),
    };
    NewEntry {
        at,
        actor: actor(n),
        action: action.into(),
        subject: subject.map(|n| format!("supplier-{}", n % 7)),
        before,
        after,
    }
}

fn trail_with(key: &AuditKey, len: usize) -> Vec<AuditEntry> {
    let mut entries: Vec<AuditEntry> = Vec::with_capacity(len);
    for n in 0..len {
        let head = entries.last().map(AuditEntry::head);
        entries.push(seal(key, head.as_ref(), change(n)));
    }
    entries
}

fn trail() -> Vec<AuditEntry> {
    trail_with(&key(), LEN)
}

/// Index of entry `seq` in an untouched trail.
fn idx(seq: u64) -> usize {
    usize::try_from(seq - 1).unwrap()
}

#[track_caller]
fn assert_broken(v: &Verification, seq: u64, why: BrokenReason) -> String {
    match v {
        Verification::Broken {
            at_seq,
            reason,
            message,
        } => {
            assert_eq!((*at_seq, *reason), (seq, why), "{message}");
            message.clone()
        }
        Verification::Ok { .. } => panic!("expected entry {seq} to be broken ({why:?}), got {v:?}"),
    }
}

#[test]
fn an_untouched_trail_verifies_with_its_head() {
    let entries = trail();
    let head = entries[LEN - 1].head();
    assert_eq!(head.seq, LEN as u64);
    let ok = Verification::Ok {
        entries: LEN,
        head: Some(head),
    };
    assert_eq!(verify(&key(), &entries, None), ok);
    assert_eq!(verify(&key(), &entries, Some(&head)), ok);
    // An older head is still in the trail.
    assert_eq!(verify(&key(), &entries, Some(&entries[9].head())), ok);
    assert!(
        entries
            .windows(2)
            .all(|w| w[1].prev == w[0].mac && w[1].seq == w[0].seq + 1)
    );
    assert_eq!(entries[0].prev, Digest::ZERO);
}

#[rstest]
#[case::action(|e: &mut AuditEntry| e.action = "supplier.delete".into())]
#[case::subject(|e: &mut AuditEntry| e.subject = Some("someone-else".into()))]
#[case::subject_removed(|e: &mut AuditEntry| e.subject = None)]
#[case::actor(|e: &mut AuditEntry| e.actor = Actor::User { id: "user-4".into() })]
#[case::actor_kind(|e: &mut AuditEntry| e.actor = Actor::System)]
#[case::time(|e: &mut AuditEntry| e.at += Duration::microseconds(1))]
#[case::before(|e: &mut AuditEntry| e.before = Some(json!({"id": "forged"})))]
#[case::after_nested(|e: &mut AuditEntry| {
    e.after.as_mut().unwrap()["locations"][1]["country"] = json!("US");
})]
#[case::after_number(|e: &mut AuditEntry| e.after.as_mut().unwrap()["score"] = json!(2.6))]
#[case::seq(|e: &mut AuditEntry| e.seq += 1)]
#[case::prev(|e: &mut AuditEntry| e.prev = Digest::ZERO)]
#[case::mac(|e: &mut AuditEntry| e.mac = Digest::from_bytes([1; 32]))]
fn an_edited_entry_is_named(#[case] edit: fn(&mut AuditEntry)) {
    // Entry 14 (index 13) is an update, so it has before and after.
    let mut entries = trail();
    edit(&mut entries[idx(14)]);
    let message = assert_broken(
        &verify(&key(), &entries, None),
        14,
        BrokenReason::MacMismatch,
    );
    assert!(
        message.starts_with("entry 14 was edited or forged: its MAC does not match its content")
    );
}

#[test]
fn the_message_names_the_entry_for_people() {
    let mut entries = trail();
    entries[idx(17)].action = "supplier.create".into();
    let message = assert_broken(
        &verify(&key(), &entries, None),
        17,
        BrokenReason::MacMismatch,
    );
    assert_eq!(
        message,
        "entry 17 was edited or forged: its MAC does not match its content"
    );
}

#[rstest]
#[case::first(1)]
#[case::middle(17)]
#[case::second_last(49)]
fn a_deleted_entry_is_named(#[case] seq: u64) {
    let mut entries = trail();
    entries.remove(idx(seq));
    let message = assert_broken(&verify(&key(), &entries, None), seq, BrokenReason::Deleted);
    assert!(
        message.starts_with(&format!("entry {seq} was deleted: ")),
        "{message}"
    );
}

#[test]
fn deleted_entries_are_named_as_a_range() {
    let mut entries = trail();
    entries.drain(idx(20)..idx(23));
    let message = assert_broken(&verify(&key(), &entries, None), 20, BrokenReason::Deleted);
    assert_eq!(
        message,
        "entries 20 to 22 were deleted: entry 19 is followed by entry 23"
    );
}

#[test]
fn a_forged_entry_inserted_without_the_key_is_named() {
    let mut entries = trail();
    let original = entries[idx(30)].clone();
    // The forger knows the format and links to entry 29, but has no key: a plain hash, or
    // another key, gives a MAC that does not verify.
    let mut forged = original.clone();
    forged.action = action::SUPPLIER_ARCHIVE.into();
    forged.mac = seal(&other_key(), Some(&entries[idx(29)].head()), change(1)).mac;
    entries.insert(idx(30), forged);
    assert_broken(
        &verify(&key(), &entries, None),
        30,
        BrokenReason::MacMismatch,
    );
}

#[test]
fn a_replayed_entry_is_an_insertion() {
    // A genuine entry copied to a later place: its MAC verifies, but its seq comes again.
    let mut entries = trail();
    let copy = entries[idx(10)].clone();
    entries.insert(idx(25), copy);
    let message = assert_broken(&verify(&key(), &entries, None), 25, BrokenReason::Inserted);
    assert_eq!(
        message,
        "an entry was inserted before entry 25: it repeats entry 10"
    );
}

#[test]
fn an_entry_from_another_trail_under_the_same_key_breaks_the_link() {
    // A second trail sealed with the same key (another instance given the same key file):
    // its entry 12 has a valid MAC and the right seq, but does not link to this entry 11.
    let mut entries = trail();
    let mut other: Vec<AuditEntry> = Vec::new();
    for n in 0..12 {
        let mut change = change(n);
        change.at += Duration::seconds(1);
        let head = other.last().map(AuditEntry::head);
        other.push(seal(&key(), head.as_ref(), change));
    }
    entries[idx(12)] = other[idx(12)].clone();
    let message = assert_broken(
        &verify(&key(), &entries, None),
        12,
        BrokenReason::BrokenLink,
    );
    assert!(
        message.starts_with("entry 12 does not follow entry 11"),
        "{message}"
    );
}

#[rstest]
#[case::first_two(1)]
#[case::middle(33)]
#[case::last_two(49)]
fn swapped_entries_are_named(#[case] seq: u64) {
    let mut entries = trail();
    entries.swap(idx(seq), idx(seq + 1));
    let message = assert_broken(
        &verify(&key(), &entries, None),
        seq,
        BrokenReason::Reordered,
    );
    assert_eq!(
        message,
        format!(
            "entry {seq} is out of order: entry {} stands in its place and entry {seq} comes later",
            seq + 1
        )
    );
}

#[test]
fn an_entry_moved_far_away_is_a_reorder() {
    let mut entries = trail();
    let moved = entries.remove(idx(5));
    entries.insert(idx(40), moved);
    assert_broken(&verify(&key(), &entries, None), 5, BrokenReason::Reordered);
}

#[test]
fn another_key_verifies_nothing() {
    let entries = trail();
    let message = assert_broken(
        &verify(&other_key(), &entries, None),
        1,
        BrokenReason::WrongKey,
    );
    assert!(message.contains("the key is not the one this trail was sealed with"));
}

#[test]
fn an_edit_resealed_with_a_wrong_key_is_named() {
    // Entry 21 edited and its MAC recomputed, then every later entry re-sealed on top of it,
    // all with a key that is not the trail's.
    let mut entries = trail();
    let wrong = other_key();
    entries.truncate(idx(21));
    let head = entries.last().map(AuditEntry::head);
    let mut edited = change(20);
    edited.after = Some(json!({"id": "supplier-6", "tier": "low"}));
    entries.push(seal(&wrong, head.as_ref(), edited));
    for n in 21..LEN {
        let head = entries.last().map(AuditEntry::head);
        entries.push(seal(&wrong, head.as_ref(), change(n)));
    }
    assert_eq!(entries.len(), LEN);
    assert_broken(
        &verify(&key(), &entries, None),
        21,
        BrokenReason::MacMismatch,
    );
}

#[test]
fn a_truncated_tail_is_found_against_the_exported_head() {
    let entries = trail();
    let exported = serde_json::to_string(&entries[LEN - 1].head()).unwrap();
    let head: ChainHead = serde_json::from_str(&exported).unwrap();

    let cut = &entries[..LEN - 5];
    // Without the head a shorter trail is a valid trail ...
    assert!(verify(&key(), cut, None).is_ok());
    // ... with it, the cut is found.
    let message = assert_broken(
        &verify(&key(), cut, Some(&head)),
        46,
        BrokenReason::Truncated,
    );
    assert_eq!(
        message,
        "the trail ends at entry 45 but the exported head is entry 50: entries 46 to 50 were removed"
    );
    let message = assert_broken(
        &verify(&key(), &entries[..LEN - 1], Some(&head)),
        50,
        BrokenReason::Truncated,
    );
    assert!(message.ends_with(": entry 50 was removed"), "{message}");
}

#[test]
fn a_trail_rewritten_with_the_key_is_found_against_the_exported_head() {
    // Someone with the key edits entry 40 and re-seals everything after it: the chain itself
    // verifies, but entry 50 is no longer the head the auditor exported.
    let entries = trail();
    let head = entries[LEN - 1].head();
    let mut rewritten = entries[..idx(40)].to_vec();
    for n in idx(40)..LEN {
        let mut change = change(n);
        if n == idx(40) {
            change.actor = Actor::System;
        }
        let prev = rewritten.last().map(AuditEntry::head);
        rewritten.push(seal(&key(), prev.as_ref(), change));
    }
    assert!(verify(&key(), &rewritten, None).is_ok());
    assert_broken(
        &verify(&key(), &rewritten, Some(&head)),
        50,
        BrokenReason::HeadMismatch,
    );
}

#[test]
fn the_first_problem_is_the_one_named() {
    let mut entries = trail();
    entries[idx(8)].subject = Some("x".into());
    entries.remove(idx(30));
    entries.swap(idx(40), idx(41));
    assert_broken(
        &verify(&key(), &entries, None),
        8,
        BrokenReason::MacMismatch,
    );
}

#[test]
fn the_encoding_ignores_json_key_order_and_time_offset() {
    let a: Value = serde_json::from_str(r#"{"b":{"y":1,"x":[{"q":2,"p":3}]},"a":"é"}"#).unwrap();
    let b: Value =
        serde_json::from_str(r#"{ "a" : "\u00e9", "b" : {"x":[{"p":3,"q":2}],"y":1} }"#).unwrap();
    assert_eq!(canonical_json(&a), canonical_json(&b));
    assert_eq!(
        canonical_json(&a),
        r#"{"a":"é","b":{"x":[{"p":3,"q":2}],"y":1}}"#
    );

    let mut entry = trail()[idx(2)].clone();
    entry.after = Some(a);
    let mut same = entry.clone();
    same.after = Some(b);
    same.at = entry.at.to_offset(time::macros::offset!(-05:00));
    assert_eq!(canonical_bytes(&entry), canonical_bytes(&same));
}

#[test]
fn entries_survive_a_json_round_trip() {
    // What the store does: write each entry (or its fields) as JSON text and read it back.
    let entries = trail();
    let text = serde_json::to_string(&entries).unwrap();
    let back: Vec<AuditEntry> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, entries);
    assert!(verify(&key(), &back, Some(&entries[LEN - 1].head())).is_ok());
    let first: Value = serde_json::from_str(&serde_json::to_string(&entries[1]).unwrap()).unwrap();
    assert_eq!(first["at"], json!("2026-01-05T09:37:00Z"));
    assert_eq!(
        first["actor"],
        json!({"kind": "token", "id": "token-1", "user_id": "user-1"})
    );
    assert_eq!(first["prev"], json!(entries[0].mac.to_string()));
}

#[test]
fn seal_keeps_microseconds_in_utc() {
    let mut change = change(0);
    change.at = OffsetDateTime::from_unix_timestamp_nanos(1_767_600_000_123_456_789).unwrap();
    let entry = seal(&key(), None, change);
    assert_eq!(entry.at.unix_timestamp_nanos(), 1_767_600_000_123_456_000);
    let text = serde_json::to_string(&entry).unwrap();
    let back: AuditEntry = serde_json::from_str(&text).unwrap();
    assert!(back.mac_is_valid(&key()));
}

#[test]
fn the_key_is_never_shown() {
    let key = AuditKey::from_hex(&"c0ffee".repeat(11)).unwrap();
    let shown = format!("{key:?} {:?}", Some(&key));
    assert!(!shown.to_lowercase().contains("c0ffee"), "{shown}");
    assert!(shown.contains("redacted"));
}

/// Mutates one byte of `text` at `pos` to `byte`, if that leaves UTF-8.
fn with_byte(text: &str, pos: usize, byte: u8) -> Option<String> {
    let mut bytes = text.as_bytes().to_vec();
    let slot = bytes.get_mut(pos)?;
    if *slot == byte {
        return None;
    }
    *slot = byte;
    String::from_utf8(bytes).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any single-byte change to the stored JSON of any entry either is not a valid entry, reads
    /// back as the same entry (say, a digest's hex digit in upper case), or is detected, at that
    /// entry.
    #[test]
    fn any_single_byte_change_is_detected(
        which in 0..12usize,
        pos in any::<prop::sample::Index>(),
        byte in 0x20u8..0x7f,
    ) {
        let mut entries = trail_with(&key(), 12);
        let text = serde_json::to_string(&entries[which]).unwrap();
        let Some(changed) = with_byte(&text, pos.index(text.len()), byte) else {
            return Ok(());
        };
        let Ok(entry) = serde_json::from_str::<AuditEntry>(&changed) else {
            return Ok(());
        };
        if entry == entries[which] {
            return Ok(());
        }
        entries[which] = entry;
        match verify(&key(), &entries, None) {
            Verification::Broken { at_seq, .. } => prop_assert_eq!(at_seq, which as u64 + 1),
            ok @ Verification::Ok { .. } => prop_assert!(false, "undetected: {changed} {ok:?}"),
        }
    }
}

#[test]
fn every_byte_of_a_stored_entry_is_covered() {
    // The exhaustive version of the property above for one entry with every kind of field,
    // counting what happened so the property cannot pass by never reaching `verify`.
    let entries = trail_with(&key(), 5);
    let which = idx(2); // a token's update: every field is filled
    let text = serde_json::to_string(&entries[which]).unwrap();
    let (mut detected, mut unreadable) = (0, 0);
    for pos in 0..text.len() {
        for byte in [b'0', b'1', b'7', b'a', b'f', b'A', b'x', b'"', b',', b' '] {
            let Some(changed) = with_byte(&text, pos, byte) else {
                continue;
            };
            let Ok(entry) = serde_json::from_str::<AuditEntry>(&changed) else {
                unreadable += 1;
                continue;
            };
            if entry == entries[which] {
                continue;
            }
            let mut tampered = entries.clone();
            tampered[which] = entry;
            assert_broken(
                &verify(&key(), &tampered, None),
                2,
                BrokenReason::MacMismatch,
            );
            detected += 1;
        }
    }
    assert!(
        detected > text.len(),
        "{detected} detected, {unreadable} unreadable"
    );
}
