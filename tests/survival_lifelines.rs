//! Kaplan–Meier and log-rank against lifelines 0.30.3.
//!
//! The reference vectors in `reference/lifelines_vectors.rs` were produced by
//! `/tmp/peers/bin/python tests/reference/lifelines_km.py > tests/reference/lifelines_vectors.rs`.

#[path = "reference/lifelines_vectors.rs"]
mod vectors;

use attrition::survival::{KaplanMeier, SurvivalCurve, SurvivalData, logrank_test};
use vectors::*;

const TOL: f64 = 1e-9;

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= TOL, "{what}: ours {a} vs lifelines {b} (diff {:e})", (a - b).abs());
}

fn data(durations: &[f64], events: &[bool], entry: Option<&[f64]>, weights: Option<&[f64]>) -> SurvivalData {
    let mut d = SurvivalData::new(durations.to_vec(), events.to_vec()).unwrap();
    if let Some(e) = entry {
        d = d.with_entry(e.to_vec()).unwrap();
    }
    if let Some(w) = weights {
        d = d.with_weights(w.to_vec()).unwrap();
    }
    d
}

fn fit(c: &KmCase) -> SurvivalCurve {
    KaplanMeier::new().fit(&data(c.durations, c.events, c.entry, c.weights)).unwrap()
}

fn check_km(name: &str, c: &KmCase, check_variance: bool) {
    let km = fit(c);
    assert_eq!(km.points.len(), c.times.len(), "{name}: number of time points");
    for (i, p) in km.points.iter().enumerate() {
        close(p.time, c.times[i], &format!("{name} time[{i}]"));
        close(p.at_risk, c.at_risk[i], &format!("{name} at_risk[{i}]"));
        close(p.survival, c.survival[i], &format!("{name} S[{i}]"));
        if check_variance {
            close(p.greenwood, c.greenwood[i], &format!("{name} greenwood[{i}]"));
            close(p.ci_low, c.ci_low[i], &format!("{name} ci_low[{i}]"));
            close(p.ci_high, c.ci_high[i], &format!("{name} ci_high[{i}]"));
        }
    }
    assert_eq!(km.median(), c.median, "{name}: median");
    for &(h, want) in c.rmst {
        close(km.rmst(h).unwrap(), want, &format!("{name} rmst({h})"));
    }
    for &(s, t, want) in c.conditional {
        close(km.conditional_survival(s, t).unwrap().unwrap(), want, &format!("{name} S({s}+{t})/S({s})"));
    }
}

#[test]
fn km_with_ties_and_censoring_matches_lifelines() {
    check_km("TIES", &TIES, true);
}

#[test]
fn km_with_late_entry_matches_lifelines() {
    check_km("LATE_ENTRY", &LATE_ENTRY, true);
}

#[test]
fn km_with_integer_weights_matches_lifelines() {
    check_km("WEIGHTS", &WEIGHTS, true);
}

#[test]
fn km_falling_to_zero_matches_lifelines() {
    check_km("TO_ZERO", &TO_ZERO, true);
    let km = fit(&TO_ZERO);
    assert_eq!(km.survival_at(10.0), 0.0);
    assert_eq!(km.conditional_survival(4.0, 1.0).unwrap(), None);
}

#[test]
fn km_on_a_random_sample_matches_lifelines() {
    check_km("RANDOM", &RANDOM, true);
    check_km("RANDOM_ENTRY", &RANDOM_ENTRY, true);
    check_km("RANDOM_WEIGHTS", &RANDOM_WEIGHTS, true);
}

#[test]
fn km_with_fractional_weights_matches_lifelines_survival() {
    // lifelines casts the at-risk count to an integer in its Greenwood sum, so only the estimate
    // (not the variance) is comparable with fractional weights.
    check_km("FRACTIONAL_WEIGHTS", &FRACTIONAL_WEIGHTS, false);
}

fn check_lr(name: &str, c: &LogRankCase) {
    let k = c.groups.iter().max().unwrap() + 1;
    let all = data(c.durations, c.events, None, c.weights);
    let groups: Vec<SurvivalData> = (0..k)
        .map(|g| {
            let rows: Vec<usize> = (0..c.groups.len()).filter(|&i| c.groups[i] == g).collect();
            all.subset(&rows).unwrap()
        })
        .collect();
    let refs: Vec<&SurvivalData> = groups.iter().collect();
    let r = logrank_test(&refs).unwrap();
    close(r.statistic, c.statistic, &format!("{name} statistic"));
    close(r.p_value, c.p_value, &format!("{name} p-value"));
    assert!((r.p_value - c.p_value).abs() <= 1e-9 * c.p_value.max(1e-3), "{name}: p relative");
    assert_eq!(r.degrees_of_freedom, c.df, "{name}: df");
    let (o, e): (f64, f64) = (r.observed.iter().sum(), r.expected.iter().sum());
    close(o, e, &format!("{name}: observed and expected totals"));
    // The statistic does not depend on the order of the groups.
    let rev: Vec<&SurvivalData> = groups.iter().rev().collect();
    close(logrank_test(&rev).unwrap().statistic, c.statistic, &format!("{name} reversed"));
}

#[test]
fn logrank_matches_lifelines() {
    check_lr("LR_TWO", &LR_TWO);
    check_lr("LR_THREE", &LR_THREE);
    check_lr("LR_THREE_WEIGHTS", &LR_THREE_WEIGHTS);
    check_lr("LR_FOUR_NULL", &LR_FOUR_NULL);
}
