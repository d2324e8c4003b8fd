//! Churn without subscriptions ([`attrition::io::churn`]): a cancellation event or inactivity.
//!
//! No leakage: changing, adding or deleting events dated on or after a cut never changes who is
//! observed at an as-of date on or before the cut, nor any of their features — for both
//! definitions. The same property, run against a builder that treats an inactivity churn as known
//! the day after it happens (instead of `inactive_days` later), fails. The exact label and
//! exclusion boundaries are checked on hand-made cases.

mod features_support;

use std::collections::HashMap;

use attrition::features::{Exclusion, FeatureCatalogue, FeatureParams, build_observations, snapshot};
use attrition::io::churn::ChurnDefinition;
use attrition::io::schema::Schema;
use attrition::io::tables::{Customer, Events, EventsBuilder, ReadOptions, Tables, read_tables_with};
use chrono::NaiveDate;
use features_support::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N_DAYS: u32 = 21;

/// Random event logs without subscriptions: usage with short and long gaps, some cancellations.
fn event_world(seed: u64) -> Tables {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut customers = Vec::new();
    let mut b = EventsBuilder::new();
    for c in 0..25u32 {
        let signup = plus(base(), rng.gen_range(0..60));
        customers.push(Customer::new(format!("c{c}"), signup));
        let mut t = dn(signup) * DAY + rng.gen_range(0..DAY);
        let end = dn(plus(base(), 330)) * DAY;
        while t < end {
            let kind = if rng.gen_bool(0.04) {
                "cancel"
            } else if rng.gen_bool(0.3) {
                "share"
            } else {
                "play"
            };
            b.push(c, t, kind, "u").unwrap();
            let gap_days = if rng.gen_bool(0.1) { rng.gen_range(15..60) } else { rng.gen_range(0..6) };
            t += gap_days * DAY + rng.gen_range(0..DAY);
        }
    }
    // One customer who never uses the product.
    customers.push(Customer::new("idle", plus(base(), 10)));
    Tables { customers, events: b.finish(), ..Default::default() }
}

fn data_end() -> NaiveDate {
    plus(base(), 364)
}

fn derived(t: &Tables, def: &ChurnDefinition) -> Tables {
    let mut t = t.clone();
    t.derive_churn(def, Some(data_end())).unwrap();
    t
}

fn retain_events(ev: &Events, keep: impl Fn(usize) -> bool) -> Events {
    let idx: Vec<usize> = (0..ev.len()).filter(|&i| keep(i)).collect();
    Events {
        customer: idx.iter().map(|&i| ev.customer[i]).collect(),
        timestamp: idx.iter().map(|&i| ev.timestamp[i]).collect(),
        kind: idx.iter().map(|&i| ev.kind[i]).collect(),
        user: idx.iter().map(|&i| ev.user[i]).collect(),
        kinds: ev.kinds.clone(),
        users: ev.users.clone(),
    }
}

/// Deletes and adds events dated on or after `cut` (often exactly at its midnight).
fn mutate(t: &Tables, cut: NaiveDate, seed: u64) -> Tables {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cut_ts = dn(cut) * DAY;
    let mut t = t.clone();
    for _ in 0..rng.gen_range(1..8) {
        let late: Vec<usize> = (0..t.events.len()).filter(|&i| t.events.timestamp[i] >= cut_ts).collect();
        if rng.gen_bool(0.5) && !late.is_empty() {
            let i = late[rng.gen_range(0..late.len())];
            t.events = retain_events(&t.events, |j| j != i);
        } else {
            let c = rng.gen_range(0..t.customers.len() as u32);
            let ts = if rng.gen_bool(0.5) { cut_ts } else { cut_ts + rng.gen_range(0..40 * DAY) };
            let kind = ["play", "share", "cancel"][rng.gen_range(0..3)];
            let mut b = EventsBuilder::new();
            for k in &t.events.kinds {
                b.intern_kind(k).unwrap();
            }
            b.intern_user("u").unwrap();
            for i in 0..t.events.len() {
                b.push_interned(t.events.customer[i], t.events.timestamp[i], t.events.kind[i], t.events.user[i]);
            }
            b.push(c, ts.max(dn(t.customers[c as usize].signup_date) * DAY), kind, "u").unwrap();
            t.events = b.finish();
        }
    }
    t
}

type Snap = fn(&Tables, NaiveDate, &FeatureCatalogue) -> HashMap<(String, NaiveDate), Vec<String>>;

fn honest(t: &Tables, a: NaiveDate, cat: &FeatureCatalogue) -> HashMap<(String, NaiveDate), Vec<String>> {
    rows_by_key(&snapshot(t, a, cat).unwrap())
}

/// Treats every churn as known the day after it happens (ignores `inactive_days`).
fn knows_too_early(t: &Tables, a: NaiveDate, cat: &FeatureCatalogue) -> HashMap<(String, NaiveDate), Vec<String>> {
    let mut t = t.clone();
    if matches!(t.churn, ChurnDefinition::Inactivity { .. }) {
        t.churn = ChurnDefinition::Event { churn_event: "cancel".into() };
    }
    rows_by_key(&snapshot(&t, a, cat).unwrap())
}

/// Compares who is observed, and their features, at as-of dates up to `cut`, before and after
/// changing the events from `cut` on. Returns (rows compared, first difference).
fn leak(snap: Snap, def: &ChurnDefinition, seed: u64, cut_day: i64) -> (usize, Option<String>) {
    let world = event_world(seed);
    let cut = plus(base(), cut_day);
    let before = derived(&world, def);
    let after = derived(&mutate(&world, cut, seed ^ 0x5eed), def);
    let cat = FeatureCatalogue::standard().resolve(&before).unwrap();
    let mut compared = 0;
    for back in (0..50).step_by(3) {
        let a = plus(cut, -back);
        let (x, y) = (snap(&before, a, &cat), snap(&after, a, &cat));
        let mut kx: Vec<_> = x.keys().collect();
        let mut ky: Vec<_> = y.keys().collect();
        kx.sort();
        ky.sort();
        if kx != ky {
            return (compared, Some(format!("{def:?} seed {seed}: observed at {a} changed: {kx:?} → {ky:?}")));
        }
        for (k, row) in &x {
            compared += 1;
            if row != &y[k] {
                return (compared, Some(format!("{def:?} seed {seed}: features of {k:?} changed")));
            }
        }
    }
    (compared, None)
}

fn definitions() -> [ChurnDefinition; 2] {
    [ChurnDefinition::Inactivity { inactive_days: N_DAYS }, ChurnDefinition::Event { churn_event: "cancel".into() }]
}

#[test]
fn features_and_observed_customers_never_see_events_on_or_after_as_of() {
    for def in definitions() {
        let mut compared = 0;
        for seed in 0..40u64 {
            let (k, diff) = leak(honest, &def, seed, 80 + (seed as i64 * 37) % 230);
            assert!(diff.is_none(), "leakage: {}", diff.unwrap_or_default());
            compared += k;
        }
        assert!(compared > 2_000, "{def:?}: only {compared} rows compared");
    }
}

#[test]
fn the_property_catches_an_inactivity_churn_known_too_early() {
    let caught = (0..40u64)
        .filter_map(|seed| leak(knows_too_early, &definitions()[0], seed, 80 + (seed as i64 * 37) % 230).1)
        .count();
    assert!(caught > 0, "a builder that knows inactivity churn the next day was never caught");
}

/// One customer, signed up 2024-01-01, active every day until 2024-02-10; another active all year.
fn one_quiet_customer() -> Tables {
    let mut b = EventsBuilder::new();
    let mut d = date("2024-01-01");
    while d <= date("2024-12-31") {
        if d <= date("2024-02-10") {
            b.push(0, dn(d) * DAY + 3600, "play", "").unwrap();
        }
        b.push(1, dn(d) * DAY + 7200, "play", "").unwrap();
        d = plus(d, 1);
    }
    Tables {
        customers: vec![Customer::new("quiet", date("2024-01-01")), Customer::new("loyal", date("2024-01-01"))],
        events: b.finish(),
        ..Default::default()
    }
}

#[test]
fn an_inactivity_churn_is_known_inactive_days_later() {
    let mut t = one_quiet_customer();
    let report = t.derive_churn(&ChurnDefinition::Inactivity { inactive_days: 30 }, None).unwrap();
    assert_eq!((report.churns, report.churned_customers), (1, 1));
    // Churned on 02-11 (the day after the last event); known on 02-11 + 30 = 03-12.
    assert_eq!(t.subscriptions[0].end_date, Some(date("2024-02-11")));
    let cat = FeatureCatalogue::standard();
    let ids = |a: &str| snapshot(&t, date(a), &cat).unwrap().ids.unwrap();
    assert_eq!(ids("2024-03-11"), vec!["quiet".to_string(), "loyal".to_string()]);
    assert_eq!(ids("2024-03-12"), vec!["loyal".to_string()]);
    // No subscription features without subscriptions.
    let ds = snapshot(&t, date("2024-03-01"), &cat).unwrap();
    assert!(ds.column("mrr").is_none() && ds.column("active_products").is_none());
    assert_eq!(ds.column("days_since_last_event").unwrap().as_numeric().unwrap()[0], 20.0);

    let obs = |as_of: &str, end: &str| {
        let p = FeatureParams::new(date(as_of), date(as_of)).lead_days(7).horizon_days(30).data_end(date(end));
        build_observations(&t, &p).unwrap()
    };
    // At 02-20 the churn (02-11) is not known yet: observed, and excluded as churned in the lead.
    let r = obs("2024-02-20", "2024-12-31").report;
    assert_eq!((r.candidates, r.excluded[&Exclusion::ChurnedInLead]), (2, 1));
    // At 01-29 the window [02-05, 03-06) holds the churn; its last day's churn is known on
    // 03-05 + 30 = 04-04, so the window is complete only with data up to 04-04.
    let r = obs("2024-01-29", "2024-04-04");
    assert_eq!((r.report.observations, r.report.churned), (2, 1));
    assert_eq!(r.dataset.churned.as_deref(), Some(&[true, false][..]));
    let r = obs("2024-01-29", "2024-04-03").report;
    assert_eq!((r.observations, r.excluded[&Exclusion::LabelWindowIncomplete]), (0, 2));
}

#[test]
fn a_cancellation_is_known_the_next_day_and_a_later_event_is_a_return() {
    let mut b = EventsBuilder::new();
    let ts = |s: &str| dn(date(s)) * DAY + 600;
    b.push(0, ts("2024-01-02"), "play", "").unwrap();
    b.push(0, ts("2024-02-01"), "cancel", "").unwrap();
    b.push(0, ts("2024-02-01"), "play", "").unwrap(); // same day: not a return
    b.push(0, ts("2024-02-05"), "cancel", "").unwrap(); // repeated
    b.push(0, ts("2024-03-01"), "play", "").unwrap(); // return
    b.push(1, ts("2024-06-01"), "play", "").unwrap();
    let mut t = Tables {
        customers: vec![Customer::new("a", date("2024-01-01")), Customer::new("b", date("2024-01-01"))],
        events: b.finish(),
        ..Default::default()
    };
    let r = t.derive_churn(&ChurnDefinition::Event { churn_event: "cancel".into() }, None).unwrap();
    assert_eq!((r.churns, r.returns, r.repeated_cancellations), (1, 1, 1));
    let cat = FeatureCatalogue::standard();
    let n = |a: &str| snapshot(&t, date(a), &cat).unwrap().n_rows();
    assert_eq!((n("2024-02-01"), n("2024-02-02"), n("2024-03-01"), n("2024-03-02")), (2, 1, 1, 2));
    let e = t.clone().derive_churn(&ChurnDefinition::Event { churn_event: "cancelled".into() }, None).unwrap_err();
    assert!(e.to_string().contains("no event has this type"), "{e}");
}

#[test]
fn the_schema_reads_churn_from_the_events() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("customers.csv"), "customer_id,signup_date\nquiet,2024-01-01\nloyal,2024-01-01\n")
        .unwrap();
    let t = one_quiet_customer();
    let mut ev = String::from("customer_id,timestamp,event_type\n");
    for i in 0..t.events.len() {
        ev.push_str(&format!("{},{},play\n", t.customer_id(t.events.customer[i]), t.events.timestamp[i]));
    }
    std::fs::write(dir.path().join("events.csv"), ev).unwrap();
    std::fs::write(dir.path().join("nps.csv"), "customer_id,date,score\n").unwrap();
    let schema =
        Schema::from_toml("[events]\ntimestamp = \"epoch_s\"\n[churn]\ninactive_days = 30\n", "s.toml").unwrap();
    let loaded = read_tables_with(dir.path(), Some(&schema), &ReadOptions::strict()).unwrap();
    let mut direct = one_quiet_customer();
    direct.derive_churn(&ChurnDefinition::Inactivity { inactive_days: 30 }, None).unwrap();
    assert_eq!(loaded.tables.subscriptions, direct.subscriptions);
    assert_eq!(loaded.tables.churn, direct.churn);
    assert!(loaded.report.to_string().contains("1 of 2 customers churned"), "{}", loaded.report);
    // An event type that never occurs names the schema file and the events file.
    let schema =
        Schema::from_toml("[events]\ntimestamp = \"epoch_s\"\n[churn]\nchurn_event = \"cancel\"\n", "s.toml").unwrap();
    let e = read_tables_with(dir.path(), Some(&schema), &ReadOptions::strict()).unwrap_err();
    assert!(e.to_string().starts_with("s.toml: [churn] with ") && e.to_string().contains("events.csv"), "{e}");
}

/// The CDNOW recipe's shape (`datasets/recipes/cdnow.py` writes it; nothing is downloaded here):
/// `customers.csv` (customer_id, first_purchase) and `purchases.csv` (customer_id, date, event,
/// cds, dollars), read through the committed `cdnow.schema.toml` with 90-day inactivity churn.
#[test]
fn the_cdnow_schema_runs_the_pipeline_on_a_synthetic_log_of_the_same_shape() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut customers = String::from("customer_id,first_purchase\n");
    let mut purchases = String::from("customer_id,date,event,cds,dollars\n");
    for c in 0..300 {
        let first = plus(date("1997-01-01"), rng.gen_range(0..90));
        customers.push_str(&format!("C{c:05},{first}\n"));
        let mut d = first;
        while d <= date("1998-06-30") {
            purchases.push_str(&format!(
                "C{c:05},{},purchase,{},{:.2}\n",
                d.format("%Y-%m-%d"),
                rng.gen_range(1..4),
                15.0
            ));
            // Every fifth customer is loyal (a purchase at most 60 days apart): never churned.
            d = plus(d, if c % 5 != 0 && rng.gen_bool(0.3) { 400 } else { rng.gen_range(5..60) });
        }
    }
    std::fs::write(dir.path().join("customers.csv"), customers).unwrap();
    std::fs::write(dir.path().join("purchases.csv"), purchases).unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/recipes/cdnow.schema.toml");
    let schema = Schema::read(&path).unwrap();
    let loaded = read_tables_with(dir.path(), Some(&schema), &ReadOptions::strict()).unwrap();
    assert_eq!(loaded.tables.churn, ChurnDefinition::Inactivity { inactive_days: 90 });
    let churn = loaded.report.churn.clone().unwrap();
    assert!(churn.churned_customers > 0 && churn.churned_customers <= 240, "{churn}");
    let p = FeatureParams::new(date("1997-04-01"), date("1998-01-01"))
        .every(attrition::features::Cadence::Months(1))
        .lead_days(7)
        .horizon_days(90);
    let table = build_observations(&loaded.tables, &p).unwrap();
    let r = &table.report;
    assert!(r.observations > 100 && r.churned > 0 && r.churned < r.observations, "{r}");
    assert!(r.excluded[&Exclusion::ChurnedInLead] > 0, "{r}");
    // The last as-of date's window ends after 1998-06-30 − 90 days: all incomplete.
    assert_eq!(r.per_date.last().unwrap().observations, 0, "{r}");
}
