//! KPIs and retention over a partitioned directory (issue 19 item 1): `attrition kpi` and
//! `attrition retention` on `attrition partition`'s output print the same bytes as on the tables
//! directory — CSV and JSON, every period length, groups by study factor and by attribute
//! (categorical and boolean) — for 1, 3 and 7 partitions, on the bundled sample and a simulated
//! world; and the per-partition counts they are combined from merge exactly, in any order
//! (property tests on random splits).
#![cfg(feature = "parquet")]

mod common;

use std::path::Path;
use std::process::Command;

use attrition::io::tables::{Subscription, Tables};
use attrition::kpi::{KpiBounds, KpiCounts, KpiOptions, PeriodKind, compute_kpis};
use attrition::survival::{KaplanMeier, SurvivalCounts, SurvivalData, logrank_test, logrank_test_counts};
use chrono::Duration;
use common::{World, day};
use proptest::prelude::*;

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");

fn run(args: &[&str]) -> Vec<u8> {
    let o = Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
    assert!(o.status.success(), "attrition {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    assert!(!o.stdout.is_empty(), "attrition {args:?} printed nothing");
    o.stdout
}

/// Every kpi and retention invocation compared.
const INVOCATIONS: &[&[&str]] = &[
    &["kpi"],
    &["kpi", "--json"],
    &["kpi", "--period", "quarter", "--json"],
    &["kpi", "--period", "year", "--from", "2024-03-15", "--to", "2025-02-10"],
    &["retention"],
    &["retention", "--json"],
    &["retention", "--by", "sales_approach", "--json"],
    &["retention", "--by", "specialised_provider"],
    &["retention", "--by", "weekly_engaged", "--horizon-days", "365", "--json"],
    &["retention", "--by", "upsell_90d", "--censor", "2025-06-30"],
];

/// Partitions `tables` into 1, 3 and 7 partitions and compares every invocation's output.
fn same_output_partitioned(tables: &Path, tmp: &Path) {
    let tables = tables.to_str().unwrap();
    let whole: Vec<Vec<u8>> = INVOCATIONS.iter().map(|a| run(&[a, &["--tables", tables][..]].concat())).collect();
    for n in [1, 3, 7] {
        let parts = tmp.join(format!("parts{n}"));
        let parts = parts.to_str().unwrap();
        run(&["partition", "--tables", tables, "--partitions", &n.to_string(), "--out", parts]);
        for (args, expected) in INVOCATIONS.iter().zip(&whole) {
            let got = run(&[args, &["--tables", parts][..]].concat());
            assert!(
                got == *expected,
                "attrition {args:?} over {n} partitions differs:\n{}\n---\n{}",
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected)
            );
        }
    }
}

#[test]
fn kpi_and_retention_are_byte_identical_over_partitions_of_the_sample() {
    let tmp = tempfile::tempdir().unwrap();
    same_output_partitioned(Path::new(SAMPLE), tmp.path());
}

#[test]
fn kpi_and_retention_are_byte_identical_over_partitions_of_a_simulated_world() {
    let tmp = tempfile::tempdir().unwrap();
    let world = attrition::simulate::simulate(&attrition::simulate::SimulationParams::new(700, 3, 20261203)).unwrap();
    world.tables.write_dir(tmp.path().join("tables")).unwrap();
    same_output_partitioned(&tmp.path().join("tables"), tmp.path());
}

#[test]
fn a_schema_beside_a_partitioned_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let parts = tmp.path().join("p");
    run(&["partition", "--tables", SAMPLE, "--partitions", "2", "--out", parts.to_str().unwrap()]);
    std::fs::write(tmp.path().join("s.toml"), "").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["kpi", "--tables", parts.to_str().unwrap(), "--schema", tmp.path().join("s.toml").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("partitioned directory") && err.contains("--schema"), "{err}");
}

/// A customer's subscriptions: (start day, length in days, MRR index).
type Subs = Vec<(i64, Option<i64>, u8)>;

/// MRR values whose sums round differently in different orders.
const MRR: [f64; 6] = [0.0, 10.1, 25.55, 99.99, 0.3, 1234.567];

fn world(customers: &[(Subs, u8)], keep: impl Fn(u8) -> bool) -> Tables {
    let mut w = World::new();
    let base = day("2023-01-01");
    for (i, (subs, part)) in customers.iter().enumerate() {
        if !keep(*part) {
            continue;
        }
        let c = w.customer(&format!("c{i}"), "2023-01-01");
        for &(start, len, price) in subs {
            let s = base + Duration::days(start);
            w.tables.subscriptions.push(Subscription {
                customer: c,
                product: "p".into(),
                start_date: s,
                end_date: len.map(|l| s + Duration::days(l)),
                mrr: MRR[usize::from(price) % MRR.len()],
            });
        }
    }
    w.tables
}

fn customers() -> impl Strategy<Value = Vec<(Subs, u8)>> {
    prop::collection::vec(
        (prop::collection::vec((0i64..540, prop::option::weighted(0.7, 1i64..200), any::<u8>()), 0..4), 0u8..4),
        1..40,
    )
}

fn json<T: serde::Serialize>(t: &T) -> String {
    serde_json::to_string(t).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Split the customers into four parts at random: the parts' counts, merged in either
    /// grouping, give the report of all customers to the byte.
    #[test]
    fn kpi_counts_merge_exactly_in_any_order(cs in customers(), quarter in any::<bool>()) {
        let all = world(&cs, |_| true);
        let parts: Vec<Tables> = (0..4).map(|p| world(&cs, |q| q == p)).collect();
        let period = if quarter { PeriodKind::Quarter } else { PeriodKind::Month };
        let options = KpiOptions::new().period(period);
        let mut bounds = KpiBounds::new();
        for p in &parts {
            bounds.merge(&KpiBounds::from_tables(p)).unwrap();
        }
        let frame = match bounds.frame(&options) {
            Ok(f) => f,
            Err(_) => {
                prop_assert!(compute_kpis(&all, &options).is_err());
                return Ok(());
            }
        };
        let c: Vec<KpiCounts> = parts.iter().map(|p| KpiCounts::count(p, &frame)).collect();
        // ((0 + 1) + 2) + 3
        let mut left = c[0].clone();
        for x in &c[1..] {
            left.merge(x).unwrap();
        }
        // 3 + (2 + (1 + 0)), built from the other side
        let mut right = c[1].clone();
        right.merge(&c[0]).unwrap();
        let mut r2 = c[2].clone();
        r2.merge(&right).unwrap();
        let mut r3 = c[3].clone();
        r3.merge(&r2).unwrap();
        let whole = compute_kpis(&all, &options).unwrap();
        prop_assert_eq!(json(&left.report(&frame)), json(&whole));
        prop_assert_eq!(json(&r3.report(&frame)), json(&whole));
    }

    /// Survival counts of random splits merge into the counts of all subjects, and curves and
    /// log-rank tests from merged counts equal those from the subjects.
    #[test]
    fn survival_counts_merge_exactly_in_any_order(
        subjects in prop::collection::vec((0u32..60, any::<bool>(), 0u32..30, 0u8..3, 0u8..2), 1..80),
        late_entry in any::<bool>(),
    ) {
        let data = |keep: &dyn Fn(u8, u8) -> bool| {
            let rows: Vec<_> = subjects.iter().filter(|s| keep(s.3, s.4)).collect();
            let d = SurvivalData::new(rows.iter().map(|s| f64::from(s.0) / 2.0).collect(), rows.iter().map(|s| s.1).collect()).unwrap();
            if late_entry {
                d.with_entry(rows.iter().map(|s| (f64::from(s.2) / 2.0).min(f64::from(s.0) / 2.0)).collect()).unwrap()
            } else {
                d
            }
        };
        let all = data(&|_, _| true);
        let parts: Vec<SurvivalCounts> = (0..3).map(|p| SurvivalCounts::from_data(&data(&|q, _| q == p))).collect();
        let mut a = parts[0].clone();
        a.merge(&parts[1]);
        a.merge(&parts[2]);
        let mut b = parts[2].clone();
        let mut bc = parts[1].clone();
        bc.merge(&parts[0]);
        b.merge(&bc);
        let expected = SurvivalCounts::from_data(&all);
        prop_assert_eq!(&a, &expected);
        prop_assert_eq!(&b, &expected);
        // −0.0 (no events) and 0.0 print differently: the sign must survive merging too.
        prop_assert_eq!(a.n_events().to_bits(), expected.n_events().to_bits());
        prop_assert_eq!(b.n_events().to_bits(), expected.n_events().to_bits());
        let km = KaplanMeier::new();
        prop_assert_eq!(km.fit_counts(&a).unwrap(), km.fit(&all).unwrap());
        // Two groups (the last field), each merged from three parts.
        let group = |g: u8| {
            let mut c = SurvivalCounts::new();
            for p in 0..3 {
                c.merge(&SurvivalCounts::from_data(&data(&|q, h| q == p && h == g)));
            }
            c
        };
        let (g0, g1) = (data(&|_, h| h == 0), data(&|_, h| h == 1));
        if !g0.is_empty() && !g1.is_empty() {
            let from_data = logrank_test(&[&g0, &g1]);
            let from_counts = logrank_test_counts(&[&group(0), &group(1)]);
            prop_assert_eq!(format!("{from_data:?}"), format!("{from_counts:?}"));
        }
    }
}
