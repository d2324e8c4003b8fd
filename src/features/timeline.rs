//! Grouping the raw tables by customer (counting sort, O(n)) and each customer's subscription
//! timeline: active subscriptions on a day, churn days, first upsell.
//!
//! Days are `i32` days since 1970-01-01 (UTC); day `d` starts at second `86_400·d`.

use chrono::NaiveDate;

use crate::error::{Error, Result};
use crate::io::tables::{CustomerIdx, Tables};

/// Seconds per day.
pub(crate) const DAY: i64 = 86_400;

/// Day number of a date.
pub(crate) fn day_num(d: NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    // chrono's date range (±262,000 years) fits in i32 days.
    d.signed_duration_since(epoch).num_days() as i32
}

/// Date of a day number.
pub(crate) fn day_date(d: i32) -> NaiveDate {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    epoch.checked_add_signed(chrono::Duration::days(i64::from(d))).unwrap_or(epoch)
}

/// Day of a UTC timestamp.
pub(crate) fn ts_day(t: i64) -> i32 {
    t.div_euclid(DAY).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// Events (and subscriptions, NPS responses) grouped by customer.
///
/// Customer `c`'s events are rows `ev_start[c]..ev_end[c]` of either the original
/// [`crate::io::tables::Events`] columns (when the table already holds each customer's events in
/// one contiguous run, as a simulator or a `ORDER BY customer` export does) or of the regrouped
/// copy `copy`. Within a customer, rows keep file order.
pub(crate) struct Grouped {
    pub ev_start: Vec<usize>,
    pub ev_end: Vec<usize>,
    pub copy: Option<EventCopy>,
    pub sub_off: Vec<u32>,
    pub sub_idx: Vec<u32>,
    pub nps_off: Vec<u32>,
    /// NPS rows per customer, sorted by date (ties in file order).
    pub nps_idx: Vec<u32>,
}

/// A customer-grouped copy of the event columns.
pub(crate) struct EventCopy {
    pub timestamp: Vec<i64>,
    pub kind: Vec<u16>,
    pub user: Vec<u32>,
}

/// One customer's events, in file order.
#[derive(Clone, Copy)]
pub(crate) struct EventSlice<'a> {
    pub timestamp: &'a [i64],
    pub kind: &'a [u16],
    pub user: &'a [u32],
}

impl Grouped {
    pub fn events<'a>(&'a self, tables: &'a Tables, c: usize) -> EventSlice<'a> {
        let r = self.ev_start[c]..self.ev_end[c];
        match &self.copy {
            Some(cp) => {
                EventSlice { timestamp: &cp.timestamp[r.clone()], kind: &cp.kind[r.clone()], user: &cp.user[r] }
            }
            None => {
                let e = &tables.events;
                EventSlice { timestamp: &e.timestamp[r.clone()], kind: &e.kind[r.clone()], user: &e.user[r] }
            }
        }
    }

    pub fn subs(&self, c: usize) -> &[u32] {
        &self.sub_idx[self.sub_off[c] as usize..self.sub_off[c + 1] as usize]
    }

    pub fn nps(&self, c: usize) -> &[u32] {
        &self.nps_idx[self.nps_off[c] as usize..self.nps_off[c + 1] as usize]
    }
}

fn bad_ref(what: &'static str, row: usize, value: impl std::fmt::Display, limit: usize, of: &str) -> Error {
    Error::param(what, format!("{value} (row {row})"), format!("must index one of the {limit} {of}"))
}

/// Checks the tables' internal references (hand-built tables can break them) and groups rows by
/// customer.
pub(crate) fn group(tables: &Tables) -> Result<Grouped> {
    let n = tables.customers.len();
    if n >= u32::MAX as usize {
        return Err(Error::param("customers", n, "at most 4,294,967,294 customers"));
    }
    let ev = &tables.events;
    let m = ev.customer.len();
    for (name, len) in
        [("events.timestamp", ev.timestamp.len()), ("events.kind", ev.kind.len()), ("events.user", ev.user.len())]
    {
        if len != m {
            return Err(Error::LengthMismatch { context: name_ctx(name), left: m, right: len });
        }
    }

    // Count per customer, and detect whether each customer's events already form one run.
    let mut counts = vec![0usize; n];
    let mut contiguous = true;
    let mut prev: Option<CustomerIdx> = None;
    for (i, &c) in ev.customer.iter().enumerate() {
        let ci = c as usize;
        if ci >= n {
            return Err(bad_ref("events.customer", i, c, n, "customers"));
        }
        if prev != Some(c) {
            if counts[ci] != 0 {
                contiguous = false;
            }
            prev = Some(c);
        }
        counts[ci] += 1;
    }
    let n_kinds = ev.kinds.len();
    if let Some((i, k)) = ev.kind.iter().enumerate().find(|(_, k)| **k as usize >= n_kinds) {
        return Err(bad_ref("events.kind", i, k, n_kinds, "event types"));
    }
    let n_users = ev.users.len();
    if let Some((i, u)) = ev.user.iter().enumerate().find(|(_, u)| **u as usize >= n_users) {
        return Err(bad_ref("events.user", i, u, n_users, "users"));
    }

    let (ev_start, ev_end, copy) = if contiguous {
        // Each customer's run begins where its first event is.
        let mut start = vec![0usize; n];
        let mut seen = vec![false; n];
        for (i, &c) in ev.customer.iter().enumerate() {
            if !seen[c as usize] {
                seen[c as usize] = true;
                start[c as usize] = i;
            }
        }
        let end = start.iter().zip(&counts).map(|(s, k)| s + k).collect();
        (start, end, None)
    } else {
        let (off, copy) = scatter(tables, &counts[..n]);
        (off[..n].to_vec(), off[1..].to_vec(), Some(copy))
    };

    // Subscriptions and NPS responses: small tables, same counting sort by customer.
    let (sub_off, sub_idx) = group_small(n, tables.subscriptions.iter().map(|s| s.customer), "subscriptions.customer")?;
    let (nps_off, mut nps_idx) = group_small(n, tables.nps.iter().map(|r| r.customer), "nps.customer")?;
    for c in 0..n {
        let r = nps_off[c] as usize..nps_off[c + 1] as usize;
        nps_idx[r].sort_by_key(|&i| tables.nps[i as usize].date); // stable: ties keep file order
    }
    Ok(Grouped { ev_start, ev_end, copy, sub_off, sub_idx, nps_off, nps_idx })
}

fn name_ctx(name: &'static str) -> &'static str {
    match name {
        "events.timestamp" => "events: customer vs timestamp columns",
        "events.kind" => "events: customer vs kind columns",
        _ => "events: customer vs user columns",
    }
}

fn prefix(counts: &[usize]) -> Vec<usize> {
    let mut off = Vec::with_capacity(counts.len() + 1);
    let mut acc = 0usize;
    off.push(0);
    for &k in counts {
        acc += k;
        off.push(acc);
    }
    off
}

/// Stable counting-sort scatter of the event columns by customer.
fn scatter(tables: &Tables, counts: &[usize]) -> (Vec<usize>, EventCopy) {
    let ev = &tables.events;
    let off = prefix(counts);
    let m = ev.len();
    let mut next = off.clone();
    let mut timestamp = vec![0i64; m];
    let mut kind = vec![0u16; m];
    let mut user = vec![0u32; m];
    for i in 0..m {
        let c = ev.customer[i] as usize;
        let j = next[c];
        next[c] += 1;
        timestamp[j] = ev.timestamp[i];
        kind[j] = ev.kind[i];
        user[j] = ev.user[i];
    }
    (off, EventCopy { timestamp, kind, user })
}

fn group_small(
    n: usize,
    customers: impl Iterator<Item = CustomerIdx> + Clone,
    what: &'static str,
) -> Result<(Vec<u32>, Vec<u32>)> {
    let mut counts = vec![0u32; n + 1];
    let mut total = 0usize;
    for (i, c) in customers.clone().enumerate() {
        if c as usize >= n {
            return Err(bad_ref(what, i, c, n, "customers"));
        }
        counts[c as usize + 1] += 1;
        total += 1;
    }
    if total >= u32::MAX as usize {
        return Err(Error::param(what, total, "at most 4,294,967,294 rows"));
    }
    for c in 0..n {
        counts[c + 1] += counts[c];
    }
    let mut next = counts.clone();
    let mut idx = vec![0u32; total];
    for (i, c) in customers.enumerate() {
        let j = &mut next[c as usize];
        idx[*j as usize] = i as u32;
        *j += 1;
    }
    Ok((counts, idx))
}

/// One subscription, as day numbers. `end` is `i32::MAX` while still active.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sub {
    pub start: i32,
    pub end: i32,
    pub product: u32,
    pub mrr: f64,
}

impl Sub {
    pub fn active_on(&self, day: i32) -> bool {
        self.start <= day && day < self.end
    }
}

/// A customer's subscriptions, with churn days and the first upsell.
pub(crate) struct SubTimeline {
    pub subs: Vec<Sub>,
    /// Days the active-subscription count goes from > 0 to 0, ascending.
    pub churn_days: Vec<i32>,
    /// Earliest day a product not held the day before was added while another was held.
    pub first_upsell: Option<i32>,
}

impl SubTimeline {
    /// Builds the timeline of one customer's subscriptions (`products` interns product names).
    pub fn new(subs: Vec<Sub>) -> Self {
        // Change days: every start and end; churn when count(d − 1) > 0 and count(d) == 0.
        let mut changes: Vec<i32> = subs.iter().flat_map(|s| [s.start, s.end]).filter(|&d| d != i32::MAX).collect();
        changes.sort_unstable();
        changes.dedup();
        let count = |d: i32| subs.iter().filter(|s| s.active_on(d)).count();
        let churn_days = changes.iter().copied().filter(|&d| count(d.saturating_sub(1)) > 0 && count(d) == 0).collect();
        let first_upsell = subs
            .iter()
            .filter(|s| {
                let before = s.start.saturating_sub(1);
                s.start < s.end
                    && subs.iter().any(|o| o.active_on(before))
                    && !subs.iter().any(|o| o.product == s.product && o.active_on(before))
            })
            .map(|s| s.start)
            .min();
        SubTimeline { subs, churn_days, first_upsell }
    }

    /// Number of subscriptions active on `day`.
    pub fn active_count(&self, day: i32) -> usize {
        self.subs.iter().filter(|s| s.active_on(day)).count()
    }

    /// Total MRR of subscriptions active on `day` (summed in file order).
    pub fn mrr_on(&self, day: i32) -> f64 {
        self.subs.iter().filter(|s| s.active_on(day)).map(|s| s.mrr).sum()
    }

    /// Distinct products active on `day`.
    pub fn products_on(&self, day: i32) -> usize {
        let mut p: Vec<u32> = self.subs.iter().filter(|s| s.active_on(day)).map(|s| s.product).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    }

    /// Whether a churn day falls in `[from, to)`.
    pub fn churns_in(&self, from: i32, to: i32) -> bool {
        let i = self.churn_days.partition_point(|&d| d < from);
        self.churn_days.get(i).is_some_and(|&d| d < to)
    }
}

/// Interns product names to small integers (per build).
pub(crate) fn product_ids(tables: &Tables) -> Vec<u32> {
    let mut index = std::collections::HashMap::<&str, u32>::new();
    tables
        .subscriptions
        .iter()
        .map(|s| {
            let next = index.len() as u32;
            *index.entry(s.product.as_str()).or_insert(next)
        })
        .collect()
}

/// Customer `c`'s subscription timeline.
pub(crate) fn timeline(tables: &Tables, grouped: &Grouped, products: &[u32], c: usize) -> SubTimeline {
    let subs = grouped
        .subs(c)
        .iter()
        .map(|&i| {
            let s = &tables.subscriptions[i as usize];
            Sub {
                start: day_num(s.start_date),
                end: s.end_date.map_or(i32::MAX, day_num),
                product: products[i as usize],
                mrr: s.mrr,
            }
        })
        .collect();
    SubTimeline::new(subs)
}
