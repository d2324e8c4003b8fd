//! Sorted runs of CSV records and their k-way merge: how the partitions' outputs become one file
//! in the unpartitioned order without holding the population in memory.
//!
//! Each partition's worker writes its rows as a CSV file with a header (the *run*) and, beside
//! it, each record's sort key (the customer's source line, a little-endian `u64` per record) in
//! ascending order. [`Runs::merge`] then reads all runs at once, a record at a time, and writes
//! them in key order (ties: lower partition first, then the run's own order), the header once.
//! Memory: one read buffer per run. The runs live in a temporary directory removed when the
//! [`Runs`] is dropped — after the merge, on an error, or on a panic that unwinds.
//!
//! Records are framed as RFC 4180 (a quoted field may hold line breaks): a record ends at a line
//! feed outside quotes. Every run is written by this crate ([`crate::io::csv_out`]'s quoting), so
//! counting quotes is exact.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Read and write buffer per run file.
const RUN_BUFFER: usize = 1 << 16;

/// The temporary run files of `n` partitions (see the [module docs](self)).
#[derive(Debug)]
pub(crate) struct Runs {
    dir: tempfile::TempDir,
    n: usize,
}

/// The writer of one partition's run: the CSV records (`Write`) and their keys ([`RunWriter::key`]).
pub(crate) struct RunWriter {
    csv: BufWriter<File>,
    keys: BufWriter<File>,
    csv_path: PathBuf,
    keys_path: PathBuf,
    last: Option<u64>,
}

impl Runs {
    /// A new temporary directory for `n` runs, inside `parent`.
    pub(crate) fn new(n: usize, parent: &Path) -> Result<Runs> {
        let dir = tempfile::Builder::new()
            .prefix(".attrition-runs-")
            .tempdir_in(parent)
            .map_err(|e| Error::io("create a temporary directory in", parent, e))?;
        Ok(Runs { dir, n })
    }

    fn csv_path(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("run-{i:05}.csv"))
    }

    fn keys_path(&self, i: usize) -> PathBuf {
        self.dir.path().join(format!("run-{i:05}.keys"))
    }

    /// The writer of run `i` (created empty).
    pub(crate) fn writer(&self, i: usize) -> Result<RunWriter> {
        let (csv_path, keys_path) = (self.csv_path(i), self.keys_path(i));
        // Scratch files, not outputs: `self.dir` is a fresh `tempfile::TempDir` (in the output's
        // directory or the system's), so these names can never be an input or the final output;
        // the directory and its runs are removed when `Runs` drops, on success and on error. The
        // output itself is written by `merge` into the caller's `Sink` (temp + rename).
        let create = |p: &Path| {
            File::create(p).map(|f| BufWriter::with_capacity(RUN_BUFFER, f)).map_err(|e| Error::io("create", p, e))
        };
        Ok(RunWriter { csv: create(&csv_path)?, keys: create(&keys_path)?, csv_path, keys_path, last: None })
    }

    /// Writes the runs' records to `out` in key order, the header (every run's first record)
    /// once: the header of the first run with a record (all of them must agree), else of run 0.
    /// Returns the records written, not counting the header.
    pub(crate) fn merge(&self, out: &mut impl Write, out_name: &Path) -> Result<u64> {
        let mut readers = Vec::with_capacity(self.n);
        let mut headers = Vec::with_capacity(self.n);
        for i in 0..self.n {
            let mut r = RunReader::open(self.csv_path(i), self.keys_path(i))?;
            let mut header = Vec::new();
            if !r.next_record(&mut header)? {
                return Err(r.corrupt("no header"));
            }
            headers.push(header);
            readers.push(r);
        }
        let mut heap = BinaryHeap::with_capacity(self.n);
        for (i, r) in readers.iter_mut().enumerate() {
            if let Some(k) = r.next_key()? {
                heap.push(Reverse((k, i)));
            }
        }
        let header = match heap.iter().map(|Reverse((_, i))| *i).min() {
            Some(first) => {
                for Reverse((_, i)) in heap.iter() {
                    if headers[*i] != headers[first] {
                        return Err(Error::FeatureMismatch {
                            reason: format!(
                                "partitions {first} and {i} write different columns:\n  {}\n  {}",
                                String::from_utf8_lossy(&headers[first]).trim_end(),
                                String::from_utf8_lossy(&headers[*i]).trim_end()
                            ),
                        });
                    }
                }
                &headers[first]
            }
            None => headers.first().ok_or(Error::EmptyData { context: "merging partition runs: no partition" })?,
        };
        let werr = |e| Error::io("write", out_name, e);
        out.write_all(header).map_err(werr)?;
        let mut record = Vec::new();
        let mut rows = 0u64;
        while let Some(Reverse((_, i))) = heap.pop() {
            let r = &mut readers[i];
            record.clear();
            if !r.next_record(&mut record)? {
                return Err(r.corrupt("fewer records than keys"));
            }
            out.write_all(&record).map_err(werr)?;
            rows += 1;
            if let Some(k) = r.next_key()? {
                heap.push(Reverse((k, i)));
            }
        }
        for r in &mut readers {
            record.clear();
            if r.next_record(&mut record)? {
                return Err(r.corrupt("more records than keys"));
            }
        }
        Ok(rows)
    }
}

impl RunWriter {
    /// Records the key of the next record written; keys must not decrease.
    pub(crate) fn key(&mut self, key: u64) -> Result<()> {
        if self.last.is_some_and(|l| key < l) {
            return Err(Error::Numerical {
                context: "partition run",
                reason: format!("keys out of order in {} ({key} after {:?})", self.keys_path.display(), self.last),
            });
        }
        self.last = Some(key);
        self.keys.write_all(&key.to_le_bytes()).map_err(|e| Error::io("write", &self.keys_path, e))
    }

    /// The run's CSV file (for messages).
    pub(crate) fn path(&self) -> &Path {
        &self.csv_path
    }

    /// Flushes and closes the run.
    pub(crate) fn finish(mut self) -> Result<()> {
        self.csv.flush().map_err(|e| Error::io("write", &self.csv_path, e))?;
        self.keys.flush().map_err(|e| Error::io("write", &self.keys_path, e))
    }
}

impl Write for RunWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.csv.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.csv.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.csv.flush()
    }
}

/// Reads a run back: its records and keys.
struct RunReader {
    csv: BufReader<File>,
    keys: BufReader<File>,
    csv_path: PathBuf,
    keys_path: PathBuf,
}

impl RunReader {
    fn open(csv_path: PathBuf, keys_path: PathBuf) -> Result<RunReader> {
        let open = |p: &Path| {
            File::open(p).map(|f| BufReader::with_capacity(RUN_BUFFER, f)).map_err(|e| Error::io("open", p, e))
        };
        Ok(RunReader { csv: open(&csv_path)?, keys: open(&keys_path)?, csv_path, keys_path })
    }

    /// Appends the next record (with its line feed) to `buf`; `false` at the end of the run.
    fn next_record(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        let start = buf.len();
        let mut quotes = 0usize;
        loop {
            let from = buf.len();
            let n = self.csv.read_until(b'\n', buf).map_err(|e| Error::io("read", &self.csv_path, e))?;
            if n == 0 {
                if buf.len() == start {
                    return Ok(false);
                }
                return Err(self.corrupt("a record without its line feed"));
            }
            quotes += buf[from..].iter().filter(|&&b| b == b'"').count();
            if quotes % 2 == 0 && buf.last() == Some(&b'\n') {
                return Ok(true);
            }
        }
    }

    fn next_key(&mut self) -> Result<Option<u64>> {
        let mut b = [0u8; 8];
        let mut got = 0;
        while got < 8 {
            let n = self.keys.read(&mut b[got..]).map_err(|e| Error::io("read", &self.keys_path, e))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        match got {
            0 => Ok(None),
            8 => Ok(Some(u64::from_le_bytes(b))),
            _ => Err(self.corrupt("a truncated key")),
        }
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Numerical {
            context: "merging partition runs",
            reason: format!("{}: {what} (the temporary run was changed while merging)", self.csv_path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_runs_in_key_order_with_quoted_line_breaks_and_an_empty_run() {
        let dir = tempfile::tempdir().unwrap();
        let runs = Runs::new(3, dir.path()).unwrap();
        let write = |i: usize, rows: &[(u64, &str)]| {
            let mut w = runs.writer(i).unwrap();
            w.write_all(b"id,x\n").unwrap();
            for (k, r) in rows {
                w.key(*k).unwrap();
                w.write_all(r.as_bytes()).unwrap();
            }
            w.finish().unwrap();
        };
        write(0, &[(2, "b,1\n"), (2, "b,2\n"), (7, "\"g\nh\",\"say \"\"x\"\"\"\n")]);
        write(1, &[]);
        write(2, &[(1, "a,0\n"), (5, "e,\"5,5\"\n")]);
        let mut out = Vec::new();
        let rows = runs.merge(&mut out, Path::new("out")).unwrap();
        assert_eq!(rows, 5);
        assert_eq!(String::from_utf8(out).unwrap(), "id,x\na,0\nb,1\nb,2\ne,\"5,5\"\n\"g\nh\",\"say \"\"x\"\"\"\n");
        let tmp = runs.dir.path().to_path_buf();
        drop(runs);
        assert!(!tmp.exists(), "the runs are removed with the Runs");
    }

    #[test]
    fn keys_must_not_decrease_and_headers_must_agree() {
        let dir = tempfile::tempdir().unwrap();
        let runs = Runs::new(2, dir.path()).unwrap();
        let mut w = runs.writer(0).unwrap();
        w.key(3).unwrap();
        assert!(w.key(2).is_err());
        let mut a = runs.writer(0).unwrap();
        a.write_all(b"id,x\n").unwrap();
        a.key(1).unwrap();
        a.write_all(b"a,1\n").unwrap();
        a.finish().unwrap();
        let mut b = runs.writer(1).unwrap();
        b.write_all(b"id,y\n").unwrap();
        b.key(2).unwrap();
        b.write_all(b"b,1\n").unwrap();
        b.finish().unwrap();
        let err = runs.merge(&mut Vec::new(), Path::new("out")).unwrap_err();
        assert!(err.to_string().contains("different columns"), "{err}");
    }
}
