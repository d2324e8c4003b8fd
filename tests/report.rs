//! The demo's report: every chart present with data, title, axis labels, legend and a reading;
//! and (when Chromium is installed) it renders in a real browser.
//!
//! The browser check needs the Debian package `chromium` (`apt-get install -y chromium`, which
//! `.ci/run` attempts); without it the test prints a message and passes.

use std::path::Path;
use std::process::Command;

const CHARTS: [&str; 18] = [
    "roc",
    "precision_recall",
    "gains",
    "calibration",
    "decile_lift",
    "drivers",
    "profit_curve",
    "target_list",
    "uplift_profit",
    "km_products_held",
    "km_upsell_90d",
    "km_weekly_engaged",
    "km_sales_approach",
    "km_specialised_provider",
    "cohorts",
    "mrr_movements",
    "nrr_grr",
    "churn_rate",
];

/// Runs the demo once for both tests (into the target's temporary directory).
fn demo_report() -> &'static Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("demo-report");
        let out = Command::new(env!("CARGO_BIN_EXE_attrition"))
            .args(["demo", "--quiet", "--force", "--out"])
            .arg(&dir)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(out.status.success(), "demo failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
}

/// The `<figure>` element of chart `id`.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = [format!(r#"<figure class="chart" id="{id}">"#), format!(r#"<figure class="chart wide" id="{id}">"#)]
        .iter()
        .find_map(|open| html.find(open.as_str()))
        .unwrap_or_else(|| panic!("chart {id} missing"));
    let end = html[start..].find("</figure>").unwrap() + start;
    &html[start..end]
}

#[test]
fn every_chart_is_present_with_data_and_labels() {
    let dir = demo_report();
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<script"), "no JavaScript needed");
    assert!(!html.contains("http://") || !html.contains("src=\"http"), "no external resources");
    for id in CHARTS {
        let f = figure(&html, id);
        let points: usize = f
            .split(r#"data-points=""#)
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("{id}: no data-points"));
        assert!(points > 0, "{id}: empty");
        assert!(f.contains("<h3>") && !f.contains("<h3></h3>"), "{id}: title");
        let reading = f.split(r#"<figcaption class="reading">"#).nth(1).unwrap().split("</figcaption>").next().unwrap();
        assert!(reading.len() > 20, "{id}: reading `{reading}`");
        if id != "target_list" {
            assert!(f.contains(r#"class="legend""#), "{id}: legend");
            assert!(f.contains("x-label") && f.contains("y-label"), "{id}: axis labels");
        }
        // The CSV behind the chart exists and has rows.
        let csv = std::fs::read_to_string(dir.join(format!("{id}.csv"))).unwrap();
        assert!(csv.lines().count() > 1, "{id}.csv is empty");
    }
    // The scores behind the target list: one row per active customer, with reasons.
    let scores = std::fs::read_to_string(dir.join("scores.csv")).unwrap();
    let first = scores.lines().nth(1).unwrap();
    assert_eq!(first.split(',').count(), 9);
    // Balanced markup: every opened svg/figure is closed.
    for tag in ["svg", "figure", "section", "table"] {
        assert_eq!(html.matches(&format!("<{tag}")).count(), html.matches(&format!("</{tag}>")).count(), "{tag}");
    }
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn report_renders_in_a_real_browser() {
    let Some(browser) = chromium() else {
        eprintln!("skipping: Chromium not found (install the Debian package `chromium` to run this check)");
        return;
    };
    let dir = demo_report();
    let png = dir.join("report.png");
    let url = format!("file://{}", dir.join("index.html").display());
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,6000"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(Path::new(&png)).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(bytes.len() > 50_000, "screenshot suspiciously small: {} bytes", bytes.len());
}
