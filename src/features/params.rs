//! What to build: the as-of grid, the lead time, the label horizon and the feature catalogue.

use std::fmt;
use std::str::FromStr;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::catalogue::EventCatalogue;
use crate::error::{Error, Result};
use crate::features::spec::FeatureCatalogue;

/// The spacing of as-of dates: every `n` days, weeks or calendar months.
///
/// Parses from the CLI spelling `<n><unit>` with unit `d`, `w` or `m` (case-insensitive):
///
/// ```
/// use attrition::features::Cadence;
/// assert_eq!("1m".parse::<Cadence>().unwrap(), Cadence::Months(1));
/// assert_eq!("2w".parse::<Cadence>().unwrap(), Cadence::Weeks(2));
/// assert_eq!("7D".parse::<Cadence>().unwrap(), Cadence::Days(7));
/// assert!("0d".parse::<Cadence>().is_err());
/// assert!("monthly".parse::<Cadence>().is_err());
/// assert_eq!(Cadence::Weeks(2).to_string(), "2w");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every `n` days.
    Days(u32),
    /// Every `n` weeks (7 days).
    Weeks(u32),
    /// Every `n` calendar months. The k-th date is `from + k·n months`, counted from `from` (not
    /// chained), with the day of month clamped to the month's length: from 2024-01-31 monthly gives
    /// 2024-02-29, 2024-03-31, 2024-04-30, …
    Months(u32),
}

impl Cadence {
    /// The k-th date of the grid starting at `from`, or `None` past chrono's range.
    pub fn nth(self, from: NaiveDate, k: u32) -> Option<NaiveDate> {
        match self {
            Cadence::Days(n) => from.checked_add_days(Days::new(u64::from(n).checked_mul(u64::from(k))?)),
            Cadence::Weeks(n) => from.checked_add_days(Days::new((7 * u64::from(n)).checked_mul(u64::from(k))?)),
            Cadence::Months(n) => from.checked_add_months(Months::new(n.checked_mul(k)?)),
        }
    }

    fn count(self) -> u32 {
        match self {
            Cadence::Days(n) | Cadence::Weeks(n) | Cadence::Months(n) => n,
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Days(n) => write!(f, "{n}d"),
            Cadence::Weeks(n) => write!(f, "{n}w"),
            Cadence::Months(n) => write!(f, "{n}m"),
        }
    }
}

impl FromStr for Cadence {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        let bad = || Error::param("every", s, "a cadence like `1m`, `2w` or `7d` (a whole number ≥ 1 and d/w/m)");
        let unit = t.chars().last().ok_or_else(bad)?;
        let n: u32 = t[..t.len() - unit.len_utf8()].parse().map_err(|_| bad())?;
        if n == 0 {
            return Err(bad());
        }
        match unit.to_ascii_lowercase() {
            'd' => Ok(Cadence::Days(n)),
            'w' => Ok(Cadence::Weeks(n)),
            'm' => Ok(Cadence::Months(n)),
            _ => Err(bad()),
        }
    }
}

/// Default lead time between an as-of date and the start of the label window, in days.
pub const DEFAULT_LEAD_DAYS: u32 = 7;

/// Longest lead time, label window or horizon in days anywhere in the crate (100 years): a
/// longer one is refused by every `check()` and command-line flag, so date arithmetic never
/// leaves the calendar.
pub const MAX_WINDOW_DAYS: u32 = 36_500;
/// Default length of the label window, in days.
pub const DEFAULT_HORIZON_DAYS: u32 = 90;
/// Most as-of dates one build may ask for (guards against a `1d` cadence over centuries).
pub const MAX_AS_OF_DATES: usize = 10_000;

/// Parameters of [`crate::features::build_observations`]. Setters never fail; [`FeatureParams::check`]
/// validates.
///
/// Defaults: cadence one month, `lead_days` 7, `horizon_days` 90, the standard
/// [`FeatureCatalogue`] with the default [`EventCatalogue`], `data_end` inferred from the data.
///
/// ```
/// use attrition::features::{Cadence, FeatureParams};
/// use chrono::NaiveDate;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let p = FeatureParams::new(d("2024-01-31"), d("2024-04-30")).every(Cadence::Months(1)).lead_days(14);
/// p.check().unwrap();
/// assert_eq!(p.horizon_days, 90);
/// let dates: Vec<String> = p.as_of_dates().unwrap().iter().map(|d| d.to_string()).collect();
/// assert_eq!(dates, ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]);
/// assert!(FeatureParams::new(d("2024-05-01"), d("2024-01-01")).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// First as-of date.
    pub from: NaiveDate,
    /// Last possible as-of date (included when the cadence lands on it).
    pub to: NaiveDate,
    /// Spacing of as-of dates. Default: one month.
    pub every: Cadence,
    /// Days between the as-of date and the start of the label window. Default 7.
    pub lead_days: u32,
    /// Length of the label window in days. Default 90.
    pub horizon_days: u32,
    /// Which features to compute, and the roles of event types. Default: [`FeatureCatalogue::standard`].
    pub catalogue: FeatureCatalogue,
    /// Last day present in the data. Default `None`: inferred as the latest of any event day, NPS
    /// date, subscription start and signup date (subscription *end* dates are not used, since an
    /// export may hold cancellations scheduled for the future).
    pub data_end: Option<NaiveDate>,
}

impl FeatureParams {
    /// As-of dates from `from` to `to`, with the defaults above.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Self {
        FeatureParams {
            from,
            to,
            every: Cadence::Months(1),
            lead_days: DEFAULT_LEAD_DAYS,
            horizon_days: DEFAULT_HORIZON_DAYS,
            catalogue: FeatureCatalogue::standard(),
            data_end: None,
        }
    }

    /// Sets the cadence of as-of dates (default one month).
    pub fn every(mut self, every: Cadence) -> Self {
        self.every = every;
        self
    }

    /// Sets the lead time in days (default 7).
    pub fn lead_days(mut self, days: u32) -> Self {
        self.lead_days = days;
        self
    }

    /// Sets the label window length in days (default 90).
    pub fn horizon_days(mut self, days: u32) -> Self {
        self.horizon_days = days;
        self
    }

    /// Sets the feature catalogue (default [`FeatureCatalogue::standard`]).
    pub fn catalogue(mut self, catalogue: FeatureCatalogue) -> Self {
        self.catalogue = catalogue;
        self
    }

    /// Sets the event roles (core, sticky, limit hit, champion left) used by the catalogue.
    pub fn events(mut self, events: EventCatalogue) -> Self {
        self.catalogue.events = events;
        self
    }

    /// Sets the last day present in the data explicitly (default: inferred).
    pub fn data_end(mut self, day: NaiveDate) -> Self {
        self.data_end = Some(day);
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if self.from > self.to {
            return Err(Error::param("from", self.from, format!("must be on or before `to` ({})", self.to)));
        }
        if self.every.count() == 0 {
            return Err(Error::param("every", self.every, "the cadence must be at least 1"));
        }
        if self.horizon_days == 0 {
            return Err(Error::param("horizon_days", 0, "the label window must be at least 1 day"));
        }
        if self.lead_days > MAX_WINDOW_DAYS || self.horizon_days > MAX_WINDOW_DAYS {
            return Err(Error::param(
                "lead_days/horizon_days",
                format!("{}/{}", self.lead_days, self.horizon_days),
                "at most 36,500 days",
            ));
        }
        self.catalogue.check()?;
        self.as_of_dates().map(|_| ())
    }

    /// The as-of dates: `from`, then every cadence step while ≤ `to`.
    pub fn as_of_dates(&self) -> Result<Vec<NaiveDate>> {
        if self.every.count() == 0 || self.from > self.to {
            return Err(Error::param("every", self.every, "the cadence must be at least 1 and from ≤ to"));
        }
        let mut out = Vec::new();
        for k in 0u32.. {
            match self.every.nth(self.from, k) {
                Some(d) if d <= self.to => out.push(d),
                _ => break,
            }
            if out.len() > MAX_AS_OF_DATES {
                return Err(Error::param(
                    "every",
                    self.every,
                    format!("{} to {} gives more than {MAX_AS_OF_DATES} as-of dates", self.from, self.to),
                ));
            }
        }
        Ok(out)
    }
}
