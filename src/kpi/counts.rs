//! KPI counts that add up: what a KPI report is made of, counted per group of customers (e.g. per
//! partition of a partitioned directory) and merged exactly.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::features::DataEndCounts;
use crate::io::tables::{Subscription, Tables};
use crate::kpi::movements::{CustomerCounts, DayState, MrrSums, add_customer, state_on};
use crate::kpi::period::{Period, periods_between};
use crate::kpi::report::{KpiOptions, KpiReport, period_kpis};
use crate::survival::subscriptions_by_customer;

fn live(s: &&Subscription) -> bool {
    s.end_date.is_none_or(|e| e > s.start_date)
}

/// What fixes a KPI report's periods, in a form that adds up over customers: the earliest start
/// of a subscription that is ever active and the dated rows behind the data end
/// ([`DataEndCounts`], with subscription ends). Count each partition ([`Self::from_tables`]),
/// [`merge`](Self::merge) and make the [`KpiFrame`] once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KpiBounds {
    earliest: Option<NaiveDate>,
    data_end: DataEndCounts,
}

impl KpiBounds {
    /// No customers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bounds of `tables`.
    pub fn from_tables(tables: &Tables) -> Self {
        let earliest = tables.subscriptions.iter().filter(live).map(|s| s.start_date).min();
        KpiBounds { earliest, data_end: DataEndCounts::from_tables(tables, true) }
    }

    /// Adds `other`'s customers.
    pub fn merge(&mut self, other: &KpiBounds) -> Result<()> {
        self.earliest = match (self.earliest, other.earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.data_end.merge(&other.data_end);
        Ok(())
    }

    /// The report's periods for `options`. Errors: invalid options, or no subscription that is
    /// ever active.
    pub fn frame(&self, options: &KpiOptions) -> Result<KpiFrame> {
        options.check()?;
        let earliest = self.earliest.ok_or(Error::EmptyData { context: "KPIs (no subscription is ever active)" })?;
        let data_end = self.data_end.finish().map_or(NaiveDate::MIN, |d| d.day).max(earliest);
        let from = options.from.unwrap_or(earliest);
        let to = options.to.unwrap_or(data_end);
        let periods = periods_between(options.period, from, to)?;
        // Boundary days: the opening of each period, then the close of the last one.
        let mut days: Vec<NaiveDate> = periods.iter().map(|p| p.start.pred_opt().unwrap_or(p.start)).collect();
        days.push(to.min(periods[periods.len() - 1].last_day()));
        Ok(KpiFrame { options: *options, data_end, periods, days })
    }
}

/// A KPI report's periods and the days that open and close them (from [`KpiBounds::frame`]).
#[derive(Debug, Clone, PartialEq)]
pub struct KpiFrame {
    options: KpiOptions,
    data_end: NaiveDate,
    periods: Vec<Period>,
    /// The opening day of each period (the day before it), then the close of the last.
    days: Vec<NaiveDate>,
}

impl KpiFrame {
    /// The periods.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The data end ([`KpiReport::data_end`]).
    pub fn data_end(&self) -> NaiveDate {
        self.data_end
    }
}

/// One period's counts: customers and exact MRR sums.
#[derive(Debug, Clone, Default, PartialEq)]
struct PeriodCounts {
    customers: CustomerCounts,
    mrr: MrrSums,
}

/// The counts behind a KPI report over a [`KpiFrame`]: per period, the customer counts and the
/// MRR movements as exact sums, and the customers without subscriptions. Counts of disjoint sets
/// of customers (e.g. the partitions of a partitioned directory) [`merge`](Self::merge) into the
/// counts of their union — exactly, in any order — so the [`report`](Self::report) is the one
/// [`compute_kpis`](crate::kpi::compute_kpis) gives on all customers at once, to the byte.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::kpi::{compute_kpis, KpiBounds, KpiCounts, KpiOptions};
/// use attrition::simulate::{simulate, SimulationParams};
/// let tables = simulate(&SimulationParams::new(80, 2, 3))?.tables;
/// // Split the customers in two (as partitions would), count each half, merge.
/// let half = |keep: fn(u32) -> bool| {
///     let mut t = tables.clone();
///     t.subscriptions.retain(|s| keep(s.customer));
///     t
/// };
/// let (a, b) = (half(|c| c % 2 == 0), half(|c| c % 2 == 1));
/// let options = KpiOptions::new();
/// let mut bounds = KpiBounds::from_tables(&a);
/// bounds.merge(&KpiBounds::from_tables(&b))?;
/// let frame = bounds.frame(&options)?;
/// let mut counts = KpiCounts::count(&a, &frame);
/// counts.merge(&KpiCounts::count(&b, &frame))?;
/// let whole = compute_kpis(&tables, &options)?;
/// assert_eq!(counts.report(&frame).periods, whole.periods);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCounts {
    days: Vec<NaiveDate>,
    periods: Vec<PeriodCounts>,
    customers_without_subscriptions: usize,
}

impl KpiCounts {
    /// No customers, over `frame`.
    pub fn new(frame: &KpiFrame) -> Self {
        KpiCounts {
            days: frame.days.clone(),
            periods: vec![PeriodCounts::default(); frame.periods.len()],
            customers_without_subscriptions: 0,
        }
    }

    /// The counts of `tables`' customers over `frame`.
    pub fn count(tables: &Tables, frame: &KpiFrame) -> Self {
        let mut out = KpiCounts::new(frame);
        let days = &frame.days;
        let n = frame.periods.len();
        let mut states: Vec<DayState> = Vec::with_capacity(days.len());
        for subs_ix in &subscriptions_by_customer(tables) {
            let subs: Vec<&Subscription> = subs_ix.iter().map(|&i| &tables.subscriptions[i]).filter(live).collect();
            let Some(first_active) = subs.iter().map(|s| s.start_date).min() else {
                out.customers_without_subscriptions += 1;
                continue;
            };
            states.clear();
            states.extend(days.iter().map(|&d| state_on(subs.iter().copied(), d)));
            for k in 0..n {
                let (open_day, close_day) = (days[k], days[k + 1]);
                // Only asked when inactive at both ends: then every subscription starting by the
                // opening day has ended by it, so "active some day in (open, close]" is "one
                // starts in it".
                let between = !states[k].active
                    && !states[k + 1].active
                    && subs.iter().any(|s| s.start_date > open_day && s.start_date <= close_day);
                let p = &mut out.periods[k];
                add_customer(&mut p.customers, &mut p.mrr, states[k], states[k + 1], first_active, open_day, between);
            }
        }
        out
    }

    /// Adds the counts of other customers over the same frame. Errors when the frames differ.
    pub fn merge(&mut self, other: &KpiCounts) -> Result<()> {
        if self.days != other.days {
            return Err(Error::param(
                "counts",
                format!("{} periods", other.periods.len()),
                "KPI counts merge only over the same periods (one KpiFrame)",
            ));
        }
        for (a, b) in self.periods.iter_mut().zip(&other.periods) {
            a.customers.merge(&b.customers);
            a.mrr.merge(&b.mrr);
        }
        self.customers_without_subscriptions += other.customers_without_subscriptions;
        Ok(())
    }

    /// The KPI report of the customers counted. `frame` must be the frame counted over.
    pub fn report(&self, frame: &KpiFrame) -> KpiReport {
        let periods = frame
            .periods
            .iter()
            .zip(&self.periods)
            .enumerate()
            .map(|(k, (p, c))| {
                let closing_day = frame.days[k + 1];
                let partial = closing_day < p.last_day();
                period_kpis(p.label(), p.start, closing_day, partial, c.customers, c.mrr.movements(), &frame.options)
            })
            .collect();
        KpiReport {
            options: frame.options,
            data_end: frame.data_end,
            periods,
            customers_without_subscriptions: self.customers_without_subscriptions,
        }
    }
}
