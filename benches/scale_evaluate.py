#!/usr/bin/env python3
"""Issue 16's scale bar in one run: 5-fold `evaluate` of `gbdt` and `auto` on ~1M × 61 simulator
observations against LightGBM's defaults on the same file, threads pinned equal.

    /work/venv/bin/python benches/peers/datasets.py --out /tmp/auto2 --scale 350000   # ~1M rows
    /work/venv/bin/python benches/scale_evaluate.py /tmp/auto2/sim_obs_350000.csv [--threads 2]

Steps, one after another, each one process under `/usr/bin/time -v` (wall seconds, CPU seconds =
user + system, peak RSS): LightGBM 4.x defaults by `../shared/peers/peer_models.py --only
lightgbm` (stratified 5 folds, seed 42, `OMP_NUM_THREADS`), then `attrition evaluate --model gbdt`
and `--model auto` (5 folds grouped by customer, seed 42, `RAYON_NUM_THREADS`). Prints each
step's figures, out-of-fold ROC-AUC and log-loss, and ours / LightGBM's wall and CPU time (the bar:
≤ 3×; peak memory ≤ 3 GB). The bar asks for an idle machine (LightGBM's OpenMP threads degrade
badly when it is oversubscribed): the load average is printed before and after. A benchmark:
nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "attrition"
PEERS = ROOT.parent / "shared" / "peers" / "peer_models.py"


def timed(argv: list[str], env: dict[str, str]) -> tuple[dict, str]:
    """Runs `argv` under /usr/bin/time -v; its wall and CPU seconds, peak RSS (MB) and stdout."""
    out = subprocess.run(["/usr/bin/time", "-v", *argv], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{argv[0]} failed ({out.returncode}):\n{out.stderr[-3000:]}")

    def field(name: str) -> str:
        m = re.search(rf"{re.escape(name)}: (.+)", out.stderr)
        return m.group(1).strip() if m else "0"

    wall = 0.0
    for part in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return {"wall_s": wall, "cpu_s": cpu, "peak_mb": int(field("Maximum resident set size (kbytes)")) / 1024}, out.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--python", default="/work/venv/bin/python", help="with lightgbm, scikit-learn, pandas")
    ap.add_argument("--models", default="gbdt,auto")
    a = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), RAYON_NUM_THREADS=str(a.threads))
    print(f"{a.data}, {a.threads} threads; load average before: {os.getloadavg()}", flush=True)
    rows = []
    m, out = timed([a.python, str(PEERS), "--data", a.data, "--target", "churned", "--drop", "customer_id,as_of",
                    "--folds", "5", "--seed", "42", "--only", "lightgbm"], env)
    peer = json.loads(out.splitlines()[0])
    rows.append(("LightGBM defaults", m, peer["roc_auc"], peer["log_loss"]))
    print(rows[-1], flush=True)
    for model in a.models.split(","):
        m, out = timed([str(CLI), "evaluate", "--data", a.data, "--target", "churned", "--id", "customer_id",
                        "--as-of", "as_of", "--model", model, "--folds", "5", "--seed", "42", "--json", "--quiet"], env)
        ours = json.loads(out)
        rows.append((f"attrition {model}", m, ours["roc_auc"], ours["log_loss"]))
        print(rows[-1], flush=True)
    print(f"load average after: {os.getloadavg()}")
    lgb = rows[0][1]
    print("| run | wall s | CPU s | peak RSS MB | OOF ROC-AUC | log-loss | wall / LightGBM | CPU / LightGBM |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m, auc, ll in rows:
        print(f"| {name} | {m['wall_s']:.0f} | {m['cpu_s']:.0f} | {m['peak_mb']:.0f} | {auc:.4f} | {ll:.4f} | "
              f"{m['wall_s'] / lgb['wall_s']:.2f} | {m['cpu_s'] / lgb['cpu_s']:.2f} |")


if __name__ == "__main__":
    main()
