//! The flat loader reads its input once (issue 14, item 9): `--data -`, `/dev/stdin` and FIFOs
//! work for every command that loads a flat CSV, with the same results as the file itself.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_attrition"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn write_data(path: &Path, rows: usize) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "customer_id,usage,plan,mrr,churned").unwrap();
    for i in 0..rows {
        let churned = u8::from((i * 37) % 50 < 12 || i % 7 == 0);
        writeln!(w, "c{i},{},{},{},{churned}", (i * 37) % 50, ["basic", "pro", "team"][i % 3], 20 + i % 80).unwrap();
    }
    w.flush().unwrap();
}

/// Waits for `child` at most `secs` seconds (a reader that waits for a second pass over a pipe
/// hangs); kills it and fails after that. Standard output and error are drained while it runs,
/// so an output larger than a pipe's buffer cannot block the child.
fn wait_or_kill(child: Child, secs: u64, what: &str) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("{what} still running after {secs} s (hung on its input?)");
        }
    }
}

/// Runs `args` with `data` fed through a pipe to standard input.
fn through_pipe(args: &[&str], data: &Path, what: &str) -> Output {
    let mut child =
        bin().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let bytes = std::fs::read(data).unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&bytes);
    });
    let out = wait_or_kill(child, 120, what);
    writer.join().unwrap();
    out
}

fn ok(o: &Output, what: &str) -> String {
    assert!(o.status.success(), "{what} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The same command on the file, on `--data -` and on `--data /dev/stdin`, both through a pipe.
#[test]
fn flat_commands_read_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    write_data(&data, 500);
    let model = dir.path().join("model.json");
    ok(
        &bin()
            .args(["train", "--data", s(&data), "--model", "logistic", "--quiet", "--out", s(&model)])
            .output()
            .unwrap(),
        "train",
    );
    let m = s(&model);
    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("evaluate", vec!["evaluate", "--model", "logistic", "--json", "--quiet"]),
        ("inspect", vec!["inspect", "--target", "churned", "--id", "customer_id"]),
        ("target", vec!["target", "--model", m, "--offer-cost", "30", "--out", "-"]),
        ("score", vec!["score", "--model", m, "--quiet", "--out", "-"]),
    ];
    for (name, args) in &commands {
        let from_file = ok(&bin().args(args).args(["--data", s(&data)]).output().unwrap(), name);
        for stdin_name in ["-", "/dev/stdin"] {
            let args: Vec<&str> = args.iter().copied().chain(["--data", stdin_name]).collect();
            let piped = ok(&through_pipe(&args, &data, name), name);
            // inspect names its input; everything else must be identical.
            let piped = if *name == "inspect" {
                piped.replacen(&format!("{stdin_name}:"), &format!("{}:", s(&data)), 1).replacen(
                    "<stdin>:",
                    &format!("{}:", s(&data)),
                    1,
                )
            } else {
                piped
            };
            assert_eq!(piped, from_file, "{name} --data {stdin_name} through a pipe");
        }
    }
    // train: the same model bytes from a pipe.
    let piped_model = dir.path().join("piped.json");
    let o = through_pipe(
        &["train", "--data", "-", "--model", "logistic", "--quiet", "--out", s(&piped_model)],
        &data,
        "train",
    );
    ok(&o, "train");
    assert_eq!(std::fs::read(&piped_model).unwrap(), std::fs::read(&model).unwrap());
    // report: the same numbers.
    let (r1, r2) = (dir.path().join("r1"), dir.path().join("r2"));
    ok(&bin().args(["report", "--model", m, "--data", s(&data), "--out", s(&r1)]).output().unwrap(), "report");
    ok(&through_pipe(&["report", "--model", m, "--data", "-", "--out", s(&r2)], &data, "report"), "report");
    assert_eq!(std::fs::read(r1.join("roc.csv")).ok(), std::fs::read(r2.join("roc.csv")).ok());
    assert!(r2.join("index.html").exists());
}

/// A FIFO (named pipe) as `--data`: read once, no hang.
#[cfg(unix)]
#[test]
fn flat_commands_read_a_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data.csv");
    write_data(&data, 500);
    let fifo: PathBuf = dir.path().join("fifo.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        let msg = "mkfifo is not available: cannot make a FIFO";
        assert!(std::env::var("CI").as_deref() != Ok("true"), "{msg}");
        println!("skipping: {msg}");
        return;
    }
    let from_file = ok(
        &bin().args(["evaluate", "--model", "logistic", "--json", "--quiet", "--data", s(&data)]).output().unwrap(),
        "evaluate",
    );
    for name in ["evaluate", "inspect"] {
        let args: Vec<&str> = match name {
            "evaluate" => vec!["evaluate", "--model", "logistic", "--json", "--quiet", "--data", s(&fifo)],
            _ => vec!["inspect", "--target", "churned", "--data", s(&fifo)],
        };
        let child = bin().args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let (f, d) = (fifo.clone(), data.clone());
        // Opening a FIFO for writing blocks until the reader opens it; the reader has the data
        // once, as from `cat data.csv > fifo`.
        let writer = std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
            let _ = w.write_all(&std::fs::read(&d).unwrap());
        });
        let out = ok(&wait_or_kill(child, 120, name), name);
        writer.join().unwrap();
        if name == "evaluate" {
            assert_eq!(out, from_file);
        } else {
            assert!(out.contains("500 rows read, 500 loaded"), "{out}");
        }
    }
}
