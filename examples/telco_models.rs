//! Compare our models with scikit-learn, LightGBM and XGBoost on the IBM Telco churn data.
//!
//! `cargo run --release --example telco_models` — skips when
//! `../shared/datasets/telco/telco.csv` is absent. Stratified 5-fold cross-validation, seed 42,
//! out-of-fold metrics. The peers' figures were measured with `../shared/peers/peer_models.py`
//! on the same data (scikit-learn's StratifiedKFold with seed 42, so the folds differ from ours).

use std::time::Instant;

use attrition::evaluation::{cross_val_predict, evaluate};
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::validation::stratified_k_fold;

fn main() -> attrition::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    if !std::path::Path::new(path).exists() {
        println!("skipping: {path} not found");
        return Ok(());
    }
    let loaded = load_flat(path, &FlatOptions::new().target("Churn").positive("Yes").id("customerID"))?;
    let data = loaded.dataset;
    println!(
        "Telco: {} customers, {} features, churn rate {:.4}",
        data.n_rows(),
        data.n_features(),
        data.churn_rate().unwrap_or(0.0)
    );
    let churned = data.churned_or_err()?.to_vec();
    let folds = stratified_k_fold(&churned, 5, 42)?;
    println!(
        "\n{:<22} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "model", "ROC-AUC", "PR-AUC", "logloss", "Brier", "EMPC", "fit+pred"
    );
    for kind in [ModelKind::Logistic, ModelKind::Tree, ModelKind::Gbdt, ModelKind::Ensemble] {
        let params = ModelParams::new(kind).seed(42);
        let t = Instant::now();
        let oof = cross_val_predict(&params, &data, &folds)?;
        let secs = t.elapsed().as_secs_f64();
        let e = evaluate(&oof)?;
        println!(
            "{:<22} {:>8.4} {:>8.4} {:>8.4} {:>8.4} {:>8.3} {:>8.2}s",
            format!("attrition {kind}"),
            e.roc_auc,
            e.pr_auc,
            e.log_loss,
            e.brier,
            e.empc,
            secs
        );
    }
    println!("\nPeers (peer_models.py, 5-fold seed 42):");
    for (name, auc, ll, brier, empc) in [
        ("sklearn logistic", 0.8449, 0.4175, 0.1356, 10.281),
        ("sklearn hist_gbdt", 0.8339, f64::NAN, f64::NAN, f64::NAN),
        ("lightgbm", 0.8347, 0.4337, 0.1404, 10.046),
        ("xgboost", 0.8223, f64::NAN, f64::NAN, f64::NAN),
    ] {
        println!("{name:<22} {auc:>8.4} {:>8} {ll:>8.4} {brier:>8.4} {empc:>8.3}", "");
    }
    Ok(())
}
