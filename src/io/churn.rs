//! What churn is: subscriptions ending (the default), a cancellation event, or inactivity — and
//! *when each churn day becomes known*, which is what keeps features point-in-time.
//!
//! Many products (freemium, usage-based, B2C apps) have no subscriptions table: only an event log
//! with a cancellation event, or only usage. [`Tables::derive_churn`] turns such an event log into
//! the subscription timeline the rest of the crate reads (one `activity` line per active spell,
//! MRR 0), so KPIs, retention curves, the catalogue discovery and the feature engine all work
//! unchanged, and records the [`ChurnDefinition`] in [`Tables::churn`].
//!
//! # Exact rules
//!
//! Days are UTC calendar days. A customer is active from their signup day.
//!
//! * [`ChurnDefinition::Subscriptions`] — churned on the day the last active subscription ends
//!   (see [`crate::features`]); **known the day after** (features at `as_of` see the state of
//!   `as_of − 1`).
//! * [`ChurnDefinition::Event`] (`churn_event = "cancel_subscription"`) — churned on the day of
//!   the cancellation event; known the day after (features see events before `as_of`). A later
//!   event of any other type on a later day is a return: a new active spell from that day. A
//!   cancellation while not active (a repeated cancellation) changes nothing and is counted.
//!   The cancellation events (and their type) then leave the events table: they are churn, not
//!   usage ([`ChurnReport::cancellation_events_removed`]).
//! * [`ChurnDefinition::Inactivity`] (`inactive_days = N`) — the customer's *activity days* are
//!   the signup day and every day with an event (of any type). Churned on day `d = a + 1` after an
//!   activity day `a` followed by `N` days `a + 1 … a + N` without activity; **known only on day
//!   `d + N`** (the first as-of date whose past holds all `N` quiet days). An activity day after
//!   such a gap is a return. A customer whose quiet days run past the end of the data
//!   (`d + N > data_end`) has not churned (censored), whatever happens later.
//!
//! The feature engine uses [`ChurnDefinition::known_after_days`]: with inactivity, a customer is
//! observed at `as_of` while their churn is not yet known there (their latest activity day `a`
//! before `as_of` has `a + N ≥ as_of`), a churn day before `as_of + lead` excludes the observation
//! (churned in the lead time, counted), and a label window `[s, e)` is complete only when the churn
//! of its last day would be known by the data end: `e − 1 + N ≤ data_end`. So no feature or label at
//! `as_of` uses a churn that is known only later.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::io::churn::ChurnDefinition;
//! use attrition::io::tables::{Customer, EventsBuilder, Tables};
//! let day = |s: &str| attrition::io::parse::parse_date(s).unwrap();
//! let ts = |s: &str| attrition::io::parse::day_start(day(s));
//! let mut b = EventsBuilder::new();
//! b.push(0, ts("2024-01-10"), "play", "")?; // a: last activity 01-10 → churned 01-11
//! b.push(1, ts("2024-01-02"), "play", "")?; // b: active until the data end
//! b.push(1, ts("2024-03-01"), "play", "")?;
//! let mut t = Tables {
//!     customers: vec![Customer::new("a", day("2024-01-01")), Customer::new("b", day("2024-01-01"))],
//!     events: b.finish(),
//!     ..Default::default()
//! };
//! let report = t.derive_churn(&ChurnDefinition::Inactivity { inactive_days: 30 }, None)?;
//! assert_eq!(report.data_end, Some(day("2024-03-01"))); // inferred: the last event
//! // a: quiet from 01-11 on, known on 02-10: churned on 01-11.
//! assert_eq!(t.subscriptions[0].end_date, Some(day("2024-01-11")));
//! // b: quiet 01-03 … 02-29 (58 days): churned on 01-03, back on 03-01, and active since (the
//! // 30 quiet days after 03-01 are not in the data).
//! assert_eq!(t.subscriptions[1].end_date, Some(day("2024-01-03")));
//! assert_eq!((t.subscriptions[2].start_date, t.subscriptions[2].end_date), (day("2024-03-01"), None));
//! assert_eq!((report.churns, report.returns), (2, 1));
//! assert_eq!(t.churn.known_after_days(), 30);
//! # Ok(()) }
//! ```

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::data_end;
use crate::io::parse::day_of;
use crate::io::tables::{Subscription, Tables};

/// The longest inactivity accepted as a churn definition (10 years).
pub const MAX_INACTIVE_DAYS: u32 = 3650;

/// The product name of a derived active spell.
pub const ACTIVITY_PRODUCT: &str = "activity";

/// What churn is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ChurnDefinition {
    /// The last active subscription ends (the subscriptions table).
    #[default]
    Subscriptions,
    /// A cancellation event type: churned on its day.
    Event {
        /// The event type that means "cancelled".
        churn_event: String,
    },
    /// No activity for `inactive_days` days: churned the day after the last activity.
    Inactivity {
        /// Quiet days that make a churn (1 ..= [`MAX_INACTIVE_DAYS`]).
        inactive_days: u32,
    },
}

impl ChurnDefinition {
    /// How many days after the churn day the churn is known: features at `as_of` see a churn on
    /// day `d` only when `as_of ≥ d + known_after_days()` (1, or `N` for inactivity).
    ///
    /// ```
    /// use attrition::io::churn::ChurnDefinition;
    /// assert_eq!(ChurnDefinition::Subscriptions.known_after_days(), 1);
    /// assert_eq!(ChurnDefinition::Inactivity { inactive_days: 30 }.known_after_days(), 30);
    /// ```
    pub fn known_after_days(&self) -> i32 {
        match self {
            ChurnDefinition::Inactivity { inactive_days } => (*inactive_days).max(1) as i32,
            _ => 1,
        }
    }

    /// Whether churn comes from a subscriptions table (not derived from events).
    pub fn is_subscriptions(&self) -> bool {
        matches!(self, ChurnDefinition::Subscriptions)
    }

    /// Checks the parameters (an inactivity of 1 ..= [`MAX_INACTIVE_DAYS`] days, a non-empty
    /// event type).
    pub fn check(&self) -> Result<()> {
        match self {
            ChurnDefinition::Inactivity { inactive_days } if !(1..=MAX_INACTIVE_DAYS).contains(inactive_days) => {
                Err(Error::param("inactive_days", inactive_days, format!("1 ..= {MAX_INACTIVE_DAYS} days")))
            }
            ChurnDefinition::Event { churn_event } if churn_event.trim().is_empty() => {
                Err(Error::param("churn_event", "\"\"", "an event type name"))
            }
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for ChurnDefinition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChurnDefinition::Subscriptions => write!(f, "the last active subscription ends"),
            ChurnDefinition::Event { churn_event } => write!(f, "a `{churn_event}` event"),
            ChurnDefinition::Inactivity { inactive_days } => write!(f, "{inactive_days} days without any event"),
        }
    }
}

/// What [`Tables::derive_churn`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChurnReport {
    /// The definition used.
    pub definition: ChurnDefinition,
    /// Customers.
    pub customers: u64,
    /// Churn days (a customer may churn, return and churn again).
    pub churns: u64,
    /// Customers with at least one churn.
    pub churned_customers: u64,
    /// Returns after a churn.
    pub returns: u64,
    /// Cancellation events while not active (repeated cancellations), which change nothing.
    pub repeated_cancellations: u64,
    /// Inactivity: the data end used for censoring (quiet days must end on or before it).
    pub data_end: Option<NaiveDate>,
    /// A cancellation event: its events, taken out of the events table once turned into churn
    /// days (they are not usage: usage counts, type breadth and per-type columns leave them out).
    #[serde(default)]
    pub cancellation_events_removed: u64,
}

impl std::fmt::Display for ChurnReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "churn = {}: {} of {} customers churned ({} churn days, {} returns",
            self.definition, self.churned_customers, self.customers, self.churns, self.returns
        )?;
        if self.repeated_cancellations > 0 {
            write!(f, ", {} repeated cancellations ignored", self.repeated_cancellations)?;
        }
        write!(f, ")")?;
        if self.cancellation_events_removed > 0 {
            write!(
                f,
                "; its {} events are churn, not usage (left out of usage features)",
                self.cancellation_events_removed
            )?;
        }
        if let Some(d) = self.data_end {
            write!(f, "; quiet days counted up to the data end {d}")?;
        }
        Ok(())
    }
}

impl Tables {
    /// Derives the subscription timeline from the events by `definition` (see the
    /// [module docs](crate::io::churn)) and records it in [`Tables::churn`]: one subscription per
    /// active spell (product [`ACTIVITY_PRODUCT`], MRR 0) replaces [`Tables::subscriptions`].
    ///
    /// `data_end` is the last day of the data, for censoring inactivity (default: inferred, as
    /// [`crate::features::infer_data_end`]). Errors: the definition is out of range, the tables
    /// hold a subscriptions table, or the cancellation event type never occurs. Deriving again
    /// replaces the spells of an earlier derivation.
    pub fn derive_churn(&mut self, definition: &ChurnDefinition, data_end: Option<NaiveDate>) -> Result<ChurnReport> {
        definition.check()?;
        if definition.is_subscriptions() {
            self.churn = ChurnDefinition::Subscriptions;
            return Err(Error::param("churn", "subscriptions", "nothing to derive: churn is the subscriptions table"));
        }
        // Derived spells (an earlier derivation) are replaced; a real subscriptions table is not.
        if self.churn.is_subscriptions() && !self.subscriptions.is_empty() {
            return Err(Error::param(
                "churn",
                definition,
                "the tables already hold subscriptions: churn without subscriptions needs no subscriptions table",
            ));
        }
        let n = self.customers.len();
        let mut report = ChurnReport {
            definition: definition.clone(),
            customers: n as u64,
            churns: 0,
            churned_customers: 0,
            returns: 0,
            repeated_cancellations: 0,
            data_end: None,
            cancellation_events_removed: 0,
        };
        // Each customer's (day, is_cancellation), sorted.
        let cancel = match definition {
            ChurnDefinition::Event { churn_event } => Some(self.events.kind_index(churn_event).ok_or_else(|| {
                let mut known: Vec<&str> = self.events.kinds.iter().map(String::as_str).collect();
                known.sort_unstable();
                let shown = known.iter().take(12).copied().collect::<Vec<_>>().join(", ");
                Error::param(
                    "churn_event",
                    churn_event,
                    format!(
                        "no event has this type ({} types occur{}{})",
                        known.len(),
                        if known.is_empty() { "" } else { ": " },
                        shown
                    ),
                )
            })?),
            _ => None,
        };
        let mut per: Vec<Vec<(i32, bool)>> = vec![Vec::new(); n];
        for i in 0..self.events.len() {
            let c = self.events.customer[i] as usize;
            if c >= n {
                return Err(Error::param("events.customer", c, format!("must index one of the {n} customers")));
            }
            let d = day_num(day_of(self.events.timestamp[i]));
            per[c].push((d, cancel == Some(self.events.kind[i])));
        }
        let end = match (definition, data_end) {
            (ChurnDefinition::Inactivity { .. }, Some(d)) => Some(day_num(d)),
            (ChurnDefinition::Inactivity { .. }, None) => data_end_of(self).map(day_num),
            _ => None,
        };
        report.data_end = end.map(day_date);
        let mut subs = Vec::new();
        for (c, days) in per.iter_mut().enumerate() {
            days.sort_unstable();
            let signup = day_num(self.customers[c].signup_date);
            let spells = match definition {
                ChurnDefinition::Event { .. } => event_spells(signup, days, &mut report.repeated_cancellations),
                ChurnDefinition::Inactivity { inactive_days } => {
                    inactivity_spells(signup, days, *inactive_days as i32, end.unwrap_or(i32::MAX))
                }
                ChurnDefinition::Subscriptions => Vec::new(),
            };
            let churns = spells.iter().filter(|s| s.1.is_some()).count() as u64;
            report.churns += churns;
            report.churned_customers += u64::from(churns > 0);
            report.returns += spells.len().saturating_sub(1) as u64;
            subs.extend(spells.into_iter().map(|(start, end)| Subscription {
                customer: c as u32,
                product: ACTIVITY_PRODUCT.to_owned(),
                start_date: day_date(start),
                end_date: end.map(day_date),
                mrr: 0.0,
            }));
        }
        self.subscriptions = subs;
        self.churn = definition.clone();
        if let Some(k) = cancel {
            report.cancellation_events_removed = self.events.remove_kind(k) as u64;
        }
        Ok(report)
    }
}

/// The inferred data end (events, NPS, signups), robust to outliers.
fn data_end_of(tables: &Tables) -> Option<NaiveDate> {
    data_end(tables, false).map(|d| d.day)
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

fn day_num(d: NaiveDate) -> i32 {
    d.signed_duration_since(epoch()).num_days() as i32
}

fn day_date(d: i32) -> NaiveDate {
    epoch().checked_add_signed(chrono::Duration::days(i64::from(d))).unwrap_or(epoch())
}

/// Active spells `[start, churn)` from a signup and sorted (day, is_cancellation) pairs.
fn event_spells(signup: i32, days: &[(i32, bool)], repeated: &mut u64) -> Vec<(i32, Option<i32>)> {
    let mut spells = Vec::new();
    let mut start = Some(signup);
    let mut last_churn = i32::MIN;
    for &(d, is_cancel) in days {
        match (start, is_cancel) {
            (Some(s), true) => {
                spells.push((s, Some(d)));
                start = None;
                last_churn = d;
            }
            (None, true) => *repeated += 1,
            (None, false) if d > last_churn => start = Some(d),
            _ => {}
        }
    }
    if let Some(s) = start {
        spells.push((s, None));
    }
    spells
}

/// Active spells from a signup and sorted activity days: a gap of more than `n` days between
/// activity days `a < x` (days `a + 1 … a + n` quiet) is a churn on `a + 1` and a return on `x`;
/// the last spell churns on `last + 1` only if `last + 1 + n ≤ end`.
fn inactivity_spells(signup: i32, days: &[(i32, bool)], n: i32, end: i32) -> Vec<(i32, Option<i32>)> {
    let mut spells = Vec::new();
    let mut start = signup;
    let mut last = signup;
    for &(d, _) in days {
        if d > last + n {
            spells.push((start, Some(last + 1)));
            start = d;
        }
        last = last.max(d);
    }
    let churn = last + 1;
    spells.push((start, (i64::from(churn) + i64::from(n) <= i64::from(end)).then_some(churn)));
    spells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inactivity_gaps_and_censoring() {
        // signup 0, activity 5, 40 (gap 35 > 30: churn 6, return 40), end 100: churn 41 known 71.
        let s = inactivity_spells(0, &[(5, false), (40, false)], 30, 100);
        assert_eq!(s, vec![(0, Some(6)), (40, Some(41))]);
        // A gap of exactly 30 quiet days (activity 5 then 36) is a churn; 35 is not.
        assert_eq!(inactivity_spells(0, &[(5, false), (36, false)], 30, 100)[0], (0, Some(6)));
        assert_eq!(inactivity_spells(0, &[(5, false), (35, false)], 30, 100).len(), 1);
        // Censored: 41 + 30 > 70.
        assert_eq!(inactivity_spells(20, &[(40, false)], 30, 70), vec![(20, None)]);
        assert_eq!(inactivity_spells(20, &[(40, false)], 30, 71), vec![(20, Some(41))]);
        // The signup day is an activity day: 40 days to the first event is a churn and a return.
        assert_eq!(inactivity_spells(0, &[(40, false)], 30, 71), vec![(0, Some(1)), (40, Some(41))]);
    }

    #[test]
    fn cancellations_and_returns() {
        let mut rep = 0;
        let s = event_spells(0, &[(3, false), (10, true), (10, false), (12, true), (20, false)], &mut rep);
        assert_eq!(s, vec![(0, Some(10)), (20, None)]);
        assert_eq!(rep, 1);
    }

    /// The cancellation events become churn days and leave the events table with their type: no
    /// usage feature counts them, and usage breadth is over the usage types only (a tester saw
    /// `events_per_week_*_cancel_subscription` always 0 and breadth capped at 3 of 4 types).
    #[test]
    fn cancellation_events_leave_the_usage_events() -> crate::Result<()> {
        use crate::features::{FeatureCatalogue, snapshot};
        use crate::io::tables::{Customer, EventsBuilder};
        let day =
            |s: &str| crate::io::parse::parse_date(s).ok_or_else(|| crate::Error::param("date", s, "a test date"));
        let ts = |s: &str| -> crate::Result<i64> { Ok(crate::io::parse::day_start(day(s)?)) };
        let mut b = EventsBuilder::new();
        for (c, kind, d) in [
            (0, "login", "2024-01-05"),
            (0, "export", "2024-02-01"),
            (0, "cancel", "2024-02-10"),
            (1, "login", "2024-02-20"),
            (1, "export", "2024-02-21"),
            (2, "login", "2024-02-22"),
        ] {
            b.push(c, ts(d)?, kind, "")?;
        }
        let mut t = Tables {
            customers: ["a", "b", "c"]
                .iter()
                .map(|n| Ok(Customer::new(*n, day("2024-01-01")?)))
                .collect::<crate::Result<_>>()?,
            events: b.finish(),
            ..Default::default()
        };
        let report = t.derive_churn(&ChurnDefinition::Event { churn_event: "cancel".into() }, None)?;
        assert_eq!((report.churned_customers, report.cancellation_events_removed), (1, 1));
        assert_eq!(t.subscriptions[0].end_date, Some(day("2024-02-10")?));
        assert_eq!(t.events.kinds, ["login", "export"]);
        assert_eq!(t.events.len(), 5);
        let catalogue = FeatureCatalogue::standard().resolve(&t)?;
        let ds = snapshot(&t, day("2024-03-01")?, &catalogue)?;
        let names = ds.feature_names();
        assert!(names.iter().all(|n| !n.contains("cancel")), "{names:?}");
        let breadth = ds.column("event_type_breadth_90d").and_then(|c| c.as_numeric()).map(|v| v.to_vec());
        // b used both usage types (1.0), c one of two (0.5); a churned and is not in the snapshot.
        assert_eq!(breadth, Some(vec![1.0, 0.5]));
        Ok(())
    }
}
