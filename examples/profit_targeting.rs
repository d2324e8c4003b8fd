//! Whom should a retention budget go to? Campaign profit of three targeting rules on held-out
//! customers of a randomised retention experiment in a simulated world.
//!
//! `cargo run --release --example profit_targeting [customers]` (default 100,000 customers).
//!
//! (a) top-k by churn probability, (b) expected-profit targeting (Verbraken et al. 2013),
//! (c) uplift targeting by Lemmens & Gupta's profit lift from a two-model GBDT, (d) the
//! profit-weighted classifier — each at its own best campaign size. First on the held-out half of
//! the experiment (one split), then cross-fitted: every drawn customer scored by models that did
//! not see them (2 folds), repeated with 4 fold seeds, mean ± standard error — one split's
//! differences are mostly noise at this size.

use attrition::experiment::{
    TargetingParams, compare_targeting, cross_fitted_targeting, estimated_acceptance, experiment_data,
};
use attrition::features::FeatureCatalogue;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::simulate::{SimulationParams, simulate};

fn main() -> attrition::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let world = simulate(&SimulationParams::new(n, 24, 11))?;
    let catalogue = FeatureCatalogue::standard().resolve(&world.tables.events)?;
    let exp = experiment_data(&world.tables, &catalogue, 180)?;
    let treated = exp.treated.iter().filter(|&&t| t).count();
    println!(
        "Experiment on {}: {} customers drawn ({} offered, {} control); churn within 180 days: {:.3}",
        exp.date,
        exp.data.n_rows(),
        treated,
        exp.data.n_rows() - treated,
        exp.data.churn_rate().unwrap_or(f64::NAN)
    );
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
        println!(
            "Paired differences: (c) − (b) {:.0} ± {:.0}; (b) − (a) {:.0} ± {:.0}",
            cb.mean, cb.std_error, ba.mean, ba.std_error
        );
    }
    Ok(())
}
