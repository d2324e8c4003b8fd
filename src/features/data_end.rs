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
/// The same as [`DataEndCounts::from_tables`] followed by [`DataEndCounts::finish`]; over a
/// partitioned directory, merge each partition's counts ([`DataEndCounts::merge`]) and finish once.
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

// Days are within 1970–2200 (the readers' range), so a histogram over day numbers is small;
// days outside it (tables built in code) are clamped into the first / last bin for the percentile
// and kept exactly for the outlier counts.
const LO: i32 = 0; // 1970-01-01
const HI: i32 = 84_000; // after 2199-12-31
const SOURCES: [&str; 4] = ["events", "nps", "subscriptions", "customers"];

/// The dated rows of some tables as day histograms per source: what [`data_end`] needs, in a
/// form that adds up. Counting each partition of a partitioned directory and merging the counts
/// ([`Self::merge`], exact and order-free) gives the same [`DataEnd`] as counting the whole tables.
///
/// ```
/// use attrition::features::{data_end, DataEndCounts};
/// use attrition::io::tables::{Customer, Tables};
/// let day = |s: &str| attrition::io::parse::parse_date(s).unwrap();
/// let a = Tables { customers: vec![Customer::new("a", day("2024-01-01"))], ..Default::default() };
/// let b = Tables { customers: vec![Customer::new("b", day("2024-03-05"))], ..Default::default() };
/// let mut counts = DataEndCounts::from_tables(&a, true);
/// counts.merge(&DataEndCounts::from_tables(&b, true))?;
/// assert_eq!(counts.finish().unwrap().day, day("2024-03-05"));
/// assert_eq!(DataEndCounts::new(true).finish(), None);
/// # Ok::<(), attrition::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataEndCounts {
    subscription_ends: bool,
    /// Per source (events, nps, subscriptions, customers): rows per day in `LO..=HI`.
    hist: [Vec<u64>; 4],
    /// Per source: rows on days outside `LO..=HI`, by day.
    outside: [std::collections::BTreeMap<i32, u64>; 4],
}

impl DataEndCounts {
    /// No rows yet; `subscription_ends` as in [`data_end`].
    pub fn new(subscription_ends: bool) -> Self {
        let bins = (HI - LO + 1) as usize;
        DataEndCounts {
            subscription_ends,
            hist: std::array::from_fn(|_| vec![0; bins]),
            outside: std::array::from_fn(|_| Default::default()),
        }
    }

    fn add(&mut self, source: usize, d: i32) {
        if (LO..=HI).contains(&d) {
            self.hist[source][(d - LO) as usize] += 1;
        } else {
            *self.outside[source].entry(d).or_default() += 1;
        }
    }

    /// The counts of `tables`' dated rows.
    pub fn from_tables(tables: &Tables, subscription_ends: bool) -> Self {
        let mut c = DataEndCounts::new(subscription_ends);
        c.add_tables(tables);
        c
    }

    /// Adds `tables`' dated rows.
    pub fn add_tables(&mut self, tables: &Tables) {
        for &t in &tables.events.timestamp {
            self.add(0, ts_day(t));
        }
        for r in &tables.nps {
            self.add(1, day_num(r.date));
        }
        for s in &tables.subscriptions {
            self.add(2, day_num(s.start_date));
            if self.subscription_ends
                && let Some(e) = s.end_date
            {
                self.add(2, day_num(e) - 1);
            }
        }
        for c in &tables.customers {
            self.add(3, day_num(c.signup_date));
        }
    }

    /// Adds `other`'s counts. Errors when the two were counted with different
    /// `subscription_ends`.
    pub fn merge(&mut self, other: &DataEndCounts) -> crate::error::Result<()> {
        if self.subscription_ends != other.subscription_ends {
            return Err(crate::error::Error::param(
                "subscription_ends",
                other.subscription_ends,
                format!("the counts being merged into were made with {}", self.subscription_ends),
            ));
        }
        for s in 0..SOURCES.len() {
            for (a, b) in self.hist[s].iter_mut().zip(&other.hist[s]) {
                *a += b;
            }
            for (&d, &n) in &other.outside[s] {
                *self.outside[s].entry(d).or_default() += n;
            }
        }
        Ok(())
    }

    /// The data end of the rows counted; `None` without dated rows.
    pub fn finish(&self) -> Option<DataEnd> {
        let bin = |d: i32| (d.clamp(LO, HI) - LO) as usize;
        let mut hist = vec![0u64; (HI - LO + 1) as usize];
        for s in 0..SOURCES.len() {
            for (a, b) in hist.iter_mut().zip(&self.hist[s]) {
                *a += b;
            }
            for (&d, &n) in &self.outside[s] {
                hist[bin(d)] += n;
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
        for (s, name) in SOURCES.iter().enumerate() {
            let inside: u64 = if cut < HI { self.hist[s][bin(cut + 1)..].iter().sum() } else { 0 };
            let outside: u64 = self.outside[s].range(cut + 1..).map(|(_, &n)| n).sum();
            let k = inside + outside;
            if k > 0 {
                outliers.push(((*name).to_owned(), k));
            }
        }
        Some(DataEnd { day: day_date(day), latest: day_date(latest), outliers })
    }
}
