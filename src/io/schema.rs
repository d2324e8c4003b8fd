//! The schema file (`--schema schema.toml`): a company's own file names, column names, units and
//! formats mapped onto the tables contract ([`crate::io::tables`]), so no pandas step is needed.
//!
//! ```toml
//! [customers]
//! file = "accounts.csv"                       # default: customers.csv
//! columns = { customer_id = "AccountId", signup_date = "created" }
//! ignore = ["email", "name"]                  # columns that are not attributes
//! na_values = ["-", "unknown"]                # more missing-value markers for attributes
//!
//! [subscriptions]
//! file = "billing.csv"
//! delimiter = ";"
//! columns = { customer_id = "account", start_date = "from", end_date = "to", mrr = "amount_cents" }
//! mrr_scale = 0.01                            # cents → currency units
//!
//! [events]
//! file = "tracks.csv"
//! columns = { customer_id = "account_id", timestamp = "ts", event_type = "event", user_id = "user" }
//! timestamp = "epoch_ms"                      # rfc3339 (default) | datetime | epoch_s | epoch_ms
//!
//! [nps]                                       # optional table; without it, no NPS responses
//! file = "surveys.csv"
//! ```
//!
//! Without a subscriptions table, churn comes from the events (then no `[subscriptions]`
//! section is allowed and no subscriptions file is read; [`crate::io::churn`] has the exact rules
//! and says when each churn day is known):
//!
//! ```toml
//! [churn]
//! churn_event = "cancel_subscription"         # churned on the day of this event, or:
//! # inactive_days = 30                        # churned the day after the last event once 30
//!                                             # days pass without one (known 30 days later)
//! ```
//!
//! Every table key is optional: a missing table section means the contract's file name and
//! columns; `columns` maps a contract column (left) to the file's column (right), and only
//! contract columns may be mapped. With a schema, `nps.csv` may be absent (no responses). Unknown
//! keys, a mapping to a column the file lacks, an `mrr_scale` that is not a positive number, or a
//! delimiter that is not one ASCII character are errors naming the schema file (and line) or the
//! data file.
//!
//! ```
//! use attrition::io::schema::{Schema, TimestampFormat};
//! let s = Schema::from_toml("[events]\ntimestamp = \"epoch_ms\"\ncolumns = { event_type = \"event\" }\n", "s.toml").unwrap();
//! let ev = s.table("events");
//! assert_eq!(ev.timestamp, Some(TimestampFormat::EpochMs));
//! assert_eq!(ev.column("event_type"), "event");
//! assert_eq!(ev.column("customer_id"), "customer_id");
//! let err = Schema::from_toml("[events]\ncolumns = { kind = \"event\" }\n", "s.toml").unwrap_err();
//! assert!(err.to_string().contains("s.toml: [events] columns: `kind` is not a column of events"), "{err}");
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::churn::{ChurnDefinition, MAX_INACTIVE_DAYS};
use crate::io::parse::parse_timestamp;

/// The contract's columns of each table (required and optional).
pub const TABLE_COLUMNS: [(&str, &[&str]); 5] = [
    ("customers", &["customer_id", "signup_date"]),
    ("subscriptions", &["customer_id", "product", "start_date", "end_date", "mrr"]),
    ("events", &["customer_id", "timestamp", "event_type", "user_id"]),
    ("nps", &["customer_id", "date", "score"]),
    ("campaign", &["customer_id", "date", "treated", "offer_cost"]),
];

/// How an events file writes its timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampFormat {
    /// RFC 3339 (`2024-03-05T14:22:10Z`, with an offset, …), a zone-less date-time or a date:
    /// whatever [`parse_timestamp`] reads (the default).
    Rfc3339,
    /// `YYYY-MM-DD HH:MM:SS[.f]` in UTC (also read by the default).
    Datetime,
    /// Seconds since 1970-01-01 UTC (integer or decimal).
    EpochS,
    /// Milliseconds since 1970-01-01 UTC.
    EpochMs,
}

impl TimestampFormat {
    /// Parses `s` to UTC seconds since the epoch.
    ///
    /// ```
    /// use attrition::io::schema::TimestampFormat;
    /// assert_eq!(TimestampFormat::EpochMs.parse("1709648530000"), Some(1_709_648_530));
    /// assert_eq!(TimestampFormat::EpochS.parse("1709648530.9"), Some(1_709_648_530));
    /// assert_eq!(TimestampFormat::EpochS.parse("2024-03-05"), None);
    /// ```
    pub fn parse(self, s: &str) -> Option<i64> {
        let epoch = |scale: f64| {
            let v: f64 = s.trim().parse().ok()?;
            let secs = (v / scale).floor();
            (secs.is_finite() && secs.abs() < 1e15).then_some(secs as i64)
        };
        match self {
            TimestampFormat::Rfc3339 | TimestampFormat::Datetime => parse_timestamp(s),
            TimestampFormat::EpochS => epoch(1.0),
            TimestampFormat::EpochMs => epoch(1000.0),
        }
    }

    /// As [`TimestampFormat::parse`], on the bytes of a trimmed UTF-8 field: the common shapes
    /// (`…Z` timestamps, whole epoch numbers) without decoding the text, the others through
    /// [`TimestampFormat::parse`]. Gives exactly what `parse` gives.
    pub(crate) fn parse_bytes(self, b: &[u8]) -> Option<i64> {
        match self {
            TimestampFormat::Rfc3339 | TimestampFormat::Datetime => {
                if let Some(t) = crate::io::parse::parse_utc_z(b) {
                    return t;
                }
            }
            // Up to 15 digits: exact in the f64 `parse` uses, and floor(v / 1000) is v div 1000.
            TimestampFormat::EpochS | TimestampFormat::EpochMs
                if !b.is_empty() && b.len() <= 15 && b.iter().all(u8::is_ascii_digit) =>
            {
                let v = b.iter().fold(0i64, |v, &d| v * 10 + i64::from(d - b'0'));
                return Some(if self == TimestampFormat::EpochMs { v.div_euclid(1000) } else { v });
            }
            _ => {}
        }
        self.parse(std::str::from_utf8(b).ok()?)
    }

    /// What a value should look like, for messages.
    pub fn expected(self) -> &'static str {
        match self {
            TimestampFormat::Rfc3339 => "an RFC 3339 timestamp such as 2024-03-05T14:22:10Z",
            TimestampFormat::Datetime => "a date-time YYYY-MM-DD HH:MM:SS[.f]",
            TimestampFormat::EpochS => "seconds since 1970-01-01 (the schema's timestamp = \"epoch_s\")",
            TimestampFormat::EpochMs => "milliseconds since 1970-01-01 (the schema's timestamp = \"epoch_ms\")",
        }
    }
}

/// One table's section of the schema file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSchema {
    /// The file, relative to the tables directory (default: the contract's `NAME.csv`).
    pub file: Option<String>,
    /// Contract column → the file's column name.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// File columns to leave out (customers: not attributes; other tables: not reported).
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Field delimiter (one ASCII character; default `,`).
    pub delimiter: Option<String>,
    /// More missing-value markers for customer attributes (besides blank, `NA`, `null`, …).
    #[serde(default)]
    pub na_values: Vec<String>,
    /// Subscriptions: MRR is multiplied by this (e.g. `0.01` for cents).
    pub mrr_scale: Option<f64>,
    /// Events: how timestamps are written.
    pub timestamp: Option<TimestampFormat>,
}

impl TableSchema {
    /// The file's name for contract column `contract`.
    pub fn column<'a>(&'a self, contract: &'a str) -> &'a str {
        self.columns.get(contract).map_or(contract, String::as_str)
    }

    /// The delimiter byte (`,` by default).
    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.as_deref().and_then(|d| d.bytes().next()).unwrap_or(b',')
    }
}

/// What churn is when there is no subscriptions table (`[churn]`): exactly one of a cancellation
/// event type and a number of inactive days ([`crate::io::churn`] has the exact rules, and when
/// each churn day is known). With `[churn]`, no subscriptions table is read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChurnSchema {
    /// A cancellation event type: the customer churns on its day.
    pub churn_event: Option<String>,
    /// Churned the day after the last usage event once this many days pass without one.
    pub inactive_days: Option<u32>,
}

impl ChurnSchema {
    /// The churn definition, or why the section is not one: exactly one of `churn_event` (a
    /// non-empty event type) and `inactive_days` (1 ..= [`MAX_INACTIVE_DAYS`]).
    pub fn definition(&self) -> std::result::Result<ChurnDefinition, String> {
        match (&self.churn_event, self.inactive_days) {
            (Some(e), Some(d)) => {
                Err(format!("churn_event = \"{e}\" and inactive_days = {d} both given: churn is one of them"))
            }
            (None, None) => Err("an empty [churn] section: give churn_event = \"…\" or inactive_days = N".into()),
            (Some(e), None) if e.trim().is_empty() => Err("churn_event = \"\": name an event type".into()),
            (Some(e), None) => Ok(ChurnDefinition::Event { churn_event: e.clone() }),
            (None, Some(d)) if !(1..=MAX_INACTIVE_DAYS).contains(&d) => {
                Err(format!("inactive_days = {d}: between 1 and {MAX_INACTIVE_DAYS} days"))
            }
            (None, Some(d)) => Ok(ChurnDefinition::Inactivity { inactive_days: d }),
        }
    }
}

/// A schema file: one optional section per table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    /// Churn without subscriptions ([`crate::io::churn`]).
    pub churn: Option<ChurnSchema>,
    /// `customers.csv`.
    pub customers: Option<TableSchema>,
    /// `subscriptions.csv`.
    pub subscriptions: Option<TableSchema>,
    /// `events.csv`.
    pub events: Option<TableSchema>,
    /// `nps.csv`.
    pub nps: Option<TableSchema>,
    /// `campaign.csv`.
    pub campaign: Option<TableSchema>,
    /// The schema file (for messages).
    #[serde(skip)]
    pub path: PathBuf,
}

fn bad(path: &Path, line: Option<usize>, reason: impl Into<String>) -> Error {
    Error::BadSchema { file: path.to_owned(), line, reason: reason.into() }
}

impl Schema {
    /// Reads and checks a schema file.
    pub fn read(path: impl AsRef<Path>) -> Result<Schema> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read schema", path, e))?;
        Self::from_toml(&text, path)
    }

    /// Parses and checks schema text (`path` names it in messages).
    pub fn from_toml(text: &str, path: impl AsRef<Path>) -> Result<Schema> {
        let path = path.as_ref();
        let mut schema: Schema = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            bad(path, line, e.message().to_owned())
        })?;
        schema.path = path.to_owned();
        schema.check()?;
        Ok(schema)
    }

    /// What churn is: `[churn]`'s definition, or the subscriptions table.
    pub fn churn_definition(&self) -> ChurnDefinition {
        self.churn.as_ref().and_then(|c| c.definition().ok()).unwrap_or_default()
    }

    /// The section of `table` (`customers`, `subscriptions`, …), or the contract's defaults.
    pub fn table(&self, table: &str) -> TableSchema {
        let t = match table {
            "customers" => &self.customers,
            "subscriptions" => &self.subscriptions,
            "events" => &self.events,
            "nps" => &self.nps,
            "campaign" => &self.campaign,
            _ => &None,
        };
        t.clone().unwrap_or_default()
    }

    /// Checks every section: mapped columns are contract columns, units and delimiters valid.
    pub fn check(&self) -> Result<()> {
        let p = &self.path;
        if let Some(c) = &self.churn {
            c.definition().map_err(|reason| bad(p, None, format!("[churn] {reason}")))?;
            if self.subscriptions.is_some() {
                return Err(bad(
                    p,
                    None,
                    "[churn] and [subscriptions] both given: churn comes either from a subscriptions \
                     table or from the events ([churn]); drop one",
                ));
            }
        }
        for (name, cols) in TABLE_COLUMNS {
            let t = self.table(name);
            for k in t.columns.keys() {
                if !cols.contains(&k.as_str()) {
                    return Err(bad(
                        p,
                        None,
                        format!("[{name}] columns: `{k}` is not a column of {name} (one of {})", cols.join(", ")),
                    ));
                }
            }
            if let Some(d) = &t.delimiter
                && (d.len() != 1 || !d.is_ascii() || d == "\"" || d == "\n" || d == "\r")
            {
                return Err(bad(
                    p,
                    None,
                    format!("[{name}] delimiter `{d}`: one ASCII character such as , ; | or a tab"),
                ));
            }
            if let Some(s) = t.mrr_scale {
                if name != "subscriptions" {
                    return Err(bad(p, None, format!("[{name}] mrr_scale: only subscriptions have MRR")));
                }
                if !(s.is_finite() && s > 0.0) {
                    return Err(bad(p, None, format!("[{name}] mrr_scale = {s}: a positive number (0.01 for cents)")));
                }
            }
            if t.timestamp.is_some() && name != "events" {
                return Err(bad(
                    p,
                    None,
                    format!("[{name}] timestamp: only events have timestamps (dates are YYYY-MM-DD)"),
                ));
            }
            if let Some(f) = &t.file
                && (f.is_empty()
                    || Path::new(f).is_absolute()
                    || Path::new(f).components().any(|c| c.as_os_str() == ".."))
            {
                return Err(bad(p, None, format!("[{name}] file `{f}`: a path inside the tables directory")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_schema_and_line() {
        let e = Schema::from_toml("[customers]\nfile = \"a.csv\"\nfiel = 3\n", "x.toml").unwrap_err();
        assert!(e.to_string().starts_with("x.toml:3: "), "{e}");
        let e = Schema::from_toml("[subscriptions]\nmrr_scale = -1\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("positive"), "{e}");
        let e = Schema::from_toml("[events]\ndelimiter = \";;\"\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("one ASCII character"), "{e}");
        let e = Schema::from_toml("[churn]\ninactive_days = 0\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("between 1 and 3650"), "{e}");
        let e = Schema::from_toml("[churn]\ninactive_days = 3\nchurn_event = \"x\"\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("both given"), "{e}");
        let e = Schema::from_toml("[churn]\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("empty [churn]"), "{e}");
        let e =
            Schema::from_toml("[churn]\ninactive_days = 3\n[subscriptions]\nfile = \"s.csv\"\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("both given"), "{e}");
        let s = Schema::from_toml("[churn]\ninactive_days = 30\n", "x.toml").unwrap();
        assert_eq!(s.churn_definition(), ChurnDefinition::Inactivity { inactive_days: 30 });
        let e = Schema::from_toml("[events]\nfile = \"../x.csv\"\n", "x.toml").unwrap_err();
        assert!(e.to_string().contains("inside the tables directory"), "{e}");
    }

    #[test]
    fn epoch_units() {
        assert_eq!(TimestampFormat::EpochMs.parse("1000"), Some(1));
        assert_eq!(TimestampFormat::EpochS.parse("-1.5"), Some(-2));
        assert_eq!(TimestampFormat::EpochS.parse("1e300"), None);
        assert_eq!(TimestampFormat::Rfc3339.parse("1970-01-01T00:00:01Z"), Some(1));
    }
}
