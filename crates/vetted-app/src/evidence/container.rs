//! The pack's container: a ZIP archive (PKWARE APPNOTE 6.3) written by hand so that its bytes
//! depend only on the files' paths and contents, whatever crate version builds it: entries
//! sorted by path, STORED (no compression), one fixed timestamp (1980-01-01 00:00, the
//! earliest DOS time), the UTF-8 name flag, no extra fields, no comments, no data descriptors,
//! no zip64 (a pack that would need it, past 4 GiB or 65,534 files, is refused).
//!
//! Because the writer is deterministic, verification rebuilds the container from the entries
//! it read and compares the bytes: any changed header, timestamp, comment or padding shows,
//! not only changed contents. Reading is the `zip` crate's (an independent reader: a pack
//! that only this writer's own reader understood would help no auditor).

use std::io::{Cursor, Read as _};

/// One file of a pack: its path inside the archive and its bytes.
pub type Entry = (String, Vec<u8>);

/// DOS date of 1980-01-01 (year 0 since 1980, month 1, day 1); the time is 00:00:00.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// General purpose flag bit 11: the name is UTF-8.
const UTF8_FLAG: u16 = 0x0800;
/// "Version needed to extract" for stored entries: 1.0.
const VERSION_NEEDED: u16 = 10;
/// "Version made by": MS-DOS attributes (0), specification 2.0.
const VERSION_MADE_BY: u16 = 20;
/// At most this many entries (0xFFFF marks zip64 in the end record).
const MAX_ENTRIES: usize = 0xFFFE;

/// Why a set of files cannot be written as a pack.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    #[error("the pack would be larger than 4 GiB, which needs zip64; make the period shorter")]
    TooLarge,
    #[error("the pack would hold more than {MAX_ENTRIES} files")]
    TooMany,
    #[error(
        "`{0}` is not a path a pack holds: relative, `/`-separated, no `.`, `..` or empty parts, no control characters"
    )]
    BadPath(String),
    #[error("two files have the path `{0}`")]
    Duplicate(String),
}

/// Whether `path` is a plain relative path (what every unzip program extracts where asked).
fn path_is_plain(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 1024
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

fn u32_of(n: usize) -> Result<u32, ContainerError> {
    u32::try_from(n)
        .ok()
        .filter(|&n| n != u32::MAX)
        .ok_or(ContainerError::TooLarge)
}

/// The archive of `files`, sorted by path (byte order).
///
/// # Errors
/// A path that is not plain or given twice, or a pack past the limits above.
pub fn write(files: &[Entry]) -> Result<Vec<u8>, ContainerError> {
    let mut sorted: Vec<&Entry> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    if sorted.len() > MAX_ENTRIES {
        return Err(ContainerError::TooMany);
    }
    for pair in sorted.windows(2) {
        if pair[0].0 == pair[1].0 {
            return Err(ContainerError::Duplicate(pair[0].0.clone()));
        }
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (path, content) in sorted {
        if !path_is_plain(path) {
            return Err(ContainerError::BadPath(path.clone()));
        }
        let offset = u32_of(out.len())?;
        let size = u32_of(content.len())?;
        let crc = crc32fast::hash(content);
        let name = path.as_bytes();
        let name_len =
            u16::try_from(name.len()).map_err(|_| ContainerError::BadPath(path.clone()))?;

        out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
        out.extend_from_slice(&VERSION_NEEDED.to_le_bytes());
        out.extend_from_slice(&UTF8_FLAG.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // stored
        out.extend_from_slice(&DOS_TIME.to_le_bytes());
        out.extend_from_slice(&DOS_DATE.to_le_bytes());
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&name_len.to_le_bytes());
        out.extend_from_slice(&0_u16.to_le_bytes()); // no extra field
        out.extend_from_slice(name);
        out.extend_from_slice(content);

        central.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
        central.extend_from_slice(&VERSION_MADE_BY.to_le_bytes());
        central.extend_from_slice(&VERSION_NEEDED.to_le_bytes());
        central.extend_from_slice(&UTF8_FLAG.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes());
        central.extend_from_slice(&DOS_TIME.to_le_bytes());
        central.extend_from_slice(&DOS_DATE.to_le_bytes());
        central.extend_from_slice(&crc.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&size.to_le_bytes());
        central.extend_from_slice(&name_len.to_le_bytes());
        central.extend_from_slice(&0_u16.to_le_bytes()); // extra
        central.extend_from_slice(&0_u16.to_le_bytes()); // comment
        central.extend_from_slice(&0_u16.to_le_bytes()); // disk number start
        central.extend_from_slice(&0_u16.to_le_bytes()); // internal attributes
        central.extend_from_slice(&0_u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name);
    }
    let count = files.len() as u16;
    let central_offset = u32_of(out.len())?;
    let central_size = u32_of(central.len())?;
    out.extend_from_slice(&central);
    u32_of(out.len() + 22)?;
    out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes()); // this disk
    out.extend_from_slice(&0_u16.to_le_bytes()); // the central directory's disk
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0_u16.to_le_bytes()); // no comment
    Ok(out)
}

/// The entries of an archive in the order of its central directory, read by the `zip` crate
/// (which checks each entry's CRC-32). Folders (names ending in `/`) are entries too.
///
/// # Errors
/// A sentence saying why the bytes are not a readable archive.
pub fn read(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| format!("not a ZIP archive: {e}"))?;
    let mut entries = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| format!("entry {} of the archive cannot be read: {e}", i + 1))?;
        // The raw name: the bytes the writer wrote, whatever the flags say of their encoding.
        let name = String::from_utf8(file.name_raw().to_vec()).map_err(|_| {
            format!(
                "entry {} of the archive has a name that is not UTF-8",
                i + 1
            )
        })?;
        let mut content = Vec::new();
        file.read_to_end(&mut content)
            .map_err(|e| format!("`{name}` in the archive cannot be read: {e}"))?;
        entries.push((name, content));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<Entry> {
        vec![
            ("b/two.txt".into(), b"two".to_vec()),
            ("a.txt".into(), b"one".to_vec()),
            ("empty".into(), Vec::new()),
        ]
    }

    #[test]
    fn the_zip_crate_reads_what_is_written_sorted_by_path() {
        let bytes = write(&files()).unwrap();
        let read = read(&bytes).unwrap();
        let mut expected = files();
        expected.sort();
        assert_eq!(read, expected);
    }

    #[test]
    fn the_bytes_depend_only_on_the_files() {
        let mut reversed = files();
        reversed.reverse();
        assert_eq!(write(&files()).unwrap(), write(&reversed).unwrap());
    }

    #[test]
    fn unplain_and_duplicate_paths_are_refused() {
        for bad in ["", "/abs", "a/../b", "a//b", "./a", "a\\b", "a\nb", "dir/"] {
            assert_eq!(
                write(&[(bad.to_string(), Vec::new())]),
                Err(ContainerError::BadPath(bad.to_string())),
                "{bad:?}"
            );
        }
        assert_eq!(
            write(&[("a".into(), vec![1]), ("a".into(), vec![2])]),
            Err(ContainerError::Duplicate("a".into()))
        );
    }

    #[test]
    fn python_s_zipfile_reads_it_too() {
        // An independent reader (Python is on every machine the tests run on).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.zip");
        std::fs::write(&path, write(&files()).unwrap()).unwrap();
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; print(','.join(i.filename + '=' + z.read(i).decode() for i in z.infolist()))",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "a.txt=one,b/two.txt=two,empty="
        );
    }
}
