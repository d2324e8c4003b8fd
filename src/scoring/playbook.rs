//! The playbook: a suggested action per reason family, so a call list says what to do.
//!
//! The mapping is data: a TOML table per [`ReasonFamily`] with an `action` and the `why` behind
//! it. The crate's default (`src/scoring/playbook.toml`) draws on the studies behind this
//! project — a needs-based check-in rather than a product push, an upsell offer in the first 90
//! days, onboarding to the sticky features not adopted, executive outreach when the champion
//! left, a plan upgrade after limit hits, a survey follow-up for detractors; `--playbook FILE`
//! replaces it. A customer's action is that of their first reason (the largest contribution)
//! whose family has one. A customer worth contacting (positive expected profit) whose risk is
//! below the reasons' risk floor has no reason; the table `[no_reason]` gives their action
//! ([`Playbook::action_for_contacted`]), so every contacted customer has one.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use attrition::scoring::playbook::Playbook;
//! use attrition::scoring::reasons::ReasonFamily;
//! let book = Playbook::default();
//! assert!(book.action(ReasonFamily::ChampionLeft).unwrap().starts_with("Executive outreach"));
//! let mine = Playbook::from_toml("[limit_hits]\naction = \"Call about the Pro plan\"\n", "mine.toml")?;
//! assert_eq!(mine.action(ReasonFamily::LimitHits), Some("Call about the Pro plan"));
//! assert_eq!(mine.action(ReasonFamily::Detractor), None);
//! assert!(book.action_for_contacted(&[]).unwrap().starts_with("Account review call"));
//! assert_eq!(mine.action_for_contacted(&[]), None);
//! let err = Playbook::from_toml("[limit_hit]\naction = \"x\"\n", "mine.toml").unwrap_err();
//! assert!(err.to_string().starts_with("mine.toml:1: unknown reason family `limit_hit`"), "{err}");
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::reasons::ReasonFamily;
use crate::error::{Error, Result};
use crate::models::row::Reason;

/// The crate's default playbook (TOML).
pub const DEFAULT_PLAYBOOK: &str = include_str!("playbook.toml");

/// The playbook table of the action for a contacted customer without a reason.
pub const NO_REASON: &str = "no_reason";

/// One family's suggested action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Play {
    /// What to do.
    pub action: String,
    /// Where the advice comes from (optional).
    #[serde(default)]
    pub why: String,
}

/// Suggested actions by reason family (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Playbook {
    /// The actions, by family.
    pub plays: BTreeMap<ReasonFamily, Play>,
    /// The action for a customer worth contacting who has no reason (their risk is below the
    /// reasons' floor: contacted for their value), from the table `[no_reason]`.
    pub no_reason: Option<Play>,
}

impl Default for Playbook {
    /// The crate's default playbook ([`DEFAULT_PLAYBOOK`]).
    fn default() -> Self {
        // The default is parsed by a unit test, so this cannot fail in a release.
        Playbook::from_toml(DEFAULT_PLAYBOOK, "playbook.toml")
            .unwrap_or(Playbook { plays: BTreeMap::new(), no_reason: None })
    }
}

fn bad(path: &Path, line: Option<usize>, reason: impl Into<String>) -> Error {
    Error::BadPlaybook { file: path.to_owned(), line, reason: reason.into() }
}

impl Playbook {
    /// Reads a playbook file.
    pub fn read(path: impl AsRef<Path>) -> Result<Playbook> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read playbook", path, e))?;
        Self::from_toml(&text, path)
    }

    /// Parses playbook text (`path` names it in messages): a table per reason family with an
    /// `action` (non-empty) and an optional `why`.
    pub fn from_toml(text: &str, path: impl AsRef<Path>) -> Result<Playbook> {
        let path = path.as_ref();
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let raw: BTreeMap<String, toml::Value> =
            toml::from_str(text).map_err(|e| bad(path, e.span().map(|s| line_of(s.start)), e.message().to_owned()))?;
        let mut plays = BTreeMap::new();
        let mut no_reason = None;
        for (key, value) in raw {
            let line = text.find(&format!("[{key}]")).map(line_of);
            let family = ReasonFamily::ALL.into_iter().find(|f| f.as_str() == key);
            if family.is_none() && key != NO_REASON {
                let known: Vec<&str> = ReasonFamily::ALL.iter().map(|f| f.as_str()).chain([NO_REASON]).collect();
                return Err(bad(path, line, format!("unknown reason family `{key}` (known: {})", known.join(", "))));
            }
            let play: Play =
                value.try_into().map_err(|e: toml::de::Error| bad(path, line, format!("[{key}]: {}", e.message())))?;
            if play.action.trim().is_empty() {
                return Err(bad(path, line, format!("[{key}]: the action is empty")));
            }
            match family {
                Some(f) => {
                    plays.insert(f, play);
                }
                None => no_reason = Some(play),
            }
        }
        Ok(Playbook { plays, no_reason })
    }

    /// The action for `family`, when the playbook has one.
    pub fn action(&self, family: ReasonFamily) -> Option<&str> {
        self.plays.get(&family).map(|p| p.action.as_str())
    }

    /// The action for a customer: that of the first reason whose family has one.
    pub fn action_for(&self, reasons: &[Reason]) -> Option<&str> {
        reasons.iter().find_map(|r| self.action(r.family))
    }

    /// The action for a customer worth contacting: [`Playbook::action_for`], else (no reason
    /// has an action, e.g. a valuable customer below the reasons' risk floor) the `[no_reason]`
    /// action.
    pub fn action_for_contacted(&self, reasons: &[Reason]) -> Option<&str> {
        self.action_for(reasons).or(self.no_reason.as_ref().map(|p| p.action.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_playbook_parses_and_covers_every_family() {
        let book = Playbook::from_toml(DEFAULT_PLAYBOOK, "playbook.toml").unwrap();
        for f in ReasonFamily::ALL {
            assert!(book.action(f).is_some_and(|a| !a.is_empty()), "{f} has no action");
        }
        assert!(book.no_reason.as_ref().is_some_and(|p| !p.action.is_empty()), "no [no_reason] action");
        assert_eq!(Playbook::default(), book);
    }

    #[test]
    fn bad_playbooks_name_file_and_line() {
        let e = Playbook::from_toml("[detractor]\nwhy = \"x\"\n", "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:1: [detractor]: ") && e.contains("action"), "{e}");
        let e = Playbook::from_toml("[detractor]\naction = \"\"\n", "p.toml").unwrap_err().to_string();
        assert!(e.contains("the action is empty"), "{e}");
        let e = Playbook::from_toml("[detractor\n", "p.toml").unwrap_err().to_string();
        assert!(e.starts_with("p.toml:1:"), "{e}");
    }
}
