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

/// Prints data-quality findings to standard error, one `warning: …` line each: every command
/// prints its [`DataQuality`](attrition::io::quality::DataQuality) this way.
pub fn print_quality(quality: &attrition::io::quality::DataQuality) {
    for w in &quality.warnings {
        eprintln!("warning: {w}");
    }
}

/// The data-quality findings of tables just read (exact duplicate rows dropped, rare event types
/// merged into `other`, dated rows left out of the inferred data end as outliers), printed to
/// standard error and returned for a report.
pub fn warn_tables(loaded: &attrition::io::tables::LoadedTables) -> attrition::io::quality::DataQuality {
    let quality = attrition::io::quality::DataQuality::of_tables(loaded);
    print_quality(&quality);
    quality
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

/// The partitioned directory at `--tables`, opened, when it is one (`attrition partition`'s
/// output); `None` for a tables directory. A partitioned directory carries its schema in its
/// manifest, so `--schema` with one is refused.
#[cfg(feature = "parquet")]
pub fn partitioned(
    dir: &std::path::Path,
    schema: Option<&std::path::Path>,
) -> Result<Option<attrition::partition::Partitions>> {
    if !attrition::partition::is_partitioned(dir) {
        return Ok(None);
    }
    if let Some(s) = schema {
        return Err(attrition::Error::param(
            "--schema",
            s.display(),
            format!(
                "{} is a partitioned directory, read with the schema in its {}: leave --schema out",
                dir.display(),
                attrition::partition::MANIFEST_FILE
            ),
        ));
    }
    attrition::partition::Partitions::open(dir).map(Some)
}

/// Without the `parquet` feature there are no partitioned directories.
#[cfg(not(feature = "parquet"))]
pub fn partitioned(
    _dir: &std::path::Path,
    _schema: Option<&std::path::Path>,
) -> Result<Option<std::convert::Infallible>> {
    Ok(None)
}

/// Prints to standard error what reading a partitioned directory found (as [`warn_tables`] does
/// for a tables directory).
#[cfg(feature = "parquet")]
pub fn warn_partitions(
    read: &attrition::partition::PartitionsReadReport,
    data_end: Option<&attrition::features::DataEnd>,
) {
    for (file, n) in &read.duplicates {
        eprintln!("warning: {file} (all {} partitions): dropped {n} exact duplicate rows", read.partitions);
    }
    if let Some(end) = data_end
        && !end.outliers.is_empty()
    {
        eprintln!("warning: {end}");
    }
}
