//! Tables-directory arguments and the warnings of a tables load.

use attrition::Result;

/// `--max-event-types`, shared by the commands that read a tables directory; the cap is applied
/// once, by the library's reader ([`attrition::io::tables::ReadOptions::with_max_event_types`]).
#[derive(Debug, clap::Args)]
pub struct EventTypesArgs {
    /// Most event types kept when the tables are read (1–65535, `other` included): the types
    /// emitted by the fewest customers are merged into one type `other`, counted and reported (a
    /// schema's cancellation event is never merged).
    #[arg(long, default_value_t = attrition::features::DEFAULT_MAX_EVENT_TYPES as u16,
          value_parser = clap::value_parser!(u16).range(1..))]
    pub max_event_types: u16,
}

impl EventTypesArgs {
    /// Read options with this cap, strict or lenient.
    pub fn read_options(&self, lenient: bool) -> attrition::io::tables::ReadOptions {
        let o = if lenient {
            attrition::io::tables::ReadOptions::lenient()
        } else {
            attrition::io::tables::ReadOptions::strict()
        };
        o.with_max_event_types(Some(usize::from(self.max_event_types)))
    }
}

/// Prints the tables' data-quality warnings to standard error: exact duplicate rows dropped, and
/// dated rows left out of the inferred data end as outliers beyond the bulk of the data.
pub fn warn_tables(loaded: &attrition::io::tables::LoadedTables) {
    for f in &loaded.report.files {
        if f.duplicates > 0 {
            eprintln!("warning: {}: dropped {} exact duplicate rows", f.file.display(), f.duplicates);
        }
    }
    if let Some(end) = attrition::features::data_end(&loaded.tables, false)
        && !end.outliers.is_empty()
    {
        eprintln!("warning: {end}");
    }
}

/// Prints to standard error the event types the reader merged into `other` (for the commands
/// that do not print the load report).
pub fn warn_merged(loaded: &attrition::io::tables::LoadedTables) {
    if let Some(m) = &loaded.report.merged_event_types {
        eprintln!("warning: {m}");
    }
}

/// Reads a tables directory, through the schema file when `--schema` is given.
pub fn read_tables(
    dir: &std::path::Path,
    schema: Option<&std::path::Path>,
    options: &attrition::io::tables::ReadOptions,
) -> Result<attrition::io::tables::LoadedTables> {
    let schema = schema.map(attrition::io::schema::Schema::read).transpose()?;
    attrition::io::tables::read_tables_with(dir, schema.as_ref(), options)
}
