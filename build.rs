//! Build script: tells the integration tests which optional test inputs this machine has, so a
//! test that needs one is listed by `cargo test` as `ignored, needs …` instead of passing silently
//! (issue 17: no silent skips). `tests/environment.rs` fails when `CI=true` and one is missing.
//!
//! - `cfg(shared_datasets)`: `../shared/datasets/` (Telco and the development datasets) exists
//!   beside the project root.
//! - `cfg(chromium)`: a headless browser (`chromium`, `chromium-browser` or `google-chrome`) is on
//!   `PATH`, for the report's screenshot test.
//! - `cfg(sql_engines)`: a Python with the packages of `tests/requirements.txt` (DuckDB, pyarrow,
//!   sqlglot, XGBoost) for the model export tests and the Parquet read-back test: `$ATTRITION_TEST_PYTHON`, else `target/test-venv/bin/python` (which
//!   `.ci/run` creates). Its path is passed to the tests as `ATTRITION_SQL_PYTHON`.
//!
//! Added the data, the browser or the Python packages after a build? `touch build.rs` (or `cargo clean`) re-checks.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_datasets)");
    println!("cargo::rustc-check-cfg=cfg(chromium)");
    println!("cargo::rustc-check-cfg=cfg(sql_engines)");
    println!("cargo::rerun-if-env-changed=ATTRITION_TEST_PYTHON");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PATH");

    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets/telco/telco.csv");
    if shared.exists() {
        // Watched only when present: a missing path would make cargo re-run this script, and
        // rebuild the crate, on every build.
        println!("cargo::rerun-if-changed={}", shared.display());
        println!("cargo::rustc-cfg=shared_datasets");
    }
    if chromium_on_path() {
        println!("cargo::rustc-cfg=chromium");
    }
    if let Some(python) = sql_python() {
        println!("cargo::rustc-cfg=sql_engines");
        println!("cargo::rustc-env=ATTRITION_SQL_PYTHON={}", python.display());
    }
}

/// A Python that imports every package of `tests/requirements.txt`, if there is one.
fn sql_python() -> Option<std::path::PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    let python = match std::env::var_os("ATTRITION_TEST_PYTHON") {
        Some(p) if !p.is_empty() => std::path::PathBuf::from(p),
        _ => {
            // Watched only when present (see above); `touch build.rs` after creating it.
            if !venv.exists() {
                return None;
            }
            println!("cargo::rerun-if-changed={}", venv.display());
            venv
        }
    };
    let ok = std::process::Command::new(&python)
        .args(["-c", "import duckdb, pyarrow, sqlglot, xgboost"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}

fn chromium_on_path() -> bool {
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path)
        .any(|dir| ["chromium", "chromium-browser", "google-chrome"].iter().any(|b| dir.join(b).is_file()))
}
