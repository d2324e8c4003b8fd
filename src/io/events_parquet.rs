//! Usage events from a Parquet file, column by column (cargo feature `parquet`).
//!
//! The general Parquet reader ([`super::parquet`]) frames each row into text so that every table
//! reader takes Parquet unchanged; for the events, which are the bulk of a tables directory, that
//! costs a string per field and a timestamp formatted then parsed again. This reader instead
//! decodes Arrow record batches of the four contract columns only (a projection), with the text
//! columns (`customer_id`, `event_type`, `user_id`) read as dictionary arrays, so that each
//! distinct value is looked up or interned once per dictionary rather than once per row, and
//! timestamps are taken as integers. It gives exactly what the row path gives: the same checks in
//! the same order (customer, timestamp, range, signup, event type, user), the same errors (file,
//! 1-based data row, column — and here also the **row group**, 0-based as Parquet tools count
//! them), the same lenient counts, and the events in file order with types and users interned in
//! order of first appearance.
//!
//! It takes a regular file whose contract columns are plain or dictionary-encoded strings (ids,
//! names) and a TIMESTAMP, DATE, integer (with an epoch unit) or string `timestamp`; anything else
//! (integer ids, a pipe) is left to the row path.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Schema, TimeUnit};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use rayon::prelude::*;

use crate::error::{Error, Result, RowProblem};
use crate::io::csvfile::{CsvFile, FieldError};
use crate::io::parse::day_start;
use crate::io::schema::TimestampFormat;
use crate::io::tables::{CustomerIdx, EventsBuilder};

/// Rows decoded per batch.
const BATCH_ROWS: usize = 64 * 1024;

/// The file's names of the events' contract columns.
pub(crate) struct EventColumns<'a> {
    pub customer_id: &'a str,
    pub timestamp: &'a str,
    pub event_type: &'a str,
    pub user_id: Option<&'a str>,
}

/// How the `timestamp` column becomes UTC seconds.
#[derive(Clone, Copy)]
enum Time {
    /// A TIMESTAMP with this many units per second.
    Instant(i64),
    /// Days since the epoch (DATE32).
    Days,
    /// Milliseconds since the epoch (DATE64).
    DateMillis,
    /// Integers with this many units per second (the schema's `epoch_s` / `epoch_ms`).
    Epoch(i64),
    /// Text in the schema's format.
    Text,
}

/// Reads the events of the Parquet file `f` (already opened and header-checked by the caller)
/// into `b`, rejecting bad rows through `f` (an error in strict mode, a counted skip in lenient
/// mode). Returns `Ok(false)`, having read nothing, when the file is not one this reader takes;
/// the caller then reads it row by row.
pub(crate) fn read_events(
    f: &mut CsvFile<'_>,
    cols: &EventColumns<'_>,
    format: TimestampFormat,
    index: &HashMap<String, CustomerIdx>,
    signup: &[chrono::NaiveDate],
    max_timestamp: i64,
    b: &mut EventsBuilder,
) -> Result<bool> {
    let path = f.path.clone();
    let Some(file) = std::fs::File::open(&path).ok().filter(|h| h.metadata().is_ok_and(|m| m.is_file())) else {
        return Ok(false);
    };
    let bad = |e: parquet::errors::ParquetError| Error::io("read Parquet", &path, std::io::Error::other(e.to_string()));
    let builder = ParquetRecordBatchReaderBuilder::try_new(file.try_clone().map_err(|e| Error::io("read", &path, e))?)
        .map_err(bad)?;
    let schema = builder.schema().clone();
    let field = |name: &str| schema.fields().iter().position(|x| x.name().trim() == name);
    let mut names = vec![cols.customer_id, cols.timestamp, cols.event_type];
    names.extend(cols.user_id);
    let mut roots = Vec::new();
    let mut hinted: Vec<Arc<arrow_schema::Field>> = schema.fields().iter().cloned().collect();
    for (k, name) in names.iter().enumerate() {
        let Some(i) = field(name) else { return Ok(false) };
        roots.push(i);
        if k == 1 {
            continue;
        }
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        match schema.field(i).data_type() {
            DataType::Utf8 => hinted[i] = Arc::new(schema.field(i).as_ref().clone().with_data_type(dict)),
            d if *d == dict => {}
            _ => return Ok(false),
        }
    }
    let ts_field = schema.field(roots[1]);
    let time = match (ts_field.data_type(), format) {
        (DataType::Timestamp(unit, _), _) => Time::Instant(match unit {
            TimeUnit::Second => 1,
            TimeUnit::Millisecond => 1_000,
            TimeUnit::Microsecond => 1_000_000,
            TimeUnit::Nanosecond => 1_000_000_000,
        }),
        (DataType::Date32, _) => Time::Days,
        (DataType::Date64, _) => Time::DateMillis,
        (DataType::Int32 | DataType::Int64, TimestampFormat::EpochS) => Time::Epoch(1),
        (DataType::Int32 | DataType::Int64, TimestampFormat::EpochMs) => Time::Epoch(1_000),
        (DataType::Utf8, _) => Time::Text,
        _ => return Ok(false),
    };
    let hint = Arc::new(Schema::new_with_metadata(hinted, schema.metadata().clone()));
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new().with_schema(hint)).map_err(bad)?;
    let group_starts = super::parquet::group_starts(meta.metadata());
    let total = meta.metadata().file_metadata().num_rows().max(0) as usize;
    b.reserve(total);
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots.iter().copied());
    let reader = Batches::new(&path, file, meta, mask).map_err(bad)?;

    // Midnight (UTC seconds) of each customer's signup day: an event before it is refused.
    let signup_at: Vec<i64> = signup.iter().map(|&d| day_start(d)).collect();
    let mut customers = DictMap::default();
    let mut kinds = DictMap::default();
    let mut users = DictMap::default();
    let mut chunk = Chunk::default();
    let no_user = if cols.user_id.is_none() { Some(b.intern_user("")?) } else { None };
    let mut row = 0u64; // data rows before the batch
    for batch in reader {
        let batch = batch
            .map_err(|e| Error::io("read Parquet", &path, std::io::Error::other(format!("after row {row}: {e}"))))?;
        let col = |name: &str| batch.column_by_name(name).cloned();
        let (Some(c_arr), Some(t_arr), Some(k_arr)) =
            (col(cols.customer_id), col(cols.timestamp), col(cols.event_type))
        else {
            return Err(Error::io("read Parquet", &path, std::io::Error::other("a projected column is missing")));
        };
        let u_arr = cols.user_id.and_then(col);
        let c_dict = c_arr.as_dictionary::<Int32Type>();
        let k_dict = k_arr.as_dictionary::<Int32Type>();
        let u_dict = u_arr.as_ref().map(|u| u.as_dictionary::<Int32Type>());
        customers.follow(c_dict);
        kinds.follow(k_dict);
        if let Some(u) = u_dict {
            users.follow(u);
        }
        let times = Times::new(t_arr.as_ref(), time);
        // Each dictionary entry is trimmed and resolved once (customer index, interned type or
        // user, or why it cannot be one); a row is then its keys and its time.
        let c_keys = Keys::new(c_dict);
        let k_keys = Keys::new(k_dict);
        let u_keys = u_dict.map(Keys::new);
        // Without nulls in the batch, runs of rows whose values are all resolved and valid are
        // taken by the fast loop; the first row it does not take (a value seen for the first time,
        // or a bad row) is read by the row-by-row code below, and the fast loop resumes after it.
        let n = batch.num_rows();
        let fast = c_dict.keys().null_count() == 0
            && k_dict.keys().null_count() == 0
            && u_dict.is_none_or(|u| u.keys().null_count() == 0)
            && t_arr.null_count() == 0;
        let mut i = 0;
        while i < n {
            if fast {
                let run = Run {
                    customers: &customers.map,
                    customer_keys: c_keys.keys,
                    kinds: &kinds.map,
                    kind_keys: k_keys.keys,
                    users: u_keys.as_ref().map(|k| (users.map.as_slice(), k.keys)),
                    no_user: no_user.unwrap_or(0),
                    signup_at: &signup_at,
                    max_timestamp,
                };
                let taken = run.rows(&times, time, i, b, &mut chunk);
                f.report.rows_read += taken as u64;
                f.report.rows_loaded += taken as u64;
                i += taken;
                if i >= n {
                    break;
                }
            }
            let line = row + i as u64 + 1;
            f.report.rows_read += 1;
            let at = |e: FieldError| (line, group_of(&group_starts, line), e);
            let r = (|| {
                // customer_id
                let c = match c_keys.get(i) {
                    None => MISSING,
                    Some(k) => match customers.map[k] {
                        UNSET => {
                            let v = match customers.entry(c_dict, k) {
                                None | Some("") => MISSING,
                                Some(id) => index.get(id).copied().unwrap_or(UNKNOWN),
                            };
                            customers.map[k] = v;
                            v
                        }
                        v => v,
                    },
                };
                if c == MISSING || c == UNKNOWN {
                    let id = c_keys.get(i).and_then(|k| customers.entry(c_dict, k)).unwrap_or("");
                    return Err(at(if c == MISSING {
                        FieldError::new(RowProblem::MissingValue, cols.customer_id, id, "a customer id")
                    } else {
                        FieldError::new(
                            RowProblem::UnknownCustomer,
                            cols.customer_id,
                            id,
                            "a customer_id from customers.csv",
                        )
                    }));
                }
                // timestamp
                let t = times
                    .seconds(i, format)
                    .map_err(|v| at(FieldError::new(RowProblem::BadDate, cols.timestamp, &v, format.expected())))?;
                if !(0..max_timestamp).contains(&t) {
                    return Err(at(FieldError::new(
                        RowProblem::OutOfRange,
                        cols.timestamp,
                        &times.text(i),
                        match format {
                            TimestampFormat::EpochS if matches!(time, Time::Epoch(_)) => {
                                "a time between 1970 and 2200 (in milliseconds? set timestamp = \"epoch_ms\")"
                            }
                            TimestampFormat::EpochMs if matches!(time, Time::Epoch(_)) => {
                                "a time between 1970 and 2200 (in seconds? set timestamp = \"epoch_s\")"
                            }
                            _ => "a timestamp between 1970-01-01 and 2200-12-31",
                        },
                    )));
                }
                if t < signup_at[c as usize] {
                    return Err(at(FieldError::new(
                        RowProblem::BeforeSignup,
                        cols.timestamp,
                        &times.text(i),
                        format!("a time on or after the signup date {}", signup[c as usize]),
                    )));
                }
                // event_type: its key, once known not to be missing (interned when the row is kept).
                let k = match k_keys.get(i) {
                    Some(k) if kinds.present(k_dict, k) => k,
                    _ => {
                        return Err(at(FieldError::new(
                            RowProblem::MissingValue,
                            cols.event_type,
                            "",
                            "an event type",
                        )));
                    }
                };
                // user_id
                let u = match (u_dict.zip(u_keys.as_ref()), no_user) {
                    (_, Some(u)) => Ok(u),
                    (Some((d, keys)), None) => match keys.get(i) {
                        Some(k) if users.present(d, k) => Err(k),
                        _ => {
                            let name = cols.user_id.unwrap_or("user_id");
                            return Err(at(FieldError::new(RowProblem::MissingValue, name, "", "a user id")));
                        }
                    },
                    (None, None) => Ok(0),
                };
                Ok((c, t, k, u))
            })();
            match r {
                Ok((c, t, k, u)) => {
                    let kind = match kinds.map[k] {
                        UNSET => {
                            let v = u32::from(b.intern_kind(kinds.entry(k_dict, k).unwrap_or(""))?);
                            kinds.map[k] = v;
                            v
                        }
                        v => v,
                    } as u16;
                    let user = match (u, u_dict) {
                        (Ok(u), _) => u,
                        (Err(k), Some(d)) => match users.map[k] {
                            UNSET => {
                                let v = b.intern_user(users.entry(d, k).unwrap_or(""))?;
                                users.map[k] = v;
                                v
                            }
                            v => v,
                        },
                        (Err(_), None) => 0,
                    };
                    b.push_interned(c, t, kind, user);
                    f.accept();
                }
                Err((line, group, e)) => f.reject_in_group(line, Some(group), e)?,
            }
            i += 1;
        }
        row += n as u64;
    }
    Ok(true)
}

/// The record batches of the projected columns, in file order: row groups decoded in parallel
/// (a window of a few groups per thread at a time, so memory stays bounded), then handed out
/// one by one in order, so what is read from them is the same as from a serial reader.
enum Batches {
    /// One thread (or one row group): the plain reader.
    Serial(ParquetRecordBatchReader),
    Parallel(Box<ParallelGroups>),
}

struct ParallelGroups {
    path: std::path::PathBuf,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
    next_group: usize,
    groups: usize,
    window: usize,
    ready: std::collections::VecDeque<parquet::errors::Result<RecordBatch>>,
}

impl Batches {
    fn new(
        path: &std::path::Path,
        file: std::fs::File,
        meta: ArrowReaderMetadata,
        mask: ProjectionMask,
    ) -> parquet::errors::Result<Batches> {
        let groups = meta.metadata().num_row_groups();
        let threads = rayon::current_num_threads();
        if groups < 2 || threads < 2 {
            let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta);
            return Ok(Batches::Serial(builder.with_projection(mask).with_batch_size(BATCH_ROWS).build()?));
        }
        Ok(Batches::Parallel(Box::new(ParallelGroups {
            path: path.to_owned(),
            meta,
            mask,
            next_group: 0,
            groups,
            window: 2 * threads,
            ready: Default::default(),
        })))
    }
}

impl ParallelGroups {
    /// The batches of row group `g`, through a file handle of its own (handles cloned from one
    /// file share its offset, so concurrent reads through them would mix).
    fn decode(&self, g: usize) -> parquet::errors::Result<Vec<RecordBatch>> {
        let file = std::fs::File::open(&self.path)?;
        ParquetRecordBatchReaderBuilder::new_with_metadata(file, self.meta.clone())
            .with_projection(self.mask.clone())
            .with_row_groups(vec![g])
            .with_batch_size(BATCH_ROWS)
            .build()?
            .map(|b| b.map_err(parquet::errors::ParquetError::from))
            .collect()
    }
}

impl Iterator for Batches {
    type Item = parquet::errors::Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        let p = match self {
            Batches::Serial(r) => return r.next().map(|b| b.map_err(parquet::errors::ParquetError::from)),
            Batches::Parallel(p) => p,
        };
        if p.ready.is_empty() && p.next_group < p.groups {
            let end = (p.next_group + p.window).min(p.groups);
            let decoded: Vec<_> = (p.next_group..end).into_par_iter().map(|g| p.decode(g)).collect();
            p.next_group = end;
            for d in decoded {
                match d {
                    Ok(batches) => p.ready.extend(batches.into_iter().map(Ok)),
                    Err(e) => {
                        // The rows before the failing group are handed out first; then the error.
                        p.ready.push_back(Err(e));
                        p.next_group = p.groups;
                        break;
                    }
                }
            }
        }
        p.ready.pop_front()
    }
}

/// Rows the fast loop checks before appending them to the columns.
const CHUNK: usize = 512;

/// The fast loop's buffers for one chunk of rows ([`CHUNK`] each), made once per read.
struct Chunk {
    customer: Vec<u32>,
    timestamp: Vec<i64>,
    kind: Vec<u16>,
    user: Vec<u32>,
}

impl Default for Chunk {
    fn default() -> Self {
        Chunk { customer: vec![0; CHUNK], timestamp: vec![0; CHUNK], kind: vec![0; CHUNK], user: vec![0; CHUNK] }
    }
}

/// What the fast loop reads a run of rows with: each dictionary's map (entry → customer index,
/// interned type or user; `UNSET`, `MISSING` or `UNKNOWN` when not resolved to one), the keys of
/// the batch, and the bounds of a valid time.
struct Run<'a> {
    customers: &'a [u32],
    customer_keys: &'a [i32],
    kinds: &'a [u32],
    kind_keys: &'a [i32],
    /// The users' map and keys; `None` without a `user_id` column (every event then has
    /// `no_user`).
    users: Option<(&'a [u32], &'a [i32])>,
    no_user: u32,
    signup_at: &'a [i64],
    max_timestamp: i64,
}

impl Run<'_> {
    /// Pushes to `b` the rows from `from` on, up to the first one that is not certainly kept as
    /// it is: a key whose entry is not resolved yet (or is missing or unknown), or a time that is
    /// negative, at or past the end of the range, or before the customer's signup day. Returns
    /// the number of rows pushed. A row it takes is one the row-by-row code would keep with the
    /// same values (for a non-negative time, the integer division is its `div_euclid`), so
    /// leaving the rest to that code changes nothing. 0 for a text timestamp.
    fn rows(&self, times: &Times<'_>, time: Time, from: usize, b: &mut EventsBuilder, chunk: &mut Chunk) -> usize {
        match (times.values, time) {
            (Values::I64(v), Time::Instant(1) | Time::Epoch(1)) => self.run(v, from, b, chunk, |x| x),
            (Values::I64(v), Time::Instant(1_000) | Time::Epoch(1_000)) => self.run(v, from, b, chunk, |x| x / 1_000),
            (Values::I64(v), Time::Instant(1_000_000)) => self.run(v, from, b, chunk, |x| x / 1_000_000),
            (Values::I64(v), Time::Instant(1_000_000_000)) => self.run(v, from, b, chunk, |x| x / 1_000_000_000),
            (Values::I64(v), Time::DateMillis) => self.run(v, from, b, chunk, |x| x / 86_400_000 * 86_400),
            (Values::I32(v), Time::Days) => self.run(v, from, b, chunk, |x| x * 86_400),
            (Values::I32(v), Time::Epoch(1)) => self.run(v, from, b, chunk, |x| x),
            (Values::I32(v), Time::Epoch(1_000)) => self.run(v, from, b, chunk, |x| x / 1_000),
            _ => 0,
        }
    }

    /// [`Run::rows`] for one type of raw time, `secs` turning a non-negative raw value into
    /// seconds. Rows are checked a chunk at a time into buffers on the stack, then appended to
    /// the columns with one copy each.
    #[inline(always)]
    fn run<T: Copy + Into<i64>>(
        &self,
        raw: &[T],
        from: usize,
        b: &mut EventsBuilder,
        chunk: &mut Chunk,
        secs: impl Fn(i64) -> i64,
    ) -> usize {
        let n = raw.len().min(self.customer_keys.len()).min(self.kind_keys.len());
        let (customer, timestamp, kind, user) = b.columns_mut();
        let Chunk { customer: cs, timestamp: ts, kind: ks, user: us } = chunk;
        let (cs, ts, ks, us) = (&mut cs[..CHUNK], &mut ts[..CHUNK], &mut ks[..CHUNK], &mut us[..CHUNK]);
        let mut i = from;
        while i < n {
            let len = (n - i).min(CHUNK);
            let mut m = 0;
            while m < len {
                let r = i + m;
                let Some(&c) = self.customers.get(self.customer_keys[r] as usize) else { break };
                if c >= UNKNOWN {
                    break;
                }
                let v: i64 = raw[r].into();
                if v < 0 {
                    break;
                }
                let t = secs(v);
                if t >= self.max_timestamp || self.signup_at.get(c as usize).is_none_or(|&s| t < s) {
                    break;
                }
                let Some(&k) = self.kinds.get(self.kind_keys[r] as usize) else { break };
                if k >= UNKNOWN {
                    break;
                }
                let u = match self.users {
                    None => self.no_user,
                    Some((map, keys)) => match keys.get(r).and_then(|&key| map.get(key as usize)) {
                        Some(&u) if u < UNKNOWN => u,
                        _ => break,
                    },
                };
                cs[m] = c;
                ts[m] = t;
                ks[m] = k as u16;
                us[m] = u;
                m += 1;
            }
            customer.extend_from_slice(&cs[..m]);
            timestamp.extend_from_slice(&ts[..m]);
            kind.extend_from_slice(&ks[..m]);
            user.extend_from_slice(&us[..m]);
            i += m;
            if m < len {
                break;
            }
        }
        i - from
    }
}

/// The row group (0-based) holding 1-based data row `line`.
fn group_of(starts: &[u64], line: u64) -> u32 {
    super::parquet::group_of(starts, line).unwrap_or(0)
}

const UNSET: u32 = u32::MAX;
const MISSING: u32 = u32::MAX - 1;
const UNKNOWN: u32 = u32::MAX - 2;

/// What each value of the current dictionary maps to (`UNSET` until first used), kept while
/// batches share the dictionary (the Parquet reader hands out one per column chunk).
#[derive(Default)]
struct DictMap {
    /// The dictionary the map is for, held so that its memory cannot be reused by another one.
    values: Option<ArrayRef>,
    map: Vec<u32>,
}

impl DictMap {
    fn follow(&mut self, d: &DictionaryArray<Int32Type>) {
        // The held dictionary stays allocated, so another one cannot have the same buffers.
        let buffers = |a: &ArrayRef| {
            let s = a.as_string::<i32>();
            (s.values().as_ptr(), s.offsets().inner().inner().as_ptr(), s.len())
        };
        let same =
            self.values.as_ref().is_some_and(|v| Arc::ptr_eq(v, d.values()) || buffers(v) == buffers(d.values()));
        if !same {
            self.values = Some(d.values().clone());
            self.map.clear();
            self.map.resize(d.values().len(), UNSET);
        }
    }

    /// Entry `k`'s trimmed text, `None` for a null.
    fn entry<'d>(&self, d: &'d DictionaryArray<Int32Type>, k: usize) -> Option<&'d str> {
        let v: &StringArray = d.values().as_string::<i32>();
        (!v.is_null(k)).then(|| v.value(k).trim())
    }

    /// Whether entry `k` is a value (not null, not blank): known once resolved, else read (and
    /// `MISSING` remembered for an entry that is not).
    fn present(&mut self, d: &DictionaryArray<Int32Type>, k: usize) -> bool {
        match self.map[k] {
            MISSING => false,
            UNSET => {
                let ok = self.entry(d, k).is_some_and(|s| !s.is_empty());
                if !ok {
                    self.map[k] = MISSING;
                }
                ok
            }
            _ => true,
        }
    }
}

/// The keys of a dictionary column of one batch: each row's key, `None` for a null.
struct Keys<'a> {
    keys: &'a [i32],
    array: &'a arrow_array::PrimitiveArray<Int32Type>,
}

impl<'a> Keys<'a> {
    fn new(d: &'a DictionaryArray<Int32Type>) -> Self {
        Keys { keys: d.keys().values(), array: d.keys() }
    }

    #[inline]
    fn get(&self, i: usize) -> Option<usize> {
        if self.array.is_null(i) {
            return None;
        }
        Some(self.keys[i] as usize)
    }
}

/// The `timestamp` column of one batch: its values taken out of the array once per batch.
struct Times<'a> {
    a: &'a dyn Array,
    time: Time,
    values: Values<'a>,
    /// Whether any value is null (else no row is checked for it).
    nulls: bool,
}

/// The raw values of a `timestamp` column (`None` for text).
#[derive(Clone, Copy)]
enum Values<'a> {
    I64(&'a [i64]),
    I32(&'a [i32]),
    None,
}

/// Seconds that `chrono` represents as an instant, whatever the unit: 0 to the end of year 9999
/// (chrono reaches year 262,143), so a value in this range needs no check through chrono.
const PLAIN_SECONDS: std::ops::Range<i64> = 0..253_402_300_800;

impl<'a> Times<'a> {
    fn new(a: &'a dyn Array, time: Time) -> Self {
        let values = match a.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => Values::I64(a.as_primitive::<TimestampSecondType>().values()),
            DataType::Timestamp(TimeUnit::Millisecond, _) => {
                Values::I64(a.as_primitive::<TimestampMillisecondType>().values())
            }
            DataType::Timestamp(TimeUnit::Microsecond, _) => {
                Values::I64(a.as_primitive::<TimestampMicrosecondType>().values())
            }
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                Values::I64(a.as_primitive::<TimestampNanosecondType>().values())
            }
            DataType::Date32 => Values::I32(a.as_primitive::<Date32Type>().values()),
            DataType::Date64 => Values::I64(a.as_primitive::<Date64Type>().values()),
            DataType::Int32 => Values::I32(a.as_primitive::<Int32Type>().values()),
            DataType::Int64 => Values::I64(a.as_primitive::<Int64Type>().values()),
            _ => Values::None,
        };
        Times { a, time, values, nulls: a.null_count() > 0 }
    }

    fn is_null(&self, i: usize) -> bool {
        self.nulls && self.a.is_null(i)
    }

    #[inline]
    fn raw(&self, i: usize) -> i64 {
        match self.values {
            Values::I64(v) => v[i],
            Values::I32(v) => i64::from(v[i]),
            Values::None => 0,
        }
    }

    /// UTC seconds of row `i`, or the value's text when it is not a time (as the row path would
    /// have read it).
    #[inline]
    fn seconds(&self, i: usize, format: TimestampFormat) -> std::result::Result<i64, String> {
        if self.is_null(i) {
            return Err(String::new());
        }
        if let Time::Text = self.time {
            let s = self.a.as_string::<i32>().value(i).trim();
            return format.parse(s).ok_or_else(|| s.to_owned());
        }
        let v = self.raw(i);
        let secs = match self.time {
            Time::Instant(per) => v.div_euclid(per),
            Time::Days => v.saturating_mul(86_400),
            Time::DateMillis => v.div_euclid(86_400_000).saturating_mul(86_400),
            // As the text `epoch_s`/`epoch_ms` parser: at most 10^15 seconds either side.
            Time::Epoch(per) => {
                let s = v.div_euclid(per);
                return if s.unsigned_abs() < 1_000_000_000_000_000 { Ok(s) } else { Err(self.text(i)) };
            }
            Time::Text => return Err(String::new()),
        };
        if PLAIN_SECONDS.contains(&secs) {
            return Ok(secs);
        }
        // What chrono cannot represent was written as its raw number, which no format reads.
        match chrono::DateTime::from_timestamp(secs, 0) {
            Some(_) => Ok(secs),
            None => Err(v.to_string()),
        }
    }

    /// Row `i` as the row path shows it in messages.
    fn text(&self, i: usize) -> String {
        if self.is_null(i) {
            return String::new();
        }
        match self.time {
            Time::Text => self.a.as_string::<i32>().value(i).trim().to_owned(),
            Time::Epoch(_) => self.raw(i).to_string(),
            Time::Days | Time::DateMillis => {
                let secs = self.seconds(i, TimestampFormat::Rfc3339).unwrap_or(0);
                chrono::DateTime::from_timestamp(secs, 0)
                    .map_or_else(|| self.raw(i).to_string(), |d| d.date_naive().to_string())
            }
            Time::Instant(per) => {
                let v = self.raw(i);
                let nanos = (v.rem_euclid(per) * (1_000_000_000 / per)) as u32;
                chrono::DateTime::from_timestamp(v.div_euclid(per), nanos)
                    .map_or_else(|| v.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
        }
    }
}
