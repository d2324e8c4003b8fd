//! The README's command lines run as written (issue 17, item 7).
//!
//! Every block of `README.md` fenced as ` ```sh ` is run, block after block and line after line,
//! in a fresh copy of the repository (its git-tracked files, as after a clone) with `attrition`
//! from this build on `PATH`: `cargo install --path .` is therefore already done,
//! `cargo run --release -- ARGS` runs `attrition ARGS`, and `cargo test` is this run. Any command
//! that exits non-zero fails the test with its README line and its output. Blocks fenced
//! ` ```sh norun ` (syntax with placeholders, the fuzzer, the Python package, slow examples) are
//! not run.
//!
//! Commands that read `../shared` run in [`readme_commands_on_shared_datasets`], which is listed
//! as `ignored, needs …` without it (and `tests/environment.rs` fails under `CI=true`).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One command line of the README.
#[derive(Debug, Clone)]
struct Line {
    /// 1-based line of the README where the command starts.
    readme_line: usize,
    /// The command as written (continuation lines joined).
    text: String,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The command lines of the runnable ` ```sh ` blocks, in order.
fn readme_commands() -> Vec<Line> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_block: Option<bool> = None; // Some(run?) inside a fence
    let mut pending: Option<Line> = None;
    for (i, raw) in readme.lines().enumerate() {
        let trimmed = raw.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            in_block = match in_block {
                Some(_) => None,
                None => {
                    let words: Vec<&str> = info.split_whitespace().collect();
                    Some(words.first() == Some(&"sh") && !words.contains(&"norun"))
                }
            };
            continue;
        }
        if in_block != Some(true) {
            continue;
        }
        let (text, continues) = match raw.trim_end().strip_suffix('\\') {
            Some(t) => (t, true),
            None => (raw.trim_end(), false),
        };
        let line = match pending.take() {
            Some(mut p) => {
                p.text.push(' ');
                p.text.push_str(text.trim());
                p
            }
            None if text.trim().is_empty() || text.trim_start().starts_with('#') => continue,
            None => Line { readme_line: i + 1, text: text.trim().to_string() },
        };
        if continues {
            pending = Some(line);
        } else {
            out.push(line);
        }
    }
    assert!(in_block.is_none(), "README.md: an unclosed ``` fence");
    out
}

/// What the test runs for a README command: `None` when the command is this build itself.
fn translate(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    match words.as_slice() {
        ["cargo", "install", "--path", ".", ..] => None,
        ["cargo", "test", ..] => None,
        ["cargo", "run", "--release", "--", ..] => {
            Some(format!("attrition {}", text.split_once(" -- ").map_or("", |(_, rest)| rest)))
        }
        ["cargo", ..] => panic!(
            "README command `{text}`: the tour runs `attrition` only; fence its block ```sh norun if it \
             is not meant to run in the tour"
        ),
        _ => Some(text.to_string()),
    }
}

fn needs_shared(line: &Line) -> bool {
    line.text.contains("../shared")
}

/// A fresh copy of the repository's tracked files in `dir/attrition`, with `dir/shared` the
/// project's `../shared` when it exists; returns the copy's root.
fn fresh_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("attrition");
    let listed = Command::new("git").args(["ls-files", "-z"]).current_dir(root()).output();
    let files: Vec<PathBuf> = match listed {
        Ok(o) if o.status.success() && !o.stdout.is_empty() => o
            .stdout
            .split(|&b| b == 0)
            .filter(|f| !f.is_empty())
            .map(|f| PathBuf::from(String::from_utf8(f.to_vec()).unwrap()))
            .collect(),
        // Not a git checkout (a source archive): every file but build outputs.
        _ => walk(root(), Path::new("")),
    };
    for f in files {
        let src = root().join(&f);
        if !src.is_file() {
            continue; // deleted in the work tree, or a submodule
        }
        let dst = copy.join(&f);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("copying {}: {e}", src.display()));
    }
    let shared = root().join("../shared");
    if shared.exists() {
        std::os::unix::fs::symlink(shared.canonicalize().unwrap(), dir.join("shared")).unwrap();
    }
    copy
}

fn walk(base: &Path, rel: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(base.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name == ".git" {
            continue;
        }
        let rel = rel.join(&name);
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(base, &rel));
        } else {
            out.push(rel);
        }
    }
    out
}

/// Runs the commands in order in a fresh copy; panics on the first that fails.
fn run_in_fresh_copy(lines: &[Line]) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = fresh_copy(tmp.path());
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_attrition")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .unwrap();
    for line in lines {
        let Some(cmd) = translate(&line.text) else {
            eprintln!("README.md:{}: `{}` — done by this build", line.readme_line, line.text);
            continue;
        };
        eprintln!("README.md:{}: {cmd}", line.readme_line);
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &cmd])
            .current_dir(&copy)
            .env("PATH", &path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "README.md line {}: `{}` failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            line.readme_line,
            line.text,
            out.status,
            tail(&out.stdout),
            tail(&out.stderr)
        );
    }
}

fn tail(bytes: &[u8]) -> String {
    let s = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The tour: every runnable README command that needs nothing outside the repository.
#[test]
fn readme_commands_run_as_written() {
    let lines: Vec<Line> = readme_commands().into_iter().filter(|l| !needs_shared(l)).collect();
    // The tour's parts the issue names: the install step, the snapshot before score and target,
    // the experiment file made before `uplift --data` reads it.
    let at = |needle: &str| {
        lines
            .iter()
            .position(|l| l.text.contains(needle))
            .unwrap_or_else(|| panic!("README.md runs no command with `{needle}`"))
    };
    assert_eq!(at("cargo install --path ."), 0, "the install step comes first");
    assert!(at("--snapshot 2025-12-01 --model model.json") < at("attrition score"));
    assert!(at("--snapshot 2025-12-01 --model model.json") < at("attrition target"));
    assert!(at("--experiment-out experiment.csv") < at("uplift   --data experiment.csv"));
    run_in_fresh_copy(&lines);
}

/// The README's commands on `../shared/datasets`, run the same way.
#[test]
#[cfg_attr(not(shared_datasets), ignore = "needs ../shared/datasets (the README's commands on it)")]
fn readme_commands_on_shared_datasets() {
    let lines: Vec<Line> = readme_commands().into_iter().filter(needs_shared).collect();
    assert!(!lines.is_empty(), "README.md has no command on ../shared");
    run_in_fresh_copy(&lines);
}

/// The parser: fences, `norun`, comments and continuation lines.
#[test]
fn readme_blocks_are_parsed_as_commands() {
    let lines = readme_commands();
    assert!(lines.iter().all(|l| !l.text.starts_with('#') && !l.text.ends_with('\\')));
    assert!(lines.iter().any(|l| l.text.contains("--every 1m --lead-days 7")), "continuation lines are joined");
    assert!(!lines.iter().any(|l| l.text.contains("cargo fuzz")), "norun blocks are not run");
    assert_eq!(translate("cargo run --release -- demo --quiet").as_deref(), Some("attrition demo --quiet"));
    assert_eq!(translate("cargo install --path ."), None);
}
