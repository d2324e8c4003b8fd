"""Scale report (issue 20): features + scoring of today's customers on the simulator through
(a) the CLI, (b) the Python package in one process, (c) PySpark local with 2 executor cores —
side by side in one run, with wall time and peak memory.

    target/py-venv/bin/python benches/scale.py --customers 100000 [--customers 1000000] [--work /tmp/scale]

`target/py-venv` is the environment `.ci/run` builds (the wheel, pyspark, Java 17). The CLI is
`target/release/attrition` (build it first). Worlds are simulated into `--work` (24 months, seed 7)
and reused when present. One gbdt model is trained once on a 5,000-customer world's observations
(as a team would train on a sample) and used by every path: the model file carries its feature
catalogue and build, so each path builds exactly the model's features of the customers active on
2026-01-01.

Peak memory is the largest sum of resident set sizes over the command's whole process tree,
sampled every 100 ms from /proc (the JVM and Spark's Python workers included) — not
`ru_maxrss`, which reports only the largest single process. This is a benchmark: the figures
depend on the machine and its load (printed with them); nothing here is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "attrition"
SNAPSHOT = "2026-01-01"

PYTHON_PATH = """
import sys, attrition
world, model_file, out = sys.argv[1:4]
model = attrition.load_model(model_file)
tables = attrition.read_tables(world)
snap = attrition.snapshot(tables, "{snapshot}", model=model)
scores = attrition.score(model, snap)
import pyarrow.parquet as pq
pq.write_table(scores, out)
print(scores.num_rows)
"""

SPARK_PATH = """
import os, sys, attrition
from attrition import spark as aspark
from pyspark.sql import SparkSession
world, model_file, catalogue_file, out, partitions = sys.argv[1:6]
os.environ["PYSPARK_PYTHON"] = sys.executable
os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
spark = (SparkSession.builder.master("local[2]").appName("attrition-scale")
         .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g")
         .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
tables = {{}}
for name in ["customers", "subscriptions", "events", "nps", "campaign"]:
    path = os.path.join(world, name + ".csv")
    if os.path.exists(path):
        tables[name] = spark.read.csv(path, header=True)
catalogue = open(catalogue_file).read()
model = attrition.load_model(model_file)
snap = aspark.snapshot(tables, catalogue, date="{snapshot}", partitions=int(partitions))
scored = aspark.score(snap, model)
scored.write.mode("overwrite").parquet(out)
print(spark.read.parquet(out).count())
spark.stop()
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            p = int(entry)
            children.setdefault(int(fields[1]), []).append(p)
            rss[p] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def measured(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    """Runs `cmd`; returns wall seconds, peak tree RSS in bytes, and its stdout."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.1)
    out, err = proc.communicate()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err[-3000:]}")
    return wall, peak, out


def agrees(cli_scores: pathlib.Path, other) -> bool:
    """Whether `other` (a pyarrow table) gives every customer the CLI's P(churn) (6 decimals)."""
    import pyarrow.csv as pacsv

    cli = pacsv.read_csv(cli_scores).select(["customer_id", "p_churn"]).sort_by("customer_id")
    other = other.select(["customer_id", "p_churn"]).sort_by("customer_id")
    return cli.column("customer_id").to_pylist() == other.column("customer_id").to_pylist() and [
        f"{p:.6f}" for p in cli.column("p_churn").to_pylist()
    ] == [f"{p:.6f}" for p in other.column("p_churn").to_pylist()]


def run(*cmd: str) -> None:
    subprocess.run([str(c) for c in cmd], check=True, stdout=subprocess.DEVNULL)


def world(work: pathlib.Path, customers: int) -> pathlib.Path:
    dir = work / f"world_{customers}"
    if not dir.exists():
        run(CLI, "simulate", "--customers", str(customers), "--months", "24", "--seed", "7", "--out", dir)
    return dir


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, action="append", help="world size (repeatable); default 100000")
    ap.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/attrition-scale"))
    ap.add_argument("--skip-spark", action="store_true", help="leave out the PySpark path")
    args = ap.parse_args()
    sizes = args.customers or [100_000]
    if not CLI.exists():
        sys.exit(f"{CLI} is missing: cargo build --release")
    args.work.mkdir(parents=True, exist_ok=True)

    # One model, trained once on a sample world's observations.
    train_world = world(args.work, 5000)
    model_file, catalogue = args.work / "model.json", args.work / "catalogue.json"
    if not model_file.exists():
        obs, build = args.work / "obs.csv", args.work / "build.json"
        run(CLI, "features", "--tables", train_world, "--from", "2025-01-31", "--to", "2025-08-31",
            "--save-build", build, "--save-catalogue", catalogue, "--out", obs, "--force")
        run(CLI, "train", "--data", obs, "--as-of", "as_of", "--model", "gbdt", "--cv-folds", "0",
            "--feature-build", build, "--out", model_file, "--quiet", "--force")

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    rows = []
    for n in sizes:
        w = world(args.work, n)
        events = sum(1 for _ in open(w / "events.csv")) - 1
        snap, scores = args.work / f"snap_{n}.csv", args.work / f"scores_{n}.csv"
        t1, m1, _ = measured([str(CLI), "features", "--tables", str(w), "--snapshot", SNAPSHOT, "--model",
                              str(model_file), "--out", str(snap), "--force"])
        t2, m2, _ = measured([str(CLI), "score", "--model", str(model_file), "--data", str(snap), "--out",
                              str(scores), "--force", "--quiet"])
        scored = sum(1 for _ in open(scores)) - 1
        rows.append((n, events, "CLI (features, then score)", t1 + t2, max(m1, m2), scored))

        out = args.work / f"scores_py_{n}.parquet"
        t, m, stdout = measured([sys.executable, "-c", PYTHON_PATH.format(snapshot=SNAPSHOT), str(w),
                                 str(model_file), str(out)])
        import pyarrow.parquet as pq

        rows.append((n, events, "Python, one process", t, m, int(stdout.split()[-1])))
        print(f"{n}: Python scores equal the CLI's: {agrees(scores, pq.read_table(out))}", flush=True)

        if not args.skip_spark:
            out = args.work / f"scores_spark_{n}"
            partitions = max(2, n // 25_000)
            t, m, stdout = measured([sys.executable, "-c", SPARK_PATH.format(snapshot=SNAPSHOT), str(w),
                                     str(model_file), str(catalogue), str(out), str(partitions)])
            rows.append((n, events, f"PySpark local[2], {partitions} partitions", t, m, int(stdout.split()[-1])))
            print(f"{n}: PySpark scores equal the CLI's: {agrees(scores, pq.read_table(out))}", flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} after {n} customers", flush=True)

    print()
    print("| customers | events | path | wall s | peak RSS (tree) | customers scored | customers/s |")
    print("|---|---|---|---|---|---|---|")
    for n, events, path, t, m, scored in rows:
        print(f"| {n:,} | {events:,} | {path} | {t:.1f} | {m / 2**20:,.0f} MiB | {scored:,} | {scored / t:,.0f} |")
    json.dump([dict(zip(["customers", "events", "path", "seconds", "peak_rss", "scored"], r)) for r in rows],
              open(args.work / "scale.json", "w"), indent=1)


if __name__ == "__main__":
    main()
