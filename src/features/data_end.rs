//! Where does the data end? The last day the tables know about, robust to a few stray dates.
//!
//! One event stamped `2100-01-01` (a clock error, a sentinel) must not move the end of the world:
//! label windows would count as complete, KPIs would run for decades. So the data end is the
//! latest dated row *within the bulk*: dated rows more than [`OUTLIER_GAP_DAYS`] days after the
//! 99.9th percentile of all dated rows are outliers, counted per table and left out of the end
//! (their rows stay in the tables). Dates and timestamps outside 1970–2200 never get this far:
//! the readers refuse them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::features::timeline::{day_date, day_num, ts_day};
use crate::io::tables::Tables;

/// Dated rows more than this many days after the 99.9th percentile are outliers.
pub const OUTLIER_GAP_DAYS: i32 = 30;

/// The inferred data end and the dated rows left out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataEnd {
    /// The last day with data in the bulk.
    pub day: NaiveDate,
    /// The latest date of any row, outliers included.
    pub latest: NaiveDate,
    /// Outlying rows per source (`events`, `nps`, `subscriptions`, `customers`), nonzero only.
    pub outliers: Vec<(String, u64)>,
}

impl DataEnd {
    /// Rows left out of the data end.
    pub fn outliers_total(&self) -> u64 {
        self.outliers.iter().map(|x| x.1).sum()
    }
}

impl std::fmt::Display for DataEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "data end {}", self.day)?;
        if !self.outliers.is_empty() {
            let parts: Vec<String> = self.outliers.iter().map(|(t, n)| format!("{n} {t}")).collect();
            write!(
                f,
                " (ignoring {} dated rows more than {OUTLIER_GAP_DAYS} days after the bulk of the data, up to {}: {})",
                self.outliers_total(),
                self.latest,
                parts.join(", ")
            )?;
        }
        Ok(())
    }
}

/// The data end of `tables` from event days, NPS dates, subscription starts and signups (and,
/// with `subscription_ends`, the day before each subscription end); `None` without dated rows.
///
/// ```
/// use attrition::features::data_end;
/// use attrition::io::tables::{Customer, EventsBuilder, Tables};
/// let day = |s: &str| attrition::io::parse::parse_date(s).unwrap();
/// let ts = |s: &str| attrition::io::parse::day_start(day(s));
/// let mut b = EventsBuilder::new();
/// for i in 0..2000 {
///     b.push(0, ts("2024-01-01") + i * 3600, "login", "u").unwrap();
/// }
/// b.push(0, ts("2100-01-01"), "login", "u").unwrap(); // one stray clock
/// let t = Tables { customers: vec![Customer::new("a", day("2024-01-01"))], events: b.finish(), ..Default::default() };
/// let end = data_end(&t, false).unwrap();
/// assert_eq!((end.day, end.latest), (day("2024-03-24"), day("2100-01-01")));
/// assert_eq!(end.outliers, vec![("events".to_string(), 1)]);
/// ```
pub fn data_end(tables: &Tables, subscription_ends: bool) -> Option<DataEnd> {
    // Days are within 1970–2200 (the readers' range), so a histogram over day numbers is small;
    // days outside it (tables built in code) are clamped into the first / last bin.
    const LO: i32 = 0; // 1970-01-01
    const HI: i32 = 84_000; // after 2199-12-31
    let bin = |d: i32| (d.clamp(LO, HI) - LO) as usize;
    let mut hist = vec![0u64; (HI - LO + 1) as usize];
    for &t in &tables.events.timestamp {
        hist[bin(ts_day(t))] += 1;
    }
    let sources: [(&str, Vec<i32>); 3] = [
        ("nps", tables.nps.iter().map(|r| day_num(r.date)).collect()),
        (
            "subscriptions",
            tables
                .subscriptions
                .iter()
                .flat_map(|s| {
                    let end = if subscription_ends { s.end_date.map(|e| day_num(e) - 1) } else { None };
                    [Some(day_num(s.start_date)), end]
                })
                .flatten()
                .collect(),
        ),
        ("customers", tables.customers.iter().map(|c| day_num(c.signup_date)).collect()),
    ];
    for (_, days) in &sources {
        for &d in days {
            hist[bin(d)] += 1;
        }
    }
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return None;
    }
    // The 99.9th percentile: the first day by which at least 99.9% of the dated rows lie.
    let rank = n - n / 1000;
    let mut cum = 0u64;
    let mut p999 = HI;
    for (i, &c) in hist.iter().enumerate() {
        cum += c;
        if cum >= rank {
            p999 = i as i32 + LO;
            break;
        }
    }
    let cut = p999 + OUTLIER_GAP_DAYS;
    let latest = (LO..=HI).rev().find(|&d| hist[bin(d)] > 0).unwrap_or(p999);
    let day = (LO..=cut.min(HI)).rev().find(|&d| hist[bin(d)] > 0).unwrap_or(p999);
    let mut outliers = Vec::new();
    let events = tables.events.timestamp.iter().filter(|&&t| ts_day(t) > cut).count() as u64;
    if events > 0 {
        outliers.push(("events".to_owned(), events));
    }
    for (name, days) in &sources {
        let k = days.iter().filter(|&&d| d > cut).count() as u64;
        if k > 0 {
            outliers.push(((*name).to_owned(), k));
        }
    }
    Some(DataEnd { day: day_date(day), latest: day_date(latest), outliers })
}
