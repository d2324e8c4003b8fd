//! Property tests: on random subscription tables the KPI counts agree with a day-by-day brute
//! force, the identities hold and periods chain.

mod common;

use attrition::io::tables::{Subscription, Tables};
use attrition::kpi::{KpiOptions, PeriodKind, compute_kpis};
use chrono::{Duration, NaiveDate};
use common::{World, day};
use proptest::prelude::*;

fn world(customers: Vec<Vec<(i64, Option<i64>, u8)>>) -> Tables {
    let mut w = World::new();
    let base = day("2023-01-01");
    for (i, subs) in customers.into_iter().enumerate() {
        let c = w.customer(&format!("c{i}"), "2023-01-01");
        for (start, len, price) in subs {
            let s = base + Duration::days(start);
            let e = len.map(|l| s + Duration::days(l));
            let mrr = [0.0, 10.0, 25.5, 100.0][usize::from(price % 4)];
            w.tables.subscriptions.push(Subscription {
                customer: c,
                product: "p".into(),
                start_date: s,
                end_date: e,
                mrr,
            });
        }
    }
    w.tables
}

fn active(t: &Tables, c: u32, d: NaiveDate) -> (bool, f64) {
    let subs: Vec<&Subscription> = t.subscriptions.iter().filter(|s| s.customer == c && s.is_active_on(d)).collect();
    (!subs.is_empty(), subs.iter().map(|s| s.mrr).sum())
}

fn strategy() -> impl Strategy<Value = Vec<Vec<(i64, Option<i64>, u8)>>> {
    prop::collection::vec(
        prop::collection::vec((0i64..540, prop::option::weighted(0.7, 1i64..200), any::<u8>()), 0..4),
        1..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn monthly_counts_match_a_brute_force(customers in strategy()) {
        let t = world(customers);
        prop_assume!(t.subscriptions.iter().any(|s| s.end_date.is_none_or(|e| e > s.start_date)));
        let r = compute_kpis(&t, &KpiOptions::new().from(day("2023-01-01")).to(day("2024-08-20"))).unwrap();
        for p in &r.periods {
            let open = p.start - Duration::days(1);
            let close = p.closing_day;
            let (mut at_start, mut at_end, mut new, mut re, mut churned, mut transient) = (0, 0, 0, 0, 0, 0);
            let (mut mrr_start, mut mrr_end) = (0.0, 0.0);
            for c in 0..t.customers.len() as u32 {
                let (a0, m0) = active(&t, c, open);
                let (a1, m1) = active(&t, c, close);
                at_start += u64::from(a0);
                at_end += u64::from(a1);
                mrr_start += m0;
                mrr_end += m1;
                let before = (0..).map(|k| day("2022-12-01") + Duration::days(k)).take_while(|d| *d <= open).any(|d| active(&t, c, d).0);
                if !a0 && a1 {
                    if before { re += 1 } else { new += 1 }
                }
                if a0 && !a1 {
                    churned += 1;
                }
                let during = (1..).map(|k| open + Duration::days(k)).take_while(|d| *d <= close).any(|d| active(&t, c, d).0);
                if !a0 && !a1 && during {
                    transient += 1;
                }
            }
            let k = p.customers;
            prop_assert_eq!((k.at_start, k.at_end, k.new, k.reactivated, k.churned, k.joined_and_left), (at_start, at_end, new, re, churned, transient), "{}", p.label.clone());
            prop_assert!((p.mrr.start - mrr_start).abs() < 1e-9 && (p.mrr.end - mrr_end).abs() < 1e-9);
            prop_assert_eq!(k.at_start + k.new + k.reactivated - k.churned, k.at_end);
            prop_assert!(p.mrr.identity_gap().abs() < 1e-9);
            for rate in [p.churn_rate, p.retention_rate, p.nrr, p.grr, p.quick_ratio, p.arpu, p.ltv, p.net_mrr_churn] {
                prop_assert!(rate.is_none_or(f64::is_finite));
            }
            if let (Some(c), Some(r)) = (p.churn_rate, p.retention_rate) {
                prop_assert!((c + r - 1.0).abs() < 1e-12);
            }
        }
        for w in r.periods.windows(2) {
            prop_assert_eq!(w[0].customers.at_end, w[1].customers.at_start);
            prop_assert!((w[0].mrr.end - w[1].mrr.start).abs() < 1e-9);
        }
    }

    #[test]
    fn a_quarter_moves_as_much_net_mrr_as_its_months(customers in strategy()) {
        let t = world(customers);
        prop_assume!(t.subscriptions.iter().any(|s| s.end_date.is_none_or(|e| e > s.start_date)));
        let opts = KpiOptions::new().from(day("2023-01-01")).to(day("2024-06-30"));
        let m = compute_kpis(&t, &opts).unwrap();
        let q = compute_kpis(&t, &opts.period(PeriodKind::Quarter)).unwrap();
        prop_assert_eq!(q.periods.len() * 3, m.periods.len());
        for (i, qp) in q.periods.iter().enumerate() {
            let months: f64 = m.periods[3 * i..3 * i + 3].iter().map(|p| p.mrr.net_new()).sum();
            prop_assert!((months - qp.mrr.net_new()).abs() < 1e-9);
            prop_assert_eq!(qp.customers.at_start, m.periods[3 * i].customers.at_start);
            prop_assert_eq!(qp.customers.at_end, m.periods[3 * i + 2].customers.at_end);
        }
    }
}
