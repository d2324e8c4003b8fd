//! Tests that need inputs outside the repository are compiled as `#[ignore = "needs …"]` when the
//! input is absent (see `build.rs`), so `cargo test` lists them as ignored with the reason. In CI
//! (`CI=true`) nothing may be skipped: this test fails there when an input is missing.

#[test]
fn ci_has_every_optional_test_input() {
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let missing: Vec<&str> = [
        (!cfg!(shared_datasets)).then_some("../shared/datasets (Telco and the development datasets)"),
        (!cfg!(chromium)).then_some("a headless Chromium on PATH (Debian package `chromium`)"),
        (!cfg!(sql_engines)).then_some("a Python with tests/requirements.txt (target/test-venv, see .ci/run)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if in_ci {
        assert!(
            missing.is_empty(),
            "CI=true but these test inputs are missing, so tests needing them did not run: {missing:?}"
        );
    }
}
