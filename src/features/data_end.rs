//! Where does the data end? The last day the tables know about, robust to a few stray dates.
//!
//! One event stamped `2100-01-01` (a clock error, a sentinel) must not move the end of the world:
//! label windows would count as complete, KPIs would run for decades. So the data end is the
//! latest dated row *within the bulk*: dated rows more than [`OUTLIER_GAP_DAYS`] days after the
//! 99.9th percentile of all dated rows are outliers, counted per table and left out of the end
//! (their rows stay in the tables). Dates and timestamps outside 1970–2200 never get this far:
//! the readers refuse them.

use std::collections::BTreeMap;

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
    DataEndCounts::from_tables(tables, subscription_ends).finish()
}

/// The dated rows [`data_end`] looks at, counted per source and day: what one pass over a part of
/// the customers contributes to the data end of all of them. Counts of disjoint sets of customers
/// add up ([`DataEndCounts::merge`]), so the data end of a partitioned dataset is the data end of
/// the whole, exactly.
///
/// ```
/// use attrition::features::{DataEndCounts, data_end};
/// use attrition::io::tables::{Customer, Tables};
/// let day = |s: &str| attrition::io::parse::parse_date(s).unwrap();
/// let a = Tables { customers: vec![Customer::new("a", day("2024-01-01"))], ..Default::default() };
/// let b = Tables { customers: vec![Customer::new("b", day("2024-02-01"))], ..Default::default() };
/// let mut counts = DataEndCounts::from_tables(&a, false);
/// counts.merge(&DataEndCounts::from_tables(&b, false));
/// assert_eq!(counts.finish().unwrap().day, day("2024-02-01"));
/// let both = Tables { customers: [a.customers, b.customers].concat(), ..Default::default() };
/// assert_eq!(counts.finish(), data_end(&both, false));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataEndCounts {
    /// Events per day (of the timestamp, UTC).
    pub events: BTreeMap<i32, u64>,
    /// NPS responses per date.
    pub nps: BTreeMap<i32, u64>,
    /// Subscription starts (and, when asked, the day before each end) per day.
    pub subscriptions: BTreeMap<i32, u64>,
    /// Signups per day.
    pub customers: BTreeMap<i32, u64>,
}

impl DataEndCounts {
    /// The counts of `tables` (with `subscription_ends`: also the day before each subscription
    /// end, as [`data_end`]). Days are day numbers since 1970-01-01.
    pub fn from_tables(tables: &Tables, subscription_ends: bool) -> Self {
        let mut c = DataEndCounts::default();
        for &t in &tables.events.timestamp {
            *c.events.entry(ts_day(t)).or_default() += 1;
        }
        for r in &tables.nps {
            *c.nps.entry(day_num(r.date)).or_default() += 1;
        }
        for s in &tables.subscriptions {
            *c.subscriptions.entry(day_num(s.start_date)).or_default() += 1;
            if subscription_ends && let Some(e) = s.end_date {
                *c.subscriptions.entry(day_num(e) - 1).or_default() += 1;
            }
        }
        for cu in &tables.customers {
            *c.customers.entry(day_num(cu.signup_date)).or_default() += 1;
        }
        c
    }

    /// Adds the counts of other customers.
    pub fn merge(&mut self, other: &DataEndCounts) {
        for (mine, theirs) in [
            (&mut self.events, &other.events),
            (&mut self.nps, &other.nps),
            (&mut self.subscriptions, &other.subscriptions),
            (&mut self.customers, &other.customers),
        ] {
            for (&d, &n) in theirs {
                *mine.entry(d).or_default() += n;
            }
        }
    }

    /// The counts without the subscriptions' (the data end a churn derived from events is
    /// censored at: [`crate::io::tables::Tables::derive_churn`] computes it before any spell exists).
    pub fn without_subscriptions(&self) -> DataEndCounts {
        DataEndCounts { subscriptions: BTreeMap::new(), ..self.clone() }
    }

    /// The data end of the counted rows, as [`data_end`]; `None` without dated rows.
    pub fn finish(&self) -> Option<DataEnd> {
        // Days are within 1970–2200 (the readers' range); days outside it (tables built in code)
        // are clamped into the first / last day for the percentile, as a histogram over the
        // range would.
        const LO: i32 = 0; // 1970-01-01
        const HI: i32 = 84_000; // after 2199-12-31
        let sources = [
            ("events", &self.events),
            ("nps", &self.nps),
            ("subscriptions", &self.subscriptions),
            ("customers", &self.customers),
        ];
        let mut hist: BTreeMap<i32, u64> = BTreeMap::new();
        for (_, days) in &sources {
            for (&d, &k) in days.iter() {
                if k > 0 {
                    *hist.entry(d.clamp(LO, HI)).or_default() += k;
                }
            }
        }
        let n: u64 = hist.values().sum();
        if n == 0 {
            return None;
        }
        // The 99.9th percentile: the first day by which at least 99.9% of the dated rows lie.
        let rank = n - n / 1000;
        let mut cum = 0u64;
        let mut p999 = HI;
        for (&d, &k) in &hist {
            cum += k;
            if cum >= rank {
                p999 = d;
                break;
            }
        }
        let cut = p999 + OUTLIER_GAP_DAYS;
        let latest = hist.keys().next_back().copied().unwrap_or(p999);
        let day = hist.range(..=cut.min(HI)).next_back().map_or(p999, |(&d, _)| d);
        let mut outliers = Vec::new();
        for (name, days) in &sources {
            let k: u64 = days.range(cut + 1..).map(|(_, &k)| k).sum();
            if k > 0 {
                outliers.push(((*name).to_owned(), k));
            }
        }
        Some(DataEnd { day: day_date(day), latest: day_date(latest), outliers })
    }
}
