//! Whom should a retention budget go to? Campaign profit of five targeting rules on held-out
//! customers of a randomised retention experiment in a simulated world.
//!
//! `cargo run --release --example profit_targeting [customers]` (default 100,000 customers).
//!
//! (a) top-k by churn probability, (b) expected-profit targeting (Verbraken et al. 2013),
//! (c) uplift targeting by Lemmens & Gupta's profit lift from a two-model GBDT, (d) the
//! profit-weighted classifier, (e) the same profit lift from an X-learner (effects regressed on
//! imputed effects) — each at its own best campaign size. First on the held-out half of
//! the experiment (one split), then cross-fitted: every drawn customer scored by models that did
//! not see them (2 folds), repeated with 4 fold seeds, mean ± standard error — one split's
//! differences are mostly noise at this size.
//!
//! Profits are adjusted for the chance imbalance of pre-offer customer value between the arms
//! (`TargetingParams::adjust_for_value`, a CUPED control variate): the last lines show how far the
//! raw difference of the arms moves the profit of targeting everyone from one split to the next.

use attrition::experiment::{
    Experiment, TargetingParams, compare_targeting, cross_fitted_targeting, estimated_acceptance, experiment_data,
};
use attrition::features::FeatureCatalogue;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::simulate::{SimulationParams, simulate};
use attrition::uplift::campaign_profit_curve;
use attrition::validation::stratified_holdout;

fn main() -> attrition::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let world = simulate(&SimulationParams::new(n, 24, 11))?;
    let catalogue = FeatureCatalogue::standard().resolve(&world.tables)?;
    let exp = experiment_data(&world.tables, &catalogue, 180)?;
    println!("{exp} (churned: left within 180 days)");
    let params = TargetingParams::default();
    println!(
        "Acceptance γ for (b), estimated from the experiment (share of would-be churners the offer keeps): {:.3} \
         on all customers; each model uses its training rows' estimate",
        estimated_acceptance(exp.data.churned_or_err()?, &exp.treated)
    );
    for kind in [ModelKind::Logistic, ModelKind::Gbdt] {
        let learner = ModelParams::new(kind).seed(42);
        let c = compare_targeting(&exp, &learner, &params)?;
        println!("\nModels: {kind} (churn model and both arms of the T-learner)");
        println!(
            "Held-out customers: {} (observed effect of the offer on churn: {:+.3}; γ for (b) from the training half: {:.3})",
            c.n_holdout, c.ate_holdout, c.acceptance
        );
        println!("{:<42} {:>12} {:>16}", "rule", "best profit", "best size");
        for (name, curve) in c.rules() {
            println!(
                "{name:<42} {:>12.0} {:>8} ({:>4.1}%)",
                curve.best_profit,
                curve.best_size,
                100.0 * curve.best_fraction()
            );
        }
        println!(
            "Qini coefficient: uplift ranking {:.3}, churn-probability ranking {:.3}",
            c.qini_uplift, c.qini_churn_probability
        );
        let x = cross_fitted_targeting(&exp, &learner, &params, 2, 4)?;
        println!("Cross-fitted on all {} customers (2 folds x 4 seeds): best profit, mean ± s.e.", x.n);
        for (name, rule) in x.rules() {
            println!("{name:<42} {:>12.0} ± {:<8.0}", rule.mean, rule.std_error);
        }
        println!(
            "Qini coefficient (mean): uplift ranking {:.4}, churn-probability ranking {:.4}",
            x.qini_uplift, x.qini_churn_probability
        );
        // Differences on the same folds and seeds (paired), mean ± s.e.
        let cb = x.by_uplift.minus(&x.by_expected_profit);
        let ba = x.by_expected_profit.minus(&x.by_churn_probability);
        let ec = x.by_x_uplift.minus(&x.by_uplift);
        println!(
            "Paired differences: (c) − (b) {:.0} ± {:.0}; (b) − (a) {:.0} ± {:.0}; (e) − (c) {:.0} ± {:.0}",
            cb.mean, cb.std_error, ba.mean, ba.std_error, ec.mean, ec.std_error
        );
    }
    everyone_raw_and_adjusted(&exp, &params)
}

/// The profit of offering everyone in the held-out half, over 10 random halves: the raw
/// difference of the arms against the value-adjusted one. Both estimate the same quantity; the
/// raw one mostly measures which arm happened to draw the larger accounts.
fn everyone_raw_and_adjusted(exp: &Experiment, params: &TargetingParams) -> attrition::Result<()> {
    let churned = exp.data.churned_or_err()?;
    let strata: Vec<bool> = churned.iter().zip(&exp.treated).map(|(c, t)| c ^ t).collect();
    let value = params.customer_value(exp);
    let mut profits = [Vec::new(), Vec::new()];
    for seed in 0..10 {
        let rows = stratified_holdout(&strata, params.holdout, seed)?.test;
        let pick = |v: &[f64]| rows.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let (m0, cost) = (pick(&value), pick(&exp.offer_cost));
        let m1: Vec<f64> = m0.iter().zip(&cost).map(|(m, d)| m - d).collect();
        let y: Vec<bool> = rows.iter().map(|&i| churned[i]).collect();
        let t: Vec<bool> = rows.iter().map(|&i| exp.treated[i]).collect();
        for (adjust, out) in [false, true].into_iter().zip(profits.iter_mut()) {
            let curve_params = params.campaign_profit_params().adjust_for_value(adjust);
            let curve = campaign_profit_curve(&vec![0.0; rows.len()], &y, &t, &m0, &m1, &curve_params)?;
            out.push(curve.profit.last().copied().unwrap_or(0.0));
        }
    }
    println!("\nProfit of offering everyone in a held-out half, 10 random halves (mean, s.d., range):");
    for (name, p) in ["raw difference of the arms", "adjusted for pre-offer value"].iter().zip(&profits) {
        let mean = p.iter().sum::<f64>() / p.len() as f64;
        let sd = (p.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (p.len() - 1) as f64).sqrt();
        let (lo, hi) = p.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
        println!("  {name:<30} {mean:>10.0} {sd:>10.0}   [{lo:.0}, {hi:.0}]");
    }
    Ok(())
}
