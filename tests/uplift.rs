//! Uplift: Qini against scikit-uplift, campaign profit against brute force, the T-learner and the
//! profit-weighted objective on a synthetic randomised experiment with known effects.

use attrition::models::{ChurnModel, Learner};
use attrition::uplift::{
    CampaignProfitParams, OfferTerms, ProfitLiftParams, ProfitWeighting, TLearnerParams, UpliftPrediction,
    campaign_profit_curve, profit_lift, qini_coefficient, qini_curve,
};
use attrition::{Column, Dataset, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// Made by tests/reference/uplift_sklift.py (scikit-uplift 0.5.1).
const Y: [u8; 40] = [
    0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1,
    1, 1,
];
const T: [u8; 40] = [
    1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1,
    1, 0,
];
const S: [f64; 40] = [
    0.3, 0.2, 1.1, -1.3, -0.7, -0.8, -1.7, 0.1, 0.5, -0.7, 1.4, 0.8, 0.6, 0.4, 1.0, -1.3, 0.6, 0.6, -1.8, 0.3, -0.3,
    0.8, -0.4, -0.0, 0.3, -0.9, 0.6, -0.1, 0.5, -0.5, 1.1, 0.6, -0.2, 0.6, 1.3, 1.8, -1.6, 0.9, 0.5, -0.1,
];
const QINI_N: [usize; 27] =
    [0, 1, 2, 3, 5, 6, 7, 9, 15, 18, 19, 22, 23, 24, 25, 27, 28, 29, 30, 31, 33, 34, 35, 37, 38, 39, 40];
const QINI_GAIN: [f64; 27] = [
    0.0,
    0.0,
    -1.0,
    -0.5,
    -0.5,
    0.0,
    0.5,
    1.4,
    3.5,
    2.7142857142857144,
    3.5,
    3.0,
    2.5,
    3.090909090909091,
    2.5,
    1.4615384615384617,
    0.9230769230769234,
    1.3846153846153832,
    0.8461538461538467,
    1.5,
    1.5,
    2.0,
    1.4705882352941178,
    1.5,
    2.0,
    2.5,
    3.0,
];
const QINI_AUC: f64 = 0.027436926861207224;

fn bools(v: &[u8]) -> Vec<bool> {
    v.iter().map(|&x| x == 1).collect()
}

#[test]
fn qini_matches_scikit_uplift() {
    let q = qini_curve(&bools(&Y), &S, &bools(&T)).unwrap();
    assert_eq!(q.n, QINI_N);
    for (a, b) in q.gain.iter().zip(QINI_GAIN) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
    let c = qini_coefficient(&bools(&Y), &S, &bools(&T)).unwrap();
    assert!((c - QINI_AUC).abs() < 1e-12, "{c} vs {QINI_AUC}");
}

#[test]
fn curves_do_not_depend_on_input_order() {
    let (y, t) = (bools(&Y), bools(&T));
    let mut idx: Vec<usize> = (0..40).rev().collect();
    idx.rotate_left(13);
    let (y2, t2): (Vec<bool>, Vec<bool>) = idx.iter().map(|&i| (y[i], t[i])).unzip();
    let s2: Vec<f64> = idx.iter().map(|&i| S[i]).collect();
    assert_eq!(qini_curve(&y, &S, &t).unwrap(), qini_curve(&y2, &s2, &t2).unwrap());
    let churned: Vec<bool> = y.iter().map(|v| !v).collect();
    let churned2: Vec<bool> = y2.iter().map(|v| !v).collect();
    let m: Vec<f64> = (0..40).map(|i| 50.0 + i as f64).collect();
    let m2: Vec<f64> = idx.iter().map(|&i| m[i]).collect();
    let params = CampaignProfitParams::new(ProfitLiftParams::new(7.0, OfferTerms::Unconditional)).min_group(1);
    let a = campaign_profit_curve(&S, &churned, &t, &m, &m, &params).unwrap();
    let b = campaign_profit_curve(&s2, &churned2, &t2, &m2, &m2, &params).unwrap();
    assert_eq!(a.sizes, b.sizes);
    for (x, y) in a.profit.iter().zip(&b.profit) {
        assert!((x - y).abs() < 1e-9);
    }
}

/// The value adjustment removes chance imbalance, not effect: over many re-randomisations of one
/// population with very unequal customer values, the adjusted and the raw treat-everyone
/// profit both centre on the true expected profit, and the adjusted one varies far less.
#[test]
fn value_adjustment_is_unbiased_and_cuts_variance() {
    let n = 2000;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    // Values spread like SaaS MRR (log-normal, a few large accounts); the offer (δ = 5% of value,
    // paid on renewal) cuts churn from 0.30 to 0.22 for the upper half of values only.
    let m: Vec<f64> = (0..n).map(|_| 1000.0 * (rng.r#gen::<f64>() * 3.0).exp()).collect();
    let median = {
        let mut v = m.clone();
        v.sort_by(f64::total_cmp);
        v[n / 2]
    };
    let r0 = 0.30;
    let r1: Vec<f64> = m.iter().map(|&v| if v >= median { 0.22 } else { r0 }).collect();
    let delta: Vec<f64> = m.iter().map(|v| 0.05 * v).collect();
    let m1: Vec<f64> = m.iter().zip(&delta).map(|(v, d)| v - d).collect();
    let truth: f64 = (0..n).map(|i| (1.0 - r1[i]) * m1[i] - (1.0 - r0) * m[i]).sum();
    let score = vec![0.0; n]; // all tied: the one point past 0 is "target everyone"
    let (mut raw, mut adj) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        let t: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.5)).collect();
        let churned: Vec<bool> = (0..n).map(|i| rng.gen_bool(if t[i] { r1[i] } else { r0 })).collect();
        let all = |adjust: bool| {
            let params = CampaignProfitParams::new(ProfitLiftParams::new(0.0, OfferTerms::PaidOnRenewal))
                .min_group(1)
                .adjust_for_value(adjust);
            let curve = campaign_profit_curve(&score, &churned, &t, &m, &m1, &params).unwrap();
            assert_eq!(curve.sizes, [0, n]);
            curve.profit[1]
        };
        raw.push(all(false));
        adj.push(all(true));
    }
    let mean_sd = |v: &[f64]| {
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (mean, (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt())
    };
    let ((mr, sr), (ma, sa)) = (mean_sd(&raw), mean_sd(&adj));
    let se = |sd: f64| sd / (raw.len() as f64).sqrt();
    assert!((mr - truth).abs() < 4.0 * se(sr), "raw {mr} ± {} vs truth {truth}", se(sr));
    assert!((ma - truth).abs() < 4.0 * se(sa), "adjusted {ma} ± {} vs truth {truth}", se(sa));
    assert!(sa < 0.8 * sr, "adjusted s.d. {sa} vs raw {sr}");
}

#[test]
fn campaign_profit_matches_brute_force() {
    let (y, t) = (bools(&Y), bools(&T));
    let churned: Vec<bool> = y.iter().map(|v| !v).collect();
    let m0: Vec<f64> = (0..40).map(|i| 100.0 + 3.0 * i as f64).collect();
    let m1: Vec<f64> = m0.iter().map(|v| v * 0.9).collect();
    for terms in [OfferTerms::PaidOnRenewal, OfferTerms::Unconditional] {
        let params = CampaignProfitParams::new(ProfitLiftParams::new(12.0, terms)).contact_cost(1.5).min_group(3);
        let curve = campaign_profit_curve(&S, &churned, &t, &m0, &m1, &params).unwrap();
        for (&k, &p) in curve.sizes.iter().zip(&curve.profit).skip(1) {
            // the top k customers by score, computed independently
            let mut rows: Vec<usize> = (0..40).collect();
            rows.sort_by(|&a, &b| S[b].partial_cmp(&S[a]).unwrap());
            let top = &rows[..k];
            let treated: Vec<usize> = top.iter().copied().filter(|&i| t[i]).collect();
            let control: Vec<usize> = top.iter().copied().filter(|&i| !t[i]).collect();
            assert!(treated.len() >= 3 && control.len() >= 3);
            let vt: f64 = treated
                .iter()
                .map(|&i| {
                    let stay = if churned[i] { 0.0 } else { 1.0 };
                    match terms {
                        OfferTerms::PaidOnRenewal => stay * (m1[i] - 12.0),
                        OfferTerms::Unconditional => stay * m1[i] - 12.0,
                    }
                })
                .sum::<f64>()
                / treated.len() as f64;
            let vc: f64 =
                control.iter().map(|&i| if churned[i] { 0.0 } else { m0[i] }).sum::<f64>() / control.len() as f64;
            let expected = k as f64 * (vt - vc - 1.5);
            assert!((p - expected).abs() < 1e-9, "k={k}: {p} vs {expected}");
        }
        let best = curve.profit.iter().cloned().fold(0.0, f64::max);
        assert_eq!(curve.best_profit, best);
    }
}

/// Churn rate per level of the categorical column `segment`: the simplest learner that can
/// represent heterogeneous effects, so the tests exercise the uplift machinery, not a model.
struct SegmentRate;
#[derive(Debug)]
struct SegmentRateModel(Vec<(String, f64)>);

impl Learner for SegmentRate {
    type Model = SegmentRateModel;
    fn fit(&self, data: &Dataset) -> Result<SegmentRateModel> {
        let seg = data.column("segment").unwrap().as_categorical().unwrap();
        let churned = data.churned_or_err()?;
        let w = data.weights.clone().unwrap_or_else(|| vec![1.0; data.n_rows()]);
        let mut num = vec![0.5; seg.levels.len()];
        let mut den = vec![1.0; seg.levels.len()];
        for i in 0..data.n_rows() {
            let c = seg.codes[i] as usize;
            den[c] += w[i];
            if churned[i] {
                num[c] += w[i];
            }
        }
        Ok(SegmentRateModel(seg.levels.iter().cloned().zip(num.iter().zip(&den).map(|(a, b)| a / b)).collect()))
    }
}

impl ChurnModel for SegmentRateModel {
    fn predict_proba(&self, data: &Dataset) -> Result<Vec<f64>> {
        let seg = data.column("segment").unwrap().as_categorical().unwrap();
        let rate = |c: u32| {
            let level = &seg.levels[c as usize];
            self.0.iter().find(|(l, _)| l == level).map_or(0.5, |(_, r)| *r)
        };
        Ok(seg.codes.iter().map(|&c| rate(c)).collect())
    }
}

/// Four segments with known (r0, r1): persuadables, sure things, lost causes, sleeping dogs.
const TRUTH: [(f64, f64); 4] = [(0.5, 0.2), (0.05, 0.04), (0.9, 0.95), (0.2, 0.35)];

fn experiment(n: usize, seed: u64) -> (Dataset, Vec<bool>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = ["persuadable", "sure_thing", "lost_cause", "sleeping_dog"];
    let mut seg = Vec::with_capacity(n);
    let mut segs = Vec::with_capacity(n);
    let mut treated = Vec::with_capacity(n);
    let mut churned = Vec::with_capacity(n);
    for _ in 0..n {
        let s = rng.gen_range(0..4);
        let t = rng.gen_bool(0.5);
        let (r0, r1) = TRUTH[s];
        churned.push(rng.gen_bool(if t { r1 } else { r0 }));
        treated.push(t);
        seg.push(Some(names[s]));
        segs.push(s);
    }
    let data = Dataset::new(vec![Column::categorical("segment", &seg)]).unwrap().with_churned(churned).unwrap();
    (data, treated, segs)
}

/// Checks a learner's (r0, r1) against each segment's truth (within 0.03 on the first 200
/// rows) and returns the campaign-profit curve of its π ranking (value 600, offer 60 paid on
/// renewal), with the values and curve parameters used.
fn check_segments_and_profit(
    pred: &UpliftPrediction,
    test: &Dataset,
    test_treated: &[bool],
    segs: &[usize],
) -> (attrition::profit::ProfitCurve, Vec<f64>, CampaignProfitParams) {
    for (i, &s) in segs.iter().enumerate().take(200) {
        assert!((pred.r0[i] - TRUTH[s].0).abs() < 0.03, "r0 segment {s}: {}", pred.r0[i]);
        assert!((pred.r1[i] - TRUTH[s].1).abs() < 0.03, "r1 segment {s}: {}", pred.r1[i]);
    }
    let value = vec![600.0; test.n_rows()];
    let offer = ProfitLiftParams::new(60.0, OfferTerms::PaidOnRenewal);
    let pi = profit_lift(&pred.r0, &pred.r1, &value, &value, &offer).unwrap();
    let churned = test.churned.clone().unwrap();
    let params = CampaignProfitParams::new(offer);
    let curve = campaign_profit_curve(&pi, &churned, test_treated, &value, &value, &params).unwrap();
    (curve, value, params)
}

#[test]
fn t_learner_recovers_segment_effects_and_uplift_targeting_wins() {
    let (train, treated, _) = experiment(40_000, 3);
    let fitted = TLearnerParams::new(SegmentRate).fit(&train, &treated).unwrap();
    let (test, test_treated, segs) = experiment(20_000, 4);
    let pred = fitted.predict(&test).unwrap();
    let (by_uplift, value, params) = check_segments_and_profit(&pred, &test, &test_treated, &segs);
    let churned = test.churned.clone().unwrap();
    let by_risk = campaign_profit_curve(&pred.r0, &churned, &test_treated, &value, &value, &params).unwrap();
    // Targeting persuadables only is worth about n/4 · ((1−.2)(540) − .5·600) = n/4 · 132.
    let ideal = 20_000.0 / 4.0 * 132.0;
    assert!(by_uplift.best_profit > 0.8 * ideal, "uplift {} vs ideal {ideal}", by_uplift.best_profit);
    assert!((by_uplift.best_fraction() - 0.25).abs() < 0.03, "{}", by_uplift.best_fraction());
    // Ranking by risk reaches lost causes first and loses money on them.
    assert!(
        by_risk.best_profit < 0.85 * by_uplift.best_profit,
        "risk {} vs uplift {}",
        by_risk.best_profit,
        by_uplift.best_profit
    );
    let qini_uplift =
        qini_coefficient(&churned.iter().map(|c| !c).collect::<Vec<_>>(), &pred.churn_reduction(), &test_treated)
            .unwrap();
    let qini_risk = qini_coefficient(&churned.iter().map(|c| !c).collect::<Vec<_>>(), &pred.r0, &test_treated).unwrap();
    assert!(qini_uplift > qini_risk + 0.05 && qini_uplift > 3.0 * qini_risk, "{qini_uplift} vs {qini_risk}");
}

/// The X-learner's effect regressions (boosted trees on imputed effects) recover each segment's
/// effect, and its ranking targets the persuadables as the two-model one does.
#[test]
fn x_learner_recovers_segment_effects() {
    use attrition::uplift::XLearnerParams;
    let (train, treated, _) = experiment(40_000, 3);
    let fitted = XLearnerParams::new(SegmentRate).fit(&train, &treated).unwrap();
    assert!((fitted.treated_share - 0.5).abs() < 0.01);
    let (test, test_treated, segs) = experiment(20_000, 4);
    let pred = fitted.predict(&test).unwrap();
    let (curve, _, _) = check_segments_and_profit(&pred, &test, &test_treated, &segs);
    assert!((curve.best_fraction() - 0.25).abs() < 0.03, "{}", curve.best_fraction());
    // Errors like the two-model learner's.
    assert!(XLearnerParams::new(SegmentRate).fit(&train, &treated[..50]).is_err());
    assert!(XLearnerParams::new(SegmentRate).fit(&train, &vec![false; train.n_rows()]).is_err());
}

#[test]
fn profit_weighted_objective_learns_whom_to_target() {
    let (train, treated, _) = experiment(60_000, 5);
    let value = vec![600.0; train.n_rows()];
    let offer = ProfitLiftParams::new(60.0, OfferTerms::PaidOnRenewal);
    let w = ProfitWeighting::new(offer).propensity(0.5).build(&train, &treated, &value, &value).unwrap();
    assert_eq!(w.rows.len() + w.n_zero_weight, train.n_rows());
    // mean Z estimates the average lift of targeting everyone: mean over segments of π.
    let truth: f64 = TRUTH.iter().map(|&(r0, r1)| offer.lift(r0, r1, 600.0, 600.0)).sum::<f64>() / 4.0;
    assert!((w.mean_transformed - truth).abs() < 12.0, "{} vs {truth}", w.mean_transformed);
    // A weighted classifier on (Z > 0, |Z|) says "target" exactly for the persuadables.
    let model = SegmentRate.fit(&w.data).unwrap();
    let (test, _, segs) = experiment(1000, 6);
    let p = model.predict_proba(&test).unwrap();
    for (i, &s) in segs.iter().enumerate() {
        assert_eq!(p[i] > 0.5, s == 0, "segment {s}: P(targeting pays) = {}", p[i]);
    }
}

#[test]
fn t_learner_errors_are_clear() {
    let (data, treated, _) = experiment(100, 1);
    assert!(TLearnerParams::new(SegmentRate).fit(&data, &treated[..50]).is_err());
    let all_control = vec![false; 100];
    let err = TLearnerParams::new(SegmentRate).fit(&data, &all_control).unwrap_err();
    assert!(err.to_string().contains("treated arm has only 0 rows"), "{err}");
}

#[test]
fn cross_fitted_comparison_on_a_simulated_experiment() {
    use attrition::experiment::{TargetingParams, cross_fitted_targeting, experiment_data};
    use attrition::features::FeatureCatalogue;
    use attrition::models::trained::{ModelKind, ModelParams};
    use attrition::simulate::{SimulationParams, simulate};
    let world = simulate(&SimulationParams::new(3000, 18, 5).event_scale(0.3)).unwrap();
    let catalogue = FeatureCatalogue::standard().resolve(&world.tables).unwrap();
    let exp = experiment_data(&world.tables, &catalogue, 180).unwrap();
    let learner = ModelParams::new(ModelKind::Logistic);
    let params = TargetingParams::default();
    let c = cross_fitted_targeting(&exp, &learner, &params, 2, 3).unwrap();
    assert_eq!(c.n, exp.data.n_rows());
    for rule in [&c.by_churn_probability, &c.by_expected_profit, &c.by_uplift, &c.by_profit_weighted] {
        assert_eq!(rule.best_profits.len(), 3);
        // Targeting no one is always allowed, so a best profit is never negative.
        assert!(rule.best_profits.iter().all(|&p| p >= 0.0));
        let mean = rule.best_profits.iter().sum::<f64>() / 3.0;
        assert!((rule.mean - mean).abs() < 1e-9);
    }
    // Paired differences are taken repeat by repeat.
    let d = c.by_uplift.minus(&c.by_churn_probability);
    for (k, v) in d.best_profits.iter().enumerate() {
        assert_eq!(*v, c.by_uplift.best_profits[k] - c.by_churn_probability.best_profits[k]);
    }
    assert_eq!(c.rules()[2].1.best_profits, c.by_uplift.best_profits);
    // Same seed, same numbers; zero repeats is an error.
    let again = cross_fitted_targeting(&exp, &learner, &params, 2, 3).unwrap();
    assert_eq!(c.by_uplift.best_profits, again.by_uplift.best_profits);
    assert!(cross_fitted_targeting(&exp, &learner, &params, 2, 0).is_err());
    // A fixed acceptance rate outside [0, 1] is a clear error.
    let bad = TargetingParams { acceptance: Some(1.5), ..TargetingParams::default() };
    let err = cross_fitted_targeting(&exp, &learner, &bad, 2, 1).unwrap_err();
    assert!(err.to_string().contains("acceptance"), "{err}");
}

#[test]
fn acceptance_is_the_share_of_would_be_churners_the_offer_keeps() {
    use attrition::experiment::estimated_acceptance;
    // Control: 4 of 10 churn; treated: 3 of 10 → (0.4 − 0.3) / 0.4 = 0.25.
    let treated: Vec<bool> = (0..20).map(|i| i >= 10).collect();
    let churned: Vec<bool> = (0..20).map(|i| (i < 4) || (10..13).contains(&i)).collect();
    assert!((estimated_acceptance(&churned, &treated) - 0.25).abs() < 1e-12);
    // The offer raising churn (sleeping dogs) clamps to 0; no control churner or an empty arm is 0.
    let more: Vec<bool> = (0..20).map(|i| (i < 2) || (10..16).contains(&i)).collect();
    assert_eq!(estimated_acceptance(&more, &treated), 0.0);
    assert_eq!(estimated_acceptance(&[false; 20], &treated), 0.0);
    assert_eq!(estimated_acceptance(&churned, &[false; 20]), 0.0);
}

#[test]
fn uplift_command_compares_the_rules_on_a_tables_folder() {
    use std::process::Command;
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let out = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["uplift", "--tables", sample, "--model", "logistic", "--repeats", "2"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Acceptance γ for (b), from the experiment"), "{text}");
    for rule in [
        "(a) top-k by churn probability",
        "(b) expected profit",
        "(c) uplift profit lift",
        "(d) profit-weighted",
        "(e) uplift profit lift, X",
    ] {
        assert!(text.contains(rule), "missing {rule}:\n{text}");
    }
    assert!(text.contains("adjusted for pre-offer value"), "{text}");
    // --raw-lift: the paper's raw difference; same rules, other profits.
    let raw = Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["uplift", "--tables", sample, "--model", "logistic", "--repeats", "2", "--raw-lift"])
        .output()
        .unwrap();
    let raw_text = String::from_utf8_lossy(&raw.stdout);
    assert!(raw.status.success() && raw_text.contains("raw difference of the arms"), "{raw_text}");
    let profits = |t: &str| t.lines().filter(|l| l.contains("(a) top-k")).map(str::to_string).collect::<Vec<_>>();
    assert_ne!(profits(&text), profits(&raw_text));
    // Neither a CSV nor a tables folder: a usage error, not a panic.
    let out = Command::new(env!("CARGO_BIN_EXE_attrition")).args(["uplift"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn held_out_comparison_reports_the_acceptance_rate_it_used() {
    use attrition::experiment::{TargetingParams, compare_targeting, experiment_data};
    use attrition::features::FeatureCatalogue;
    use attrition::models::trained::{ModelKind, ModelParams};
    use attrition::simulate::{SimulationParams, simulate};
    let world = simulate(&SimulationParams::new(3000, 18, 5).event_scale(0.3)).unwrap();
    let catalogue = FeatureCatalogue::standard().resolve(&world.tables).unwrap();
    let exp = experiment_data(&world.tables, &catalogue, 180).unwrap();
    let learner = ModelParams::new(ModelKind::Logistic);
    let estimated = compare_targeting(&exp, &learner, &TargetingParams::default()).unwrap();
    assert!((0.0..=1.0).contains(&estimated.acceptance), "{}", estimated.acceptance);
    let fixed = TargetingParams { acceptance: Some(0.3), ..TargetingParams::default() };
    let c = compare_targeting(&exp, &learner, &fixed).unwrap();
    assert_eq!(c.acceptance, 0.3);
    // Only rule (b) depends on γ.
    assert_eq!(c.by_churn_probability.profit, estimated.by_churn_probability.profit);
    assert_eq!(c.by_uplift.profit, estimated.by_uplift.profit);
    assert_eq!(c.n_holdout, estimated.n_holdout);
    // The value adjustment changes the measured profits, not the rankings: the curves have the
    // same points, and with it off they are the paper's raw differences.
    let raw = TargetingParams { adjust_for_value: false, ..TargetingParams::default() };
    let r = compare_targeting(&exp, &learner, &raw).unwrap();
    assert_eq!(r.by_uplift.sizes, estimated.by_uplift.sizes);
    assert_ne!(r.by_uplift.profit, estimated.by_uplift.profit);
}

#[test]
fn experiment_without_an_mrr_feature_is_an_error_not_zero_value() {
    use attrition::experiment::experiment_data;
    use attrition::features::{FeatureCatalogue, FeatureSpec};
    use attrition::simulate::{SimulationParams, simulate};
    let world = simulate(&SimulationParams::new(400, 14, 3).event_scale(0.2)).unwrap();
    let mut catalogue = FeatureCatalogue::standard();
    catalogue.specs.retain(|s| !matches!(s, FeatureSpec::Mrr));
    let catalogue = catalogue.resolve(&world.tables).unwrap();
    let err = experiment_data(&world.tables, &catalogue, 180).unwrap_err();
    assert!(matches!(&err, attrition::Error::FeatureRequired { feature, .. } if feature == "mrr"), "{err}");
    assert!(err.to_string().contains("`mrr`"), "{err}");
}

/// A flat experiment file: segment `s` in 0..4, the offer cuts churn from 40% to 15% in segment
/// 0 only; value 100 + 50·s. Seeded (a fixed LCG), so the file is the same on every run.
fn flat_experiment_csv(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut state: u64 = 7;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut text = String::from("customer_id,segment,noise,offered,churned,clv\n");
    for i in 0..n {
        let s = i % 4;
        let treated = uniform() < 0.5;
        let rate = if s == 0 && treated { 0.15 } else { 0.4 };
        let churned = uniform() < rate;
        text.push_str(&format!("c{i},{s},{:.3},{treated},{churned},{}\n", uniform(), 100 + 50 * s));
    }
    let path = dir.join("experiment.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// `uplift --data` prints what the library's `compare_targeting` computes on the same file (the
/// command has no comparison of its own). Against the command's former copy the numbers differ
/// because the held-out half is now stratified by arm × outcome (four strata, not the
/// `treated ^ churned` pair), a point needs 10 (was 20) customers per arm, and rules (d) and (e)
/// are reported too.
#[test]
fn uplift_on_a_flat_file_prints_the_library_comparison() {
    use attrition::experiment::{FlatExperiment, TargetingParams, compare_targeting};
    use attrition::models::trained::{ModelKind, ModelParams};
    use attrition::uplift::OfferTerms;
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let path = flat_experiment_csv(dir.path(), 1200);
    let f = path.to_str().unwrap();
    let spec = FlatExperiment::new("offered", "churned").value("clv").offer_cost(5.0);
    let exp = spec.load(&path).unwrap();
    let learner = ModelParams::new(ModelKind::Logistic).seed(3);
    for (flag, terms) in [(None, OfferTerms::PaidOnRenewal), (Some("--unconditional"), OfferTerms::Unconditional)] {
        let params = TargetingParams { contact_cost: 0.0, seed: 3, offer_terms: terms, ..TargetingParams::default() };
        let c = compare_targeting(&exp, &learner, &params).unwrap();
        let mut args = vec!["uplift", "--data", f, "--treatment", "offered", "--outcome", "churned"];
        args.extend(["--value", "clv", "--offer-cost", "5", "--model", "logistic", "--seed", "3"]);
        args.extend(flag);
        let out = Command::new(env!("CARGO_BIN_EXE_attrition")).args(&args).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
        assert!(text.contains("1200 customers"), "{text}");
        for (name, curve) in c.rules() {
            let line = text.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("no {name} in\n{text}"));
            let shown = format!("{:.1} ({} = ", curve.best_profit, curve.best_size);
            assert!(line.contains(&shown), "{terms:?}: `{line}` lacks `{shown}`");
        }
        assert!(text.contains(&format!("uplift {:.4}", c.qini_uplift)), "{text}");
    }
}

#[test]
fn flat_experiment_errors_name_the_line_and_column() {
    use attrition::experiment::FlatExperiment;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("e.csv");
    std::fs::write(&path, "customer_id,x,offered,churned\na,1,yes,no\nb,2,maybe,yes\n").unwrap();
    let err = FlatExperiment::new("offered", "churned").load(&path).unwrap_err().to_string();
    assert!(err.contains("e.csv:3") && err.contains("`offered`") && err.contains("maybe"), "{err}");
    let err = FlatExperiment::new("treated", "churned").load(&path).unwrap_err().to_string();
    assert!(err.contains("treated"), "{err}");
    // An offer paid to everyone needs one cost: per-customer costs (a tables experiment's) are refused.
    std::fs::write(&path, "customer_id,x,offered,churned\na,1,yes,no\nb,2,no,yes\n").unwrap();
    let exp = FlatExperiment::new("offered", "churned").load(&path).unwrap();
    let exp = attrition::experiment::Experiment { offer_cost: vec![1.0, 2.0], ..exp };
    let params = attrition::experiment::TargetingParams {
        offer_terms: attrition::uplift::OfferTerms::Unconditional,
        ..Default::default()
    };
    let learner = attrition::models::trained::ModelParams::new(attrition::models::trained::ModelKind::Logistic);
    let err = attrition::experiment::compare_targeting(&exp, &learner, &params).unwrap_err().to_string();
    assert!(err.contains("one offer cost"), "{err}");
}

/// An experiment from the tables, written as one flat file, reads back through
/// `FlatExperiment` with the same arms, outcomes, values and features.
#[test]
fn experiment_written_flat_reads_back_the_same() {
    use attrition::experiment::{FlatExperiment, TargetingParams, experiment_data};
    use attrition::features::FeatureCatalogue;
    use attrition::io::write_flat::{WriteFlatOptions, write_flat};
    use attrition::simulate::{SimulationParams, simulate};
    let world = simulate(&SimulationParams::new(1500, 18, 5).event_scale(0.3)).unwrap();
    let catalogue = FeatureCatalogue::standard().resolve(&world.tables).unwrap();
    let exp = experiment_data(&world.tables, &catalogue, 180).unwrap();
    let params = TargetingParams::default();
    let flat = exp.to_dataset(&params).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("experiment.csv");
    write_flat(&flat, &path, &WriteFlatOptions::default()).unwrap();
    let back = FlatExperiment::new("treated", "churned").value("value").load(&path).unwrap();
    assert_eq!(back.treated, exp.treated);
    assert_eq!(back.data.churned, exp.data.churned);
    assert_eq!(back.value.as_deref(), Some(params.customer_value(&exp).as_slice()));
    assert_eq!(back.data.feature_names(), exp.data.feature_names());
    assert_eq!(back.data.ids, exp.data.ids);
}
