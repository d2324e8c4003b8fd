//! Point-in-time features with no leakage: monthly observations of the bundled sample, labelled
//! by churn in the 90 days after a 7-day lead, then a time-ordered backtest (train on the past,
//! test on later as-of dates) beside customer-grouped cross-validation.
//!
//! `cargo run --release --example point_in_time`

use attrition::evaluation::{cross_val_predict, evaluate};
use attrition::features::{FeatureParams, build_observations, infer_data_end};
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::metrics::roc_auc_score;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::models::{ChurnModel, Learner};
use attrition::validation::{grouped_k_fold, time_backtest};
use chrono::Months;

fn main() -> attrition::Result<()> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let tables = read_tables(dir, &ReadOptions::strict())?.tables;
    let end = infer_data_end(&tables).unwrap_or_default();
    let start = tables.customers.iter().map(|c| c.signup_date).min().unwrap_or_default() + Months::new(3);
    let params = FeatureParams::new(start, end);
    let table = build_observations(&tables, &params)?;
    let obs = &table.dataset;
    println!(
        "{} observations ({} features) from {} as-of dates; churn rate {:.3}; excluded: {}",
        obs.n_rows(),
        obs.n_features(),
        params.as_of_dates()?.len(),
        obs.churn_rate().unwrap_or(f64::NAN),
        table.report.excluded_total()
    );
    let model = ModelParams::new(ModelKind::Logistic);
    let ids = obs.ids.clone().unwrap_or_default();
    let cv = evaluate(&cross_val_predict(&model, obs, &grouped_k_fold(&ids, 5, 42)?)?)?;
    println!("customer-grouped 5-fold CV: ROC-AUC {:.3}", cv.roc_auc);
    // Backtest: each test date is scored by a model trained only on observations whose label
    // window closed before it (gap = lead + horizon).
    let as_of = obs.as_of.clone().unwrap_or_default();
    let gap = i64::from(params.lead_days + params.horizon_days);
    for split in time_backtest(&as_of, 4, gap)? {
        let train = obs.take(&split.split.train);
        let test = obs.take(&split.split.test);
        let fitted = model.fit(&train)?;
        let p = fitted.predict_proba(&test)?;
        let auc = roc_auc_score(test.churned_or_err()?, &p, None)?;
        println!(
            "  backtest on {}: trained on {} rows before it, tested on {}: ROC-AUC {auc:.3}",
            split.test_date,
            train.n_rows(),
            test.n_rows()
        );
    }
    Ok(())
}
