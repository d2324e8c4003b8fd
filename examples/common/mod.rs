//! Helpers shared by the examples that measure memory (`read_speed`, `score_memory`).
#![allow(dead_code)]

/// Peak resident set size of this process since the last [`reset_peak`] (`VmHWM` of
/// `/proc/self/status`), in MB; `None` off Linux.
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the peak resident set size to the current one; `false` when the kernel does not allow
/// it (figures then include earlier steps).
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}
