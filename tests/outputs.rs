//! Outputs never destroy inputs and never appear half-written (issue 14, items 1 and 2), through
//! the command-line tool: an output that is an input is refused before anything is written, with
//! or without `--force`; an existing output is replaced only with `--force`; a killed or failed
//! command leaves nothing under the output's name.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use attrition::models::Learner;
use attrition::models::trained::{ModelKind, ModelParams};
use attrition::simulate::{SimulationParams, simulate};
use attrition::{Column, Dataset};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_attrition"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A flat CSV with a target (`rows` rows) and a logistic model trained on it.
struct Flat {
    dir: tempfile::TempDir,
    data: PathBuf,
    model: PathBuf,
}

fn write_flat_csv(path: &Path, rows: usize, bad_at: Option<usize>) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "customer_id,usage,plan,mrr,churned").unwrap();
    for i in 0..rows {
        let usage = if bad_at == Some(i) { "lots".to_string() } else { ((i * 37) % 50).to_string() };
        let churned = u8::from((i * 37) % 50 < 12 || i % 7 == 0);
        writeln!(w, "c{i},{usage},{},{},{churned}", ["basic", "pro", "team"][i % 3], 20 + i % 80).unwrap();
    }
    w.flush().unwrap();
}

fn flat(rows: usize) -> Flat {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    write_flat_csv(&data, rows, None);
    let n = 600;
    let usage: Vec<f64> = (0..n).map(|i| ((i * 37) % 50) as f64).collect();
    let mrr: Vec<f64> = (0..n).map(|i| (20 + i % 80) as f64).collect();
    let plan: Vec<Option<&str>> = (0..n).map(|i| Some(["basic", "pro", "team"][i % 3])).collect();
    let y: Vec<bool> = (0..n).map(|i| (i * 37) % 50 < 12 || i % 7 == 0).collect();
    let ds = Dataset::new(vec![
        Column::numeric("usage", usage),
        Column::categorical("plan", &plan),
        Column::numeric("mrr", mrr),
    ])
    .unwrap()
    .with_churned(y)
    .unwrap();
    let model = dir.path().join("model.json");
    ModelParams::new(ModelKind::Gbdt).seed(1).fit(&ds).unwrap().save(&model).unwrap();
    Flat { dir, data, model }
}

/// A small simulated tables directory.
fn tables(dir: &Path) -> PathBuf {
    let t = dir.join("world");
    simulate(&SimulationParams::new(150, 24, 3)).unwrap().tables.write_dir(&t).unwrap();
    t
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<(PathBuf, Vec<u8>)> =
        walk(dir).into_iter().map(|p| (p.clone(), std::fs::read(&p).unwrap())).collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn an_output_that_is_an_input_is_refused_before_anything_is_written() {
    let f = flat(300);
    let (d, m, root) = (f.data.clone(), f.model.clone(), f.dir.path().to_path_buf());
    let t = tables(&root);
    let hard = root.join("hard.csv");
    std::fs::hard_link(&d, &hard).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&d, root.join("link.csv")).unwrap();
    let reports = root.join("reports");
    std::fs::create_dir(&reports).unwrap();
    let inside = reports.join("holdout.csv");
    std::fs::copy(&d, &inside).unwrap();
    let subs = t.join("subscriptions.csv");
    let events = t.join("events.csv");
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&d), "--lenient"], "--out", "--data"),
        (vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&d)], "--out", "--data"),
        (vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&d), "--force"], "--out", "--data"),
        (vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&m)], "--out", "--model"),
        (vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&hard)], "--out", "--data"),
        (vec!["train", "--data", s(&d), "--model", "logistic", "--out", s(&d)], "--out", "--data"),
        (vec!["evaluate", "--data", s(&d), "--model", "logistic", "--oof-out", s(&d)], "--oof-out", "--data"),
        (vec!["target", "--model", s(&m), "--data", s(&d), "--offer-cost", "30", "--out", s(&d)], "--out", "--data"),
        (vec!["kpi", "--tables", s(&t), "--out", s(&subs)], "--out", "--tables"),
        (vec!["features", "--tables", s(&t), "--snapshot", "2025-06-01", "--out", s(&events)], "--out", "--tables"),
        (
            vec!["features", "--tables", s(&t), "--snapshot", "2025-06-01", "--out", s(&t), "--force"],
            "--out",
            "--tables",
        ),
        (vec!["report", "--model", s(&m), "--data", s(&inside), "--out", s(&reports), "--force"], "--out", "--data"),
        (vec!["demo", "--tables", s(&t), "--out", s(&t), "--force"], "--out", "--tables"),
    ];
    #[cfg(unix)]
    let link = root.join("link.csv");
    #[cfg(unix)]
    let cases = {
        let mut c = cases;
        c.push((
            vec!["train", "--data", s(&d), "--model", "logistic", "--out", s(&link), "--force"],
            "--out",
            "--data",
        ));
        c
    };
    assert_all_refused(&root, &cases, "would destroy the input");
}

/// Runs each case (arguments and the two flags its error must name) and checks that it fails
/// with `message`, naming both flags, without a panic and without changing any file under
/// `root`.
fn assert_all_refused(root: &Path, cases: &[(Vec<&str>, &str, &str)], message: &str) {
    let before = snapshot(root);
    for (args, a, b) in cases {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!o.status.success(), "{args:?} succeeded");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(err.contains(a) && err.contains(b), "{args:?} should name {a} and {b}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(snapshot(root) == before, "{args:?} changed a file");
    }
}

/// Two outputs of one command that name one file (the second written would destroy the first)
/// are refused before anything is read or written, with or without `--force`.
#[test]
fn two_outputs_that_name_one_file_are_refused() {
    let f = flat(200);
    let (d, m, root) = (f.data.clone(), f.model.clone(), f.dir.path().to_path_buf());
    let t = tables(&root);
    let o1 = root.join("o1.csv");
    let same = root.join("sub/../o1.csv");
    std::fs::create_dir(root.join("sub")).unwrap();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec![
                "features",
                "--tables",
                s(&t),
                "--from",
                "2024-06-30",
                "--to",
                "2025-03-31",
                "--out",
                s(&o1),
                "--save-build",
                s(&o1),
            ],
            "--save-build",
            "--out",
        ),
        (
            vec![
                "features",
                "--tables",
                s(&t),
                "--snapshot",
                "2025-06-01",
                "--out",
                s(&o1),
                "--save-catalogue",
                s(&same),
                "--force",
            ],
            "--save-catalogue",
            "--out",
        ),
        (
            vec!["score", "--model", s(&m), "--data", s(&d), "--out", s(&o1), "--drift-out", s(&same)],
            "--drift-out",
            "--out",
        ),
    ];
    assert_all_refused(&root, &cases, "one output would destroy the other");
}

#[test]
fn an_existing_output_is_replaced_only_with_force() {
    let f = flat(200);
    let (d, m, root) = (&f.data, &f.model, f.dir.path());
    let out = root.join("scores.csv");
    std::fs::write(&out, "precious\n").unwrap();
    let o = run(&["score", "--model", s(m), "--data", s(d), "--out", s(&out), "--quiet"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("already exists; pass --force"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious\n");
    let o = run(&["score", "--model", s(m), "--data", s(d), "--out", s(&out), "--quiet", "--force"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 201);

    // A tables directory: simulate does not write over it, nor merge into it.
    let world = root.join("world");
    std::fs::create_dir(&world).unwrap();
    std::fs::write(world.join("notes.txt"), "mine").unwrap();
    let sim = ["simulate", "--customers", "100", "--months", "24", "--quiet", "--out", s(&world)];
    let o = run(&sim);
    assert!(!o.status.success());
    assert_eq!(walk(&world), vec![world.join("notes.txt")]);
    let o = bin().args(sim).arg("--force").output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!world.join("notes.txt").exists(), "--force replaces the directory as a whole");
    assert!(world.join("customers.csv").exists());

    // A report directory: replaced when attrition wrote it and nobody added to it; a directory
    // holding anything else is refused without --force (and is never merged into).
    let reports = root.join("report");
    let rep = ["report", "--model", s(m), "--data", s(d), "--out", s(&reports)];
    for _ in 0..2 {
        let o = run(&rep);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    std::fs::write(reports.join("mine.txt"), "mine").unwrap();
    let o = run(&rep);
    assert!(!o.status.success(), "a report directory someone added to is not replaced");
    assert_eq!(std::fs::read_to_string(reports.join("mine.txt")).unwrap(), "mine");
}

/// Names in `dir` that start with `.NAME.` (a temporary file of ours) or are `NAME`.
fn started_writing(dir: &Path, name: &str) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let n = e.unwrap().file_name().into_string().unwrap();
        n == name || n.starts_with(&format!(".{name}."))
    })
}

/// Spawns `args`, kills it (SIGKILL) once it has started writing `dir/name` plus `delay`, and
/// returns whether it was still running when killed.
fn kill_while_writing(args: &[&str], dir: &Path, name: &str, delay: Duration) -> bool {
    let mut child = bin().args(args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let t = Instant::now();
    while !started_writing(dir, name) {
        assert!(t.elapsed() < Duration::from_secs(300), "{args:?} never started writing {name}");
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(delay);
    let running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    running
}

#[test]
fn a_killed_score_leaves_nothing_under_the_final_name() {
    let f = flat(10);
    let root = f.dir.path();
    let big = root.join("big.csv");
    write_flat_csv(&big, 400_000, None);
    let out = root.join("scores.csv");
    let args = ["score", "--model", s(&f.model), "--data", s(&big), "--out", s(&out), "--quiet"];
    let killed = kill_while_writing(&args, root, "scores.csv", Duration::from_millis(300));
    assert!(killed, "scoring 400,000 rows with reasons finished within 0.3 s: make the input larger");
    assert!(!out.exists(), "a killed score left a file under the final name");
}

#[test]
fn a_strict_score_stopping_at_a_bad_line_leaves_nothing() {
    let f = flat(10);
    let root = f.dir.path();
    let input = root.join("bad.csv");
    write_flat_csv(&input, 100_100, Some(100_000)); // line 100,002 (the header is line 1)
    let out = root.join("scores.csv");
    let o = run(&["score", "--model", s(&f.model), "--data", s(&input), "--out", s(&out), "--quiet"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("bad.csv:100002 column `usage`"), "{err}");
    assert!(!out.exists(), "rows scored before the bad line were left under the final name");
    assert!(walk(root).iter().all(|p| !p.file_name().unwrap().to_str().unwrap().contains("attrition-tmp")));
}

#[test]
fn a_killed_features_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
    let out = dir.path().join("obs.csv");
    // Weekly observations of the sample: ~200,000 rows, long enough to be killed while writing.
    let args = ["features", "--tables", sample, "--from", "2024-03-01", "--to", "2025-12-31", "--every", "7d"];
    let args: Vec<&str> = args.iter().copied().chain(["--out", s(&out)]).collect();
    let killed = kill_while_writing(&args, dir.path(), "obs.csv", Duration::from_millis(0));
    assert!(killed, "features finished before it could be killed");
    assert!(!out.exists(), "a killed features left a file under the final name");
}
