//! `vetted evidence-pack` as an auditor meets it: the real binary on a temporary database
//! with some history (an import, a policy upload, a stored certificate): the pack is made,
//! verifies against the instance key that `public-key` prints, holds the named parts, and
//! fails verification once any byte of it is changed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vetted_app::evidence::container;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/register.json")
}

fn vetted(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vetted"))
        .args(args)
        .current_dir(dir)
        .env("VETTED_DB", dir.join("vetted.db"))
        .env_remove("VETTED_POLICY")
        .env_remove("VETTED_AUDIT_KEY_FILE")
        .env_remove("VETTED_CONFIG")
        .env_remove("VETTED_ORGANIZATION")
        .env("NO_COLOR", "1")
        .output()
        .expect("the vetted binary runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const PDF: &[u8] = b"%PDF-1.7 the ISO 27001 certificate of Stratocloud";

/// Stores a certificate and attaches it to `stratocloud`'s first assurance item, as the
/// upload form does (the command line has no upload).
fn attach_certificate(dir: &Path) -> String {
    let db = dir.join("vetted.db").display().to_string();
    let url = vetted_store::DatabaseUrl::new(db.as_str());
    let key_path = vetted_store::keyfile::default_path(&url, dir).unwrap();
    let key = vetted_store::keyfile::load(&key_path).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let store = vetted_store::open_with_audit_key(&url, key).await.unwrap();
            let change = vetted_store::Change::now(vetted_core::audit::Actor::System);
            let put = store
                .put_document(PDF, vetted_core::model::MediaType::Pdf, &change)
                .await
                .unwrap();
            let id = vetted_core::model::SupplierId::parse("stratocloud").unwrap();
            let stored = store.get_supplier(&id).await.unwrap();
            let mut supplier = stored.supplier;
            supplier.assurance[0]
                .documents
                .push(vetted_core::model::Document {
                    sha256: put.sha256.clone(),
                    name: "certificate.pdf".into(),
                    media_type: vetted_core::model::MediaType::Pdf,
                    size: PDF.len() as u64,
                });
            store
                .update_supplier(&supplier, stored.version, &change)
                .await
                .unwrap();
            store.close().await;
            put.sha256.to_string()
        })
}

#[test]
fn a_pack_verifies_and_fails_once_a_byte_is_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = vetted(d, &["import", example().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let policy = d.join("policy.toml");
    std::fs::write(&policy, vetted_core::policy::DEFAULT_POLICY_TOML).unwrap();
    let o = vetted(d, &["policy", "upload", policy.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let hash = attach_certificate(d);

    let today = time::OffsetDateTime::now_utc().date();
    let period = format!("{}..{today}", today - time::Duration::days(30));
    let pack = d.join("pack.zip");
    let o = vetted(
        d,
        &[
            "evidence-pack",
            "--period",
            &period,
            "--out",
            pack.to_str().unwrap(),
            "--organization",
            "Example Ltd",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let bytes = std::fs::read(&pack).unwrap();
    let made = out(&o);
    assert!(
        made.contains(&format!("wrote {}", pack.display())),
        "{made}"
    );
    assert!(
        made.contains(&vetted_app::evidence::pack::sha256_hex(&bytes)),
        "{made}"
    );

    let o = vetted(d, &["evidence-pack", "public-key"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let printed = out(&o);
    let key = printed.lines().next().unwrap().to_string();
    assert!(key.starts_with("ed25519:"), "{printed}");
    let fingerprint = printed.lines().nth(1).unwrap();
    assert!(fingerprint.starts_with("fingerprint: "), "{printed}");
    assert!(
        made.contains(&key),
        "the pack names the instance key: {made}"
    );

    let o = vetted(
        d,
        &[
            "evidence-pack",
            "verify",
            pack.to_str().unwrap(),
            "--public-key",
            &key,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", out(&o), err(&o));
    assert!(out(&o).contains("evidence pack VERIFIED"), "{}", out(&o));
    assert!(out(&o).contains("Example Ltd"), "{}", out(&o));
    // Without the key: intact, but the output says what that does not prove.
    let o = vetted(d, &["evidence-pack", "verify", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert!(out(&o).contains("compare that key"), "{}", out(&o));

    // The named parts.
    let entries = container::read(&bytes).unwrap();
    let paths: Vec<&str> = entries.iter().map(|(p, _)| p.as_str()).collect();
    for part in [
        "README.txt",
        "manifest.json",
        "manifest.sig",
        "register/register-at-end.json",
        "policy/version-1.toml",
        "policy/versions.json",
        "reviews/reviews.json",
        "reviews/reviews.csv",
        "audit/trail.jsonl",
        "audit/verification.json",
        "documents/index.json",
        &format!("documents/{hash}.pdf"),
        "report/iso27001.json",
        "report/iso27001.html",
        "report/iso27001.pdf",
    ] {
        assert!(paths.contains(&part), "{part} in {paths:?}");
    }
    assert!(
        !paths.contains(&"policy/configured.toml"),
        "a stored version was in force: no configured policy beside it"
    );
    let content = |path: &str| &entries.iter().find(|(p, _)| p == path).unwrap().1;
    assert_eq!(content(&format!("documents/{hash}.pdf")).as_slice(), PDF);
    let verification: serde_json::Value =
        serde_json::from_slice(content("audit/verification.json")).unwrap();
    assert_eq!(verification["status"], "ok", "{verification}");
    // The ISO report of the same period, in its three forms.
    let report: serde_json::Value =
        serde_json::from_slice(content("report/iso27001.json")).unwrap();
    assert_eq!(report["format"], "vetted-iso27001-report/1");
    assert!(content("report/iso27001.pdf").starts_with(b"%PDF-"));
    assert!(String::from_utf8_lossy(content("report/iso27001.html")).contains("A.5.23"));
    let register = String::from_utf8(content("register/register-at-end.json").clone()).unwrap();
    assert!(register.contains("certificate.pdf"));
    let trail = String::from_utf8(content("audit/trail.jsonl").clone()).unwrap();
    assert!(
        trail.lines().count() > 20,
        "the import, the upload, the update"
    );

    // One byte changed, in a file's content and in a header's time stamp: exit 1, named.
    let in_content = bytes.windows(PDF.len()).position(|w| w == PDF).unwrap() + 5;
    for (at, says) in [
        (in_content, "cannot be read"),
        (10, "not the one Vetted writes"),
    ] {
        let mut changed = bytes.clone();
        changed[at] ^= 0x20;
        let bad = d.join("changed.zip");
        std::fs::write(&bad, &changed).unwrap();
        let o = vetted(
            d,
            &[
                "evidence-pack",
                "verify",
                bad.to_str().unwrap(),
                "--public-key",
                &key,
            ],
        );
        assert_eq!(o.status.code(), Some(1), "byte {at}: {}", out(&o));
        assert!(out(&o).contains("NOT VERIFIED"), "{}", out(&o));
        assert!(out(&o).contains(says), "byte {at}: {}", out(&o));
        let o = vetted(
            d,
            &[
                "evidence-pack",
                "verify",
                bad.to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert_eq!(o.status.code(), Some(1));
        let verdict: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(verdict["verified"], false);
        assert!(!verdict["problems"].as_array().unwrap().is_empty());
    }
}

#[test]
fn bad_input_is_named_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pack = d.join("pack.zip");
    let pack = pack.to_str().unwrap();
    for (args, says) in [
        (vec!["evidence-pack", "--period", "2025-01"], "--period"),
        (
            vec!["evidence-pack", "--period", "2025-01-01..2025-01-31"],
            "--out",
        ),
        (
            vec![
                "evidence-pack",
                "--period",
                "2025-02-01..2025-01-01",
                "--out",
                pack,
            ],
            "--period",
        ),
        (
            vec![
                "evidence-pack",
                "--period",
                "2025-01-01..2999-01-01",
                "--out",
                pack,
            ],
            "--period",
        ),
        (
            vec!["evidence-pack", "verify", pack, "--public-key", "nope"],
            "--public-key",
        ),
        (
            vec!["evidence-pack", "verify", pack],
            "cannot read the pack",
        ),
    ] {
        let o = vetted(d, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains(says), "{args:?}: {}", err(&o));
        assert!(!Path::new(pack).exists(), "{args:?}");
    }
    // Not a zip at all.
    std::fs::write(d.join("x.zip"), "hello").unwrap();
    let o = vetted(d, &["evidence-pack", "verify", "x.zip"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("not a ZIP archive"), "{}", out(&o));
}
