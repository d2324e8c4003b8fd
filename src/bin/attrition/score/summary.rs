//! `attrition score`'s summary on standard output.

use std::path::Path;

use attrition::scoring::ScoreReport;

/// Prints what was scored: rows, speed, tiers, unscored rows and unseen categories.
pub fn print(report: &ScoreReport, secs: f64, out: &Path) {
    println!(
        "scored {} of {} rows in {:.2}s ({:.0} rows/s) -> {}",
        report.rows_scored,
        report.rows_read,
        secs,
        report.rows_read as f64 / secs.max(1e-9),
        out.display()
    );
    println!("risk tiers: {} high, {} medium, {} low", report.tiers[0], report.tiers[1], report.tiers[2]);
    if report.rows_unscored > 0 {
        let reasons: Vec<String> = report.unscored_by_reason.iter().map(|(k, v)| format!("{v} {k}")).collect();
        println!(
            "{} rows written unscored, reason in column score_error ({}; {} of them unreadable records)",
            report.rows_unscored,
            reasons.join(", "),
            report.rows_unreadable
        );
        for e in &report.examples {
            println!("  {e}");
        }
    }
    if report.unseen_categories > 0 {
        println!("{} categorical values were not seen in training (scored as the baseline)", report.unseen_categories);
    }
}
