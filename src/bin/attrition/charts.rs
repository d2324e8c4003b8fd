//! Report charts built from model evaluations: the library's section (re-exported for `demo` and
//! `report`).

pub use attrition::report::models::{ScoredModel as Scored, drivers, model_section};
