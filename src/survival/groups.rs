//! How many groups can a grouped analysis draw? A grouping column with thousands of levels (an
//! id, a free-text field) would make thousands of curves and a log-rank test across them, so the
//! largest levels are kept and the rest merged into one group, counted and reported.

use std::collections::{HashMap, HashSet};

use crate::error::{Error, Result};
use crate::io::quality::QualityWarning;

/// Name of the group the smallest levels are merged into, unless a real level is spelled the
/// same (then `(other 2)`, `(other 3)`, …: see [`cap_groups`]).
pub const OTHER_GROUP: &str = "(other)";

/// The group of every row after [`cap_groups`], and what was merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CappedGroups {
    /// The group of each row: its own level, or the other group if that level was merged.
    pub labels: Vec<String>,
    /// What was kept and merged.
    pub cap: GroupCap,
}

/// Which levels of a grouping a cap keeps: the `max` largest (most rows first; ties by level, so
/// the result does not depend on row order); the rest go to one group named [`OTHER_GROUP`] — or
/// `(other 2)`, `(other 3)`, … when a real level already has that name.
///
/// ```
/// use attrition::survival::GroupCap;
/// let cap = GroupCap::of_sizes([("a", 5), ("b", 3), ("c", 1), ("d", 1)], 2).unwrap();
/// assert_eq!((cap.group("a"), cap.group("d")), ("a", "(other)"));
/// assert_eq!((cap.levels, cap.merged_rows), (4, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupCap {
    kept: HashSet<String>,
    /// Distinct levels before capping.
    pub levels: usize,
    /// Rows whose level was merged into the other group.
    pub merged_rows: u64,
    /// The other group's name, if levels were merged.
    pub other: Option<String>,
    max: usize,
}

impl GroupCap {
    /// The cap at `max` (≥ 1) of levels with their row counts (each level once).
    pub fn of_sizes<'a>(sizes: impl IntoIterator<Item = (&'a str, u64)>, max: usize) -> Result<GroupCap> {
        if max == 0 {
            return Err(Error::param("max_groups", max, "must be at least 1"));
        }
        let mut by_size: Vec<(&str, u64)> = sizes.into_iter().collect();
        let levels = by_size.len();
        by_size.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let all: HashSet<&str> = by_size.iter().map(|x| x.0).collect();
        let kept = by_size.iter().take(max).map(|x| x.0.to_owned()).collect();
        if levels <= max {
            return Ok(GroupCap { kept, levels, merged_rows: 0, other: None, max });
        }
        let other = std::iter::once(OTHER_GROUP.to_owned())
            .chain((2..).map(|k| format!("(other {k})")))
            .find(|name| !all.contains(name.as_str()))
            .unwrap_or_else(|| OTHER_GROUP.to_owned());
        let merged_rows = by_size[max..].iter().map(|x| x.1).sum();
        Ok(GroupCap { kept, levels, merged_rows, other: Some(other), max })
    }

    /// The group of `level`: itself if kept, else the other group.
    pub fn group<'a>(&'a self, level: &'a str) -> &'a str {
        match &self.other {
            Some(other) if !self.kept.contains(level) => other,
            _ => level,
        }
    }

    /// Levels kept as their own group.
    pub fn kept(&self) -> usize {
        self.kept.len()
    }

    /// The data-quality warning for grouping column `column`: `None` if nothing was merged.
    pub fn warning(&self, column: &str) -> Option<QualityWarning> {
        self.other.as_ref().map(|other| QualityWarning::TooManyGroups {
            column: column.to_owned(),
            groups: self.levels,
            max: self.max,
            merged_rows: self.merged_rows,
            other: other.clone(),
        })
    }
}

/// Keeps the `max` largest levels of `labels` (one per row) and merges the rest into one group,
/// as [`GroupCap`]. With at most `max` levels nothing changes. `max` must be ≥ 1.
///
/// ```
/// use attrition::survival::cap_groups;
/// let labels: Vec<String> = ["a", "a", "a", "b", "b", "c", "(other)"].iter().map(|s| s.to_string()).collect();
/// let capped = cap_groups(&labels, 2).unwrap();
/// assert_eq!(capped.labels, ["a", "a", "a", "b", "b", "(other 2)", "(other 2)"]);
/// assert_eq!((capped.cap.levels, capped.cap.kept(), capped.cap.merged_rows), (4, 2, 2));
/// let w = capped.cap.warning("plan").unwrap().to_string();
/// assert!(w.starts_with("`plan` has 4 groups, more than --max-groups 2"), "{w}");
/// assert!(cap_groups(&labels, 4).unwrap().cap.other.is_none());
/// ```
pub fn cap_groups(labels: &[String], max: usize) -> Result<CappedGroups> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for l in labels {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    let cap = GroupCap::of_sizes(counts, max)?;
    let labels = labels.iter().map(|l| cap.group(l).to_owned()).collect();
    Ok(CappedGroups { labels, cap })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_largest_levels_are_kept_whatever_the_row_order() {
        let rows = strings(&["x", "y", "y", "z", "z", "z", "w"]);
        let a = cap_groups(&rows, 2).unwrap();
        assert_eq!(a.labels, strings(&["(other)", "y", "y", "z", "z", "z", "(other)"]));
        assert_eq!((a.cap.levels, a.cap.kept(), a.cap.merged_rows), (4, 2, 2));
        let mut reversed = rows.clone();
        reversed.reverse();
        let mut b = cap_groups(&reversed, 2).unwrap().labels;
        b.reverse();
        assert_eq!(a.labels, b);
        // Ties (w and x, one row each) are broken by the level: w is kept.
        assert_eq!(cap_groups(&rows, 3).unwrap().labels[0], "(other)");
        assert!(cap_groups(&rows, 0).is_err());
    }

    #[test]
    fn the_other_group_never_takes_a_real_levels_name() {
        let rows = strings(&["(other)", "(other)", "(other 2)", "(other 2)", "a", "b"]);
        let c = cap_groups(&rows, 2).unwrap();
        assert_eq!(c.cap.other.as_deref(), Some("(other 3)"));
        assert_eq!(c.labels[4..], strings(&["(other 3)", "(other 3)"]));
    }
}
