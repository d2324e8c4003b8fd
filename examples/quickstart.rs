// Score customers from Rust on the bundled sample (no downloads): train once and ship the model
// as bytes; in the service, load it, build one customer's row by feature name and score it with
// reasons, and stream a CSV of customers from a reader.
//
// `cargo run --release --example quickstart`. The crate docs run this file as a doctest.
// (Plain comments: the doctest includes this file.)

use attrition::features::{FeatureParams, build_observations};
use attrition::io::parse::parse_date;
use attrition::io::write_flat::{WriteFlatOptions, write_flat_to};
use attrition::models::artifact::FeatureBuild;
use attrition::prelude::*;

pub fn main() -> attrition::Result<()> {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let tables = read_tables(sample, &ReadOptions::strict())?.tables;
    let day = |s: &str| parse_date(s).expect("a date");

    // Once, offline: point-in-time observations, a model that carries its feature build, bytes.
    let params = FeatureParams::new(day("2025-01-01"), day("2025-06-01"));
    let table = build_observations(&tables, &params)?;
    let build = FeatureBuild::new(table.catalogue.clone(), params.lead_days, params.horizon_days)?;
    let model = ModelParams::new(ModelKind::Gbdt).seed(1).fit(&table.dataset)?.with_feature_build(build);
    let mut bytes = Vec::new();
    model.to_writer(&mut bytes)?;

    // In your service: load, build a row by name (features not set are missing), score.
    let model = TrainedModel::from_reader(bytes.as_slice())?;
    let row = model
        .row()
        .num("tenure_days", 40.0)
        .num("events_per_week_28d", 0.5)
        .num("days_since_last_event", 20.0)
        .cat("vertical", "restaurants")
        .build()?;
    let scored = model.score_one(&row)?;
    println!(
        "P(churn) = {:.3} ({} risk) for a 40-day-old customer with little recent use",
        scored.p_churn, scored.tier
    );
    for r in &scored.reasons {
        println!("  pushed up by {} (+{:.3} log-odds)", r.feature, r.contribution);
    }

    // A CSV of customers (here: today's snapshot of the sample) streamed from a reader.
    let snapshot = model.feature_build.as_ref().expect("saved above").snapshot(&tables, day("2025-12-01"))?;
    let mut csv = Vec::new();
    write_flat_to(&snapshot, &mut csv, &WriteFlatOptions::default())?;
    let mut scores = Vec::new();
    let report = score_reader(&model, csv.as_slice(), "snapshot", &mut scores, &ScoreOptions::default(), |_| {})?;
    println!(
        "scored {} customers: {} high, {} medium, {} low risk",
        report.rows_scored, report.tiers[0], report.tiers[1], report.tiers[2]
    );
    assert_eq!(report.rows_scored as usize, snapshot.n_rows());
    Ok(())
}
