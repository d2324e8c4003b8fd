//! Model files are checked (issue 14): a checksum detects any change to what a file computes,
//! the parts are validated on load and before save, `save` reads back what it wrote, values
//! near f64::MAX train into loadable models, old files are refused with the way to upgrade them,
//! explanations cannot run away, and scoring never writes a probability that is not a number.

use std::path::{Path, PathBuf};
use std::process::Command;

use attrition::models::boosted::BoostedParams;
use attrition::models::file::{self, Checksum};
use attrition::models::trained::{ExplanationMethod, Fitted, ModelKind, ModelParams, TrainedModel};
use attrition::models::validate::{MAX_EXPLAIN_COST_PER_ROW, MAX_TREE_DEPTH};
use attrition::models::{ChurnModel, Learner};
use attrition::scoring::{ScoreOptions, score_csv};
use attrition::{Column, Dataset, Error};
use serde_json::{Value, json};

mod common;
use common::SplitMix;

fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_attrition")
}

/// `n` customers: `x` (informative), `plan` (a/b/c), `z` (informative, standard normal-ish).
fn data(n: usize, seed: u64) -> Dataset {
    let mut r = SplitMix::new(seed);
    let x: Vec<f64> = (0..n).map(|_| (r.uniform() * 20.0).floor()).collect();
    let z: Vec<f64> = (0..n).map(|_| (r.uniform() + r.uniform() + r.uniform() - 1.5) * 2.0).collect();
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(["a", "b", "c"][i % 3])).collect();
    let y: Vec<bool> = (0..n).map(|i| r.uniform() < 1.0 / (1.0 + (-(0.15 * x[i] - 1.5 + 1.2 * z[i])).exp())).collect();
    Dataset::new(vec![Column::numeric("x", x), Column::categorical("plan", &plan), Column::numeric("z", z)])
        .unwrap()
        .with_churned(y)
        .unwrap()
}

fn params(kind: ModelKind) -> ModelParams {
    let mut p = ModelParams::new(kind).seed(5);
    p.boosted = BoostedParams::new().n_trees(25).early_stopping(None).seed(5);
    p.ensemble = p.ensemble.logistic_weight(Some(0.4));
    p
}

fn auc(p: &[f64], y: &[bool]) -> f64 {
    attrition::metrics::roc_auc_score(y, p, None).unwrap()
}

/// Flips bit `bit` of `bytes` and reads the result as a model file: it must be refused, or be the
/// very same model (a flip the model does not see) and score identically.
fn check_flip(original: &TrainedModel, bytes: &[u8], bit: usize, d: &Dataset, p: &[f64]) {
    let mut b = bytes.to_vec();
    b[bit / 8] ^= 1 << (bit % 8);
    if let Ok(m) = file::from_json(&b, Checksum::Verify) {
        assert!(m == *original, "bit {bit} (byte {:?}) changed the model and it still loaded", bytes[bit / 8] as char);
        assert!(m.predict_proba(d).unwrap() == p, "bit {bit}: scores changed");
    }
}

/// Every bit of a logistic model file, and 300 seeded bits of a single-tree and a boosted-trees
/// file, flipped one at a time: each flipped file is refused or is the same model (7 of 20
/// one-bit flips loaded before checksums, one changing 1,067 probabilities). The files are
/// written by `save` and read back by the reader `load` uses.
#[test]
fn every_flipped_bit_is_refused_or_changes_nothing() {
    let d = data(300, 1);
    let dir = tempfile::tempdir().unwrap();
    let mut r = SplitMix::new(99);
    for kind in [ModelKind::Logistic, ModelKind::Tree, ModelKind::Gbdt] {
        let mut p = params(kind);
        p.tree = p.tree.max_depth(Some(3));
        let m = p.fit(&d).unwrap();
        let path = dir.path().join("m.json");
        m.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let scores = m.predict_proba(&d).unwrap();
        let n_bits = bytes.len() * 8;
        let bits: Vec<usize> = if kind == ModelKind::Logistic {
            (0..n_bits).collect()
        } else {
            (0..300).map(|_| (r.next_u64() % n_bits as u64) as usize).collect()
        };
        for bit in bits {
            check_flip(&m, &bytes, bit, &d, &scores);
        }
    }
}

/// One value of 1e308 (sd written as null: a model `score` could not load), one of 1e150 (the
/// informative column flattened to nothing) and a column of ±1e308: each trains into a model that
/// saves, loads back and ranks as well as without the extreme value.
#[test]
fn extreme_values_train_into_models_that_load_and_keep_their_signal() {
    let clean = data(1500, 2);
    let y = clean.churned_or_err().unwrap().to_vec();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    for kind in [ModelKind::Logistic, ModelKind::Ensemble] {
        let base = auc(&params(kind).fit(&clean).unwrap().predict_proba(&clean).unwrap(), &y);
        let mut no_z = clean.clone();
        no_z.columns.retain(|c| c.name != "z");
        let without = auc(&params(kind).fit(&no_z).unwrap().predict_proba(&no_z).unwrap(), &y);
        for extreme in [1e308, 1e150, -1e308] {
            let mut d = clean.clone();
            let z = d.columns.iter_mut().find(|c| c.name == "z").unwrap();
            let attrition::ColumnData::Numeric(v) = &mut z.data else { unreachable!() };
            // On a row whose outcome agrees with the extreme value (a churner for a high z): a
            // point of that leverage against its label would pull any logistic fit.
            let row = (0..1500).find(|&i| y[i] == (extreme > 0.0)).unwrap();
            v[row] = extreme;
            let m = params(kind).fit(&d).unwrap();
            m.save(&path).unwrap_or_else(|e| panic!("{kind}, z = {extreme:e} once: {e}"));
            let loaded = TrainedModel::load(&path).unwrap();
            assert_eq!(loaded, m);
            let p = loaded.predict_proba(&clean).unwrap();
            assert!(p.iter().all(|v| v.is_finite()));
            let a = auc(&p, &y);
            assert!(
                a - without > 0.6 * (base - without),
                "{kind}, z = {extreme:e} once: AUC {a:.4}, {base:.4} without the extreme value, {without:.4} without z"
            );
        }
        // A whole column of ±1e308: trains, saves, loads, scores finite probabilities.
        let mut d = clean.clone();
        d.columns.push(Column::numeric("wild", (0..1500).map(|i| if i % 3 == 0 { 1e308 } else { -1e308 }).collect()));
        let m = params(kind).fit(&d).unwrap();
        m.save(&path).unwrap();
        let p = TrainedModel::load(&path).unwrap().predict_proba(&d).unwrap();
        assert!(p.iter().all(|v| v.is_finite()), "{kind}: ±1e308 column");
    }
}

/// `train` on a file with 1e308 exits 0 only with a model `score` loads (it wrote one that did
/// not: `"sd": null`).
#[test]
fn cli_train_writes_models_that_score_loads() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("train.csv");
    let d = data(400, 3);
    let mut text = String::from("customer_id,x,plan,z,churned\n");
    let (x, z) = (d.column("x").unwrap(), d.column("z").unwrap());
    let (attrition::ColumnData::Numeric(x), attrition::ColumnData::Numeric(z)) = (&x.data, &z.data) else {
        unreachable!()
    };
    for i in 0..400 {
        let zi = if i == 5 { "1e308".to_string() } else { z[i].to_string() };
        let y = if d.churned.as_ref().unwrap()[i] { "yes" } else { "no" };
        text.push_str(&format!("c{i},{},{},{zi},{y}\n", x[i], ["a", "b", "c"][i % 3]));
    }
    std::fs::write(&csv, text).unwrap();
    let model = dir.path().join("model.json");
    let out = Command::new(exe())
        .args(["train", "--data", csv.to_str().unwrap(), "--model", "logistic", "--out", model.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("read back and checked"));
    let scores = dir.path().join("scores.csv");
    let out = Command::new(exe())
        .args(["score", "--model", model.to_str().unwrap(), "--data", csv.to_str().unwrap()])
        .args(["--out", scores.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&scores).unwrap().lines().count(), 401);
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/model_file").join(name)
}

/// A file of schema version 1, as the previous release wrote it, is refused with the command
/// that upgrades it; `rehash` validates it, adds the checksum, and the model it holds scores as
/// before.
#[test]
fn version_1_files_are_refused_until_rehashed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.json");
    std::fs::copy(fixture("v1_logistic.json"), &path).unwrap();
    let e = TrainedModel::load(&path).unwrap_err();
    assert!(matches!(e, Error::ModelChecksum { .. }), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("schema version 1") && msg.contains("attrition model rehash --model"), "{msg}");

    let text = std::fs::read_to_string(&path).unwrap();
    let mut as_written: TrainedModel = serde_json::from_str(&text).unwrap();
    let r = file::rehash(&path).unwrap();
    assert_eq!((r.schema_version_was, r.checksum_was.as_deref()), (1, None));
    assert!(r.changed());
    let loaded = TrainedModel::load(&path).unwrap();
    as_written.schema_version = attrition::models::trained::SCHEMA_VERSION;
    assert_eq!(loaded, as_written);
    let d = Dataset::new(vec![
        Column::numeric("x", vec![0.0, 5.0, 11.0]),
        Column::categorical("plan", &[Some("a"), Some("c"), None]),
    ])
    .unwrap();
    let p = loaded.predict_proba(&d).unwrap();
    // Row 0 by hand from the file's numbers: x standardised, plan = a one-hot, intercept.
    let log_odds: f64 =
        -2.4704346910557553 * (0.0 - 5.032033333333333) / 2.943727044449301 - 0.5956126245143909 - 0.9853712793439355;
    assert!((p[0] - 1.0 / (1.0 + (-log_odds).exp())).abs() < 1e-12);
    // Rehashing again changes nothing.
    assert!(!file::rehash(&path).unwrap().changed());
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(exe()).args(args).output().unwrap()
}

/// The hand-edit workflow through the CLI: an edited file is refused naming `model rehash`;
/// `model rehash` accepts it; `model check` says what it holds; a rehash of an invalid model is
/// refused and leaves the file as it was.
#[test]
fn cli_model_rehash_and_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let p = path.to_str().unwrap();
    params(ModelKind::Gbdt).fit(&data(300, 4)).unwrap().save(&path).unwrap();
    let out = run(&["model", "check", "--model", p]);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(said.contains("a valid gbdt model of schema version 4") && said.contains("sha256:"), "{said}");

    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"training_rows\":300", "\"training_rows\":3000", 1)).unwrap();
    let out = run(&["model", "check", "--model", p]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(err.contains("checksum mismatch") && err.contains(&format!("attrition model rehash --model {p}")), "{err}");

    let out = run(&["model", "rehash", "--model", p]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("now schema version 4 with checksum sha256:"));
    assert_eq!(TrainedModel::load(&path).unwrap().training_rows, 3000);

    let text = std::fs::read_to_string(&path).unwrap();
    let bad = text.replacen("\"training_rows\":3000", "\"training_rows\":0", 1);
    std::fs::write(&path, &bad).unwrap();
    let out = run(&["model", "rehash", "--model", p]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid model: training_rows"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), bad, "a refused rehash must leave the file as it was");
}

/// `save` refuses a model that would not load (here a NaN coefficient, written as null before)
/// and leaves no file behind, nor a temporary one; an existing file keeps its contents.
#[test]
fn save_never_writes_a_model_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.json");
    let mut m = params(ModelKind::Logistic).fit(&data(300, 6)).unwrap();
    let Fitted::Logistic(l) = &mut m.fitted else { unreachable!() };
    l.coef[1] = f64::NAN;
    let e = m.save(&path).unwrap_err();
    assert!(matches!(e, Error::InvalidModel { .. }), "{e}");
    assert!(e.to_string().contains("coefficient 1 is NaN"), "{e}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "nothing may be left behind");

    let good = params(ModelKind::Logistic).fit(&data(300, 6)).unwrap();
    good.save(&path).unwrap();
    let before = std::fs::read(&path).unwrap();
    assert!(m.save(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// Values whose products overflow to +∞ and −∞ give a log-odds that is not a number: that is an
/// error naming the row (the file's line when scoring a CSV), never `p_churn = NaN` with exit 0.
#[test]
fn a_probability_that_is_not_a_number_is_an_error() {
    let d = data(300, 7);
    let mut m = params(ModelKind::Logistic).fit(&d).unwrap();
    let Fitted::Logistic(l) = &mut m.fitted else { unreachable!() };
    // Within the valid range, but x and z pull hard in opposite directions.
    l.coef[0] = 50.0;
    *l.coef.last_mut().unwrap() = -50.0;
    m.validate().unwrap();
    let extreme = Dataset::new(vec![
        Column::numeric("x", vec![1.0, 1e308, 2.0]),
        Column::categorical("plan", &[Some("a"), Some("b"), Some("c")]),
        Column::numeric("z", vec![0.5, 1e308, 0.1]),
    ])
    .unwrap();
    match m.predict_proba(&extreme) {
        Err(Error::NonFinite { row: 1, .. }) => {}
        other => panic!("expected a NonFinite error at row 1, got {other:?}"),
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "customer_id,x,plan,z\na,1,a,0.5\nb,1e308,b,1e308\nc,2,c,0.1\n").unwrap();
    let e = score_csv(&m, &input, &dir.path().join("out.csv"), &ScoreOptions::default(), |_| {}).unwrap_err();
    match &e {
        Error::BadRow { location, .. } => assert_eq!(location.line, 3, "{e}"),
        other => panic!("expected a located error, got {other}"),
    }
    // Lenient: every record is written, that one unscored with its reason.
    let out = dir.path().join("lenient.csv");
    let lenient = ScoreOptions { strictness: attrition::io::tables::Strictness::Lenient, ..ScoreOptions::default() };
    let report = score_csv(&m, &input, &out, &lenient, |_| {}).unwrap();
    assert_eq!((report.rows_read, report.rows_scored, report.rows_unscored), (3, 2, 1));
    let text = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert_eq!(rows[2], "b,,unscored,,,,,,,,out_of_range", "{text}");
    assert!(rows[1].starts_with("a,0.") && rows[3].starts_with("c,"), "{text}");
}

/// A boosted-trees model over 40 inputs whose forest is `trees` chains of `depth` splits,
/// features cycling through all inputs (so a path of 64 splits has 40 distinct features: more
/// than a TreeSHAP table takes, Linear TreeSHAP explains them), as JSON without a checksum.
fn chain_value(trees: usize, depth: usize) -> (Value, Dataset) {
    let n_features = CHAIN_INPUTS;
    let mut r = SplitMix::new(11);
    let columns: Vec<Column> = (0..n_features)
        .map(|j| Column::numeric(format!("f{j}"), (0..200).map(|_| r.uniform() * 100.0).collect()))
        .collect();
    let y: Vec<bool> = (0..200).map(|i| i % 3 == 0).collect();
    let d = Dataset::new(columns).unwrap().with_churned(y).unwrap();
    let m = params(ModelKind::Gbdt).fit(&d).unwrap();
    let mut v: Value = serde_json::from_slice(&file::to_json(&m).unwrap()).unwrap();
    let per_tree = 2 * depth + 1;
    let n = trees * per_tree;
    let mut f = json!({
        "n_features": n_features, "roots": (0..trees).map(|t| t * per_tree).collect::<Vec<_>>(),
        "feature": vec![0; n], "threshold": vec![0.0; n], "left": (0..n).collect::<Vec<_>>(),
        "right": (0..n).collect::<Vec<_>>(), "default_left": vec![false; n], "value": vec![0.0; n],
        "cover": vec![1.0; n], "gain": vec![0.0; n],
    });
    for t in 0..trees {
        for i in 0..depth {
            let k = t * per_tree + 2 * i;
            f["feature"][k] = ((i + t) % n_features).into();
            f["threshold"][k] = (100.0 * (i as f64 + 0.5) / depth as f64).into();
            f["left"][k] = (k + 1).into();
            f["right"][k] = (k + 2).into();
            f["value"][k + 1] = (0.01 * ((i % 7) as f64 - 3.0)).into();
            f["cover"][k] = (2.0 * (depth - i) as f64 + 1.0).into();
        }
    }
    v["fitted"]["forest"] = f;
    v.as_object_mut().unwrap().remove("checksum");
    (v, d)
}

/// Inputs of [`chain_value`]'s models.
const CHAIN_INPUTS: usize = 40;

fn chain_model(trees: usize, depth: usize) -> (TrainedModel, Dataset) {
    let (v, d) = chain_value(trees, depth);
    (serde_json::from_value(v).unwrap(), d)
}

/// Trees at the depth cap load and are explained exactly; one level deeper is refused; boosted
/// trees whose TreeSHAP costs more than the limit per row are explained by path attribution in
/// `score` (additive, counted, the CLI says so), and get no reasons when even that is over the
/// limit — `explain` refuses, `score` marks the rows `not_available` and counts them, the CLI
/// warns — instead of running for minutes.
#[test]
fn explaining_deep_trees_is_bounded() {
    let (m, d) = chain_model(1, MAX_TREE_DEPTH);
    let bytes = file::to_json(&m).unwrap();
    let loaded = file::from_json(&bytes, Checksum::Verify).unwrap();
    let rows = d.take(&(0..20).collect::<Vec<_>>());
    let e = loaded.explain(&rows).unwrap();
    let p = loaded.predict_proba(&rows).unwrap();
    for (i, c) in e.contributions.outer_iter().enumerate() {
        let raw = e.base + c.sum();
        assert!((1.0 / (1.0 + (-raw).exp()) - p[i]).abs() < 1e-9, "row {i}");
    }
    let (deeper, _) = chain_value(1, MAX_TREE_DEPTH + 1);
    let e = file::from_json(&serde_json::to_vec(&deeper).unwrap(), Checksum::Ignore).unwrap_err();
    assert!(e.to_string().contains("deeper than 64 levels"), "{e}");

    // Chains of 64 cost 129 nodes × 20 quadrature points × 8 = 20,640 steps per row each by
    // Linear TreeSHAP (the recursion's ~275,000 would allow 14): 193 fit the limit, 194 do not.
    let (affordable, _) = chain_model(193, MAX_TREE_DEPTH);
    assert_eq!(affordable.explain_cost_per_row(), 193 * 20_640);
    assert!(affordable.explain_cost_per_row() <= MAX_EXPLAIN_COST_PER_ROW);
    let (costly, d) = chain_model(194, MAX_TREE_DEPTH);
    assert!(costly.explain_cost_per_row() > MAX_EXPLAIN_COST_PER_ROW);
    assert!(matches!(costly.explain(&d), Err(Error::ExplainTooCostly { .. })));
    // `score` falls back to path attribution (65 steps a chain): additive like TreeSHAP.
    assert_eq!(costly.path_attribution_cost_per_row(), Some(194 * 65));
    let s = costly.score(&d, true).unwrap();
    assert!(!s.explanations_unavailable);
    let e = s.explanations.as_ref().unwrap();
    assert_eq!(e.method, ExplanationMethod::PathAttribution);
    for (i, c) in e.contributions.outer_iter().enumerate() {
        let raw = e.base + c.sum();
        assert!((1.0 / (1.0 + (-raw).exp()) - s.p_churn[i]).abs() < 1e-9, "row {i}");
    }
    assert_eq!(s.p_churn, costly.predict_proba(&d).unwrap());
    // Below both costs: no explanations.
    let s = costly.score_with_limit(&d, true, 100).unwrap();
    assert!(s.explanations.is_none() && s.explanations_unavailable);

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("costly.json");
    costly.save(&model).unwrap();
    let input = dir.path().join("in.csv");
    let mut text = String::from("customer_id");
    (0..CHAIN_INPUTS).for_each(|j| text.push_str(&format!(",f{j}")));
    text.push('\n');
    for i in 0..50 {
        text.push_str(&format!("c{i}"));
        (0..CHAIN_INPUTS).for_each(|j| text.push_str(&format!(",{}", (i * 7 + j * 13) % 100)));
        text.push('\n');
    }
    std::fs::write(&input, text).unwrap();
    let approximate = score_csv(&costly, &input, &dir.path().join("pa.csv"), &ScoreOptions::default(), |_| {}).unwrap();
    // Only the medium and high tiers get reasons, so only their rows are explained and counted.
    let wanted = approximate.tiers[0] + approximate.tiers[1];
    assert!(wanted > 0 && wanted < 50, "some rows in each kind of tier: {:?}", approximate.tiers);
    assert_eq!(
        (approximate.rows_scored, approximate.rows_without_reasons, approximate.rows_with_path_attribution),
        (50, 0, wanted)
    );
    let out_csv = dir.path().join("out.csv");
    let tight = ScoreOptions { max_explain_cost: 100, ..ScoreOptions::default() };
    let report = score_csv(&costly, &input, &out_csv, &tight, |_| {}).unwrap();
    assert_eq!((report.rows_scored, report.rows_without_reasons, report.rows_with_path_attribution), (50, wanted, 0));
    let out = std::fs::read_to_string(&out_csv).unwrap();
    for l in out.lines().skip(1) {
        let tail = if l.split(',').nth(2) == Some("low") { ",,,,,,," } else { ",not_available,,,,,," };
        assert!(l.ends_with(tail), "{l}");
    }
    // A caller who wants them anyway raises the limit.
    let few = d.take(&[0, 1, 2]);
    assert_eq!(costly.explain_with_limit(&few, u64::MAX).unwrap().contributions.nrows(), 3);
    let all_in = ScoreOptions { max_explain_cost: u64::MAX, ..ScoreOptions::default() };
    let report = score_csv(&costly, &input, &dir.path().join("all.csv"), &all_in, |_| {}).unwrap();
    assert_eq!((report.rows_scored, report.rows_without_reasons, report.rows_with_path_attribution), (50, 0, 0));
    let cli_out = dir.path().join("cli.csv");
    let out = run(&["score", "--model", model.to_str().unwrap(), "--data", input.to_str().unwrap()]
        .into_iter()
        .chain(["--out", cli_out.to_str().unwrap(), "--quiet", "--max-explain-cost", "100"])
        .collect::<Vec<_>>());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let warned = String::from_utf8_lossy(&out.stderr);
    assert!(warned.contains(&format!("reasons not available for {wanted} rows")), "{warned}");
    assert_eq!(std::fs::read_to_string(&cli_out).unwrap(), out_csv_text(&out_csv));
    let pa_out = dir.path().join("cli_pa.csv");
    let out = run(&["score", "--model", model.to_str().unwrap(), "--data", input.to_str().unwrap()]
        .into_iter()
        .chain(["--out", pa_out.to_str().unwrap(), "--quiet"])
        .collect::<Vec<_>>());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let noted = String::from_utf8_lossy(&out.stderr);
    assert!(noted.contains(&format!("reasons for {wanted} rows come from path attribution")), "{noted}");
    assert_eq!(std::fs::read_to_string(&pa_out).unwrap(), out_csv_text(&dir.path().join("pa.csv")));
}

fn out_csv_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// Every leaf of a JSON value, as a path of keys and indices.
fn leaves(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                at.push(Value::String(k.clone()));
                leaves(c, at, out);
                at.pop();
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                at.push(Value::from(i));
                leaves(c, at, out);
                at.pop();
            }
        }
        _ => out.push(at.clone()),
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::String(k) => &mut v[k.as_str()],
        k => &mut v[k.as_u64().unwrap() as usize],
    })
}

/// Applies mutation `kind` with parameter `arg` at the leaf chosen by `pick`.
fn mutate(v: &mut Value, pick: u64, kind: u8, arg: u64) {
    let mut all = Vec::new();
    leaves(v, &mut Vec::new(), &mut all);
    let path = &all[(pick % all.len() as u64) as usize];
    const FLOATS: [f64; 12] = [0.0, -0.0, 1e308, -1e308, 1e-308, 1e6, 1e7, -1.0, 2.0, 0.5, 65.0, -1e150];
    const INTS: [u64; 9] = [0, 1, 2, 3, 64, 65, 1000, u32::MAX as u64, u64::MAX];
    const STRINGS: [&str; 7] = ["", "x", "z", "plan", "gbdt", "__other__", "log_loss"];
    match kind % 5 {
        0 => {
            let leaf = at_mut(v, path);
            *leaf = if leaf.is_u64() {
                INTS[arg as usize % INTS.len()].into()
            } else {
                FLOATS[arg as usize % FLOATS.len()].into()
            };
        }
        1 => {
            // Swap with a sibling in the same array (or with the next leaf's value).
            let (last, parent) = path.split_last().unwrap();
            if let (Some(i), Value::Array(a)) = (last.as_u64(), at_mut(v, parent)) {
                let j = (arg % a.len() as u64) as usize;
                a.swap(i as usize, j);
            }
        }
        2 => {
            let (last, parent) = path.split_last().unwrap();
            if let (Some(_), Value::Array(a)) = (last.as_u64(), at_mut(v, parent)) {
                a.truncate(a.len().saturating_sub(1 + (arg % 2) as usize));
            }
        }
        3 => {
            let leaf = at_mut(v, path);
            match leaf {
                Value::String(_) => *leaf = STRINGS[arg as usize % STRINGS.len()].into(),
                Value::Bool(b) => *b = !*b,
                _ => *leaf = Value::Null,
            }
        }
        _ => {
            // Reverse the array holding this leaf.
            let (last, parent) = path.split_last().unwrap();
            if let (Some(_), Value::Array(a)) = (last.as_u64(), at_mut(v, parent)) {
                a.reverse();
            }
        }
    }
}

/// A seeded property test over model JSON mutated at random (numbers set to extremes, array
/// elements swapped, dropped or reversed, strings and booleans changed, values nulled), each file
/// written with the checksum of what it holds when it parses, so that validation rather than the
/// checksum has to refuse what is wrong. Reading never panics; a model that is accepted scores
/// and explains a few rows without a panic, and never with a probability outside [0, 1].
#[test]
fn mutated_model_json_never_panics_nor_scores_nan() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    let d = data(300, 8);
    let bases: Vec<Value> = [ModelKind::Logistic, ModelKind::Tree, ModelKind::Gbdt, ModelKind::Ensemble]
        .into_iter()
        .map(|k| {
            let mut p = params(k);
            p.boosted = p.boosted.n_trees(6);
            serde_json::from_slice(&file::to_json(&p.fit(&d).unwrap()).unwrap()).unwrap()
        })
        .collect();
    let rows = Dataset::new(vec![
        Column::numeric("x", vec![0.0, 7.0, f64::NAN, 1e300]),
        Column::categorical("plan", &[Some("a"), None, Some("zzz"), Some("c")]),
        Column::numeric("z", vec![-1.0, 0.0, 2.5, -1e300]),
    ])
    .unwrap();
    let config = Config { cases: 400, failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = (0..bases.len(), proptest::collection::vec((any::<u64>(), any::<u8>(), any::<u64>()), 1..4));
    let accepted = std::cell::Cell::new(0u32);
    runner
        .run(&strategy, |(base, mutations)| {
            let mut v = bases[base].clone();
            for &(pick, kind, arg) in &mutations {
                mutate(&mut v, pick, kind, arg);
            }
            if let Ok(m) = serde_json::from_value::<TrainedModel>(v.clone()) {
                v["checksum"] = Value::String(file::checksum(&m).unwrap());
            }
            let bytes = serde_json::to_vec(&v).unwrap();
            if let Ok(m) = file::from_json(&bytes, Checksum::Verify) {
                accepted.set(accepted.get() + 1);
                if let Ok(p) = m.predict_proba(&rows) {
                    prop_assert!(p.iter().all(|p| (0.0..=1.0).contains(p)), "{p:?}");
                }
                let _ = m.explain(&rows);
                let _ = m.score(&rows, true);
            }
            Ok(())
        })
        .unwrap();
    // Some mutations leave a valid model (a swapped pair of equal covers, a level renamed…).
    assert!(accepted.get() > 0);
}

/// A JSON file that is no model at all (no `schema_version`) is named and called so, not "schema
/// version 0 is not supported" (a tester's report).
#[test]
fn a_json_file_without_a_schema_version_is_named_as_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.json");
    std::fs::write(&path, "{}").unwrap();
    let msg = TrainedModel::load(&path).unwrap_err().to_string();
    assert!(msg.contains("empty.json") && msg.contains("not an attrition model file"), "{msg}");
}
