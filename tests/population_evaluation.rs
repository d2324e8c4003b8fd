//! Streaming evaluation of a saved model over a population (issue 19 item 1): a partition per
//! worker, the (prediction, outcome) pairs merged in the unpartitioned order, gives exactly the
//! metrics of building the same observations in memory, predicting and evaluating them — on a
//! simulated world in 4 partitions, with a logistic and a GBDT model (whose tied probabilities
//! make the row order matter to the lift and gains tables). Also: a model without feature build
//! is a clear error, and the results do not depend on the threads or the run.
#![cfg(feature = "parquet")]

mod common;

use std::path::Path;

use attrition::evaluation::population::{PopulationParams, evaluate_partitioned, evaluate_tables};
use attrition::evaluation::{OutOfFold, evaluate};
use attrition::features::{FeatureParams, PartitionedTables, build_observations};
use attrition::io::tables::{ReadOptions, read_tables};
use attrition::models::artifact::FeatureBuild;
use attrition::models::trained::{ModelKind, ModelParams, TrainedModel};
use attrition::models::{ChurnModel, Learner};
use attrition::partition::{PartitionParams, Partitions, partition_tables};
use attrition::simulate::{SimulationParams, simulate};
use common::day;
use common::world::{bin, s};

/// A world of 800 customers over 20 months written as tables in `dir/tables` and in 4
/// partitions in `dir/parts`; models of `kinds` trained on its 2024-03 … 2024-09 observations.
fn world(dir: &Path, kinds: &[ModelKind]) -> Vec<TrainedModel> {
    let world = simulate(&SimulationParams::new(800, 20, 5)).unwrap();
    world.tables.write_dir(dir.join("tables")).unwrap();
    partition_tables(dir.join("tables"), None, &PartitionParams::new(4), dir.join("parts")).unwrap();
    let train = build_observations(&world.tables, &FeatureParams::new(day("2024-03-01"), day("2024-09-01"))).unwrap();
    kinds
        .iter()
        .map(|&k| {
            let build = FeatureBuild::new(train.catalogue.clone(), 7, 90).unwrap();
            ModelParams::new(k).seed(3).fit(&train.dataset).unwrap().with_feature_build(build)
        })
        .collect()
}

fn parts(dir: &Path) -> PartitionedTables {
    PartitionedTables::open(Partitions::open(dir.join("parts")).unwrap(), &ReadOptions::strict()).unwrap()
}

#[test]
fn streaming_over_four_partitions_equals_evaluating_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let models = world(d, &[ModelKind::Logistic, ModelKind::Gbdt]);
    let parts = parts(d);
    let tables = read_tables(d.join("tables"), &ReadOptions::strict()).unwrap().tables;
    let params = PopulationParams::new(day("2024-11-01"), day("2025-06-01"));
    for model in &models {
        // In memory, by hand: observations → predictions → out-of-fold record (fold = as-of date).
        let build = model.feature_build.as_ref().unwrap();
        let fparams = FeatureParams::new(params.from, params.to)
            .lead_days(build.label.lead_days)
            .horizon_days(build.label.horizon_days)
            .catalogue(build.catalogue.clone());
        let table = build_observations(&tables, &fparams).unwrap();
        let dates = fparams.as_of_dates().unwrap();
        let ds = &table.dataset;
        let p = model.predict_proba(ds).unwrap();
        let fold: Vec<usize> =
            ds.as_of.as_ref().unwrap().iter().map(|a| dates.iter().position(|d| d == a).unwrap()).collect();
        let oof = OutOfFold {
            rows: (0..ds.n_rows()).collect(),
            fold,
            y_true: ds.churned.clone().unwrap(),
            p_churn: p,
            ids: None,
            n_folds: dates.len(),
            n_untested: 0,
        };
        let want = evaluate(&oof).unwrap();
        assert!(want.rows > 3000 && want.churned > 100, "a real population: {} rows", want.rows);

        let streamed = evaluate_partitioned(model, &parts, &params).unwrap();
        let got = &streamed.evaluation;
        assert_eq!(streamed.partitions, 4);
        assert_eq!(streamed.as_of, dates);
        assert_eq!(streamed.report, table.report, "observations' report summed over partitions");
        // Within 1e-12 as asked; in fact bit for bit (same pairs in the same order).
        for (what, a, b) in [
            ("roc_auc", got.roc_auc, want.roc_auc),
            ("pr_auc", got.pr_auc, want.pr_auc),
            ("log_loss", got.log_loss, want.log_loss),
            ("brier", got.brier, want.brier),
            ("top_decile_lift", got.top_decile_lift, want.top_decile_lift),
            ("ece", got.ece, want.ece),
            ("empc", got.empc, want.empc),
            ("mpc", got.mpc, want.mpc),
        ] {
            assert!((a - b).abs() <= 1e-12, "{what}: streamed {a} vs in memory {b}");
        }
        assert_eq!(got, &want, "the whole evaluation, gains table and per-date ROC-AUCs included");
        assert_eq!(got.fold_roc_auc.len(), 8, "one ROC-AUC per as-of date");
        let per_date = &got.fold_roc_auc;
        // The last date's label window runs past the data: no observations, no ROC-AUC.
        assert!(per_date.iter().all(|f| f.roc_auc.is_some() == (f.rows > 0)), "{per_date:?}");
        assert_eq!(per_date.iter().filter(|f| f.rows > 0).count(), 7, "{per_date:?}");
        assert!(got.fold_roc_auc_mean.is_some_and(|m| m > 0.5), "{per_date:?}");

        // The library's in-memory path is the same too.
        let whole = evaluate_tables(model, &tables, &params).unwrap();
        assert_eq!(whole.evaluation, want);
        assert_eq!(whole.calibration, streamed.calibration);
        assert_eq!(whole.calibration.counts.iter().sum::<f64>(), want.rows as f64);
    }
}

#[test]
fn a_model_without_feature_build_or_dates_without_observations_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut model = world(d, &[ModelKind::Logistic]).remove(0);
    let parts = parts(d);
    let params = PopulationParams::new(day("2024-11-01"), day("2025-02-01"));
    // Dates past the data: no observation has a complete label window.
    let late = PopulationParams::new(day("2030-01-01"), day("2030-03-01"));
    let err = evaluate_partitioned(&model, &parts, &late).unwrap_err().to_string();
    assert!(err.contains("no observation"), "{err}");
    let backwards = PopulationParams::new(day("2025-02-01"), day("2024-11-01"));
    assert!(evaluate_partitioned(&model, &parts, &backwards).is_err());

    model.feature_build = None;
    let err = evaluate_partitioned(&model, &parts, &params).unwrap_err().to_string();
    assert!(err.contains("no feature build") && err.contains("--feature-build"), "{err}");
    // The CLI says the same, and writes nothing to standard output.
    let file = d.join("bare.json");
    model.save(&file).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_attrition"))
        .args(["evaluate", "--model-file", s(&file), "--tables", s(&d.join("parts"))])
        .args(["--from", "2024-11-01", "--to", "2025-02-01"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("no feature build"), "{stderr}");
    assert!(o.stdout.is_empty());
}

#[test]
fn the_cli_is_deterministic_and_the_same_on_tables_and_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = world(d, &[ModelKind::Gbdt]).remove(0);
    let file = d.join("gbdt.json");
    model.save(&file).unwrap();
    let run = |tables: &str, threads: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_attrition"))
            .env("RAYON_NUM_THREADS", threads)
            .args(["evaluate", "--model-file", s(&file), "--tables", tables, "--json"])
            .args(["--from", "2024-11-01", "--to", "2025-06-01", "--every", "1m"])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let parts = d.join("parts");
    let one = run(s(&parts), "1");
    let four = run(s(&parts), "4");
    assert_eq!(one, four, "threads do not change the result");
    assert_eq!(one, run(s(&parts), "4"), "nor does running again");
    let mut whole = run(s(&d.join("tables")), "2");
    assert_eq!(whole["partitions"], 1);
    whole["partitions"] = 4.into();
    assert_eq!(whole, one, "a tables directory is one partition");
    assert_eq!(one["as_of"].as_array().unwrap().len(), 8);
    assert!(one["roc_auc"].as_f64().unwrap() > 0.6);
    // The table output names the model and the population.
    let text = bin(&[
        "evaluate",
        "--model-file",
        s(&file),
        "--tables",
        s(&parts),
        "--from",
        "2024-11-01",
        "--to",
        "2025-06-01",
    ]);
    assert!(text.contains("4 partitions") && text.contains("ROC-AUC by as-of date"), "{text}");
    // A model whose file records training as-of dates inside the evaluated range: figures in
    // sample, and the command says so (a tester's report: they read as out of sample).
    let mut seen = model.clone();
    seen.training = Some(attrition::models::artifact::TrainingSummary {
        as_of: attrition::models::artifact::DateRange::of(&[day("2024-03-01"), day("2025-01-01")]),
        cv: None,
    });
    let seen_file = d.join("seen.json");
    seen.save(&seen_file).unwrap();
    let args = |f: &Path| -> Vec<String> {
        ["evaluate", "--model-file", s(f), "--tables", s(&parts), "--from", "2024-11-01", "--to", "2025-06-01"]
            .map(str::to_owned)
            .to_vec()
    };
    let stderr_of = |f: &Path| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_attrition")).args(args(f)).output().unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(stderr_of(&seen_file).contains("in sample"));
    assert!(!stderr_of(&file).contains("in sample"), "no training dates recorded: no warning");
}

#[test]
fn a_seeded_customer_sample_of_observations_is_the_same_over_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    world(d, &[]);
    let features = |tables: &Path, out: &Path, rate: &str, seed: &str| {
        bin(&["features", "--tables", s(tables), "--from", "2024-03-01", "--to", "2024-09-01", "--out", s(out)]
            .into_iter()
            .chain(["--sample-customers", rate, "--sample-seed", seed])
            .collect::<Vec<_>>());
        std::fs::read_to_string(out).unwrap()
    };
    let whole = features(&d.join("tables"), &d.join("a.csv"), "0.3", "42");
    let parted = features(&d.join("parts"), &d.join("b.csv"), "0.3", "42");
    assert_eq!(whole, parted, "the same rows over the tables and over 4 partitions");
    let all = features(&d.join("parts"), &d.join("c.csv"), "1", "42");
    let other = features(&d.join("parts"), &d.join("e.csv"), "0.3", "7");
    assert_ne!(whole, other, "another seed, other customers");
    // Every sampled row is a row of the full table, and about 30% of the customers are kept,
    // each with all its as-of dates.
    let rows = |t: &str| t.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
    let (kept, every) = (rows(&whole), rows(&all));
    let customers = |r: &[String]| {
        r.iter().map(|l| l.split(',').next().unwrap().to_owned()).collect::<std::collections::BTreeSet<_>>()
    };
    let (ck, ca) = (customers(&kept), customers(&every));
    let share = ck.len() as f64 / ca.len() as f64;
    assert!((0.24..0.36).contains(&share), "share of customers {share}");
    let want: Vec<&String> = every.iter().filter(|l| ck.contains(l.split(',').next().unwrap())).collect();
    assert_eq!(kept.iter().collect::<Vec<_>>(), want, "all rows of the kept customers, in order");
}
