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
use crate::io::schema::TimestampFormat;
use crate::io::tables::{CustomerIdx, EventsBuilder, FastHash};

/// Reads event records into an [`EventsBuilder`].
pub(crate) struct EventRows<'i> {
    /// Columns: customer id, timestamp, event type, user id (`usize::MAX`: none).
    cols: [usize; 4],
    ids: HashMap<&'i [u8], CustomerIdx, FastHash>,
    /// The previous row's customer id and index (`None` before the first).
    last: Option<(Vec<u8>, CustomerIdx)>,
    kinds: HashMap<Box<[u8]>, u16, FastHash>,
    users: HashMap<Box<[u8]>, u32, FastHash>,
    /// The previous kept row's user id and index (a customer's rows mostly repeat one user).
    last_user: Option<(Vec<u8>, u32)>,
    signup: &'i [chrono::NaiveDate],
    /// Midnight (UTC seconds) of each signup day: an event before it is refused.
    signup_at: Vec<i64>,
    format: TimestampFormat,
    /// The first second after the last accepted day.
    max_timestamp: i64,
}

/// A row's problem, or what it holds.
type Checked<'a> = std::result::Result<(CustomerIdx, i64, &'a [u8], &'a [u8]), FieldError>;

impl<'i> EventRows<'i> {
    pub fn new(
        cols: [usize; 4],
        index: &'i HashMap<String, CustomerIdx>,
        signup: &'i [chrono::NaiveDate],
        format: TimestampFormat,
        max_timestamp: i64,
    ) -> Self {
        let mut ids = HashMap::with_capacity_and_hasher(index.len(), FastHash::default());
        ids.extend(index.iter().map(|(k, &v)| (k.as_bytes(), v)));
        EventRows {
            cols,
            ids,
            last: None,
            kinds: HashMap::default(),
            users: HashMap::default(),
            last_user: None,
            signup,
            signup_at: signup.iter().map(|&d| crate::io::parse::day_start(d)).collect(),
            format,
            max_timestamp,
        }
    }

    /// Adds the event of `rec` to `b`: `Ok(Ok(()))` when kept, `Ok(Err(problem))` for a bad
    /// row (for the caller to reject), `Err` when the table cannot go on (too many types or users).
    pub fn push(&mut self, rec: &Record<'_>, b: &mut EventsBuilder) -> Result<std::result::Result<(), FieldError>> {
        let (c, t, kind, user) = match self.check(rec) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let k = match self.kinds.get(kind) {
            Some(&k) => k,
            None => {
                let k = b.intern_kind(text(kind))?;
                self.kinds.insert(kind.into(), k);
                k
            }
        };
        let u = match &mut self.last_user {
            Some((last, u)) if last.as_slice() == user => *u,
            _ => {
                let u = match self.users.get(user) {
                    Some(&u) => u,
                    None => {
                        let u = b.intern_user(text(user))?;
                        self.users.insert(user.into(), u);
                        u
                    }
                };
                let last = self.last_user.get_or_insert_with(|| (Vec::new(), u));
                last.0.clear();
                last.0.extend_from_slice(user);
                last.1 = u;
                u
            }
        };
        b.push_interned(c, t, k, u);
        Ok(Ok(()))
    }

    fn check<'a>(&mut self, rec: &Record<'a>) -> Checked<'a> {
        let c = &self.cols;
        let id = rec.bytes(c[0]);
        let customer = match &mut self.last {
            Some((last, idx)) if !id.is_empty() && last.as_slice() == id => *idx,
            _ => {
                if id.is_empty() {
                    return Err(FieldError::new(RowProblem::MissingValue, rec.name(c[0]), "", "a customer id"));
                }
                let Some(&idx) = self.ids.get(id) else {
                    return Err(FieldError::new(
                        RowProblem::UnknownCustomer,
                        rec.name(c[0]),
                        text(id),
                        "a customer_id from customers.csv",
                    ));
                };
                let last = self.last.get_or_insert_with(|| (Vec::new(), idx));
                last.0.clear();
                last.0.extend_from_slice(id);
                last.1 = idx;
                idx
            }
        };
        let ts = rec.bytes(c[1]);
        let format = self.format;
        let t = format
            .parse_bytes(ts)
            .ok_or_else(|| FieldError::new(RowProblem::BadDate, rec.name(c[1]), text(ts), format.expected()))?;
        // The dates' range: a timestamp in 9999 is a sentinel or a clock error, not an event.
        if !(0..self.max_timestamp).contains(&t) {
            return Err(FieldError::new(
                RowProblem::OutOfRange,
                rec.name(c[1]),
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
                rec.name(c[1]),
                text(ts),
                format!("a time on or after the signup date {}", self.signup[customer as usize]),
            ));
        }
        let kind = rec.bytes(c[2]);
        if kind.is_empty() {
            return Err(FieldError::new(RowProblem::MissingValue, rec.name(c[2]), "", "an event type"));
        }
        let user = if c[3] == usize::MAX { &b""[..] } else { rec.bytes(c[3]) };
        if c[3] != usize::MAX && user.is_empty() {
            return Err(FieldError::new(RowProblem::MissingValue, rec.name(c[3]), "", "a user id"));
        }
        Ok((customer, t, kind, user))
    }
}

/// A field's text (every field of a record read is valid UTF-8).
fn text(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or_default()
}
