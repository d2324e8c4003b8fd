//! Parquet in and out (cargo feature `parquet`, on by default), with the `arrow` and `parquet`
//! crates.
//!
//! **In.** A Parquet file is recognised by its magic bytes (`PAR1`), whatever it is called, and its
//! rows are framed into the same records as a CSV file's ([`super::csvfile`]), so every reader —
//! the raw tables, flat files for `evaluate`/`train`/`inspect`, scoring — reads Parquet unchanged,
//! with the schema file's `file = "x.parquet"` and column mapping. Values become the text a CSV
//! export would hold: integers and decimals their digits, floats Rust's shortest round-trip form,
//! booleans `true`/`false`, dates `YYYY-MM-DD`, timestamps RFC 3339 in UTC (`…Z`; a timestamp
//! without a time zone is read as UTC), strings (plain or dictionary-encoded) their text, `null`
//! and float `NaN` a blank (missing) field. Row numbers in messages are 1-based data rows
//! (`events.parquet row 42 column `timestamp``). Columns of nested types (lists, structs, maps)
//! and other unsupported types are an error when the reader needs them and otherwise left out and
//! listed as ignored. The raw-table reader checks every contract column's Parquet type
//! (a boolean `mrr` is [`crate::Error::ColumnType`]; an INT64 `timestamp` needs the schema's
//! `timestamp = "epoch_s"` or `"epoch_ms"`; a TIMESTAMP column needs no format).
//!
//! **Out.** [`write_dataset`] writes a [`Dataset`] (features) and [`csv_to_parquet`] a
//! CSV with typed columns (scores) as a Parquet file, zstd-compressed, through the same atomic
//! [`super::output`] files as every other output.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, BooleanArray, Date32Array, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::csvfile::{Fields, SourceType};
use crate::dataset::{ColumnData, Dataset};
use crate::error::{Error, Result};
use crate::io::output::{OutputFile, Overwrite};
use crate::io::tables::{CustomerIdx, Tables};

/// The first (and last) bytes of a Parquet file.
pub(crate) const MAGIC: &[u8; 4] = b"PAR1";

/// Rows decoded per batch.
const BATCH_ROWS: usize = 8192;

/// What a Parquet column is, for [`SourceType`] and messages.
fn source_type(dt: &DataType) -> Option<SourceType> {
    use DataType as D;
    Some(match dt {
        D::Utf8 | D::LargeUtf8 | D::Utf8View => SourceType::Text,
        D::Binary | D::LargeBinary | D::BinaryView => SourceType::Binary,
        D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 | D::UInt64 => SourceType::Integer,
        D::Float32 | D::Float64 => SourceType::Float,
        D::Decimal128(..) | D::Decimal256(..) => SourceType::Decimal,
        D::Boolean => SourceType::Boolean,
        D::Date32 | D::Date64 => SourceType::Date,
        D::Timestamp(..) => SourceType::Timestamp,
        D::Dictionary(_, v) => match source_type(v)? {
            t @ (SourceType::Text | SourceType::Binary | SourceType::Integer) => t,
            _ => return None,
        },
        _ => return None,
    })
}

/// The rows of a Parquet file, framed as records.
pub(crate) struct ParquetRows {
    reader: ParquetRecordBatchReader,
    /// The columns kept (indices into the batches).
    keep: Vec<usize>,
    batch: Option<RecordBatch>,
    /// Per kept column of a dictionary-encoded batch column: its keys as value indices.
    keys: Vec<Option<Vec<usize>>>,
    /// Next row of `batch`.
    at: usize,
    /// Per kept column: a timestamp read as its UTC calendar day (a date column of the contract).
    pub as_date: Vec<bool>,
    /// Rows framed so far.
    pub row: u64,
    /// The first data row (0-based) of each row group, to name a row's group in messages.
    pub group_starts: Vec<u64>,
}

/// An opened Parquet file: its rows, the kept columns' names and types, and the columns left out
/// (with their type).
pub(crate) struct Opened {
    pub rows: ParquetRows,
    pub headers: Vec<String>,
    pub types: Vec<SourceType>,
    pub left_out: Vec<(String, String)>,
}

/// Opens a Parquet file: `path` itself when it is a regular file holding `head` + `rest` (read
/// in place), else the bytes of `head` + `rest` (a pipe or a reader in memory).
pub(crate) fn open(head: &[u8], rest: Box<dyn Read + '_>, path: &Path) -> Result<Opened> {
    let bad = |e: parquet::errors::ParquetError| Error::io("read Parquet", path, std::io::Error::other(e.to_string()));
    fn build<T: parquet::file::reader::ChunkReader + 'static>(
        b: ParquetRecordBatchReaderBuilder<T>,
    ) -> parquet::errors::Result<(ParquetRecordBatchReader, arrow_schema::SchemaRef, Vec<u64>)> {
        let schema = b.schema().clone();
        let starts = group_starts(b.metadata());
        Ok((b.with_batch_size(BATCH_ROWS).build()?, schema, starts))
    }
    let (reader, arrow_schema, group_starts) =
        match std::fs::File::open(path).ok().filter(|f| f.metadata().is_ok_and(|m| m.is_file())) {
            Some(f) if starts_with_magic(&f) => {
                drop(rest);
                build(ParquetRecordBatchReaderBuilder::try_new(f).map_err(bad)?)
            }
            _ => {
                let mut bytes = head.to_vec();
                let mut rest = rest;
                rest.read_to_end(&mut bytes).map_err(|e| Error::io("read", path, e))?;
                build(ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes)).map_err(bad)?)
            }
        }
        .map_err(bad)?;
    let mut keep = Vec::new();
    let mut headers = Vec::new();
    let mut types = Vec::new();
    let mut left_out = Vec::new();
    for (i, f) in arrow_schema.fields().iter().enumerate() {
        match source_type(f.data_type()) {
            Some(t) => {
                keep.push(i);
                headers.push(f.name().trim().to_owned());
                types.push(t);
            }
            None => left_out.push((f.name().clone(), f.data_type().to_string())),
        }
    }
    let keys = vec![None; keep.len()];
    let as_date = vec![false; keep.len()];
    Ok(Opened {
        rows: ParquetRows { reader, keep, batch: None, keys, at: 0, as_date, row: 0, group_starts },
        headers,
        types,
        left_out,
    })
}

/// The first data row (0-based) of each row group of a file with `metadata`.
pub(crate) fn group_starts(metadata: &parquet::file::metadata::ParquetMetaData) -> Vec<u64> {
    metadata
        .row_groups()
        .iter()
        .scan(0u64, |s, g| {
            let start = *s;
            *s += g.num_rows().max(0) as u64;
            Some(start)
        })
        .collect()
}

/// The row group (0-based) holding 1-based data row `row`, given each group's first row
/// ([`group_starts`]); `None` for a file without row groups.
pub(crate) fn group_of(starts: &[u64], row: u64) -> Option<u32> {
    if starts.is_empty() {
        return None;
    }
    Some(u32::try_from(starts.partition_point(|&s| s < row).saturating_sub(1)).unwrap_or(u32::MAX))
}

fn starts_with_magic(mut f: &std::fs::File) -> bool {
    let mut m = [0u8; 4];
    f.read_exact(&mut m).is_ok() && &m == MAGIC
}

impl ParquetRows {
    /// Frames the next row into `rec`; `Ok(false)` at the end.
    pub fn read(&mut self, rec: &mut Fields, path: &Path) -> Result<bool> {
        loop {
            if let Some(b) = &self.batch
                && self.at < b.num_rows()
            {
                break;
            }
            match self.reader.next() {
                None => return Ok(false),
                Some(Err(e)) => {
                    return Err(Error::io(
                        "read Parquet",
                        path,
                        std::io::Error::other(format!("after row {}: {e}", self.row)),
                    ));
                }
                Some(Ok(b)) => {
                    for (k, &j) in self.keep.iter().enumerate() {
                        self.keys[k] = b.column(j).as_any_dictionary_opt().map(|d| d.normalized_keys());
                    }
                    self.batch = Some(b);
                    self.at = 0;
                }
            }
        }
        let b = self.batch.as_ref().expect("a batch with rows");
        let i = self.at;
        rec.start();
        for (k, &j) in self.keep.iter().enumerate() {
            let col = b.column(j);
            match &self.keys[k] {
                Some(keys) => {
                    let d = col.as_any_dictionary();
                    if !col.is_null(i) {
                        write_value(d.values().as_ref(), keys[i], rec.buf_mut());
                    }
                }
                None if self.as_date[k] => write_day(col.as_ref(), i, rec.buf_mut()),
                None => write_value(col.as_ref(), i, rec.buf_mut()),
            }
            rec.end_field();
        }
        self.at += 1;
        self.row += 1;
        Ok(true)
    }
}

/// Appends the text of `a[i]` (nothing for a null) to `out`.
fn write_value(a: &dyn Array, i: usize, out: &mut Vec<u8>) {
    use DataType as D;
    if a.is_null(i) {
        return;
    }
    let mut w = |s: std::fmt::Arguments<'_>| {
        let _ = out.write_fmt(s);
    };
    match a.data_type() {
        D::Utf8 => out.extend_from_slice(a.as_string::<i32>().value(i).as_bytes()),
        D::LargeUtf8 => out.extend_from_slice(a.as_string::<i64>().value(i).as_bytes()),
        D::Utf8View => out.extend_from_slice(a.as_string_view().value(i).as_bytes()),
        D::Binary => out.extend_from_slice(a.as_binary::<i32>().value(i)),
        D::LargeBinary => out.extend_from_slice(a.as_binary::<i64>().value(i)),
        D::BinaryView => out.extend_from_slice(a.as_binary_view().value(i)),
        D::Int8 => w(format_args!("{}", a.as_primitive::<Int8Type>().value(i))),
        D::Int16 => w(format_args!("{}", a.as_primitive::<Int16Type>().value(i))),
        D::Int32 => w(format_args!("{}", a.as_primitive::<Int32Type>().value(i))),
        D::Int64 => w(format_args!("{}", a.as_primitive::<Int64Type>().value(i))),
        D::UInt8 => w(format_args!("{}", a.as_primitive::<UInt8Type>().value(i))),
        D::UInt16 => w(format_args!("{}", a.as_primitive::<UInt16Type>().value(i))),
        D::UInt32 => w(format_args!("{}", a.as_primitive::<UInt32Type>().value(i))),
        D::UInt64 => w(format_args!("{}", a.as_primitive::<UInt64Type>().value(i))),
        D::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(i);
            if !v.is_nan() {
                w(format_args!("{v}"));
            }
        }
        D::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(i);
            if !v.is_nan() {
                w(format_args!("{v}"));
            }
        }
        D::Decimal128(..) => {
            out.extend_from_slice(a.as_primitive::<arrow_array::types::Decimal128Type>().value_as_string(i).as_bytes())
        }
        D::Decimal256(..) => {
            out.extend_from_slice(a.as_primitive::<arrow_array::types::Decimal256Type>().value_as_string(i).as_bytes())
        }
        D::Boolean => out.extend_from_slice(if a.as_boolean().value(i) { b"true" } else { b"false" }),
        D::Date32 => write_date(a.as_primitive::<Date32Type>().value(i) as i64, out),
        D::Date64 => write_date(a.as_primitive::<Date64Type>().value(i).div_euclid(86_400_000), out),
        D::Timestamp(unit, _) => {
            let (v, per) = match unit {
                TimeUnit::Second => (a.as_primitive::<TimestampSecondType>().value(i), 1),
                TimeUnit::Millisecond => (a.as_primitive::<TimestampMillisecondType>().value(i), 1_000),
                TimeUnit::Microsecond => (a.as_primitive::<TimestampMicrosecondType>().value(i), 1_000_000),
                TimeUnit::Nanosecond => (a.as_primitive::<TimestampNanosecondType>().value(i), 1_000_000_000),
            };
            let (secs, frac) = (v.div_euclid(per), v.rem_euclid(per));
            let nanos = (frac * (1_000_000_000 / per)) as u32;
            match chrono::DateTime::from_timestamp(secs, nanos) {
                Some(t) => out.extend_from_slice(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true).as_bytes()),
                // Beyond chrono's range: the raw number, which the timestamp check rejects.
                None => w(format_args!("{v}")),
            }
        }
        _ => {}
    }
}

/// Appends the UTC calendar day of timestamp `a[i]` (else as [`write_value`]).
fn write_day(a: &dyn Array, i: usize, out: &mut Vec<u8>) {
    let DataType::Timestamp(unit, _) = a.data_type() else { return write_value(a, i, out) };
    if a.is_null(i) {
        return;
    }
    let (v, per) = match unit {
        TimeUnit::Second => (a.as_primitive::<TimestampSecondType>().value(i), 1),
        TimeUnit::Millisecond => (a.as_primitive::<TimestampMillisecondType>().value(i), 1_000),
        TimeUnit::Microsecond => (a.as_primitive::<TimestampMicrosecondType>().value(i), 1_000_000),
        TimeUnit::Nanosecond => (a.as_primitive::<TimestampNanosecondType>().value(i), 1_000_000_000),
    };
    write_date(v.div_euclid(per * 86_400), out);
}

fn write_date(days: i64, out: &mut Vec<u8>) {
    const CE_TO_EPOCH: i64 = 719_163;
    match i32::try_from(days + CE_TO_EPOCH).ok().and_then(chrono::NaiveDate::from_num_days_from_ce_opt) {
        Some(d) => {
            let _ = write!(out, "{d}");
        }
        None => {
            let _ = write!(out, "{days}");
        }
    }
}

fn writer_props() -> WriterProperties {
    props_builder().build()
}

fn props_builder() -> parquet::file::properties::WriterPropertiesBuilder {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_created_by(format!("attrition {}", env!("CARGO_PKG_VERSION")))
}

fn write_err(e: parquet::errors::ParquetError) -> Error {
    Error::io("write Parquet", "output", std::io::Error::other(e.to_string()))
}

/// Rows per row group (and per record batch) written.
const WRITE_ROWS: usize = 64 * 1024;

/// Writes `ds` as a Parquet file to `out`: the same columns, in the same order, as
/// [`super::write_flat::write_flat_to`] (id and as-of when present, features, label), typed:
/// ids and categorical features UTF-8 strings (missing = null), numeric features DOUBLE
/// (missing = null), as-of DATE, the label BOOLEAN (`true` = churned).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::dataset::{Column, Dataset};
/// use attrition::io::flat::{load_flat, FlatOptions};
/// use attrition::io::write_flat::{write_flat, WriteFlatOptions};
/// let ds = Dataset::new(vec![
///     Column::numeric("mrr", vec![49.5, f64::NAN]),
///     Column::categorical("vertical", &[Some("retail"), None]),
/// ])?
/// .with_ids(vec!["c1".into(), "c2".into()])?
/// .with_churned(vec![false, true])?;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("features.parquet"); // the extension chooses Parquet
/// write_flat(&ds, &path, &WriteFlatOptions::default())?;
/// let back = load_flat(&path, &FlatOptions::new().id("customer_id").target("churned"))?.dataset;
/// assert_eq!(back.churned, ds.churned);
/// assert_eq!(back.column("vertical"), ds.column("vertical"));
/// assert!(back.column("mrr").unwrap().as_numeric().unwrap()[1].is_nan());
/// # Ok(()) }
/// ```
pub fn write_dataset<W: Write + Send>(
    ds: &Dataset,
    out: W,
    options: &super::write_flat::WriteFlatOptions,
) -> Result<()> {
    let mut fields = Vec::new();
    if ds.ids.is_some() {
        fields.push(Field::new(&options.id, DataType::Utf8, false));
    }
    if ds.as_of.is_some() {
        fields.push(Field::new(&options.as_of, DataType::Date32, false));
    }
    for c in &ds.columns {
        let dt = match &c.data {
            ColumnData::Numeric(_) => DataType::Float64,
            ColumnData::Categorical(_) => DataType::Utf8,
        };
        fields.push(Field::new(&c.name, dt, true));
    }
    if ds.churned.is_some() {
        fields.push(Field::new(&options.target, DataType::Boolean, false));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut w = ArrowWriter::try_new(out, schema.clone(), Some(writer_props())).map_err(write_err)?;
    let n = ds.n_rows();
    let mut start = 0;
    while start < n || (n == 0 && start == 0) {
        let end = (start + WRITE_ROWS).min(n);
        let r = start..end;
        let mut cols: Vec<ArrayRef> = Vec::new();
        if let Some(ids) = &ds.ids {
            cols.push(Arc::new(StringArray::from_iter_values(ids[r.clone()].iter())));
        }
        if let Some(dates) = &ds.as_of {
            let epoch = chrono::DateTime::UNIX_EPOCH.date_naive();
            let days = dates[r.clone()].iter().map(|d| (*d - epoch).num_days() as i32);
            cols.push(Arc::new(Date32Array::from_iter_values(days)));
        }
        for c in &ds.columns {
            cols.push(match &c.data {
                ColumnData::Numeric(v) => {
                    Arc::new(Float64Array::from_iter(v[r.clone()].iter().map(|x| (!x.is_nan()).then_some(*x))))
                }
                ColumnData::Categorical(cat) => Arc::new(StringArray::from_iter(r.clone().map(|i| cat.value(i)))),
            });
        }
        if let Some(y) = &ds.churned {
            cols.push(Arc::new(BooleanArray::from(y[r.clone()].to_vec())));
        }
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| write_err(e.into()))?;
        w.write(&batch).map_err(write_err)?;
        if n == 0 {
            break;
        }
        start = end;
    }
    w.close().map_err(write_err)?;
    Ok(())
}

/// How [`csv_to_parquet`] types a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutType {
    /// UTF-8 text; a blank field is null.
    Text,
    /// DOUBLE; a blank field is null.
    Float,
}

/// Converts a CSV written by this crate (a header line, comma-separated, RFC 4180 quoting) into a
/// Parquet file, typing each column by `types(name)`.
pub(crate) fn csv_to_parquet<W: Write + Send>(csv: impl Read, out: W, types: impl Fn(&str) -> OutType) -> Result<()> {
    let werr = |e: csv::Error| Error::io("read", "scores", std::io::Error::other(e.to_string()));
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(csv);
    let headers: Vec<String> = rdr.headers().map_err(werr)?.iter().map(str::to_owned).collect();
    let kinds: Vec<OutType> = headers.iter().map(|h| types(h)).collect();
    let fields: Vec<Field> = headers
        .iter()
        .zip(&kinds)
        .map(|(h, k)| Field::new(h, if *k == OutType::Float { DataType::Float64 } else { DataType::Utf8 }, true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let mut w = ArrowWriter::try_new(out, schema.clone(), Some(writer_props())).map_err(write_err)?;
    let mut rec = csv::StringRecord::new();
    let mut text: Vec<Vec<Option<String>>> = vec![Vec::new(); headers.len()];
    let mut nums: Vec<Vec<Option<f64>>> = vec![Vec::new(); headers.len()];
    let mut rows = 0usize;
    let mut pending = 0usize;
    let flush = |text: &mut Vec<Vec<Option<String>>>, nums: &mut Vec<Vec<Option<f64>>>, w: &mut ArrowWriter<W>| {
        let cols: Vec<ArrayRef> = kinds
            .iter()
            .enumerate()
            .map(|(j, k)| -> ArrayRef {
                match k {
                    OutType::Float => Arc::new(Float64Array::from(std::mem::take(&mut nums[j]))),
                    OutType::Text => Arc::new(StringArray::from(std::mem::take(&mut text[j]))),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| write_err(e.into()))?;
        w.write(&batch).map_err(write_err)
    };
    loop {
        if !rdr.read_record(&mut rec).map_err(werr)? {
            break;
        }
        for (j, k) in kinds.iter().enumerate() {
            let v = rec.get(j).unwrap_or("");
            match k {
                OutType::Float => nums[j].push(v.parse().ok()),
                OutType::Text => text[j].push((!v.is_empty()).then(|| v.to_owned())),
            }
        }
        rows += 1;
        pending += 1;
        if pending == WRITE_ROWS {
            flush(&mut text, &mut nums, &mut w)?;
            pending = 0;
        }
    }
    if pending > 0 || rows == 0 {
        flush(&mut text, &mut nums, &mut w)?;
    }
    w.close().map_err(write_err)?;
    Ok(())
}

/// A Parquet output file written through [`ArrowWriter`] into an atomic [`OutputFile`].
fn table_writer(path: &Path, schema: &Arc<Schema>) -> Result<ArrowWriter<OutputFile>> {
    table_writer_with(path, schema, writer_props())
}

fn table_writer_with(path: &Path, schema: &Arc<Schema>, props: WriterProperties) -> Result<ArrowWriter<OutputFile>> {
    let out = OutputFile::create(path, Overwrite::Replace)?;
    ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(|e| located(write_err(e), path))
}

/// Closes `w` and renames its file into place.
fn finish(w: ArrowWriter<OutputFile>, path: &Path) -> Result<()> {
    w.into_inner().map_err(|e| located(write_err(e), path))?.commit()
}

fn located(e: Error, path: &Path) -> Error {
    match e {
        Error::Io { action, source, .. } => Error::io(action, path, source),
        e => e,
    }
}

fn put(w: &mut ArrowWriter<OutputFile>, schema: &Arc<Schema>, cols: Vec<ArrayRef>, path: &Path) -> Result<()> {
    let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| located(write_err(e.into()), path))?;
    w.write(&batch).map_err(|e| located(write_err(e), path))
}

fn days(d: chrono::NaiveDate) -> i32 {
    (d - chrono::DateTime::UNIX_EPOCH.date_naive()).num_days() as i32
}

/// An amount as the CSV tables write it (two decimals), so both formats read back the same number.
fn cents(x: f64) -> f64 {
    format!("{x:.2}").parse().unwrap_or(x)
}

/// Writes the tables as `customers.parquet`, `subscriptions.parquet`, `events.parquet`,
/// `nps.parquet` and, when the tables hold a campaign, `campaign.parquet` into `dir` (created if
/// needed), each file atomically, with the contract's column names and native types: ids, names
/// and customer attributes UTF-8 (attributes as the CSV text, so both formats infer the same
/// kinds), dates DATE, event times TIMESTAMP (seconds, UTC; DELTA_BINARY_PACKED, uncompressed, as
/// each customer's events come in time order), amounts DOUBLE rounded to cents as
/// the CSV writes them, NPS scores INT32, `treated` BOOLEAN. [`crate::io::tables::read_tables`]
/// reads such a directory without a schema file (`NAME.parquet` when `NAME.csv` is absent) and
/// gives the same tables as from the CSV files. Deterministic: same tables, same bytes.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::parquet::write_tables;
/// use attrition::io::tables::{read_tables, ReadOptions};
/// use attrition::simulate::{simulate, SimulationParams};
/// let world = simulate(&SimulationParams { campaign_month: None, ..SimulationParams::new(50, 3, 7) })?;
/// let dir = tempfile::tempdir().unwrap();
/// write_tables(&world.tables, dir.path())?;
/// let back = read_tables(dir.path(), &ReadOptions::strict())?.tables;
/// assert_eq!(back.customers.len(), 50);
/// assert_eq!(back.events.len(), world.tables.events.len());
/// # Ok(()) }
/// ```
pub fn write_tables(tables: &Tables, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let date = |name: &str, nullable: bool| Field::new(name, DataType::Date32, nullable);
    let id = |c: CustomerIdx| tables.customer_id(c);

    // customers
    let path = dir.join("customers.parquet");
    let mut fields = vec![text("customer_id", false), date("signup_date", false)];
    fields.extend(tables.attributes.iter().map(|a| text(&a.name, true)));
    let schema = Arc::new(Schema::new(fields));
    let mut w = table_writer(&path, &schema)?;
    for r in chunks(tables.customers.len()) {
        let cs = &tables.customers[r.clone()];
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(cs.iter().map(|c| c.customer_id.as_str()))),
            Arc::new(Date32Array::from_iter_values(cs.iter().map(|c| days(c.signup_date)))),
        ];
        for a in &tables.attributes {
            cols.push(Arc::new(StringArray::from_iter(r.clone().map(|i| a.value(i as CustomerIdx)))));
        }
        put(&mut w, &schema, cols, &path)?;
    }
    finish(w, &path)?;

    // subscriptions
    let path = dir.join("subscriptions.parquet");
    let schema = Arc::new(Schema::new(vec![
        text("customer_id", false),
        text("product", false),
        date("start_date", false),
        date("end_date", true),
        Field::new("mrr", DataType::Float64, false),
    ]));
    let mut w = table_writer(&path, &schema)?;
    for r in chunks(tables.subscriptions.len()) {
        let ss = &tables.subscriptions[r];
        put(
            &mut w,
            &schema,
            vec![
                Arc::new(StringArray::from_iter_values(ss.iter().map(|s| id(s.customer)))),
                Arc::new(StringArray::from_iter_values(ss.iter().map(|s| s.product.as_str()))),
                Arc::new(Date32Array::from_iter_values(ss.iter().map(|s| days(s.start_date)))),
                Arc::new(Date32Array::from_iter(ss.iter().map(|s| s.end_date.map(days)))),
                Arc::new(Float64Array::from_iter_values(ss.iter().map(|s| cents(s.mrr)))),
            ],
            &path,
        )?;
    }
    finish(w, &path)?;

    // events
    let path = dir.join("events.parquet");
    let utc: Arc<str> = Arc::from("UTC");
    let schema = Arc::new(Schema::new(vec![
        text("customer_id", false),
        Field::new("timestamp", DataType::Timestamp(TimeUnit::Second, Some(utc.clone())), false),
        text("event_type", false),
        text("user_id", false),
    ]));
    let ev = &tables.events;
    // Event times, nearly all distinct, overflow a dictionary page; as each customer's events
    // come in time order, their differences (DELTA_BINARY_PACKED) are small and decode fast;
    // zstd does not shrink them further, so they are left uncompressed.
    let ts_col = parquet::schema::types::ColumnPath::from("timestamp");
    let props = props_builder()
        .set_column_dictionary_enabled(ts_col.clone(), false)
        .set_column_encoding(ts_col.clone(), parquet::basic::Encoding::DELTA_BINARY_PACKED)
        .set_column_compression(ts_col, Compression::UNCOMPRESSED)
        .build();
    let mut w = table_writer_with(&path, &schema, props)?;
    for r in chunks(ev.len()) {
        let ts = arrow_array::TimestampSecondArray::from_iter_values(ev.timestamp[r.clone()].iter().copied())
            .with_timezone(utc.clone());
        put(
            &mut w,
            &schema,
            vec![
                Arc::new(StringArray::from_iter_values(ev.customer[r.clone()].iter().map(|&c| id(c)))),
                Arc::new(ts),
                Arc::new(StringArray::from_iter_values(
                    ev.kind[r.clone()].iter().map(|&k| ev.kinds[k as usize].as_str()),
                )),
                Arc::new(StringArray::from_iter_values(ev.user[r].iter().map(|&u| ev.users[u as usize].as_str()))),
            ],
            &path,
        )?;
    }
    finish(w, &path)?;

    // nps
    let path = dir.join("nps.parquet");
    let schema = Arc::new(Schema::new(vec![
        text("customer_id", false),
        date("date", false),
        Field::new("score", DataType::Int32, false),
    ]));
    let mut w = table_writer(&path, &schema)?;
    for r in chunks(tables.nps.len()) {
        let ns = &tables.nps[r];
        put(
            &mut w,
            &schema,
            vec![
                Arc::new(StringArray::from_iter_values(ns.iter().map(|n| id(n.customer)))),
                Arc::new(Date32Array::from_iter_values(ns.iter().map(|n| days(n.date)))),
                Arc::new(arrow_array::Int32Array::from_iter_values(ns.iter().map(|n| i32::from(n.score)))),
            ],
            &path,
        )?;
    }
    finish(w, &path)?;

    // campaign
    if let Some(offers) = &tables.campaign {
        let path = dir.join("campaign.parquet");
        let schema = Arc::new(Schema::new(vec![
            text("customer_id", false),
            date("date", false),
            Field::new("treated", DataType::Boolean, false),
            Field::new("offer_cost", DataType::Float64, false),
        ]));
        let mut w = table_writer(&path, &schema)?;
        for r in chunks(offers.len()) {
            let os = &offers[r];
            put(
                &mut w,
                &schema,
                vec![
                    Arc::new(StringArray::from_iter_values(os.iter().map(|o| id(o.customer)))),
                    Arc::new(Date32Array::from_iter_values(os.iter().map(|o| days(o.date)))),
                    Arc::new(BooleanArray::from(os.iter().map(|o| o.treated).collect::<Vec<_>>())),
                    Arc::new(Float64Array::from_iter_values(os.iter().map(|o| cents(o.offer_cost)))),
                ],
                &path,
            )?;
        }
        finish(w, &path)?;
    }
    Ok(())
}

/// Row ranges of at most [`WRITE_ROWS`] covering `0..n` (one empty range when `n` is 0, so an
/// empty table still gets its schema written).
fn chunks(n: usize) -> impl Iterator<Item = std::ops::Range<usize>> {
    (0..n.max(1)).step_by(WRITE_ROWS).map(move |s| s..(s + WRITE_ROWS).min(n))
}
