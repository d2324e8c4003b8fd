//! The event catalogue discovered from the tables: for every event type, how widely and how
//! regularly it is used, whether early adopters stay longer, and whether it warns of churn; and a
//! proposed role with the measured reason.
//!
//! # What is measured (all from the tables alone)
//!
//! Each customer's *lifetime* runs from signup to their first churn, or to the discovery's last
//! day (`until`, default the data end) when still a customer ([`crate::survival::lifetimes`]).
//! Week `k` of a lifetime is days `[7k, 7k + 7)` after its start; only complete weeks count.
//!
//! - **Reach**: share of customers (with a lifetime) who ever used the type.
//! - **Weekly use**: share of all active customer-weeks with at least one event of the type, and
//!   the same among *retained* customers (not churned by `until`).
//! - **Adoption** within the first 30 and 90 days, among customers still active on day 30 / 90.
//! - **Retention of adopters vs non-adopters (landmark analysis).** Adoption measured over a whole
//!   lifetime is confounded by survival (immortal-time bias: whoever stays longer has more time to
//!   adopt anything). So adoption is fixed in the first `landmark_days` (90), and only customers
//!   still active on that day are compared, *from that day on*: Kaplan–Meier retention
//!   `horizon_days` (180) after the landmark for adopters and non-adopters, the difference with a
//!   Greenwood confidence interval, and a log-rank test (follow-up censored at the horizon).
//!   This is an association, not a causal effect: customers who adopt a feature early differ in
//!   many ways from those who do not.
//! - **Warning of churn.** The rate of the type in the 8 weeks before a churn over its rate in
//!   all other lifetime weeks (`pre_churn_rate_ratio`: the "concentrates before churn" reading,
//!   which every symptom of disengagement also shows), and a sharper measure used for the role:
//!   over customer-weeks after the landmark, the churn risk in the next `signal_outcome_weeks`
//!   (13) of customers with the type in the last `signal_exposure_weeks` (8), relative to equally
//!   active customers without it — a Mantel–Haenszel risk ratio over strata of activity (events
//!   of all other types in the last 4 weeks, in half-octave bins), with the Greenland–Robins
//!   confidence interval. Customer-weeks of one customer are not independent, so that interval
//!   is too narrow; treat it as a screen.
//!
//! # Proposed roles, in this order
//!
//! 1. **signal**: activity-adjusted churn risk ratio ≥ `signal_min_risk_ratio` (1.25) and its
//!    interval above 1.
//! 2. **core** (the everyday value): used in at least `core_min_weekly_share` (5%) of retained
//!    customers' weeks and at least `core_relative_weekly_share` (half) as often as the most
//!    weekly-used non-signal type.
//! 3. **sticky**: early adopters retained at least `sticky_min_gain` (1 point) better than
//!    non-adopters at the horizon, and the two retention curves differ (log-rank p < `alpha`,
//!    0.05; both groups at least `min_group` customers).
//! 4. **other**: the rest (the reason says why).
//!
//! ```
//! use attrition::catalogue::{discover, DiscoveryParams, EventRole};
//! use attrition::simulate::{simulate, SimulationParams};
//! let world = simulate(&SimulationParams::new(3_000, 24, 3)).unwrap();
//! let found = discover(&world.tables, &DiscoveryParams::new()).unwrap();
//! let login = found.entries.iter().find(|e| e.event_type == "login").unwrap();
//! assert_eq!(login.role, EventRole::Core);
//! let champion = found.entries.iter().find(|e| e.event_type == "champion_left").unwrap();
//! assert_eq!(champion.role, EventRole::Signal);
//! ```

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::catalogue::EventRole;
use crate::catalogue::file::CatalogueEntry;
use crate::error::{Error, Result};
use crate::io::tables::Tables;
use crate::survival::{KaplanMeier, LifetimeOptions, SurvivalData, lifetimes, logrank_test};

/// Seconds in a day.
const DAY: i64 = 86_400;
/// Activity (for the risk-ratio strata) is counted over this many weeks.
const ACTIVITY_WEEKS: usize = 4;
/// Strata of activity: half-octave bins of a `u32` count.
const N_STRATA: usize = 64;
/// Weeks before a churn for the raw pre-churn concentration.
const PRE_CHURN_WEEKS: i64 = 8;

/// Parameters of [`discover`]. Setters never fail; [`DiscoveryParams::check`] validates.
///
/// ```
/// use attrition::catalogue::DiscoveryParams;
/// let p = DiscoveryParams::new().horizon_days(365);
/// p.check().unwrap();
/// assert_eq!(p.landmark_days, 90);
/// assert!(DiscoveryParams::new().signal_exposure_weeks(2).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryParams {
    /// Last day of data used (events, churns); `None` = the data end
    /// ([`crate::features::infer_data_end`]).
    pub until: Option<NaiveDate>,
    /// Adoption window and landmark day of the retention comparison (default 90).
    pub landmark_days: u32,
    /// The shorter adoption window reported (default 30).
    pub early_days: u32,
    /// Days after the landmark at which retention is compared (default 180).
    pub horizon_days: u32,
    /// Weeks before a customer-week in which the event counts as "recent" (default 8, ≥ 4).
    pub signal_exposure_weeks: u32,
    /// Weeks after a customer-week in which a churn counts (default 13).
    pub signal_outcome_weeks: u32,
    /// Smallest activity-adjusted churn risk ratio of a signal (default 1.25).
    pub signal_min_risk_ratio: f64,
    /// Smallest share of retained customers' weeks with the type for a core type (default 0.05).
    pub core_min_weekly_share: f64,
    /// Smallest weekly share of a core type relative to the most weekly-used type (default 0.5).
    pub core_relative_weekly_share: f64,
    /// Smallest retention difference (adopters − non-adopters) of a sticky type (default 0.01).
    pub sticky_min_gain: f64,
    /// Fewest customers in each compared group, and fewest exposed customer-weeks (default 30).
    pub min_group: usize,
    /// Significance level of the intervals (default 0.05: 95% intervals).
    pub alpha: f64,
}

impl Default for DiscoveryParams {
    fn default() -> Self {
        DiscoveryParams {
            until: None,
            landmark_days: 90,
            early_days: 30,
            horizon_days: 180,
            signal_exposure_weeks: 8,
            signal_outcome_weeks: 13,
            signal_min_risk_ratio: 1.25,
            core_min_weekly_share: 0.05,
            core_relative_weekly_share: 0.5,
            sticky_min_gain: 0.01,
            min_group: 30,
            alpha: 0.05,
        }
    }
}

impl DiscoveryParams {
    /// The defaults above.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses data up to and including `day` only.
    pub fn until(mut self, day: NaiveDate) -> Self {
        self.until = Some(day);
        self
    }

    /// Sets the adoption window / landmark in days.
    pub fn landmark_days(mut self, days: u32) -> Self {
        self.landmark_days = days;
        self
    }

    /// Sets the retention horizon after the landmark, in days.
    pub fn horizon_days(mut self, days: u32) -> Self {
        self.horizon_days = days;
        self
    }

    /// Sets the exposure window of the signal measure, in weeks.
    pub fn signal_exposure_weeks(mut self, weeks: u32) -> Self {
        self.signal_exposure_weeks = weeks;
        self
    }

    /// Sets the outcome window of the signal measure, in weeks.
    pub fn signal_outcome_weeks(mut self, weeks: u32) -> Self {
        self.signal_outcome_weeks = weeks;
        self
    }

    /// Sets the smallest risk ratio of a signal.
    pub fn signal_min_risk_ratio(mut self, ratio: f64) -> Self {
        self.signal_min_risk_ratio = ratio;
        self
    }

    /// Sets the smallest retention gain of a sticky type.
    pub fn sticky_min_gain(mut self, gain: f64) -> Self {
        self.sticky_min_gain = gain;
        self
    }

    /// Sets the fewest customers per compared group.
    pub fn min_group(mut self, n: usize) -> Self {
        self.min_group = n;
        self
    }

    /// Validates the parameters.
    pub fn check(&self) -> Result<()> {
        if !(1..=3650).contains(&self.landmark_days) {
            return Err(Error::param("landmark_days", self.landmark_days, "must be between 1 and 3,650"));
        }
        if self.early_days == 0 || self.early_days > self.landmark_days {
            return Err(Error::param(
                "early_days",
                self.early_days,
                format!("must be between 1 and landmark_days ({})", self.landmark_days),
            ));
        }
        if !(1..=3650).contains(&self.horizon_days) {
            return Err(Error::param("horizon_days", self.horizon_days, "must be between 1 and 3,650"));
        }
        if !(ACTIVITY_WEEKS as u32..=104).contains(&self.signal_exposure_weeks) {
            return Err(Error::param(
                "signal_exposure_weeks",
                self.signal_exposure_weeks,
                format!("must be between {ACTIVITY_WEEKS} (the activity window) and 104"),
            ));
        }
        if !(1..=104).contains(&self.signal_outcome_weeks) {
            return Err(Error::param("signal_outcome_weeks", self.signal_outcome_weeks, "must be between 1 and 104"));
        }
        if !(self.signal_min_risk_ratio.is_finite() && self.signal_min_risk_ratio > 0.0) {
            return Err(Error::param(
                "signal_min_risk_ratio",
                self.signal_min_risk_ratio,
                "must be a finite number > 0",
            ));
        }
        for (name, v) in [
            ("core_min_weekly_share", self.core_min_weekly_share),
            ("core_relative_weekly_share", self.core_relative_weekly_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::param(name, v, "must be in [0, 1]"));
            }
        }
        if !(-1.0..=1.0).contains(&self.sticky_min_gain) {
            return Err(Error::param("sticky_min_gain", self.sticky_min_gain, "must be in [-1, 1]"));
        }
        if self.min_group == 0 {
            return Err(Error::param("min_group", 0, "must be at least 1"));
        }
        KaplanMeier::new().alpha(self.alpha).check()
    }
}

/// Retention of early adopters vs non-adopters from the landmark day on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdoptionRetention {
    /// Customers active on the landmark day who used the type before it.
    pub adopters: usize,
    /// Customers active on the landmark day who did not.
    pub non_adopters: usize,
    /// Kaplan–Meier retention of adopters at landmark + horizon.
    pub retained_adopters: f64,
    /// Kaplan–Meier retention of non-adopters at landmark + horizon.
    pub retained_non_adopters: f64,
    /// `retained_adopters − retained_non_adopters`.
    pub difference: f64,
    /// Confidence interval of the difference (Greenwood variances, normal approximation).
    pub difference_ci: (f64, f64),
    /// Log-rank p-value (follow-up censored at the horizon).
    pub logrank_p: f64,
}

/// An activity-adjusted churn risk ratio (Mantel–Haenszel over activity strata).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RiskRatio {
    /// Churn risk of exposed customer-weeks over equally active unexposed ones.
    pub ratio: f64,
    /// Greenland–Robins confidence interval (too narrow: customer-weeks are not independent).
    pub ci: (f64, f64),
    /// Customer-weeks with the type in the exposure window.
    pub exposed_weeks: u64,
    /// Of them, followed by a churn within the outcome window.
    pub exposed_churns: u64,
}

/// What was measured for one event type (see the [module docs](self)). Shares are `None` when
/// their denominator is empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTypeStats {
    /// Events of the type (up to `until`).
    pub events: u64,
    /// Customers (with a lifetime) who ever used it.
    pub customers: u64,
    /// `customers` ÷ customers with a lifetime.
    pub ever_share: Option<f64>,
    /// Share of active customer-weeks with the type.
    pub weekly_share: Option<f64>,
    /// Share of retained customers' active weeks with the type.
    pub retained_weekly_share: Option<f64>,
    /// Share of customers active on day `early_days` who used it before that day.
    pub adopted_early: Option<f64>,
    /// Share of customers active on the landmark day who used it before that day.
    pub adopted_by_landmark: Option<f64>,
    /// Retention of adopters vs non-adopters from the landmark (`None` with a group too small).
    pub retention: Option<AdoptionRetention>,
    /// Rate in the 8 weeks before a churn ÷ rate in other lifetime weeks.
    pub pre_churn_rate_ratio: Option<f64>,
    /// Activity-adjusted churn risk ratio of recent use (`None` with too few exposed weeks).
    pub churn_risk: Option<RiskRatio>,
}

/// Counts behind a [`Discovery`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoverySummary {
    /// Customers in the tables.
    pub customers: usize,
    /// Customers with a lifetime (at least one subscription by `until`).
    pub lifetimes: usize,
    /// Of them, churned by `until`.
    pub churned: usize,
    /// Customers active on day `early_days`.
    pub active_early: usize,
    /// Customers active on the landmark day (the retention comparison's population).
    pub active_at_landmark: usize,
    /// Complete active customer-weeks.
    pub customer_weeks: u64,
    /// Customer-weeks after the landmark with an observed outcome (the signal measure's rows).
    pub signal_weeks: u64,
    /// Events read (dated up to `until`).
    pub events: u64,
    /// Distinct event types.
    pub event_types: usize,
}

/// The result of [`discover`]: one entry per event type (by name), with the proposed role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discovery {
    /// The last day of data used.
    pub until: NaiveDate,
    /// The parameters used.
    pub params: DiscoveryParams,
    /// Counts.
    pub summary: DiscoverySummary,
    /// One entry per event type, sorted by name; `role` = `proposed_role`.
    pub entries: Vec<CatalogueEntry>,
}

impl Discovery {
    /// The entry of `event_type`, if the data has it.
    pub fn entry(&self, event_type: &str) -> Option<&CatalogueEntry> {
        self.entries.iter().find(|e| e.event_type == event_type)
    }

    /// Event types with role `role`, by name.
    pub fn with_role(&self, role: EventRole) -> Vec<&str> {
        self.entries.iter().filter(|e| e.role == role).map(|e| e.event_type.as_str()).collect()
    }
}

/// Per event type accumulators.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct TypeAcc {
    events: u64,
    customers: u64,
    weeks: u64,
    retained_weeks: u64,
    adopted_early: u64,
    adopted_landmark: u64,
    pre_events: u64,
    other_events: u64,
    /// Landmark records of adopters counted by (days after the landmark, churned): index
    /// `2 t + churned` ([`counts`]); empty without adopters.
    adopters: Vec<u64>,
    strata: Option<Box<TypeStrata>>,
}

impl TypeAcc {
    /// Adds the accumulators of other customers.
    fn merge(&mut self, o: &TypeAcc) {
        self.events += o.events;
        self.customers += o.customers;
        self.weeks += o.weeks;
        self.retained_weeks += o.retained_weeks;
        self.adopted_early += o.adopted_early;
        self.adopted_landmark += o.adopted_landmark;
        self.pre_events += o.pre_events;
        self.other_events += o.other_events;
        add_counts(&mut self.adopters, &o.adopters);
        if let Some(os) = &o.strata {
            match &mut self.strata {
                None => self.strata = Some(os.clone()),
                Some(s) => {
                    for k in 0..N_STRATA {
                        s.n[k] += os.n[k];
                        s.y[k] += os.y[k];
                        s.n_total[k] += os.n_total[k];
                        s.y_total[k] += os.y_total[k];
                    }
                }
            }
        }
    }
}

/// Adds counts `b` to `a` element by element (an empty side has no records).
fn add_counts(a: &mut Vec<u64>, b: &[u64]) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

/// Exposed customer-weeks by activity stratum: by the activity of other types (`n`, `y`) and
/// by total activity (`n_total`, `y_total`, to take them out of the unexposed counts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct TypeStrata {
    #[serde(with = "strata_serde")]
    n: [u64; N_STRATA],
    #[serde(with = "strata_serde")]
    y: [u64; N_STRATA],
    #[serde(with = "strata_serde")]
    n_total: [u64; N_STRATA],
    #[serde(with = "strata_serde")]
    y_total: [u64; N_STRATA],
}

/// Counts by activity stratum as a sequence (serde derives arrays of at most 32 only); another
/// length is a deserialization error.
mod strata_serde {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::N_STRATA;

    pub fn serialize<S: Serializer>(counts: &[u64; N_STRATA], s: S) -> std::result::Result<S::Ok, S::Error> {
        counts.as_slice().serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<[u64; N_STRATA], D::Error> {
        let v = Vec::<u64>::deserialize(d)?;
        let n = v.len();
        v.try_into().map_err(|_| D::Error::invalid_length(n, &"64 counts, one per activity stratum"))
    }
}

/// Half-octave bin of an activity count: 0, 1, 2, 3, then two bins per power of two.
fn stratum(v: u32) -> usize {
    if v < 4 {
        v as usize
    } else {
        let b = 31 - v.leading_zeros(); // floor(log2 v) ≥ 2
        (2 * b + ((v >> (b - 1)) & 1)) as usize
    }
}

fn day_num(d: NaiveDate) -> i64 {
    d.signed_duration_since(NaiveDate::default()).num_days()
}

/// Discovers the event catalogue from the tables; see the [module docs](self) for the measures
/// and the role rules.
///
/// Errors: invalid parameters, no customers or no subscription (no lifetime to measure).
pub fn discover(tables: &Tables, params: &DiscoveryParams) -> Result<Discovery> {
    params.check()?;
    let until = match params.until {
        Some(d) => d,
        None => crate::features::infer_data_end(tables)
            .ok_or(Error::EmptyData { context: "event catalogue discovery: the tables hold no dates" })?,
    };
    DiscoveryCounts::from_tables(tables, params, until)?.finish(params)
}

/// The sums [`discover`] collects over some customers' tables up to a day `until`: lifetimes,
/// customer-weeks and landmark records counted, and per event type (by name) its events,
/// adopters and exposed customer-weeks by activity stratum — integers only. The counts of
/// disjoint sets of customers [`merge`](DiscoveryCounts::merge) into the counts of all of them
/// (in any order), and [`finish`](DiscoveryCounts::finish) computes the statistics and roles from
/// the sums, so discovery over the parts of a partitioned dataset
/// (`PartitionedTables::discover`, feature `parquet`) finds the same catalogue, to the last bit,
/// as [`discover`] over the whole.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::catalogue::{discover, DiscoveryCounts, DiscoveryParams};
/// use attrition::io::tables::Tables;
/// use attrition::simulate::{simulate, SimulationParams};
/// let world = simulate(&SimulationParams::new(400, 12, 3))?;
/// let params = DiscoveryParams::new();
/// let until = attrition::features::infer_data_end(&world.tables).unwrap();
/// // The counts of no customers merged with those of all give the whole's discovery.
/// let mut counts = DiscoveryCounts::from_tables(&Tables::default(), &params, until)?;
/// counts.merge(&DiscoveryCounts::from_tables(&world.tables, &params, until)?)?;
/// assert_eq!(counts.finish(&params)?, discover(&world.tables, &params)?);
/// # Ok(()) }
/// ```
///
/// The counts serialize (serde, e.g. JSON), so the parts can be counted in other processes —
/// Spark executors — and added up where the catalogue is chosen:
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// # use attrition::catalogue::{DiscoveryCounts, DiscoveryParams};
/// # let world = attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(200, 12, 3))?;
/// # let until = attrition::features::infer_data_end(&world.tables).unwrap();
/// let counts = DiscoveryCounts::from_tables(&world.tables, &DiscoveryParams::new(), until)?;
/// let text = serde_json::to_string(&counts).unwrap();
/// assert_eq!(serde_json::from_str::<DiscoveryCounts>(&text).unwrap(), counts);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveryCounts {
    until: NaiveDate,
    horizon_days: u32,
    customers: usize,
    earliest_signup: Option<NaiveDate>,
    lifetimes: usize,
    churned: usize,
    active_early: usize,
    active_at_landmark: usize,
    customer_weeks: u64,
    signal_weeks: u64,
    events: u64,
    /// Landmark records of all customers active on the landmark day ([`counts`]).
    landmark_all: Vec<u64>,
    retained_weeks_total: u64,
    pre_days: i64,
    other_days: i64,
    #[serde(with = "strata_serde")]
    strata_n: [u64; N_STRATA],
    #[serde(with = "strata_serde")]
    strata_y: [u64; N_STRATA],
    /// Every event type of the tables (also one without events up to `until`), by name.
    types: BTreeMap<String, TypeAcc>,
}

impl DiscoveryCounts {
    /// The counts of `tables`' customers, with data up to and including `until` (the whole
    /// population's last day: [`DiscoveryParams::until`], or else the data end of all customers).
    /// Tables without customers, or whose customers all signed up after `until`, count only
    /// what they hold; [`finish`](DiscoveryCounts::finish) decides whether the sum is enough.
    pub fn from_tables(tables: &Tables, params: &DiscoveryParams, until: NaiveDate) -> Result<DiscoveryCounts> {
        params.check()?;
        let earliest_signup = tables.customers.iter().map(|c| c.signup_date).min();
        let life_rows = if earliest_signup.is_some_and(|e| e <= until) {
            lifetimes(tables, &LifetimeOptions::new(until))?.rows
        } else {
            Vec::new()
        };
        let ev = &tables.events;
        let n_kinds = ev.kinds.len();
        let cutoff = (day_num(until) + 1) * DAY;

        // Events grouped by customer (a counting sort of the event indices dated up to `until`).
        let n_cust = tables.customers.len();
        let mut offsets = vec![0usize; n_cust + 1];
        let mut n_events = 0u64;
        for i in 0..ev.len() {
            if ev.timestamp[i] < cutoff
                && let Some(o) = offsets.get_mut(ev.customer[i] as usize + 1)
            {
                *o += 1;
                n_events += 1;
            }
        }
        for c in 0..n_cust {
            offsets[c + 1] += offsets[c];
        }
        let mut order = vec![0u32; offsets[n_cust]];
        let mut next = offsets.clone();
        for i in 0..ev.len() {
            let c = ev.customer[i] as usize;
            if ev.timestamp[i] < cutoff && c < n_cust {
                order[next[c]] = i as u32;
                next[c] += 1;
            }
        }

        let landmark = i64::from(params.landmark_days);
        let early = i64::from(params.early_days);
        let horizon = i64::from(params.horizon_days);
        let exposure = params.signal_exposure_weeks as usize;
        let outcome = i64::from(params.signal_outcome_weeks);
        let first_week = (params.landmark_days as usize).div_ceil(7);

        let mut acc = vec![TypeAcc::default(); n_kinds];
        let mut summary = DiscoverySummary {
            customers: n_cust,
            lifetimes: life_rows.len(),
            churned: 0,
            active_early: 0,
            active_at_landmark: 0,
            customer_weeks: 0,
            signal_weeks: 0,
            events: n_events,
            event_types: n_kinds,
        };
        let mut landmark_all = vec![0u64; 2 * (horizon as usize + 1)];
        let (mut retained_weeks_total, mut pre_days, mut other_days) = (0u64, 0i64, 0i64);
        let mut strata_n = [0u64; N_STRATA];
        let mut strata_y = [0u64; N_STRATA];

        // Per-customer scratch.
        let mut pairs: Vec<(u16, i64)> = Vec::new();
        let mut week_total: Vec<u32> = Vec::new();
        let mut activity_prefix: Vec<u32> = Vec::new();
        let mut kind_prefix: Vec<u32> = Vec::new();
        let mut rows: Vec<(usize, bool, u32)> = Vec::new();

        for l in &life_rows {
            let c = l.customer as usize;
            let start = day_num(l.start);
            let d = l.duration_days;
            let churned = l.churned();
            summary.churned += usize::from(churned);
            let is_early = if churned { d > early } else { d >= early };
            let at_landmark = if churned { d > landmark } else { d >= landmark };
            summary.active_early += usize::from(is_early);
            let n_weeks = (d / 7).max(0) as usize;
            summary.customer_weeks += n_weeks as u64;
            if !churned {
                retained_weeks_total += n_weeks as u64;
            }
            if churned {
                pre_days += d.min(7 * PRE_CHURN_WEEKS);
                other_days += (d - 7 * PRE_CHURN_WEEKS).max(0);
            } else {
                other_days += d;
            }
            let landmark_record = at_landmark.then(|| {
                let t = d - landmark;
                ((t.min(horizon)) as u32, churned && t <= horizon)
            });
            if let Some(r) = landmark_record {
                summary.active_at_landmark += 1;
                landmark_all[2 * r.0 as usize + usize::from(r.1)] += 1;
            }

            pairs.clear();
            for &i in &order[offsets[c]..offsets[c + 1]] {
                let i = i as usize;
                pairs.push((ev.kind[i], ev.timestamp[i].div_euclid(DAY) - start));
            }
            pairs.sort_unstable();

            // Weekly activity (all types) and the signal measure's rows: (week, churned within the
            // outcome window, activity in the last ACTIVITY_WEEKS weeks).
            week_total.clear();
            week_total.resize(n_weeks, 0);
            for &(_, age) in &pairs {
                if age >= 0 && age < 7 * n_weeks as i64 {
                    week_total[(age / 7) as usize] += 1;
                }
            }
            prefix(&week_total, &mut activity_prefix);
            rows.clear();
            for w in first_week..n_weeks {
                let end = 7 * (w as i64 + 1 + outcome);
                let y = churned && d < end;
                if !y && d < end && !churned {
                    continue; // censored before the outcome window ends
                }
                let a = window(&activity_prefix, w, ACTIVITY_WEEKS);
                rows.push((w, y, a));
                strata_n[stratum(a)] += 1;
                strata_y[stratum(a)] += u64::from(y);
            }
            summary.signal_weeks += rows.len() as u64;

            // Per event type.
            let mut k0 = 0;
            while k0 < pairs.len() {
                let kind = pairs[k0].0;
                let mut k1 = k0;
                while k1 < pairs.len() && pairs[k1].0 == kind {
                    k1 += 1;
                }
                let ages = &pairs[k0..k1];
                let a = &mut acc[kind as usize];
                a.events += ages.len() as u64;
                a.customers += 1;
                let first = ages.iter().map(|p| p.1).find(|&age| age >= 0);
                if is_early && first.is_some_and(|f| f < early) {
                    a.adopted_early += 1;
                }
                if let Some(r) = landmark_record
                    && first.is_some_and(|f| f < landmark)
                {
                    a.adopted_landmark += 1;
                    if a.adopters.is_empty() {
                        a.adopters = vec![0; 2 * (horizon as usize + 1)];
                    }
                    a.adopters[2 * r.0 as usize + usize::from(r.1)] += 1;
                }
                let mut distinct = 0u64;
                let mut last_week = usize::MAX;
                for &(_, age) in ages {
                    if age >= 0 && age < d {
                        if churned && age >= d - 7 * PRE_CHURN_WEEKS {
                            a.pre_events += 1;
                        } else {
                            a.other_events += 1;
                        }
                    }
                    if age >= 0 && age < 7 * n_weeks as i64 {
                        let w = (age / 7) as usize;
                        if w != last_week {
                            distinct += 1;
                            last_week = w;
                        }
                    }
                }
                a.weeks += distinct;
                if !churned {
                    a.retained_weeks += distinct;
                }
                if distinct > 0 && !rows.is_empty() {
                    week_total.iter_mut().for_each(|x| *x = 0);
                    for &(_, age) in ages {
                        if age >= 0 && age < 7 * n_weeks as i64 {
                            week_total[(age / 7) as usize] += 1;
                        }
                    }
                    prefix(&week_total, &mut kind_prefix);
                    let s = a.strata.get_or_insert_with(|| {
                        Box::new(TypeStrata {
                            n: [0; N_STRATA],
                            y: [0; N_STRATA],
                            n_total: [0; N_STRATA],
                            y_total: [0; N_STRATA],
                        })
                    });
                    for &(w, y, total) in &rows {
                        if window(&kind_prefix, w, exposure) == 0 {
                            continue;
                        }
                        let own = window(&kind_prefix, w, ACTIVITY_WEEKS);
                        let (so, st) = (stratum(total - own), stratum(total));
                        s.n[so] += 1;
                        s.y[so] += u64::from(y);
                        s.n_total[st] += 1;
                        s.y_total[st] += u64::from(y);
                    }
                }
                k0 = k1;
            }
        }

        let mut types = BTreeMap::new();
        for (k, a) in acc.into_iter().enumerate() {
            types.entry(ev.kinds[k].clone()).or_insert_with(TypeAcc::default).merge(&a);
        }
        Ok(DiscoveryCounts {
            until,
            horizon_days: params.horizon_days,
            customers: n_cust,
            earliest_signup,
            lifetimes: summary.lifetimes,
            churned: summary.churned,
            active_early: summary.active_early,
            active_at_landmark: summary.active_at_landmark,
            customer_weeks: summary.customer_weeks,
            signal_weeks: summary.signal_weeks,
            events: summary.events,
            landmark_all,
            retained_weeks_total,
            pre_days,
            other_days,
            strata_n,
            strata_y,
            types,
        })
    }

    /// Adds the counts of other customers (disjoint from these), collected with the same
    /// `until` and horizon; an error otherwise.
    pub fn merge(&mut self, o: &DiscoveryCounts) -> Result<()> {
        if (o.until, o.horizon_days) != (self.until, self.horizon_days) {
            return Err(Error::param(
                "until",
                o.until,
                format!(
                    "discovery counts up to {} with a {}-day horizon cannot be added to counts up to {} with a {}-day horizon",
                    o.until, o.horizon_days, self.until, self.horizon_days
                ),
            ));
        }
        self.customers += o.customers;
        self.earliest_signup = match (self.earliest_signup, o.earliest_signup) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.lifetimes += o.lifetimes;
        self.churned += o.churned;
        self.active_early += o.active_early;
        self.active_at_landmark += o.active_at_landmark;
        self.customer_weeks += o.customer_weeks;
        self.signal_weeks += o.signal_weeks;
        self.events += o.events;
        add_counts(&mut self.landmark_all, &o.landmark_all);
        self.retained_weeks_total += o.retained_weeks_total;
        self.pre_days += o.pre_days;
        self.other_days += o.other_days;
        for k in 0..N_STRATA {
            self.strata_n[k] += o.strata_n[k];
            self.strata_y[k] += o.strata_y[k];
        }
        for (name, a) in &o.types {
            self.types.entry(name.clone()).or_default().merge(a);
        }
        Ok(())
    }

    /// The day the counts run to.
    pub fn until(&self) -> NaiveDate {
        self.until
    }

    /// The discovery of the counted customers: statistics per event type and proposed roles.
    /// `params` must be those the counts were collected with.
    ///
    /// Errors: no customers, `until` before every signup, no customer with a subscription.
    pub fn finish(self, params: &DiscoveryParams) -> Result<Discovery> {
        params.check()?;
        if params.horizon_days != self.horizon_days {
            return Err(Error::param(
                "horizon_days",
                params.horizon_days,
                format!("the counts were collected with a {}-day horizon", self.horizon_days),
            ));
        }
        if self.customers == 0 {
            return Err(Error::EmptyData { context: "lifetimes (no customers)" });
        }
        if let Some(e) = self.earliest_signup
            && self.until < e
        {
            return Err(Error::param(
                "censor_date",
                self.until,
                format!("is before every customer's signup (the earliest signup is {e})"),
            ));
        }
        if self.lifetimes == 0 {
            return Err(Error::EmptyData { context: "event catalogue discovery: no customer has a subscription" });
        }
        let until = self.until;
        let summary = DiscoverySummary {
            customers: self.customers,
            lifetimes: self.lifetimes,
            churned: self.churned,
            active_early: self.active_early,
            active_at_landmark: self.active_at_landmark,
            customer_weeks: self.customer_weeks,
            signal_weeks: self.signal_weeks,
            events: self.events,
            event_types: self.types.len(),
        };
        let (pre_days, other_days) = (self.pre_days, self.other_days);
        let horizon = params.horizon_days as usize;

        // Statistics per type (by name).
        let z = Normal::standard().inverse_cdf(1.0 - params.alpha / 2.0);
        let share = |num: u64, den: u64| (den > 0).then(|| num as f64 / den as f64);
        let mut stats: Vec<(String, EventTypeStats)> = Vec::with_capacity(self.types.len());
        for (name, a) in &self.types {
            let retention = adoption_retention(a, &self.landmark_all, horizon, params, z)?;
            let pre_rate = (pre_days > 0).then(|| a.pre_events as f64 / pre_days as f64);
            let other_rate = (other_days > 0).then(|| a.other_events as f64 / other_days as f64);
            let pre_churn_rate_ratio = match (pre_rate, other_rate) {
                (Some(p), Some(o)) if o > 0.0 => Some(p / o),
                _ => None,
            };
            stats.push((
                name.clone(),
                EventTypeStats {
                    events: a.events,
                    customers: a.customers,
                    ever_share: share(a.customers, summary.lifetimes as u64),
                    weekly_share: share(a.weeks, summary.customer_weeks),
                    retained_weekly_share: share(a.retained_weeks, self.retained_weeks_total),
                    adopted_early: share(a.adopted_early, summary.active_early as u64),
                    adopted_by_landmark: share(a.adopted_landmark, summary.active_at_landmark as u64),
                    retention,
                    pre_churn_rate_ratio,
                    churn_risk: a
                        .strata
                        .as_deref()
                        .and_then(|s| risk_ratio(s, &self.strata_n, &self.strata_y, params, z)),
                },
            ));
        }

        // Roles.
        let signal =
            |s: &EventTypeStats| s.churn_risk.is_some_and(|r| r.ratio >= params.signal_min_risk_ratio && r.ci.0 > 1.0);
        let weekly = |s: &EventTypeStats| s.retained_weekly_share.or(s.weekly_share).unwrap_or(0.0);
        let top_weekly = stats.iter().map(|(_, s)| s).filter(|s| !signal(s)).map(weekly).fold(0.0f64, f64::max);
        let mut entries: Vec<CatalogueEntry> = Vec::with_capacity(stats.len());
        for (event_type, s) in stats {
            let (role, reason) = propose(&s, params, top_weekly, signal(&s), weekly(&s), &summary);
            entries.push(CatalogueEntry { event_type, role, proposed_role: Some(role), reason, stats: Some(s) });
        }
        Ok(Discovery { until, params: params.clone(), summary, entries })
    }
}

/// `out[i]` = sum of `v[..i]`.
fn prefix(v: &[u32], out: &mut Vec<u32>) {
    out.clear();
    out.push(0);
    let mut s = 0u32;
    for &x in v {
        s = s.saturating_add(x);
        out.push(s);
    }
}

/// Sum of the `len` weeks ending with week `w` (inclusive), from a prefix sum.
fn window(prefix: &[u32], w: usize, len: usize) -> u32 {
    prefix[w + 1] - prefix[(w + 1).saturating_sub(len)]
}

/// Counts of landmark records by (days after the landmark, churned): index `2 t + churned`.
#[cfg(test)]
fn counts(records: &[(u32, bool)], horizon: usize) -> Vec<u64> {
    let mut c = vec![0u64; 2 * (horizon + 1)];
    for &(t, e) in records {
        c[2 * t as usize + usize::from(e)] += 1;
    }
    c
}

/// Weighted survival data (one row per distinct (time, event), weight = count).
fn survival_data(counts: &[u64]) -> Result<SurvivalData> {
    let (mut t, mut e, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &n) in counts.iter().enumerate() {
        if n > 0 {
            t.push((i / 2) as f64);
            e.push(i % 2 == 1);
            w.push(n as f64);
        }
    }
    SurvivalData::new(t, e)?.with_weights(w)
}

fn adoption_retention(
    a: &TypeAcc,
    all: &[u64],
    horizon: usize,
    params: &DiscoveryParams,
    z: f64,
) -> Result<Option<AdoptionRetention>> {
    let total: u64 = all.iter().sum();
    let adopters: u64 = a.adopters.iter().sum();
    let non = total - adopters;
    if (adopters as usize) < params.min_group || (non as usize) < params.min_group {
        return Ok(None);
    }
    let mut ad = a.adopters.clone();
    ad.resize(all.len(), 0);
    let rest: Vec<u64> = all.iter().zip(&ad).map(|(x, y)| x - y).collect();
    let (d_ad, d_rest) = (survival_data(&ad)?, survival_data(&rest)?);
    let km = KaplanMeier::new().alpha(params.alpha);
    let (c_ad, c_rest) = (km.fit(&d_ad)?, km.fit(&d_rest)?);
    let h = horizon as f64;
    let at = |c: &crate::survival::SurvivalCurve| {
        let s = c.survival_at(h);
        let g = c.points.iter().take_while(|p| p.time <= h).last().map_or(0.0, |p| p.greenwood);
        (s, s * s * g)
    };
    let ((s1, v1), (s0, v0)) = (at(&c_ad), at(&c_rest));
    let diff = s1 - s0;
    let half = z * (v1 + v0).sqrt();
    let p = logrank_test(&[&d_ad, &d_rest])?.p_value;
    Ok(Some(AdoptionRetention {
        adopters: adopters as usize,
        non_adopters: non as usize,
        retained_adopters: s1,
        retained_non_adopters: s0,
        difference: diff,
        difference_ci: (diff - half, diff + half),
        logrank_p: p,
    }))
}

/// The Mantel–Haenszel risk ratio over activity strata, with the Greenland–Robins interval.
fn risk_ratio(
    s: &TypeStrata,
    all_n: &[u64; N_STRATA],
    all_y: &[u64; N_STRATA],
    params: &DiscoveryParams,
    z: f64,
) -> Option<RiskRatio> {
    let (mut r, mut q, mut p) = (0.0, 0.0, 0.0);
    let (mut exposed, mut churns) = (0u64, 0u64);
    for k in 0..N_STRATA {
        exposed += s.n[k];
        churns += s.y[k];
        let (n1, a) = (s.n[k] as f64, s.y[k] as f64);
        let n0 = (all_n[k] - s.n_total[k]) as f64;
        let b = (all_y[k] - s.y_total[k]) as f64;
        let n = n0 + n1;
        if n1 == 0.0 || n0 == 0.0 {
            continue;
        }
        r += a * n0 / n;
        q += b * n1 / n;
        p += n1 * n0 * (a + b) / (n * n) - a * b / n;
    }
    if (exposed as usize) < params.min_group || r <= 0.0 || q <= 0.0 {
        return None;
    }
    let ratio = r / q;
    let se = (p / (r * q)).max(0.0).sqrt();
    Some(RiskRatio {
        ratio,
        ci: ((ratio.ln() - z * se).exp(), (ratio.ln() + z * se).exp()),
        exposed_weeks: exposed,
        exposed_churns: churns,
    })
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The proposed role of one type and the measured reason.
fn propose(
    s: &EventTypeStats,
    params: &DiscoveryParams,
    top_weekly: f64,
    is_signal: bool,
    weekly: f64,
    summary: &DiscoverySummary,
) -> (EventRole, String) {
    let (lw, ow) = (params.signal_exposure_weeks, params.signal_outcome_weeks);
    let risk_text = |r: &RiskRatio| {
        format!(
            "customers with it in the last {lw} weeks churned {:.2}× as often in the next {ow} weeks as equally active customers without it (95% CI {:.2}–{:.2}, {} customer-weeks)",
            r.ratio, r.ci.0, r.ci.1, r.exposed_weeks
        )
    };
    let retention_text = |r: &AdoptionRetention| {
        format!(
            "customers who used it in their first {} days kept {} vs {} without it {} days later ({:+.1} points, 95% CI {:+.1} to {:+.1}, log-rank p = {:.2e}, {} vs {} customers)",
            params.landmark_days,
            pct(r.retained_adopters),
            pct(r.retained_non_adopters),
            params.horizon_days,
            100.0 * r.difference,
            100.0 * r.difference_ci.0,
            100.0 * r.difference_ci.1,
            r.logrank_p,
            r.adopters,
            r.non_adopters
        )
    };
    if is_signal && let Some(r) = &s.churn_risk {
        return (EventRole::Signal, format!("signal: {}", risk_text(r)));
    }
    let core_floor = params.core_min_weekly_share.max(params.core_relative_weekly_share * top_weekly);
    if weekly >= core_floor && weekly > 0.0 {
        return (
            EventRole::Core,
            format!(
                "core: used in {} of retained customers' active weeks (the most weekly-used type: {}; core needs ≥ {})",
                pct(weekly),
                pct(top_weekly),
                pct(core_floor)
            ),
        );
    }
    if let Some(r) = &s.retention {
        if r.difference >= params.sticky_min_gain && r.logrank_p < params.alpha {
            return (
                EventRole::Sticky,
                format!("sticky: {} — an association, not proof that the feature keeps them", retention_text(r)),
            );
        }
        let why = if r.difference <= 0.0 {
            "adopters were not retained better".to_owned()
        } else if r.difference < params.sticky_min_gain {
            format!("the retention gain is below {:.1} points", 100.0 * params.sticky_min_gain)
        } else {
            format!("the retention difference is not significant (log-rank p ≥ {})", params.alpha)
        };
        return (
            EventRole::Other,
            format!("other: {why}: {}; used in {} of retained weeks", retention_text(r), pct(weekly)),
        );
    }
    let why = if summary.active_at_landmark == 0 {
        format!("no customer is observed beyond day {}", params.landmark_days)
    } else {
        format!(
            "too few customers to compare (fewer than {} adopters or non-adopters by day {})",
            params.min_group, params.landmark_days
        )
    };
    (EventRole::Other, format!("other: {why}; used in {} of retained weeks", pct(weekly)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_octave_strata() {
        let got: Vec<usize> =
            [0u32, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, u32::MAX].iter().map(|&v| stratum(v)).collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 63]);
    }

    #[test]
    fn counted_survival_data_gives_the_unweighted_curve_and_test() {
        // Landmark records compressed to (time, event) counts give the same KM curve, Greenwood
        // sums and log-rank test as one row per customer.
        let a: Vec<(u32, bool)> = (0..200).map(|i| ((i * 37 % 181) as u32, i % 3 == 0)).collect();
        let b: Vec<(u32, bool)> = (0..150).map(|i| ((i * 53 % 181) as u32, i % 5 == 0)).collect();
        let rows = |r: &[(u32, bool)]| {
            SurvivalData::new(r.iter().map(|x| f64::from(x.0)).collect(), r.iter().map(|x| x.1).collect()).unwrap()
        };
        let (ca, cb) = (survival_data(&counts(&a, 180)).unwrap(), survival_data(&counts(&b, 180)).unwrap());
        let km = KaplanMeier::new();
        let (x, y) = (km.fit(&ca).unwrap(), km.fit(&rows(&a)).unwrap());
        assert_eq!(x.points.len(), y.points.len());
        for (p, q) in x.points.iter().zip(&y.points) {
            assert_eq!((p.time, p.at_risk, p.events), (q.time, q.at_risk, q.events));
            assert!((p.survival - q.survival).abs() < 1e-12 && (p.greenwood - q.greenwood).abs() < 1e-12);
        }
        let t1 = logrank_test(&[&ca, &cb]).unwrap();
        let t2 = logrank_test(&[&rows(&a), &rows(&b)]).unwrap();
        assert!((t1.statistic - t2.statistic).abs() < 1e-9 && (t1.p_value - t2.p_value).abs() < 1e-12);
    }

    #[test]
    fn mantel_haenszel_matches_a_hand_computation() {
        // Two strata. Stratum 0: exposed 10 (5 churn), unexposed 90 (9 churn); stratum 1:
        // exposed 20 (4), unexposed 180 (18). RR_MH = Σ a n0/N ÷ Σ b n1/N
        // = (5·90/100 + 4·180/200) ÷ (9·10/100 + 18·20/200) = (4.5 + 3.6) ÷ (0.9 + 1.8) = 3.
        let mut s = TypeStrata { n: [0; N_STRATA], y: [0; N_STRATA], n_total: [0; N_STRATA], y_total: [0; N_STRATA] };
        s.n[0] = 10;
        s.y[0] = 5;
        s.n[1] = 20;
        s.y[1] = 4;
        s.n_total = s.n;
        s.y_total = s.y;
        let mut all_n = [0u64; N_STRATA];
        let mut all_y = [0u64; N_STRATA];
        all_n[0] = 100;
        all_y[0] = 14;
        all_n[1] = 200;
        all_y[1] = 22;
        let r = risk_ratio(&s, &all_n, &all_y, &DiscoveryParams::new().min_group(1), 1.959_963_984_540_054).unwrap();
        assert!((r.ratio - 3.0).abs() < 1e-12);
        assert_eq!(r.exposed_weeks, 30);
        assert!(r.ci.0 < 3.0 && r.ci.1 > 3.0);
    }
}
