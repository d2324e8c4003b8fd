#!/usr/bin/env python3
"""Times LightGBM on the synthetic CSV written by `cargo run --release --example gbdt_speed`.

Same settings as the Rust side: 100 trees, 31 leaves, learning rate 0.1, 255 bins,
min_data_in_leaf 20, min_sum_hessian 1e-3, no L2, no subsampling, 2 threads. Fit time includes
LightGBM's Dataset construction (binning), as ours includes binning. Predict is
`booster.predict(numpy array)` on all rows. Prints one markdown table row (median of 3 runs).

    /tmp/peers/bin/python benches/peers/lightgbm_speed.py target/gbdt_bench/synthetic.csv
"""
import sys
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

REPEATS = 3


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "target/gbdt_bench/synthetic.csv"
    df = pd.read_csv(path)
    hold = df.pop("holdout").to_numpy() == 1
    y = df.pop("churned").to_numpy()
    x = df.to_numpy(dtype=np.float64)
    xtr, ytr = x[~hold], y[~hold]
    params = dict(objective="binary", num_leaves=31, learning_rate=0.1, max_bin=255, min_data_in_leaf=20,
                  min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, bagging_fraction=1.0, feature_fraction=1.0,
                  num_threads=2, verbose=-1, seed=42, deterministic=True, force_col_wise=False)
    fit, pred = [], []
    for _ in range(REPEATS):
        t = time.perf_counter()
        booster = lgb.train(params, lgb.Dataset(xtr, label=ytr), num_boost_round=100)
        fit.append(time.perf_counter() - t)
    for _ in range(REPEATS):
        t = time.perf_counter()
        p = booster.predict(x)
        pred.append(time.perf_counter() - t)
    fit_s = sorted(fit)[REPEATS // 2]
    rows_s = len(x) / sorted(pred)[REPEATS // 2]
    auc = roc_auc_score(y[hold], p[hold])
    print(f"| LightGBM {lgb.__version__} | {fit_s:.3f} | {rows_s:.0f} | {auc:.4f} |")
    print(f"(LightGBM fit times: {[round(f, 3) for f in fit]}; predict times: {[round(t, 3) for t in pred]})")


if __name__ == "__main__":
    main()
