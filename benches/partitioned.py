"""Partitioned out-of-core benchmark (issue 19 "Benchmarks", issue 16's 1M × 61 `evaluate` memory).

    python3 benches/partitioned.py --customers 1000000 --partitions 16 --work /tmp/bench
    python3 benches/partitioned.py --customers 20000 --partitions 4 --work /tmp/bench-small   # a quick check

Steps, each a separate command timed under `/usr/bin/time -v` (wall seconds, CPU seconds = user +
system, peak RSS = "Maximum resident set size"; every step is one process, so that is its peak):

1. `simulate` the world (24 months from 2024-01-01, seed 7, Parquet tables: a 1M world's CSV
   events alone are ~7 GB) and `partition` it by customer.
2. `features` for 12 monthly as-of dates (2024-10-01 … 2025-09-01, 7-day lead, 90-day horizon)
   over the partitioned directory and over the unpartitioned tables; the two outputs must be the
   same bytes (SHA-256 compared; the files are deleted once hashed and sampled).
3. DuckDB (the `duckdb` Python package, 2 threads, 4 GB memory limit) computing per-customer
   window aggregations for the same 12 as-of dates from the same partition Parquet files, in the
   same run: usage events per week over 7/28/90 days (÷ min(window, tenure)), per usage type over
   28 days, distinct active users over 90 days and days since the last usage event, for every
   customer signed up before the as-of date (a superset of our rows: we keep only customers with
   an active subscription, and compute ~60 features, not these ~18). Written to Parquet.
4. A seeded customer-level sample of the observations (every observation of the customers whose
   CRC-32 of `customer_id` falls under the rate): `--train-rows` for `train` (default model,
   `--cv-folds 0`) and `--eval-rows` for `evaluate` (default model, 5 folds: issue 16's memory
   bound of 3 GB for ~1M × 61).
5. A snapshot (2026-01-01, exactly the model's features: `features --snapshot --model`) over
   both inputs (same bytes?) and `score` of it.
6. `kpi` and `retention` over both inputs (same bytes?).

Results go to `--work/results.jsonl` as they are measured (a step already recorded there is not
run again, so an interrupted run resumes; delete the file to measure again) and are printed as a
table at the end, with a projection to 10M customers / 1B events from the partitioned features'
measured throughput. This is a benchmark: figures depend on the machine and its load (printed
with them); nothing is asserted except the identity of the outputs, which is reported.

`--skip STEP` (repeatable) leaves a step out (e.g. `evaluate`, `duckdb`, `features-tables`).
The CLI is `target/release/attrition` (build it first). Delete `--work` afterwards.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import zlib

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "attrition"
VENV_PYTHON = pathlib.Path("/work/venv/bin/python")
AS_OF_FROM, AS_OF_TO = "2024-10-01", "2025-09-01"
SNAPSHOT = "2026-01-01"
SIGNALS = ("limit_hit", "champion_left")

DUCKDB_SCRIPT = r"""
import sys, time, duckdb
parts, out, first, last, signals = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5].split(",")
con = duckdb.connect()
con.execute("SET threads = 2")
con.execute("SET memory_limit = '4GB'")
con.execute("SET preserve_insertion_order = false")
con.execute("SET TimeZone = 'UTC'")
con.execute(f"SET temp_directory = '{out}.spill'")  # not the working directory (a git worktree)
ev = f"read_parquet('{parts}/part-*/events.parquet')"
cu = f"read_parquet('{parts}/part-*/customers.parquet')"
types = [r[0] for r in con.execute(f"SELECT DISTINCT event_type FROM {ev} ORDER BY 1").fetchall()
         if r[0] not in signals]
sig = ", ".join("'" + s + "'" for s in signals)
per_type = ",\n  ".join(
    f"sum(n) FILTER (WHERE w.day >= c.as_of - 28 AND w.event_type = '{t}') * 7.0 / least(28, c.as_of - c.signup_date) AS events_per_week_28d_{t}"
    for t in types)
sql = f'''
COPY (
WITH dates AS (SELECT CAST(unnest(generate_series(DATE '{first}', DATE '{last}', INTERVAL 1 MONTH)) AS DATE) AS as_of),
daily AS (  -- usage events per customer, day and type
  SELECT customer_id, CAST(CAST(timestamp AS TIMESTAMPTZ) AS DATE) AS day, event_type, count(*) AS n
  FROM {ev} WHERE event_type NOT IN ({sig}) GROUP BY ALL),
days AS (SELECT DISTINCT customer_id, day FROM daily),
cust AS (SELECT c.customer_id, CAST(c.signup_date AS DATE) AS signup_date, d.as_of
         FROM {cu} c JOIN dates d ON CAST(c.signup_date AS DATE) < d.as_of),
windows AS (
  SELECT c.customer_id, c.as_of,
    coalesce(sum(n) FILTER (WHERE w.day >= c.as_of - 7), 0) * 7.0 / least(7, c.as_of - c.signup_date) AS events_per_week_7d,
    coalesce(sum(n) FILTER (WHERE w.day >= c.as_of - 28), 0) * 7.0 / least(28, c.as_of - c.signup_date) AS events_per_week_28d,
    coalesce(sum(n), 0) * 7.0 / least(90, c.as_of - c.signup_date) AS events_per_week_90d,
  {per_type}
  FROM cust c
  LEFT JOIN daily w ON w.customer_id = c.customer_id AND w.day < c.as_of AND w.day >= c.as_of - 90
  GROUP BY c.customer_id, c.as_of, c.signup_date),
users AS (
  SELECT c.customer_id, c.as_of, count(DISTINCT e.user_id) AS active_users_90d
  FROM cust c JOIN {ev} e ON e.customer_id = c.customer_id
   AND CAST(e.timestamp AS TIMESTAMPTZ) < c.as_of AND CAST(e.timestamp AS TIMESTAMPTZ) >= c.as_of - 90
  WHERE e.event_type NOT IN ({sig}) GROUP BY ALL),
last_day AS (
  SELECT c.customer_id, c.as_of, c.as_of - k.day AS days_since_last_event
  FROM cust c ASOF JOIN days k ON c.customer_id = k.customer_id AND c.as_of > k.day)
SELECT w.*, coalesce(u.active_users_90d, 0) AS active_users_90d, l.days_since_last_event
FROM windows w
LEFT JOIN users u USING (customer_id, as_of)
LEFT JOIN last_day l USING (customer_id, as_of)
) TO '{out}' (FORMAT parquet)
'''
con.execute(sql)
rows = con.execute(f"SELECT count(*), count(*) FILTER (WHERE days_since_last_event IS NULL) FROM read_parquet('{out}')").fetchone()
print(f"{rows[0]} rows, {len(types)} usage types, {rows[1]} without usage yet")
"""


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in pathlib.Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def proc_peak(pid: int, hwm_kb: int, cpu_ticks: int) -> tuple[int, int]:
    """The process's VmHWM (kB) and user + system CPU ticks, or the previous values once it is gone."""
    try:
        status = pathlib.Path(f"/proc/{pid}/status").read_text()
        stat = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        m = re.search(r"VmHWM:\s+(\d+)", status)
        return max(hwm_kb, int(m.group(1)) if m else 0), max(cpu_ticks, int(stat[11]) + int(stat[12]))
    except (OSError, IndexError, ValueError):
        return hwm_kb, cpu_ticks


class Bench:
    def __init__(self, work: pathlib.Path, skip: set[str]):
        self.work = work
        self.log = work / "results.jsonl"
        self.skip = skip
        self.done: dict[str, dict] = {}
        self.reload()

    def reload(self) -> None:
        if self.log.exists():
            for line in self.log.read_text().splitlines():
                r = json.loads(line)
                self.done[r["step"]] = r

    def run(self, step: str, argv: list[str], note: str = "", timeout: float | None = None) -> dict | None:
        """Runs `argv` under /usr/bin/time -v once (recorded in results.jsonl) and returns its row.

        With `timeout` (seconds), a command still running then is stopped and recorded as timed
        out, with the peak RSS (VmHWM) and CPU seconds its process had reached, read from /proc."""
        self.reload()  # another run of this script may have measured it meanwhile
        if step in self.done:
            return self.done[step]
        if any(step.startswith(s) for s in self.skip):
            return None
        print(f"[{time.strftime('%H:%M:%S')}] {step}: {' '.join(map(str, argv))}", file=sys.stderr, flush=True)
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-v", *map(str, argv)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out_chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: out_chunks.append(p.stdout.read()))
        err_chunks: list[bytes] = []
        err_reader = threading.Thread(target=lambda: err_chunks.append(p.stderr.read()))
        reader.start()
        err_reader.start()
        timed_out, hwm_kb, cpu_ticks = False, 0, 0
        while p.poll() is None:
            time.sleep(0.5)
            child = children(p.pid)
            if child:
                hwm_kb, cpu_ticks = proc_peak(child[0], hwm_kb, cpu_ticks)
            if timeout is not None and time.perf_counter() - t0 > timeout and child:
                timed_out = True
                os.kill(child[0], 9)
                p.wait()
        reader.join()
        err_reader.join()
        wall = time.perf_counter() - t0
        stdout, err = b"".join(out_chunks), b"".join(err_chunks).decode(errors="replace")
        if p.returncode != 0 and not timed_out:
            sys.exit(f"{step} failed ({p.returncode}):\n{err[-3000:]}")
        def field(name: str) -> float:
            m = re.search(re.escape(name) + r": ([\d.]+)", err)
            return float(m.group(1)) if m else float("nan")
        cpu = field("User time (seconds)") + field("System time (seconds)")
        rss = field("Maximum resident set size (kbytes)") / 1024
        if timed_out:
            cpu, rss = cpu_ticks / os.sysconf("SC_CLK_TCK"), hwm_kb / 1024
            note = f"{note}; STOPPED after {timeout:.0f} s (peak and CPU so far)"
        row = {
            "step": step, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "peak_rss_mb": round(rss),
            "load_before": round(load, 1), "note": note,
            "stdout": stdout.decode(errors="replace")[-400:].strip(),
            "stdout_sha256": hashlib.sha256(stdout).hexdigest(),
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }
        self.record(row)
        return row

    def record(self, row: dict) -> None:
        self.done[row["step"]] = row
        with open(self.log, "a") as f:
            f.write(json.dumps(row) + "\n")


def digest_and_sample(path: pathlib.Path, samples: dict[pathlib.Path, int], seed: int = 42) -> tuple[str, int, dict]:
    """SHA-256 and data rows of a feature CSV, and for each output a customer-level sample of about
    the asked rows: every row of the customers whose CRC-32 of `seed:customer_id` is under the rate."""
    h = hashlib.sha256()
    rows = 0
    per_customer: dict[bytes, int] = {}
    with open(path, "rb") as f:
        header = f.readline()
        h.update(header)
        for line in f:
            h.update(line)
            rows += 1
            cid = line.split(b",", 1)[0]
            per_customer[cid] = per_customer.get(cid, 0) + 1
    written = {}
    if samples:
        key = lambda cid: zlib.crc32(f"{seed}:".encode() + cid) / 2**32
        order = sorted(per_customer, key=key)
        thresholds = {}
        for out, want in samples.items():
            n, t = 0, 1.0
            for cid in order:  # the smallest hashes until `want` rows
                n += per_customer[cid]
                if n >= want:
                    t = key(cid)
                    break
            thresholds[out] = t
        outs = {o: open(o, "wb") for o in samples}
        counts = dict.fromkeys(samples, 0)
        with open(path, "rb") as f:
            header = f.readline()
            for o in outs.values():
                o.write(header)
            for line in f:
                k = key(line.split(b",", 1)[0])
                for o, t in thresholds.items():
                    if k <= t:
                        outs[o].write(line)
                        counts[o] += 1
        for o in outs.values():
            o.close()
        written = {str(o): counts[o] for o in samples}
    return h.hexdigest(), rows, written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/bench"))
    ap.add_argument("--train-rows", type=int, default=100_000)
    ap.add_argument("--eval-rows", type=int, default=1_000_000)
    ap.add_argument("--skip", action="append", default=[])
    ap.add_argument("--evaluate-timeout", type=float, default=None,
                    help="stop `evaluate` after this many seconds (its peak RSS and CPU so far are recorded)")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    b = Bench(a.work, set(a.skip))
    world = a.work / f"world-{a.customers}"
    parts = a.work / f"parts-{a.customers}-{a.partitions}"
    np = f"{a.partitions} partitions"

    if not world.exists():
        b.run("simulate", [CLI, "simulate", "--customers", a.customers, "--seed", 7, "--format", "parquet", "--out", world])
    if not parts.exists():
        b.run("partition", [CLI, "partition", "--tables", world, "--partitions", a.partitions, "--out", parts], np)

    # 2. features, 12 monthly as-of dates, both inputs; hashed, sampled, deleted.
    feats = ["features", "--from", AS_OF_FROM, "--to", AS_OF_TO, "--every", "1m"]
    train_csv, eval_csv = a.work / "train_obs.csv", a.work / "eval_obs.csv"
    build = a.work / "build.json"
    for step, src, label in [("features-parts", parts, np), ("features-tables", world, "tables directory")]:
        out = a.work / f"{step}.csv"
        if step in b.done and "sha256" in b.done[step]:
            continue
        r = b.run(step, [CLI, *feats, "--tables", src, "--out", out, "--force",
                         *(["--save-build", build] if step == "features-parts" else [])], label)
        if r is None:
            continue
        samples = {train_csv: a.train_rows, eval_csv: a.eval_rows} if step == "features-parts" else {}
        r["sha256"], r["rows"], r["samples"] = digest_and_sample(out, samples)
        r["bytes"] = out.stat().st_size
        out.unlink()
        b.record(r)

    # 3. DuckDB on the same partition files.
    duck_out = a.work / "duckdb_windows.parquet"
    r = b.run("duckdb-windows", [VENV_PYTHON, "-c", DUCKDB_SCRIPT, parts, duck_out, AS_OF_FROM, AS_OF_TO, ",".join(SIGNALS)],
              "DuckDB, 2 threads, 4 GB limit")
    if duck_out.exists():
        duck_out.unlink()

    # 4. train on a customer sample, evaluate ~1M × 61.
    model = a.work / "model.json"
    if train_csv.exists():
        b.run("train", [CLI, "train", "--data", train_csv, "--as-of", "as_of", "--cv-folds", 0,
                        "--feature-build", build, "--out", model, "--force"],
              f"default model, {b.done.get('features-parts', {}).get('samples', {}).get(str(train_csv), '?')} rows")

    # 5. snapshot + score.
    if model.exists():
        for step, src, label in [("snapshot-parts", parts, np), ("snapshot-tables", world, "tables directory")]:
            out = a.work / f"{step}.csv"
            if step in b.done and "sha256" in b.done[step]:
                continue
            r = b.run(step, [CLI, "features", "--tables", src, "--snapshot", SNAPSHOT, "--model", model, "--out", out, "--force"], label)
            if r is None:
                continue
            r["sha256"], r["rows"], _ = digest_and_sample(out, {})
            r["bytes"] = out.stat().st_size
            b.record(r)
        snap = a.work / "snapshot-parts.csv"
        scores = a.work / "scores.csv"
        if snap.exists():
            b.run("score", [CLI, "score", "--model", model, "--data", snap, "--out", scores, "--force", "--quiet"], "snapshot of the partitions")
        for f in (a.work / "snapshot-tables.csv", scores):
            if f.exists() and "score" in b.done:
                f.unlink()

    # 6. kpi and retention, both inputs.
    for name, extra in [("kpi", []), ("retention", ["--by", "sales_approach"])]:
        for src, label in [(parts, np), (world, "tables directory")]:
            tag = "parts" if src == parts else "tables"
            step = f"{name}-{tag}"
            b.run(step, [CLI, name, "--tables", src, *extra], label)

    # last: the 1M × 61 evaluate (issue 16), the longest step.
    if eval_csv.exists():
        n_eval = b.done.get("features-parts", {}).get("samples", {}).get(str(eval_csv), "?")
        b.run("evaluate-logistic", [CLI, "evaluate", "--data", eval_csv, "--as-of", "as_of", "--model", "logistic", "--quiet"],
              f"logistic, 5 folds, {n_eval} rows", timeout=a.evaluate_timeout)
        b.run("evaluate", [CLI, "evaluate", "--data", eval_csv, "--as-of", "as_of", "--quiet"],
              f"default model (auto), 5 folds, {n_eval} rows", timeout=a.evaluate_timeout)

    report(b, a)


def report(b: Bench, a) -> None:
    d = b.done
    sizes = ""
    world = a.work / f"world-{a.customers}"
    if world.exists():
        sizes = f"tables {sum(f.stat().st_size for f in world.iterdir()) / 1e9:.2f} GB Parquet; "
    print(f"{a.customers:,} customers, {a.partitions} partitions; {sizes}{os.cpu_count()} cores, "
          f"load average now {os.getloadavg()[0]:.1f} (a shared, busy machine: wall times are busy-machine figures)")
    print(f"{'step':<18} {'input':<34} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'load':>5}")
    for r in d.values():
        print(f"{r['step']:<18} {r['note'][:34]:<34} {r['wall_s']:>8.1f} {r['cpu_s']:>8.1f} {r['peak_rss_mb']:>12} {r['load_before']:>5}")
    for r in d.values():
        if "STOPPED" in r["note"] or r["note"].startswith(("default", "logistic")):
            print(f"{r['step']}: {r['note']}")
    for x, y in [("features-parts", "features-tables"), ("snapshot-parts", "snapshot-tables")]:
        if x in d and y in d and "sha256" in d[x] and "sha256" in d[y]:
            same = "same bytes" if d[x]["sha256"] == d[y]["sha256"] else "DIFFERENT OUTPUT"
            print(f"{x} vs {y}: {same} ({d[x]['rows']:,} rows, {d[x]['bytes'] / 1e9:.2f} GB)")
    for name in ("kpi", "retention"):
        x, y = d.get(f"{name}-parts"), d.get(f"{name}-tables")
        if x and y:
            print(f"{name}: {'same bytes' if x['stdout_sha256'] == y['stdout_sha256'] else 'DIFFERENT OUTPUT'}")
    f = d.get("features-parts")
    if f and "rows" in f:
        per_part = f["cpu_s"] / a.partitions
        scale = 10_000_000 / a.customers
        print(f"projection: features over {a.partitions} partitions took {f['cpu_s']:.0f} CPU s "
              f"({per_part:.1f} CPU s per partition of ~{a.customers // a.partitions:,} customers); "
              f"10M customers (~1B events) in {round(a.partitions * scale)} partitions of the same size: "
              f"~{f['cpu_s'] * scale / 3600:.1f} CPU hours ({f['cpu_s'] * scale / 2 / 3600:.1f} h on 2 idle cores), "
              f"{f['bytes'] * scale / 1e9:.0f} GB of feature CSV; per-worker memory that of one partition")


if __name__ == "__main__":
    main()
