//! [`assemble`] against a SQLite store with a year of history at known moments.

use std::sync::Arc;

use serde_json::Value;
use time::macros::{date, datetime};
use vetted_core::audit::{Actor, AuditKey};
use vetted_core::model::{
    Assessment, AssessmentOutcome, Assurance, AssuranceKind, Document, MediaType, Review,
    ReviewOutcome, ReviewTrigger, Supplier, SupplierId,
};
use vetted_core::policy::DEFAULT_POLICY_TOML;
use vetted_store::{Change, Store};

use super::*;

const PDF: &[u8] = b"%PDF-1.4 a certificate";

fn at(t: OffsetDateTime) -> Change {
    Change {
        actor: Actor::System,
        at: t,
    }
}

fn key() -> AuditKey {
    AuditKey::from_bytes(&[5; 32]).unwrap()
}

/// Policy v1 and supplier `a` in January 2025, v2 and a certificate added in the period
/// (March to June), v3 and a rename in August.
async fn history() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let url = vetted_store::DatabaseUrl::new(dir.path().join("v.db").to_str().unwrap());
    let store = vetted_store::open_with_audit_key(&url, key())
        .await
        .unwrap();
    store
        .add_policy_version(DEFAULT_POLICY_TOML, &at(datetime!(2025-01-10 09:00 UTC)))
        .await
        .unwrap();
    let mut a = Supplier::new(SupplierId::parse("a").unwrap());
    a.name = Some("=Acme".into());
    for (d, outcome) in [
        (date!(2025 - 01 - 15), ReviewOutcome::Remediate),
        (date!(2025 - 04 - 01), ReviewOutcome::Pass),
    ] {
        a.reviews.push(Review {
            date: d,
            reviewer: Some("ciso@example.eu".into()),
            trigger: Some(ReviewTrigger::Scheduled),
            outcome: Some(outcome),
            checks: vec![vetted_core::model::ReviewCheck::Dpa],
            notes: None,
        });
    }
    a.assessments.push(Assessment {
        date: date!(2025 - 05 - 01),
        assessor: Some("risk@example.eu".into()),
        outcome: AssessmentOutcome::Approved,
        notes: Some("fine".into()),
    });
    store
        .create_supplier(&a, &at(datetime!(2025-01-10 10:00 UTC)))
        .await
        .unwrap();
    store
        .add_policy_version(
            &format!("{DEFAULT_POLICY_TOML}\n# v2\n"),
            &at(datetime!(2025-04-10 09:00 UTC)),
        )
        .await
        .unwrap();
    let put = store
        .put_document(PDF, MediaType::Pdf, &at(datetime!(2025-05-05 09:00 UTC)))
        .await
        .unwrap();
    let mut item = Assurance::new(AssuranceKind::Iso27001);
    item.documents.push(Document {
        sha256: put.sha256.clone(),
        name: "cert.pdf".into(),
        media_type: MediaType::Pdf,
        size: PDF.len() as u64,
    });
    // And one the instance does not hold (imported from elsewhere).
    item.documents.push(Document {
        sha256: DocumentHash::of(b"elsewhere"),
        name: "other.png".into(),
        media_type: MediaType::Png,
        size: 9,
    });
    a.assurance.push(item);
    store
        .update_supplier(&a, 1, &at(datetime!(2025-05-05 10:00 UTC)))
        .await
        .unwrap();
    store
        .add_policy_version(
            &format!("{DEFAULT_POLICY_TOML}\n# v3\n"),
            &at(datetime!(2025-08-01 09:00 UTC)),
        )
        .await
        .unwrap();
    a.name = Some("Renamed later".into());
    store
        .update_supplier(&a, 2, &at(datetime!(2025-08-01 10:00 UTC)))
        .await
        .unwrap();
    (dir, store)
}

fn period() -> Period {
    Period::parse("2025-03-01..2025-06-30").unwrap()
}

const NOW: OffsetDateTime = datetime!(2026-01-02 12:00 UTC);

fn file<'a>(entries: &'a [Entry], path: &str) -> &'a [u8] {
    &entries
        .iter()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("{path} is in the pack"))
        .1
}

fn json_of(entries: &[Entry], path: &str) -> Value {
    serde_json::from_slice(file(entries, path)).unwrap()
}

#[tokio::test]
async fn the_pack_holds_the_period_s_evidence_and_verifies() {
    let (_dir, store) = history().await;
    let key = key();
    let made = assemble(
        store.as_ref(),
        Some(&key),
        period(),
        Some("Example Ltd"),
        vec![("report/iso27001.json".into(), b"{}".to_vec())],
        NOW,
    )
    .await
    .unwrap();
    let instance = instance_key(store.as_ref()).await.unwrap().public_key();
    assert_eq!(made.public_key, instance);
    let verdict = verify(&made.bytes, Some(&instance));
    assert!(verdict.verified, "{:?}", verdict.problems);
    assert_eq!(verdict.organisation.as_deref(), Some("Example Ltd"));

    let entries = container::read(&made.bytes).unwrap();
    let paths: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    let hash = DocumentHash::of(PDF);
    assert_eq!(
        paths,
        [
            "README.txt",
            "audit/trail.jsonl",
            "audit/verification.json",
            &format!("documents/{hash}.pdf"),
            "documents/index.json",
            "manifest.json",
            "manifest.sig",
            "policy/version-1.toml",
            "policy/version-2.toml",
            "policy/versions.json",
            "register/register-at-end.json",
            "report/iso27001.json",
            "reviews/reviews.csv",
            "reviews/reviews.json",
        ]
    );
    assert_eq!(made.paths, paths);
    assert_eq!(file(&entries, &format!("documents/{hash}.pdf")), PDF);

    // The register at the period's end: the certificate, not the later rename.
    let register =
        String::from_utf8(file(&entries, "register/register-at-end.json").to_vec()).unwrap();
    assert!(
        register.contains("cert.pdf") && register.contains("=Acme"),
        "{register}"
    );
    assert!(!register.contains("Renamed later"));

    let versions = json_of(&entries, "policy/versions.json");
    assert_eq!(versions["in_force_at_start"], 1);
    assert_eq!(versions["in_force_at_end"], 2);
    assert_eq!(
        versions["versions"][0]["in_force_until"],
        "2025-04-10T09:00:00Z"
    );
    assert_eq!(
        versions["versions"][1]["in_force_until"],
        "2025-08-01T09:00:00Z"
    );
    assert!(versions.get("note").is_none());

    let reviews = json_of(&entries, "reviews/reviews.json");
    let rows = reviews["reviews"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{reviews}");
    assert_eq!(rows[0]["date"], "2025-04-01");
    assert_eq!(rows[0]["kind"], "review");
    assert_eq!(rows[0]["checks"][0], "dpa");
    assert_eq!(rows[1]["kind"], "due_diligence");
    assert_eq!(rows[1]["by"], "risk@example.eu");
    let csv = String::from_utf8(file(&entries, "reviews/reviews.csv").to_vec()).unwrap();
    assert!(
        csv.contains("a,'=Acme,2025-04-01,review,scheduled,pass,dpa,ciso@example.eu,"),
        "{csv}"
    );

    // The trail: the v2 upload and the update in the period, chained to the entry before.
    let trail: Vec<vetted_core::audit::AuditEntry> =
        String::from_utf8(file(&entries, "audit/trail.jsonl").to_vec())
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
    assert_eq!(trail.iter().map(|e| e.seq).collect::<Vec<_>>(), [3, 4]);
    let verification = json_of(&entries, "audit/verification.json");
    assert_eq!(verification["status"], "ok", "{verification}");
    assert_eq!(verification["entries"], 6);
    assert_eq!(
        verification["extract"]["prev_mac"],
        trail[0].prev.to_string()
    );
    assert_eq!(verification["extract"]["first_seq"], 3);
    assert_eq!(verification["extract"]["outside_period"], 0);

    let index = json_of(&entries, "documents/index.json");
    let docs = index["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    let stored: Vec<bool> = docs
        .iter()
        .map(|d| d["stored"].as_bool().unwrap())
        .collect();
    assert_eq!(stored.iter().filter(|s| **s).count(), 1);
    let cert = docs.iter().find(|d| d["sha256"] == hash.as_str()).unwrap();
    assert_eq!(cert["references"][0]["file_name"], "cert.pdf");
    assert_eq!(cert["references"][0]["assurance_kind"], "iso27001");

    let readme = String::from_utf8(file(&entries, "README.txt").to_vec()).unwrap();
    assert!(readme.contains(&instance.to_string()) && readme.contains(&instance.fingerprint()));
}

#[tokio::test]
async fn without_the_audit_key_the_trail_is_said_not_verified() {
    let (_dir, store) = history().await;
    let made = assemble(store.as_ref(), None, period(), None, Vec::new(), NOW)
        .await
        .unwrap();
    let entries = container::read(&made.bytes).unwrap();
    let verification = json_of(&entries, "audit/verification.json");
    assert_eq!(verification["status"], "not verified");
    assert!(
        verification["message"]
            .as_str()
            .unwrap()
            .contains("no audit key")
    );
    assert!(verify(&made.bytes, Some(&made.public_key)).verified);
}

#[tokio::test]
async fn a_period_before_the_first_policy_upload_says_so_and_bad_requests_are_refused() {
    let (_dir, store) = history().await;
    let early = Period::parse("2024-12-01..2025-01-31").unwrap();
    let made = assemble(store.as_ref(), None, early, None, Vec::new(), NOW)
        .await
        .unwrap();
    let entries = container::read(&made.bytes).unwrap();
    let versions = json_of(&entries, "policy/versions.json");
    assert_eq!(versions["in_force_at_start"], Value::Null);
    assert!(versions["note"].as_str().unwrap().contains("built-in"));

    let future = Period::parse("2025-12-01..2026-01-03").unwrap();
    let err = assemble(store.as_ref(), None, future, None, Vec::new(), NOW)
        .await
        .unwrap_err();
    assert!(matches!(err, EvidenceError::Future(_)), "{err}");

    let taken = vec![("README.txt".to_string(), Vec::new())];
    let err = assemble(store.as_ref(), None, period(), None, taken, NOW)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("README.txt"), "{err}");
}
