//! Reading speed and memory of the usage events, beside DuckDB reading the same files in the same
//! run. Not a timed test: it prints rows per second and bytes per event for each reader.
//!
//! ```sh
//! # a ~20 M-event world (155,000 customers, 24 months ≈ 20.4 M events, 1.1 GB of CSV), in /tmp
//! attrition simulate --customers 155000 --out /tmp/evspeed/csv
//! attrition simulate --customers 155000 --format parquet --out /tmp/evspeed/pq
//! cargo run --release --example read_speed -- /tmp/evspeed/csv /tmp/evspeed/pq
//! ATTRITION_PYTHON=target/test-venv/bin/python cargo run --release --example read_speed -- …
//! ```
//!
//! For each tables directory it reads the whole directory with
//! [`attrition::io::tables::read_tables`] (strict), then the same directory with an empty events
//! file (the other tables alone), and reports for the events: wall time (the difference), rows per
//! second of wall time and per CPU-second (user + system time of all threads, from
//! `/proc/self/stat`, so "per core" holds whether or not the reader is parallel), the bytes per
//! event of [`attrition::io::tables::Events`] as held after reading (its vectors' capacities; the
//! interned names are counted too) and the peak resident set size of the read (Linux; reset
//! before each read through `/proc/self/clear_refs`). DuckDB (the `duckdb` Python package, run in a
//! subprocess of `$ATTRITION_PYTHON`, default `/work/venv/bin/python`, else `python3`) then loads
//! the same events file into an in-memory table (`CREATE TABLE … AS SELECT customer_id, timestamp,
//! event_type, user_id FROM read_csv/read_parquet(…)`) with 1 thread and with all threads; its
//! bytes per event are `duckdb_memory()` after the load. The machine's load average is printed
//! before and after: on a shared machine the figures move with it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use attrition::io::tables::{Events, ReadOptions, read_tables};

mod common;
use common::{peak_mb, reset_peak};

/// CPU seconds (user + system, all threads) of this process so far.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold blanks).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / clock_ticks())
}

/// Clock ticks per second of `/proc/self/stat` (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map_or_else(|_| "?".into(), |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
}

/// Heap bytes held by `ev`: its columns' capacities and the interned names.
fn heap_bytes(ev: &Events) -> usize {
    ev.customer.capacity() * 4
        + ev.timestamp.capacity() * 8
        + ev.kind.capacity() * 2
        + ev.user.capacity() * 4
        + ev.kinds.iter().map(|s| s.capacity() + 24).sum::<usize>()
        + ev.users.iter().map(|s| s.capacity() + 24).sum::<usize>()
}

/// The events file of a tables directory (`events.csv`, else `events.parquet`).
fn events_file(dir: &Path) -> PathBuf {
    let csv = dir.join("events.csv");
    if csv.exists() { csv } else { dir.join("events.parquet") }
}

struct Measured {
    rows: usize,
    wall: f64,
    cpu: f64,
    bytes_per_event: f64,
    peak_mb: Option<f64>,
}

/// Reads `dir` with and without its events; the difference is the events' cost.
fn measure(dir: &Path) -> attrition::Result<Measured> {
    // The other tables alone: a copy of the directory whose events file holds only a header.
    let rest = std::env::temp_dir().join(format!("read_speed_rest_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&rest);
    std::fs::create_dir_all(&rest).map_err(|e| attrition::Error::io("create directory", &rest, e))?;
    for entry in std::fs::read_dir(dir).map_err(|e| attrition::Error::io("read directory", dir, e))? {
        let entry = entry.map_err(|e| attrition::Error::io("read directory", dir, e))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("events.") || name.to_string_lossy().starts_with('.') {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), rest.join(&name))
            .map_err(|e| attrition::Error::io("link", rest.join(&name), e))?;
    }
    std::fs::write(rest.join("events.csv"), "customer_id,timestamp,event_type,user_id\n")
        .map_err(|e| attrition::Error::io("write", rest.join("events.csv"), e))?;

    let (c0, t0) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let others = read_tables(&rest, &ReadOptions::strict())?;
    let (c1, t1) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    drop(others);
    let _ = std::fs::remove_dir_all(&rest);

    let reset = reset_peak();
    let (c2, t2) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let all = read_tables(dir, &ReadOptions::strict())?;
    let (c3, t3) = (cpu_seconds().unwrap_or(0.0), Instant::now());
    let ev = &all.tables.events;
    let wall = (t3 - t2).as_secs_f64() - (t1 - t0).as_secs_f64();
    let cpu = (c3 - c2) - (c1 - c0);
    Ok(Measured {
        rows: ev.len(),
        wall,
        cpu,
        bytes_per_event: heap_bytes(ev) as f64 / ev.len().max(1) as f64,
        peak_mb: if reset { peak_mb() } else { None },
    })
}

const DUCKDB: &str = r#"
import sys, time, duckdb
path, threads = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if threads != "all":
    con.execute(f"SET threads = {int(threads)}")
n_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
fn = "read_parquet" if path.endswith(".parquet") else "read_csv"
t = time.perf_counter()
con.execute(f"CREATE TABLE e AS SELECT customer_id, timestamp, event_type, user_id FROM {fn}(?)", [path])
wall = time.perf_counter() - t
rows = con.execute("SELECT count(*) FROM e").fetchone()[0]
mem = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0] or 0
print(rows, wall, mem, n_threads)
"#;

/// DuckDB loading `file` with `threads` ("1" or "all"): (rows, seconds, bytes held, threads).
fn duckdb(python: &str, file: &Path, threads: &str) -> Option<(u64, f64, f64, u64)> {
    let out = match Command::new(python).arg("-c").arg(DUCKDB).arg(file).arg(threads).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("duckdb: cannot run {python}: {e}");
            return None;
        }
    };
    if !out.status.success() {
        eprintln!(
            "duckdb failed (is the `duckdb` module installed for {python}?): {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        );
        return None;
    }
    let s = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = s.lines().last().unwrap_or("").split_whitespace().collect();
    let parsed =
        || Some((f.first()?.parse().ok()?, f.get(1)?.parse().ok()?, f.get(2)?.parse().ok()?, f.get(3)?.parse().ok()?));
    let r = parsed();
    if r.is_none() {
        eprintln!("duckdb: unexpected output `{}`", s.trim());
    }
    r
}

fn python() -> String {
    if let Ok(p) = std::env::var("ATTRITION_PYTHON") {
        return p;
    }
    if Path::new("/work/venv/bin/python").exists() { "/work/venv/bin/python".into() } else { "python3".into() }
}

fn main() -> attrition::Result<()> {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if dirs.is_empty() {
        eprintln!("usage: read_speed TABLES_DIR [TABLES_DIR …] (see the example's doc for how to make them)");
        std::process::exit(2);
    }
    let py = python();
    println!("load average before: {}", load_average());
    println!(
        "{:<34} {:>11} {:>9} {:>9} {:>12} {:>12} {:>9} {:>9}",
        "reader", "rows", "wall s", "cpu s", "rows/s", "rows/cpu-s", "B/event", "peak MB"
    );
    for dir in &dirs {
        let file = events_file(dir);
        let name = file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let m = measure(dir)?;
        println!(
            "{:<34} {:>11} {:>9.2} {:>9.2} {:>12.0} {:>12.0} {:>9.1} {:>9}",
            format!("attrition {name}"),
            m.rows,
            m.wall,
            m.cpu,
            m.rows as f64 / m.wall,
            m.rows as f64 / m.cpu,
            m.bytes_per_event,
            m.peak_mb.map_or_else(|| "?".into(), |p| format!("{p:.0}")),
        );
        for threads in ["1", "all"] {
            match duckdb(&py, &file, threads) {
                Some((rows, wall, mem, n)) => println!(
                    "{:<34} {:>11} {:>9.2} {:>9} {:>12.0} {:>12} {:>9.1} {:>9}",
                    format!("duckdb {name} ({n} thread{})", if n == 1 { "" } else { "s" }),
                    rows,
                    wall,
                    "",
                    rows as f64 / wall,
                    if n == 1 { format!("{:.0}", rows as f64 / wall) } else { String::new() },
                    mem / rows.max(1) as f64,
                    "",
                ),
                None => println!("duckdb {name}: not run (see the message above)"),
            }
        }
    }
    println!("load average after: {}", load_average());
    Ok(())
}
