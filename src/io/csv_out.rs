//! Writing CSV: every CSV the crate writes is quoted by the `csv` crate's rules.
//!
//! [`CsvOut`] is a `csv::Writer` over any writer whose errors name the output, for the
//! record-at-a-time outputs (target lists, out-of-fold predictions, scores). The parallel bulk
//! writers (`events.csv`, flat tables, streamed scores) format rows into a buffer per chunk; they
//! append each text field with [`push_field`], which quotes exactly when `csv::Writer` does (a
//! test holds the two equal), so an id holding a comma, a quote or a line break reads back as
//! written.
//!
//! ```
//! use attrition::io::csv_out::CsvOut;
//! let mut w = CsvOut::new(Vec::new(), "-");
//! w.record(["customer_id", "p_churn"]).unwrap();
//! w.record(["acme, inc.", "0.25"]).unwrap();
//! assert_eq!(String::from_utf8(w.into_inner().unwrap()).unwrap(), "customer_id,p_churn\n\"acme, inc.\",0.25\n");
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A CSV writer over `W` whose errors are [`Error::Io`] naming `path`.
pub struct CsvOut<W: Write> {
    w: csv::Writer<W>,
    path: PathBuf,
}

impl<W: Write> CsvOut<W> {
    /// Writes comma-separated records to `w`; `path` names the output in errors (`-` for
    /// standard output).
    pub fn new(w: W, path: impl AsRef<Path>) -> Self {
        CsvOut { w: csv::Writer::from_writer(w), path: path.as_ref().to_path_buf() }
    }

    /// Writes one record.
    pub fn record<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.w.write_record(fields).map_err(|e| csv_error(&self.path, e))
    }

    /// Flushes and returns the underlying writer (e.g. an `OutputFile` to commit).
    pub fn into_inner(self) -> Result<W> {
        let path = self.path;
        self.w.into_inner().map_err(|e| Error::io("write", &path, std::io::Error::other(e.error().to_string())))
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let kind = match e.kind() {
        csv::ErrorKind::Io(io) => io.kind(),
        _ => std::io::ErrorKind::Other,
    };
    Error::io("write", path, std::io::Error::new(kind, e.to_string()))
}

/// Appends one text field to a CSV line, quoted when `csv::Writer` would quote it (a comma,
/// quote, line feed or carriage return in it), inner quotes doubled.
pub(crate) fn push_field(line: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&v.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(v);
    }
}

/// [`push_field`] as an owned string.
pub(crate) fn field(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    push_field(&mut s, v);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_field_quotes_as_csv_writer_does() {
        let fields = ["plain", "a,b", "say \"hi\"", "line\nbreak", "cr\rx", "", " spaced ", "#hash", "tab\tx", "é;ü"];
        for f in fields {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["x", f]).unwrap();
            let want = String::from_utf8(w.into_inner().unwrap()).unwrap();
            let mut got = String::from("x,");
            push_field(&mut got, f);
            got.push('\n');
            assert_eq!(got, want, "field {f:?}");
        }
    }
}
