//! The feature engine: one customer's events, sorted by time, swept once by moving window
//! pointers across that customer's as-of dates.
//!
//! For every distinct window length `w` in the catalogue the engine keeps the events in
//! `[as_of − w, as_of)` as per-event-type counts (and per-user counts when distinct users are
//! needed). Moving to the next as-of date adds the events that entered and removes those that
//! left, so each event is touched at most twice per window length whatever the cadence — no scan
//! per customer per date. Everything an observation sees is strictly before `as_of` 00:00 UTC.

use std::cell::RefCell;
use std::collections::HashSet;

use crate::catalogue::EventRole;
use crate::error::Result;
use crate::features::spec::{EventSelector, FeatureCatalogue, FeatureSpec, is_usage};
use crate::features::timeline::{DAY, EventSlice, SubTimeline, day_num};
use crate::io::tables::Tables;

/// A numeric feature compiled against the event types of one [`Tables`].
#[derive(Debug, Clone, Copy)]
enum Op {
    Tenure,
    Mrr,
    MrrChange(i32),
    ActiveProducts,
    Upsold,
    DaysToFirstUpsell,
    UpsoldWithin(i32),
    Rate { sel: usize, win: usize, days: i32 },
    Count { sel: usize, win: usize },
    Any { sel: usize, win: usize },
    Share { sel: usize, win: usize },
    Trend { recent: usize, both: usize, days: i32 },
    DaysSince,
    ActiveWeeks(i32),
    Breadth { win: usize },
    Users { win: usize },
    NpsLatest,
    NpsChange,
    NpsDetractor,
    NpsPromoter,
}

/// A resolved catalogue compiled for the engine.
pub(crate) struct Plan {
    ops: Vec<Op>,
    /// Window lengths in days, distinct.
    windows: Vec<i32>,
    /// Whether a window needs distinct-user counts.
    window_users: Vec<bool>,
    /// Event-type indices of each selector.
    selectors: Vec<Vec<u16>>,
    /// Selector index of "usage".
    usage_sel: usize,
    /// Whether each event type is usage.
    kind_usage: Vec<bool>,
    /// Event types of the catalogue's `event_types` that occur in the data.
    breadth_kinds: Vec<u16>,
    /// Usage types merged into `other_types` (beyond the cap), when the catalogue merged any:
    /// together they count as one more type for breadth.
    merged_kinds: Vec<u16>,
    /// Number of usage types available (`event_types.len()`, plus 1 for merged types).
    n_available: usize,
    n_kinds: usize,
    need_users: bool,
    need_usage_days: bool,
}

impl Plan {
    /// Compiles the numeric specs of a resolved catalogue (categorical ones are skipped).
    pub fn new(catalogue: &FeatureCatalogue, tables: &Tables) -> Result<Plan> {
        let kinds = &tables.events.kinds;
        let roles: Vec<EventRole> = kinds.iter().map(|k| catalogue.events.role(k)).collect();
        let kind_usage: Vec<bool> = roles.iter().map(|r| is_usage(*r)).collect();
        let type_list = catalogue.event_types.clone().unwrap_or_default();
        let types: HashSet<&str> = type_list.iter().map(String::as_str).collect();
        let breadth_kinds: Vec<u16> =
            kinds.iter().enumerate().filter(|(_, k)| types.contains(k.as_str())).map(|(i, _)| i as u16).collect();
        let merged = catalogue.merged_event_types.is_some();
        let merged_kinds: Vec<u16> = if merged {
            (0..kinds.len())
                .filter(|&k| kind_usage[k] && !types.contains(kinds[k].as_str()))
                .map(|k| k as u16)
                .collect()
        } else {
            Vec::new()
        };
        let mut plan = Plan {
            ops: Vec::new(),
            windows: Vec::new(),
            window_users: Vec::new(),
            selectors: Vec::new(),
            usage_sel: 0,
            kind_usage,
            breadth_kinds,
            merged_kinds,
            n_available: type_list.len() + usize::from(merged),
            n_kinds: kinds.len(),
            need_users: false,
            need_usage_days: false,
        };
        plan.usage_sel = plan.selector(&EventSelector::Usage, &roles, kinds, &types);
        for spec in &catalogue.specs {
            let op = match spec {
                FeatureSpec::Attribute { .. } | FeatureSpec::Attributes => continue,
                FeatureSpec::TenureDays => Op::Tenure,
                FeatureSpec::Mrr => Op::Mrr,
                FeatureSpec::MrrChange { days } => Op::MrrChange(*days as i32),
                FeatureSpec::ActiveProducts => Op::ActiveProducts,
                FeatureSpec::Upsold => Op::Upsold,
                FeatureSpec::DaysToFirstUpsell => Op::DaysToFirstUpsell,
                FeatureSpec::UpsoldWithin { days } => Op::UpsoldWithin(*days as i32),
                FeatureSpec::EventRate { select, window_days } => Op::Rate {
                    sel: plan.selector(select, &roles, kinds, &types),
                    win: plan.window(*window_days, false),
                    days: *window_days as i32,
                },
                FeatureSpec::EventCount { select, window_days } => Op::Count {
                    sel: plan.selector(select, &roles, kinds, &types),
                    win: plan.window(*window_days, false),
                },
                FeatureSpec::EventAny { select, window_days } => {
                    Op::Any { sel: plan.selector(select, &roles, kinds, &types), win: plan.window(*window_days, false) }
                }
                FeatureSpec::EventShare { select, window_days } => Op::Share {
                    sel: plan.selector(select, &roles, kinds, &types),
                    win: plan.window(*window_days, false),
                },
                FeatureSpec::UsageTrend { window_days } => Op::Trend {
                    recent: plan.window(*window_days, false),
                    both: plan.window(window_days.saturating_mul(2), false),
                    days: *window_days as i32,
                },
                FeatureSpec::DaysSinceLastEvent => {
                    plan.need_usage_days = true;
                    Op::DaysSince
                }
                FeatureSpec::ActiveWeeksShare { weeks } => {
                    plan.need_usage_days = true;
                    Op::ActiveWeeks(*weeks as i32)
                }
                FeatureSpec::EventTypeBreadth { window_days } => Op::Breadth { win: plan.window(*window_days, false) },
                FeatureSpec::ActiveUsers { window_days } => {
                    plan.need_users = true;
                    Op::Users { win: plan.window(*window_days, true) }
                }
                FeatureSpec::NpsLatest => Op::NpsLatest,
                FeatureSpec::NpsChange => Op::NpsChange,
                FeatureSpec::NpsDetractor => Op::NpsDetractor,
                FeatureSpec::NpsPromoter => Op::NpsPromoter,
            };
            plan.ops.push(op);
        }
        Ok(plan)
    }

    /// Number of numeric features per observation.
    pub fn n_numeric(&self) -> usize {
        self.ops.len()
    }

    fn window(&mut self, days: u32, users: bool) -> usize {
        let d = days as i32;
        match self.windows.iter().position(|&w| w == d) {
            Some(i) => {
                self.window_users[i] |= users;
                i
            }
            None => {
                self.windows.push(d);
                self.window_users.push(users);
                self.windows.len() - 1
            }
        }
    }

    fn selector(&mut self, sel: &EventSelector, roles: &[EventRole], kinds: &[String], types: &HashSet<&str>) -> usize {
        let ks: Vec<u16> = (0..kinds.len())
            .filter(|&k| match sel {
                EventSelector::Usage | EventSelector::EachType => is_usage(roles[k]),
                EventSelector::EachSignal => roles[k] == EventRole::Signal,
                EventSelector::OtherTypes => is_usage(roles[k]) && !types.contains(kinds[k].as_str()),
                EventSelector::Type(t) => kinds[k] == *t,
                EventSelector::Role(r) => roles[k] == *r,
            })
            .map(|k| k as u16)
            .collect();
        match self.selectors.iter().position(|s| *s == ks) {
            Some(i) => i,
            None => {
                self.selectors.push(ks);
                self.selectors.len() - 1
            }
        }
    }
}

/// What the engine needs to know about one customer besides events.
pub(crate) struct CustomerInput<'a> {
    pub events: EventSlice<'a>,
    pub signup: i32,
    pub subs: &'a SubTimeline,
    /// NPS responses `(day, score)` sorted by day (ties in file order).
    pub nps: &'a [(i32, u8)],
}

/// Per-thread working memory, reused across customers.
#[derive(Default)]
struct Scratch {
    ts: Vec<i64>,
    kind: Vec<u16>,
    user: Vec<u32>,
    order: Vec<u32>,
    /// Global user index → local index (`u32::MAX` = unseen). All `MAX` between customers.
    user_map: Vec<u32>,
    local_user: Vec<u32>,
    touched: Vec<u32>,
    usage_days: Vec<i32>,
    kind_counts: Vec<u32>,
    user_counts: Vec<u32>,
    distinct_users: Vec<u32>,
    lo: Vec<usize>,
    usage: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Appends one row of `plan.n_numeric()` values per date in `dates` (ascending as-of day numbers)
/// to `out`.
pub(crate) fn customer_rows(plan: &Plan, n_users: usize, input: &CustomerInput<'_>, dates: &[i32], out: &mut Vec<f64>) {
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        rows_with(plan, n_users, input, dates, out, &mut s);
    });
}

fn rows_with(
    plan: &Plan,
    n_users: usize,
    input: &CustomerInput<'_>,
    dates: &[i32],
    out: &mut Vec<f64>,
    s: &mut Scratch,
) {
    let Some(&last_date) = dates.last() else { return };
    let cutoff_all = i64::from(last_date) * DAY;

    // 1. The customer's events up to the last as-of date, sorted by time.
    let ev = input.events;
    let sorted = ev.timestamp.windows(2).all(|w| w[0] <= w[1]);
    let (ts, kind, user): (&[i64], &[u16], &[u32]) = if sorted {
        let end = ev.timestamp.partition_point(|&t| t < cutoff_all);
        (&ev.timestamp[..end], &ev.kind[..end], &ev.user[..end])
    } else {
        s.order.clear();
        s.order.extend((0..ev.timestamp.len() as u32).filter(|&i| ev.timestamp[i as usize] < cutoff_all));
        s.order.sort_by_key(|&i| ev.timestamp[i as usize]);
        s.ts.clear();
        s.kind.clear();
        s.user.clear();
        for &i in &s.order {
            s.ts.push(ev.timestamp[i as usize]);
            s.kind.push(ev.kind[i as usize]);
            s.user.push(ev.user[i as usize]);
        }
        (&s.ts, &s.kind, &s.user)
    };
    let n = ts.len();

    // 2. Local user indices of usage events (for distinct-user counts).
    s.local_user.clear();
    let mut n_local = 0u32;
    if plan.need_users {
        if s.user_map.len() < n_users {
            s.user_map.resize(n_users, u32::MAX);
        }
        for i in 0..n {
            if plan.kind_usage[kind[i] as usize] {
                let g = user[i] as usize;
                if s.user_map[g] == u32::MAX {
                    s.user_map[g] = n_local;
                    s.touched.push(g as u32);
                    n_local += 1;
                }
                s.local_user.push(s.user_map[g]);
            } else {
                s.local_user.push(u32::MAX);
            }
        }
        for &g in &s.touched {
            s.user_map[g as usize] = u32::MAX;
        }
        s.touched.clear();
    }

    // 3. Distinct days with usage, for recency and weekly engagement.
    s.usage_days.clear();
    if plan.need_usage_days {
        for i in 0..n {
            if plan.kind_usage[kind[i] as usize] {
                let d = ts[i].div_euclid(DAY) as i32;
                if s.usage_days.last() != Some(&d) {
                    s.usage_days.push(d);
                }
            }
        }
    }

    // 4. Sweep.
    let nw = plan.windows.len();
    let nk = plan.n_kinds;
    s.kind_counts.clear();
    s.kind_counts.resize(nw * nk, 0);
    s.user_counts.clear();
    s.user_counts.resize(nw * n_local as usize, 0);
    s.distinct_users.clear();
    s.distinct_users.resize(nw, 0);
    s.lo.clear();
    s.lo.resize(nw, 0);
    s.usage.clear();
    s.usage.resize(nw, 0);
    let mut hi = 0usize;
    for &a in dates {
        let cutoff = i64::from(a) * DAY;
        let mut new_hi = hi;
        while new_hi < n && ts[new_hi] < cutoff {
            new_hi += 1;
        }
        for w in 0..nw {
            let lo_cut = i64::from(a - plan.windows[w]) * DAY;
            let lo = s.lo[w];
            let mut new_lo = lo;
            while new_lo < new_hi && ts[new_lo] < lo_cut {
                new_lo += 1;
            }
            let counts = &mut s.kind_counts[w * nk..(w + 1) * nk];
            // Leaving: [lo, min(hi, new_lo)); entering: [max(hi, new_lo), new_hi).
            for &k in &kind[lo..hi.min(new_lo)] {
                counts[k as usize] -= 1;
            }
            for &k in &kind[hi.max(new_lo)..new_hi] {
                counts[k as usize] += 1;
            }
            if plan.window_users[w] {
                let uc = &mut s.user_counts[w * n_local as usize..(w + 1) * n_local as usize];
                let mut distinct = s.distinct_users[w];
                for &u in &s.local_user[lo..hi.min(new_lo)] {
                    if u != u32::MAX {
                        uc[u as usize] -= 1;
                        if uc[u as usize] == 0 {
                            distinct -= 1;
                        }
                    }
                }
                for &u in &s.local_user[hi.max(new_lo)..new_hi] {
                    if u != u32::MAX {
                        if uc[u as usize] == 0 {
                            distinct += 1;
                        }
                        uc[u as usize] += 1;
                    }
                }
                s.distinct_users[w] = distinct;
            }
            s.lo[w] = new_lo;
            s.usage[w] = plan.selectors[plan.usage_sel].iter().map(|&k| counts[k as usize]).sum();
        }
        hi = new_hi;
        evaluate(plan, input, a, s, out);
    }
}

fn evaluate(plan: &Plan, input: &CustomerInput<'_>, a: i32, s: &Scratch, out: &mut Vec<f64>) {
    let nk = plan.n_kinds;
    let tenure = a - input.signup;
    let count = |sel: usize, win: usize| -> u32 {
        let c = &s.kind_counts[win * nk..(win + 1) * nk];
        plan.selectors[sel].iter().map(|&k| c[k as usize]).sum()
    };
    let upsell = input.subs.first_upsell.filter(|&d| d < a);
    let nps_seen = input.nps.partition_point(|&(d, _)| d < a);
    let latest = nps_seen.checked_sub(1).map(|i| input.nps[i].1);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    for op in &plan.ops {
        let v = match *op {
            Op::Tenure => f64::from(tenure),
            Op::Mrr => input.subs.mrr_on(a - 1),
            Op::MrrChange(d) => {
                let past = a - 1 - d;
                if past < input.signup { f64::NAN } else { input.subs.mrr_on(a - 1) - input.subs.mrr_on(past) }
            }
            Op::ActiveProducts => input.subs.products_on(a - 1) as f64,
            Op::Upsold => flag(upsell.is_some()),
            Op::DaysToFirstUpsell => upsell.map_or(f64::NAN, |d| f64::from(d - input.signup)),
            Op::UpsoldWithin(d) => match upsell {
                Some(u) if u - input.signup < d => 1.0,
                _ if tenure >= d => 0.0,
                _ => f64::NAN,
            },
            Op::Rate { sel, win, days } => {
                let observed = tenure.clamp(1, days);
                f64::from(count(sel, win)) * 7.0 / f64::from(observed)
            }
            Op::Count { sel, win } => f64::from(count(sel, win)),
            Op::Any { sel, win } => flag(count(sel, win) > 0),
            Op::Share { sel, win } => {
                let u = s.usage[win];
                if u == 0 { f64::NAN } else { f64::from(count(sel, win)) / f64::from(u) }
            }
            Op::Trend { recent, both, days } => {
                let r = s.usage[recent];
                let prior = s.usage[both] - r;
                if tenure < 2 * days {
                    f64::NAN
                } else if prior == 0 {
                    if r == 0 { 0.0 } else { f64::NAN }
                } else {
                    100.0 * (f64::from(r) - f64::from(prior)) / f64::from(prior)
                }
            }
            Op::DaysSince => {
                let i = s.usage_days.partition_point(|&d| d < a);
                if i == 0 { f64::NAN } else { f64::from(a - s.usage_days[i - 1]) }
            }
            Op::ActiveWeeks(weeks) => {
                let m = ((tenure + 6) / 7).clamp(1, weeks);
                let active = (1..=m)
                    .filter(|k| {
                        let start = a - 7 * k;
                        let i = s.usage_days.partition_point(|&d| d < start);
                        s.usage_days.get(i).is_some_and(|&d| d < start + 7)
                    })
                    .count();
                active as f64 / f64::from(m)
            }
            Op::Breadth { win } => {
                if plan.n_available == 0 {
                    f64::NAN
                } else {
                    let c = &s.kind_counts[win * nk..(win + 1) * nk];
                    let used = plan.breadth_kinds.iter().filter(|&&k| c[k as usize] > 0).count()
                        + usize::from(plan.merged_kinds.iter().any(|&k| c[k as usize] > 0));
                    used as f64 / plan.n_available as f64
                }
            }
            Op::Users { win } => f64::from(s.distinct_users[win]),
            Op::NpsLatest => latest.map_or(f64::NAN, f64::from),
            Op::NpsChange => {
                if nps_seen >= 2 {
                    f64::from(input.nps[nps_seen - 1].1) - f64::from(input.nps[nps_seen - 2].1)
                } else {
                    f64::NAN
                }
            }
            Op::NpsDetractor => latest.map_or(f64::NAN, |x| flag(x <= 6)),
            Op::NpsPromoter => latest.map_or(f64::NAN, |x| flag(x >= 9)),
        };
        out.push(v);
    }
}

/// Day number of a customer's signup.
pub(crate) fn signup_day(tables: &Tables, c: usize) -> i32 {
    day_num(tables.customers[c].signup_date)
}
