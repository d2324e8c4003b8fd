//! Observations and labels: which (customer, as-of date) pairs are observed, how each is labelled
//! or why it is excluded, and the assembly of the feature [`Dataset`].

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::dataset::{Column, ColumnData, Dataset};
use crate::error::{Error, Result};
use crate::features::context::GlobalContext;
use crate::features::data_end::{DataEnd, data_end};
use crate::features::engine::{CustomerInput, Plan, customer_rows, signup_day};
use crate::features::params::FeatureParams;
use crate::features::spec::{FeatureCatalogue, FeatureSpec};
use crate::features::timeline::{Grouped, SubTimeline, day_date, day_num, group, product_ids, timeline};
use crate::io::tables::AttributeKind;
use crate::io::tables::Tables;

/// Why a candidate observation (a customer active on `as_of − 1`) is left out of a labelled table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Exclusion {
    /// The customer churns in `[as_of, as_of + lead)`: too late to act on.
    ChurnedInLead,
    /// The label window `[as_of + lead, as_of + lead + horizon)` ends after `data_end`, so the
    /// outcome is not fully observed.
    LabelWindowIncomplete,
}

impl Exclusion {
    /// Stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Exclusion::ChurnedInLead => "churned_in_lead",
            Exclusion::LabelWindowIncomplete => "label_window_incomplete",
        }
    }
}

impl std::fmt::Display for Exclusion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts for one as-of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateCounts {
    /// The as-of date.
    pub as_of: NaiveDate,
    /// Customers active on `as_of − 1` (candidates).
    pub active: u64,
    /// Observations kept (labelled).
    pub observations: u64,
    /// Kept observations labelled churned.
    pub churned: u64,
    /// Candidates excluded because they churn within the lead time.
    pub churned_in_lead: u64,
    /// Candidates excluded because their label window is not fully observed.
    pub label_window_incomplete: u64,
}

/// What [`build_observations`] did: observations made, and candidates excluded by reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReport {
    /// Customers in the tables.
    pub customers: u64,
    /// Events in the tables (all are read by the sweep up to the last as-of date).
    pub events: u64,
    /// Last day present in the data, as used for label windows.
    pub data_end: NaiveDate,
    /// Whether `data_end` was inferred from the data (not given).
    pub data_end_inferred: bool,
    /// When inferred: dated rows left out of the data end as outliers beyond the bulk of the
    /// data ([`crate::features::data_end`]), with the latest such date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_end_outliers: Option<DataEnd>,
    /// Candidate observations: (customer, as-of date) pairs with the customer active on `as_of − 1`.
    pub candidates: u64,
    /// (customer, as-of date) pairs skipped because the customer had no active subscription on
    /// `as_of − 1` (not yet signed up, or churned and not back).
    pub not_active: u64,
    /// Observations kept.
    pub observations: u64,
    /// Kept observations labelled churned.
    pub churned: u64,
    /// Candidates excluded, by reason (every reason is listed, with 0 when none).
    pub excluded: BTreeMap<Exclusion, u64>,
    /// The same counts per as-of date.
    pub per_date: Vec<DateCounts>,
    /// Number of feature columns.
    pub n_features: usize,
}

impl FeatureReport {
    /// Share of kept observations labelled churned, `None` without observations.
    pub fn churn_rate(&self) -> Option<f64> {
        (self.observations > 0).then(|| self.churned as f64 / self.observations as f64)
    }

    /// Total candidates excluded.
    pub fn excluded_total(&self) -> u64 {
        self.excluded.values().sum()
    }

    /// The per-date counts as a text table: as-of date, active customers, observations kept,
    /// churn %, churned within the lead time and label windows not fully observed.
    pub fn per_date_table(&self) -> String {
        let mut t = format!(
            "  {:<12} {:>9} {:>9} {:>8} {:>9} {:>11}\n",
            "as_of", "active", "kept", "churn%", "in_lead", "incomplete"
        );
        for d in &self.per_date {
            let rate = if d.observations > 0 {
                format!("{:.2}", 100.0 * d.churned as f64 / d.observations as f64)
            } else {
                "-".into()
            };
            t += &format!(
                "  {:<12} {:>9} {:>9} {:>8} {:>9} {:>11}\n",
                d.as_of.to_string(),
                d.active,
                d.observations,
                rate,
                d.churned_in_lead,
                d.label_window_incomplete
            );
        }
        t
    }
}

impl std::fmt::Display for FeatureReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} observations × {} features from {} customers and {} events ({} as-of dates, data end {}{})",
            self.observations,
            self.n_features,
            self.customers,
            self.events,
            self.per_date.len(),
            self.data_end,
            if self.data_end_inferred { ", inferred" } else { "" }
        )?;
        match self.churn_rate() {
            Some(r) => writeln!(f, "churned: {} ({:.2}%)", self.churned, 100.0 * r)?,
            None => writeln!(f, "churned: no observations")?,
        }
        writeln!(f, "candidates (active on as_of − 1): {}; not active: {}", self.candidates, self.not_active)?;
        for (k, v) in &self.excluded {
            writeln!(f, "  excluded {v}: {k}")?;
        }
        Ok(())
    }
}

/// The output of [`build_observations`].
#[derive(Debug, Clone)]
pub struct FeatureTable {
    /// Features; `ids` = customer ids, `as_of` = observation dates, `churned` = labels. Rows are
    /// ordered by customer (order of `customers.csv`), then as-of date.
    pub dataset: Dataset,
    /// Counts of observations and exclusions.
    pub report: FeatureReport,
    /// The resolved catalogue the columns come from: pass it to [`snapshot`] for scoring.
    pub catalogue: FeatureCatalogue,
}

/// The label of a candidate observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Kept(bool),
    Excluded(Exclusion),
}

/// Whether the customer is a candidate at `a`: active on `a − 1`, or churned on a day whose churn is
/// not known yet at `a` (`lag` = [`crate::io::churn::ChurnDefinition::known_after_days`]: a churn on
/// day `d` is known from `d + lag` on).
fn is_candidate(tl: &SubTimeline, a: i32, lag: i32) -> bool {
    tl.active_count(a - 1) > 0 || tl.churns_in(a - lag + 1, a)
}

/// The label of candidate `a`. A churn not yet known at `a` (before `a`) or in the lead time
/// excludes it; the window `[s, e)` is complete when the churn of its last day is known by the
/// data end (`e − 1 + lag ≤ data_end`; with `lag` 1: `e ≤ data_end`).
fn label(tl: &SubTimeline, a: i32, lead: i32, horizon: i32, data_end: i32, lag: i32) -> Status {
    if tl.churns_in(a - lag + 1, a + lead) {
        Status::Excluded(Exclusion::ChurnedInLead)
    } else if i64::from(a) + i64::from(lead) + i64::from(horizon) - 1 + i64::from(lag) > i64::from(data_end) {
        Status::Excluded(Exclusion::LabelWindowIncomplete)
    } else {
        Status::Kept(tl.churns_in(a + lead, a + lead + horizon))
    }
}

/// The latest day in the bulk of the data: events, NPS responses, subscription starts, signups,
/// ignoring outliers more than [`crate::features::OUTLIER_GAP_DAYS`] days after the 99.9th
/// percentile ([`data_end`] says how many).
pub fn infer_data_end(tables: &Tables) -> Option<NaiveDate> {
    data_end(tables, false).map(|d| d.day)
}

/// One observation list per customer: as-of days (ascending) and labels.
struct CustomerObs {
    days: Vec<i32>,
    churned: Vec<bool>,
}

/// Builds the labelled observation table; see the [module docs](crate::features) for the exact
/// semantics.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::features::{build_observations, Exclusion, FeatureParams};
/// use attrition::io::tables::{Customer, EventsBuilder, Subscription, Tables};
/// use chrono::NaiveDate;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let customer = |id: &str| Customer::new(id, d("2024-01-01"));
/// let sub = |c, end: Option<&str>| Subscription {
///     customer: c, product: "listings".into(), start_date: d("2024-01-01"), end_date: end.map(d), mrr: 50.0,
/// };
/// let mut events = EventsBuilder::new();
/// events.push(0, 1_706_000_000, "login", "u1")?; // 2024-01-23
/// events.push(2, 1_725_000_000, "login", "u9")?; // 2024-08-30: fixes the data end
/// let tables = Tables {
///     customers: vec![customer("a"), customer("b"), customer("c")],
///     subscriptions: vec![sub(0, Some("2024-03-20")), sub(1, Some("2024-03-03")), sub(2, None)],
///     events: events.finish(),
///     ..Default::default()
/// };
/// let params = FeatureParams::new(d("2024-03-01"), d("2024-03-01")).lead_days(7).horizon_days(30);
/// let table = build_observations(&tables, &params)?;
/// // a churns on 03-20, inside [03-08, 04-07): churned. b churns on 03-03, inside the lead: excluded.
/// assert_eq!(table.dataset.ids.as_deref(), Some(&["a".to_string(), "c".to_string()][..]));
/// assert_eq!(table.dataset.churned.as_deref(), Some(&[true, false][..]));
/// assert_eq!(table.report.excluded[&Exclusion::ChurnedInLead], 1);
/// let tenure = table.dataset.column("tenure_days").unwrap().as_numeric().unwrap();
/// assert_eq!(tenure, &[60.0, 60.0]);
/// # Ok(()) }
/// ```
pub fn build_observations(tables: &Tables, params: &FeatureParams) -> Result<FeatureTable> {
    params.check()?;
    let context = GlobalContext::from_tables(tables, &params.catalogue)?;
    build_observations_in(tables, params, &context)
}

/// [`build_observations`] of the customers in `tables` with the decisions taken over a larger
/// population ([`GlobalContext`]: the resolved catalogue — `params.catalogue` is not resolved
/// again — and the inferred data end, used unless `params.data_end` is set). With the context of
/// a whole population, the rows of a part's customers equal the whole's rows of them; the
/// report counts only the part's customers.
pub fn build_observations_in(tables: &Tables, params: &FeatureParams, context: &GlobalContext) -> Result<FeatureTable> {
    params.check()?;
    let catalogue = context.catalogue.clone();
    let dates: Vec<i32> = params.as_of_dates()?.into_iter().map(day_num).collect();
    let (data_end, inferred, outliers) = context.label_end(params.data_end)?;
    let end = day_num(data_end);
    let lead = params.lead_days as i32;
    let horizon = params.horizon_days as i32;
    let lag = tables.churn.known_after_days();
    let grouped = group(tables)?;
    let products = product_ids(tables);
    let nd = dates.len();

    // Pass 1: candidates and labels. Counts are integer sums, so the reduction order is irrelevant.
    let per_customer: Vec<(CustomerObs, Vec<[u64; 5]>)> = (0..tables.customers.len())
        .into_par_iter()
        .map(|c| {
            let tl = timeline(tables, &grouped, &products, c);
            let mut obs = CustomerObs { days: Vec::new(), churned: Vec::new() };
            let mut counts = vec![[0u64; 5]; 0];
            for (j, &a) in dates.iter().enumerate() {
                if !is_candidate(&tl, a, lag) {
                    continue;
                }
                if counts.is_empty() {
                    counts = vec![[0u64; 5]; nd];
                }
                counts[j][0] += 1;
                match label(&tl, a, lead, horizon, end, lag) {
                    Status::Kept(y) => {
                        obs.days.push(a);
                        obs.churned.push(y);
                        counts[j][1] += 1;
                        counts[j][2] += u64::from(y);
                    }
                    Status::Excluded(Exclusion::ChurnedInLead) => counts[j][3] += 1,
                    Status::Excluded(Exclusion::LabelWindowIncomplete) => counts[j][4] += 1,
                }
            }
            (obs, counts)
        })
        .collect();

    let mut per_date_counts = vec![[0u64; 5]; nd];
    for (_, counts) in &per_customer {
        for (acc, c) in per_date_counts.iter_mut().zip(counts) {
            for k in 0..5 {
                acc[k] += c[k];
            }
        }
    }
    let (obs, _): (Vec<CustomerObs>, Vec<_>) = per_customer.into_iter().unzip();
    let churned: Vec<bool> = obs.iter().flat_map(|o| o.churned.iter().copied()).collect();
    let day_lists: Vec<Vec<i32>> = obs.into_iter().map(|o| o.days).collect();

    let dataset = assemble(tables, &grouped, &products, &catalogue, &day_lists)?.with_churned(churned)?;

    let per_date: Vec<DateCounts> = dates
        .iter()
        .zip(&per_date_counts)
        .map(|(&a, c)| DateCounts {
            as_of: day_date(a),
            active: c[0],
            observations: c[1],
            churned: c[2],
            churned_in_lead: c[3],
            label_window_incomplete: c[4],
        })
        .collect();
    let sum = |f: fn(&DateCounts) -> u64| per_date.iter().map(f).sum::<u64>();
    let candidates = sum(|d| d.active);
    let excluded = BTreeMap::from([
        (Exclusion::ChurnedInLead, sum(|d| d.churned_in_lead)),
        (Exclusion::LabelWindowIncomplete, sum(|d| d.label_window_incomplete)),
    ]);
    let report = FeatureReport {
        customers: tables.customers.len() as u64,
        events: tables.events.len() as u64,
        data_end,
        data_end_inferred: inferred,
        data_end_outliers: outliers,
        candidates,
        not_active: (tables.customers.len() as u64) * (nd as u64) - candidates,
        observations: sum(|d| d.observations),
        churned: sum(|d| d.churned),
        excluded,
        per_date,
        n_features: dataset.n_features(),
    };
    Ok(FeatureTable { dataset, report, catalogue })
}

/// Unlabelled features of every customer active on `as_of − 1`, for scoring: the same features,
/// computed by the same code as [`build_observations`] (rows in customer order, `ids` and `as_of`
/// set, no label).
///
/// Pass the catalogue of the training [`FeatureTable`] so that the columns match the model's.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::features::{snapshot, FeatureCatalogue};
/// use attrition::io::tables::{Customer, Subscription, Tables};
/// use chrono::NaiveDate;
/// let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
/// let tables = Tables {
///     customers: vec![Customer::new("a", d("2024-01-01"))],
///     subscriptions: vec![Subscription {
///         customer: 0, product: "listings".into(), start_date: d("2024-01-01"), end_date: None, mrr: 50.0,
///     }],
///     ..Default::default()
/// };
/// let ds = snapshot(&tables, d("2024-02-01"), &FeatureCatalogue::standard())?;
/// assert_eq!(ds.n_rows(), 1);
/// assert!(ds.churned.is_none());
/// assert_eq!(ds.column("mrr").unwrap().as_numeric().unwrap(), &[50.0]);
/// assert!(ds.column("nps_latest").unwrap().as_numeric().unwrap()[0].is_nan()); // no NPS yet
/// // Nobody is active the day before they sign up:
/// assert_eq!(snapshot(&tables, d("2024-01-01"), &FeatureCatalogue::standard())?.n_rows(), 0);
/// # Ok(()) }
/// ```
pub fn snapshot(tables: &Tables, as_of: NaiveDate, catalogue: &FeatureCatalogue) -> Result<Dataset> {
    let catalogue = catalogue.resolve(tables)?;
    snapshot_resolved(tables, as_of, &catalogue)
}

/// [`snapshot`] with a catalogue already resolved over the whole population (e.g.
/// [`GlobalContext::catalogue`]): it is used as is.
pub fn snapshot_resolved(tables: &Tables, as_of: NaiveDate, catalogue: &FeatureCatalogue) -> Result<Dataset> {
    if !catalogue.is_resolved() {
        return Err(Error::param("catalogue", "unresolved", "snapshot_resolved needs a resolved catalogue"));
    }
    let a = day_num(as_of);
    let lag = tables.churn.known_after_days();
    let grouped = group(tables)?;
    let products = product_ids(tables);
    let day_lists: Vec<Vec<i32>> = (0..tables.customers.len())
        .into_par_iter()
        .map(|c| {
            let tl = timeline(tables, &grouped, &products, c);
            if is_candidate(&tl, a, lag) { vec![a] } else { Vec::new() }
        })
        .collect();
    assemble(tables, &grouped, &products, catalogue, &day_lists)
}

/// Customers per parallel block: bounds the row-major buffers held at once.
const BLOCK: usize = 2048;

/// Computes the features of the observations `day_lists[c]` of each customer `c` and assembles
/// the dataset (rows by customer, then date), with ids and as-of dates but no label.
fn assemble(
    tables: &Tables,
    grouped: &Grouped,
    products: &[u32],
    catalogue: &FeatureCatalogue,
    day_lists: &[Vec<i32>],
) -> Result<Dataset> {
    let plan = Plan::new(catalogue, tables)?;
    let n_num = plan.n_numeric();
    let n_rows: usize = day_lists.iter().map(Vec::len).sum();
    let n_users = tables.events.users.len();
    let mut numeric: Vec<Vec<f64>> = (0..n_num).map(|_| Vec::with_capacity(n_rows)).collect();

    for start in (0..day_lists.len()).step_by(BLOCK) {
        let end = (start + BLOCK).min(day_lists.len());
        let blocks: Vec<Vec<f64>> = (start..end)
            .into_par_iter()
            .map(|c| {
                let days = &day_lists[c];
                let mut out = Vec::with_capacity(days.len() * n_num);
                if !days.is_empty() {
                    // Derived churn: the active spells are not subscriptions (an inactivity spell's
                    // end is known only later), so no subscription feature may read them.
                    let tl = if tables.churn.is_subscriptions() {
                        timeline(tables, grouped, products, c)
                    } else {
                        SubTimeline::new(Vec::new())
                    };
                    let nps: Vec<(i32, u8)> = grouped
                        .nps(c)
                        .iter()
                        .map(|&i| {
                            let r = &tables.nps[i as usize];
                            (day_num(r.date), r.score)
                        })
                        .collect();
                    let input = CustomerInput {
                        events: grouped.events(tables, c),
                        signup: signup_day(tables, c),
                        subs: &tl,
                        nps: &nps,
                    };
                    customer_rows(&plan, n_users, &input, days, &mut out);
                }
                out
            })
            .collect();
        // Transpose the block into the columns, one column per task.
        numeric.par_iter_mut().enumerate().for_each(|(j, col)| {
            for b in &blocks {
                col.extend(b.iter().skip(j).step_by(n_num));
            }
        });
    }

    let rows_customer: Vec<usize> =
        day_lists.iter().enumerate().flat_map(|(c, d)| std::iter::repeat_n(c, d.len())).collect();
    let as_of_days: Vec<i32> = day_lists.iter().flatten().copied().collect();
    let mut numeric = numeric.into_iter();
    let mut ds = Dataset::with_rows(n_rows);
    for spec in &catalogue.specs {
        let col = match spec {
            FeatureSpec::Attribute { attribute, kind, .. } => {
                // Scoring tables without the attribute give missing values, as a missing cell would.
                let attr = tables.attribute(attribute);
                let rows = rows_customer.iter().zip(&as_of_days);
                match kind {
                    AttributeKind::Numeric => {
                        let values =
                            rows.map(|(&c, _)| attr.and_then(|a| a.number(c as u32)).unwrap_or(f64::NAN)).collect();
                        Column { name: spec.name(), data: ColumnData::Numeric(values) }
                    }
                    AttributeKind::Date => {
                        let values = rows
                            .map(|(&c, &a)| match attr.and_then(|at| at.date(c as u32)).map(day_num) {
                                Some(d) if d <= a => f64::from(a - d),
                                _ => f64::NAN,
                            })
                            .collect();
                        Column { name: spec.name(), data: ColumnData::Numeric(values) }
                    }
                    _ => {
                        let values: Vec<Option<&str>> =
                            rows.map(|(&c, _)| attr.and_then(|a| a.category(c as u32))).collect();
                        Column::categorical(spec.name(), &values)
                    }
                }
            }
            _ => {
                let values = numeric.next().ok_or(Error::Numerical {
                    context: "feature assembly",
                    reason: "fewer numeric columns than numeric specs".into(),
                })?;
                Column { name: spec.name(), data: ColumnData::Numeric(values) }
            }
        };
        ds.push_column(col)?;
    }
    let ids = rows_customer.iter().map(|&c| tables.customers[c].customer_id.clone()).collect();
    let as_of = as_of_days.iter().map(|&a| day_date(a)).collect();
    ds.with_ids(ids)?.with_as_of(as_of)
}
