//! Register files on disk in every format Vetted speaks: JSON and YAML documents, XLSX workbooks
//! and CSV sheets (a directory, or a `suppliers.csv` with sibling sheet files).
//!
//! Reading is all-or-nothing: [`load_register`] returns a register or every problem it found,
//! each naming the file and where in it.

use std::fmt;
use std::path::{Path, PathBuf};

use vetted_core::model::Register;
use vetted_core::policy::Policy;
use vetted_core::read::{ReadOptions, Syntax, read_register};

use crate::tabular;

/// The formats of a register file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    Json,
    Yaml,
    Csv,
    Xlsx,
}

impl FileFormat {
    /// Parses a `--format` value.
    pub fn parse(s: &str) -> Option<FileFormat> {
        match s {
            "json" => Some(FileFormat::Json),
            "yaml" | "yml" => Some(FileFormat::Yaml),
            "csv" => Some(FileFormat::Csv),
            "xlsx" => Some(FileFormat::Xlsx),
            _ => None,
        }
    }

    /// Guesses the format from a path: its extension, or a directory of CSV sheets.
    pub fn from_path(path: &Path) -> Option<FileFormat> {
        if path.is_dir() {
            return Some(FileFormat::Csv);
        }
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        FileFormat::parse(&ext)
    }
}

/// One problem in an input file, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// The file's name as the user gave it.
    pub file: String,
    /// `12:5` (line:column) or `sheet locations, row 7, column C (country)`.
    pub at: Option<String>,
    /// The field path in the register document, when known.
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for InputProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(at) = &self.at {
            write!(f, ":{at}")?;
        }
        if let Some(p) = self.path.as_deref().filter(|p| !p.is_empty()) {
            write!(f, ": {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a register file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: cannot tell the format from the name: use .json, .yaml, .yml, .xlsx, .csv or a directory of CSV sheets"
    )]
    UnknownFormat { path: String },
    #[error("{} problem{} in the input; nothing was changed", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Problems(Vec<InputProblem>),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |source| LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Reads a register file in any supported format, validating clause keys against `policy`.
pub fn load_register(
    path: &Path,
    format: Option<FileFormat>,
    policy: &Policy,
) -> Result<Register, LoadError> {
    let name = path.display().to_string();
    let format = format
        .or_else(|| FileFormat::from_path(path))
        .ok_or_else(|| LoadError::UnknownFormat { path: name.clone() })?;
    match format {
        FileFormat::Json | FileFormat::Yaml => {
            let text = std::fs::read_to_string(path).map_err(io(path))?;
            parse_document(&text, &name, format == FileFormat::Yaml, policy)
        }
        FileFormat::Xlsx => {
            let bytes = std::fs::read(path).map_err(io(path))?;
            tabular::read_xlsx(&bytes, &name, policy).map_err(tabular_problems)
        }
        FileFormat::Csv => {
            let sheets = csv_sheet_files(path)?;
            tabular::read_csv_sheets(&sheets, policy).map_err(tabular_problems)
        }
    }
}

/// Parses a JSON or YAML register document held in memory.
pub fn parse_document(
    text: &str,
    file: &str,
    yaml: bool,
    policy: &Policy,
) -> Result<Register, LoadError> {
    let syntax = if yaml { Syntax::Yaml } else { Syntax::Json };
    read_register(
        text,
        syntax,
        &ReadOptions {
            clauses: Some(&policy.clauses),
        },
    )
    .map_err(|problems| {
        LoadError::Problems(
            problems
                .into_iter()
                .map(|p| InputProblem {
                    file: file.to_string(),
                    at: p.line.zip(p.column).map(|(l, c)| format!("{l}:{c}")),
                    path: Some(p.path),
                    message: p.message,
                })
                .collect(),
        )
    })
}

fn tabular_problems(problems: Vec<tabular::TabularProblem>) -> LoadError {
    LoadError::Problems(
        problems
            .into_iter()
            .map(|p| {
                let text = p.to_string();
                // TabularProblem's Display starts with the file name: keep the rest as the place.
                let rest = text
                    .strip_prefix(&format!("{}: ", p.file))
                    .unwrap_or(&text)
                    .to_string();
                InputProblem {
                    file: p.file.clone(),
                    at: None,
                    path: None,
                    message: rest,
                }
            })
            .collect(),
    )
}

/// The CSV sheets of a register: every `*.csv` file of a directory (an unknown sheet name is a
/// problem), or a `suppliers.csv` and its siblings named after the other sheets; any other single
/// file is the suppliers sheet alone.
pub fn csv_sheet_files(path: &Path) -> Result<Vec<(String, String, Vec<u8>)>, LoadError> {
    let read = |file: &Path| std::fs::read(file).map_err(io(file));
    let mut sheets = Vec::new();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io(path))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .and_then(tabular::csv_sheet_name)
                    .is_some()
            })
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(tabular::csv_sheet_name)
                .unwrap_or_default();
            sheets.push((name.to_string(), file.display().to_string(), read(&file)?));
        }
        if !sheets
            .iter()
            .any(|(s, _, _)| s.eq_ignore_ascii_case("suppliers"))
        {
            let missing = path.join("suppliers.csv");
            return Err(LoadError::Io {
                path: missing.display().to_string(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "a directory of CSV sheets needs suppliers.csv",
                ),
            });
        }
        return Ok(sheets);
    }
    sheets.push((
        "suppliers".to_string(),
        path.display().to_string(),
        read(path)?,
    ));
    if path.file_name().is_some_and(|n| n == "suppliers.csv") {
        let dir = path.parent().unwrap_or(Path::new("."));
        for sheet in tabular::SHEETS.iter().skip(1) {
            let file = dir.join(format!("{sheet}.csv"));
            if file.is_file() {
                sheets.push((
                    (*sheet).to_string(),
                    file.display().to_string(),
                    read(&file)?,
                ));
            }
        }
    }
    Ok(sheets)
}
