//! Customer lifetimes from the raw subscription table, at an explicit censor date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::tables::{CustomerIdx, Subscription, Tables};
use crate::survival::data::SurvivalData;

/// Where a customer's lifetime starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifetimeStart {
    /// At `signup_date` (or at the first subscription, if the data has one before the signup).
    #[default]
    Signup,
    /// At the first subscription's `start_date`.
    FirstSubscription,
}

/// Options for [`lifetimes`]. Setters never fail; [`LifetimeOptions::check`] validates.
///
/// A customer's lifetime runs from the start (see [`LifetimeStart`]) to their **first churn**: the
/// first day with no active subscription after their first subscription began (the `end_date` of
/// their first continuous spell of subscriptions; back-to-back or overlapping subscriptions are one
/// spell). A customer who later comes back is *not* continued: the lifetime ends at the first churn
/// and the return is counted in [`LifetimeReport::came_back`]. A lifetime still running at the censor
/// date, or whose churn date is after it, is censored at the censor date; a churn dated exactly on
/// the censor date is observed (lifelines' `datetimes_to_durations` convention). Nothing dated
/// after the censor date is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LifetimeOptions {
    /// The date observation stops (required: never an implicit "today").
    pub censor_date: NaiveDate,
    /// Where lifetimes start (default [`LifetimeStart::Signup`]).
    pub start: LifetimeStart,
    /// Left truncation (default `None`): only lifetimes still running on this date are observed.
    /// Customers who started before it enter late (`entry` = days from start to this date);
    /// customers who had already churned by then are left out and counted.
    pub observed_from: Option<NaiveDate>,
}

impl LifetimeOptions {
    /// Options with the given censor date and the defaults above.
    pub fn new(censor_date: NaiveDate) -> Self {
        LifetimeOptions { censor_date, start: LifetimeStart::Signup, observed_from: None }
    }

    /// Sets where lifetimes start.
    pub fn start(mut self, start: LifetimeStart) -> Self {
        self.start = start;
        self
    }

    /// Sets the left-truncation date.
    pub fn observed_from(mut self, date: NaiveDate) -> Self {
        self.observed_from = Some(date);
        self
    }

    /// Checks the options: `observed_from` must be before the censor date.
    pub fn check(&self) -> Result<()> {
        if let Some(f) = self.observed_from
            && f >= self.censor_date
        {
            return Err(Error::param(
                "observed_from",
                f,
                format!("must be before the censor date {}", self.censor_date),
            ));
        }
        Ok(())
    }
}

/// One customer's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifetime {
    /// The customer.
    pub customer: CustomerIdx,
    /// First day of the lifetime.
    pub start: NaiveDate,
    /// The churn date (first day without an active subscription), when observed by the censor date.
    pub churn_date: Option<NaiveDate>,
    /// Days from `start` to the churn date, or to the censor date if censored.
    pub duration_days: i64,
    /// Days from `start` to the start of observation (0 without left truncation).
    pub entry_days: i64,
    /// Whether the customer subscribed again after the churn (on or before the censor date).
    pub came_back: bool,
}

impl Lifetime {
    /// Whether the churn was observed (`event_observed`).
    pub fn churned(&self) -> bool {
        self.churn_date.is_some()
    }
}

/// What [`lifetimes`] did with each customer: every customer of the tables is in exactly one of
/// `included`, `not_yet_signed_up`, `never_subscribed` and `churned_before_observation`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifetimeReport {
    /// Customers in the tables.
    pub customers: usize,
    /// Customers with a lifetime.
    pub included: usize,
    /// Left out: signed up after the censor date.
    pub not_yet_signed_up: usize,
    /// Left out: no subscription starting on or before the censor date.
    pub never_subscribed: usize,
    /// Left out (left truncation only): churned before `observed_from`.
    pub churned_before_observation: usize,
    /// Included customers whose churn was observed.
    pub churned: usize,
    /// Included customers who churned and later came back (their lifetime ends at the first churn).
    pub came_back: usize,
    /// Included customers whose first subscription starts before their signup date (lifetime
    /// starts at that subscription).
    pub subscribed_before_signup: usize,
}

impl LifetimeReport {
    /// Adds `other`'s customers (the report of another set of customers, e.g. a partition).
    pub fn merge(&mut self, other: &LifetimeReport) {
        self.customers += other.customers;
        self.included += other.included;
        self.not_yet_signed_up += other.not_yet_signed_up;
        self.never_subscribed += other.never_subscribed;
        self.churned_before_observation += other.churned_before_observation;
        self.churned += other.churned;
        self.came_back += other.came_back;
        self.subscribed_before_signup += other.subscribed_before_signup;
    }
}

/// Customer lifetimes, in customer order, and how they were derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lifetimes {
    /// One lifetime per included customer, in customer order.
    pub rows: Vec<Lifetime>,
    /// Counts of included and left-out customers.
    pub report: LifetimeReport,
    /// The options used.
    pub options: LifetimeOptions,
}

impl Lifetimes {
    /// Survival data (durations in days) for all lifetimes, with `entry` when left-truncated.
    pub fn survival_data(&self) -> Result<SurvivalData> {
        self.survival_data_for(&(0..self.rows.len()).collect::<Vec<_>>())
    }

    /// Survival data for the lifetimes at positions `rows` of [`Lifetimes::rows`].
    pub fn survival_data_for(&self, rows: &[usize]) -> Result<SurvivalData> {
        if let Some(&r) = rows.iter().find(|&&r| r >= self.rows.len()) {
            return Err(Error::param("rows", r, format!("out of range ({} lifetimes)", self.rows.len())));
        }
        let d = SurvivalData::new(
            rows.iter().map(|&r| self.rows[r].duration_days as f64).collect(),
            rows.iter().map(|&r| self.rows[r].churned()).collect(),
        )?;
        if self.options.observed_from.is_some() {
            d.with_entry(rows.iter().map(|&r| self.rows[r].entry_days as f64).collect())
        } else {
            Ok(d)
        }
    }
}

/// The customer's subscriptions grouped: `by_customer[c]` lists indices into `tables.subscriptions`,
/// sorted by start date.
pub(crate) fn subscriptions_by_customer(tables: &Tables) -> Vec<Vec<usize>> {
    let mut by = vec![Vec::new(); tables.customers.len()];
    for (i, s) in tables.subscriptions.iter().enumerate() {
        if let Some(v) = by.get_mut(s.customer as usize) {
            v.push(i);
        }
    }
    for v in &mut by {
        v.sort_by_key(|&i| tables.subscriptions[i].start_date);
    }
    by
}

/// Continuous spells of activity `[start, end)` (end `None` = still running) from subscriptions
/// sorted by start date, ignoring subscriptions that start after `until` or are never active.
pub(crate) fn spells<'a>(
    subs: impl Iterator<Item = &'a Subscription>,
    until: NaiveDate,
) -> Vec<(NaiveDate, Option<NaiveDate>)> {
    let mut out: Vec<(NaiveDate, Option<NaiveDate>)> = Vec::new();
    for s in subs {
        if s.start_date > until || s.end_date.is_some_and(|e| e <= s.start_date) {
            continue;
        }
        match out.last_mut() {
            // Overlaps or touches the current spell (no day without a subscription): extend it.
            Some((_, end)) if end.is_none_or(|e| s.start_date <= e) => {
                *end = match (*end, s.end_date) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                };
            }
            _ => out.push((s.start_date, s.end_date)),
        }
    }
    out
}

/// Derives each customer's lifetime from the subscriptions (see [`LifetimeOptions`]).
///
/// Errors: no customers ([`Error::EmptyData`]); a censor date before every signup, or invalid
/// options ([`Error::InvalidParameter`]).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::survival::{lifetimes, LifetimeOptions};
/// use attrition::io::tables::{Customer, Subscription, Tables};
/// let day = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let customer = |id: &str, signup: &str| Customer::new(id, day(signup));
/// let sub = |c: u32, start: &str, end: Option<&str>| Subscription {
///     customer: c, product: "listings".into(), start_date: day(start), end_date: end.map(day), mrr: 50.0,
/// };
/// let tables = Tables {
///     customers: vec![customer("a", "2024-01-01"), customer("b", "2024-01-10")],
///     subscriptions: vec![sub(0, "2024-01-01", Some("2024-03-01")), sub(1, "2024-01-10", None)],
///     ..Default::default()
/// };
/// let l = lifetimes(&tables, &LifetimeOptions::new(day("2024-06-30")))?;
/// assert_eq!(l.rows[0].duration_days, 60); // churned on 2024-03-01
/// assert!(l.rows[0].churned());
/// assert_eq!(l.rows[1].duration_days, 172); // censored on 2024-06-30
/// assert!(!l.rows[1].churned());
/// # Ok(()) }
/// ```
pub fn lifetimes(tables: &Tables, options: &LifetimeOptions) -> Result<Lifetimes> {
    options.check()?;
    if tables.customers.is_empty() {
        return Err(Error::EmptyData { context: "lifetimes (no customers)" });
    }
    let censor = options.censor_date;
    let earliest = tables.customers.iter().map(|c| c.signup_date).min().unwrap_or(censor);
    if censor < earliest {
        return Err(Error::param(
            "censor_date",
            censor,
            format!("is before every customer's signup (the earliest signup is {earliest})"),
        ));
    }
    let by = subscriptions_by_customer(tables);
    let mut report = LifetimeReport { customers: tables.customers.len(), ..Default::default() };
    let mut rows = Vec::new();
    for (c, cust) in tables.customers.iter().enumerate() {
        if cust.signup_date > censor {
            report.not_yet_signed_up += 1;
            continue;
        }
        let sp = spells(by[c].iter().map(|&i| &tables.subscriptions[i]), censor);
        let Some(&(first_start, first_end)) = sp.first() else {
            report.never_subscribed += 1;
            continue;
        };
        let start = match options.start {
            LifetimeStart::Signup => cust.signup_date.min(first_start),
            LifetimeStart::FirstSubscription => first_start,
        };
        let churn_date = first_end.filter(|&e| e <= censor);
        let mut entry_days = 0;
        if let Some(from) = options.observed_from {
            if churn_date.is_some_and(|e| e <= from) {
                report.churned_before_observation += 1;
                continue;
            }
            entry_days = (from - start).num_days().max(0);
        }
        let end = churn_date.unwrap_or(censor);
        let came_back = churn_date.is_some() && sp.len() > 1;
        report.included += 1;
        report.churned += usize::from(churn_date.is_some());
        report.came_back += usize::from(came_back);
        report.subscribed_before_signup += usize::from(first_start < cust.signup_date);
        rows.push(Lifetime {
            customer: c as CustomerIdx,
            start,
            churn_date,
            duration_days: (end - start).num_days(),
            entry_days,
            came_back,
        });
    }
    Ok(Lifetimes { rows, report, options: options.clone() })
}
