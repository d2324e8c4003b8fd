//! Fit and predict time of our boosted trees against LightGBM's, in one run, on the same model
//! matrix and the same number of threads (issue 16's speed bars).
//!
//! ```sh
//! /work/venv/bin/python benches/peers/datasets.py --out /tmp/auto2 --scale 36000   # ~100k rows
//! cargo run --release --example gbdt_vs_lightgbm -- /tmp/auto2/sim_obs_36000.csv
//! ```
//! Arguments: optional simulator observations (`attrition features` output: target `churned`,
//! id `customer_id`, as-of `as_of`); Telco is always used when `../shared` is present.
//! Environment: `PEERS_PYTHON` (default `/work/venv/bin/python`, needs lightgbm, numpy),
//! `THREADS` (default 2, for both sides: rayon pool of ours, `num_threads` of LightGBM).
//!
//! Per dataset, the tree-mode model matrix of our preprocessing (one-hot categories, missing
//! values as NaN) is written to a temporary CSV and read by LightGBM, so both fit the
//! same numbers. Printed per dataset (median of 7 runs; `auto`: of 3):
//! - ours with LightGBM's defaults (100 trees, 31 leaves, rate 0.1, no subsampling) and
//!   LightGBM's defaults: fit seconds (binning included on both sides) and predict rows/s on all
//!   rows — the bar is ours fit ≤ LightGBM's and ours predict ≥ 3× LightGBM's rows/s;
//! - our default `gbdt` (8 leaves, rate 0.05, early stopping) for reference;
//! - on Telco, `auto`'s whole fit (inner cross-validation of every candidate it plans, then the
//!   refit) against LightGBM's fit time × the configurations it tried (the bar: ≤ 2×).
//!
//! Timings are wall-clock; on a shared machine both sides suffer, LightGBM's OpenMP threads
//! more so when the machine is oversubscribed. Say the load when quoting the figures.

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use attrition::Dataset;
use attrition::io::flat::{FlatOptions, load_flat};
use attrition::models::Learner;
use attrition::models::boosted::BoostedParams;
use attrition::models::boosted::synthetic::lightgbm_defaults;
use attrition::models::preprocess::{PreprocessMode, PreprocessParams};
use attrition::models::trained::{ModelKind, ModelParams};
use ndarray::Array2;

/// Runs per timing, each side (the median is reported): a Telco fit takes ~0.08 s, where the
/// shared machine's noise moved a median of 3 LightGBM fits by ±10% between runs.
const REPEATS: usize = 7;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median (fit seconds, predict rows/s, trees) of `params` on `x`, `y`.
fn ours(params: &BoostedParams, x: &Array2<f64>, y: &[bool]) -> attrition::Result<(f64, f64, usize)> {
    let (mut fit, mut pred, mut trees) = (Vec::new(), Vec::new(), 0);
    for _ in 0..REPEATS {
        let t = Instant::now();
        let b = params.fit_matrix(x.view(), y, None)?;
        fit.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let p = b.predict_proba(x.view())?;
        pred.push(t.elapsed().as_secs_f64());
        assert_eq!(p.len(), y.len());
        trees = b.n_trees();
    }
    Ok((median(fit), y.len() as f64 / median(pred), trees))
}

fn write_matrix(path: &std::path::Path, x: &Array2<f64>, y: &[bool]) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for (i, row) in x.rows().into_iter().enumerate() {
        for v in row {
            if v.is_nan() {
                f.write_all(b"nan,")?;
            } else {
                write!(f, "{v},")?;
            }
        }
        writeln!(f, "{}", u8::from(y[i]))?;
    }
    f.flush()
}

const LIGHTGBM: &str = r#"
import json, sys, time
import numpy as np, lightgbm as lgb
m = np.loadtxt(sys.argv[1], delimiter=",")
x, y = m[:, :-1], m[:, -1]
params = dict(objective="binary", num_threads=int(sys.argv[2]), verbose=-1, seed=42, deterministic=True)
fit, pred = [], []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); b = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=100); fit.append(time.perf_counter() - t)
    t = time.perf_counter(); b.predict(x); pred.append(time.perf_counter() - t)
k = len(fit) // 2
print(json.dumps({"fit": sorted(fit)[k], "rows_per_s": len(y) / sorted(pred)[k], "version": lgb.__version__}))
"#;

/// LightGBM's defaults (100 rounds) on the same matrix: (fit seconds, predict rows/s, version).
fn lightgbm(python: &str, x: &Array2<f64>, y: &[bool], threads: usize) -> Option<(f64, f64, String)> {
    let dir = std::env::temp_dir().join(format!("gbdt_vs_lightgbm_{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("matrix.csv");
    write_matrix(&path, x, y).ok()?;
    let out = Command::new(python)
        .arg("-c")
        .arg(LIGHTGBM)
        .arg(&path)
        .arg(threads.to_string())
        .arg(REPEATS.to_string())
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let out = out.ok().filter(|o| o.status.success());
    let Some(out) = out else {
        println!("  (LightGBM not run: {python} -c … failed; set PEERS_PYTHON)");
        return None;
    };
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((v["fit"].as_f64()?, v["rows_per_s"].as_f64()?, v["version"].as_str()?.to_string()))
}

fn run(name: &str, data: &Dataset, python: &str, threads: usize, auto: bool) -> attrition::Result<()> {
    let pre = PreprocessParams::new(PreprocessMode::Tree).fit(data)?;
    let x = pre.transform(data)?.x;
    let y = data.churned_or_err()?.to_vec();
    println!("\n{name}: {} rows × {} model-matrix columns, {threads} threads", x.nrows(), x.ncols());
    println!("| model | fit s | predict rows/s | trees |");
    println!("|---|---|---|---|");
    let lgb = lightgbm(python, &x, &y, threads);
    let (f, r, t) = ours(&lightgbm_defaults(threads), &x, &y)?;
    println!("| ours, LightGBM's settings | {f:.3} | {r:.0} | {t} |");
    if let Some((lf, lr, v)) = &lgb {
        println!("| LightGBM {v} defaults | {lf:.3} | {lr:.0} | 100 |");
        println!("  fit ours/LightGBM {:.2} (bar ≤ 1), predict ours/LightGBM {:.2} (bar ≥ 3)", f / lf, r / lr);
    }
    let (f, r, t) = ours(&BoostedParams::new().n_threads(Some(threads)), &x, &y)?;
    println!("| ours, default gbdt (early stopping) | {f:.3} | {r:.0} | {t} |");
    if auto {
        // The global pool has `threads` threads (set in `main`): the inner folds share them.
        let params = ModelParams::new(ModelKind::Auto).seed(42);
        let (mut times, mut model) = (Vec::new(), None);
        for _ in 0..3 {
            let t = Instant::now();
            model = Some(params.fit(data)?);
            times.push(t.elapsed().as_secs_f64());
        }
        let secs = median(times);
        let model = model.expect("fitted three times");
        let sel = model.selection.as_ref().expect("auto records its choice");
        let configs = sel.table.iter().filter(|c| c.name != attrition::models::auto::BLEND).count();
        println!(
            "| auto ({configs} configurations × {} inner folds, chose {}) | {secs:.3} | | |",
            sel.folds, sel.chosen
        );
        if let Some((lf, _, _)) = &lgb {
            println!(
                "  auto / (LightGBM fit × {configs} configurations) = {:.2} (bar ≤ 2)",
                secs / (lf * configs as f64)
            );
        }
    }
    Ok(())
}

fn main() -> attrition::Result<()> {
    let python = std::env::var("PEERS_PYTHON").unwrap_or_else(|_| "/work/venv/bin/python".into());
    let threads: usize = std::env::var("THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(2);
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().ok();
    let telco = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/datasets/telco/telco.csv");
    if std::path::Path::new(telco).exists() {
        let d = load_flat(telco, &FlatOptions::new().target("Churn").positive("Yes").id("customerID"))?.dataset;
        run("Telco", &d, &python, threads, true)?;
    } else {
        println!("skipping Telco: {telco} not found");
    }
    if let Some(sim) = std::env::args().nth(1) {
        let opts = FlatOptions::new().target("churned").id("customer_id").as_of("as_of");
        let d = load_flat(&sim, &opts)?.dataset;
        run(&format!("simulator observations {sim}"), &d, &python, threads, false)?;
    }
    Ok(())
}
