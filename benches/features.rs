//! Point-in-time feature building on a 100k-customer, 24-month world (seeded).
//!
//! Measures `build_observations` (monthly as-of dates, lead 7, horizon 90) with 1 thread and with
//! all threads, on the events grouped by customer (as generated) and on the same events sorted by
//! time across customers (as an export ordered by timestamp would be, which needs the
//! counting-sort copy). Throughput is in events per second; divide by the thread count for
//! events/s/core.
//!
//! The world is written once to `target/bench-world/` (a tables directory) so the CLI can be
//! measured on the same data: `attrition features --tables target/bench-world ...`.

use std::path::PathBuf;

use attrition::catalogue::{CORE_EVENTS, OTHER_EVENTS, PRODUCTS, STICKY_EVENTS};
use attrition::features::{Cadence, FeatureParams, build_observations};
use attrition::io::tables::{AttributeKind, Customer, CustomerAttribute, EventsBuilder, Subscription, Tables};
use chrono::{Duration, NaiveDate};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Poisson};

const CUSTOMERS: usize = 100_000;
const MONTHS: i64 = 24;
const SEED: u64 = 7;

/// A stand-in for `attrition simulate --customers 100000 --months 24 --seed 7`: customers sign up
/// over the period, hold 1–4 products, use the product at a customer-specific rate with a
/// slow drift, sometimes hit plan limits or lose their champion, and churn at a hazard that rises
/// as usage falls. Events are emitted customer by customer in time order.
fn world() -> Tables {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    let days = MONTHS * 30;
    let verticals = ["restaurant", "retail", "dental", "salon", "auto", "legal", "fitness", "home_services"];
    let kinds: Vec<&str> = CORE_EVENTS.iter().chain(&STICKY_EVENTS).chain(&OTHER_EVENTS).copied().collect();
    let engagement = LogNormal::new(0.0, 0.6).unwrap();
    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut attrs: [Vec<Option<String>>; 3] = Default::default();
    let mut subs = Vec::new();
    let mut nps = Vec::new();
    let mut ev = EventsBuilder::new();
    ev.reserve(50_000_000);
    for c in 0..CUSTOMERS {
        let signup_day = rng.gen_range(0..days - 30);
        let signup = start + Duration::days(signup_day);
        customers.push(Customer::new(format!("C{c:06}"), signup));
        attrs[0].push(Some(verticals[rng.gen_range(0..verticals.len())].to_owned()));
        attrs[1].push(Some(if rng.gen_bool(0.5) { "needs_based" } else { "product_push" }.to_owned()));
        attrs[2].push(Some(rng.gen_bool(0.4).to_string()));
        let e: f64 = engagement.sample(&mut rng);
        let n_users = rng.gen_range(1..=5);
        let mut rate = 0.8 * e; // events per day
        let mut end_day = days;
        let mut day = signup_day;
        while day < days {
            // Weekly step: drift usage, maybe churn.
            rate *= rng.gen_range(0.93..1.06);
            if rng.gen_bool((0.006 / rate.max(0.05)).min(0.5)) {
                end_day = day;
                break;
            }
            for d in day..(day + 7).min(days) {
                let n = Poisson::new(rate.max(1e-3)).unwrap().sample(&mut rng) as usize;
                let mut ts: Vec<i64> = (0..n).map(|_| rng.gen_range(0..86_400)).collect();
                ts.sort_unstable();
                let base = (start + Duration::days(d)).and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp();
                for t in ts {
                    let kind = kinds[rng.gen_range(0..kinds.len())];
                    let user = format!("C{c:06}-u{}", rng.gen_range(0..n_users));
                    ev.push(c as u32, base + t, kind, &user).unwrap();
                }
                if rng.gen_bool(0.002) {
                    ev.push(c as u32, base + 43_200, "limit_hit", &format!("C{c:06}-u0")).unwrap();
                }
            }
            if rng.gen_bool(0.002) {
                let t = (start + Duration::days(day)).and_hms_opt(9, 0, 0).unwrap().and_utc().timestamp();
                ev.push(c as u32, t, "champion_left", &format!("C{c:06}-u0")).unwrap();
                rate *= 0.5;
            }
            if rng.gen_bool(0.02) {
                nps.push(attrition::io::tables::NpsResponse {
                    customer: c as u32,
                    date: start + Duration::days(day),
                    score: (rate * 6.0).clamp(0.0, 10.0) as u8,
                });
            }
            day += 7;
        }
        let end = (end_day < days).then(|| start + Duration::days(end_day));
        let n_products = rng.gen_range(1..=4);
        for (k, product) in PRODUCTS.iter().take(n_products).enumerate() {
            let s = if k == 0 { signup } else { signup + Duration::days(rng.gen_range(0..300)) };
            if end.is_some_and(|e| s >= e) {
                continue;
            }
            subs.push(Subscription {
                customer: c as u32,
                product: (*product).into(),
                start_date: s,
                end_date: end,
                mrr: [29.0, 49.0, 99.0][rng.gen_range(0..3)],
            });
        }
    }
    let [vertical, sales, specialised] = attrs;
    let attributes = vec![
        CustomerAttribute::new("vertical", AttributeKind::Categorical, vertical),
        CustomerAttribute::new("sales_approach", AttributeKind::Categorical, sales),
        CustomerAttribute::new("specialised_provider", AttributeKind::Boolean, specialised),
    ];
    Tables {
        customers,
        attributes,
        subscriptions: subs,
        events: ev.finish(),
        nps,
        campaign: None,
        ..Default::default()
    }
}

fn world_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-world")
}

/// The world, read from `target/bench-world/` (written on first use).
fn load_world() -> Tables {
    let dir = world_dir();
    if !dir.join("events.csv").exists() {
        world().write_dir(&dir).expect("write bench world");
    }
    Tables::read_dir(&dir).expect("read bench world")
}

fn time_sorted(t: &Tables) -> Tables {
    let mut order: Vec<usize> = (0..t.events.len()).collect();
    order.sort_by_key(|&i| (t.events.timestamp[i], t.events.customer[i]));
    let mut s = t.clone();
    for (dst, &src) in order.iter().enumerate() {
        s.events.customer[dst] = t.events.customer[src];
        s.events.timestamp[dst] = t.events.timestamp[src];
        s.events.kind[dst] = t.events.kind[src];
        s.events.user[dst] = t.events.user[src];
    }
    s
}

fn params() -> FeatureParams {
    let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    FeatureParams::new(d("2023-03-01"), d("2024-12-01")).every(Cadence::Months(1)).lead_days(7).horizon_days(90)
}

fn bench(c: &mut Criterion) {
    let grouped = load_world();
    let sorted = time_sorted(&grouped);
    let p = params();
    let n = grouped.events.len() as u64;
    let all = rayon::current_num_threads();
    let probe = build_observations(&grouped, &p).unwrap();
    eprintln!(
        "bench world: {} customers, {} events, {} observations × {} features",
        grouped.customers.len(),
        n,
        probe.report.observations,
        probe.report.n_features
    );
    drop(probe);

    let mut g = c.benchmark_group("build_observations");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        for (name, tables) in [("grouped", &grouped), ("time_sorted", &sorted)] {
            g.bench_with_input(BenchmarkId::new(name, format!("{threads}_threads")), tables, |b, t| {
                b.iter(|| pool.install(|| build_observations(t, &p).unwrap()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
