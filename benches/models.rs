//! Model speed on the shapes of the models issue's bars (seeded, 2 threads for the trees):
//!
//! - logistic regression fit on 1,000,000 × 40 and scoring of the same rows;
//! - boosted trees (LightGBM's defaults: 100 trees, 31 leaves, 255 bins) fit on 160,000 × 30
//!   and prediction of 200,000 rows;
//! - boosted trees as `attrition train` grows them (our defaults: trees of 8 leaves, here 500 of
//!   them without early stopping): prediction of the same 200,000 rows.
//!
//! The peers' times on the same matrices come from the examples that run both in one session:
//! `PEERS_PYTHON=/tmp/peers/bin/python cargo run --release --example logistic_speed` (scikit-learn
//! lbfgs) and `... --example gbdt_speed` (LightGBM). Run: `cargo bench --bench models`.

use attrition::models::boosted::BoostedParams;
use attrition::models::boosted::synthetic::{lightgbm_defaults, make_churn_matrix};
use attrition::models::logistic::LogisticParams;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ndarray::{Array2, Axis, Slice};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn logistic_data(n: usize, p: usize) -> (Array2<f64>, Vec<bool>) {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = Array2::from_shape_fn((n, p), |_| rng.gen_range(-2.0..2.0));
    let beta: Vec<f64> = (0..p).map(|j| if j % 4 == 0 { 0.5 } else { -0.1 * (j % 3) as f64 }).collect();
    let y = (0..n)
        .map(|i| {
            let z: f64 = (0..p).map(|j| x[[i, j]] * beta[j]).sum::<f64>() - 1.0;
            rng.gen_bool(1.0 / (1.0 + (-z).exp()))
        })
        .collect();
    (x, y)
}

fn logistic(c: &mut Criterion) {
    let (x, y) = logistic_data(1_000_000, 40);
    let mut g = c.benchmark_group("logistic_1m_x_40");
    g.sample_size(10);
    g.bench_function("fit", |b| b.iter(|| LogisticParams::new().fit_matrix(x.view(), &y, None).expect("fit")));
    let model = LogisticParams::new().fit_matrix(x.view(), &y, None).expect("fit");
    g.throughput(Throughput::Elements(x.nrows() as u64));
    g.bench_function("predict_proba", |b| b.iter(|| model.predict_proba(x.view()).expect("predict")));
    g.finish();
}

fn boosted(c: &mut Criterion) {
    let data = make_churn_matrix(200_000, 30, 42);
    let train = data.x.slice_axis(Axis(0), Slice::from(..160_000));
    let params = lightgbm_defaults(2);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("thread pool");
    let mut g = c.benchmark_group("gbdt_lightgbm_defaults");
    g.sample_size(10);
    g.bench_function("fit_160k_x_30", |b| b.iter(|| params.fit_matrix(train, &data.y[..160_000], None).expect("fit")));
    let booster = params.fit_matrix(train, &data.y[..160_000], None).expect("fit");
    g.throughput(Throughput::Elements(data.x.nrows() as u64));
    g.bench_function("predict_200k", |b| {
        b.iter(|| pool.install(|| booster.predict_proba(data.x.view())).expect("predict"))
    });
    g.finish();
    let ours = BoostedParams::new().n_trees(500).early_stopping(None).n_threads(Some(2));
    let booster = ours.fit_matrix(train, &data.y[..160_000], None).expect("fit");
    let mut g = c.benchmark_group("gbdt_attrition_defaults_500_trees");
    g.sample_size(10);
    g.throughput(Throughput::Elements(data.x.nrows() as u64));
    g.bench_function("predict_200k", |b| {
        b.iter(|| pool.install(|| booster.predict_proba(data.x.view())).expect("predict"))
    });
    g.finish();
}

criterion_group!(benches, logistic, boosted);
criterion_main!(benches);
