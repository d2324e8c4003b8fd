//! Issue 14: argument vectors for the built `attrition` binary, generated from a seed over every
//! subcommand and every flag its `--help` lists, with values drawn from a nasty set (zero,
//! negatives, `i64::MAX`/`u64::MAX`, `NaN`, `inf`, impossible dates, empty strings, huge strings,
//! odd paths). Every run must end (a bounded time), without a panic: exit status ≠ 101 and no
//! "panicked" in standard error.
//!
//! `cli_argument_vectors_never_panic` runs 80 cases on every `cargo test`; more with
//! `ATTRITION_FUZZ_CASES=2000 cargo test --release --test cli_fuzz` (`ATTRITION_FUZZ_SEED`
//! changes the seed). The clock is read only as a hang guard: a run over 30 s is killed and
//! counted as slow, never failed on time.
//! Every run happens in a fresh temporary directory holding a copy of the bundled sample tables
//! (`sample/`) and a small flat file (`flat.csv`), so no output can land in the checkout.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const BIN: &str = env!("CARGO_BIN_EXE_attrition");
/// Longest one run may take before it is stopped and counted as slow (a run doing real work on a
/// large valid value, e.g. `simulate --customers 9999999`, is not an error; a panic is).
const RUN_LIMIT: Duration = Duration::from_secs(30);

/// Values that break naive parsers.
fn nasty_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        " ",
        "0",
        "-0",
        "1",
        "-1",
        "2",
        "0.5",
        "1.5",
        "-0.5",
        "1e308",
        "-1e308",
        "1e-320",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "infinity",
        "99999999",
        "4294967296",
        "65536",
        "9223372036854775807",
        "-9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "0x10",
        "1,5",
        "true",
        "yes",
        "none",
        "auto",
        "logistic",
        "gbdt",
        "tree",
        "ensemble",
        "month",
        "1m",
        "7d",
        "0d",
        "-1m",
        "2024-01-01",
        "2024-02-30",
        "0000-01-01",
        "9999-12-31",
        "1969-12-31",
        "2200-01-02",
        "2024-13-01",
        "--",
        "-",
        "--help",
        ".",
        "..",
        "/",
        "/dev/null",
        "/nonexistent/x.csv",
        "sample",
        "sample/customers.csv",
        "flat.csv",
        "out.csv",
        "out_dir",
        "a,b",
        "x\ny",
        "\u{1F4A5}",
        "é",
        "\t",
        ";",
        "|",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("9".repeat(400));
    v.push("x".repeat(5000));
    v
}

/// Subcommands and their flags, as `--help` lists them (subcommands of subcommands included).
fn commands() -> Vec<(Vec<String>, Vec<String>)> {
    fn help(path: &[String]) -> String {
        let out = Command::new(BIN).args(path).arg("--help").output().unwrap();
        assert!(out.status.success(), "{path:?} --help: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }
    fn subcommands(text: &str) -> Vec<String> {
        let Some(start) = text.find("Commands:") else { return Vec::new() };
        text[start..]
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|c| *c != "help")
            .map(str::to_string)
            .collect()
    }
    fn flags(text: &str) -> Vec<String> {
        let mut f: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '`')
            .filter(|w| {
                w.starts_with("--") && w.len() > 2 && w[2..].chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            .map(str::to_string)
            .collect();
        f.sort();
        f.dedup();
        f
    }
    let mut out = Vec::new();
    let mut todo: Vec<Vec<String>> = subcommands(&help(&[])).into_iter().map(|c| vec![c]).collect();
    while let Some(path) = todo.pop() {
        let text = help(&path);
        let subs = subcommands(&text);
        if subs.is_empty() {
            out.push((path, flags(&text)));
        } else {
            todo.extend(subs.into_iter().map(|s| [path.clone(), vec![s]].concat()));
        }
    }
    out.sort();
    out
}

/// The sandbox a run happens in.
fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample");
    std::fs::create_dir(dir.path().join("sample")).unwrap();
    for f in std::fs::read_dir(&sample).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join("sample").join(f.file_name())).unwrap();
    }
    let mut flat = String::from("customer_id,tenure,plan,treated,churned,clv\n");
    for i in 0..120 {
        flat.push_str(&format!("c{i},{},{},{},{},{}\n", i % 37, ["a", "b", "c"][i % 3], i % 2 == 0, i % 5 < 2, 10 + i));
    }
    std::fs::write(dir.path().join("flat.csv"), flat).unwrap();
    dir
}

/// What a run did that it must not.
enum Finding {
    Panic(String),
    Slow,
}

fn run_one(dir: &Path, argv: &[String]) -> Option<Finding> {
    let (out, err) = (dir.join(".stdout"), dir.join(".stderr"));
    let mut child = Command::new(BIN)
        .args(argv)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if start.elapsed() > RUN_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stderr = String::from_utf8_lossy(&std::fs::read(&err).unwrap_or_default()).into_owned();
    match status {
        None => Some(Finding::Slow),
        Some(s) if s.code() == Some(101) || stderr.contains("panicked") => {
            Some(Finding::Panic(format!("exit {:?}: {}", s.code(), stderr.chars().take(600).collect::<String>())))
        }
        Some(_) => None,
    }
}

/// Runs `cases` generated argument vectors from `seed`; returns the panics and the slow runs.
fn fuzz(seed: u64, cases: usize) -> (Vec<String>, Vec<String>) {
    let commands = commands();
    assert!(commands.len() >= 15, "too few subcommands found: {commands:?}");
    let values = nasty_values();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dir = sandbox();
    let (mut panics, mut slow) = (Vec::new(), Vec::new());
    for _ in 0..cases {
        let (path, flags) = commands.choose(&mut rng).unwrap();
        let mut argv = path.clone();
        for _ in 0..rng.gen_range(0..=6) {
            let Some(flag) = flags.choose(&mut rng) else { break };
            if flag == "--help" || flag == "--version" {
                continue;
            }
            argv.push(flag.clone());
            if rng.gen_bool(0.85) {
                argv.push(values.choose(&mut rng).unwrap().clone());
            }
        }
        match run_one(dir.path(), &argv) {
            Some(Finding::Panic(e)) => panics.push(format!("{argv:?}: {e}")),
            Some(Finding::Slow) => slow.push(format!("{argv:?}")),
            None => {}
        }
    }
    eprintln!(
        "cli fuzz: seed {seed}, {cases} argument vectors, {} panics, {} stopped after {RUN_LIMIT:?}",
        panics.len(),
        slow.len()
    );
    for s in &slow {
        eprintln!("  slow: {s}");
    }
    (panics, slow)
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn cli_argument_vectors_never_panic() {
    let cases = env_or("ATTRITION_FUZZ_CASES", 80) as usize;
    let (panics, _) = fuzz(env_or("ATTRITION_FUZZ_SEED", 17), cases);
    assert!(panics.is_empty(), "{} panics:\n{}", panics.len(), panics.join("\n"));
}
