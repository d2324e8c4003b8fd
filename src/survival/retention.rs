//! Retention by factor: Kaplan–Meier curves per customer group, the retention at a horizon (the
//! study's table) and a log-rank test.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::MAX_WINDOW_DAYS;
use crate::io::tables::{CustomerIdx, Tables};
use crate::survival::data::SurvivalCounts;
use crate::survival::kaplan_meier::{KaplanMeier, SurvivalCurve};
use crate::survival::lifetimes::{LifetimeReport, Lifetimes, subscriptions_by_customer};
use crate::survival::logrank::{LogRankResult, logrank_test_counts};

/// Options for [`retention_by_group`]. Setters never fail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RetentionOptions {
    /// Horizon of the retention table, in days (default 730: two years).
    pub horizon_days: i64,
    /// Significance level of the Kaplan–Meier confidence intervals (default 0.05).
    pub alpha: f64,
    /// Only customers whose lifetime starts in `[from, to]` (inclusive), e.g. the first month's
    /// signups as in the study (default: everyone).
    pub starts_between: Option<(NaiveDate, NaiveDate)>,
    /// Most groups a customer attribute keeps (default [`crate::study::MAX_RETENTION_GROUPS`],
    /// 1–10,000): the largest, the rest merged into one counted `(other)` group
    /// ([`crate::survival::GroupCap`]; used by [`crate::study::retention_study`]).
    #[serde(default = "default_max_groups")]
    pub max_groups: usize,
}

fn default_max_groups() -> usize {
    crate::study::MAX_RETENTION_GROUPS
}

impl Default for RetentionOptions {
    fn default() -> Self {
        RetentionOptions { horizon_days: 730, alpha: 0.05, starts_between: None, max_groups: default_max_groups() }
    }
}

impl RetentionOptions {
    /// The defaults above.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the horizon in days.
    pub fn horizon_days(mut self, days: i64) -> Self {
        self.horizon_days = days;
        self
    }

    /// Sets the confidence level of the curves.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Keeps only customers whose lifetime starts between `from` and `to` (inclusive).
    pub fn starts_between(mut self, from: NaiveDate, to: NaiveDate) -> Self {
        self.starts_between = Some((from, to));
        self
    }

    /// Sets the most groups a customer attribute keeps.
    pub fn max_groups(mut self, max: usize) -> Self {
        self.max_groups = max;
        self
    }

    /// Checks the options.
    pub fn check(&self) -> Result<()> {
        if !(1..=10_000).contains(&self.max_groups) {
            return Err(Error::param("max_groups", self.max_groups, "must be between 1 and 10000"));
        }
        if !(1..=i64::from(MAX_WINDOW_DAYS)).contains(&self.horizon_days) {
            return Err(Error::param(
                "horizon_days",
                self.horizon_days,
                format!("must be between 1 and {MAX_WINDOW_DAYS}"),
            ));
        }
        if let Some((a, b)) = self.starts_between
            && a > b
        {
            return Err(Error::param("starts_between", format!("{a}..{b}"), "the first date is after the second"));
        }
        KaplanMeier::new().alpha(self.alpha).check()
    }
}

/// Retention at the horizon measured directly: among customers whose `start + horizon` is on or
/// before the censor date, the share with an active subscription on that day (a customer who left
/// and came back counts as retained — the study's reading).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObservedRetention {
    /// Customers observed for the full horizon.
    pub eligible: usize,
    /// Of them, active on start + horizon.
    pub retained: usize,
    /// `retained / eligible`; `None` when no one is eligible.
    pub share: Option<f64>,
}

/// One group's retention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRetention {
    /// The group's label (factor value).
    pub label: String,
    /// Customers in the group.
    pub customers: usize,
    /// Of them, first churn observed.
    pub churned: usize,
    /// Kaplan–Meier curve of the lifetimes, in days.
    pub curve: SurvivalCurve,
    /// Median lifetime in days, if the curve falls to 0.5.
    pub median_days: Option<f64>,
    /// Restricted mean lifetime up to the horizon, in days.
    pub rmst_days: f64,
    /// Kaplan–Meier S(horizon): share not yet churned for the first time.
    pub km_retention: f64,
    /// Confidence interval of `km_retention`.
    pub km_ci: (f64, f64),
    /// Directly measured retention at the horizon.
    pub observed: ObservedRetention,
}

/// Retention by group (see [`retention_by_group`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionByGroup {
    /// What the groups are (e.g. `sales_approach`).
    pub factor: String,
    /// The horizon of the table, in days.
    pub horizon_days: i64,
    /// Groups in label order.
    pub groups: Vec<GroupRetention>,
    /// Log-rank test across groups (`None` with fewer than two groups).
    pub logrank: Option<LogRankResult>,
    /// How lifetimes were derived from the tables.
    pub lifetimes: LifetimeReport,
    /// Customers with a lifetime left out by `starts_between`.
    pub outside_window: usize,
    /// Customers with a lifetime but no group (factor undefined for them).
    pub ungrouped: usize,
}

/// Kaplan–Meier retention per group of customers, the retention at the horizon and a log-rank
/// test. `group_of(customer)` gives a customer's group label, or `None` to leave it out (counted).
///
/// The same as counting ([`RetentionCounts::count`]) and finishing ([`RetentionCounts::finish`]).
///
/// Errors: invalid options, or no customer in any group.
pub fn retention_by_group(
    tables: &Tables,
    lifetimes: &Lifetimes,
    factor: &str,
    group_of: impl Fn(CustomerIdx) -> Option<String>,
    options: &RetentionOptions,
) -> Result<RetentionByGroup> {
    RetentionCounts::count(tables, lifetimes, group_of, options)?.finish(factor, options)
}

/// One group's counts (see [`RetentionCounts`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct GroupCounts {
    survival: SurvivalCounts,
    churned: usize,
    eligible: usize,
    retained: usize,
}

impl GroupCounts {
    fn merge(&mut self, o: &GroupCounts) {
        self.survival.merge(&o.survival);
        self.churned += o.churned;
        self.eligible += o.eligible;
        self.retained += o.retained;
    }
}

/// What [`retention_by_group`] is made of, in a form that adds up over customers: per group
/// label, the lifetimes' [`SurvivalCounts`], churned customers and the directly observed
/// retention's eligible and retained customers; the [`LifetimeReport`] and the customers left
/// out. Counts of disjoint sets of customers (the partitions of a partitioned directory)
/// [`merge`](Self::merge) into the counts of their union, exactly and in any order, and
/// [`finish`](Self::finish) gives the same [`RetentionByGroup`] as all customers at once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RetentionCounts {
    groups: BTreeMap<String, GroupCounts>,
    lifetimes: LifetimeReport,
    outside_window: usize,
    ungrouped: usize,
}

impl RetentionCounts {
    /// Counts the customers of `tables` (with their `lifetimes`) by `group_of`, as
    /// [`retention_by_group`] does. Errors: invalid options.
    pub fn count(
        tables: &Tables,
        lifetimes: &Lifetimes,
        group_of: impl Fn(CustomerIdx) -> Option<String>,
        options: &RetentionOptions,
    ) -> Result<RetentionCounts> {
        options.check()?;
        let mut members: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let (mut outside_window, mut ungrouped) = (0, 0);
        for (r, l) in lifetimes.rows.iter().enumerate() {
            if let Some((a, b)) = options.starts_between
                && (l.start < a || l.start > b)
            {
                outside_window += 1;
                continue;
            }
            match group_of(l.customer) {
                Some(g) => members.entry(g).or_default().push(r),
                None => ungrouped += 1,
            }
        }
        let by = subscriptions_by_customer(tables);
        let censor = lifetimes.options.censor_date;
        let mut groups = BTreeMap::new();
        for (label, rows) in members {
            let d = lifetimes.survival_data_for(&rows)?;
            let (mut eligible, mut retained) = (0, 0);
            for &r in &rows {
                let l = &lifetimes.rows[r];
                // A horizon past the calendar's end is never observed.
                let day = l.start.checked_add_signed(Duration::days(options.horizon_days));
                if let Some(day) = day
                    && day <= censor
                {
                    eligible += 1;
                    let c = l.customer as usize;
                    retained += usize::from(by[c].iter().any(|&i| tables.subscriptions[i].is_active_on(day)));
                }
            }
            let churned = rows.iter().filter(|&&r| lifetimes.rows[r].churned()).count();
            groups.insert(label, GroupCounts { survival: SurvivalCounts::from_data(&d), churned, eligible, retained });
        }
        Ok(RetentionCounts { groups, lifetimes: lifetimes.report, outside_window, ungrouped })
    }

    /// Adds the customers counted in `other`.
    pub fn merge(&mut self, other: &RetentionCounts) {
        for (label, g) in &other.groups {
            self.groups.entry(label.clone()).or_default().merge(g);
        }
        self.lifetimes.merge(&other.lifetimes);
        self.outside_window += other.outside_window;
        self.ungrouped += other.ungrouped;
    }

    /// The group labels, in order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.groups.keys().map(String::as_str)
    }

    /// Each group's label and number of customers.
    pub fn group_sizes(&self) -> impl Iterator<Item = (&str, u64)> {
        self.groups.iter().map(|(l, g)| (l.as_str(), g.survival.len() as u64))
    }

    /// Renames the groups by `label` (groups given the same name are merged).
    pub fn relabel(self, label: impl Fn(&str) -> String) -> RetentionCounts {
        let mut groups: BTreeMap<String, GroupCounts> = BTreeMap::new();
        for (l, g) in self.groups {
            groups.entry(label(&l)).or_default().merge(&g);
        }
        RetentionCounts { groups, ..self }
    }

    /// The retention by group of the customers counted. Errors: invalid options, or no customer
    /// in any group.
    pub fn finish(&self, factor: &str, options: &RetentionOptions) -> Result<RetentionByGroup> {
        options.check()?;
        if self.groups.is_empty() {
            return Err(Error::EmptyData { context: "retention by group (no customer in any group)" });
        }
        let horizon = options.horizon_days as f64;
        let km = KaplanMeier::new().alpha(options.alpha);
        let mut groups = Vec::with_capacity(self.groups.len());
        for (label, g) in &self.groups {
            let curve = km.fit_counts(&g.survival)?;
            groups.push(GroupRetention {
                label: label.clone(),
                customers: g.survival.len(),
                churned: g.churned,
                median_days: curve.median(),
                rmst_days: curve.rmst(horizon)?,
                km_retention: curve.survival_at(horizon),
                km_ci: curve.ci_at(horizon),
                observed: ObservedRetention {
                    eligible: g.eligible,
                    retained: g.retained,
                    share: (g.eligible > 0).then(|| g.retained as f64 / g.eligible as f64),
                },
                curve,
            });
        }
        let logrank = if self.groups.len() >= 2 {
            Some(logrank_test_counts(&self.groups.values().map(|g| &g.survival).collect::<Vec<_>>())?)
        } else {
            None
        };
        Ok(RetentionByGroup {
            factor: factor.to_owned(),
            horizon_days: options.horizon_days,
            groups,
            logrank,
            lifetimes: self.lifetimes,
            outside_window: self.outside_window,
            ungrouped: self.ungrouped,
        })
    }
}
