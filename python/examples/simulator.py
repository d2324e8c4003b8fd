"""The churn study on a simulated SaaS world, end to end in Python.

    target/py-venv/bin/python python/examples/simulator.py [CUSTOMERS]

Simulates a world, builds leakage-free point-in-time features, evaluates model families out of
fold (folds grouped by customer), trains the chosen one as `attrition train` would, saves the
model file (the CLI's `score` reads it), and scores today's customers with reasons — handing
the tables to pandas and polars on the way.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import attrition

customers = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
t = time.perf_counter()
world = attrition.simulate(customers, months=24, seed=7)
print(f"simulated {world.n_customers} customers, {world.n_events} events in {time.perf_counter() - t:.1f}s")

obs = attrition.features(world, "2024-06-30", "2025-06-30", every="1m", lead_days=7, horizon_days=90)
print(f"observations: {obs.num_rows} rows × {obs.num_columns} columns")
print(obs.select(["customer_id", "as_of", "tenure_days", "mrr", "churned"]).slice(0, 5).to_pandas())

for family in ["logistic", "gbdt"]:
    e = attrition.evaluate(obs, model=family, folds=5)
    print(f"{family:<9} out-of-fold ROC-AUC {e['roc_auc']:.4f}  PR-AUC {e['pr_auc']:.4f}  "
          f"log-loss {e['log_loss']:.4f}  top-decile lift {e['top_decile_lift']:.2f}")

model = attrition.train(obs, model="auto", cv_folds=5)
out = Path(tempfile.mkdtemp()) / "model.json"
model.save(out)
print(f"trained {model.kind} on {model.training_rows} rows; wrote {out} (attrition score --model {out} reads it)")

today = attrition.snapshot(world, "2025-12-01")
scores = attrition.score(model, today)
columns = ["customer_id", "p_churn", "risk_tier", "reason_1_text"]
try:
    import polars as pl

    top = pl.from_arrow(scores).sort("p_churn", descending=True).head(10).select(columns)
    pl.Config.set_fmt_str_lengths(120)
    pl.Config.set_tbl_width_chars(170)
except ImportError:
    top = scores.to_pandas().sort_values("p_churn", ascending=False).head(10)[columns]
print("riskiest customers today, with the strongest reason in words:")
print(top)
