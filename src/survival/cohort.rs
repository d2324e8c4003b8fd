//! The signup-cohort retention matrix: cohort (signup month) × months since signup.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::tables::Tables;
use crate::survival::lifetimes::subscriptions_by_customer;

/// One signup cohort: the customers who signed up in one calendar month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortRow {
    /// First day of the signup month.
    pub cohort: NaiveDate,
    /// Customers in the cohort.
    pub size: usize,
    /// `active[k]`: cohort members with an active subscription on their signup date + k months.
    /// Only fully observed months are present (every member's anniversary on or before the censor
    /// date), so the length varies by cohort.
    pub active: Vec<usize>,
    /// `retention[k] = active[k] / size`.
    pub retention: Vec<f64>,
}

/// All cohorts pooled at one age.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PooledAge {
    /// Months since signup.
    pub months: u32,
    /// Customers in the cohorts observed at this age.
    pub customers: usize,
    /// Of them, active at this age.
    pub active: usize,
    /// `active / customers`.
    pub retention: f64,
}

/// The signup-cohort retention matrix (see [`cohort_matrix`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortMatrix {
    /// The censor date: no cell uses a day after it.
    pub censor_date: NaiveDate,
    /// Cohorts in signup-month order (months without signups are absent).
    pub cohorts: Vec<CohortRow>,
    /// Retention by age over all cohorts observed at that age (weighted by cohort size).
    pub pooled: Vec<PooledAge>,
}

/// Builds the signup-cohort retention matrix at `censor_date`.
///
/// A customer belongs to the cohort of their `signup_date`'s month. At age k months they count as
/// retained when any subscription is active on `signup_date + k months` (a month-end signup maps to
/// the last day of shorter months, as chrono's month arithmetic does). This is *logo retention*:
/// a customer who left and came back counts as active again. A cell is reported only when every
/// cohort member's anniversary is on or before the censor date, so no cell is partly observed.
/// Customers who signed up after the censor date are left out.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::survival::cohort_matrix;
/// use attrition::io::tables::{Customer, Subscription, Tables};
/// let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let customer = |id: &str, signup: &str| Customer::new(id, day(signup));
/// let sub = |c: u32, start: &str, end: Option<&str>| Subscription {
///     customer: c, product: "listings".into(), start_date: day(start), end_date: end.map(day), mrr: 50.0,
/// };
/// let tables = Tables {
///     customers: vec![customer("a", "2024-01-05"), customer("b", "2024-01-20")],
///     subscriptions: vec![sub(0, "2024-01-05", Some("2024-02-01")), sub(1, "2024-01-20", None)],
///     ..Default::default()
/// };
/// let m = cohort_matrix(&tables, day("2024-04-10"))?;
/// assert_eq!(m.cohorts[0].retention, vec![1.0, 0.5, 0.5]); // 2024-04-20 is after the censor date
/// # Ok(()) }
/// ```
pub fn cohort_matrix(tables: &Tables, censor_date: NaiveDate) -> Result<CohortMatrix> {
    let mut members: Vec<usize> =
        (0..tables.customers.len()).filter(|&c| tables.customers[c].signup_date <= censor_date).collect();
    if members.is_empty() {
        return Err(Error::param(
            "censor_date",
            censor_date,
            "is before every customer's signup: no cohort is observed",
        ));
    }
    members.sort_by_key(|&c| (tables.customers[c].signup_date, c));
    let by = subscriptions_by_customer(tables);
    let month_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let mut cohorts: Vec<CohortRow> = Vec::new();
    let mut start = 0;
    while start < members.len() {
        let cohort = month_of(tables.customers[members[start]].signup_date);
        let end = start + members[start..].partition_point(|&c| month_of(tables.customers[c].signup_date) == cohort);
        let group = &members[start..end];
        let latest = tables.customers[group[group.len() - 1]].signup_date;
        let mut active = Vec::new();
        for k in 0u32.. {
            match latest.checked_add_months(Months::new(k)) {
                Some(d) if d <= censor_date => {}
                _ => break,
            }
            let n = group
                .iter()
                .filter(|&&c| {
                    tables.customers[c]
                        .signup_date
                        .checked_add_months(Months::new(k))
                        .is_some_and(|day| by[c].iter().any(|&i| tables.subscriptions[i].is_active_on(day)))
                })
                .count();
            active.push(n);
        }
        let size = group.len();
        let retention = active.iter().map(|&a| a as f64 / size as f64).collect();
        cohorts.push(CohortRow { cohort, size, active, retention });
        start = end;
    }
    let max_age = cohorts.iter().map(|c| c.active.len()).max().unwrap_or(0);
    let pooled = (0..max_age)
        .map(|k| {
            let (customers, active) =
                cohorts.iter().filter(|c| c.active.len() > k).fold((0, 0), |(n, a), c| (n + c.size, a + c.active[k]));
            PooledAge { months: k as u32, customers, active, retention: active as f64 / customers as f64 }
        })
        .collect();
    Ok(CohortMatrix { censor_date, cohorts, pooled })
}
