//! Reading a tables directory (see [`crate::io::tables`] for the format).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, RowProblem};
use crate::io::churn::ChurnReport;
pub use crate::io::csvfile::FileReport;
use crate::io::csvfile::{CsvFile, FieldError, Record, SourceType};
use crate::io::event_types::MergedRareTypes;
use crate::io::events_text::{Checker, EventRows};
use crate::io::parse::{parse_bool, parse_date, parse_f64};
use crate::io::schema::{Schema, TableSchema, TimestampFormat};
use crate::io::tables::{
    CampaignOffer, Customer, CustomerAttribute, CustomerIdx, EventsBuilder, NpsResponse, ReadOptions, Subscription,
    Tables,
};

/// What [`read_tables`] did with each file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// One report per file read, in reading order.
    pub files: Vec<FileReport>,
    /// With a schema's `[churn]`: the churn derived from the events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn: Option<ChurnReport>,
    /// With [`ReadOptions::max_event_types`]: the rare event types merged into `other`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_event_types: Option<MergedRareTypes>,
}

impl LoadReport {
    /// Total rows skipped over all files (0 in strict mode).
    pub fn skipped_total(&self) -> u64 {
        self.files.iter().map(FileReport::skipped_total).sum()
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for r in &self.files {
            write!(f, "{}: {} rows read, {} loaded", r.file.display(), r.rows_read, r.rows_loaded)?;
            if !r.skipped.is_empty() {
                let parts: Vec<String> = r.skipped.iter().map(|(k, v)| format!("{v} {k}")).collect();
                write!(f, ", skipped {}", parts.join(", "))?;
            }
            if r.duplicates > 0 {
                write!(f, ", dropped {} exact duplicate rows", r.duplicates)?;
            }
            if !r.ignored_columns.is_empty() {
                write!(f, "; ignored columns {}", r.ignored_columns.join(", "))?;
            }
            writeln!(f)?;
        }
        if let Some(m) = &self.merged_event_types {
            writeln!(f, "{m}")?;
        }
        if let Some(c) = &self.churn {
            writeln!(f, "{c}")?;
        }
        Ok(())
    }
}

/// Tables plus the report of how they were read.
#[derive(Debug, Clone)]
pub struct LoadedTables {
    /// The tables.
    pub tables: Tables,
    /// Rows read, loaded and skipped per file.
    pub report: LoadReport,
}

/// Reads `customers.csv`, `subscriptions.csv`, `events.csv`, `nps.csv` and, if present,
/// `campaign.csv` from `dir` (each `NAME.parquet` instead when only that exists; any table file
/// may be CSV, gzip-compressed CSV, JSON Lines or Parquet, recognised by its content).
///
/// In strict mode the first bad row is an [`Error::BadRow`] naming file, line, column and value.
/// In lenient mode bad rows are skipped and counted by reason in the returned [`LoadReport`]; rows
/// that refer to a skipped customer are skipped as [`RowProblem::UnknownCustomer`], so nothing is
/// lost without a count.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::tables::{read_tables, ReadOptions};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("customers.csv"),
///     "customer_id,signup_date,vertical,sales_approach,specialised_provider\n\
///      c1,2024-01-03,retail,needs_based,true\n").unwrap();
/// std::fs::write(dir.path().join("subscriptions.csv"),
///     "customer_id,product,start_date,end_date,mrr\nc1,listings,2024-01-03,,49.0\n").unwrap();
/// std::fs::write(dir.path().join("events.csv"),
///     "customer_id,timestamp,event_type,user_id\nc1,2024-01-04T09:00:00Z,login,u1\n").unwrap();
/// std::fs::write(dir.path().join("nps.csv"), "customer_id,date,score\nc1,2024-02-01,11\n").unwrap();
///
/// let err = read_tables(dir.path(), &ReadOptions::strict()).unwrap_err();
/// assert!(err.to_string().contains("nps.csv:2 column `score`"));
///
/// let loaded = read_tables(dir.path(), &ReadOptions::lenient())?;
/// assert_eq!(loaded.tables.nps.len(), 0);
/// assert_eq!(loaded.report.skipped_total(), 1);
/// # Ok(()) }
/// ```
pub fn read_tables(dir: impl AsRef<Path>, options: &ReadOptions) -> Result<LoadedTables> {
    read_tables_with(dir, None, options)
}

/// An open table file and its schema section.
struct Table<'r> {
    f: CsvFile<'r>,
    t: TableSchema,
}

impl Table<'_> {
    /// Index of contract column `c` in the file (`usize::MAX` if absent, for optional columns).
    fn col(&self, c: &str) -> usize {
        self.f.col(self.t.column(c)).unwrap_or(usize::MAX)
    }

    /// What contract column `c` holds in the file (text when absent).
    fn source_type(&self, c: &str) -> SourceType {
        self.f.col(self.t.column(c)).map_or(SourceType::Text, |i| self.f.types[i])
    }

    /// Checks that each contract column in `checks` has one of its accepted types in the file
    /// (a typed format: Parquet; text always passes, its values are checked row by row).
    fn check_types(&mut self, checks: &[(&str, ColumnRole)]) -> Result<()> {
        for &(c, role) in checks {
            let name = self.t.column(c);
            if let Some((_, found)) = self.f.unsupported.iter().find(|(n, _)| n == name) {
                return Err(Error::ColumnType {
                    file: self.f.path.clone(),
                    column: name.to_owned(),
                    found: found.clone(),
                    expected: "a flat column (text, number, boolean, date or timestamp)".into(),
                });
            }
            let ty = self.source_type(c);
            let (ok, expected) = role.accepts(ty);
            if matches!(role, ColumnRole::Date)
                && let Some(i) = self.f.col(self.t.column(c))
            {
                self.f.read_as_date(i);
            }
            if !ok {
                return Err(Error::ColumnType {
                    file: self.f.path.clone(),
                    column: self.t.column(c).to_owned(),
                    found: format!("a {} column", ty.describe()),
                    expected: expected.into(),
                });
            }
        }
        Ok(())
    }
}

/// What a contract column holds, for the type check of typed files ([`Table::check_types`]).
#[derive(Debug, Clone, Copy)]
enum ColumnRole {
    /// An identifier or a name: text or integers.
    Id,
    /// A calendar date.
    Date,
    /// An amount.
    Number,
    /// An NPS score.
    Score,
    /// A flag.
    Flag,
}

impl ColumnRole {
    fn accepts(self, t: SourceType) -> (bool, &'static str) {
        use SourceType as S;
        match self {
            ColumnRole::Id => (matches!(t, S::Text | S::Binary | S::Integer), "text or integers (an id or a name)"),
            ColumnRole::Date => {
                (matches!(t, S::Text | S::Date | S::Timestamp), "a date, a timestamp or text YYYY-MM-DD")
            }
            ColumnRole::Number => (
                matches!(t, S::Text | S::Integer | S::Float | S::Decimal),
                "a number (integer, floating-point or decimal)",
            ),
            ColumnRole::Score => (matches!(t, S::Text | S::Integer), "an integer score 0–10"),
            ColumnRole::Flag => (matches!(t, S::Text | S::Boolean), "a boolean (or text `true`/`false`)"),
        }
    }
}

/// The timestamp format of the events' `timestamp` column: a date or timestamp column of a typed
/// file (Parquet) is read as such whatever the schema says; numbers need an epoch unit.
fn event_timestamp_format(tb: &Table<'_>, schema: Option<&Schema>) -> Result<TimestampFormat> {
    let given = tb.t.timestamp;
    let ty = tb.source_type("timestamp");
    match ty {
        SourceType::Timestamp | SourceType::Date => Ok(TimestampFormat::Rfc3339),
        SourceType::Integer | SourceType::Float | SourceType::Decimal => match given {
            Some(f @ (TimestampFormat::EpochS | TimestampFormat::EpochMs)) => Ok(f),
            _ => Err(Error::ColumnType {
                file: tb.f.path.clone(),
                column: tb.t.column("timestamp").to_owned(),
                found: format!("a {} column", ty.describe()),
                expected: format!(
                    "a timestamp, or numbers with their unit: set timestamp = \"epoch_s\" or \"epoch_ms\" in [events] of {}",
                    schema.map_or_else(|| "a schema file (--schema)".to_owned(), |s| s.path.display().to_string())
                ),
            }),
        },
        SourceType::Text => Ok(given.unwrap_or(TimestampFormat::Rfc3339)),
        other => Err(Error::ColumnType {
            file: tb.f.path.clone(),
            column: tb.t.column("timestamp").to_owned(),
            found: format!("a {} column", other.describe()),
            expected: "a timestamp, epoch seconds or milliseconds, or text".into(),
        }),
    }
}

/// Opens one table: the only place a table's CSV is opened (column names and delimiter come from
/// the schema section; without a delimiter there, it is detected). `Ok(None)` when the table has
/// no input (an optional table that is absent).
fn open_table<'r>(
    input: Option<TableInput<'r>>,
    schema: Option<&Schema>,
    table: &str,
    required: &[&str],
    optional: &[&str],
    s: crate::io::tables::Strictness,
) -> Result<Option<Table<'r>>> {
    let Some(input) = input else { return Ok(None) };
    let t = schema.map(|sc| sc.table(table)).unwrap_or_default();
    let req: Vec<&str> = required.iter().map(|c| t.column(c)).collect();
    let mut opt: Vec<&str> = optional.iter().map(|c| t.column(c)).collect();
    opt.extend(t.ignore.iter().map(String::as_str));
    let delimiter = t.delimiter.as_deref().map(|_| t.delimiter_byte());
    let f = CsvFile::from_reader_with(input.reader, &input.name, &req, &opt, s, delimiter).map_err(|e| {
        match (e, schema) {
            (Error::BadHeader { file, reason }, Some(sc)) if !t.columns.is_empty() => Error::BadHeader {
                file,
                reason: format!("{reason} (column names from {} [{table}])", sc.path.display()),
            },
            (e, _) => e,
        }
    })?;
    Ok(Some(Table { f, t }))
}

/// As [`read_tables`], with a schema file's file names, column names, units and formats
/// ([`crate::io::schema`]); `None` is the plain contract. With a schema, `nps.csv` may be
/// absent (no NPS responses).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::schema::Schema;
/// use attrition::io::tables::{read_tables_with, ReadOptions};
/// let dir = tempfile::tempdir().unwrap();
/// std::fs::write(dir.path().join("accounts.csv"), "Id;Created;Plan;Email\nA1;2024-01-03;pro;a@x.io\n").unwrap();
/// std::fs::write(dir.path().join("billing.csv"), "Id,From,To,Cents\nA1,2024-01-03,,4900\n").unwrap();
/// std::fs::write(dir.path().join("tracks.csv"), "account,ms,event\nA1,1704359000000,login\n").unwrap();
/// let schema = Schema::from_toml(r#"
///     [customers]
///     file = "accounts.csv"
///     delimiter = ";"
///     columns = { customer_id = "Id", signup_date = "Created" }
///     ignore = ["Email"]
///     [subscriptions]
///     file = "billing.csv"
///     columns = { customer_id = "Id", start_date = "From", end_date = "To", mrr = "Cents" }
///     mrr_scale = 0.01
///     [events]
///     file = "tracks.csv"
///     columns = { customer_id = "account", timestamp = "ms", event_type = "event" }
///     timestamp = "epoch_ms"
/// "#, "schema.toml")?;
/// let t = read_tables_with(dir.path(), Some(&schema), &ReadOptions::strict())?.tables;
/// assert_eq!(t.subscriptions[0].mrr, 49.0);
/// assert_eq!(t.events.timestamp[0], 1_704_359_000);
/// assert_eq!(t.attributes.len(), 1); // Plan; Email is ignored
/// assert_eq!(t.attributes[0].name, "Plan");
/// # Ok(()) }
/// ```
pub fn read_tables_with(dir: impl AsRef<Path>, schema: Option<&Schema>, options: &ReadOptions) -> Result<LoadedTables> {
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::io(
            "read tables directory",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        ));
    }
    let path = |table: &str| table_path(dir, schema, table);
    // With a schema, nps may be absent; campaign always may.
    let optional = |table: &str, may_be_absent: bool| -> Result<Option<TableInput<'static>>> {
        let p = path(table);
        if may_be_absent && !p.exists() { Ok(None) } else { TableInput::file(&p).map(Some) }
    };
    // With [churn], churn comes from the events: no subscriptions table is read.
    let churn = schema.and_then(|sc| sc.churn.as_ref()).is_some();
    read_tables_inner(
        TableInput::file(&path("customers"))?,
        if churn { None } else { Some(TableInput::file(&path("subscriptions"))?) },
        TableInput::file(&path("events"))?,
        optional("nps", schema.is_some())?,
        optional("campaign", true)?,
        schema,
        options,
    )
}

/// The file of `table` in the tables directory `dir`: the schema's `file`, else `NAME.csv`, or
/// `NAME.parquet` when only that exists.
pub(crate) fn table_path(dir: &Path, schema: Option<&Schema>, table: &str) -> PathBuf {
    let t = schema.map(|sc| sc.table(table)).unwrap_or_default();
    t.file.map(|f| dir.join(f)).unwrap_or_else(|| {
        let csv = dir.join(format!("{table}.csv"));
        let parquet = dir.join(format!("{table}.parquet"));
        if !csv.exists() && parquet.exists() { parquet } else { csv }
    })
}

/// One table's input for [`read_tables_from`]: a reader and the name its errors give.
pub struct TableInput<'r> {
    /// Name in messages (`<name>:<line> column ...`).
    pub name: PathBuf,
    /// The CSV text.
    pub reader: Box<dyn Read + 'r>,
    /// Its size in bytes, when known (to reserve memory for events).
    pub size_hint: Option<u64>,
}

impl<'r> TableInput<'r> {
    /// A table read from `reader`, named `name` in errors.
    pub fn new(name: impl Into<PathBuf>, reader: impl Read + 'r) -> TableInput<'r> {
        TableInput { name: name.into(), reader: Box::new(reader), size_hint: None }
    }

    /// A table read from the file `path`.
    pub fn file(path: &Path) -> Result<TableInput<'static>> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
        let size_hint = file.metadata().ok().map(|m| m.len());
        Ok(TableInput { name: path.to_owned(), reader: Box::new(file), size_hint })
    }
}

/// The tables' inputs for [`read_tables_from`]: the four required tables and the optional
/// campaign log.
pub struct TableInputs<'r> {
    /// `customers.csv`.
    pub customers: TableInput<'r>,
    /// `subscriptions.csv`.
    pub subscriptions: TableInput<'r>,
    /// `events.csv`.
    pub events: TableInput<'r>,
    /// `nps.csv`.
    pub nps: TableInput<'r>,
    /// `campaign.csv`, if any.
    pub campaign: Option<TableInput<'r>>,
}

/// [`read_tables`] from readers (object storage, an archive, bytes in memory), with the same
/// checks and reports.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::tables::{read_tables_from, ReadOptions, TableInput, TableInputs};
/// let inputs = TableInputs {
///     customers: TableInput::new("customers.csv", "customer_id,signup_date,vertical,sales_approach,specialised_provider\n\
///         c1,2024-01-03,retail,needs_based,true\n".as_bytes()),
///     subscriptions: TableInput::new("subscriptions.csv",
///         "customer_id,product,start_date,end_date,mrr\nc1,listings,2024-01-03,,49.0\n".as_bytes()),
///     events: TableInput::new("events.csv",
///         "customer_id,timestamp,event_type,user_id\nc1,2024-01-04T09:00:00Z,login,u1\n".as_bytes()),
///     nps: TableInput::new("nps.csv", "customer_id,date,score\nc1,2024-02-01,9\n".as_bytes()),
///     campaign: None,
/// };
/// let loaded = read_tables_from(inputs, &ReadOptions::strict())?;
/// assert_eq!((loaded.tables.customers.len(), loaded.tables.events.len()), (1, 1));
/// # Ok(()) }
/// ```
pub fn read_tables_from(inputs: TableInputs<'_>, options: &ReadOptions) -> Result<LoadedTables> {
    let TableInputs { customers, subscriptions, events, nps, campaign } = inputs;
    read_tables_inner(customers, Some(subscriptions), events, Some(nps), campaign, None, options)
}

/// [`read_tables_from`] and [`read_tables_with`]: the tables from their inputs, read through the
/// schema when there is one (`nps` absent: no responses).
fn read_tables_inner(
    customers: TableInput<'_>,
    subscriptions: Option<TableInput<'_>>,
    events: TableInput<'_>,
    nps: Option<TableInput<'_>>,
    campaign: Option<TableInput<'_>>,
    schema: Option<&Schema>,
    options: &ReadOptions,
) -> Result<LoadedTables> {
    let s = options.strictness;
    let mut report = LoadReport::default();
    let mut tables = Tables::default();

    // customers.csv
    let mut index: HashMap<String, CustomerIdx> = HashMap::new();
    {
        let Some(mut tb) = open_table(Some(customers), schema, "customers", &["customer_id", "signup_date"], &[], s)?
        else {
            return Err(Error::EmptyInput { file: "customers.csv".into(), reason: "no customers table" });
        };
        tb.check_types(&[("customer_id", ColumnRole::Id), ("signup_date", ColumnRole::Date)])?;
        let cols = [tb.col("customer_id"), tb.col("signup_date")];
        let Table { mut f, t } = tb;
        f.report.ignored_columns = t.ignore.iter().filter(|c| f.col(c).is_some()).cloned().collect();
        let attr_cols: Vec<usize> =
            (0..f.headers.len()).filter(|i| !cols.contains(i) && !t.ignore.contains(&f.headers[*i])).collect();
        let na = |v: &str| t.na_values.iter().any(|m| m == v.trim());
        let mut values: Vec<Vec<Option<String>>> = vec![Vec::new(); attr_cols.len()];
        while let Some(rec) = f.next_record()? {
            match parse_customer(&rec, &cols, &index) {
                Ok(c) => {
                    index.insert(c.customer_id.clone(), tables.customers.len() as CustomerIdx);
                    tables.customers.push(c);
                    for (v, &j) in values.iter_mut().zip(&attr_cols) {
                        let x = rec.get(j);
                        v.push((!na(x)).then(|| x.to_owned()));
                    }
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        tables.attributes =
            attr_cols.iter().zip(values).map(|(&j, v)| CustomerAttribute::infer(f.headers[j].clone(), v)).collect();
        if f.report.rows_read == 0 && !options.part_of_population {
            return Err(Error::EmptyInput { file: f.path.clone(), reason: "no data rows" });
        }
        report.files.push(f.report);
    }
    let signup: Vec<chrono::NaiveDate> = tables.customers.iter().map(|c| c.signup_date).collect();

    // subscriptions.csv (none with a [churn] section)
    if let Some(subscriptions) = subscriptions {
        let required = ["customer_id", "start_date", "end_date", "mrr"];
        let Some(mut tb) = open_table(Some(subscriptions), schema, "subscriptions", &required, &["product"], s)? else {
            return Err(Error::EmptyInput { file: "subscriptions.csv".into(), reason: "no subscriptions table" });
        };
        tb.check_types(&[
            ("customer_id", ColumnRole::Id),
            ("product", ColumnRole::Id),
            ("start_date", ColumnRole::Date),
            ("end_date", ColumnRole::Date),
            ("mrr", ColumnRole::Number),
        ])?;
        let cols = [tb.col("customer_id"), tb.col("product"), tb.col("start_date"), tb.col("end_date"), tb.col("mrr")];
        let scale = tb.t.mrr_scale.unwrap_or(1.0);
        let mut f = tb.f;
        while let Some(rec) = f.next_record()? {
            match parse_subscription(&rec, &cols, &index, &signup, scale) {
                Ok(sub) => {
                    tables.subscriptions.push(sub);
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        if f.report.rows_read == 0 && !options.part_of_population {
            return Err(Error::EmptyInput { file: f.path.clone(), reason: "no data rows" });
        }
        let dropped = dedup_subscriptions(&mut tables.subscriptions);
        f.report.duplicates = dropped;
        f.report.rows_loaded -= dropped;
        report.files.push(f.report);
    }

    // events.csv
    let events_file;
    {
        let size_hint = events.size_hint;
        let required = ["customer_id", "timestamp", "event_type"];
        let Some(mut tb) = open_table(Some(events), schema, "events", &required, &["user_id"], s)? else {
            return Err(Error::EmptyInput { file: "events.csv".into(), reason: "no events table" });
        };
        let cols = [tb.col("customer_id"), tb.col("timestamp"), tb.col("event_type"), tb.col("user_id")];
        tb.check_types(&[
            ("customer_id", ColumnRole::Id),
            ("event_type", ColumnRole::Id),
            ("user_id", ColumnRole::Id),
        ])?;
        let format = event_timestamp_format(&tb, schema)?;
        let mut b = EventsBuilder::new();
        // Parquet events are read column by column when their types allow (the same checks,
        // errors and order as row by row).
        #[cfg(feature = "parquet")]
        let columnar = tb.f.format == crate::io::csvfile::InputFormat::Parquet && {
            let name = |c: &str| tb.t.column(c).to_owned();
            let user = (cols[3] != usize::MAX).then(|| name("user_id"));
            let names = crate::io::events_parquet::EventColumns {
                customer_id: &name("customer_id"),
                timestamp: &name("timestamp"),
                event_type: &name("event_type"),
                user_id: user.as_deref(),
            };
            crate::io::events_parquet::read_events(&mut tb.f, &names, format, &index, &signup, max_timestamp(), &mut b)?
        };
        #[cfg(not(feature = "parquet"))]
        let columnar = false;
        let mut f = tb.f;
        if let Some(len) = size_hint.filter(|_| !columnar) {
            b.reserve((len / 48) as usize);
        }
        // CSV in one fused pass over the bytes (JSON Lines, and any line that is not plain, row
        // by row), from the records' bytes.
        if !columnar {
            let names = cols.map(|c| f.headers.get(c).cloned().unwrap_or_default());
            let check = Checker::new(cols, names, &index, &signup, format, max_timestamp());
            crate::io::events_csv::read_events(&mut f, &mut EventRows::new(check), &mut b, size_hint)?;
        }
        tables.events = b.finish();
        let dropped = tables.events.dedup();
        // The vectors were reserved from the file size (or the Parquet row count): give back
        // what rejected and duplicate rows and the estimate left unused (18 bytes per event held).
        let ev = &mut tables.events;
        ev.customer.shrink_to_fit();
        ev.timestamp.shrink_to_fit();
        ev.kind.shrink_to_fit();
        ev.user.shrink_to_fit();
        f.report.duplicates = dropped;
        f.report.rows_loaded -= dropped;
        events_file = f.path.clone();
        report.files.push(f.report);
        if let Some(max) = options.max_event_types {
            // A cancellation event defines churn: it is never merged away.
            let keep: Vec<&str> =
                schema.and_then(|sc| sc.churn.as_ref()).and_then(|c| c.churn_event.as_deref()).into_iter().collect();
            report.merged_event_types = tables.events.merge_rare_types(max, &keep);
        }
    }

    // nps.csv
    if let Some(mut tb) = open_table(nps, schema, "nps", &["customer_id", "date", "score"], &[], s)? {
        tb.check_types(&[("customer_id", ColumnRole::Id), ("date", ColumnRole::Date), ("score", ColumnRole::Score)])?;
        let cols = [tb.col("customer_id"), tb.col("date"), tb.col("score")];
        let mut f = tb.f;
        while let Some(rec) = f.next_record()? {
            match parse_nps(&rec, &cols, &index, &signup) {
                Ok(n) => {
                    tables.nps.push(n);
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        report.files.push(f.report);
    }

    // campaign.csv (optional)
    let required = ["customer_id", "date", "treated", "offer_cost"];
    if let Some(mut tb) = open_table(campaign, schema, "campaign", &required, &[], s)? {
        tb.check_types(&[
            ("customer_id", ColumnRole::Id),
            ("date", ColumnRole::Date),
            ("treated", ColumnRole::Flag),
            ("offer_cost", ColumnRole::Number),
        ])?;
        let cols = [tb.col("customer_id"), tb.col("date"), tb.col("treated"), tb.col("offer_cost")];
        let mut f = tb.f;
        let mut offers = Vec::new();
        while let Some(rec) = f.next_record()? {
            match parse_offer(&rec, &cols, &index) {
                Ok(o) => {
                    offers.push(o);
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        tables.campaign = Some(offers);
        report.files.push(f.report);
    }

    // [churn]: the subscription timeline from the events (after NPS, which the data end uses).
    if let Some(sc) = schema
        && let Some(c) = &sc.churn
    {
        let definition = c.definition().map_err(|reason| Error::BadSchema {
            file: sc.path.clone(),
            line: None,
            reason: format!("[churn] {reason}"),
        })?;
        // A part of a population may hold no cancellation event: the type exists, with no events.
        if options.part_of_population
            && let Some(event) = &c.churn_event
            && tables.events.kind_index(event).is_none()
        {
            tables.events.kinds.push(event.clone());
        }
        report.churn =
            Some(tables.derive_churn(&definition, options.churn_data_end).map_err(|e| Error::BadSchema {
                file: sc.path.clone(),
                line: None,
                reason: format!("[churn] with {}: {e}", events_file.display()),
            })?);
    }

    Ok(LoadedTables { tables, report })
}

/// The first second after 2200-12-31 (timestamps share the dates' range, 1970–2200).
fn max_timestamp() -> i64 {
    chrono::NaiveDate::from_ymd_opt(2201, 1, 1).map_or(i64::MAX, crate::io::parse::day_start)
}

/// `mrr × scale`; a scale `1/k` for a whole `k` (0.01 for cents) divides by `k` instead, so that
/// `4999 × 0.01` is exactly the number `49.99` reads as.
fn scale_mrr(mrr: f64, scale: f64) -> f64 {
    let k = (1.0 / scale).round();
    if scale < 1.0 && k >= 1.0 && (1.0 / k - scale).abs() <= f64::EPSILON * scale { mrr / k } else { mrr * scale }
}

/// Drops exact duplicate subscriptions (every field equal to an earlier row's, MRR bit for bit),
/// keeping the first; returns how many. A re-exported row would double-count MRR.
fn dedup_subscriptions(subs: &mut Vec<Subscription>) -> u64 {
    let mut seen = std::collections::HashSet::with_capacity(subs.len());
    let before = subs.len();
    subs.retain(|s| seen.insert((s.customer, s.product.clone(), s.start_date, s.end_date, s.mrr.to_bits())));
    (before - subs.len()) as u64
}

type FieldResult<T> = std::result::Result<T, FieldError>;

fn lookup(rec: &Record<'_>, col: usize, index: &HashMap<String, CustomerIdx>) -> FieldResult<CustomerIdx> {
    let id = rec.get(col);
    if id.is_empty() {
        return Err(FieldError::new(RowProblem::MissingValue, rec.name(col), id, "a customer id"));
    }
    index.get(id).copied().ok_or_else(|| {
        FieldError::new(RowProblem::UnknownCustomer, rec.name(col), id, "a customer_id from customers.csv")
    })
}

fn date(rec: &Record<'_>, col: usize) -> FieldResult<chrono::NaiveDate> {
    let v = rec.get(col);
    if v.is_empty() {
        return Err(FieldError::new(RowProblem::MissingValue, rec.name(col), v, "a date YYYY-MM-DD"));
    }
    let d = parse_date(v)
        .ok_or_else(|| FieldError::new(RowProblem::BadDate, rec.name(col), v, "a valid date YYYY-MM-DD"))?;
    // A SaaS export has no business dates before the Unix epoch or centuries ahead: such a
    // value is a typo or a sentinel (0001-01-01, 9999-12-31) and would distort every duration.
    if !(1970..=2200).contains(&chrono::Datelike::year(&d)) {
        return Err(FieldError::new(
            RowProblem::OutOfRange,
            rec.name(col),
            v,
            "a date between 1970-01-01 and 2200-12-31",
        ));
    }
    Ok(d)
}

fn non_empty<'a>(rec: &Record<'a>, col: usize, what: &str) -> FieldResult<&'a str> {
    let v = rec.get(col);
    if v.is_empty() { Err(FieldError::new(RowProblem::MissingValue, rec.name(col), v, what)) } else { Ok(v) }
}

fn parse_customer(rec: &Record<'_>, c: &[usize; 2], index: &HashMap<String, CustomerIdx>) -> FieldResult<Customer> {
    let id = non_empty(rec, c[0], "a customer id")?;
    if index.contains_key(id) {
        return Err(FieldError::new(
            RowProblem::DuplicateCustomer,
            rec.name(c[0]),
            id,
            "a customer id not seen before",
        ));
    }
    let signup_date = date(rec, c[1])?;
    Ok(Customer { customer_id: id.to_owned(), signup_date })
}

fn parse_subscription(
    rec: &Record<'_>,
    c: &[usize; 5],
    index: &HashMap<String, CustomerIdx>,
    signup: &[chrono::NaiveDate],
    mrr_scale: f64,
) -> FieldResult<Subscription> {
    let customer = lookup(rec, c[0], index)?;
    // Without a `product` column each row is its own product line.
    let product = if c[1] == usize::MAX {
        format!("line_{}", rec.line())
    } else {
        non_empty(rec, c[1], "a product name")?.to_owned()
    };
    let start_date = date(rec, c[2])?;
    if start_date < signup[customer as usize] {
        return Err(FieldError::new(
            RowProblem::BeforeSignup,
            rec.name(c[2]),
            rec.get(c[2]),
            format!("a date on or after the signup date {}", signup[customer as usize]),
        ));
    }
    let end_raw = rec.get(c[3]);
    let end_date = if end_raw.is_empty() { None } else { Some(date(rec, c[3])?) };
    if let Some(e) = end_date
        && e < start_date
    {
        return Err(FieldError::new(
            RowProblem::EndBeforeStart,
            rec.name(c[3]),
            end_raw,
            format!("an end date on or after start_date {start_date}"),
        ));
    }
    let m = rec.get(c[4]);
    let mrr =
        parse_f64(m).ok_or_else(|| FieldError::new(RowProblem::BadNumber, rec.name(c[4]), m, "a finite number"))?;
    if mrr < 0.0 {
        return Err(FieldError::new(RowProblem::OutOfRange, rec.name(c[4]), m, "MRR ≥ 0"));
    }
    Ok(Subscription { customer, product, start_date, end_date, mrr: scale_mrr(mrr, mrr_scale) })
}

fn parse_nps(
    rec: &Record<'_>,
    c: &[usize; 3],
    index: &HashMap<String, CustomerIdx>,
    signup: &[chrono::NaiveDate],
) -> FieldResult<NpsResponse> {
    let customer = lookup(rec, c[0], index)?;
    let d = date(rec, c[1])?;
    if d < signup[customer as usize] {
        return Err(FieldError::new(
            RowProblem::BeforeSignup,
            rec.name(c[1]),
            rec.get(c[1]),
            format!("a date on or after the signup date {}", signup[customer as usize]),
        ));
    }
    let v = rec.get(c[2]);
    let score: i64 =
        v.parse().map_err(|_| FieldError::new(RowProblem::BadNumber, rec.name(c[2]), v, "an integer score 0–10"))?;
    if !(0..=10).contains(&score) {
        return Err(FieldError::new(RowProblem::OutOfRange, rec.name(c[2]), v, "an integer score 0–10"));
    }
    Ok(NpsResponse { customer, date: d, score: score as u8 })
}

fn parse_offer(rec: &Record<'_>, c: &[usize; 4], index: &HashMap<String, CustomerIdx>) -> FieldResult<CampaignOffer> {
    let customer = lookup(rec, c[0], index)?;
    let d = date(rec, c[1])?;
    let t = rec.get(c[2]);
    let treated = parse_bool(t)
        .ok_or_else(|| FieldError::new(RowProblem::BadCategory, rec.name(c[2]), t, "`true` or `false`"))?;
    let m = rec.get(c[3]);
    let offer_cost =
        parse_f64(m).ok_or_else(|| FieldError::new(RowProblem::BadNumber, rec.name(c[3]), m, "a finite number"))?;
    if offer_cost < 0.0 {
        return Err(FieldError::new(RowProblem::OutOfRange, rec.name(c[3]), m, "a cost ≥ 0"));
    }
    Ok(CampaignOffer { customer, date: d, treated, offer_cost })
}

/// The contract columns of each table for [`open_source_table`]: required, optional, and the
/// type check of each (as [`read_tables_inner`] opens them).
/// A table's name, required and optional contract columns, and type checks.
type SourceColumns =
    (&'static str, &'static [&'static str], &'static [&'static str], &'static [(&'static str, ColumnRole)]);

const SOURCE_TABLES: [SourceColumns; 5] = [
    (
        "customers",
        &["customer_id", "signup_date"],
        &[],
        &[("customer_id", ColumnRole::Id), ("signup_date", ColumnRole::Date)],
    ),
    (
        "subscriptions",
        &["customer_id", "start_date", "end_date", "mrr"],
        &["product"],
        &[
            ("customer_id", ColumnRole::Id),
            ("product", ColumnRole::Id),
            ("start_date", ColumnRole::Date),
            ("end_date", ColumnRole::Date),
            ("mrr", ColumnRole::Number),
        ],
    ),
    (
        "events",
        &["customer_id", "timestamp", "event_type"],
        &["user_id"],
        &[("customer_id", ColumnRole::Id), ("event_type", ColumnRole::Id), ("user_id", ColumnRole::Id)],
    ),
    (
        "nps",
        &["customer_id", "date", "score"],
        &[],
        &[("customer_id", ColumnRole::Id), ("date", ColumnRole::Date), ("score", ColumnRole::Score)],
    ),
    (
        "campaign",
        &["customer_id", "date", "treated", "offer_cost"],
        &[],
        &[
            ("customer_id", ColumnRole::Id),
            ("date", ColumnRole::Date),
            ("treated", ColumnRole::Flag),
            ("offer_cost", ColumnRole::Number),
        ],
    ),
];

/// A table opened to copy its records unparsed (`crate::partition`): the file with its header
/// and contract column types checked as [`read_tables_with`] checks them (date columns framed as
/// days), its schema section, and for events the timestamp format its text is in.
pub(crate) struct SourceTable<'r> {
    pub f: CsvFile<'r>,
    pub t: TableSchema,
    pub timestamp: Option<TimestampFormat>,
}

/// Opens `table` of the tables directory `dir` as [`read_tables_with`] would (`Ok(None)`: an
/// optional table that is absent: `campaign`, or `nps` with a schema; with a schema's `[churn]`,
/// `subscriptions` is not read).
pub(crate) fn open_source_table(
    dir: &Path,
    schema: Option<&Schema>,
    table: &str,
    s: crate::io::tables::Strictness,
) -> Result<Option<SourceTable<'static>>> {
    let Some(&(_, required, optional, checks)) = SOURCE_TABLES.iter().find(|t| t.0 == table) else {
        return Ok(None);
    };
    let churn = schema.and_then(|sc| sc.churn.as_ref()).is_some();
    let may_be_absent = match table {
        "campaign" => true,
        "nps" => schema.is_some(),
        "subscriptions" if churn => return Ok(None),
        _ => false,
    };
    let path = table_path(dir, schema, table);
    if may_be_absent && !path.exists() {
        return Ok(None);
    }
    let Some(mut tb) = open_table(Some(TableInput::file(&path)?), schema, table, required, optional, s)? else {
        return Ok(None);
    };
    tb.check_types(checks)?;
    let timestamp = if table == "events" { Some(event_timestamp_format(&tb, schema)?) } else { None };
    let Table { f, t } = tb;
    Ok(Some(SourceTable { f, t, timestamp }))
}
