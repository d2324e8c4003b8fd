"""Partitioned KPIs and retention (issue 19 item 1): wall time and peak memory of `attrition kpi`
and `attrition retention` on a simulated world's tables directory beside the same commands on its
`attrition partition` output, with a check that both print the same bytes.

    python3 benches/partitioned.py --customers 1000000 --partitions 16 [--work /tmp/partkpi]

The CLI is `target/release/attrition` (build it first). The world (24 months, seed 7, CSV) is
simulated into `--work` and reused when present; delete `--work` afterwards (a 1M-customer world
takes several GB). Peak memory is `/usr/bin/time -v`'s "Maximum resident set size" of the
command. This is a benchmark: figures depend on the machine and its load; nothing is asserted
except that the outputs are identical.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
CLI = ROOT / "target" / "release" / "attrition"


def timed(args: list[str], out: pathlib.Path | None = None) -> tuple[float, float, bytes]:
    """Runs the CLI under /usr/bin/time -v: (wall seconds, peak RSS in MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", str(CLI), *args], capture_output=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"attrition {' '.join(args)} failed:\n{p.stderr.decode()[-2000:]}")
    m = re.search(rb"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else float("nan")
    return wall, rss, p.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--work", type=pathlib.Path, default=pathlib.Path("/tmp/partkpi"))
    a = ap.parse_args()
    world = a.work / f"world-{a.customers}"
    parts = a.work / f"parts-{a.customers}-{a.partitions}"
    rows = []
    if not world.exists():
        w, r, _ = timed(["simulate", "--customers", str(a.customers), "--seed", "7", "--out", str(world)])
        rows.append(("simulate", "", w, r))
    if not parts.exists():
        w, r, _ = timed(["partition", "--tables", str(world), "--partitions", str(a.partitions), "--out", str(parts)])
        rows.append(("partition", f"{a.partitions} partitions", w, r))
    size = sum(f.stat().st_size for f in world.iterdir())
    events = sum(1 for _ in open(world / "events.csv", "rb")) - 1
    for name, extra in [("kpi", []), ("kpi", ["--json"]), ("retention", []), ("retention", ["--by", "sales_approach"])]:
        w1, r1, o1 = timed([name, "--tables", str(world), *extra])
        w2, r2, o2 = timed([name, "--tables", str(parts), *extra])
        same = "same bytes" if o1 == o2 else "DIFFERENT OUTPUT"
        label = " ".join([name, *extra])
        rows.append((label, "tables directory", w1, r1))
        rows.append((label, f"{a.partitions} partitions ({same})", w2, r2))
    print(f"{a.customers:,} customers, {events:,} events, tables {size / 1e9:.2f} GB; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (a shared, busy machine)")
    print(f"{'command':<32} {'input':<36} {'wall s':>8} {'peak RSS MB':>12}")
    for label, inp, w, r in rows:
        print(f"{label:<32} {inp:<36} {w:>8.1f} {r:>12.0f}")


if __name__ == "__main__":
    main()
