//! A header-checked CSV file: the shared machinery under the raw-table and flat-table readers.
//!
//! It resolves required columns by name (any order), strips a UTF-8 byte-order mark, accepts CRLF
//! and quoted fields with embedded newlines, trims blanks around fields, and turns every problem
//! into an [`Error`] that names the file, the line and the column.
//!
//! Records are framed by `csv_core` (the csv crate's parser) into a buffer of bounded size: a
//! field longer than [`MAX_FIELD_BYTES`] (or a record longer than [`MAX_RECORD_BYTES`], e.g. an
//! unclosed quote swallowing the rest of the file) is read to its end without being kept and is
//! reported as [`RowProblem::FieldTooLong`], so memory never grows with a malformed input.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result, RowProblem};
use crate::io::jsonl::{JsonLines, Line, looks_like_json_lines};
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

    /// The error, located at `line` of `file`, with the line's row group when `group_starts`
    /// (each Parquet row group's first row, [`CsvFile::row_group_starts`]) is not empty.
    pub fn at_in_group(self, file: &Path, line: u64, group_starts: &[u64]) -> Error {
        Error::BadRow {
            location: Location {
                file: file.to_owned(),
                line,
                column: self.column,
                row_group: locate_in_group(group_starts, line),
            },
            problem: self.problem,
            value: self.value,
            expected: self.expected,
        }
    }
}

/// The row group (0-based) of 1-based data row `line`, given each row group's first row (none
/// for a file that is not Parquet: `group_starts` empty).
#[cfg(feature = "parquet")]
pub(crate) fn locate_in_group(group_starts: &[u64], line: u64) -> Option<u32> {
    super::parquet::group_of(group_starts, line)
}

/// Without Parquet support no file has row groups.
#[cfg(not(feature = "parquet"))]
pub(crate) fn locate_in_group(_group_starts: &[u64], _line: u64) -> Option<u32> {
    None
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
    /// Exact duplicate records dropped after loading (subscriptions and events: every field
    /// equal to an earlier record's); not counted in `rows_loaded`.
    #[serde(default)]
    pub duplicates: u64,
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

/// Longest field (in bytes) any reader accepts: 64 KiB. A longer field makes its row a
/// [`RowProblem::FieldTooLong`] (an error in strict mode, a counted skip — or, when scoring, an
/// unscored row — in lenient mode); its bytes beyond the limit are never held in memory.
pub const MAX_FIELD_BYTES: usize = 64 * 1024;

/// Longest record (in bytes, all fields) any reader holds in memory: 16 MiB. A longer record is
/// read to its end without being kept and reported as [`RowProblem::FieldTooLong`].
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// Bytes of a too long field quoted in its error.
const PREFIX_BYTES: usize = 64;

/// Most fields a record may have before it is read to its end without being kept (its field count
/// is then wrong anyway).
const MAX_FIELDS: usize = 1 << 20;

/// One framed record: the unescaped bytes of its fields and where each ends.
#[derive(Debug, Default, Clone)]
pub(crate) struct Fields {
    buf: Vec<u8>,
    ends: Vec<usize>,
    n: usize,
}

impl Fields {
    /// Number of fields.
    pub fn len(&self) -> usize {
        self.n
    }

    /// The bytes of field `i`.
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        if i >= self.n {
            return None;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.buf.get(start..self.ends[i])
    }

    /// Every field's bytes, concatenated.
    pub fn as_slice(&self) -> &[u8] {
        let end = if self.n == 0 { 0 } else { self.ends[self.n - 1] };
        &self.buf[..end]
    }

    /// Where each field ends in [`Fields::as_slice`].
    pub fn ends(&self) -> &[usize] {
        &self.ends[..self.n]
    }

    /// Replaces the record by `fields`.
    pub(crate) fn set<'a>(&mut self, fields: impl Iterator<Item = &'a [u8]>) {
        self.buf.clear();
        self.ends.clear();
        for f in fields {
            self.buf.extend_from_slice(f);
            self.ends.push(self.buf.len());
        }
        self.n = self.ends.len();
    }

    /// Empties the record, to append fields with [`Fields::buf_mut`] and [`Fields::end_field`].
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(crate) fn start(&mut self) {
        self.buf.clear();
        self.ends.clear();
        self.n = 0;
    }

    /// The buffer the field being appended is written to.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(crate) fn buf_mut(&mut self) -> &mut Vec<u8> {
        &mut self.buf
    }

    /// Ends the field being appended.
    #[cfg_attr(not(feature = "parquet"), allow(dead_code))]
    pub(crate) fn end_field(&mut self) {
        self.ends.push(self.buf.len());
        self.n = self.ends.len();
    }

    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.n).filter_map(|i| self.get(i))
    }
}

/// What [`Framer::read`] found.
enum Frame {
    /// A record, in the buffer.
    Record,
    /// A record with a field over [`MAX_FIELD_BYTES`] (at this field index) or over
    /// [`MAX_RECORD_BYTES`] in all; the buffer holds its first complete fields only.
    TooLong {
        /// Index of the field that was too long.
        field: usize,
        /// Its first bytes, for the message.
        prefix: Vec<u8>,
        /// The record, not the field, hit its limit.
        record: bool,
    },
    /// A record with more than `MAX_FIELDS` fields; the buffer holds the first ones only.
    TooManyFields,
    /// A record that is not one (a JSON line that is not an object): what it is and what was
    /// expected.
    Invalid { value: String, expected: String, too_long: bool },
    /// End of input.
    End,
}

/// Splits a byte stream into records with `csv_core`, in a buffer of bounded size.
///
/// A record on one line with no quote and no carriage return but its line end (almost every
/// record of a machine-written export) is split at its delimiters directly, which is several
/// times faster than `csv_core`'s byte-by-byte state machine and gives the same fields and line
/// numbers (`csv_core` reads such a line to exactly those fields); anything else (quotes, a line
/// longer than [`MAX_FIELD_BYTES`] or not yet whole in the buffer, blank lines, a lone `\r`) goes
/// through `csv_core`, and so does the first record (the header), where `csv_core` strips a
/// byte-order mark.
struct Framer<'r> {
    core: csv_core::Reader,
    src: BufReader<Box<dyn Read + 'r>>,
    scratch: Vec<u8>,
    scratch_ends: Vec<usize>,
    delimiter: u8,
    /// The last byte `csv_core` took was a `\r` (a record may have ended at it).
    ended_with_cr: bool,
    /// Whether plain lines take the fast path (always, but in the test comparing both paths).
    plain: bool,
    /// `csv_core` has read the first record (and stripped a UTF-8 byte-order mark before it, which
    /// it does on its first read only): plain lines may take the fast path from then on.
    core_started: bool,
    /// Bytes taken from `src` so far (the position of the next record, blank lines aside).
    consumed: u64,
}

impl<'r> Framer<'r> {
    fn new(src: Box<dyn Read + 'r>, delimiter: u8) -> Framer<'r> {
        Framer {
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            src: BufReader::with_capacity(1 << 18, src),
            scratch: vec![0; 1 << 16],
            scratch_ends: vec![0; 1 << 10],
            delimiter,
            ended_with_cr: false,
            plain: true,
            core_started: false,
            consumed: 0,
        }
    }

    /// Takes `n` bytes of `src`.
    fn consume(&mut self, n: usize) {
        self.src.consume(n);
        self.consumed += n as u64;
    }

    /// Frames the next record when it is a plain line (see [`Framer`]); `Ok(false)`, having
    /// read nothing, otherwise.
    fn read_plain(&mut self, rec: &mut Fields) -> std::io::Result<bool> {
        let input = self.src.fill_buf()?;
        // Blank lines (which csv_core skips) and anything but a record start go the slow way.
        if matches!(input.first(), None | Some(b'\n' | b'\r')) {
            return Ok(false);
        }
        let window = &input[..input.len().min(MAX_FIELD_BYTES + 2)];
        let Some(nl) = memchr::memchr(b'\n', window) else { return Ok(false) };
        let line = &input[..nl];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if memchr::memchr2(b'"', b'\r', line).is_some() || line.len() > MAX_FIELD_BYTES {
            return Ok(false);
        }
        if rec.buf.len() < line.len() {
            rec.buf.resize(line.len().next_power_of_two(), 0);
        }
        // The delimiters found with memchr's vectorised search, not byte by byte.
        let (mut out, mut n, mut start) = (0, 0, 0);
        for end in memchr::memchr_iter(self.delimiter, line).chain(std::iter::once(line.len())) {
            let field = &line[start..end];
            rec.buf[out..out + field.len()].copy_from_slice(field);
            out += field.len();
            if n == rec.ends.len() {
                rec.ends.resize((n * 2).max(64), 0);
            }
            rec.ends[n] = out;
            n += 1;
            start = end + 1;
        }
        rec.n = n;
        self.consume(nl + 1);
        self.core.set_line(self.core.line() + 1);
        Ok(true)
    }

    /// After `csv_core` ended a record at a `\r`, takes the `\n` of a CRLF line end, so that
    /// [`Framer::line`] names the line the next record is on.
    fn finish_crlf(&mut self) -> std::io::Result<()> {
        if self.src.fill_buf()?.first() == Some(&b'\n') {
            let (_, nin, _, _) = self.core.read_record(b"\n", &mut self.scratch, &mut self.scratch_ends);
            self.consume(nin);
        }
        Ok(())
    }

    /// Line (1-based) the reader is on: before a read, the line the next record starts on (blank
    /// lines before it aside), as the csv crate reports record positions.
    fn line(&self) -> u64 {
        self.core.line()
    }

    fn read(&mut self, rec: &mut Fields) -> std::io::Result<Frame> {
        if self.plain && self.core_started && self.read_plain(rec)? {
            return Ok(Frame::Record);
        }
        let frame = self.read_core(rec)?;
        self.core_started = true;
        if !matches!(frame, Frame::End) && self.ended_with_cr {
            self.finish_crlf()?;
        }
        Ok(frame)
    }

    fn read_core(&mut self, rec: &mut Fields) -> std::io::Result<Frame> {
        use csv_core::ReadRecordResult as R;
        if rec.buf.is_empty() {
            rec.buf.resize(1 << 10, 0);
        }
        if rec.ends.is_empty() {
            rec.ends.resize(64, 0);
        }
        rec.n = 0;
        self.ended_with_cr = false;
        let (mut outlen, mut endlen) = (0, 0);
        // Set once the record is too long: the rest of it is parsed into scratch space and dropped.
        let mut overflow: Option<Frame> = None;
        loop {
            let input = self.src.fill_buf()?;
            let (res, nin, nout, nend) = if overflow.is_some() {
                self.core.read_record(input, &mut self.scratch, &mut self.scratch_ends)
            } else {
                self.core.read_record(input, &mut rec.buf[outlen..], &mut rec.ends[endlen..])
            };
            self.ended_with_cr = nin > 0 && input[nin - 1] == b'\r';
            self.consume(nin);
            if overflow.is_none() {
                outlen += nout;
                endlen += nend;
            }
            match res {
                R::InputEmpty => continue,
                R::OutputFull if overflow.is_none() => {
                    let field_start = if endlen == 0 { 0 } else { rec.ends[endlen - 1] };
                    let record = rec.buf.len() >= MAX_RECORD_BYTES;
                    if outlen - field_start > MAX_FIELD_BYTES || record {
                        let prefix = rec.buf[field_start..outlen.min(field_start + PREFIX_BYTES)].to_vec();
                        overflow = Some(Frame::TooLong { field: endlen, prefix, record });
                    } else {
                        let len = (rec.buf.len() * 2).min(MAX_RECORD_BYTES);
                        rec.buf.resize(len, 0);
                    }
                }
                R::OutputEndsFull if overflow.is_none() => {
                    if rec.ends.len() >= MAX_FIELDS {
                        overflow = Some(Frame::TooManyFields);
                    } else {
                        let len = (rec.ends.len() * 2).min(MAX_FIELDS);
                        rec.ends.resize(len, 0);
                    }
                }
                R::OutputFull | R::OutputEndsFull => continue,
                R::Record => {
                    rec.n = endlen;
                    if let Some(f) = overflow {
                        return Ok(f);
                    }
                    // A field may have grown past the limit inside an already large buffer.
                    let mut start = 0;
                    for (i, &end) in rec.ends[..endlen].iter().enumerate() {
                        if end - start > MAX_FIELD_BYTES {
                            rec.n = i;
                            let prefix = rec.buf[start..start + PREFIX_BYTES].to_vec();
                            return Ok(Frame::TooLong { field: i, prefix, record: false });
                        }
                        start = end;
                    }
                    return Ok(Frame::Record);
                }
                R::End => return Ok(Frame::End),
            }
        }
    }
}

/// The next record of a [`CsvFile`], or why it could not be read as a row.
pub(crate) enum Framed<'a> {
    /// A record with the header's field count, every field valid UTF-8 within the length limit.
    Record(Record<'a>),
    /// A record that cannot be read as a row (wrong field count, invalid UTF-8, a field too long):
    /// the located error, and the record's fields as far as they were kept.
    Unreadable(Error, &'a Fields),
}

/// What a [`CsvFile`] reads.
enum Framing<'r> {
    Csv(Box<Framer<'r>>),
    Jsonl(JsonLines<'r>),
    #[cfg(feature = "parquet")]
    Parquet(Box<super::parquet::ParquetRows>),
}

/// What a column of an input file holds, as its format types it: every CSV and JSON Lines column
/// is text; a Parquet column has its physical/logical type (see [`crate::io::parquet`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SourceType {
    /// Text (CSV, JSON Lines, Parquet strings).
    Text,
    /// Bytes that should be UTF-8 text.
    Binary,
    /// Integers.
    Integer,
    /// Floating-point numbers.
    Float,
    /// Fixed-point decimals.
    Decimal,
    /// Booleans.
    Boolean,
    /// Calendar dates.
    Date,
    /// Instants.
    Timestamp,
}

impl SourceType {
    /// How the type is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            SourceType::Text => "text",
            SourceType::Binary => "binary",
            SourceType::Integer => "integer",
            SourceType::Float => "floating-point",
            SourceType::Decimal => "decimal",
            SourceType::Boolean => "boolean",
            SourceType::Date => "date",
            SourceType::Timestamp => "timestamp",
        }
    }
}

/// The format of a flat or table file, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// Delimited text with a header line.
    #[default]
    Csv,
    /// One JSON object per line ([`crate::io::jsonl`]).
    JsonLines,
    /// Apache Parquet (`crate::io::parquet`, cargo feature `parquet`).
    Parquet,
}

/// An open CSV file whose header has been checked.
pub(crate) struct CsvFile<'r> {
    pub path: PathBuf,
    /// The delimiter used (given or sniffed).
    pub delimiter: u8,
    framer: Framing<'r>,
    /// What the file is.
    pub format: InputFormat,
    /// Header names, trimmed and BOM-stripped.
    pub headers: Vec<String>,
    /// What each column holds (all text but in Parquet files).
    pub types: Vec<SourceType>,
    /// Columns left out because their type is not supported (Parquet lists, structs, …): name
    /// and type.
    pub unsupported: Vec<(String, String)>,
    record: Fields,
    pub report: FileReport,
    strictness: Strictness,
    line: u64,
}

impl<'r> CsvFile<'r> {
    /// Reads the header from `rdr` and checks it (`path` names the input in messages).
    /// `required` columns must all be present exactly once; `optional` columns may be present.
    /// Any other column is reported as ignored. The delimiter is sniffed from the header line
    /// ([`sniff_delimiter`]).
    pub fn from_reader(
        rdr: Box<dyn Read + 'r>,
        path: &Path,
        required: &[&str],
        optional: &[&str],
        strictness: Strictness,
    ) -> Result<Self> {
        Self::from_reader_with(rdr, path, required, optional, strictness, None)
    }

    /// As [`CsvFile::from_reader`], with the delimiter given (`None`: sniffed from the header line).
    pub fn from_reader_with(
        mut rdr: Box<dyn Read + 'r>,
        path: &Path,
        required: &[&str],
        optional: &[&str],
        strictness: Strictness,
        delimiter: Option<u8>,
    ) -> Result<Self> {
        rdr = decompressed(rdr).map_err(|e| Error::io("read", path, e))?;
        let mut magic = Vec::with_capacity(4);
        (&mut rdr).take(4).read_to_end(&mut magic).map_err(|e| Error::io("read", path, e))?;
        if magic == b"PAR1" {
            return Self::parquet(&magic, rdr, path, required, optional, strictness);
        }
        rdr = Box::new(std::io::Cursor::new(magic).chain(rdr));
        // The header line is read first (bounded) to sniff the delimiter, then replayed.
        let head = read_header_line(&mut rdr).map_err(|e| Error::io("read", path, e))?;
        if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            return Err(Error::BadHeader { file: path.to_owned(), reason: UTF16.into() });
        }
        if looks_like_json_lines(&head) {
            if let Some(d) = delimiter {
                return Err(Error::BadHeader {
                    file: path.to_owned(),
                    reason: format!(
                        "line 1: the file is JSON Lines (one object per line), so the delimiter {} does not apply",
                        delimiter_name(d)
                    ),
                });
            }
            let (jl, headers) = JsonLines::open(Box::new(std::io::Cursor::new(head).chain(rdr)))
                .map_err(|e| Error::io("read", path, e))?;
            if headers.is_empty() {
                return Err(Error::EmptyInput { file: path.to_owned(), reason: "no JSON object" });
            }
            check_required(path, &headers, required, None)?;
            return Ok(CsvFile::new(path, Framing::Jsonl(jl), b',', headers, required, optional, strictness));
        }
        let sniffed = sniff_delimiter(&head);
        let delim = delimiter.unwrap_or(sniffed);
        let mut framer = Framer::new(Box::new(std::io::Cursor::new(head).chain(rdr)), delim);
        let mut header = Fields::default();
        let frame = framer.read(&mut header).map_err(|e| Error::io("read", path, e))?;
        match frame {
            Frame::Record => {}
            Frame::End => return Err(Error::EmptyInput { file: path.to_owned(), reason: "no header" }),
            Frame::TooLong { .. } | Frame::TooManyFields | Frame::Invalid { .. } => {
                return Err(Error::BadHeader {
                    file: path.to_owned(),
                    reason: format!(
                        "the header is longer than {MAX_FIELD_BYTES} bytes per name or {MAX_FIELDS} names (is this a CSV file?)"
                    ),
                });
            }
        }
        if header.len() == 1 && header.as_slice().iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Error::EmptyInput { file: path.to_owned(), reason: "no header" });
        }
        let mut headers = Vec::with_capacity(header.len());
        for (i, raw) in header.iter().enumerate() {
            let raw = if i == 0 { raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw) } else { raw };
            let name = std::str::from_utf8(raw).map_err(|_| Error::BadHeader {
                file: path.to_owned(),
                reason: format!(
                    "column {} of the header (`{}`) is not valid UTF-8{}",
                    i + 1,
                    excerpt(&String::from_utf8_lossy(raw)),
                    if raw.contains(&0) { format!("; {UTF16}") } else { format!("; {NOT_UTF8}") }
                ),
            })?;
            headers.push(name.trim().to_owned());
        }
        // JSON (an array or one object per line) is not CSV: say so, rather than report the
        // fragments its commas make as duplicate or missing columns.
        if let Some(c) = headers.first().and_then(|h| h.trim_start().chars().next()).filter(|c| matches!(c, '{' | '['))
        {
            return Err(Error::BadHeader {
                file: path.to_owned(),
                reason: format!(
                    "this looks like JSON (the first line starts with `{c}`), not CSV: attrition reads a header \
                     line of column names, then one comma-separated line per row"
                ),
            });
        }
        if let Some(d) = delimiter
            && headers.len() == 1
            && sniffed != d
            && headers[0].contains(char::from(sniffed))
        {
            return Err(Error::BadHeader {
                file: path.to_owned(),
                reason: format!(
                    "line 1: the delimiter {} does not split the header `{}`; it looks {}-separated \
                     (leave the delimiter out to have it detected)",
                    delimiter_name(d),
                    crate::io::parse::excerpt(&headers[0]),
                    delimiter_name(sniffed)
                ),
            });
        }
        let mut seen = std::collections::HashSet::new();
        for h in &headers {
            if !seen.insert(h.as_str()) {
                return Err(Error::BadHeader { file: path.to_owned(), reason: format!("column `{h}` appears twice") });
            }
        }
        check_required(path, &headers, required, Some(delim))?;
        Ok(CsvFile::new(path, Framing::Csv(Box::new(framer)), delim, headers, required, optional, strictness))
    }

    /// Opens a Parquet file (its first bytes `head` already read from `rdr`).
    #[cfg(feature = "parquet")]
    fn parquet(
        head: &[u8],
        rdr: Box<dyn Read + 'r>,
        path: &Path,
        required: &[&str],
        optional: &[&str],
        strictness: Strictness,
    ) -> Result<Self> {
        let o = super::parquet::open(head, rdr, path)?;
        for (name, ty) in &o.left_out {
            if required.contains(&name.as_str()) {
                return Err(Error::ColumnType {
                    file: path.to_owned(),
                    column: name.clone(),
                    found: ty.clone(),
                    expected: "a flat column (text, number, boolean, date or timestamp)".into(),
                });
            }
        }
        check_required(path, &o.headers, required, None)?;
        let mut seen = std::collections::HashSet::new();
        for h in &o.headers {
            if !seen.insert(h.as_str()) {
                return Err(Error::BadHeader { file: path.to_owned(), reason: format!("column `{h}` appears twice") });
            }
        }
        let mut f =
            CsvFile::new(path, Framing::Parquet(Box::new(o.rows)), b',', o.headers, required, optional, strictness);
        f.types = o.types;
        f.report.ignored_columns.extend(o.left_out.iter().map(|(n, t)| format!("{n} ({t}: not supported)")));
        f.unsupported = o.left_out;
        Ok(f)
    }

    /// Without the `parquet` feature, a Parquet file is a clear error.
    #[cfg(not(feature = "parquet"))]
    fn parquet(
        _head: &[u8],
        _rdr: Box<dyn Read + 'r>,
        path: &Path,
        _required: &[&str],
        _optional: &[&str],
        _strictness: Strictness,
    ) -> Result<Self> {
        Err(Error::BadHeader {
            file: path.to_owned(),
            reason:
                "this is a Parquet file, and this build of attrition has no Parquet support (cargo feature `parquet`)"
                    .into(),
        })
    }

    fn new(
        path: &Path,
        framer: Framing<'r>,
        delimiter: u8,
        headers: Vec<String>,
        required: &[&str],
        optional: &[&str],
        strictness: Strictness,
    ) -> CsvFile<'r> {
        let ignored = headers
            .iter()
            .filter(|h| !required.contains(&h.as_str()) && !optional.contains(&h.as_str()))
            .cloned()
            .collect();
        CsvFile {
            path: path.to_owned(),
            delimiter,
            format: match framer {
                Framing::Csv(_) => InputFormat::Csv,
                Framing::Jsonl(_) => InputFormat::JsonLines,
                #[cfg(feature = "parquet")]
                Framing::Parquet(_) => InputFormat::Parquet,
            },
            framer,
            types: vec![SourceType::Text; headers.len()],
            unsupported: Vec::new(),
            headers,
            record: Fields::default(),
            report: FileReport { file: path.to_owned(), ignored_columns: ignored, ..Default::default() },
            strictness,
            line: 1,
        }
    }

    /// Reads column `i` as calendar days: a Parquet timestamp becomes its UTC day `YYYY-MM-DD`
    /// (other types and formats are unchanged).
    pub fn read_as_date(&mut self, i: usize) {
        #[cfg(feature = "parquet")]
        if let Framing::Parquet(p) = &mut self.framer
            && let Some(d) = p.as_date.get_mut(i)
        {
            *d = true;
        }
        let _ = i;
    }

    /// Index of header column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of a required column (checked at open).
    pub fn req(&self, name: &str) -> usize {
        self.col(name).unwrap_or(usize::MAX)
    }

    /// Advances to the next record. Returns `Ok(None)` at end of file. Unreadable records (wrong
    /// field count, invalid UTF-8, a field over [`MAX_FIELD_BYTES`]) are errors in strict mode and
    /// are skipped and counted in lenient mode.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        loop {
            match self.frame_next()? {
                None => return Ok(None),
                Some(None) => break,
                Some(Some(err)) => self.fail(err)?,
            }
        }
        Ok(Some(Record {
            record: &self.record,
            headers: &self.headers,
            line: self.line,
            number: self.report.rows_read,
        }))
    }

    /// Advances to the next record like [`CsvFile::next_record`], but returns an unreadable
    /// record with its error instead of failing or skipping it (for scoring, which writes every
    /// record). The caller decides what to do with it; nothing is counted as skipped.
    pub fn next_framed(&mut self) -> Result<Option<Framed<'_>>> {
        Ok(match self.frame_next()? {
            None => None,
            Some(None) => Some(Framed::Record(Record {
                record: &self.record,
                headers: &self.headers,
                line: self.line,
                number: self.report.rows_read,
            })),
            Some(Some(err)) => Some(Framed::Unreadable(err, &self.record)),
        })
    }

    /// Frames the next non-blank record into `self.record`: `None` at end of input, `Some(None)`
    /// for a readable record, `Some(Some(error))` for an unreadable one (counted as read).
    fn frame_next(&mut self) -> Result<Option<Option<Error>>> {
        loop {
            let io = |e| Error::io("read", &self.path, e);
            let (line, frame) = match &mut self.framer {
                Framing::Csv(f) => {
                    let line = f.line();
                    (line, f.read(&mut self.record).map_err(io)?)
                }
                Framing::Jsonl(j) => {
                    let n = self.headers.len();
                    let next = j.read(&mut self.record, n).map_err(io)?;
                    for k in j.late.drain(..) {
                        self.report.ignored_columns.push(k);
                    }
                    match next {
                        None => (0, Frame::End),
                        Some((line, Line::Object(_))) => (line, Frame::Record),
                        Some((line, Line::Bad { value, expected, too_long })) => {
                            (line, Frame::Invalid { value, expected, too_long })
                        }
                    }
                }
                #[cfg(feature = "parquet")]
                Framing::Parquet(p) => {
                    if p.read(&mut self.record, &self.path)? {
                        (p.row, Frame::Record)
                    } else {
                        (0, Frame::End)
                    }
                }
            };
            self.line = line;
            let row_group = self.row_group(line);
            let at = |column: Option<String>| Location { file: self.path.clone(), line, column, row_group };
            let err = match frame {
                Frame::End => return Ok(None),
                Frame::TooLong { field, prefix, record } => Error::BadRow {
                    location: at(self.headers.get(field).cloned()),
                    problem: RowProblem::FieldTooLong,
                    value: excerpt(&(String::from_utf8_lossy(&prefix).into_owned() + "…")),
                    expected: if record {
                        format!("a record of at most {} MiB (an unclosed quote?)", MAX_RECORD_BYTES >> 20)
                    } else {
                        format!("a field of at most {} KiB", MAX_FIELD_BYTES >> 10)
                    },
                },
                Frame::Invalid { value, expected, too_long } => Error::BadRow {
                    location: at(None),
                    problem: if too_long { RowProblem::FieldTooLong } else { RowProblem::Malformed },
                    value,
                    expected,
                },
                Frame::TooManyFields => Error::BadRow {
                    location: at(None),
                    problem: RowProblem::Malformed,
                    value: format!("over {MAX_FIELDS} fields"),
                    expected: format!("{} fields as in the header", self.headers.len()),
                },
                Frame::Record => {
                    // A completely blank line (e.g. a trailing one) is not a record.
                    if matches!(self.framer, Framing::Csv(_))
                        && self.record.len() == 1
                        && self.record.as_slice().iter().all(|b| b.is_ascii_whitespace())
                    {
                        continue;
                    }
                    if self.record.len() != self.headers.len() {
                        // A field holding a line break: most often a quote opened and never closed.
                        let spans = self.record.as_slice().contains(&b'\n');
                        Error::BadRow {
                            location: at(None),
                            problem: RowProblem::Malformed,
                            value: format!("{} fields", self.record.len()),
                            expected: format!(
                                "{} fields as in the header{}",
                                self.headers.len(),
                                if spans {
                                    "; a quoted field of this record runs over several lines (an unclosed quote?)"
                                } else {
                                    ""
                                }
                            ),
                        }
                    } else if let Some(i) = invalid_utf8_field(&self.record) {
                        Error::BadRow {
                            location: at(Some(self.headers[i].clone())),
                            problem: RowProblem::Malformed,
                            value: excerpt(&String::from_utf8_lossy(self.record.get(i).unwrap_or_default())),
                            expected: format!("UTF-8 text ({NOT_UTF8})"),
                        }
                    } else {
                        self.report.rows_read += 1;
                        return Ok(Some(None));
                    }
                }
            };
            self.report.rows_read += 1;
            return Ok(Some(Some(err)));
        }
    }

    /// Reports a bad current record: an error in strict mode; counted and skipped in lenient mode.
    pub fn reject(&mut self, e: FieldError) -> Result<()> {
        self.reject_at(self.line, e)
    }

    /// As [`CsvFile::reject`], for a record read earlier, at `line` (with its row group in a
    /// Parquet file).
    pub fn reject_at(&mut self, line: u64, e: FieldError) -> Result<()> {
        self.reject_in_group(line, self.row_group(line), e)
    }

    /// The row group (0-based) of data row `line` of a Parquet file; `None` for other formats.
    pub fn row_group(&self, line: u64) -> Option<u32> {
        match &self.framer {
            #[cfg(feature = "parquet")]
            Framing::Parquet(p) => super::parquet::group_of(&p.group_starts, line),
            _ => {
                let _ = line;
                None
            }
        }
    }

    /// Each row group's first data row (0-based) of a Parquet file (empty for other formats), to
    /// locate rows after the file is read ([`locate_in_group`]).
    pub fn row_group_starts(&self) -> Vec<u64> {
        match &self.framer {
            #[cfg(feature = "parquet")]
            Framing::Parquet(p) => p.group_starts.clone(),
            _ => Vec::new(),
        }
    }

    /// As [`CsvFile::reject_at`], for a Parquet row in `row_group` (0-based).
    pub fn reject_in_group(&mut self, line: u64, row_group: Option<u32>, e: FieldError) -> Result<()> {
        let err = Error::BadRow {
            location: Location { file: self.path.clone(), line, column: e.column, row_group },
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

    /// The bytes ahead in a CSV file's read buffer up to the end of its last whole line, and
    /// their position in the input ([`CsvFile::position`]), for a reader that frames plain lines
    /// itself ([`crate::io::events_csv`]); `None` for other formats or when no whole line is
    /// buffered. The reader takes what it read with [`CsvFile::take_plain_rows`].
    pub(crate) fn plain_lines(&mut self) -> Result<Option<(u64, &[u8])>> {
        let Framing::Csv(f) = &mut self.framer else { return Ok(None) };
        if !f.plain || !f.core_started {
            return Ok(None);
        }
        let at = f.consumed;
        let buf = f.src.fill_buf().map_err(|e| Error::io("read", &self.path, e))?;
        Ok(memchr::memrchr(b'\n', buf).map(|nl| (at, &buf[..=nl])))
    }

    /// Takes the first `bytes` of [`CsvFile::plain_lines`]: `rows` plain lines, each one record
    /// read and kept.
    pub(crate) fn take_plain_rows(&mut self, bytes: usize, rows: u64) {
        if let Framing::Csv(f) = &mut self.framer
            && rows > 0
        {
            f.consume(bytes);
            f.core.set_line(f.core.line() + rows);
            self.line = f.core.line() - 1;
            self.report.rows_read += rows;
            self.report.rows_loaded += rows;
        }
    }

    /// Bytes of a CSV input taken so far: where the next record (or blank line) starts (0 for
    /// other formats).
    pub(crate) fn position(&self) -> u64 {
        match &self.framer {
            Framing::Csv(f) => f.consumed,
            _ => 0,
        }
    }

    /// Gives a CSV file a read buffer of `capacity` bytes (what is buffered is kept), so that
    /// [`CsvFile::plain_lines`] hands out larger blocks.
    pub(crate) fn set_buffer(&mut self, capacity: usize) {
        if let Framing::Csv(f) = &mut self.framer {
            let old = std::mem::replace(&mut f.src, BufReader::new(Box::new(std::io::empty())));
            let buffered = old.buffer().to_vec();
            let inner = old.into_inner();
            f.src = BufReader::with_capacity(capacity, Box::new(std::io::Cursor::new(buffered).chain(inner)));
        }
    }
}

/// Checks that every `required` column is in `headers` (a CSV header read with `delimiter`).
fn check_required(path: &Path, headers: &[String], required: &[&str], delimiter: Option<u8>) -> Result<()> {
    let missing: Vec<&str> = required.iter().copied().filter(|r| !headers.iter().any(|h| h == r)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut reason = format!(
        "missing column{} {}; found {}",
        if missing.len() > 1 { "s" } else { "" },
        missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", "),
        headers.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ")
    );
    if let Some(delim) = delimiter
        && headers.len() == 1
    {
        for d in DELIMITERS {
            if d != delim && headers[0].contains(char::from(d)) {
                reason.push_str(&format!(
                    " (the file looks {}-delimited; read as {}-delimited)",
                    delimiter_name(d),
                    delimiter_name(delim)
                ));
                break;
            }
        }
    }
    Err(Error::BadHeader { file: path.to_owned(), reason })
}

/// Delimiters [`sniff_delimiter`] chooses among, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Longest header line read to sniff the delimiter: 1 MiB (a longer header is sniffed on its start).
const SNIFF_BYTES: usize = 1 << 20;

/// The delimiter of a CSV file, sniffed from its header line: the one of `, ; \t |` that occurs
/// most often outside quotes (a comma on a tie or when none occurs).
///
/// ```
/// use attrition::io::sniff_delimiter;
/// assert_eq!(sniff_delimiter(b"CustomerID;Churn;Tenure\n1;0;4\n"), b';');
/// assert_eq!(sniff_delimiter(b"id\tplan\tnote\n"), b'\t');
/// assert_eq!(sniff_delimiter(b"\"a;b\",c\n"), b',');
/// assert_eq!(sniff_delimiter(b"single\n"), b',');
/// ```
pub fn sniff_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                if let Some(k) = DELIMITERS.iter().position(|&d| d == b) {
                    counts[k] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for k in 1..DELIMITERS.len() {
        if counts[k] > counts[best] {
            best = k;
        }
    }
    DELIMITERS[best]
}

/// How a delimiter is named in messages: `comma`, `semicolon`, `tab`, `pipe` or the character.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b',' => "comma".into(),
        b';' => "semicolon".into(),
        b'\t' => "tab".into(),
        b'|' => "pipe".into(),
        other => format!("`{}`", char::from(other).escape_default()),
    }
}

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// `rdr`, decompressed if it starts with the gzip magic bytes (whatever the file is called; a
/// file of several gzip members, as `cat a.gz b.gz` makes, is read whole).
pub(crate) fn decompressed<'r>(mut rdr: Box<dyn Read + 'r>) -> std::io::Result<Box<dyn Read + 'r>> {
    let mut magic = [0u8; 2];
    let mut n = 0;
    // A pipe may deliver one byte at a time: read until two bytes or the end.
    while n < 2 {
        match rdr.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    let whole: Box<dyn Read + 'r> = Box::new(std::io::Cursor::new(magic[..n].to_vec()).chain(rdr));
    Ok(if n == 2 && magic == GZIP_MAGIC {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(1 << 16, whole)))
    } else {
        whole
    })
}

/// Reads `rdr` up to the end of its first line outside quotes (or [`SNIFF_BYTES`]), returning
/// what was read.
fn read_header_line(rdr: &mut Box<dyn Read + '_>) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 8192];
    let mut quoted = false;
    while head.len() < SNIFF_BYTES {
        let n = match rdr.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let start = head.len();
        head.extend_from_slice(&buf[..n]);
        for &b in &head[start..] {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => return Ok(head),
                _ => {}
            }
        }
    }
    Ok(head)
}

/// A view of the current record. Fields are valid UTF-8 (checked) and trimmed on access.
pub(crate) struct Record<'a> {
    record: &'a Fields,
    headers: &'a [String],
    line: u64,
    number: u64,
}

impl<'a> Record<'a> {
    /// Field `i`, trimmed.
    pub fn get(&self, i: usize) -> &'a str {
        raw_field(self.record, i)
    }

    /// Field `i` as bytes, trimmed exactly as [`Record::get`] trims it (empty when absent).
    pub fn bytes(&self, i: usize) -> &'a [u8] {
        trim_bytes(self.record.get(i).unwrap_or_default())
    }

    /// Line (1-based) of the record.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// 1-based number of the record among the data records (unreadable ones count).
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Column name of field `i`.
    pub fn name(&self, i: usize) -> &'a str {
        self.headers.get(i).map_or("", |s| s.as_str())
    }

    /// The raw record (every field valid UTF-8, untrimmed), to copy past the next read.
    pub fn raw(&self) -> &'a Fields {
        self.record
    }
}

/// Field `i` of `record` as trimmed text ("" when absent or not UTF-8; every field of a record
/// [`CsvFile::next_record`] returns is UTF-8).
pub(crate) fn raw_field(record: &Fields, i: usize) -> &str {
    record.get(i).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("").trim()
}

/// `field` (valid UTF-8) without leading and trailing whitespace, as `str::trim` has it: without
/// decoding when both ends are ASCII and not blank (most fields).
pub(crate) fn trim_bytes(field: &[u8]) -> &[u8] {
    let plain = |b: &u8| b.is_ascii() && !b.is_ascii_whitespace() && *b != 0x0B;
    match (field.first(), field.last()) {
        (Some(f), Some(l)) if plain(f) && plain(l) => field,
        (None, _) | (_, None) => field,
        _ => std::str::from_utf8(field).map_or(field, |s| s.trim().as_bytes()),
    }
}

/// What to do with a file that is not UTF-8 (said in its error).
const NOT_UTF8: &str = "is it in another encoding, such as Windows-1252 or Latin-1 (as Excel \
    writes `CSV` in many locales)? Save it as `CSV UTF-8`, or convert it: iconv -f WINDOWS-1252 -t UTF-8 IN > OUT";

/// What to do with a UTF-16 file (said in its error).
const UTF16: &str = "the file is UTF-16 (as Excel's `Unicode Text` is), and attrition reads UTF-8: save it \
    as `CSV UTF-8`, or convert it: iconv -f UTF-16 -t UTF-8 IN > OUT";

/// The first field of `record` that is not valid UTF-8. One check of the whole record (every field
/// starting on a character boundary, so no character straddles two fields); the field-by-field
/// search only on failure. The two agree: valid fields concatenate to valid text and never start
/// mid-character.
fn invalid_utf8_field(record: &Fields) -> Option<usize> {
    let bytes = record.as_slice();
    let boundaries = std::iter::once(0).chain(record.ends().iter().copied());
    let valid = std::str::from_utf8(bytes).is_ok()
        && boundaries.take(record.len()).all(|s| bytes.get(s).is_none_or(|&b| b & 0xC0 != 0x80));
    if valid {
        None
    } else {
        (0..record.len()).find(|&i| std::str::from_utf8(record.get(i).unwrap_or_default()).is_err())
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

    fn lines_and_errors(bytes: Vec<u8>, strictness: Strictness) -> (Vec<u64>, Vec<Error>) {
        let mut f = CsvFile::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            Path::new("t.csv"),
            &["a", "b"],
            &[],
            strictness,
        )
        .expect("header");
        let (mut lines, mut errors) = (Vec::new(), Vec::new());
        loop {
            match f.next_framed().expect("no I/O error") {
                None => return (lines, errors),
                Some(Framed::Record(r)) => lines.push(r.line()),
                Some(Framed::Unreadable(e, _)) => errors.push(e),
            }
        }
    }

    /// Every record, field and line number framed with and without the fast path for plain
    /// lines: the same, on inputs mixing plain lines, quotes, CRLF and lone CR line ends, blank
    /// lines, empty fields, a missing final line end and lines beyond the buffer.
    #[test]
    fn plain_lines_frame_exactly_as_csv_core_does() {
        fn frames(bytes: &[u8], delimiter: u8, plain: bool) -> Vec<(u64, String)> {
            let mut f = Framer::new(Box::new(std::io::Cursor::new(bytes.to_vec())), delimiter);
            f.plain = plain;
            let mut rec = Fields::default();
            let mut out = Vec::new();
            loop {
                let line = f.line();
                let frame = f.read(&mut rec).expect("in memory");
                let fields: Vec<String> = rec.iter().map(|x| String::from_utf8_lossy(x).into_owned()).collect();
                let kind = match frame {
                    Frame::End => return out,
                    Frame::Record => "record",
                    Frame::TooLong { .. } => "too long",
                    _ => "other",
                };
                out.push((line, format!("{kind} {fields:?}")));
            }
        }
        let pieces: [&[u8]; 14] = [
            b"a,b,c\n",
            b"1,2,3\r\n",
            b"\n",
            b"\r\n",
            b"x,\"q,uoted\",z\n",
            b"\"multi\nline\",y,z\n",
            b",,\n",
            b"lone,cr\rnext,line\n",
            b"  padded , field \n",
            b"tab\tsep;semi\n",
            b"\"\",\"\"\n",
            b"\xEF\xBB\xBFbom,x\n",
            b"one\n",
            b"\r",
        ];
        // A small deterministic generator (LCG) picking pieces.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for case in 0..400 {
            let mut bytes = Vec::new();
            let n = 1 + case % 12;
            for _ in 0..n {
                state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                bytes.extend_from_slice(pieces[(state >> 33) as usize % pieces.len()]);
            }
            if case % 3 == 0 {
                bytes.extend_from_slice(b"last,no,newline");
            }
            for d in [b',', b';', b'\t'] {
                assert_eq!(frames(&bytes, d, true), frames(&bytes, d, false), "{:?}", String::from_utf8_lossy(&bytes));
            }
        }
        // Many lines (across buffer refills) and a line longer than the fast path takes.
        let mut bytes = Vec::new();
        for i in 0..40_000 {
            bytes.extend_from_slice(format!("c{i},2024-01-01T00:00:{:02}Z,login,u{}\n", i % 60, i % 7).as_bytes());
            if i == 20_000 {
                bytes.extend(std::iter::repeat_n(b'w', MAX_FIELD_BYTES + 5));
                bytes.extend_from_slice(b",x\n");
            }
        }
        assert_eq!(frames(&bytes, b',', true), frames(&bytes, b',', false));
    }

    /// With CRLF line ends, errors name the line of the record (not the one before it).
    #[test]
    fn crlf_records_are_numbered_by_their_line() {
        let (lines, errors) =
            lines_and_errors(b"a,b\r\nok,1\r\n\"quoted\",2\r\nbad\r\nfine,3\r\n".to_vec(), Strictness::Lenient);
        assert_eq!(lines, vec![2, 3, 5]);
        match &errors[..] {
            [Error::BadRow { location, problem: RowProblem::Malformed, .. }] => assert_eq!(location.line, 4),
            other => panic!("expected one malformed record, got {other:?}"),
        }
    }

    /// A field over the limit is located (with its first bytes), is never kept whole, and the
    /// records after it are read with their own line numbers.
    #[test]
    fn a_long_field_is_refused_and_reading_resumes() {
        let mut bytes = b"a,b\nok,fine\nx,".to_vec();
        bytes.extend(std::iter::repeat_n(b'y', MAX_FIELD_BYTES + 10));
        bytes.extend(b"\n\"multi\nline\",z\nlast,one\n");
        let (lines, errors) = lines_and_errors(bytes.clone(), Strictness::Lenient);
        assert_eq!(lines, vec![2, 4, 6]);
        match &errors[..] {
            [Error::BadRow { location, problem: RowProblem::FieldTooLong, value, .. }] => {
                assert_eq!((location.line, location.column.as_deref()), (3, Some("b")));
                assert!(value.starts_with("yyyy") && value.len() < 100, "{value}");
            }
            other => panic!("expected one too-long field, got {other:?}"),
        }
        // next_record: strict stops there, lenient counts it.
        let mut f = CsvFile::from_reader(
            Box::new(std::io::Cursor::new(bytes)),
            Path::new("t.csv"),
            &["a", "b"],
            &[],
            Strictness::Lenient,
        )
        .expect("header");
        while f.next_record().expect("lenient").is_some() {}
        assert_eq!((f.report.rows_read, f.report.skipped.get(&RowProblem::FieldTooLong).copied()), (4, Some(1)));
    }

    /// An unclosed quote makes the rest of the input one record (RFC 4180 framing); past the
    /// record limit it is dropped unkept instead of growing without bound.
    #[test]
    fn an_unclosed_quote_is_one_bounded_record() {
        let mut bytes = b"a,b\n1,2\n3,\"4\n".to_vec();
        let row = b"5,6\n";
        while bytes.len() <= MAX_RECORD_BYTES + 1000 {
            bytes.extend_from_slice(row);
        }
        let (lines, errors) = lines_and_errors(bytes, Strictness::Lenient);
        assert_eq!(lines, vec![2]);
        match &errors[..] {
            [Error::BadRow { location, problem: RowProblem::FieldTooLong, .. }] => {
                assert_eq!((location.line, location.column.as_deref()), (3, Some("b")));
            }
            other => panic!("expected one over-long field, got {other:?}"),
        }
        // Many fields under the field limit that add up to more than the record limit.
        let field = vec![b'f'; MAX_FIELD_BYTES - 1];
        let mut bytes = b"a,b\n".to_vec();
        for _ in 0..=MAX_RECORD_BYTES / MAX_FIELD_BYTES {
            bytes.extend_from_slice(&field);
            bytes.push(b',');
        }
        bytes.extend(b"end\nlast,one\n");
        let (lines, errors) = lines_and_errors(bytes, Strictness::Lenient);
        assert_eq!(lines, vec![3]);
        match &errors[..] {
            [Error::BadRow { location, problem: RowProblem::FieldTooLong, expected, .. }] => {
                assert_eq!(location.line, 2);
                assert!(expected.contains("record of at most 16 MiB"), "{expected}");
            }
            other => panic!("expected one over-long record, got {other:?}"),
        }
    }
}
