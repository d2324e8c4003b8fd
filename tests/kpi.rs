//! KPIs on hand-made tables: every number below is worked out by hand in the comments.

mod common;

use attrition::kpi::{KpiOptions, KpiReport, PeriodKind, PeriodKpis, compute_kpis, write_kpis_csv};
use common::{World, day};

/// Six customers over winter 2023/24 (MRR in brackets):
/// - A: [2024-01-01, ∞) 100, plus [2024-03-01, ∞) 50 → new in January (starts on the first day),
///   expansion in March;
/// - B: [2023-12-15, 2024-02-01) 80, back [2024-04-10, ∞) 60 → churns in February (end_date = first
///   day without service = Feb 1), reactivated in April;
/// - C: [2024-01-10, 2024-01-20) 40 → signs up and churns within January;
/// - D: [2023-11-01, 2024-03-15) 200 and [2023-11-01, 2024-02-10) 30 → contraction in February,
///   churn in March;
/// - E: [2024-02-01, 2024-03-01) 20 → new in February, churns in March (end_date = Mar 1);
/// - F: signed up, never subscribed.
fn winter() -> World {
    let mut w = World::new();
    let a = w.customer("A", "2024-01-01");
    let b = w.customer("B", "2023-12-15");
    let c = w.customer("C", "2024-01-10");
    let d = w.customer("D", "2023-11-01");
    let e = w.customer("E", "2024-02-01");
    w.customer("F", "2024-01-05");
    w.sub(a, "2024-01-01", None, 100.0).sub(a, "2024-03-01", None, 50.0);
    w.sub(b, "2023-12-15", Some("2024-02-01"), 80.0).sub(b, "2024-04-10", None, 60.0);
    w.sub(c, "2024-01-10", Some("2024-01-20"), 40.0);
    w.sub(d, "2023-11-01", Some("2024-03-15"), 200.0).sub(d, "2023-11-01", Some("2024-02-10"), 30.0);
    w.sub(e, "2024-02-01", Some("2024-03-01"), 20.0);
    w
}

fn monthly(w: &World, from: &str, to: &str) -> KpiReport {
    compute_kpis(&w.tables, &KpiOptions::new().from(day(from)).to(day(to))).unwrap()
}

fn period<'a>(r: &'a KpiReport, label: &str) -> &'a PeriodKpis {
    r.periods.iter().find(|p| p.label == label).unwrap_or_else(|| panic!("no period {label}"))
}

fn near(a: Option<f64>, b: f64) {
    let a = a.expect("a value, not None");
    assert!((a - b).abs() < 1e-12, "{a} vs {b}");
}

#[test]
fn january_new_on_the_first_day_and_a_signup_who_churns_within_the_month() {
    let r = monthly(&winter(), "2024-01-01", "2024-04-30");
    let jan = period(&r, "2024-01");
    let c = jan.customers;
    // Opening = Dec 31: B, D. Close = Jan 31: A, B, D. C came and went.
    assert_eq!((c.at_start, c.new, c.reactivated, c.churned, c.at_end, c.joined_and_left), (2, 1, 0, 0, 3, 1));
    let m = jan.mrr;
    assert_eq!(
        (m.start, m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.end),
        (310.0, 100.0, 0.0, 0.0, 0.0, 0.0, 410.0)
    );
    assert_eq!(jan.churn_rate, Some(0.0));
    assert_eq!(jan.retention_rate, Some(1.0));
    assert_eq!(jan.quick_ratio, None); // nothing lost: 100 / 0
    assert_eq!(jan.ltv, None); // no churn
    near(jan.arpu, 410.0 / 3.0);
    assert_eq!(r.customers_without_subscriptions, 1);
}

#[test]
fn february_churn_on_the_boundary_contraction_and_new() {
    let r = monthly(&winter(), "2024-01-01", "2024-04-30");
    let feb = period(&r, "2024-02");
    let c = feb.customers;
    // Opening = Jan 31: A, B, D. Close = Feb 29: A, D, E. B churned (end_date Feb 1), E is new.
    assert_eq!((c.at_start, c.new, c.reactivated, c.churned, c.at_end, c.joined_and_left), (3, 1, 0, 1, 3, 0));
    let m = feb.mrr;
    assert_eq!(
        (m.start, m.new, m.expansion, m.contraction, m.churned, m.reactivation, m.end),
        (410.0, 20.0, 0.0, 30.0, 80.0, 0.0, 320.0)
    );
    near(feb.churn_rate, 1.0 / 3.0);
    near(feb.retention_rate, 2.0 / 3.0); // (3 at end − 1 new) / 3
    near(feb.annualised_churn_rate, 1.0 - (2.0f64 / 3.0).powi(12));
    near(feb.gross_mrr_churn, 110.0 / 410.0);
    near(feb.net_mrr_churn, 110.0 / 410.0);
    near(feb.nrr, 300.0 / 410.0);
    near(feb.grr, 300.0 / 410.0);
    near(feb.quick_ratio, 20.0 / 110.0);
    near(feb.arpu, 320.0 / 3.0);
    near(feb.ltv, 320.0); // ARPU 106.67 × margin 1 ÷ monthly churn 1/3
}

#[test]
fn march_expansion_and_two_churns() {
    let r = monthly(&winter(), "2024-01-01", "2024-04-30");
    let mar = period(&r, "2024-03");
    let c = mar.customers;
    assert_eq!((c.at_start, c.new, c.reactivated, c.churned, c.at_end), (3, 0, 0, 2, 1));
    let m = mar.mrr;
    assert_eq!((m.start, m.expansion, m.contraction, m.churned, m.end), (320.0, 50.0, 0.0, 220.0, 150.0));
    near(mar.nrr, 150.0 / 320.0);
    near(mar.grr, 100.0 / 320.0);
    near(mar.quick_ratio, 50.0 / 220.0);
    near(mar.net_mrr_churn, 170.0 / 320.0);
}

#[test]
fn april_reactivation_gives_net_negative_churn() {
    let r = monthly(&winter(), "2024-01-01", "2024-04-30");
    let apr = period(&r, "2024-04");
    let c = apr.customers;
    assert_eq!((c.at_start, c.new, c.reactivated, c.churned, c.at_end), (1, 0, 1, 0, 2));
    assert_eq!((apr.mrr.reactivation, apr.mrr.end), (60.0, 210.0));
    near(apr.net_mrr_churn, -0.4); // (0 + 0 − 0 − 60) / 150
    near(apr.nrr, 1.0); // A alone: 150 → 150
    near(apr.retention_rate, 1.0); // (2 at end − 1 reactivated) / 1: "new" includes returns
    assert_eq!(apr.quick_ratio, None);
    assert!(!apr.partial);
}

#[test]
fn a_period_with_no_customers_at_start_has_no_rates() {
    let r = monthly(&winter(), "2023-10-01", "2024-01-31");
    for label in ["2023-10", "2023-11"] {
        let p = period(&r, label);
        assert_eq!(p.customers.at_start, 0);
        for rate in [
            p.churn_rate,
            p.retention_rate,
            p.annualised_churn_rate,
            p.gross_mrr_churn,
            p.net_mrr_churn,
            p.nrr,
            p.grr,
            p.ltv,
        ] {
            assert_eq!(rate, None, "{label}");
        }
    }
    assert_eq!(period(&r, "2023-10").arpu, None); // no customers at all
    assert_eq!(period(&r, "2023-11").customers.new, 1); // D
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
    assert!(json.contains("\"churn_rate\":null"));
    let mut csv = Vec::new();
    write_kpis_csv(&r, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(!csv.contains("NaN") && !csv.contains("inf"));
    let oct: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(oct[0], "2023-10");
    assert_eq!(oct[18], ""); // churn_rate
}

#[test]
fn quarters_and_years_chain_with_months() {
    let w = winter();
    let q = compute_kpis(
        &w.tables,
        &KpiOptions::new().period(PeriodKind::Quarter).from(day("2024-01-01")).to(day("2024-03-31")),
    )
    .unwrap();
    assert_eq!(q.periods.len(), 1);
    let q1 = &q.periods[0];
    assert_eq!(q1.label, "2024-Q1");
    let c = q1.customers;
    // Opening Dec 31: B, D. Close Mar 31: A. C and E came and went within the quarter.
    assert_eq!((c.at_start, c.new, c.reactivated, c.churned, c.at_end, c.joined_and_left), (2, 1, 0, 2, 1, 2));
    assert_eq!((q1.mrr.start, q1.mrr.new, q1.mrr.churned, q1.mrr.end), (310.0, 150.0, 310.0, 150.0));
    near(q1.churn_rate, 1.0);
    near(q1.annualised_churn_rate, 1.0);
    // Net new MRR over the quarter = the months' sum.
    let m = monthly(&w, "2024-01-01", "2024-03-31");
    let months: f64 = m.periods.iter().map(|p| p.mrr.net_new()).sum();
    assert!((months - q1.mrr.net_new()).abs() < 1e-9);
    let y = compute_kpis(
        &w.tables,
        &KpiOptions::new().period(PeriodKind::Year).from(day("2024-01-01")).to(day("2024-04-30")),
    )
    .unwrap();
    assert_eq!(y.periods[0].label, "2024");
    assert!(y.periods[0].partial);
    assert_eq!(y.periods[0].customers.at_end, 2);
}

#[test]
fn a_partial_last_period_is_flagged_and_not_annualised() {
    let r = monthly(&winter(), "2024-03-01", "2024-04-15");
    let apr = period(&r, "2024-04");
    assert!(apr.partial);
    assert_eq!(apr.closing_day, day("2024-04-15"));
    assert_eq!(apr.customers.reactivated, 1); // B is back on Apr 10
    assert!(apr.churn_rate.is_some());
    assert_eq!((apr.annualised_churn_rate, apr.ltv), (None, None));
    assert!(!period(&r, "2024-03").partial);
}

#[test]
fn identities_hold_and_periods_chain() {
    let r = monthly(&winter(), "2023-10-01", "2024-06-30");
    for p in &r.periods {
        let c = p.customers;
        assert_eq!(c.at_start + c.new + c.reactivated - c.churned, c.at_end, "{}", p.label);
        assert!(p.mrr.identity_gap().abs() < 1e-9, "{}", p.label);
    }
    for w in r.periods.windows(2) {
        assert_eq!(w[0].customers.at_end, w[1].customers.at_start);
        assert_eq!(w[0].mrr.end, w[1].mrr.start);
    }
}

#[test]
fn ltv_uses_the_margin_and_the_monthly_equivalent_churn() {
    let w = winter();
    let r = compute_kpis(&w.tables, &KpiOptions::new().gross_margin(0.8).from(day("2024-02-01")).to(day("2024-02-29")))
        .unwrap();
    near(r.periods[0].ltv, 320.0 / 3.0 * 0.8 * 3.0);
    let q = compute_kpis(
        &w.tables,
        &KpiOptions::new().period(PeriodKind::Quarter).from(day("2024-01-01")).to(day("2024-06-30")),
    )
    .unwrap();
    // Q2: opening Mar 31 = A (150); close Jun 30 = A, B: no churn → no LTV.
    assert_eq!(q.periods[1].ltv, None);
}

#[test]
fn default_range_starts_at_the_first_subscription_and_ends_at_the_data_end() {
    let r = compute_kpis(&winter().tables, &KpiOptions::new()).unwrap();
    assert_eq!(r.periods[0].label, "2023-11");
    // The latest date the tables know: B's return on 2024-04-10 (no events or NPS here).
    assert_eq!(r.data_end, day("2024-04-10"));
    assert!(r.periods.last().unwrap().partial);
}

#[test]
fn bad_options_and_empty_tables_are_errors() {
    let w = winter();
    assert!(compute_kpis(&w.tables, &KpiOptions::new().gross_margin(0.0)).is_err());
    assert!(compute_kpis(&w.tables, &KpiOptions::new().gross_margin(f64::NAN)).is_err());
    assert!(compute_kpis(&w.tables, &KpiOptions::new().from(day("2024-05-01")).to(day("2024-04-01"))).is_err());
    let empty = World::new();
    assert!(compute_kpis(&empty.tables, &KpiOptions::new()).is_err());
}

#[test]
fn identities_hold_on_the_simulated_world() {
    use attrition::io::tables::{ReadOptions, read_tables};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let tables = read_tables(&dir, &ReadOptions::strict()).unwrap().tables;
    let r = compute_kpis(&tables, &KpiOptions::new()).unwrap();
    assert!(r.periods.len() >= 24);
    let mut expansion = 0.0;
    let mut reactivated = 0;
    for p in &r.periods {
        let c = p.customers;
        assert_eq!(c.at_start + c.new + c.reactivated - c.churned, c.at_end, "{}", p.label);
        assert!(p.mrr.identity_gap().abs() < 1e-6, "{}: MRR identity off by {}", p.label, p.mrr.identity_gap());
        for v in
            [p.churn_rate, p.retention_rate, p.nrr, p.grr, p.gross_mrr_churn, p.net_mrr_churn].into_iter().flatten()
        {
            assert!(v.is_finite(), "{}: non-finite KPI", p.label);
        }
        expansion += p.mrr.expansion;
        reactivated += c.reactivated;
    }
    // The simulator produces every movement the KPIs distinguish.
    assert!(expansion > 0.0 && reactivated > 0);
    for w in r.periods.windows(2) {
        assert_eq!(w[0].customers.at_end, w[1].customers.at_start);
    }
}

/// The CSV writes money as the amounts are (prices in cents summed: `1617.61`), not with the
/// `f64` noise of the sums (`1617.6100000000001`); within 5e-7 of the report's values, which
/// keep full precision.
#[test]
fn the_csv_writes_money_without_float_noise() {
    use attrition::io::tables::{ReadOptions, read_tables};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    let tables = read_tables(&dir, &ReadOptions::strict()).unwrap().tables;
    let r = compute_kpis(&tables, &KpiOptions::new()).unwrap();
    let decimals = |s: &str| s.split('.').nth(1).map_or(0, str::len);
    let noisy = r
        .periods
        .iter()
        .flat_map(|p| [p.mrr.start, p.mrr.new, p.mrr.expansion, p.mrr.contraction, p.mrr.churned, p.mrr.end])
        .filter(|v| decimals(&v.to_string()) > 6)
        .count();
    assert!(noisy > 0, "the sample's sums carry no float noise: this test checks nothing");
    let mut csv = Vec::new();
    write_kpis_csv(&r, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let money: Vec<usize> = (0..header.len())
        .filter(|&k| header[k].starts_with("mrr_") || header[k] == "arpu" || header[k] == "ltv")
        .collect();
    assert_eq!(money.len(), 10);
    for (line, p) in csv.lines().skip(1).zip(&r.periods) {
        let cells: Vec<&str> = line.split(',').collect();
        for &k in &money {
            assert!(decimals(cells[k]) <= 6, "{}: {} = {}", p.label, header[k], cells[k]);
        }
        let mrr_start: f64 = cells[money[0]].parse().unwrap();
        assert!((mrr_start - p.mrr.start).abs() < 5e-7, "{}", p.label);
    }
}
