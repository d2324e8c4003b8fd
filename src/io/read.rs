//! Reading a tables directory (see [`crate::io::tables`] for the format).

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, RowProblem};
pub use crate::io::csvfile::FileReport;
use crate::io::csvfile::{CsvFile, FieldError, Record};
use crate::io::parse::{day_of, parse_bool, parse_date, parse_f64, parse_timestamp};
use crate::io::tables::{
    CampaignOffer, Customer, CustomerIdx, EventsBuilder, NpsResponse, ReadOptions, SalesApproach, Subscription, Tables,
};

/// What [`read_tables`] did with each file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// One report per file read, in reading order.
    pub files: Vec<FileReport>,
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
            if !r.ignored_columns.is_empty() {
                write!(f, "; ignored columns {}", r.ignored_columns.join(", "))?;
            }
            writeln!(f)?;
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
/// `campaign.csv` from `dir`.
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
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::io(
            "read tables directory",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        ));
    }
    let campaign = dir.join("campaign.csv");
    let inputs = TableInputs {
        customers: TableInput::file(&dir.join("customers.csv"))?,
        subscriptions: TableInput::file(&dir.join("subscriptions.csv"))?,
        events: TableInput::file(&dir.join("events.csv"))?,
        nps: TableInput::file(&dir.join("nps.csv"))?,
        campaign: if campaign.exists() { Some(TableInput::file(&campaign)?) } else { None },
    };
    read_tables_from(inputs, options)
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

    fn csv(self, required: &[&str], strictness: crate::io::tables::Strictness) -> Result<CsvFile<'r>> {
        CsvFile::from_reader(self.reader, &self.name, required, &[], strictness)
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
    let s = options.strictness;
    let mut report = LoadReport::default();
    let mut tables = Tables::default();

    // customers.csv
    let mut index: HashMap<String, CustomerIdx> = HashMap::new();
    {
        let mut f =
            customers.csv(&["customer_id", "signup_date", "vertical", "sales_approach", "specialised_provider"], s)?;
        let cols = [
            f.req("customer_id"),
            f.req("signup_date"),
            f.req("vertical"),
            f.req("sales_approach"),
            f.req("specialised_provider"),
        ];
        while let Some(rec) = f.next_record()? {
            match parse_customer(&rec, &cols, &index) {
                Ok(c) => {
                    index.insert(c.customer_id.clone(), tables.customers.len() as CustomerIdx);
                    tables.customers.push(c);
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        if f.report.rows_read == 0 {
            return Err(Error::EmptyInput { file: f.path.clone(), reason: "no data rows" });
        }
        report.files.push(f.report);
    }
    let signup: Vec<chrono::NaiveDate> = tables.customers.iter().map(|c| c.signup_date).collect();

    // subscriptions.csv
    {
        let mut f = subscriptions.csv(&["customer_id", "product", "start_date", "end_date", "mrr"], s)?;
        let cols = [f.req("customer_id"), f.req("product"), f.req("start_date"), f.req("end_date"), f.req("mrr")];
        while let Some(rec) = f.next_record()? {
            match parse_subscription(&rec, &cols, &index, &signup) {
                Ok(sub) => {
                    tables.subscriptions.push(sub);
                    f.accept();
                }
                Err(e) => f.reject(e)?,
            }
        }
        if f.report.rows_read == 0 {
            return Err(Error::EmptyInput { file: f.path.clone(), reason: "no data rows" });
        }
        report.files.push(f.report);
    }

    // events.csv
    {
        let size_hint = events.size_hint;
        let mut f = events.csv(&["customer_id", "timestamp", "event_type", "user_id"], s)?;
        let cols = [f.req("customer_id"), f.req("timestamp"), f.req("event_type"), f.req("user_id")];
        let mut b = EventsBuilder::new();
        if let Some(len) = size_hint {
            b.reserve((len / 48) as usize);
        }
        while let Some(rec) = f.next_record()? {
            match parse_event(&rec, &cols, &index, &signup) {
                Ok((c, t, kind, user)) => match (b.intern_kind(kind), b.intern_user(user)) {
                    (Ok(k), Ok(u)) => {
                        b.push_interned(c, t, k, u);
                        f.accept();
                    }
                    (Err(e), _) | (_, Err(e)) => return Err(e),
                },
                Err(e) => f.reject(e)?,
            }
        }
        tables.events = b.finish();
        report.files.push(f.report);
    }

    // nps.csv
    {
        let mut f = nps.csv(&["customer_id", "date", "score"], s)?;
        let cols = [f.req("customer_id"), f.req("date"), f.req("score")];
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
    if let Some(campaign) = campaign {
        let mut f = campaign.csv(&["customer_id", "date", "treated", "offer_cost"], s)?;
        let cols = [f.req("customer_id"), f.req("date"), f.req("treated"), f.req("offer_cost")];
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

    Ok(LoadedTables { tables, report })
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

fn parse_customer(rec: &Record<'_>, c: &[usize; 5], index: &HashMap<String, CustomerIdx>) -> FieldResult<Customer> {
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
    let vertical = non_empty(rec, c[2], "a vertical name")?;
    let sa = rec.get(c[3]);
    let sales_approach = SalesApproach::parse(sa).ok_or_else(|| {
        FieldError::new(RowProblem::BadCategory, rec.name(c[3]), sa, "`needs_based` or `product_push`")
    })?;
    let sp = rec.get(c[4]);
    let specialised_provider = parse_bool(sp)
        .ok_or_else(|| FieldError::new(RowProblem::BadCategory, rec.name(c[4]), sp, "`true` or `false`"))?;
    Ok(Customer {
        customer_id: id.to_owned(),
        signup_date,
        vertical: vertical.to_owned(),
        sales_approach,
        specialised_provider,
    })
}

fn parse_subscription(
    rec: &Record<'_>,
    c: &[usize; 5],
    index: &HashMap<String, CustomerIdx>,
    signup: &[chrono::NaiveDate],
) -> FieldResult<Subscription> {
    let customer = lookup(rec, c[0], index)?;
    let product = non_empty(rec, c[1], "a product name")?;
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
    Ok(Subscription { customer, product: product.to_owned(), start_date, end_date, mrr })
}

fn parse_event<'a>(
    rec: &Record<'a>,
    c: &[usize; 4],
    index: &HashMap<String, CustomerIdx>,
    signup: &[chrono::NaiveDate],
) -> FieldResult<(CustomerIdx, i64, &'a str, &'a str)> {
    let customer = lookup(rec, c[0], index)?;
    let ts = rec.get(c[1]);
    let t = parse_timestamp(ts).ok_or_else(|| {
        FieldError::new(RowProblem::BadDate, rec.name(c[1]), ts, "an RFC 3339 timestamp such as 2024-03-05T14:22:10Z")
    })?;
    if day_of(t) < signup[customer as usize] {
        return Err(FieldError::new(
            RowProblem::BeforeSignup,
            rec.name(c[1]),
            ts,
            format!("a time on or after the signup date {}", signup[customer as usize]),
        ));
    }
    let kind = non_empty(rec, c[2], "an event type")?;
    let user = non_empty(rec, c[3], "a user id")?;
    Ok((customer, t, kind, user))
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
