//! Progress bars of model fitting on stderr (indicatif), fed by the library's
//! [`attrition::progress::ProgressHook`].

use attrition::progress::{Progress, ProgressHook};
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `folds` outer folds (0: a single fit, drawn as a spinner) showing the candidate
/// `auto` is on, the trees grown by the current boosted fit and its estimated time left (every
/// 10 trees: soonest if early stopping ends it, latest at the tree cap), the elapsed time and,
/// once a fold has finished, the estimated time left of the whole run; and the hook that drives
/// it. Hidden with `quiet`.
pub(crate) fn fit_bar(quiet: bool, folds: usize, what: &str) -> (ProgressBar, ProgressHook) {
    if quiet {
        return (ProgressBar::hidden(), ProgressHook::none());
    }
    let pb = if folds == 0 {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} {prefix} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb
    } else {
        let pb = ProgressBar::new(folds as u64);
        pb.set_style(
            ProgressStyle::with_template("{spinner} {prefix}: fold {pos} of {len} done {msg} ({elapsed}, ~{eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    };
    pb.set_prefix(what.to_string());
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    let bar = pb.clone();
    // (what `auto` is doing, the latest tree report): one message, updated by either.
    let state = std::sync::Mutex::new((String::new(), String::new()));
    let hook = ProgressHook::new(move |p| {
        let Ok(mut st) = state.lock() else { return };
        match p {
            Progress::Candidate { index, of, name } => {
                st.0 = format!("· candidate {} of {of}: {name}", index + 1);
                st.1.clear();
            }
            Progress::Refit { name } => {
                st.0 = format!("· refitting {name}");
                st.1.clear();
            }
            Progress::Trees { trees, max_trees, stops_within, .. } => {
                if trees % 10 != 0 && *stops_within != Some(0) && trees != max_trees {
                    return;
                }
                let left = p.seconds_left().map_or(String::new(), |(lo, hi)| format!(", fit ends in {}", span(lo, hi)));
                st.1 = format!(" · tree {trees} of ≤ {max_trees}{left}");
            }
            Progress::FoldFinished { finished, .. } => {
                bar.set_position(*finished as u64);
                return;
            }
            Progress::CrossValidation { folds } => {
                bar.set_length(*folds as u64);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{spinner} {prefix}: cross-validation, fold {pos} of {len} done {msg} ({elapsed})",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                return;
            }
            Progress::Fitting => {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix}: fitting on all rows {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                *st = (String::new(), String::new());
            }
            _ => return,
        }
        bar.set_message(format!("{}{}", st.0, st.1));
    });
    (pb, hook)
}

/// `lo`–`hi` seconds, readable ("4 s", "3–40 s", "2–15 min").
fn span(lo: f64, hi: f64) -> String {
    let (unit, div) = if hi >= 120.0 { ("min", 60.0) } else { ("s", 1.0) };
    let (a, b) = ((lo / div).round(), (hi / div).round());
    if a == b { format!("~{a} {unit}") } else { format!("{a}–{b} {unit}") }
}

/// A spinner with `msg` and the elapsed time on stderr; hidden with `quiet`.
pub(crate) fn spinner(quiet: bool, msg: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb.set_message(msg.to_string());
    pb
}
