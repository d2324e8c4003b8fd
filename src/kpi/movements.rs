//! Customer counts and MRR movements over one period, from each customer's state at its opening
//! and closing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::io::tables::Subscription;
use crate::kpi::exact::ExactSum;

/// Customer counts over one period.
///
/// `at_start + new + reactivated − churned = at_end` always holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCounts {
    /// Customers active at the opening of the period (on the day before its first day).
    pub at_start: u64,
    /// Customers active at the close who were not at the opening and had never been active before
    /// the period (first-ever subscription in the period).
    pub new: u64,
    /// Customers active at the close who were not at the opening but had been active before the
    /// period (they came back).
    pub reactivated: u64,
    /// Customers active at the opening and not at the close.
    pub churned: u64,
    /// Customers active at the close of the period (on its last day).
    pub at_end: u64,
    /// Customers active at some point during the period but neither at its opening nor at its
    /// close — e.g. a sign-up who churned within the period. They are in no other count and move no
    /// MRR; they are reported so that nothing is dropped silently.
    pub joined_and_left: u64,
}

impl CustomerCounts {
    /// Customers active at both the opening and the close.
    pub fn retained(&self) -> u64 {
        self.at_start - self.churned
    }

    /// Adds `other`'s counts (the counts of other customers over the same period).
    pub fn merge(&mut self, other: &CustomerCounts) {
        self.at_start += other.at_start;
        self.new += other.new;
        self.reactivated += other.reactivated;
        self.churned += other.churned;
        self.at_end += other.at_end;
        self.joined_and_left += other.joined_and_left;
    }
}

/// MRR movements over one period, comparing each customer's MRR at the opening and the close.
///
/// `start + new + expansion + reactivation − contraction − churned = end` holds for every period
/// (up to floating-point rounding).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MrrMovements {
    /// MRR at the opening (Σ over subscriptions active on the day before the period).
    pub start: f64,
    /// MRR at the close of new customers (see [`CustomerCounts::new`]).
    pub new: f64,
    /// MRR increase of customers active at both ends whose MRR went up.
    pub expansion: f64,
    /// MRR decrease (positive number) of customers active at both ends whose MRR went down.
    pub contraction: f64,
    /// Opening MRR (positive number) of churned customers.
    pub churned: f64,
    /// MRR at the close of reactivated customers.
    pub reactivation: f64,
    /// MRR at the close (Σ over subscriptions active on the period's last day).
    pub end: f64,
}

impl MrrMovements {
    /// Net new MRR: new + expansion + reactivation − contraction − churned.
    pub fn net_new(&self) -> f64 {
        self.new + self.expansion + self.reactivation - self.contraction - self.churned
    }

    /// `start + net_new − end`: zero up to rounding (the MRR bridge identity).
    pub fn identity_gap(&self) -> f64 {
        self.start + self.net_new() - self.end
    }
}

/// The MRR movements of one period as exact sums ([`ExactSum`]): the same totals whatever the
/// order customers are added or partitions merged.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MrrSums {
    pub start: ExactSum,
    pub new: ExactSum,
    pub expansion: ExactSum,
    pub contraction: ExactSum,
    pub churned: ExactSum,
    pub reactivation: ExactSum,
    pub end: ExactSum,
}

impl MrrSums {
    fn parts_mut(&mut self) -> [&mut ExactSum; 7] {
        [
            &mut self.start,
            &mut self.new,
            &mut self.expansion,
            &mut self.contraction,
            &mut self.churned,
            &mut self.reactivation,
            &mut self.end,
        ]
    }

    /// Adds `other`'s sums.
    pub fn merge(&mut self, other: &MrrSums) {
        let mut o = other.clone();
        for (a, b) in self.parts_mut().into_iter().zip(o.parts_mut()) {
            a.merge(b);
        }
    }

    /// The movements, each sum rounded once.
    pub fn movements(&self) -> MrrMovements {
        MrrMovements {
            start: self.start.value(),
            new: self.new.value(),
            expansion: self.expansion.value(),
            contraction: self.contraction.value(),
            churned: self.churned.value(),
            reactivation: self.reactivation.value(),
            end: self.end.value(),
        }
    }
}

/// A customer's state on one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct DayState {
    pub active: bool,
    pub mrr: f64,
}

/// The customer's state on `day` (subscriptions that are never active are ignored by construction).
pub(crate) fn state_on<'a>(subs: impl Iterator<Item = &'a Subscription>, day: NaiveDate) -> DayState {
    let mut s = DayState { active: false, mrr: 0.0 };
    for sub in subs.filter(|x| x.is_active_on(day)) {
        s.active = true;
        s.mrr += sub.mrr;
    }
    s
}

/// Adds one customer's contribution to a period whose opening state is `open` (on `opening_day`,
/// the day before the period) and closing state `close` (on `closing_day`).
///
/// `first_active` is the customer's first-ever active day; `active_between` says whether the
/// customer was active on some day in `(opening_day, closing_day]`.
pub(crate) fn add_customer(
    counts: &mut CustomerCounts,
    mrr: &mut MrrSums,
    open: DayState,
    close: DayState,
    first_active: NaiveDate,
    opening_day: NaiveDate,
    active_between: bool,
) {
    if open.active {
        counts.at_start += 1;
        mrr.start.add(open.mrr);
    }
    if close.active {
        counts.at_end += 1;
        mrr.end.add(close.mrr);
    }
    match (open.active, close.active) {
        (true, true) => {
            // The change enters the exact sum as its two terms (a rounded difference such as
            // 50 − 16.6 = 33.400000000000006 would not be exact); its sign is exact either way.
            if close.mrr > open.mrr {
                mrr.expansion.add(close.mrr);
                mrr.expansion.add(-open.mrr);
            } else if close.mrr < open.mrr {
                mrr.contraction.add(open.mrr);
                mrr.contraction.add(-close.mrr);
            }
        }
        (false, true) => {
            if first_active > opening_day {
                counts.new += 1;
                mrr.new.add(close.mrr);
            } else {
                counts.reactivated += 1;
                mrr.reactivation.add(close.mrr);
            }
        }
        (true, false) => {
            counts.churned += 1;
            mrr.churned.add(open.mrr);
        }
        (false, false) => {
            if active_between {
                counts.joined_and_left += 1;
            }
        }
    }
}
