//! Writing a partitioned directory: one streaming pass over each source table.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema as ArrowSchema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::{
    MANIFEST_FILE, MANIFEST_FORMAT, MANIFEST_VERSION, PARTITION_TABLES, PartitionHash, PartitionManifest,
    PartitionParams, PartitionedTable, SOURCE_LINE_COLUMN, partition_of,
};
use crate::error::{Error, Result};
use crate::io::output::{OutputDir, Overwrite};
use crate::io::read::{SourceTable, open_source_table};
use crate::io::schema::{Schema, TableSchema};

/// Partitions the tables directory `dir` (read through `schema`, if any) into the directory `out`,
/// written atomically: it appears complete or not at all, replacing an existing `out` (the CLI
/// refuses to replace without `--force`, see [`crate::io::output::OutputPlan`]). Returns the
/// manifest written (see the [module documentation](super)).
pub fn partition_tables(
    dir: impl AsRef<Path>,
    schema: Option<&Schema>,
    params: &PartitionParams,
    out: impl AsRef<Path>,
) -> Result<PartitionManifest> {
    params.check()?;
    let out = OutputDir::create(out, Overwrite::Replace)?;
    let manifest = partition_tables_into(dir, schema, params, out.path())?;
    out.commit()?;
    Ok(manifest)
}

/// As [`partition_tables`], into the existing directory `out` (for a caller that manages the
/// output itself, e.g. an [`OutputDir`]): writes the partition directories and the manifest.
pub fn partition_tables_into(
    dir: impl AsRef<Path>,
    schema: Option<&Schema>,
    params: &PartitionParams,
    out: &Path,
) -> Result<PartitionManifest> {
    params.check()?;
    let dir = dir.as_ref();
    if !dir.is_dir() {
        return Err(Error::io(
            "read tables directory",
            dir,
            std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        ));
    }
    let n = params.partitions as usize;
    for i in 0..n {
        let p = out.join(PartitionManifest::part_name(i));
        std::fs::create_dir_all(&p).map_err(|e| Error::io("create directory", &p, e))?;
    }
    let mut read_schema = Schema { churn: schema.and_then(|s| s.churn.clone()), ..Schema::default() };
    let mut tables = Vec::new();
    for table in PARTITION_TABLES {
        let Some(source) = open_source_table(dir, schema, table, params.read.strictness)? else { continue };
        let (t, section) = copy_table(source, table, params, out)?;
        if matches!(table, "customers" | "subscriptions") && t.report.rows_read == 0 {
            return Err(Error::EmptyInput { file: t.source.clone(), reason: "no data rows" });
        }
        *section_mut(&mut read_schema, table) = Some(section);
        tables.push(t);
    }
    let manifest = PartitionManifest {
        format: MANIFEST_FORMAT.into(),
        version: MANIFEST_VERSION,
        partitions: params.partitions,
        hash: PartitionHash::Fnv1a64,
        schema: read_schema,
        tables,
    };
    let path = out.join(MANIFEST_FILE);
    let json =
        serde_json::to_string_pretty(&manifest).map_err(|e| Error::Json { path: Some(path.clone()), source: e })?;
    std::fs::write(&path, json + "\n").map_err(|e| Error::io("write", &path, e))?;
    Ok(manifest)
}

fn section_mut<'a>(s: &'a mut Schema, table: &str) -> &'a mut Option<TableSchema> {
    match table {
        "customers" => &mut s.customers,
        "subscriptions" => &mut s.subscriptions,
        "events" => &mut s.events,
        "nps" => &mut s.nps,
        _ => &mut s.campaign,
    }
}

/// Copies one source table into its partition files. Returns the table's manifest entry and the
/// schema section to read the partition files with.
fn copy_table(
    source: SourceTable<'_>,
    table: &str,
    params: &PartitionParams,
    out: &Path,
) -> Result<(PartitionedTable, TableSchema)> {
    let SourceTable { mut f, t, timestamp } = source;
    if f.headers.iter().any(|h| h == SOURCE_LINE_COLUMN) {
        return Err(Error::BadHeader {
            file: f.path.clone(),
            reason: format!("column `{SOURCE_LINE_COLUMN}` is reserved for partitioned tables"),
        });
    }
    let id = f.col(t.column("customer_id")).unwrap_or(usize::MAX);
    // Subscriptions without a product column: each row is its own product line, named after its
    // source line; the partitions carry that name in a product column.
    let line_products = table == "subscriptions" && f.col(t.column("product")).is_none();
    let mut columns = f.headers.clone();
    if line_products {
        columns.push(t.column("product").to_owned());
    }
    columns.push(SOURCE_LINE_COLUMN.to_owned());
    let mut fields: Vec<Field> =
        columns[..columns.len() - 1].iter().map(|c| Field::new(c, DataType::Utf8, false)).collect();
    fields.push(Field::new(SOURCE_LINE_COLUMN, DataType::UInt64, false));
    let arrow = Arc::new(ArrowSchema::new(fields));

    let n = params.partitions as usize;
    let file_name = format!("{table}.parquet");
    let per_part_budget = (params.memory_budget / n).max(64 << 10);
    let mut parts = (0..n)
        .map(|i| PartWriter::create(out.join(PartitionManifest::part_name(i)).join(&file_name), &arrow, params))
        .collect::<Result<Vec<_>>>()?;
    let n_text = columns.len() - 1;
    while let Some(rec) = f.next_record()? {
        let p = partition_of(rec.get(id), params.partitions) as usize;
        let w = &mut parts[p];
        let raw = rec.raw();
        let n_source = raw.len();
        for (k, b) in w.text.iter_mut().take(n_source).enumerate() {
            let v = raw.get(k).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("");
            w.bytes += v.len();
            b.append_value(v);
        }
        if line_products {
            w.text[n_text - 1].append_value(format!("line_{}", rec.line()));
        }
        w.lines.append_value(rec.line());
        w.pending += 1;
        w.rows += 1;
        f.accept();
        if w.pending >= params.batch_rows || w.bytes >= per_part_budget / 4 {
            w.flush_batch(per_part_budget)?;
        }
    }
    let mut rows = Vec::with_capacity(n);
    for w in parts {
        rows.push(w.rows);
        w.finish()?;
    }
    let mut section = t;
    section.file = Some(file_name);
    section.delimiter = None;
    if table == "events" {
        section.timestamp = timestamp;
    }
    section.ignore.push(SOURCE_LINE_COLUMN.to_owned());
    // Every column is copied: only the columns a typed source's format could not frame are left out.
    f.report.ignored_columns = f.unsupported.iter().map(|(n, ty)| format!("{n} ({ty}: not supported)")).collect();
    let format = f.format;
    let entry =
        PartitionedTable { table: table.to_owned(), source: f.path.clone(), format, columns, rows, report: f.report };
    Ok((entry, section))
}

/// One partition's file of the table being copied, with its buffered rows.
struct PartWriter {
    path: PathBuf,
    schema: Arc<ArrowSchema>,
    writer: ArrowWriter<BufWriter<File>>,
    text: Vec<StringBuilder>,
    lines: UInt64Builder,
    /// Rows and text bytes buffered.
    pending: usize,
    bytes: usize,
    /// Rows written in all.
    rows: u64,
}

impl PartWriter {
    fn create(path: PathBuf, schema: &Arc<ArrowSchema>, params: &PartitionParams) -> Result<PartWriter> {
        let file = File::create(&path).map_err(|e| Error::io("create", &path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
            .set_created_by(format!("attrition {}", env!("CARGO_PKG_VERSION")))
            .set_max_row_group_row_count(Some(1 << 20))
            .build();
        let writer = ArrowWriter::try_new(BufWriter::with_capacity(64 << 10, file), schema.clone(), Some(props))
            .map_err(|e| write_err(e, &path))?;
        let n_text = schema.fields().len() - 1;
        let cap = params.batch_rows.min(1024);
        Ok(PartWriter {
            path,
            schema: schema.clone(),
            writer,
            text: (0..n_text).map(|_| StringBuilder::with_capacity(cap, cap * 8)).collect(),
            lines: UInt64Builder::with_capacity(cap),
            pending: 0,
            bytes: 0,
            rows: 0,
        })
    }

    /// Writes the buffered rows as a batch; closes the row group when the writer holds more than
    /// `budget` bytes.
    fn flush_batch(&mut self, budget: usize) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let mut cols: Vec<ArrayRef> = self.text.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
        cols.push(Arc::new(self.lines.finish()));
        let batch = RecordBatch::try_new(self.schema.clone(), cols)
            .map_err(|e| write_err(parquet::errors::ParquetError::from(e), &self.path))?;
        self.writer.write(&batch).map_err(|e| write_err(e, &self.path))?;
        self.pending = 0;
        self.bytes = 0;
        if self.writer.in_progress_size() >= budget {
            self.writer.flush().map_err(|e| write_err(e, &self.path))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.flush_batch(usize::MAX)?;
        let path = self.path.clone();
        let inner = self.writer.into_inner().map_err(|e| write_err(e, &path))?;
        inner.into_inner().map_err(|e| Error::io("write", &path, e.into_error()))?;
        Ok(())
    }
}

fn write_err(e: parquet::errors::ParquetError, path: &Path) -> Error {
    Error::io("write Parquet", path, std::io::Error::other(e.to_string()))
}
