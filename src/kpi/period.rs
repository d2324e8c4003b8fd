//! Calendar reporting periods: months, quarters, years.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The length of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Calendar months.
    #[default]
    Month,
    /// Calendar quarters (January, April, July, October).
    Quarter,
    /// Calendar years.
    Year,
}

impl PeriodKind {
    /// Number of months in one period (1, 3 or 12).
    pub fn months(self) -> u32 {
        match self {
            PeriodKind::Month => 1,
            PeriodKind::Quarter => 3,
            PeriodKind::Year => 12,
        }
    }

    /// The CLI spelling (`month`, `quarter`, `year`).
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }

    /// Parses the CLI spelling.
    ///
    /// ```
    /// use attrition::kpi::PeriodKind;
    /// assert_eq!(PeriodKind::parse("Quarter").unwrap(), PeriodKind::Quarter);
    /// assert!(PeriodKind::parse("week").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<PeriodKind> {
        let t = s.trim().to_ascii_lowercase();
        [PeriodKind::Month, PeriodKind::Quarter, PeriodKind::Year]
            .into_iter()
            .find(|k| k.as_str() == t)
            .ok_or_else(|| Error::param("period", s, "one of month, quarter, year"))
    }
}

/// One calendar period, the half-open day range `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// Month, quarter or year.
    pub kind: PeriodKind,
    /// First day.
    pub start: NaiveDate,
    /// First day of the next period (exclusive end).
    pub end: NaiveDate,
}

impl Period {
    /// The period of `kind` containing `day`.
    ///
    /// ```
    /// use attrition::kpi::{Period, PeriodKind};
    /// let d = "2024-05-17".parse().unwrap();
    /// let q = Period::containing(PeriodKind::Quarter, d).unwrap();
    /// assert_eq!(q.label(), "2024-Q2");
    /// assert_eq!(q.start.to_string(), "2024-04-01");
    /// assert_eq!(q.last_day().to_string(), "2024-06-30");
    /// ```
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Result<Period> {
        let m0 = (day.month0() / kind.months()) * kind.months();
        let start = NaiveDate::from_ymd_opt(day.year(), m0 + 1, 1)
            .ok_or_else(|| Error::param("date", day, "outside the supported calendar"))?;
        Period::starting(kind, start)
    }

    fn starting(kind: PeriodKind, start: NaiveDate) -> Result<Period> {
        let end = start
            .checked_add_months(Months::new(kind.months()))
            .ok_or_else(|| Error::param("date", start, "outside the supported calendar"))?;
        Ok(Period { kind, start, end })
    }

    /// The following period.
    pub fn next(&self) -> Result<Period> {
        Period::starting(self.kind, self.end)
    }

    /// Last day of the period.
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.end)
    }

    /// `2024-03` (month), `2024-Q1` (quarter) or `2024` (year).
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Month => format!("{:04}-{:02}", self.start.year(), self.start.month()),
            PeriodKind::Quarter => format!("{:04}-Q{}", self.start.year(), self.start.month0() / 3 + 1),
            PeriodKind::Year => format!("{:04}", self.start.year()),
        }
    }
}

/// The consecutive periods of `kind` from the one containing `from` to the one containing `to`.
pub fn periods_between(kind: PeriodKind, from: NaiveDate, to: NaiveDate) -> Result<Vec<Period>> {
    if from > to {
        return Err(Error::param("from", from, format!("is after `to` ({to})")));
    }
    let mut out = vec![Period::containing(kind, from)?];
    while let Some(last) = out.last()
        && last.end <= to
    {
        let next = last.next()?;
        out.push(next);
    }
    Ok(out)
}
