//! Usage events from CSV and JSON Lines records, parsed from their bytes.
//!
//! The events are the bulk of a tables directory, so their rows skip what the general record
//! path costs per field: the customer id, event type and user id are looked up by their bytes
//! (no UTF-8 decoding, no string built per row; each distinct type and user is decoded and
//! interned once), the last customer and user are remembered (exports come grouped by customer), and
//! timestamps in the common shapes (`…Z`, whole epoch numbers) are read from bytes. The checks,
//! their order, the errors (file, line, column, value) and the lenient counts are exactly those
//! of the general path: customer (missing, unknown), timestamp (unreadable, outside 1970–2200,
//! before the signup day), event type (missing), user (missing); a row's type and user are
//! interned only once the row is accepted, so types keep their order of first appearance.

use std::collections::HashMap;

use crate::error::{Result, RowProblem};
use crate::io::csvfile::{FieldError, Record};
use crate::io::events_csv::Parsed;
use crate::io::schema::TimestampFormat;
use crate::io::tables::{CustomerIdx, EventsBuilder, FastHash};

/// The checks of one event row, shared by the row-by-row reader ([`EventRows`]) and the workers
/// of the fused CSV pass ([`crate::io::events_csv`]), which run them on several threads.
pub(crate) struct Checker<'i> {
    /// Columns: customer id, timestamp, event type, user id (`usize::MAX`: none).
    pub cols: [usize; 4],
    /// Their names, for messages.
    names: [String; 4],
    ids: HashMap<&'i [u8], CustomerIdx, FastHash>,
    signup: &'i [chrono::NaiveDate],
    /// Midnight (UTC seconds) of each signup day: an event before it is refused.
    signup_at: Vec<i64>,
    format: TimestampFormat,
    /// The first second after the last accepted day.
    max_timestamp: i64,
}

/// What a reader remembers from row to row to skip work (exports come grouped by customer and in
/// time order): the last customer id and the last month of a `…Z` timestamp.
#[derive(Debug, Default)]
pub(crate) struct RowCache {
    /// The previous row's customer id and index.
    last: Option<(Vec<u8>, CustomerIdx)>,
    /// The `YYYY-MM-` of the last `YYYY-MM-DDTHH:MM:SSZ` timestamp read (as a little-endian
    /// word), the day number of that month's first day and the month's length in days.
    month: Option<(u64, i64, i64)>,
}

/// A row's customer and time, or its problem.
type Checked = std::result::Result<(CustomerIdx, i64), FieldError>;

impl<'i> Checker<'i> {
    pub fn new(
        cols: [usize; 4],
        names: [String; 4],
        index: &'i HashMap<String, CustomerIdx>,
        signup: &'i [chrono::NaiveDate],
        format: TimestampFormat,
        max_timestamp: i64,
    ) -> Self {
        let mut ids = HashMap::with_capacity_and_hasher(index.len(), FastHash::default());
        ids.extend(index.iter().map(|(k, &v)| (k.as_bytes(), v)));
        Checker {
            cols,
            names,
            ids,
            signup,
            signup_at: signup.iter().map(|&d| crate::io::parse::day_start(d)).collect(),
            format,
            max_timestamp,
        }
    }

    /// Whether the table has a user column.
    pub fn has_user(&self) -> bool {
        self.cols[3] != usize::MAX
    }

    /// Checks a row's (trimmed) fields in the reader's order: customer (missing, unknown),
    /// timestamp (unreadable, outside 1970–2200, before the signup day), event type (missing),
    /// user (missing, when the table has the column: pass `b""` otherwise).
    pub fn check(&self, cache: &mut RowCache, id: &[u8], ts: &[u8], kind: &[u8], user: &[u8]) -> Checked {
        let customer = match &mut cache.last {
            Some((last, idx)) if !id.is_empty() && same(last, id) => *idx,
            _ => {
                if id.is_empty() {
                    return Err(FieldError::new(RowProblem::MissingValue, &self.names[0], "", "a customer id"));
                }
                let Some(&idx) = self.ids.get(id) else {
                    return Err(FieldError::new(
                        RowProblem::UnknownCustomer,
                        &self.names[0],
                        text(id),
                        "a customer_id from customers.csv",
                    ));
                };
                let last = cache.last.get_or_insert_with(|| (Vec::new(), idx));
                last.0.clear();
                last.0.extend_from_slice(id);
                last.1 = idx;
                idx
            }
        };
        let format = self.format;
        let t = self
            .timestamp(cache, ts)
            .ok_or_else(|| FieldError::new(RowProblem::BadDate, &self.names[1], text(ts), format.expected()))?;
        // The dates' range: a timestamp in 9999 is a sentinel or a clock error, not an event.
        if !(0..self.max_timestamp).contains(&t) {
            return Err(FieldError::new(
                RowProblem::OutOfRange,
                &self.names[1],
                text(ts),
                match format {
                    TimestampFormat::EpochS => {
                        "a time between 1970 and 2200 (in milliseconds? set timestamp = \"epoch_ms\")"
                    }
                    TimestampFormat::EpochMs => {
                        "a time between 1970 and 2200 (in seconds? set timestamp = \"epoch_s\")"
                    }
                    _ => "a timestamp between 1970-01-01 and 2200-12-31",
                },
            ));
        }
        // `t` is in 1970..2200 here, so before midnight of the signup day is before the signup day.
        if t < self.signup_at[customer as usize] {
            return Err(FieldError::new(
                RowProblem::BeforeSignup,
                &self.names[1],
                text(ts),
                format!("a time on or after the signup date {}", self.signup[customer as usize]),
            ));
        }
        if kind.is_empty() {
            return Err(FieldError::new(RowProblem::MissingValue, &self.names[2], "", "an event type"));
        }
        if self.has_user() && user.is_empty() {
            return Err(FieldError::new(RowProblem::MissingValue, &self.names[3], "", "a user id"));
        }
        Ok((customer, t))
    }

    /// Whether timestamps may be `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339 or date-time formats).
    pub fn utc_z_timestamps(&self) -> bool {
        matches!(self.format, TimestampFormat::Rfc3339 | TimestampFormat::Datetime)
    }

    /// [`TimestampFormat::parse_bytes`], with a `YYYY-MM-DDTHH:MM:SSZ` timestamp in the same
    /// month as the last one read from the month in `cache` (only the day and clock are read,
    /// checked as `parse_utc_z` checks them): the same value.
    fn timestamp(&self, cache: &mut RowCache, ts: &[u8]) -> Option<i64> {
        // The shape `parse_utc_z` reads (and `parse_bytes` tries first for these formats).
        let utc_z = ts.len() == 20
            && self.utc_z_timestamps()
            && (ts[10] == b'T' || ts[10] == b' ')
            && ts[19] == b'Z'
            && ts[13] == b':'
            && ts[16] == b':';
        if !utc_z {
            return self.format.parse_bytes(ts);
        }
        let prefix = word(ts);
        if let Some((month, first, len)) = cache.month
            && prefix == month
            && let (Some(d), Some(s)) = (two_digits(&ts[8..10]), clock(&ts[11..19]))
            && (1..=len).contains(&d)
        {
            return Some((first + d - 1) * 86_400 + s);
        }
        let t = self.format.parse_bytes(ts)?;
        // A value read means digits everywhere they belong and a real day.
        if let (Some(y), Some(m), Some(d)) = (digits(&ts[0..4]), two_digits(&ts[5..7]), two_digits(&ts[8..10])) {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let len = match m {
                2 if leap => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            cache.month = Some((prefix, t.div_euclid(86_400) - (d - 1), len));
        }
        Some(t)
    }
}

/// The first eight bytes of `b` (at least eight) as a little-endian word.
#[inline]
fn word(b: &[u8]) -> u64 {
    b.get(..8).and_then(|w| <[u8; 8]>::try_from(w).ok()).map_or(0, u64::from_le_bytes)
}

/// Byte-slice equality for short ids, a word at a time (no call into `memcmp`).
#[inline]
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (mut ca, mut cb) = (a.chunks_exact(8), b.chunks_exact(8));
    for (x, y) in (&mut ca).zip(&mut cb) {
        if word(x) != word(y) {
            return false;
        }
    }
    ca.remainder() == cb.remainder()
}

/// The value of ASCII digits (`None` if any is not one).
fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |v, c| c.is_ascii_digit().then(|| v * 10 + i64::from(c - b'0')))
}

/// The value of two ASCII digits.
#[inline]
fn two_digits(b: &[u8]) -> Option<i64> {
    match b {
        [x @ b'0'..=b'9', y @ b'0'..=b'9'] => Some(i64::from(x - b'0') * 10 + i64::from(y - b'0')),
        _ => None,
    }
}

/// Seconds since midnight of `HH:MM:SS` (the colons checked by the caller), as `parse_utc_z`
/// reads it: `None` unless digits within 23:59:59.
#[inline]
fn clock(b: &[u8]) -> Option<i64> {
    let (h, m, s) = (two_digits(b.get(0..2)?)?, two_digits(b.get(3..5)?)?, two_digits(b.get(6..8)?)?);
    (h <= 23 && m <= 59 && s <= 59).then_some(h * 3600 + m * 60 + s)
}

/// Reads event records into an [`EventsBuilder`].
pub(crate) struct EventRows<'i> {
    /// The checks, shared with the fused CSV pass's workers.
    pub check: Checker<'i>,
    cache: RowCache,
    kinds: HashMap<Box<[u8]>, u16, FastHash>,
    users: HashMap<Box<[u8]>, u32, FastHash>,
    /// The previous kept row's user id and index (a customer's rows mostly repeat one user).
    last_user: Option<(Vec<u8>, u32)>,
}

impl<'i> EventRows<'i> {
    pub fn new(check: Checker<'i>) -> Self {
        EventRows {
            check,
            cache: RowCache::default(),
            kinds: HashMap::default(),
            users: HashMap::default(),
            last_user: None,
        }
    }

    /// Adds the event of `rec` to `b`: `Ok(Ok(()))` when kept, `Ok(Err(problem))` for a bad
    /// row (for the caller to reject), `Err` when the table cannot go on (too many types or users).
    pub fn push(&mut self, rec: &Record<'_>, b: &mut EventsBuilder) -> Result<std::result::Result<(), FieldError>> {
        let c = self.check.cols;
        let (kind, user) = (rec.bytes(c[2]), if c[3] == usize::MAX { &b""[..] } else { rec.bytes(c[3]) });
        let (customer, t) = match self.check.check(&mut self.cache, rec.bytes(c[0]), rec.bytes(c[1]), kind, user) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let k = self.kind(kind, b)?;
        let u = match &mut self.last_user {
            Some((last, u)) if same(last, user) => *u,
            _ => {
                let u = self.user(user, b)?;
                let last = self.last_user.get_or_insert_with(|| (Vec::new(), u));
                last.0.clear();
                last.0.extend_from_slice(user);
                last.1 = u;
                u
            }
        };
        b.push_interned(customer, t, k, u);
        Ok(Ok(()))
    }

    /// The index of event type `kind`, interned in `b` on its first appearance.
    fn kind(&mut self, kind: &[u8], b: &mut EventsBuilder) -> Result<u16> {
        Ok(match self.kinds.get(kind) {
            Some(&k) => k,
            None => {
                let k = b.intern_kind(text(kind))?;
                self.kinds.insert(kind.into(), k);
                k
            }
        })
    }

    /// The index of user id `user`, interned in `b` on its first appearance.
    fn user(&mut self, user: &[u8], b: &mut EventsBuilder) -> Result<u32> {
        Ok(match self.users.get(user) {
            Some(&u) => u,
            None => {
                let u = b.intern_user(text(user))?;
                self.users.insert(user.into(), u);
                u
            }
        })
    }

    /// Adds the events a worker of the fused CSV pass parsed (rows kept, in file order) to `b`:
    /// their local type and user numbers become `b`'s, interned in their order of first
    /// appearance, so the result is what reading the rows one by one gives.
    pub fn merge(&mut self, p: &Parsed, b: &mut EventsBuilder) -> Result<()> {
        let kinds = p.kinds.iter().map(|k| self.kind(k, b)).collect::<Result<Vec<u16>>>()?;
        let users = p.users.iter().map(|u| self.user(u, b)).collect::<Result<Vec<u32>>>()?;
        b.extend_interned(
            &p.customer,
            &p.timestamp,
            p.kind.iter().map(|&k| kinds[k as usize]),
            p.user.iter().map(|&u| users[u as usize]),
        );
        Ok(())
    }
}

/// A field's text (every field of a record read is valid UTF-8).
fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}
