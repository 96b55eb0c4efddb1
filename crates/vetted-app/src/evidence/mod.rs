//! Evidence packs for auditors (issue 7): one ZIP file holding what an auditor asks for about
//! a period (the register at its end, the policy versions in force, the reviews, the audit
//! trail's extract with its verification, the stored documents, and the caller's extra files,
//! such as the ISO 27001 report) with a SHA-256 manifest signed by the instance's Ed25519 key,
//! so the auditor needs no access to the server to trust it.
//!
//! - [`key`]: the signing key (seed: the instance secret `evidence-signing`) and the public
//!   key's text form and fingerprint;
//! - [`container`]: the deterministic stored-ZIP writer, and reading through the `zip` crate;
//! - [`pack`]: the manifest, [`pack::seal`] and [`pack::verify`];
//! - this module: [`assemble`], the pack's files from the store.

pub mod container;
pub mod key;
pub mod pack;

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use vetted_core::audit::{AuditEntry, AuditKey, Digest, Verification};
use vetted_core::date::{Period, format_date};
use vetted_core::model::{DocumentHash, Register};
use vetted_store::{PolicyVersion, Store, StoreError};

use crate::history::{PastError, register_in};
use crate::tabular::{Table, TableCell, table_csv};
pub use container::{ContainerError, Entry};
pub use key::{PublicKey, PublicKeyError, SigningKey, instance_key};
pub use pack::{Verdict, verify};

/// Why a pack cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Past(#[from] PastError),
    #[error("the pack cannot be written: {0}")]
    Container(#[from] ContainerError),
    /// The period ends after today: a pack covers days that are over (or today, up to now).
    #[error(
        "the period ends on {0}, after today: a pack covers days that are over, or today up to now"
    )]
    Future(String),
}

/// A pack made by [`assemble`].
#[derive(Debug)]
pub struct Assembled {
    /// The ZIP file.
    pub bytes: Vec<u8>,
    /// The key that signed it.
    pub public_key: PublicKey,
    /// The paths of its files, sorted, the manifest and signature included.
    pub paths: Vec<String>,
}

/// The first and last moment of `period` (UTC), the end clamped to `now` when the period ends
/// today.
fn bounds(
    period: Period,
    now: OffsetDateTime,
) -> Result<(OffsetDateTime, OffsetDateTime), EvidenceError> {
    let now = now.to_offset(UtcOffset::UTC);
    if period.to > now.date() {
        return Err(EvidenceError::Future(format_date(period.to)));
    }
    let start = period.from.midnight().assume_utc();
    Ok((start, vetted_core::history::end_of_day(period.to).min(now)))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn json_bytes(value: &Value) -> Vec<u8> {
    let mut text = serde_json::to_vec_pretty(value).unwrap_or_default();
    text.push(b'\n');
    text
}

/// Makes the evidence pack of `period` from `store`, signed with the instance key.
///
/// `audit_key` verifies the whole trail (without it, `audit/verification.json` says it was not
/// verified); `extra_files` are added as they are (the caller's reports); `now` is the pack's
/// creation time, and the end of a period that ends today.
///
/// # Errors
/// A period ending after today, the store's errors, a trail that does not read, a pack past
/// 4 GiB, or an extra file whose path is not plain or is taken.
pub async fn assemble(
    store: &dyn Store,
    audit_key: Option<&AuditKey>,
    period: Period,
    organisation: Option<&str>,
    extra_files: Vec<Entry>,
    now: OffsetDateTime,
) -> Result<Assembled, EvidenceError> {
    let (start, end) = bounds(period, now)?;
    let signing = instance_key(store).await?;
    // One read of the trail: the register at the end is folded from the entries the extract
    // is cut from.
    let entries = all_entries(store).await?;
    let register = register_in(&entries, end)?.into_register();

    let mut files: Vec<Entry> = Vec::new();
    files.push((
        "register/register-at-end.json".into(),
        vetted_core::write::to_json(&register).into_bytes(),
    ));

    let versions = store.policy_versions().await?;
    files.extend(policy_files(&versions, start, end));

    let (reviews_json, reviews_csv) = reviews(&register, period);
    files.push(("reviews/reviews.json".into(), reviews_json));
    files.push(("reviews/reviews.csv".into(), reviews_csv));

    let verification = match audit_key {
        None => None,
        Some(key) => Some(store.verify_audit(key, None).await),
    };
    files.extend(audit_files(&entries, verification, start, end, now));

    files.extend(document_files(store, &register).await?);

    files.push((
        "README.txt".into(),
        readme(period, organisation, &signing.public_key(), end).into_bytes(),
    ));
    files.extend(extra_files);

    let about = pack::About {
        created_at: rfc3339(now.replace_nanosecond(0).unwrap_or(now)),
        period: pack::PeriodText {
            from: format_date(period.from),
            to: format_date(period.to),
        },
        organisation: organisation.map(str::to_string),
        register_at: Some(rfc3339(end)),
    };
    let mut paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    paths.push(pack::MANIFEST.into());
    paths.push(pack::SIGNATURE.into());
    paths.sort();
    let bytes = pack::seal(files, about, &signing)?;
    Ok(Assembled {
        bytes,
        public_key: signing.public_key(),
        paths,
    })
}

/// `policy/version-N.toml` for each version in force at some moment of `[start, end]`, and
/// `policy/versions.json`.
fn policy_files(
    versions: &[PolicyVersion],
    start: OffsetDateTime,
    end: OffsetDateTime,
) -> Vec<Entry> {
    let mut files = Vec::new();
    let mut listed = Vec::new();
    let in_force_at = |t: OffsetDateTime| {
        versions
            .iter()
            .rfind(|v| v.uploaded_at <= t)
            .map(|v| v.number)
    };
    for (v, until) in crate::report::in_force_during(versions, start, end) {
        let file = format!("policy/version-{}.toml", v.number);
        files.push((file.clone(), v.toml.clone().into_bytes()));
        listed.push(json!({
            "number": v.number,
            "file": file,
            "fingerprint": v.fingerprint,
            "uploaded_at": rfc3339(v.uploaded_at),
            "uploaded_by": v.uploaded_by,
            "in_force_from": rfc3339(v.uploaded_at),
            "in_force_until": until.map(rfc3339),
        }));
    }
    let at_start = in_force_at(start);
    let mut index = json!({
        "period_start": rfc3339(start),
        "period_end": rfc3339(end),
        "in_force_at_start": at_start,
        "in_force_at_end": in_force_at(end),
        "versions": listed,
    });
    if at_start.is_none() {
        index["note"] = json!(
            "No policy version was stored at the start of the period: until the first upload, \
             Vetted applied its configured or built-in policy, which the audit trail does not \
             record."
        );
    }
    files.push(("policy/versions.json".into(), json_bytes(&index)));
    files
}

/// Every review and due-diligence assessment dated in the period, of the register at its end,
/// as JSON and CSV (by date, then register order).
fn reviews(register: &Register, period: Period) -> (Vec<u8>, Vec<u8>) {
    let mut rows: Vec<(time::Date, usize, Value)> = Vec::new();
    for (order, s) in register.suppliers.iter().enumerate() {
        for r in s.reviews.iter().filter(|r| period.contains(r.date)) {
            rows.push((
                r.date,
                order,
                json!({
                    "supplier_id": s.id.to_string(),
                    "supplier_name": s.name,
                    "date": format_date(r.date),
                    "kind": "review",
                    "trigger": r.trigger.map(vetted_core::model::ReviewTrigger::as_str),
                    "outcome": r.outcome.map(vetted_core::model::ReviewOutcome::as_str),
                    "checks": r.checks.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                    "by": r.reviewer,
                    "notes": r.notes,
                }),
            ));
        }
        for a in s.assessments.iter().filter(|a| period.contains(a.date)) {
            rows.push((
                a.date,
                order,
                json!({
                    "supplier_id": s.id.to_string(),
                    "supplier_name": s.name,
                    "date": format_date(a.date),
                    "kind": "due_diligence",
                    "trigger": null,
                    "outcome": a.outcome.as_str(),
                    "checks": [],
                    "by": a.assessor,
                    "notes": a.notes,
                }),
            ));
        }
    }
    rows.sort_by_key(|(date, order, _)| (*date, *order));
    let columns = [
        "supplier_id",
        "supplier_name",
        "date",
        "kind",
        "trigger",
        "outcome",
        "checks",
        "by",
        "notes",
    ];
    let text = |v: &Value| match v {
        Value::String(s) => TableCell::Text(s.clone()),
        Value::Array(items) => TableCell::Text(
            items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => TableCell::Blank,
    };
    let table = Table {
        sheet: "reviews".into(),
        columns: columns.iter().map(|c| (*c).to_string()).collect(),
        rows: rows
            .iter()
            .map(|(_, _, row)| columns.iter().map(|c| text(&row[*c])).collect())
            .collect(),
    };
    let list: Vec<Value> = rows.into_iter().map(|(_, _, row)| row).collect();
    (
        json_bytes(&json!({ "period": period, "reviews": list })),
        table_csv(&table),
    )
}

/// The whole trail, oldest first, a page at a time.
async fn all_entries(store: &dyn Store) -> Result<Vec<AuditEntry>, EvidenceError> {
    let mut all = Vec::new();
    crate::history::each_page(store, |page| {
        all.extend_from_slice(page);
        Ok(())
    })
    .await?;
    Ok(all)
}

/// `audit/trail.jsonl`: the entries from the first recorded in the period to the last (one
/// unbroken run of the chain, so its links can be checked without the key; an entry in
/// between whose clock time is outside the period, written by a server whose clock differed,
/// is kept and counted), as `vetted audit export` writes them; `audit/verification.json`: the
/// whole trail's verification now and what the extract's first `prev` must be.
fn audit_files(
    entries: &[AuditEntry],
    verification: Option<Result<Verification, StoreError>>,
    start: OffsetDateTime,
    end: OffsetDateTime,
    now: OffsetDateTime,
) -> Vec<Entry> {
    let in_period = |e: &AuditEntry| start <= e.at && e.at <= end;
    let first = entries.iter().position(in_period);
    let last = entries.iter().rposition(in_period);
    let extract: &[AuditEntry] = match (first, last) {
        (Some(f), Some(l)) => &entries[f..=l],
        _ => &[],
    };
    let mut jsonl = Vec::new();
    for e in extract {
        if serde_json::to_writer(&mut jsonl, e).is_ok() {
            jsonl.push(b'\n');
        }
    }
    let prev_mac = first.map(|f| {
        f.checked_sub(1)
            .map_or(Digest::ZERO, |before| entries[before].mac)
    });
    let extract_view = json!({
        "file": "audit/trail.jsonl",
        "entries": extract.len(),
        "first_seq": extract.first().map(|e| e.seq),
        "last_seq": extract.last().map(|e| e.seq),
        "prev_mac": prev_mac.map(|m| m.to_string()),
        "last_mac": extract.last().map(|e| e.mac.to_string()),
        "outside_period": extract.iter().filter(|e| !in_period(e)).count(),
        "how_to_check": "Without the key: seq goes up by one from line to line, the first line's \
                         prev is prev_mac, and each later line's prev is the mac of the line \
                         before. The MACs themselves need the instance's audit key, which stays \
                         with the instance: that is what status reports.",
    });
    let mut view = match verification {
        None => json!({
            "status": "not verified",
            "message": "not verified: no audit key was available where the pack was made",
        }),
        Some(Err(e)) => json!({
            "status": "not verified",
            "message": format!("not verified: {e}"),
        }),
        Some(Ok(Verification::Ok { entries, head })) => json!({
            "status": "ok",
            "message": format!("the whole audit trail verifies with the audit key: {entries} entries"),
            "entries": entries,
            "head": head.map(|h| json!({ "seq": h.seq, "mac": h.mac.to_string() })),
        }),
        Some(Ok(Verification::Broken {
            at_seq,
            reason,
            message,
        })) => json!({
            "status": "broken",
            "message": message,
            "at_seq": at_seq,
            "reason": reason,
        }),
    };
    view["verified_at"] = json!(rfc3339(now));
    view["trail_entries"] = json!(entries.len());
    view["extract"] = extract_view;
    vec![
        ("audit/trail.jsonl".into(), jsonl),
        ("audit/verification.json".into(), json_bytes(&view)),
    ]
}

/// `documents/<sha256>.<ext>` for every stored document the register references, and
/// `documents/index.json` (each document with where it is referenced; one not stored on this
/// instance is listed with `stored: false`).
async fn document_files(store: &dyn Store, register: &Register) -> Result<Vec<Entry>, StoreError> {
    let mut refs: BTreeMap<DocumentHash, Vec<Value>> = BTreeMap::new();
    let mut declared = BTreeMap::new();
    for s in &register.suppliers {
        for (i, item) in s.assurance.iter().enumerate() {
            for d in &item.documents {
                declared.entry(d.sha256.clone()).or_insert(d.media_type);
                refs.entry(d.sha256.clone()).or_default().push(json!({
                    "supplier_id": s.id.to_string(),
                    "supplier_name": s.name,
                    "assurance_index": i,
                    "assurance_kind": item.kind.as_str(),
                    "file_name": d.name,
                }));
            }
        }
    }
    let mut files = Vec::new();
    let mut index = Vec::new();
    for (hash, references) in refs {
        let stored = store.find_document(&hash).await?;
        let (media_type, file, bytes) = match stored {
            Some(doc) => {
                let file = format!("documents/{hash}.{}", doc.media_type.extension());
                let bytes = doc.size;
                files.push((file.clone(), doc.content));
                (doc.media_type, Some(file), Some(bytes))
            }
            None => (declared[&hash], None, None),
        };
        index.push(json!({
            "sha256": hash.as_str(),
            "media_type": media_type.as_str(),
            "stored": file.is_some(),
            "file": file,
            "bytes": bytes,
            "references": references,
        }));
    }
    files.push((
        "documents/index.json".into(),
        json_bytes(&json!({ "documents": index })),
    ));
    Ok(files)
}

/// `README.txt`: what each part is and how to verify the pack, with Vetted and without.
fn readme(
    period: Period,
    organisation: Option<&str>,
    key: &PublicKey,
    end: OffsetDateTime,
) -> String {
    let whose = organisation.map_or_else(String::new, |o| format!(" of {o}"));
    let key_b64 = key.to_string().trim_start_matches("ed25519:").to_string();
    format!(
        "Evidence pack{whose} for {period} (both days included)
Made by Vetted, the supplier register.

WHAT IS IN IT

  manifest.json        every other file with its SHA-256 and size, the period, and the
                       public key that signed it
  manifest.sig         the Ed25519 signature of manifest.json's exact bytes (base64)
  register/register-at-end.json
                       the supplier register as recorded at {end_text} (rebuilt
                       from the audit trail), in the register format's JSON
  policy/version-N.toml
                       each version of the supplier policy in force during the period
  policy/versions.json when each was uploaded, by whom (ids), in force from and until
  policy/configured.toml
                       the configured or built-in policy, when no stored version was in
                       force at the end of the period (the report applied it)
  reviews/reviews.json, reviews/reviews.csv
                       every review and due-diligence assessment dated in the period
  audit/trail.jsonl    the audit trail's entries recorded in the period, one JSON entry a line
  audit/verification.json
                       the whole trail's verification with the audit key when the pack was
                       made, and how to check the extract's links without the key
  documents/           the evidence documents the register references (certificates,
                       audit reports), named by their SHA-256; documents/index.json says
                       which supplier and assurance item each belongs to
  report/iso27001.json, .html, .pdf
                       the ISO/IEC 27001:2022 A.5.19-5.23 report of the period: per control
                       the policy's rules, the register's figures, the nonconformities at
                       the end, the reviews performed (the JSON lists every record; the
                       PDF is left out of a pack made with --no-pdf)

WHO SIGNED IT

  Public key:  {key}
  Fingerprint: {fingerprint}

  A valid signature only shows that the holder of this key made the pack. Compare the key
  (or its fingerprint) with the one the instance shows its admins (Admin > Audit trail) or
  prints with `vetted evidence-pack public-key`, obtained from the organisation directly,
  not from this file.

VERIFY WITH VETTED

  vetted evidence-pack verify PACK.zip --public-key {key}

  It checks the signature, that the key is the one given, every file's SHA-256 and size, that
  no file was added or removed, and that no other byte of the ZIP file was changed. Exit
  code 0: verified; 1: not, with every problem named.

VERIFY WITHOUT VETTED

  unzip PACK.zip -d pack && cd pack
  # every file against the manifest (jq and sha256sum):
  jq -r '.files[] | \"\\(.sha256)  \\(.path)\"' manifest.json | sha256sum -c
  # the signature (OpenSSL 3): the key as PEM, then verify manifest.json
  (printf '\\060\\052\\060\\005\\006\\003\\053\\145\\160\\003\\041\\000'; echo '{key_b64}' | base64 -d) \\
    | openssl pkey -pubin -inform DER -out key.pem
  base64 -d manifest.sig > manifest.sig.bin
  openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in manifest.json -sigfile manifest.sig.bin

  Also check that the folder holds no file the manifest does not list.
",
        period = period,
        end_text = rfc3339(end),
        key = key,
        fingerprint = key.fingerprint(),
    )
}

#[cfg(test)]
mod tests;
