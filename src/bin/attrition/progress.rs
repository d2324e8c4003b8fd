//! Progress bars of model fitting on stderr (indicatif), fed by the library's
//! [`attrition::progress::ProgressHook`].

use attrition::progress::{Progress, ProgressHook};
use indicatif::{ProgressBar, ProgressStyle};

/// A bar of `folds` outer folds (0: a single fit, drawn as a spinner) showing the candidate
/// `auto` is on, the elapsed time and, once a fold has finished, the estimated time left; and
/// the hook that drives it. Hidden with `quiet`.
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
    let hook = ProgressHook::new(move |p| match p {
        Progress::Candidate { index, of, name } => {
            bar.set_message(format!("· candidate {} of {of}: {name}", index + 1))
        }
        Progress::Refit { name } => bar.set_message(format!("· refitting {name}")),
        Progress::FoldFinished { finished, .. } => bar.set_position(*finished as u64),
        _ => {}
    });
    (pb, hook)
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
