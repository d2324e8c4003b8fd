//! Logistic regression speed on 1,000,000 × 40 rows: fit and scoring, beside scikit-learn's lbfgs
//! on the same matrix (`PEERS_PYTHON=/tmp/peers/bin/python` runs it in the same session).
//!
//! `cargo run --release --example logistic_speed`

use std::time::Instant;

use attrition::models::logistic::LogisticParams;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const N: usize = 1_000_000;
const P: usize = 40;

fn main() -> attrition::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let x = Array2::from_shape_fn((N, P), |_| rng.gen_range(-2.0..2.0));
    let beta: Vec<f64> = (0..P).map(|j| if j % 4 == 0 { 0.5 } else { -0.1 * (j % 3) as f64 }).collect();
    let y: Vec<bool> = (0..N)
        .map(|i| {
            let z: f64 = (0..P).map(|j| x[[i, j]] * beta[j]).sum::<f64>() - 1.0;
            rng.gen_bool(1.0 / (1.0 + (-z).exp()))
        })
        .collect();
    let t = Instant::now();
    let m = LogisticParams::new().fit_matrix(x.view(), &y, None)?;
    let fit = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let p = m.predict_proba(x.view())?;
    let score = t.elapsed().as_secs_f64();
    println!(
        "attrition logistic: fit {fit:.2} s ({} Newton iterations), scoring {:.1} M rows/s (mean p {:.3})",
        m.iterations,
        N as f64 / score / 1e6,
        p.iter().sum::<f64>() / N as f64
    );
    if let Ok(py) = std::env::var("PEERS_PYTHON") {
        let path = std::env::temp_dir().join("attrition_logit_1m.npy.csv");
        let mut s = String::with_capacity(N * P * 8);
        for i in 0..N {
            for j in 0..P {
                s.push_str(&format!("{:.6},", x[[i, j]]));
            }
            s.push_str(if y[i] { "1\n" } else { "0\n" });
        }
        std::fs::write(&path, s).map_err(|e| attrition::Error::io("write", &path, e))?;
        let code = format!(
            "import numpy as np,time\nfrom sklearn.linear_model import LogisticRegression\nd=np.loadtxt('{}',delimiter=',')\nX,y=d[:,:-1],d[:,-1]\nt=time.time();m=LogisticRegression(C=1.0).fit(X,y);f=time.time()-t\nt=time.time();m.predict_proba(X);s=time.time()-t\nprint(f'scikit-learn lbfgs: fit {{f:.2f}} s ({{m.n_iter_[0]}} iterations), scoring {{len(y)/s/1e6:.1f}} M rows/s')",
            path.display()
        );
        let out = std::process::Command::new(py)
            .arg("-c")
            .arg(code)
            .output()
            .map_err(|e| attrition::Error::io("run", "python", e))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
    Ok(())
}
