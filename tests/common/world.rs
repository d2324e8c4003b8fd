//! The world fixture of the format tests (`tests/parquet.rs`, `tests/segment.rs`): the `attrition`
//! binary, one small simulated world written in any `--format`, its features over one fixed
//! period, and the check that two readings hold the same tables.

use std::path::Path;
use std::process::Command;

use attrition::io::tables::Tables;

/// Runs `attrition ARGS`, asserts success and returns standard output.
pub fn bin(args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap();
    assert!(
        o.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A path as a command-line argument.
pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `attrition simulate` of the fixture world (600 customers, 14 months, seed 11) in `format`
/// into `out`, plus `extra` arguments; returns what it printed.
pub fn simulate_world(format: &str, out: &Path, extra: &[&str]) -> String {
    let mut args = vec!["simulate", "--customers", "600", "--months", "14", "--seed", "11", "--format", format];
    args.extend(extra);
    args.extend(["--out", s(out)]);
    bin(&args)
}

/// `attrition features` of `tables` (through `schema` when given) from 2024-09-01 to 2025-01-01
/// into `out`.
pub fn features(tables: &Path, schema: Option<&Path>, out: &Path) {
    let mut args = vec!["features", "--tables", s(tables)];
    if let Some(sc) = schema {
        args.extend(["--schema", s(sc)]);
    }
    args.extend(["--from", "2024-09-01", "--to", "2025-01-01", "--out", s(out)]);
    bin(&args);
}

/// Asserts that two readings hold the same customers, attributes, subscriptions, events, NPS
/// answers and campaign.
pub fn assert_same_tables(a: &Tables, b: &Tables) {
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.attributes, b.attributes);
    assert_eq!(a.subscriptions, b.subscriptions);
    assert_eq!(a.events, b.events);
    assert_eq!(a.nps, b.nps);
    assert_eq!(a.campaign, b.campaign);
}
