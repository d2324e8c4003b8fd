//! Speed and accuracy of the boosted-trees engine on 200,000 × 30 synthetic rows, with the same
//! settings as LightGBM's defaults (100 trees, 31 leaves, learning rate 0.1, 255 bins, 20 rows
//! per leaf, no subsampling), on 2 threads.
//!
//! ```sh
//! cargo run --release --example gbdt_speed            # ours; writes target/gbdt_bench/synthetic.csv
//! /tmp/peers/bin/python benches/peers/lightgbm_speed.py target/gbdt_bench/synthetic.csv
//! ```
//! Set `PEERS_PYTHON=/tmp/peers/bin/python` to run the LightGBM script right after, in the same
//! session, and print both rows of the comparison table.

use std::io::Write;
use std::time::Instant;

use attrition::models::boosted::Booster;
use attrition::models::boosted::synthetic::{lightgbm_defaults, make_churn_matrix};
use ndarray::s;

const N: usize = 200_000;
const P: usize = 30;
const N_TRAIN: usize = 160_000;
const SEED: u64 = 42;
const REPEATS: usize = 3;

fn auc(y: &[bool], p: &[f64]) -> f64 {
    let mut idx: Vec<usize> = (0..y.len()).collect();
    idx.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && p[idx[j + 1]] == p[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&k| y[idx[k]]).count() as f64 * avg;
        i = j + 1;
    }
    let n_pos = y.iter().filter(|&&v| v).count() as f64;
    let n_neg = y.len() as f64 - n_pos;
    (rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg)
}

fn write_csv(path: &std::path::Path, x: &ndarray::Array2<f64>, y: &[bool]) -> std::io::Result<()> {
    std::fs::create_dir_all(path.parent().unwrap())?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header: Vec<String> = (0..P).map(|j| format!("f{j}")).collect();
    writeln!(f, "{},churned,holdout", header.join(","))?;
    for i in 0..x.nrows() {
        for j in 0..P {
            let v = x[[i, j]];
            if !v.is_nan() {
                write!(f, "{v}")?;
            }
            f.write_all(b",")?;
        }
        writeln!(f, "{},{}", u8::from(y[i]), u8::from(i >= N_TRAIN))?;
    }
    Ok(())
}

fn main() -> attrition::Result<()> {
    let data = make_churn_matrix(N, P, SEED);
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gbdt_bench/synthetic.csv");
    write_csv(&path, &data.x, &data.y).map_err(|e| attrition::Error::io("write", &path, e))?;
    let x_train = data.x.slice(s![..N_TRAIN, ..]);
    let y_train = &data.y[..N_TRAIN];
    let x_test = data.x.slice(s![N_TRAIN.., ..]);
    let y_test = &data.y[N_TRAIN..];
    let params = lightgbm_defaults(2);
    let mut fit_times = Vec::new();
    let mut booster: Option<Booster> = None;
    for _ in 0..REPEATS {
        let t = Instant::now();
        booster = Some(params.fit_matrix(x_train, y_train, None)?);
        fit_times.push(t.elapsed().as_secs_f64());
    }
    let booster = booster.expect("REPEATS > 0");
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("thread pool");
    let mut pred_times = Vec::new();
    let mut p_all = Vec::new();
    for _ in 0..REPEATS {
        let t = Instant::now();
        p_all = pool.install(|| booster.predict_proba(data.x.view()))?;
        pred_times.push(t.elapsed().as_secs_f64());
    }
    fit_times.sort_by(f64::total_cmp);
    pred_times.sort_by(f64::total_cmp);
    let fit_s = fit_times[REPEATS / 2];
    let rows_per_s = N as f64 / pred_times[REPEATS / 2];
    let test_auc = auc(y_test, &p_all[N_TRAIN..]);
    let best = auc(y_test, &data.p_true[N_TRAIN..]);
    let _ = x_test;
    println!("data: {N} x {P} (train {N_TRAIN}, holdout {}), csv {}", N - N_TRAIN, path.display());
    println!("true-probability holdout AUC (best achievable): {best:.4}");
    println!("| engine | fit s (median of {REPEATS}) | predict rows/s | holdout AUC |");
    println!("|---|---|---|---|");
    println!("| attrition | {fit_s:.3} | {rows_per_s:.0} | {test_auc:.4} |");
    println!("(fit times: {fit_times:?}; predict times: {pred_times:?}; {} trees)", booster.n_trees());
    if let Ok(py) = std::env::var("PEERS_PYTHON") {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers/lightgbm_speed.py");
        let out = std::process::Command::new(py).arg(script).arg(&path).output();
        match out {
            Ok(o) => print!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
            Err(e) => println!("could not run the LightGBM script: {e}"),
        }
    }
    Ok(())
}
