//! A signed pack: its files, `manifest.json` (every other file's path, SHA-256 and size, the
//! period, the signer's public key) and `manifest.sig` (the Ed25519 signature of
//! `manifest.json`'s exact bytes), in the deterministic container of [`super::container`].
//! [`seal`] writes one; [`verify`] checks one and names every problem it finds.

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::container::{self, ContainerError, Entry};
use super::key::{PublicKey, SigningKey, parse_signature, signature_text};

/// The manifest's `format`.
pub const FORMAT: &str = "vetted-evidence-pack/1";
/// The manifest's path in a pack.
pub const MANIFEST: &str = "manifest.json";
/// The signature's path in a pack.
pub const SIGNATURE: &str = "manifest.sig";

/// `manifest.json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// When the pack was made (RFC 3339, UTC).
    pub created_at: String,
    /// The period the pack covers, both days included.
    pub period: PeriodText,
    /// Whose register it is, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The moment the register and the policy in `register/` are as recorded at (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub register_at: Option<String>,
    /// The key that signed `manifest.json` (`ed25519:…`).
    pub public_key: String,
    /// Its fingerprint, for people.
    pub public_key_fingerprint: String,
    /// Every file of the pack but the manifest and its signature, sorted by path.
    pub files: Vec<ManifestFile>,
}

/// The period as the manifest writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodText {
    /// `YYYY-MM-DD`.
    pub from: String,
    /// `YYYY-MM-DD`.
    pub to: String,
}

/// One file listed in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// The content's length.
    pub bytes: u64,
}

/// What the manifest says besides the files and the key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct About {
    pub created_at: String,
    pub period: PeriodText,
    pub organisation: Option<String>,
    pub register_at: Option<String>,
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(content: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(content))
}

/// The pack of `files` (none named [`MANIFEST`] or [`SIGNATURE`]), with their manifest signed
/// by `key`.
///
/// # Errors
/// What [`container::write`] refuses (a reserved path counts as a duplicate).
pub fn seal(
    mut files: Vec<Entry>,
    about: About,
    key: &SigningKey,
) -> Result<Vec<u8>, ContainerError> {
    if let Some((path, _)) = files.iter().find(|(p, _)| p == MANIFEST || p == SIGNATURE) {
        return Err(ContainerError::Duplicate(path.clone()));
    }
    let mut listed: Vec<ManifestFile> = files
        .iter()
        .map(|(path, content)| ManifestFile {
            path: path.clone(),
            sha256: sha256_hex(content),
            bytes: content.len() as u64,
        })
        .collect();
    listed.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let public = key.public_key();
    let manifest = Manifest {
        format: FORMAT.to_string(),
        created_at: about.created_at,
        period: about.period,
        organisation: about.organisation,
        register_at: about.register_at,
        public_key: public.to_string(),
        public_key_fingerprint: public.fingerprint(),
        files: listed,
    };
    let mut text = serde_json::to_vec_pretty(&manifest)
        .map_err(|_| ContainerError::BadPath(MANIFEST.to_string()))?;
    text.push(b'\n');
    let signature = signature_text(&key.sign(&text));
    files.push((MANIFEST.to_string(), text));
    files.push((SIGNATURE.to_string(), signature.into_bytes()));
    container::write(&files)
}

/// The signer a pack names, as [`Verdict`] reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub public_key: String,
    pub fingerprint: String,
}

/// The outcome of [`verify`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// No problem found.
    pub verified: bool,
    /// Every problem found, in plain words.
    pub problems: Vec<String>,
    /// The key the manifest names (when it reads).
    pub signer: Option<Signer>,
    /// Whether the signer was compared with a key the caller trusts.
    pub key_compared: bool,
    /// What the result proves, for people.
    pub meaning: String,
    /// The manifest's period and creation time, when it reads.
    pub period: Option<PeriodText>,
    pub created_at: Option<String>,
    pub organisation: Option<String>,
    /// The files the manifest lists.
    pub files: usize,
}

/// Checks a pack: the container reads and is byte for byte what Vetted writes for its entries,
/// `manifest.json` and `manifest.sig` are there and read, the signature is the manifest key's
/// (and, with `expected`, that key is `expected`), and every listed file is there with its
/// SHA-256 and size, and no other file. Every problem is named, not only the first.
pub fn verify(bytes: &[u8], expected: Option<&PublicKey>) -> Verdict {
    let mut verdict = Verdict {
        verified: false,
        problems: Vec::new(),
        signer: None,
        key_compared: expected.is_some(),
        meaning: String::new(),
        period: None,
        created_at: None,
        organisation: None,
        files: 0,
    };
    let problems = &mut verdict.problems;
    let entries = match container::read(bytes) {
        Ok(entries) => entries,
        Err(why) => {
            problems.push(why);
            verdict.meaning = meaning(&verdict);
            return verdict;
        }
    };

    // Any byte outside the contents (headers, times, comments, padding, order) is checked by
    // writing the same entries again.
    match container::write(&entries) {
        Ok(rebuilt) if rebuilt == bytes => {}
        Ok(rebuilt) => {
            let at = rebuilt
                .iter()
                .zip(bytes)
                .position(|(a, b)| a != b)
                .unwrap_or(rebuilt.len().min(bytes.len()));
            problems.push(format!(
                "the archive is not the one Vetted writes for these files: its bytes differ from \
                 offset {at} on ({} bytes, {} expected): a header, time stamp, comment, order or \
                 padding was changed",
                bytes.len(),
                rebuilt.len()
            ));
        }
        Err(why) => problems.push(format!(
            "the archive holds entries Vetted does not write: {why}"
        )),
    }

    let find = |path: &str| entries.iter().find(|(p, _)| p == path).map(|(_, c)| c);
    let manifest_bytes = find(MANIFEST);
    let manifest: Option<Manifest> = match manifest_bytes {
        None => {
            problems.push("manifest.json is missing".to_string());
            None
        }
        Some(text) => match serde_json::from_slice::<Manifest>(text) {
            Ok(m) => Some(m),
            Err(e) => {
                problems.push(format!("manifest.json does not read: {e}"));
                None
            }
        },
    };
    let signature = match find(SIGNATURE) {
        None => {
            problems.push("manifest.sig (the signature) is missing".to_string());
            None
        }
        Some(text) => match std::str::from_utf8(text)
            .map_err(|_| "manifest.sig is not text".to_string())
            .and_then(parse_signature)
        {
            Ok(sig) => Some(sig),
            Err(why) => {
                problems.push(why);
                None
            }
        },
    };

    if let Some(m) = &manifest {
        if m.format != FORMAT {
            problems.push(format!(
                "manifest.json is of format `{}`, not `{FORMAT}`",
                m.format
            ));
        }
        verdict.period = Some(m.period.clone());
        verdict.created_at = Some(m.created_at.clone());
        verdict.organisation.clone_from(&m.organisation);
        verdict.files = m.files.len();
        let signer: Option<PublicKey> = match m.public_key.parse::<PublicKey>() {
            Ok(k) => {
                verdict.signer = Some(Signer {
                    public_key: k.to_string(),
                    fingerprint: k.fingerprint(),
                });
                Some(k)
            }
            Err(e) => {
                problems.push(format!("manifest.json's public_key does not read: {e}"));
                None
            }
        };
        if let (Some(key), Some(sig), Some(text)) = (signer, signature, manifest_bytes)
            && !key.verifies(text, &sig)
        {
            problems.push(
                "the signature does not match manifest.json: the manifest was changed after \
                 it was signed, or signed by another key than the one it names"
                    .to_string(),
            );
        }
        if let (Some(expected), Some(key)) = (expected, signer)
            && key != *expected
        {
            problems.push(format!(
                "the pack is signed by another key than the one given: it names {key} \
                     (fingerprint {}), expected {expected} (fingerprint {})",
                key.fingerprint(),
                expected.fingerprint()
            ));
        }
        check_files(m, &entries, problems);
    }
    verdict.verified = verdict.problems.is_empty();
    verdict.meaning = meaning(&verdict);
    verdict
}

/// Each listed file present with its hash and size; nothing unlisted.
fn check_files(manifest: &Manifest, entries: &[Entry], problems: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    for f in &manifest.files {
        if f.path == MANIFEST || f.path == SIGNATURE || !seen.insert(f.path.as_str()) {
            problems.push(format!(
                "manifest.json lists `{}` twice or as itself",
                f.path
            ));
            continue;
        }
        match entries.iter().find(|(p, _)| *p == f.path) {
            None => problems.push(format!(
                "`{}` is listed in the manifest but missing",
                f.path
            )),
            Some((_, content)) => {
                if content.len() as u64 != f.bytes {
                    problems.push(format!(
                        "`{}` has {} bytes; the manifest says {}",
                        f.path,
                        content.len(),
                        f.bytes
                    ));
                }
                let hash = sha256_hex(content);
                if hash != f.sha256 {
                    problems.push(format!(
                        "`{}` was changed: its SHA-256 is {hash}; the manifest says {}",
                        f.path, f.sha256
                    ));
                }
            }
        }
    }
    for (path, _) in entries {
        if path != MANIFEST && path != SIGNATURE && !seen.contains(path.as_str()) {
            problems.push(format!(
                "`{path}` is in the archive but not in the manifest"
            ));
        }
    }
}

/// What a verdict proves, in words.
fn meaning(v: &Verdict) -> String {
    if !v.verified {
        return "The pack does not verify: do not rely on it. Ask for a new pack, and compare \
                its public key with the one the instance shows."
            .to_string();
    }
    if v.key_compared {
        "The pack is intact and was signed by the key given, the instance's: every file is the \
         one it had when the pack was made."
            .to_string()
    } else {
        "The pack is intact and signed by the key named inside it. That alone does not prove \
         who made it: compare that key (or its fingerprint) with the one the instance shows \
         (Admin → Audit trail, or `vetted evidence-pack public-key`), or verify again with \
         --public-key."
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_seed(&[seed; 32]).unwrap()
    }

    fn about() -> About {
        About {
            created_at: "2026-01-01T00:00:00Z".into(),
            period: PeriodText {
                from: "2025-01-01".into(),
                to: "2025-12-31".into(),
            },
            organisation: Some("Example Ltd".into()),
            register_at: None,
        }
    }

    fn small_pack(k: &SigningKey) -> Vec<u8> {
        seal(
            vec![
                ("README.txt".into(), b"read me".to_vec()),
                ("audit/trail.jsonl".into(), b"{}\n".to_vec()),
            ],
            about(),
            k,
        )
        .unwrap()
    }

    #[test]
    fn a_pack_verifies_with_and_without_the_expected_key() {
        let k = key(1);
        let pack = small_pack(&k);
        let v = verify(&pack, Some(&k.public_key()));
        assert!(v.verified, "{:?}", v.problems);
        assert!(v.key_compared);
        assert_eq!(v.files, 2);
        assert_eq!(v.signer.unwrap().public_key, k.public_key().to_string());
        let v = verify(&pack, None);
        assert!(v.verified, "{:?}", v.problems);
        assert!(v.meaning.contains("compare that key"), "{}", v.meaning);
    }

    #[test]
    fn changing_any_byte_fails_verification() {
        let k = key(1);
        let pack = small_pack(&k);
        for i in 0..pack.len() {
            let mut changed = pack.clone();
            changed[i] ^= 0x01;
            let v = verify(&changed, Some(&k.public_key()));
            assert!(!v.verified, "a change at byte {i} went unnoticed");
            assert!(!v.problems.is_empty());
            // Another change of the same byte, too.
            changed[i] = pack[i].wrapping_add(0x80);
            assert!(!verify(&changed, None).verified, "byte {i} + 0x80");
        }
        // Cut or extended, too.
        assert!(!verify(&pack[..pack.len() - 1], None).verified);
        let mut longer = pack.clone();
        longer.push(0);
        assert!(!verify(&longer, None).verified);
    }

    #[test]
    fn a_wrong_expected_key_fails() {
        let pack = small_pack(&key(1));
        let v = verify(&pack, Some(&key(2).public_key()));
        assert!(!v.verified);
        assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
        assert!(
            v.problems[0].contains("signed by another key"),
            "{:?}",
            v.problems
        );
    }

    #[test]
    fn a_pack_re_signed_by_another_key_fails_with_the_instance_key() {
        // Someone changes a file, writes a new manifest and signs it with their own key: the
        // pack is consistent in itself, but not the instance's.
        let other_key = key(9);
        let forged = seal(
            vec![
                ("README.txt".into(), b"read me, forged".to_vec()),
                ("audit/trail.jsonl".into(), b"{}\n".to_vec()),
            ],
            about(),
            &other_key,
        )
        .unwrap();
        assert!(verify(&forged, None).verified);
        let v = verify(&forged, Some(&key(1).public_key()));
        assert!(!v.verified);
        assert!(
            v.problems.iter().any(|p| p.contains("another key")),
            "{:?}",
            v.problems
        );
    }

    #[test]
    fn the_problems_are_named() {
        let k = key(1);
        let pack = small_pack(&k);
        let mut entries = container::read(&pack).unwrap();
        // A changed file, a missing one, an extra one, in a rebuilt (well-formed) container.
        entries.retain(|(p, _)| p != "README.txt");
        for (p, c) in &mut entries {
            if p == "audit/trail.jsonl" {
                c.push(b'x');
            }
        }
        entries.push(("extra.txt".into(), b"!".to_vec()));
        let v = verify(&container::write(&entries).unwrap(), Some(&k.public_key()));
        let all = v.problems.join("\n");
        assert!(
            all.contains("`README.txt` is listed in the manifest but missing"),
            "{all}"
        );
        assert!(
            all.contains("`audit/trail.jsonl` has 4 bytes; the manifest says 3"),
            "{all}"
        );
        assert!(all.contains("`audit/trail.jsonl` was changed"), "{all}");
        assert!(
            all.contains("`extra.txt` is in the archive but not in the manifest"),
            "{all}"
        );
        assert_eq!(v.problems.len(), 4, "{all}");

        // No manifest, no signature.
        let v = verify(&container::write(&[("a".into(), vec![])]).unwrap(), None);
        assert!(v.problems.contains(&"manifest.json is missing".to_string()));
        assert!(v.problems.iter().any(|p| p.contains("manifest.sig")));

        assert!(verify(b"not a zip", None).problems[0].starts_with("not a ZIP archive"));
    }
}
