#!/usr/bin/env python3
"""Dump the peers' out-of-fold predictions on Telco, and empulse's EMPC on them.

A variant of /work/shared/peers/peer_models.py (same loading, models, folds and metrics) that
also writes the out-of-fold P(churn) of one model as `y_true,p_churn` in row order (repr floats):

    /tmp/peers/bin/python tests/reference/telco_oof.py --model sklearn_logistic \
        --out tests/reference/data/telco_oof_sklearn_logistic.csv

tests/profit_emp_reference.rs reads that file and checks our EMPC (and the sklearn metrics the
peer script prints) against the values printed here.
"""
import argparse
import json
import os
import sys

import numpy as np
from sklearn.model_selection import StratifiedKFold

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "shared", "peers"))
import peer_models  # noqa: E402
from empulse.metrics import empc_score, mpc_score  # noqa: E402
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "..", "shared", "datasets", "telco", "telco.csv"))
    ap.add_argument("--model", default="sklearn_logistic")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    ns = argparse.Namespace(data=args.data, target="Churn", positive="Yes", drop="customerID")
    df, y, cat, num = peer_models.load(ns)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=args.seed).split(df, y))
    model = peer_models.models(cat, num, args.seed)[args.model]
    oof = np.zeros(len(y))
    for tr, te in folds:
        model.fit(df.iloc[tr], y[tr])
        oof[te] = model.predict_proba(df.iloc[te])[:, 1]
    with open(args.out, "w") as fh:
        fh.write("y_true,p_churn\n")
        for t, p in zip(y, oof):
            fh.write(f"{int(t)},{float(p)!r}\n")
    print(json.dumps({
        "model": args.model,
        "rows": int(len(y)),
        "roc_auc": float(roc_auc_score(y, oof)),
        "pr_auc": float(average_precision_score(y, oof)),
        "log_loss": float(log_loss(y, np.clip(oof, 1e-15, 1 - 1e-15))),
        "brier": float(brier_score_loss(y, oof)),
        "top_decile_lift": peer_models.top_decile_lift(y, oof),
        "empc": float(empc_score(y, oof)),
        "empc_rate": float(empc_score.optimal_rate(y, oof)),
        "mpc": float(mpc_score(y, oof)),
        "mpc_rate": float(mpc_score.optimal_rate(y, oof)),
    }))


if __name__ == "__main__":
    main()
