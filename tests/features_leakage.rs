//! No leakage: changing or deleting anything dated on or after `as_of` (events, subscription starts
//! and ends, NPS responses) never changes the features of an observation at `as_of` — and the
//! same property, run against a builder that peeks at the as-of day itself, fails.

mod features_support;

use std::cell::Cell;
use std::collections::HashMap;

use attrition::dataset::Dataset;
use attrition::features::{Cadence, FeatureParams, build_observations};
use attrition::io::tables::{Events, NpsResponse, Tables};
use chrono::{Duration, NaiveDate};
use features_support::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A feature builder under test.
type Builder = fn(&Tables, &FeatureParams) -> Dataset;

/// The real thing.
fn honest(t: &Tables, p: &FeatureParams) -> Dataset {
    build_observations(t, p).unwrap().dataset
}

/// A deliberately leaky builder: computes the features of `as_of` with the data of day `as_of`
/// included (an inclusive cut-off — the classic off-by-one), then reports them under `as_of`.
fn leaky(t: &Tables, p: &FeatureParams) -> Dataset {
    let mut shifted = p.clone();
    shifted.from += Duration::days(1);
    shifted.to += Duration::days(1);
    let mut ds = build_observations(t, &shifted).unwrap().dataset;
    ds.as_of = ds.as_of.map(|v| v.into_iter().map(|d| d - Duration::days(1)).collect());
    ds
}

/// A day ≥ `cut`: half the time exactly `cut`, where off-by-one leaks live.
fn day_from(rng: &mut ChaCha8Rng, cut: NaiveDate) -> NaiveDate {
    if rng.gen_bool(0.5) { cut } else { plus(cut, rng.gen_range(0..60)) }
}

/// A timestamp ≥ `cut` 00:00 UTC: often exactly midnight of the cut day.
fn time_from(rng: &mut ChaCha8Rng, cut: NaiveDate) -> i64 {
    let day = dn(day_from(rng, cut));
    day * DAY + if rng.gen_bool(0.5) { 0 } else { rng.gen_range(0..DAY) }
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

/// Applies `n` random changes, each to something dated on or after `cut`. Returns what was done.
fn mutate(t: &mut Tables, cut: NaiveDate, seed: u64, n: usize) -> Vec<String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let cut_ts = dn(cut) * DAY;
    let nc = t.customers.len() as u32;
    let mut log = Vec::new();
    for _ in 0..n {
        let late_events: Vec<usize> = (0..t.events.len()).filter(|&i| t.events.timestamp[i] >= cut_ts).collect();
        let late_starts: Vec<usize> =
            (0..t.subscriptions.len()).filter(|&i| t.subscriptions[i].start_date >= cut).collect();
        let open_ends: Vec<usize> =
            (0..t.subscriptions.len()).filter(|&i| t.subscriptions[i].end_date.is_none_or(|e| e >= cut)).collect();
        let late_nps: Vec<usize> = (0..t.nps.len()).filter(|&i| t.nps[i].date >= cut).collect();
        match rng.gen_range(0..10) {
            0 if !late_events.is_empty() => {
                let i = late_events[rng.gen_range(0..late_events.len())];
                t.events = retain_events(&t.events, |j| j != i);
                log.push(format!("delete event {i}"));
            }
            1 if !late_events.is_empty() => {
                let i = late_events[rng.gen_range(0..late_events.len())];
                t.events.timestamp[i] = time_from(&mut rng, cut);
                t.events.kind[i] = rng.gen_range(0..t.events.kinds.len() as u16);
                t.events.user[i] = rng.gen_range(0..t.events.users.len() as u32);
                log.push(format!("alter event {i}"));
            }
            2 => {
                let c = rng.gen_range(0..nc);
                let ts = time_from(&mut rng, cut);
                let kind = TYPES[rng.gen_range(0..TYPES.len())];
                let mut b = attrition::io::tables::EventsBuilder::new();
                for i in 0..t.events.len() {
                    let e = &t.events;
                    b.push(e.customer[i], e.timestamp[i], &e.kinds[e.kind[i] as usize], &e.users[e.user[i] as usize])
                        .unwrap();
                }
                b.push(c, ts, kind, &format!("new_user_{}", rng.gen_range(0..3))).unwrap();
                t.events = b.finish();
                log.push(format!("add event c{c} {kind} at {ts}"));
            }
            3 if !open_ends.is_empty() => {
                let i = open_ends[rng.gen_range(0..open_ends.len())];
                let s = &mut t.subscriptions[i];
                let floor = s.start_date.max(cut);
                s.end_date = if rng.gen_bool(0.3) { None } else { Some(day_from(&mut rng, floor)) };
                log.push(format!("move end of subscription {i} to {:?}", s.end_date));
            }
            4 => {
                let c = rng.gen_range(0..nc);
                let start = day_from(&mut rng, cut);
                let end = if rng.gen_bool(0.5) { None } else { Some(day_from(&mut rng, start)) };
                t.subscriptions.push(sub(c, PRODUCTS[rng.gen_range(0..3)], start, end, 42.0));
                log.push(format!("add subscription c{c} from {start} to {end:?}"));
            }
            5 if !late_starts.is_empty() => {
                let i = late_starts[rng.gen_range(0..late_starts.len())];
                t.subscriptions.remove(i);
                log.push(format!("delete subscription {i}"));
            }
            6 if !late_starts.is_empty() => {
                let i = late_starts[rng.gen_range(0..late_starts.len())];
                let s = &mut t.subscriptions[i];
                s.start_date = day_from(&mut rng, cut);
                if let Some(e) = s.end_date
                    && e < s.start_date
                {
                    s.end_date = Some(s.start_date);
                }
                s.mrr = 7.0;
                log.push(format!("move start of subscription {i} to {}", s.start_date));
            }
            7 => {
                let c = rng.gen_range(0..nc);
                let date = day_from(&mut rng, cut);
                t.nps.push(NpsResponse { customer: c, date, score: rng.gen_range(0..=10) });
                log.push(format!("add NPS c{c} on {date}"));
            }
            8 if !late_nps.is_empty() => {
                let i = late_nps[rng.gen_range(0..late_nps.len())];
                t.nps.remove(i);
                log.push(format!("delete NPS {i}"));
            }
            9 if !late_nps.is_empty() => {
                let i = late_nps[rng.gen_range(0..late_nps.len())];
                t.nps[i].score = rng.gen_range(0..=10);
                t.nps[i].date = day_from(&mut rng, cut);
                log.push(format!("alter NPS {i}"));
            }
            _ => {}
        }
    }
    log
}

/// Builds features before and after the mutations and compares every observation dated on or
/// before `cut` that is present in both. Returns (observations compared, first difference).
fn compare(
    builder: Builder,
    t: &Tables,
    cut: NaiveDate,
    mutation_seed: u64,
    n_mutations: usize,
) -> (usize, Option<String>) {
    let base_params =
        FeatureParams::new(plus(cut, -7 * 20), cut).every(Cadence::Weeks(1)).lead_days(3).horizon_days(21);
    // One resolved catalogue for both builds, so both have the same columns.
    let catalogue = build_observations(t, &base_params).unwrap().catalogue;
    let params = base_params.catalogue(catalogue);
    let before = builder(t, &params);
    let mut changed = t.clone();
    let log = mutate(&mut changed, cut, mutation_seed, n_mutations);
    let after = builder(&changed, &params);
    assert_eq!(before.feature_names(), after.feature_names());
    let a: HashMap<_, _> = rows_by_key(&before);
    let b: HashMap<_, _> = rows_by_key(&after);
    let names = before.feature_names();
    let mut compared = 0;
    for (key, row) in &a {
        if key.1 > cut {
            continue;
        }
        let Some(other) = b.get(key) else { continue };
        compared += 1;
        if let Some(j) = (0..row.len()).find(|&j| row[j] != other[j]) {
            return (
                compared,
                Some(format!("{key:?}: `{}` changed from {} to {} after {log:?}", names[j], row[j], other[j])),
            );
        }
    }
    (compared, None)
}

/// A case: (table seed, cut day offset, mutation seed, number of mutations).
type Case = (u64, i64, u64, usize);

/// Runs the leakage property for `cases` deterministic random cases against `builder`; returns the
/// outcome and the number of observations compared.
fn run_property(builder: Builder, cases: u32) -> (Result<(), TestError<Case>>, usize) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config.clone(), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let compared = Cell::new(0usize);
    let strategy = (any::<u64>(), 20i64..320, any::<u64>(), 1usize..6);
    let result = runner.run(&strategy, |(seed, cut_day, mutation_seed, n)| {
        let t = random_tables(seed);
        let (k, diff) = compare(builder, &t, plus(base(), cut_day), mutation_seed, n);
        compared.set(compared.get() + k);
        match diff {
            Some(d) => Err(TestCaseError::fail(d)),
            None => Ok(()),
        }
    });
    (result, compared.get())
}

#[test]
fn features_never_see_data_dated_on_or_after_as_of() {
    let (result, compared) = run_property(honest, 256);
    if let Err(e) = result {
        panic!("leakage: {e}");
    }
    // The property is not vacuous: many observations were compared across the cases.
    assert!(compared > 1_000, "only {compared} observations compared");
}

#[test]
fn the_property_catches_a_builder_that_peeks_at_the_as_of_day() {
    let (result, _) = run_property(leaky, 256);
    match result {
        Err(TestError::Fail(reason, _)) => assert!(reason.to_string().contains("changed from"), "{reason}"),
        other => panic!("the leaky builder was not caught: {other:?}"),
    }
}

#[test]
fn a_single_event_at_as_of_midnight_exposes_the_leaky_builder() {
    let d = date;
    let mut t = Tables {
        customers: vec![customer("a", d("2024-01-01"), "retail")],
        subscriptions: vec![sub(0, "listings", d("2024-01-01"), None, 10.0)],
        ..Default::default()
    };
    let mut ev = attrition::io::tables::EventsBuilder::new();
    ev.push(0, dn(d("2024-02-01")) * DAY - 1, "login", "u1").unwrap(); // 01-31 23:59:59
    t.events = ev.finish();
    let p = FeatureParams::new(d("2024-03-01"), d("2024-03-01")).lead_days(0).horizon_days(1).data_end(d("2025-01-01"));
    let with_event = |t: &Tables| {
        let mut t = t.clone();
        t.events.customer.push(0);
        t.events.timestamp.push(dn(d("2024-03-01")) * DAY); // exactly as_of 00:00:00
        t.events.kind.push(0);
        t.events.user.push(0);
        t
    };
    let key = ("a".to_string(), d("2024-03-01"));
    for (builder, should_change) in [(honest as Builder, false), (leaky as Builder, true)] {
        let before = rows_by_key(&builder(&t, &p))[&key].clone();
        let after = rows_by_key(&builder(&with_event(&t), &p))[&key].clone();
        assert_eq!(before != after, should_change);
    }
}
