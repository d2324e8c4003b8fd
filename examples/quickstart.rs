//! Score one customer from Rust in three lines: load a model, build a row, `predict_proba`.
//!
//! `cargo run --release --example quickstart` — trains a small model on Telco first when no
//! model file is given (skips when the dataset is absent), then scores one hand-built customer.

use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::trained::{ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::{Column, Dataset};

fn main() -> attrition::Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    if !std::path::Path::new(path).exists() {
        println!("skipping: {path} not found");
        return Ok(());
    }
    // Once, offline: train and save (or `attrition train ... --out model.json`).
    let data = load_flat(path, &FlatOptions::new().target("Churn").positive("Yes").id("customerID"))?.dataset;
    let model_path = std::env::temp_dir().join("attrition-quickstart-model.json");
    ModelParams::new(ModelKind::Gbdt).seed(1).fit(&data)?.save(&model_path)?;

    // In your service: the three lines.
    let model = TrainedModel::load(&model_path)?;
    let row = customer_row(&data)?;
    let p = model.predict_proba(&row)?[0];

    println!("P(churn) = {p:.3} for a new month-to-month fibre customer paying by electronic check");
    for (feature, contribution) in model.explain(&row)?.top_reasons(0, 3) {
        println!("  pushed up by {feature} (+{contribution:.3} log-odds)");
    }
    Ok(())
}

/// One customer with the training columns: copy the first training row, then change a few fields.
fn customer_row(data: &Dataset) -> attrition::Result<Dataset> {
    let mut columns = Vec::new();
    for c in &data.columns {
        let col = match (c.name.as_str(), c.as_numeric(), c.as_categorical()) {
            ("tenure", Some(_), _) => Column::numeric("tenure", vec![2.0]),
            ("MonthlyCharges", Some(_), _) => Column::numeric("MonthlyCharges", vec![95.0]),
            ("TotalCharges", Some(_), _) => Column::numeric("TotalCharges", vec![190.0]),
            ("Contract", _, Some(_)) => Column::categorical("Contract", &[Some("Month-to-month")]),
            ("InternetService", _, Some(_)) => Column::categorical("InternetService", &[Some("Fiber optic")]),
            ("PaymentMethod", _, Some(_)) => Column::categorical("PaymentMethod", &[Some("Electronic check")]),
            _ => c.take(&[0]),
        };
        columns.push(col);
    }
    Dataset::new(columns)
}
