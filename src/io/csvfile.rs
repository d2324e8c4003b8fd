//! A header-checked CSV file: the shared machinery under the raw-table and flat-table readers.
//!
//! It resolves required columns by name (any order), strips a UTF-8 byte-order mark, accepts CRLF
//! and quoted fields with embedded newlines, trims blanks around fields, and turns every problem
//! into an [`Error`] that names the file, the line and the column.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result, RowProblem};
use crate::io::parse::excerpt;
use crate::io::tables::Strictness;

/// A problem with one field of one record, before it is given a location.
#[derive(Debug, Clone)]
pub(crate) struct FieldError {
    pub problem: RowProblem,
    pub column: Option<String>,
    pub value: String,
    pub expected: String,
}

impl FieldError {
    pub fn new(problem: RowProblem, column: &str, value: &str, expected: impl Into<String>) -> Self {
        FieldError { problem, column: Some(column.to_owned()), value: excerpt(value), expected: expected.into() }
    }
}

/// What a reader did with one file: rows read, rows kept, rows skipped by reason.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FileReport {
    /// The file.
    pub file: PathBuf,
    /// Data records read (excluding the header).
    pub rows_read: u64,
    /// Records kept.
    pub rows_loaded: u64,
    /// Records skipped (lenient mode only), by reason.
    pub skipped: BTreeMap<RowProblem, u64>,
    /// The first few skipped records' errors, for the log.
    pub examples: Vec<String>,
    /// Header columns that were not used.
    pub ignored_columns: Vec<String>,
}

impl FileReport {
    /// Total records skipped.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }
}

const MAX_EXAMPLES: usize = 10;

/// How standard input (the path `-`) is named in messages.
pub(crate) const STDIN_NAME: &str = "<stdin>";

/// An open CSV file whose header has been checked.
pub(crate) struct CsvFile {
    pub path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    /// Header names, trimmed and BOM-stripped.
    pub headers: Vec<String>,
    record: csv::ByteRecord,
    pub report: FileReport,
    strictness: Strictness,
    line: u64,
}

impl CsvFile {
    /// Opens `path` and checks its header. `required` columns must all be present exactly once;
    /// `optional` columns may be present. Any other column is reported as ignored.
    /// The path `-` is standard input (named `<stdin>` in messages).
    pub fn open(path: &Path, required: &[&str], optional: &[&str], strictness: Strictness) -> Result<Self> {
        if crate::io::output::is_stdio(path) {
            let stdin = Box::new(BufReader::with_capacity(1 << 20, std::io::stdin()));
            return Self::from_reader(stdin, Path::new(STDIN_NAME), required, optional, strictness);
        }
        let file = File::open(path).map_err(|e| Error::io("read", path, e))?;
        Self::from_reader(Box::new(BufReader::with_capacity(1 << 20, file)), path, required, optional, strictness)
    }

    /// As [`CsvFile::open`], on any reader (`path` is used in messages only).
    pub fn from_reader(
        rdr: Box<dyn Read>,
        path: &Path,
        required: &[&str],
        optional: &[&str],
        strictness: Strictness,
    ) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(rdr);
        let mut header = csv::ByteRecord::new();
        let got = reader.read_byte_record(&mut header).map_err(|e| csv_error(path, &e))?;
        if !got || (header.len() == 1 && header[0].iter().all(|b| b.is_ascii_whitespace())) {
            return Err(Error::EmptyInput { file: path.to_owned(), reason: "no header" });
        }
        let mut headers = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
            let name = std::str::from_utf8(raw).map_err(|_| Error::BadHeader {
                file: path.to_owned(),
                reason: format!("column {} of the header is not valid UTF-8", i + 1),
            })?;
            headers.push(name.trim().to_owned());
        }
        let mut seen = std::collections::HashSet::new();
        for h in &headers {
            if !seen.insert(h.as_str()) {
                return Err(Error::BadHeader { file: path.to_owned(), reason: format!("column `{h}` appears twice") });
            }
        }
        let missing: Vec<&str> = required.iter().copied().filter(|r| !headers.iter().any(|h| h == r)).collect();
        if !missing.is_empty() {
            let mut reason = format!(
                "missing column{} {}; found {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
                headers.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
            );
            if headers.len() == 1 {
                for (d, name) in [(';', "semicolon"), ('\t', "tab"), ('|', "pipe")] {
                    if headers[0].contains(d) {
                        reason.push_str(&format!(" (the file looks {name}-delimited; expected commas)"));
                        break;
                    }
                }
            }
            return Err(Error::BadHeader { file: path.to_owned(), reason });
        }
        let ignored = headers
            .iter()
            .filter(|h| !required.contains(&h.as_str()) && !optional.contains(&h.as_str()))
            .cloned()
            .collect();
        Ok(CsvFile {
            path: path.to_owned(),
            reader,
            headers,
            record: csv::ByteRecord::new(),
            report: FileReport { file: path.to_owned(), ignored_columns: ignored, ..Default::default() },
            strictness,
            line: 1,
        })
    }

    /// Index of header column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of a required column (checked at open).
    pub fn req(&self, name: &str) -> usize {
        self.col(name).unwrap_or(usize::MAX)
    }

    /// Advances to the next record. Returns `Ok(None)` at end of file. Malformed records (wrong
    /// field count, invalid UTF-8, broken quoting) are errors in strict mode and are skipped and
    /// counted in lenient mode.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        loop {
            let ok = match self.reader.read_byte_record(&mut self.record) {
                Ok(ok) => ok,
                Err(e) => {
                    let err = csv_error(&self.path, &e);
                    // A broken record: count it and carry on if lenient and the reader can resume.
                    if self.strictness == Strictness::Lenient && !matches!(e.kind(), csv::ErrorKind::Io(_)) {
                        self.report.rows_read += 1;
                        self.skip_error(&err, RowProblem::Malformed);
                        continue;
                    }
                    return Err(err);
                }
            };
            if !ok {
                return Ok(None);
            }
            self.line = self.record.position().map_or(self.line + 1, |p| p.line());
            // A completely blank line (e.g. a trailing one) is not a record.
            if self.record.len() == 1 && self.record[0].iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            self.report.rows_read += 1;
            if self.record.len() != self.headers.len() {
                let err = Error::BadRow {
                    location: Location { file: self.path.clone(), line: self.line, column: None },
                    problem: RowProblem::Malformed,
                    value: format!("{} fields", self.record.len()),
                    expected: format!("{} fields as in the header", self.headers.len()),
                };
                self.fail(err)?;
                continue;
            }
            // One check of the whole record (every field starting on a character boundary, so
            // no character straddles two fields); the field-by-field search only on failure.
            // The two agree: valid fields concatenate to valid text and never start mid-character.
            let valid = std::str::from_utf8(self.record.as_slice()).is_ok()
                && self.record.iter().all(|f| f.first().is_none_or(|&b| b & 0xC0 != 0x80));
            let bad_field = if valid {
                None
            } else {
                (0..self.record.len()).find(|&i| std::str::from_utf8(&self.record[i]).is_err())
            };
            if let Some(i) = bad_field {
                let err = Error::BadRow {
                    location: Location {
                        file: self.path.clone(),
                        line: self.line,
                        column: Some(self.headers[i].clone()),
                    },
                    problem: RowProblem::Malformed,
                    value: String::from_utf8_lossy(&self.record[i]).into_owned(),
                    expected: "UTF-8 text".into(),
                };
                self.fail(err)?;
                continue;
            }
            return Ok(Some(Record { record: &self.record, headers: &self.headers }));
        }
    }

    /// Line (1-based) of the current record.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reports a bad current record: an error in strict mode; counted and skipped in lenient mode.
    pub fn reject(&mut self, e: FieldError) -> Result<()> {
        self.reject_at(self.line, e)
    }

    /// As [`CsvFile::reject`], for a record read earlier, at `line`.
    pub fn reject_at(&mut self, line: u64, e: FieldError) -> Result<()> {
        let err = Error::BadRow {
            location: Location { file: self.path.clone(), line, column: e.column },
            problem: e.problem,
            value: e.value,
            expected: e.expected,
        };
        self.fail(err)
    }

    fn fail(&mut self, err: Error) -> Result<()> {
        match self.strictness {
            Strictness::Strict => Err(err),
            Strictness::Lenient => {
                let p = err.row_problem().unwrap_or(RowProblem::Malformed);
                self.skip_error(&err, p);
                Ok(())
            }
        }
    }

    fn skip_error(&mut self, err: &Error, p: RowProblem) {
        *self.report.skipped.entry(p).or_insert(0) += 1;
        if self.report.examples.len() < MAX_EXAMPLES {
            self.report.examples.push(err.to_string());
        }
    }

    /// Marks the current record as kept.
    pub fn accept(&mut self) {
        self.report.rows_loaded += 1;
    }
}

/// A view of the current record. Fields are valid UTF-8 (checked) and trimmed on access.
pub(crate) struct Record<'a> {
    record: &'a csv::ByteRecord,
    headers: &'a [String],
}

impl<'a> Record<'a> {
    /// Field `i`, trimmed.
    pub fn get(&self, i: usize) -> &'a str {
        raw_field(self.record, i)
    }

    /// Column name of field `i`.
    pub fn name(&self, i: usize) -> &'a str {
        self.headers.get(i).map_or("", |s| s.as_str())
    }

    /// The raw record (every field valid UTF-8, untrimmed), to keep past the next read.
    pub fn raw(&self) -> &'a csv::ByteRecord {
        self.record
    }
}

/// Field `i` of a record [`CsvFile::next_record`] checked, trimmed (as [`Record::get`]).
pub(crate) fn raw_field(record: &csv::ByteRecord, i: usize) -> &str {
    record.get(i).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("").trim()
}

fn csv_error(path: &Path, e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Io(io) => Error::io("read", path, std::io::Error::new(io.kind(), io.to_string())),
        _ => Error::BadRow {
            location: Location { file: path.to_owned(), line, column: None },
            problem: RowProblem::Malformed,
            value: String::new(),
            expected: format!("valid CSV ({e})"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_error(bytes: &'static [u8]) -> Error {
        let mut f = CsvFile::from_reader(Box::new(bytes), Path::new("t.csv"), &["a", "b"], &[], Strictness::Strict)
            .expect("header");
        loop {
            match f.next_record() {
                Ok(Some(_)) => continue,
                Ok(None) => panic!("no error found"),
                Err(e) => return e,
            }
        }
    }

    /// The whole-record UTF-8 check must not accept a character split across two fields: the
    /// bytes of `é` (C3 A9) around a comma are valid UTF-8 once the comma is gone.
    #[test]
    fn invalid_utf8_is_located_even_when_split_across_fields() {
        for (bytes, column) in [(&b"a,b\nok,fine\nx\xC3,\xA9y\n"[..], "a"), (&b"a,b\nok,fine\nx,y\xFF\n"[..], "b")] {
            match first_error(bytes) {
                Error::BadRow { location, .. } => {
                    assert_eq!((location.line, location.column.as_deref()), (3, Some(column)));
                }
                other => panic!("expected a located bad row, got {other}"),
            }
        }
        // Valid multi-byte text passes.
        let mut f = CsvFile::from_reader(
            Box::new("a,b\nété,ünï\n".as_bytes()),
            Path::new("t.csv"),
            &["a", "b"],
            &[],
            Strictness::Strict,
        )
        .expect("header");
        assert_eq!(f.next_record().expect("record").map(|r| r.get(1).to_string()).as_deref(), Some("ünï"));
    }
}
