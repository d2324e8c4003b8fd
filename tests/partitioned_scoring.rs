//! `attrition score --tables PARTS/ --snapshot D` (issue 19 item 1): scoring a partitioned
//! directory a partition per worker writes the bytes of `features --snapshot D --model M` on the
//! unpartitioned tables followed by `score --data` — scores, risk tiers, reasons (feature names
//! and text), actions, `--lenient`'s `score_error` column and the drift table — over 1, 4 and 16
//! partitions of the bundled sample, with a logistic and a GBDT model.
#![cfg(feature = "parquet")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::world::{bin as ok, s};

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/sample");
const AS_OF: &str = "2025-12-01";

fn attrition(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attrition")).args(args).output().unwrap()
}

/// A model of `kind` trained on the sample with its feature build.
fn model(dir: &Path, kind: &str) -> std::path::PathBuf {
    let (obs, build, model) = (dir.join("obs.csv"), dir.join("build.json"), dir.join(format!("{kind}.json")));
    if !obs.exists() {
        ok(&[
            "features",
            "--tables",
            SAMPLE,
            "--from",
            "2024-06-01",
            "--to",
            "2025-06-01",
            "--save-build",
            s(&build),
            "--out",
            s(&obs),
        ]);
    }
    ok(&[
        "train",
        "--data",
        s(&obs),
        "--as-of",
        "as_of",
        "--model",
        kind,
        "--feature-build",
        s(&build),
        "--out",
        s(&model),
    ]);
    model
}

/// Scores and drift table of the unpartitioned pipeline (`features --snapshot` then `score`).
fn whole(dir: &Path, model: &Path, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let (snap, out, drift) = (dir.join("snap.csv"), dir.join("want.csv"), dir.join("want_drift.csv"));
    let mut f =
        vec!["features", "--tables", SAMPLE, "--snapshot", AS_OF, "--model", s(model), "--out", s(&snap), "--force"];
    if extra.contains(&"--lenient") {
        f.push("--lenient");
    }
    ok(&f);
    let mut a =
        vec!["score", "--model", s(model), "--data", s(&snap), "--out", s(&out), "--drift-out", s(&drift), "--force"];
    a.extend(extra);
    ok(&a);
    (std::fs::read(&out).unwrap(), std::fs::read(&drift).unwrap())
}

fn parted(dir: &Path, parts: &Path, model: &Path, extra: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let (out, drift) = (dir.join("got.csv"), dir.join("got_drift.csv"));
    let mut a = vec![
        "score",
        "--model",
        s(model),
        "--tables",
        s(parts),
        "--snapshot",
        AS_OF,
        "--out",
        s(&out),
        "--drift-out",
        s(&drift),
        "--force",
    ];
    a.extend(extra);
    ok(&a);
    (std::fs::read(&out).unwrap(), std::fs::read(&drift).unwrap())
}

#[test]
fn scoring_partitions_gives_the_bytes_of_features_then_score() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let logistic = model(d, "logistic");
    let gbdt = model(d, "gbdt");
    let partitioned: Vec<_> = [1, 4, 16]
        .into_iter()
        .map(|n| {
            let p = d.join(format!("parts{n}"));
            ok(&["partition", "--tables", SAMPLE, "--partitions", &n.to_string(), "--out", s(&p)]);
            p
        })
        .collect();
    for (m, extra) in [
        (&logistic, vec![]),
        (&logistic, vec!["--lenient", "--reasons", "5", "--reasons-from", "low"]),
        (&gbdt, vec![]),
    ] {
        let (want, want_drift) = whole(d, m, &extra);
        let text = String::from_utf8_lossy(&want);
        assert!(text.lines().count() > 100, "the snapshot has rows");
        assert!(text.lines().next().unwrap().contains("reason_1_text"), "reasons are written");
        assert!(text.lines().skip(1).any(|l| l.contains(",high,")), "some customers are high risk");
        for p in &partitioned {
            let (got, got_drift) = parted(d, p, m, &extra);
            assert!(got == want, "scores over {} differ ({m:?}, {extra:?})", p.display());
            assert!(got_drift == want_drift, "drift over {} differs ({m:?}, {extra:?})", p.display());
        }
    }
    let left: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with(".attrition-runs-"))
        .collect();
    assert!(left.is_empty(), "temporary runs left: {left:?}");
}

#[test]
fn a_tables_directory_or_a_model_without_feature_build_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parts = d.join("parts");
    ok(&["partition", "--tables", SAMPLE, "--partitions", "2", "--out", s(&parts)]);
    let obs = d.join("obs.csv");
    ok(&["features", "--tables", SAMPLE, "--from", "2024-06-01", "--to", "2025-06-01", "--out", s(&obs)]);
    let bare = d.join("bare.json");
    ok(&["train", "--data", s(&obs), "--as-of", "as_of", "--model", "logistic", "--out", s(&bare)]);
    let out = d.join("scores.csv");
    let o = attrition(&["score", "--model", s(&bare), "--tables", s(&parts), "--snapshot", AS_OF, "--out", s(&out)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("feature build"), "{err}");
    assert!(!out.exists());
    let o = attrition(&["score", "--model", s(&bare), "--tables", SAMPLE, "--snapshot", AS_OF, "--out", s(&out)]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not a partitioned directory"), "{err}");
    // --tables needs --snapshot.
    let o = attrition(&["score", "--model", s(&bare), "--tables", s(&parts), "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(!out.exists());
}
