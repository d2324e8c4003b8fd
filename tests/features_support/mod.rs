//! Shared by the feature tests: random small tables, a brute-force reference implementation of
//! the standard catalogue (written from the documented definitions, not from the engine), and
//! comparison helpers.
#![allow(dead_code)]

use std::collections::HashMap;

use attrition::dataset::{ColumnData, Dataset};
use attrition::io::tables::{
    AttributeKind, Customer, CustomerAttribute, Events, EventsBuilder, NpsResponse, Subscription, Tables,
};
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub const DAY: i64 = 86_400;
pub const TYPES: [&str; 5] = ["login", "connect_integration", "support_ticket", "limit_hit", "champion_left"];
pub const PRODUCTS: [&str; 3] = ["listings", "reviews", "social"];

pub fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn base() -> NaiveDate {
    date("2024-01-01")
}

pub fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    d + Duration::days(days)
}

/// Day number (days since 1970-01-01).
pub fn dn(d: NaiveDate) -> i64 {
    (d - date("1970-01-01")).num_days()
}

/// A customer (its `vertical` attribute is set with [`with_verticals`]).
pub fn customer(id: &str, signup: NaiveDate, _vertical: &str) -> Customer {
    Customer::new(id, signup)
}

/// Tables with a categorical `vertical` attribute per customer.
pub fn with_verticals(mut t: Tables, verticals: &[&str]) -> Tables {
    for (c, v) in verticals.iter().enumerate() {
        t.set_attribute(c as u32, "vertical", AttributeKind::Categorical, *v);
    }
    t
}

pub fn sub(c: u32, product: &str, start: NaiveDate, end: Option<NaiveDate>, mrr: f64) -> Subscription {
    Subscription { customer: c, product: product.into(), start_date: start, end_date: end, mrr }
}

/// Random small tables: a handful of customers over ~300 days, events in random (interleaved)
/// order, some customers churning and coming back, NPS responses. Same seed → same tables.
pub fn random_tables(seed: u64) -> Tables {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.gen_range(1..=5);
    let verticals = ["retail", "dental", "restaurant"];
    let mut customers = Vec::new();
    let mut attrs: [Vec<Option<String>>; 5] = Default::default();
    let mut subs = Vec::new();
    let mut nps = Vec::new();
    let mut raw_events: Vec<(u32, i64, &str, String)> = Vec::new();
    for c in 0..n {
        let signup = plus(base(), rng.gen_range(0..60));
        customers.push(customer(&format!("c{c}"), signup, ""));
        attrs[0].push(Some(verticals[rng.gen_range(0..3)].to_owned()));
        attrs[1].push(Some(if rng.gen_bool(0.5) { "needs_based" } else { "product_push" }.to_owned()));
        attrs[2].push(Some(rng.gen_bool(0.5).to_string()));
        // A numeric and a date attribute, sometimes missing; the date may lie after an as-of date.
        attrs[3].push(rng.gen_bool(0.8).then(|| rng.gen_range(1..50).to_string()));
        attrs[4].push(rng.gen_bool(0.8).then(|| plus(signup, rng.gen_range(0..300)).to_string()));
        let n_subs = rng.gen_range(0..=4);
        for k in 0..n_subs {
            let start = if k == 0 { signup } else { plus(signup, rng.gen_range(0..200)) };
            let end = if rng.gen_bool(0.5) { Some(plus(start, rng.gen_range(0..150))) } else { None };
            let mrr = [10.0, 25.5, 49.99, 100.0][rng.gen_range(0..4)];
            subs.push(sub(c, PRODUCTS[rng.gen_range(0..3)], start, end, mrr));
        }
        let n_events = rng.gen_range(0..=60);
        for _ in 0..n_events {
            let day = dn(signup) + rng.gen_range(0..300);
            // A third of events sit exactly on a day boundary (00:00:00 or 23:59:59), where
            // off-by-one leaks live.
            let sec = match rng.gen_range(0..6) {
                0 => 0,
                1 => DAY - 1,
                _ => rng.gen_range(0..DAY),
            };
            let t = day * DAY + sec;
            let kind = TYPES[if rng.gen_bool(0.85) { rng.gen_range(0..3) } else { rng.gen_range(3..5) }];
            raw_events.push((c, t, kind, format!("u{c}_{}", rng.gen_range(0..3))));
        }
        for _ in 0..rng.gen_range(0..=4) {
            nps.push(NpsResponse {
                customer: c,
                date: plus(signup, rng.gen_range(0..300)),
                score: rng.gen_range(0..=10),
            });
        }
    }
    // Random interleaving, or grouped by customer in time order (both paths of the grouping).
    if rng.gen_bool(0.5) {
        for i in (1..raw_events.len()).rev() {
            let j = rng.gen_range(0..=i);
            raw_events.swap(i, j);
        }
    } else {
        raw_events.sort_by_key(|e| (e.0, e.1));
    }
    let mut b = EventsBuilder::new();
    for (c, t, k, u) in &raw_events {
        b.push(*c, *t, k, u).unwrap();
    }
    let [vertical, sales, specialised, seats, contract] = attrs;
    let attributes = vec![
        CustomerAttribute::new("vertical", AttributeKind::Categorical, vertical),
        CustomerAttribute::new("sales_approach", AttributeKind::Categorical, sales),
        CustomerAttribute::new("specialised_provider", AttributeKind::Boolean, specialised),
        CustomerAttribute::new("seats", AttributeKind::Numeric, seats),
        CustomerAttribute::new("contract_signed", AttributeKind::Date, contract),
    ];
    Tables { customers, attributes, subscriptions: subs, events: b.finish(), nps, campaign: None, ..Default::default() }
}

// ----- brute-force reference --------------------------------------------------------------------

fn active(t: &Tables, c: u32, day: i64) -> Vec<&Subscription> {
    t.subscriptions
        .iter()
        .filter(|s| s.customer == c && dn(s.start_date) <= day && s.end_date.is_none_or(|e| day < dn(e)))
        .collect()
}

/// Churn days of customer `c` in `[from, to)`, by checking every day.
pub fn ref_churn_days(t: &Tables, c: u32, from: i64, to: i64) -> Vec<i64> {
    (from..to).filter(|&d| !active(t, c, d - 1).is_empty() && active(t, c, d).is_empty()).collect()
}

fn is_signal(kind: &str) -> bool {
    kind == "limit_hit" || kind == "champion_left"
}

/// (day, kind, user) of customer `c`'s events in `[a − w, a)` days.
fn window(ev: &Events, c: u32, a: i64, w: i64) -> Vec<(i64, &str, &str)> {
    (0..ev.len())
        .filter(|&i| ev.customer[i] == c && ev.timestamp[i] < a * DAY && ev.timestamp[i] >= (a - w) * DAY)
        .map(|i| {
            (
                ev.timestamp[i].div_euclid(DAY),
                ev.kinds[ev.kind[i] as usize].as_str(),
                ev.users[ev.user[i] as usize].as_str(),
            )
        })
        .collect()
}

fn first_upsell(t: &Tables, c: u32) -> Option<i64> {
    t.subscriptions
        .iter()
        .filter(|s| s.customer == c && s.end_date.is_none_or(|e| e > s.start_date))
        .filter(|s| {
            let prev = active(t, c, dn(s.start_date) - 1);
            !prev.is_empty() && !prev.iter().any(|o| o.product == s.product)
        })
        .map(|s| dn(s.start_date))
        .min()
}

/// The standard catalogue's numeric features of customer `c` at as-of day `a`, by brute force.
/// `types` are the usage event types (the resolved catalogue's `event_types`).
pub fn reference_features(t: &Tables, c: u32, a: i64, types: &[String]) -> HashMap<String, f64> {
    let cu = &t.customers[c as usize];
    let signup = dn(cu.signup_date);
    let tenure = a - signup;
    let mut f = HashMap::new();
    let nan = f64::NAN;
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let mrr = |d: i64| active(t, c, d).iter().map(|s| s.mrr).sum::<f64>();
    f.insert("tenure_days".into(), tenure as f64);
    // Attributes: numeric as is; a date as days since it, missing until it has happened.
    if let Some(seats) = t.attribute("seats") {
        f.insert("seats".into(), seats.value(c).map_or(nan, |v| v.parse().unwrap()));
    }
    if let Some(contract) = t.attribute("contract_signed") {
        let days = contract.value(c).map(|v| a - dn(v.parse().unwrap()));
        f.insert("contract_signed".into(), days.filter(|&d| d >= 0).map_or(nan, |d| d as f64));
    }
    f.insert("mrr".into(), mrr(a - 1));
    f.insert("mrr_change_90d".into(), if a - 91 < signup { nan } else { mrr(a - 1) - mrr(a - 91) });
    let mut products: Vec<&str> = active(t, c, a - 1).iter().map(|s| s.product.as_str()).collect();
    products.sort();
    products.dedup();
    f.insert("active_products".into(), products.len() as f64);
    let up = first_upsell(t, c).filter(|&u| u < a);
    f.insert("upsold".into(), b(up.is_some()));
    f.insert("days_to_first_upsell".into(), up.map_or(nan, |u| (u - signup) as f64));
    f.insert(
        "upsold_within_90d".into(),
        match up {
            Some(u) if u - signup < 90 => 1.0,
            _ if tenure >= 90 => 0.0,
            _ => nan,
        },
    );
    let ev = &t.events;
    let usage = |w: i64| window(ev, c, a, w).into_iter().filter(|e| !is_signal(e.1)).collect::<Vec<_>>();
    let per_week = |n: usize, w: i64| n as f64 * 7.0 / tenure.clamp(1, w) as f64;
    for w in [7, 28, 90] {
        let u = usage(w);
        f.insert(format!("events_per_week_{w}d"), per_week(u.len(), w));
        for ty in types {
            f.insert(format!("events_per_week_{w}d_{ty}"), per_week(u.iter().filter(|e| e.1 == ty).count(), w));
        }
    }
    let recent = usage(28).len() as f64;
    let prior = usage(56).len() as f64 - recent;
    f.insert(
        "usage_trend_28d".into(),
        if tenure < 56 {
            nan
        } else if prior == 0.0 {
            if recent == 0.0 { 0.0 } else { nan }
        } else {
            100.0 * (recent - prior) / prior
        },
    );
    let all_usage = usage(100_000);
    f.insert("days_since_last_event".into(), all_usage.iter().map(|e| e.0).max().map_or(nan, |d| (a - d) as f64));
    let m = ((tenure + 6) / 7).clamp(1, 12);
    let active_weeks = (1..=m).filter(|k| all_usage.iter().any(|e| e.0 >= a - 7 * k && e.0 < a - 7 * k + 7)).count();
    f.insert("active_weeks_share_12w".into(), active_weeks as f64 / m as f64);
    let u90 = usage(90);
    let mut used: Vec<&str> = u90.iter().map(|e| e.1).filter(|k| types.iter().any(|t| t == k)).collect();
    used.sort();
    used.dedup();
    f.insert(
        "event_type_breadth_90d".into(),
        if types.is_empty() { nan } else { used.len() as f64 / types.len() as f64 },
    );
    let mut users: Vec<&str> = u90.iter().map(|e| e.2).collect();
    users.sort();
    users.dedup();
    f.insert("active_users_90d".into(), users.len() as f64);
    let u28 = usage(28);
    let core = u28.iter().filter(|e| e.1 == "login").count();
    let sticky = u28.iter().filter(|e| e.1 == "connect_integration").count();
    f.insert("core_events_per_week_28d".into(), per_week(core, 28));
    f.insert("sticky_events_per_week_28d".into(), per_week(sticky, 28));
    let share = |k: usize| if u28.is_empty() { nan } else { k as f64 / u28.len() as f64 };
    f.insert("core_events_share_28d".into(), share(core));
    f.insert("sticky_events_share_28d".into(), share(sticky));
    // NPS: stable sort by date keeps file order for ties; the latest is the last.
    let mut responses: Vec<&NpsResponse> = t.nps.iter().filter(|r| r.customer == c && dn(r.date) < a).collect();
    responses.sort_by_key(|r| r.date);
    let latest = responses.last().map(|r| f64::from(r.score));
    f.insert("nps_latest".into(), latest.unwrap_or(nan));
    f.insert(
        "nps_change".into(),
        if responses.len() >= 2 {
            f64::from(responses[responses.len() - 1].score) - f64::from(responses[responses.len() - 2].score)
        } else {
            nan
        },
    );
    f.insert("nps_detractor".into(), latest.map_or(nan, |s| b(s <= 6.0)));
    f.insert("nps_promoter".into(), latest.map_or(nan, |s| b(s >= 9.0)));
    let w90 = window(ev, c, a, 90);
    f.insert("champion_left_any_event_90d".into(), b(w90.iter().any(|e| e.1 == "champion_left")));
    f.insert("limit_hit_events_90d".into(), w90.iter().filter(|e| e.1 == "limit_hit").count() as f64);
    f
}

// ----- comparison helpers -----------------------------------------------------------------------

/// A feature value as text (categorical level, or the number's bits), for exact comparison.
pub fn cell(ds: &Dataset, col: usize, row: usize) -> String {
    match &ds.columns[col].data {
        ColumnData::Numeric(v) => {
            if v[row].is_nan() {
                "NaN".into()
            } else {
                format!("{:?}", v[row])
            }
        }
        ColumnData::Categorical(c) => c.value(row).unwrap_or("<missing>").to_owned(),
    }
}

/// Rows keyed by (customer id, as-of date) → all feature values.
pub fn rows_by_key(ds: &Dataset) -> HashMap<(String, NaiveDate), Vec<String>> {
    let ids = ds.ids.as_ref().unwrap();
    let dates = ds.as_of.as_ref().unwrap();
    (0..ds.n_rows())
        .map(|r| ((ids[r].clone(), dates[r]), (0..ds.n_features()).map(|j| cell(ds, j, r)).collect()))
        .collect()
}

/// Whether two floats are equal, treating NaN as equal to NaN, with a relative tolerance.
pub fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}
