//! Event-catalogue discovery against independent reference values (pandas, lifelines,
//! statsmodels) on a small SplitMix world that both sides draw identically:
//! `tests/reference/catalogue_reference.py` wrote `tests/reference/catalogue_values.rs`.

mod common;
#[path = "reference/catalogue_values.rs"]
mod values;

use attrition::catalogue::{DiscoveryParams, discover};
use attrition::io::tables::{Customer, EventsBuilder, Subscription, Tables};
use chrono::{Duration, NaiveDate};
use common::SplitMix;

const N: usize = 800;
const UNTIL: i64 = 540;

/// The twin of `world()` in the reference script.
fn world() -> Tables {
    let base = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let day = |d: i64| base + Duration::days(d);
    let mut g = SplitMix::new(20241);
    let mut t = Tables::default();
    let mut b = EventsBuilder::new();
    for c in 0..N {
        let signup = (g.uniform() * 360.0).floor() as i64;
        let life = 20 + (g.uniform() * 500.0).floor() as i64;
        let engaged = g.uniform() < 0.5;
        let churn_draw = g.uniform() < if engaged { 0.4 } else { 0.7 };
        let end = signup + life;
        let churned = churn_draw && end <= UNTIL;
        let last = if churned { end } else { UNTIL + 1 };
        t.customers.push(Customer::new(format!("c{c}"), day(signup)));
        t.subscriptions.push(Subscription {
            customer: c as u32,
            product: "p".into(),
            start_date: day(signup),
            end_date: churned.then(|| day(end)),
            mrr: 10.0,
        });
        let mut w = 0;
        while signup + 7 * w < last {
            let d0 = signup + 7 * w;
            let warn = churned && end - d0 <= 70;
            for (kind, p) in [
                ("core", if engaged { 0.8 } else { 0.5 }),
                ("sticky", if engaged { 0.10 } else { 0.03 }),
                ("signal", if warn { 0.25 } else { 0.02 }),
                ("noise", 0.05),
            ] {
                if g.uniform() < p {
                    let d = d0 + (g.uniform() * 7.0).floor() as i64;
                    if d < last {
                        let ts = day(d).and_hms_opt(10, 0, 0).unwrap().and_utc().timestamp();
                        b.push(c as u32, ts, kind, &format!("u{c}")).unwrap();
                    }
                }
            }
            w += 1;
        }
    }
    t.events = b.finish();
    t
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol * want.abs().max(1.0), "{what}: {got} vs reference {want}");
}

#[test]
fn discovery_matches_pandas_lifelines_and_statsmodels() {
    let t = world();
    let until = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Duration::days(UNTIL);
    let d = discover(&t, &DiscoveryParams::new().until(until)).unwrap();
    let s = d.summary;
    assert_eq!(
        [
            s.lifetimes as u64,
            s.churned as u64,
            s.active_early as u64,
            s.active_at_landmark as u64,
            s.customer_weeks,
            s.signal_weeks
        ],
        values::SUMMARY
    );
    for r in values::TYPES {
        let e = d.entry(r.name).unwrap_or_else(|| panic!("no entry {}", r.name));
        let st = e.stats.as_ref().unwrap();
        let n = |f: &str| format!("{} {f}", r.name);
        assert_eq!((st.events, st.customers), (r.events, r.customers), "{}", r.name);
        close(&n("ever_share"), st.ever_share.unwrap(), r.ever_share, 1e-12);
        close(&n("weekly_share"), st.weekly_share.unwrap(), r.weekly_share, 1e-12);
        close(&n("retained_weekly_share"), st.retained_weekly_share.unwrap(), r.retained_weekly_share, 1e-12);
        close(&n("adopted_early"), st.adopted_early.unwrap(), r.adopted_early, 1e-12);
        close(&n("adopted_by_landmark"), st.adopted_by_landmark.unwrap(), r.adopted_by_landmark, 1e-12);
        close(&n("pre_churn_rate_ratio"), st.pre_churn_rate_ratio.unwrap(), r.pre_churn_rate_ratio, 1e-12);
        match (st.retention, r.retention) {
            (None, None) => {}
            (Some(got), Some((adopters, non, s1, s0, ci, p))) => {
                assert_eq!((got.adopters, got.non_adopters), (adopters, non), "{}", r.name);
                close(&n("retained_adopters"), got.retained_adopters, s1, 1e-12);
                close(&n("retained_non_adopters"), got.retained_non_adopters, s0, 1e-12);
                close(&n("difference_ci.0"), got.difference_ci.0, ci.0, 1e-10);
                close(&n("difference_ci.1"), got.difference_ci.1, ci.1, 1e-10);
                close(&n("logrank_p"), got.logrank_p, p, 1e-6);
            }
            (got, want) => panic!("{}: retention {got:?} vs reference {want:?}", r.name),
        }
        let risk = st.churn_risk.unwrap();
        assert_eq!((risk.exposed_weeks, risk.exposed_churns), (r.exposed_weeks, r.exposed_churns), "{}", r.name);
        close(&n("risk ratio"), risk.ratio, r.risk_ratio, 1e-12);
        close(&n("risk ci.0"), risk.ci.0, r.risk_ci.0, 1e-10);
        close(&n("risk ci.1"), risk.ci.1, r.risk_ci.1, 1e-10);
    }
}
