//! Every numeric flag of every subcommand at its extremes (issue 14, "Parameters"): `0`, `-1`, a
//! huge number, `i64::MAX`, `u64::MAX`, `NaN`, `±inf` and `1e308`. The command must end with an
//! error or a result, never a panic (exit status 101) and never "panicked" on standard error.
//!
//! The subcommands and their flags come from the command's own `--help` (clap's command tree), so
//! a new subcommand or flag is covered without editing this file. A flag is numeric when clap
//! refuses `abc` for it as "not a number"; each must have its range in its help text and refuse
//! `NaN` when the command line is parsed (exit status 2). Each run has a working directory of its
//! own (outputs land there) and valid tiny inputs for the other flags, so values that are
//! accepted run the command for real.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use attrition::models::Learner;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::simulate::{SimulationParams, simulate};
use attrition::{Column, Dataset};

const EXTREMES: [&str; 9] =
    ["0", "-1", "99999999", "9223372036854775807", "18446744073709551615", "NaN", "inf", "-inf", "1e308"];

/// Longest a single run may take before the test calls it hung.
const RUN_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_attrition"))
}

/// Runs `args` in `cwd`, killing the process after [`RUN_LIMIT`].
fn run_in(cwd: &Path, args: &[String]) -> Output {
    let mut child = bin()
        .args(args)
        .current_dir(cwd)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes on threads, so a chatty command cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > RUN_LIMIT {
            child.kill().ok();
            panic!("`attrition {}` ran for more than {RUN_LIMIT:?}", args.join(" "));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    Output { status, stdout: t_out.join().unwrap(), stderr: t_err.join().unwrap() }
}

/// The subcommands (space-separated paths such as `model check`) listed under `Commands:`.
fn subcommands(prefix: &[String]) -> Vec<Vec<String>> {
    let mut args = prefix.to_vec();
    args.push("--help".into());
    let help = String::from_utf8(bin().args(&args).output().unwrap().stdout).unwrap();
    let mut out = Vec::new();
    let mut in_commands = false;
    for line in help.lines() {
        if line.starts_with("Commands:") {
            in_commands = true;
            continue;
        }
        if in_commands {
            let Some(name) = line.strip_prefix("  ").and_then(|l| l.split_whitespace().next()) else { break };
            if name == "help" {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(name.to_string());
            let nested = subcommands(&path);
            if nested.is_empty() { out.push(path) } else { out.extend(nested) }
        }
    }
    out
}

/// The flags of a subcommand that take a value, with their help text.
fn value_flags(command: &[String]) -> Vec<(String, String)> {
    let mut args = command.to_vec();
    args.push("--help".into());
    let help = String::from_utf8(bin().args(&args).output().unwrap().stdout).unwrap();
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut current: Option<usize> = None;
    for line in help.lines() {
        let t = line.trim_start();
        if t.starts_with("--") || (t.starts_with('-') && t.chars().nth(1).is_some_and(|c| c.is_ascii_alphabetic())) {
            current = None;
            let Some(long) = t.split_whitespace().find(|w| w.starts_with("--")) else { continue };
            let name = long.trim_end_matches(',').to_string();
            let rest = t.split_once(&name).map(|(_, r)| r).unwrap_or("");
            if rest.trim_start().starts_with('<') && name != "--help" {
                flags.push((name, rest.to_string()));
                current = Some(flags.len() - 1);
            }
        } else if let Some(i) = current {
            flags[i].1.push(' ');
            flags[i].1.push_str(t);
        }
    }
    flags
}

/// Tiny valid inputs for every subcommand.
struct Fixtures {
    _dir: tempfile::TempDir,
    tables: PathBuf,
    flat: PathBuf,
    model: PathBuf,
    /// A boosted-trees model (what `export-xgboost` takes).
    gbdt: PathBuf,
    km: PathBuf,
    study: PathBuf,
}

fn fixtures() -> Fixtures {
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("world");
    // Enough customers for both arms of the uplift experiment.
    simulate(&SimulationParams::new(400, 24, 3)).unwrap().tables.write_dir(&tables).unwrap();
    let n = 120;
    let flat = dir.path().join("flat.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&flat).unwrap());
    writeln!(w, "customer_id,usage,plan,mrr,churned").unwrap();
    for i in 0..n {
        let churned = u8::from((i * 37) % 50 < 12 || i % 7 == 0);
        writeln!(w, "c{i},{},{},{},{churned}", (i * 37) % 50, ["basic", "pro", "team"][i % 3], 20 + i % 80).unwrap();
    }
    w.flush().unwrap();
    let ds = Dataset::new(vec![
        Column::numeric("usage", (0..n).map(|i| ((i * 37) % 50) as f64).collect()),
        Column::categorical("plan", &(0..n).map(|i| Some(["basic", "pro", "team"][i % 3])).collect::<Vec<_>>()),
        Column::numeric("mrr", (0..n).map(|i| (20 + i % 80) as f64).collect()),
    ])
    .unwrap()
    .with_churned((0..n).map(|i| (i * 37) % 50 < 12 || i % 7 == 0).collect())
    .unwrap();
    let model = dir.path().join("model.json");
    ModelParams::new(ModelKind::Logistic).seed(1).fit(&ds).unwrap().save(&model).unwrap();
    let gbdt = dir.path().join("gbdt.json");
    ModelParams::new(ModelKind::Gbdt).seed(1).fit(&ds).unwrap().save(&gbdt).unwrap();
    let km = dir.path().join("km.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&km).unwrap());
    writeln!(w, "days,left,group,entry").unwrap();
    for i in 0..60 {
        writeln!(w, "{},{},{},{}", 10 + (i * 13) % 300, i % 3 == 0, ["a", "b"][i % 2], i % 5).unwrap();
    }
    w.flush().unwrap();
    let study = dir.path().join("study.toml");
    std::fs::write(&study, "[models]\ncandidates = [\"logistic\"]\nfolds = 2\n").unwrap();
    Fixtures { _dir: dir, tables, flat, model, gbdt, km, study }
}

/// Valid arguments of each subcommand (outputs relative to the run's own directory). A new
/// subcommand fails the test until it is added here.
fn base_args(command: &str, f: &Fixtures) -> Option<Vec<String>> {
    let (t, d, m, k) = (s(&f.tables), s(&f.flat), s(&f.model), s(&f.km));
    let v: Vec<&str> = match command {
        "demo" => vec!["--tables", t, "--out", "rep", "--quiet"],
        "study" => vec!["--config", s(&f.study), "--tables", t, "--out", "rep", "--quiet"],
        "inspect" => vec!["--tables", t],
        "catalogue" => vec!["--tables", t, "--out", "cat.json", "--quiet"],
        "features" => vec!["--tables", t, "--from", "2024-06-01", "--to", "2024-09-01", "--out", "f.csv", "--quiet"],
        "simulate" => vec!["--customers", "60", "--months", "24", "--out", "sim", "--quiet"],
        "evaluate" => vec!["--data", d, "--folds", "2", "--model", "logistic", "--quiet"],
        "train" => vec!["--data", d, "--model", "logistic", "--out", "m.json", "--quiet"],
        "score" => vec!["--model", m, "--data", d, "--out", "s.csv", "--quiet"],
        "target" => vec!["--model", m, "--data", d, "--offer-cost", "5", "--out", "t.csv"],
        "uplift" => vec!["--tables", t, "--folds", "2", "--repeats", "1", "--model", "logistic"],
        "retention" => vec!["--tables", t],
        "kpi" => vec!["--tables", t, "--out", "k.csv"],
        "km" => vec!["--data", k, "--duration", "days", "--event", "left", "--by", "group"],
        "report" => vec!["--model", m, "--data", d, "--out", "rep"],
        "model check" => vec!["--model", m],
        "export-sql" => vec!["--model", m, "--dialect", "duckdb", "--out", "q.sql"],
        "export-xgboost" => vec!["--model", s(&f.gbdt), "--out", "x.json"],
        "partition" => vec!["--tables", t, "--partitions", "2", "--out", "parts"],
        // Rewrites its input: a copy in the run's own directory.
        "model rehash" => vec!["--model", "model.json"],
        _ => return None,
    };
    Some(v.into_iter().map(String::from).collect())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `base` with `flag` set to `value` (replacing the base's value of that flag, if any).
fn with_flag(command: &[String], base: &[String], flag: &str, value: &str) -> Vec<String> {
    let mut args = command.to_vec();
    let mut i = 0;
    while i < base.len() {
        if base[i] == flag {
            i += 2;
            continue;
        }
        args.push(base[i].clone());
        i += 1;
    }
    args.push(format!("{flag}={value}"));
    args
}

fn prepare(cwd: &Path, command: &str, f: &Fixtures) {
    if command == "model rehash" {
        std::fs::copy(&f.model, cwd.join("model.json")).unwrap();
    }
}

fn panicked(o: &Output) -> bool {
    o.status.code() == Some(101) || String::from_utf8_lossy(&o.stderr).contains("panicked")
}

#[test]
fn every_numeric_flag_at_its_extremes_ends_without_a_panic() {
    let f = fixtures();
    let commands = subcommands(&[]);
    assert!(commands.len() >= 15, "subcommands found in --help: {commands:?}");
    let work = tempfile::tempdir().unwrap();
    let next_dir = AtomicUsize::new(0);
    let fresh_dir = || {
        let d = work.path().join(next_dir.fetch_add(1, Ordering::Relaxed).to_string());
        std::fs::create_dir(&d).unwrap();
        d
    };

    // Every subcommand's base arguments work: the probes below reach the command's real work.
    let mut jobs: Vec<(String, Vec<String>)> = Vec::new();
    let mut numeric: Vec<String> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for command in &commands {
        let name = command.join(" ");
        let Some(base) = base_args(&name, &f) else {
            problems.push(format!("`{name}`: no base arguments in tests/cli_parameters.rs"));
            continue;
        };
        let cwd = fresh_dir();
        prepare(&cwd, &name, &f);
        let args: Vec<String> = command.iter().cloned().chain(base.iter().cloned()).collect();
        let o = run_in(&cwd, &args);
        if !o.status.success() {
            problems.push(format!(
                "`attrition {}` (base arguments) failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        for (flag, help) in value_flags(command) {
            let probe = with_flag(command, &base, &flag, "abc");
            let o = run_in(&fresh_dir(), &probe);
            let err = String::from_utf8_lossy(&o.stderr);
            let is_numeric = o.status.code() == Some(2)
                && ["invalid digit", "invalid float literal", "is not a number"].iter().any(|m| err.contains(m));
            if !is_numeric {
                continue;
            }
            numeric.push(format!("{name} {flag}"));
            let lower = help.to_lowercase();
            if !["–", " in [", " in (", "at most"].iter().any(|m| lower.contains(m)) {
                problems.push(format!("`{name} {flag}`: no range in its help: `{}`", help.trim()));
            }
            for v in EXTREMES {
                jobs.push((name.clone(), with_flag(command, &base, &flag, v)));
            }
        }
    }
    assert!(numeric.len() >= 25, "numeric flags found: {numeric:?}");

    let results: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..2 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some((name, args)) = jobs.get(i) else { break };
                    let cwd = fresh_dir();
                    prepare(&cwd, name, &f);
                    let o = run_in(&cwd, args);
                    let value = args.last().unwrap();
                    let mut bad = Vec::new();
                    if panicked(&o) {
                        bad.push(format!(
                            "`attrition {}` panicked: {}",
                            args.join(" "),
                            String::from_utf8_lossy(&o.stderr)
                        ));
                    }
                    // NaN is outside every documented range: refused when the line is parsed.
                    if value.ends_with("=NaN") && o.status.code() != Some(2) {
                        bad.push(format!("`attrition {}` did not refuse NaN at parse time", args.join(" ")));
                    }
                    results.lock().unwrap().extend(bad);
                }
            });
        }
    });
    problems.extend(results.into_inner().unwrap());
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

// The library side of the same extremes (issue 14 item 5): each of these panicked on chrono's
// date arithmetic or ran away before the range checks.

fn world() -> attrition::io::tables::Tables {
    simulate(&SimulationParams::new(150, 24, 3)).unwrap().tables
}

#[test]
fn retention_horizons_beyond_the_calendar_are_refused_not_panics() {
    use attrition::survival::{LifetimeOptions, RetentionOptions, lifetimes, retention_by_group};
    let t = world();
    let end = attrition::features::infer_data_end(&t).unwrap();
    let life = lifetimes(&t, &LifetimeOptions::new(end)).unwrap();
    for days in [99_999_999, i64::MAX, 0, -1, i64::MIN] {
        let r =
            retention_by_group(&t, &life, "all", |_| Some("all".into()), &RetentionOptions::new().horizon_days(days));
        assert!(matches!(r, Err(attrition::Error::InvalidParameter { name: "horizon_days", .. })), "{days}: {r:?}");
    }
    // The longest horizon allowed works, with nobody observed that long.
    let r = retention_by_group(&t, &life, "all", |_| Some("all".into()), &RetentionOptions::new().horizon_days(36_500))
        .unwrap();
    assert_eq!(r.groups[0].observed.eligible, 0);
}

#[test]
fn experiment_horizons_beyond_the_calendar_are_refused_not_panics() {
    use attrition::experiment::experiment_data;
    use attrition::features::FeatureCatalogue;
    let t = world();
    let catalogue = FeatureCatalogue::standard().resolve(&t).unwrap();
    for days in [99_999_999, i64::MAX, 0, -1] {
        let r = experiment_data(&t, &catalogue, days);
        assert!(matches!(r, Err(attrition::Error::InvalidParameter { name: "horizon_days", .. })), "{days}");
    }
    assert!(experiment_data(&t, &catalogue, 180).is_ok());
}

#[test]
fn backtest_gaps_and_cadences_beyond_the_calendar_are_refused_not_panics() {
    use attrition::features::Cadence;
    use attrition::validation::time_backtest;
    let d = |m| chrono::NaiveDate::from_ymd_opt(2024, m, 1).unwrap();
    let as_of = [d(1), d(2), d(3), d(4)];
    assert!(matches!(time_backtest(&as_of, 2, i64::MAX), Err(attrition::Error::InvalidParameter { .. })));
    assert!(time_backtest(&as_of, 2, 0).is_ok());
    for c in [Cadence::Days(u32::MAX), Cadence::Weeks(u32::MAX), Cadence::Months(u32::MAX)] {
        assert_eq!(c.nth(d(1), u32::MAX), None, "{c}");
    }
}

#[test]
fn a_huge_number_of_reasons_is_refused_before_writing() {
    use attrition::scoring::{MAX_REASONS, ScoreOptions, score_csv};
    let f = fixtures();
    let model = attrition::models::trained::TrainedModel::load(&f.model).unwrap();
    let out = f._dir.path().join("scores.csv");
    let options = ScoreOptions { reasons: usize::MAX, ..ScoreOptions::default() };
    let r = score_csv(&model, &f.flat, &out, &options, |_| {});
    assert!(matches!(r, Err(attrition::Error::InvalidParameter { name: "reasons", .. })), "{r:?}");
    assert!(!out.exists());
    let options = ScoreOptions { reasons: MAX_REASONS, ..ScoreOptions::default() };
    score_csv(&model, &f.flat, &out, &options, |_| {}).unwrap();
}
