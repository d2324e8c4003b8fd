//! Build script: tells the integration tests which optional test inputs this machine has, so a
//! test that needs one is listed by `cargo test` as `ignored, needs …` instead of passing silently
//! (issue 17: no silent skips). `tests/environment.rs` fails when `CI=true` and one is missing.
//!
//! - `cfg(shared_datasets)`: `../shared/datasets/` (Telco and the development datasets) exists
//!   beside the project root.
//! - `cfg(chromium)`: a headless browser (`chromium`, `chromium-browser` or `google-chrome`) is on
//!   `PATH`, for the report's screenshot test.
//!
//! Added the data or the browser after a build? `touch build.rs` (or `cargo clean`) re-checks.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_datasets)");
    println!("cargo::rustc-check-cfg=cfg(chromium)");
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
}

fn chromium_on_path() -> bool {
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path)
        .any(|dir| ["chromium", "chromium-browser", "google-chrome"].iter().any(|b| dir.join(b).is_file()))
}
