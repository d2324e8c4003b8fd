//! Outputs that never destroy an input and never appear half-written.
//!
//! Every file and directory `attrition` writes goes through this module:
//!
//! - [`OutputFile`] writes to a hidden temporary file beside the target
//!   (`.NAME.attrition-tmp-PID-XXXXXX`, in the same directory so the final step is a rename, not a
//!   copy) and renames it to the final name in [`OutputFile::commit`]. Dropped without a commit
//!   (an error, a panic) it removes the temporary file; a killed process leaves at most that hidden
//!   file, never a truncated file under the final name; the next successful run of the same
//!   output removes it ([`STALE_TEMPORARY`]). No `fsync` is made: a crash of the machine (not
//!   the process) may lose the newest output, never expose half of it.
//! - [`OutputDir`] does the same for a directory: files go into a hidden temporary directory that
//!   [`OutputDir::commit`] renames into place. Replacing an existing directory moves the old one
//!   aside, renames the new one in and then removes the old one.
//! - [`Sink`] is an [`OutputFile`] or, for the path `-`, standard output (for commands that stream).
//! - [`OutputPlan`] is the check made *before* anything is opened for writing: an output that
//!   resolves to one of the inputs (the same path after resolving symbolic links and `..`, the same
//!   file through a hard link, or an output directory that holds an input) is an
//!   [`Error::OutputIsInput`] naming both paths and flags, and an output that already exists is an
//!   [`Error::OutputExists`] unless replacing was allowed ([`Overwrite::Replace`], the command
//!   line's `--force`).
//!
//! The policy of the command line: an existing output is replaced only with `--force`; the one
//! exception is a report directory `attrition` wrote itself and nobody has changed or added to
//! since (its manifest, [`MANIFEST`], lists every entry with the size and SHA-256 it was written
//! with), which `demo` and `report` replace so that the demo can be re-run. Library functions
//! that take a path ([`crate::io::write_flat::write_flat`],
//! [`crate::models::trained::TrainedModel::save`], …) replace an existing file atomically, as
//! `std::fs::write` would; check with an [`OutputPlan`] first to refuse instead.
//!
//! ```
//! # fn main() -> attrition::Result<()> {
//! use std::io::Write;
//! use attrition::io::output::{Overwrite, OutputFile, OutputPlan};
//! use attrition::Error;
//! let dir = tempfile::tempdir().unwrap();
//! let data = dir.path().join("data.csv");
//! std::fs::write(&data, "id,x\n1,2\n").unwrap();
//!
//! // An output that is an input is refused before anything is written.
//! let plan = OutputPlan::new().input("--data", &data);
//! let err = plan.check_file("--out", &dir.path().join("./data.csv")).unwrap_err();
//! assert!(matches!(err, Error::OutputIsInput { .. }));
//! assert_eq!(std::fs::read_to_string(&data).unwrap(), "id,x\n1,2\n");
//!
//! // A new output appears only when it is complete.
//! let out = dir.path().join("scores.csv");
//! plan.check_file("--out", &out)?;
//! let mut f = OutputFile::create(&out, Overwrite::Refuse)?;
//! f.write_all(b"id,p\n").unwrap();
//! assert!(!out.exists());
//! f.commit()?;
//! assert_eq!(std::fs::read_to_string(&out).unwrap(), "id,p\n");
//!
//! // It exists now: replacing it needs `--force` (Overwrite::Replace).
//! assert!(matches!(plan.check_file("--out", &out), Err(Error::OutputExists { .. })));
//! plan.clone().overwrite(Overwrite::Replace).check_file("--out", &out)?;
//! # Ok(()) }
//! ```

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The path that means standard input (for readers) or standard output (for writers of one file).
pub const STDIO: &str = "-";

/// Name of the manifest an [`OutputDir`] writes into the directory it commits: one entry per
/// line, `name<TAB>bytes<TAB>sha256` for a file. A directory whose manifest lists all its entries,
/// each file still of its recorded size and digest, was written by `attrition` and not
/// changed since, so [`OutputPlan::replace_own_dirs`] may replace it.
pub const MANIFEST: &str = ".attrition-output";

/// Marker in the names of temporary files and directories (`.NAME.attrition-tmp-PID-XXXXXX`).
pub const TEMP_MARKER: &str = "attrition-tmp-";

/// Whether `path` is `-`, standard input or output.
///
/// ```
/// use attrition::io::output::is_stdio;
/// assert!(is_stdio("-".as_ref()));
/// assert!(!is_stdio("./-".as_ref()));
/// ```
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == STDIO
}

/// What to do when an output already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overwrite {
    /// An existing output is an [`Error::OutputExists`] (the command line's default).
    Refuse,
    /// An existing output is replaced, atomically (the command line's `--force`).
    Replace,
}

impl Overwrite {
    /// [`Overwrite::Replace`] when `force` is set, else [`Overwrite::Refuse`].
    pub fn from_force(force: bool) -> Self {
        if force { Overwrite::Replace } else { Overwrite::Refuse }
    }
}

/// How an output path resolves to an input (see [`Error::OutputIsInput`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clash {
    /// Both paths resolve to the same file or directory (after symbolic links, `.` and `..`).
    SamePath,
    /// The output is another name (a hard link) of the input file.
    HardLink,
    /// The input lies inside the output directory, which writing the output would replace.
    InsideOutputDir,
}

impl std::fmt::Display for Clash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Clash::SamePath => "is the input",
            Clash::HardLink => "is a hard link to the input",
            Clash::InsideOutputDir => "is a directory holding the input",
        })
    }
}

/// How two outputs of one command resolve to each other (see [`Error::OutputsClash`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputClash {
    /// Both paths resolve to the same file (after symbolic links, `.` and `..`).
    SamePath,
    /// One is another name (a hard link) of the other, an existing file.
    HardLink,
    /// The second lies inside the first, an output directory.
    InsideOutputDir,
}

impl std::fmt::Display for OutputClash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OutputClash::SamePath => "is the same file as",
            OutputClash::HardLink => "is a hard link to",
            OutputClash::InsideOutputDir => "lies inside the output directory",
        })
    }
}

/// One output of a command for [`OutputPlan::check_outputs`]: the flag naming it, its path and
/// whether it is a directory.
#[derive(Debug, Clone, Copy)]
pub struct Output<'a> {
    /// The flag (or role) naming the output.
    pub flag: &'a str,
    /// The path as given.
    pub path: &'a Path,
    /// Whether the output is a directory of files.
    pub dir: bool,
}

impl<'a> Output<'a> {
    /// An output file.
    pub fn file(flag: &'a str, path: &'a Path) -> Self {
        Output { flag, path, dir: false }
    }

    /// An output directory.
    pub fn dir(flag: &'a str, path: &'a Path) -> Self {
        Output { flag, path, dir: true }
    }
}

/// Whether an output is one file or a directory of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
}

/// The checks made before a command opens anything for writing: its inputs (with the flags that
/// named them) and whether existing outputs may be replaced. Setters never fail; the `check_*`
/// and `create_*` methods return the errors.
///
/// Inputs that are `-` (standard input) or do not exist are not compared (reading them fails
/// with its own error, or there is nothing to destroy).
#[derive(Debug, Clone)]
pub struct OutputPlan {
    inputs: Vec<(String, PathBuf)>,
    overwrite: Overwrite,
    replace_own_dirs: bool,
}

impl Default for OutputPlan {
    fn default() -> Self {
        OutputPlan { inputs: Vec::new(), overwrite: Overwrite::Refuse, replace_own_dirs: false }
    }
}

impl OutputPlan {
    /// No inputs, existing outputs refused.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets whether existing outputs are replaced (default [`Overwrite::Refuse`]).
    pub fn overwrite(mut self, overwrite: Overwrite) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Replace existing outputs when `force` is set (the command line's `--force`).
    pub fn force(self, force: bool) -> Self {
        self.overwrite(Overwrite::from_force(force))
    }

    /// Lets an output directory replace an existing directory that an [`OutputDir`] wrote and
    /// nobody changed since (its [`MANIFEST`] lists exactly its entries), even without `--force`.
    /// Default off.
    pub fn replace_own_dirs(mut self, yes: bool) -> Self {
        self.replace_own_dirs = yes;
        self
    }

    /// Adds an input file or directory, named by `flag` in messages.
    pub fn input(mut self, flag: impl Into<String>, path: impl AsRef<Path>) -> Self {
        self.inputs.push((flag.into(), path.as_ref().to_path_buf()));
        self
    }

    /// Adds a tables directory and every table file it may hold
    /// ([`crate::io::tables::TABLE_FILES`]): an output may be a new file inside the directory,
    /// but not one of its tables, nor the directory itself.
    pub fn tables_input(mut self, flag: impl Into<String>, dir: impl AsRef<Path>) -> Self {
        let flag = flag.into();
        let dir = dir.as_ref();
        for f in crate::io::tables::TABLE_FILES {
            self.inputs.push((flag.clone(), dir.join(f)));
        }
        self.inputs.push((flag, dir.to_path_buf()));
        self
    }

    /// The overwrite policy.
    pub fn overwrite_policy(&self) -> Overwrite {
        self.overwrite
    }

    /// Checks an output file: not an input, and absent unless replacing is allowed. `-` (standard
    /// output) always passes.
    pub fn check_file(&self, flag: &str, path: &Path) -> Result<()> {
        self.check(flag, path, Kind::File)
    }

    /// Checks an output directory: not an input, holding no input, and absent unless replacing is
    /// allowed (or it is a directory this crate wrote, with [`OutputPlan::replace_own_dirs`]).
    pub fn check_dir(&self, flag: &str, path: &Path) -> Result<()> {
        if is_stdio(path) {
            return Err(Error::param(
                "output",
                STDIO,
                format!("{flag}: an output directory cannot be standard output"),
            ));
        }
        self.check(flag, path, Kind::Dir)
    }

    /// Checks every output of a command: each is checked as [`OutputPlan::check_file`] or
    /// [`OutputPlan::check_dir`] does, and no two are the same file (the same path after
    /// resolving symbolic links and `..`, or hard links to one existing file) nor one inside
    /// the other's directory ([`Error::OutputsClash`]): the second written would destroy the
    /// first, whether or not either exists yet. Standard output (`-`) may appear once.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use attrition::io::output::{Output, OutputPlan};
    /// use attrition::Error;
    /// let dir = tempfile::tempdir()?;
    /// let (a, b) = (dir.path().join("features.csv"), dir.path().join("build.json"));
    /// let plan = OutputPlan::new();
    /// plan.check_outputs(&[Output::file("--out", &a), Output::file("--save-build", &b)])?;
    /// let same = dir.path().join("sub/../features.csv");
    /// std::fs::create_dir(dir.path().join("sub"))?;
    /// let err = plan.check_outputs(&[Output::file("--out", &a), Output::file("--save-build", &same)]);
    /// assert!(matches!(err, Err(Error::OutputsClash { .. })));
    /// # Ok(()) }
    /// ```
    pub fn check_outputs(&self, outputs: &[Output<'_>]) -> Result<()> {
        for o in outputs {
            if o.dir { self.check_dir(o.flag, o.path)? } else { self.check_file(o.flag, o.path)? }
        }
        let clash = |first: &Output<'_>, second: &Output<'_>, clash: OutputClash| Error::OutputsClash {
            first_flag: first.flag.to_owned(),
            first: first.path.to_path_buf(),
            second_flag: second.flag.to_owned(),
            second: second.path.to_path_buf(),
            clash,
        };
        for (i, first) in outputs.iter().enumerate() {
            for second in &outputs[i + 1..] {
                if is_stdio(first.path) || is_stdio(second.path) {
                    if is_stdio(first.path) && is_stdio(second.path) {
                        return Err(clash(first, second, OutputClash::SamePath));
                    }
                    continue;
                }
                let (a, b) = (resolve_loosely(first.path), resolve_loosely(second.path));
                if a == b {
                    return Err(clash(first, second, OutputClash::SamePath));
                }
                if let (Some(x), Some(y)) = (file_id(first.path), file_id(second.path))
                    && x == y
                {
                    return Err(clash(first, second, OutputClash::HardLink));
                }
                if first.dir && b.starts_with(&a) {
                    return Err(clash(first, second, OutputClash::InsideOutputDir));
                }
                if second.dir && a.starts_with(&b) {
                    return Err(clash(second, first, OutputClash::InsideOutputDir));
                }
            }
        }
        Ok(())
    }

    /// Checks and opens an output file (or standard output for `-`).
    pub fn create_file(&self, flag: &str, path: &Path) -> Result<Sink> {
        self.check_file(flag, path)?;
        if is_stdio(path) {
            return Ok(Sink::stdout());
        }
        Ok(Sink::File(OutputFile::create_flagged(path, self.overwrite, flag)?))
    }

    /// Checks and opens an output directory.
    pub fn create_dir(&self, flag: &str, path: &Path) -> Result<OutputDir> {
        self.check_dir(flag, path)?;
        let replace = self.overwrite == Overwrite::Replace || (self.replace_own_dirs && is_own_dir(path));
        OutputDir::create_flagged(path, Overwrite::from_force(replace), flag)
    }

    fn check(&self, flag: &str, path: &Path, kind: Kind) -> Result<()> {
        if is_stdio(path) {
            return Ok(());
        }
        let out = resolve_loosely(path);
        let out_id = file_id(path);
        for (in_flag, input) in &self.inputs {
            if is_stdio(input) {
                continue;
            }
            let Ok(inp) = fs::canonicalize(input) else { continue };
            let clash = if out == inp {
                Some(Clash::SamePath)
            } else if out_id.is_some() && out_id == file_id(input) {
                Some(Clash::HardLink)
            } else if kind == Kind::Dir && inp.starts_with(&out) {
                Some(Clash::InsideOutputDir)
            } else {
                None
            };
            if let Some(clash) = clash {
                return Err(Error::OutputIsInput {
                    output_flag: flag.to_owned(),
                    output: path.to_path_buf(),
                    input_flag: in_flag.clone(),
                    input: input.clone(),
                    clash,
                });
            }
        }
        match fs::symlink_metadata(path) {
            Ok(_) => {
                let own = kind == Kind::Dir && self.replace_own_dirs && is_own_dir(path);
                if self.overwrite == Overwrite::Refuse && !own {
                    return Err(Error::OutputExists { flag: flag.to_owned(), path: path.to_path_buf() });
                }
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("inspect output", path, e)),
        }
    }
}

/// The canonical form of `path`'s longest existing ancestor joined with the rest of it (`.` and
/// `..` applied to the names): the path itself, resolved, when it exists; two outputs that do
/// not exist yet, under directories that do not exist yet either, still compare equal when they
/// name the same place.
fn resolve_loosely(path: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf());
    let parts: Vec<Component<'_>> = abs.components().collect();
    for k in (1..=parts.len()).rev() {
        let prefix: PathBuf = parts[..k].iter().collect();
        if let Ok(mut out) = fs::canonicalize(&prefix) {
            for c in &parts[k..] {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(n) => out.push(n),
                    _ => {}
                }
            }
            return out;
        }
    }
    abs
}

/// Device and inode of the file at `path` (following symbolic links), where the platform has them.
#[cfg(unix)]
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_id(_path: &Path) -> Option<(u64, u64)> {
    None
}

/// Whether `dir` is a directory whose [`MANIFEST`] lists every one of its entries, each plain
/// file with the size and SHA-256 it was written with (a file edited since, or added, makes the
/// directory someone else's; a manifest line of a name alone, as versions before the digests
/// wrote, is taken on its name).
fn is_own_dir(dir: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(dir) else { return false };
    if !meta.is_dir() {
        return false;
    }
    let Ok(text) = fs::read_to_string(dir.join(MANIFEST)) else { return false };
    let listed: std::collections::HashMap<&str, Option<(&str, &str)>> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut parts = l.split('\t');
            let name = parts.next().unwrap_or_default();
            (name, parts.next().zip(parts.next()))
        })
        .collect();
    let Ok(entries) = fs::read_dir(dir) else { return false };
    for e in entries {
        let Ok(e) = e else { return false };
        let name = e.file_name();
        let Some(name) = name.to_str() else { return false };
        if name == MANIFEST {
            continue;
        }
        // Only plain files the manifest names (a subdirectory or a link is someone else's).
        let plain = e.file_type().is_ok_and(|t| t.is_file());
        let unchanged = match listed.get(name) {
            None => false,
            Some(None) => true,
            Some(Some((len, sha))) => {
                let path = e.path();
                fs::metadata(&path).is_ok_and(|m| m.len().to_string() == *len) && digest(&path).is_ok_and(|d| d == *sha)
            }
        };
        if !(plain && unchanged) {
            return false;
        }
    }
    true
}

/// How long a temporary output must have gone unmodified before a later run of the same output
/// removes it whatever its writer (an hour leaves any clock skew of a shared file system well
/// behind); one whose writing process has died (named in the temporary,
/// `.NAME.attrition-tmp-PID-…`, and absent from `/proc`) is removed after a minute.
pub const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the temporaries of `path` (`.NAME.attrition-tmp-PID-*` beside it, files or
/// directories) that a killed run of the same output left: those whose process is gone (on
/// Linux, where `/proc` tells) and unmodified for a minute, and any unmodified for
/// [`STALE_TEMPORARY`]. A process that dies normally removes its own. Called after each
/// successful commit; errors are ignored (a temporary it cannot remove stays, as before).
fn remove_stale_temporaries(path: &Path) {
    let Ok(prefix) = temp_prefix(path) else { return };
    let Ok(entries) = fs::read_dir(parent_of(path)) else { return };
    let now = std::time::SystemTime::now();
    let proc_known = Path::new("/proc/self").exists();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else { continue };
        let Ok(meta) = e.metadata() else { continue };
        let Some(age) = meta.modified().ok().and_then(|m| now.duration_since(m).ok()) else { continue };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let writer_gone =
            proc_known && pid.is_some_and(|p| p != std::process::id() && !Path::new(&format!("/proc/{p}")).exists());
        if age >= STALE_TEMPORARY || (writer_gone && age >= std::time::Duration::from_secs(60)) {
            let _ = if meta.is_dir() { fs::remove_dir_all(e.path()) } else { fs::remove_file(e.path()) };
        }
    }
}

/// SHA-256 of a file's bytes, in lowercase hex.
fn digest(path: &Path) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut f = fs::File::open(path).map_err(|e| Error::io("read", path, e))?;
    let mut h = Sha256::new();
    io::copy(&mut f, &mut h).map_err(|e| Error::io("read", path, e))?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The directory an output lives in (`.` for a bare file name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// `.NAME.attrition-tmp-` for `path`.
fn temp_prefix(path: &Path) -> Result<String> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::param("output", path.display(), "an output needs a file name (UTF-8, not `..`)"))?;
    Ok(format!(".{name}.{TEMP_MARKER}"))
}

#[cfg(unix)]
fn default_permissions(dir: bool) -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    // Narrowed by the umask at creation, as for any new file (tempfile's default is 0600).
    fs::Permissions::from_mode(if dir { 0o777 } else { 0o666 })
}

/// An output file written atomically: see the [module docs](self).
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use std::io::Write;
/// use attrition::io::output::{Overwrite, OutputFile};
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("out.csv");
/// {
///     let mut f = OutputFile::create(&path, Overwrite::Refuse)?;
///     f.write_all(b"half a fi").unwrap();
///     // dropped without commit: an error happened
/// }
/// assert!(!path.exists());
/// assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0); // no temporary file left either
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OutputFile {
    tmp: BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
    overwrite: Overwrite,
    flag: String,
}

impl OutputFile {
    /// Opens a temporary file beside `path` (no check against inputs: see [`OutputPlan`]). With
    /// [`Overwrite::Refuse`], an existing `path` is an [`Error::OutputExists`] now and at commit.
    pub fn create(path: impl AsRef<Path>, overwrite: Overwrite) -> Result<OutputFile> {
        Self::create_flagged(path.as_ref(), overwrite, "output")
    }

    fn create_flagged(path: &Path, overwrite: Overwrite, flag: &str) -> Result<OutputFile> {
        if overwrite == Overwrite::Refuse && fs::symlink_metadata(path).is_ok() {
            return Err(Error::OutputExists { flag: flag.to_owned(), path: path.to_path_buf() });
        }
        let prefix = format!("{}{}-", temp_prefix(path)?, std::process::id());
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).rand_bytes(6);
        #[cfg(unix)]
        b.permissions(default_permissions(false));
        let tmp = b.tempfile_in(parent_of(path)).map_err(|e| Error::io("create", path, e))?;
        Ok(OutputFile {
            tmp: BufWriter::with_capacity(1 << 20, tmp),
            path: path.to_path_buf(),
            overwrite,
            flag: flag.into(),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written, e.g. to read back what was written before
    /// [`OutputFile::commit`] (call [`Write::flush`] first: writes are buffered).
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use std::io::Write;
    /// use attrition::io::output::{Overwrite, OutputFile};
    /// let dir = tempfile::tempdir().unwrap();
    /// let mut f = OutputFile::create(dir.path().join("m.json"), Overwrite::Refuse)?;
    /// f.write_all(b"{}").unwrap();
    /// f.flush().unwrap();
    /// assert_eq!(std::fs::read(f.temp_path()).unwrap(), b"{}");
    /// # Ok(()) }
    /// ```
    pub fn temp_path(&self) -> &Path {
        self.tmp.get_ref().path()
    }

    /// Flushes and renames the temporary file to the final path.
    pub fn commit(self) -> Result<()> {
        let OutputFile { tmp, path, overwrite, flag } = self;
        let tmp = tmp.into_inner().map_err(|e| Error::io("write", &path, e.into_error()))?;
        let persisted = match overwrite {
            Overwrite::Replace => tmp.persist(&path),
            Overwrite::Refuse => tmp.persist_noclobber(&path),
        };
        match persisted {
            Ok(_) => {
                remove_stale_temporaries(&path);
                Ok(())
            }
            Err(e) if overwrite == Overwrite::Refuse && e.error.kind() == io::ErrorKind::AlreadyExists => {
                Err(Error::OutputExists { flag, path })
            }
            // Dropping `e.file` removes the temporary file.
            Err(e) => Err(Error::io("create", &path, e.error)),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.tmp.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// Writes `bytes` to `path` atomically (`-`: standard output).
pub fn write_bytes(path: impl AsRef<Path>, bytes: &[u8], overwrite: Overwrite) -> Result<()> {
    let path = path.as_ref();
    let mut sink = Sink::create(path, overwrite)?;
    sink.write_all(bytes).map_err(|e| Error::io("write", path, e))?;
    sink.commit()
}

/// Where a streaming command writes: an [`OutputFile`], or standard output for `-`.
#[derive(Debug)]
pub enum Sink {
    /// Standard output (buffered).
    Stdout(BufWriter<io::Stdout>),
    /// An atomic output file.
    File(OutputFile),
}

impl Sink {
    /// Standard output, or an [`OutputFile`] at `path` (no check against inputs: see
    /// [`OutputPlan::create_file`]).
    pub fn create(path: impl AsRef<Path>, overwrite: Overwrite) -> Result<Sink> {
        let path = path.as_ref();
        if is_stdio(path) { Ok(Self::stdout()) } else { Ok(Sink::File(OutputFile::create(path, overwrite)?)) }
    }

    fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(1 << 16, io::stdout()))
    }

    /// The final path (`-` for standard output), for messages.
    pub fn path(&self) -> &Path {
        match self {
            Sink::Stdout(_) => Path::new(STDIO),
            Sink::File(f) => f.path(),
        }
    }

    /// Whether this is standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Sink::Stdout(_))
    }

    /// A directory for scratch files the size of this output (e.g. sorted runs): the output
    /// file's own directory (the disk that will hold the output), or the system's temporary
    /// directory for standard output.
    pub fn scratch_dir(&self) -> PathBuf {
        match self {
            Sink::Stdout(_) => std::env::temp_dir(),
            Sink::File(f) => match f.path().parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            },
        }
    }

    /// Flushes standard output, or commits the file.
    pub fn commit(self) -> Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush().map_err(|e| Error::io("write", STDIO, e)),
            Sink::File(f) => f.commit(),
        }
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(w) => w.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::File(f) => f.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(w) => w.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

/// An output directory written atomically: files go into [`OutputDir::path`], a hidden temporary
/// directory beside the target, and [`OutputDir::commit`] renames it into place (writing the
/// [`MANIFEST`] first). Dropped without a commit, the temporary directory is removed.
///
/// ```
/// # fn main() -> attrition::Result<()> {
/// use attrition::io::output::{Overwrite, OutputDir};
/// let root = tempfile::tempdir().unwrap();
/// let target = root.path().join("report");
/// let out = OutputDir::create(&target, Overwrite::Refuse)?;
/// std::fs::write(out.path().join("index.html"), "<html></html>").unwrap();
/// assert!(!target.exists());
/// out.commit()?;
/// assert!(target.join("index.html").exists());
/// // Replacing it: the old directory is moved aside, the new one renamed in, the old one removed.
/// let again = OutputDir::create(&target, Overwrite::Replace)?;
/// std::fs::write(again.path().join("other.csv"), "a\n").unwrap();
/// again.commit()?;
/// assert!(!target.join("index.html").exists() && target.join("other.csv").exists());
/// assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct OutputDir {
    tmp: tempfile::TempDir,
    path: PathBuf,
    overwrite: Overwrite,
    flag: String,
}

impl OutputDir {
    /// Creates the temporary directory beside `path` (creating `path`'s parent directories if
    /// needed; no check against inputs: see [`OutputPlan::create_dir`]).
    pub fn create(path: impl AsRef<Path>, overwrite: Overwrite) -> Result<OutputDir> {
        Self::create_flagged(path.as_ref(), overwrite, "output")
    }

    fn create_flagged(path: &Path, overwrite: Overwrite, flag: &str) -> Result<OutputDir> {
        if overwrite == Overwrite::Refuse && fs::symlink_metadata(path).is_ok() {
            return Err(Error::OutputExists { flag: flag.to_owned(), path: path.to_path_buf() });
        }
        let parent = parent_of(path);
        fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
        let prefix = format!("{}{}-", temp_prefix(path)?, std::process::id());
        let mut b = tempfile::Builder::new();
        b.prefix(&prefix).rand_bytes(6);
        #[cfg(unix)]
        b.permissions(default_permissions(true));
        let tmp = b.tempdir_in(parent).map_err(|e| Error::io("create directory", path, e))?;
        Ok(OutputDir { tmp, path: path.to_path_buf(), overwrite, flag: flag.into() })
    }

    /// Where to write the directory's files now (the temporary directory).
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// The final path.
    pub fn final_path(&self) -> &Path {
        &self.path
    }

    /// Writes the [`MANIFEST`] and renames the directory into place, replacing an existing one
    /// when allowed.
    pub fn commit(self) -> Result<()> {
        let OutputDir { tmp, path, overwrite, flag } = self;
        let mut names: Vec<String> = fs::read_dir(tmp.path())
            .map_err(|e| Error::io("read directory", tmp.path(), e))?
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .filter(|n| n != MANIFEST)
            .collect();
        names.sort();
        let mut lines = String::new();
        for name in &names {
            let file = tmp.path().join(name);
            let line = match fs::symlink_metadata(&file) {
                Ok(m) if m.is_file() => format!("{name}\t{}\t{}\n", m.len(), digest(&file)?),
                _ => format!("{name}\n"),
            };
            lines.push_str(&line);
        }
        // Into the temporary directory: it appears under the final name only with the rename below.
        let manifest = tmp.path().join(MANIFEST);
        fs::write(&manifest, lines).map_err(|e| Error::io("write", &manifest, e))?;

        let exists = fs::symlink_metadata(&path).ok();
        let Some(old_meta) = exists else {
            let tmp_path = tmp.keep();
            fs::rename(&tmp_path, &path).map_err(|e| {
                let _ = fs::remove_dir_all(&tmp_path);
                Error::io("create directory", &path, e)
            })?;
            remove_stale_temporaries(&path);
            return Ok(());
        };
        if overwrite == Overwrite::Refuse {
            return Err(Error::OutputExists { flag, path });
        }
        // Move the old output aside under a name derived from the (unique) temporary one.
        let tmp_name = tmp.path().file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        let aside = parent_of(&path).join(tmp_name.replacen(TEMP_MARKER, "attrition-old-", 1));
        fs::rename(&path, &aside).map_err(|e| Error::io("move aside the old", &path, e))?;
        let tmp_path = tmp.keep();
        if let Err(e) = fs::rename(&tmp_path, &path) {
            let _ = fs::rename(&aside, &path);
            let _ = fs::remove_dir_all(&tmp_path);
            return Err(Error::io("create directory", &path, e));
        }
        let removed = if old_meta.is_dir() { fs::remove_dir_all(&aside) } else { fs::remove_file(&aside) };
        remove_stale_temporaries(&path);
        removed.map_err(|e| Error::io("remove the replaced copy (the new output is in place)", &aside, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clash_by_symlink_hard_link_and_directory() {
        let d = tempfile::tempdir().unwrap();
        let data = d.path().join("data.csv");
        fs::write(&data, "x\n").unwrap();
        let plan = OutputPlan::new().input("--data", &data).overwrite(Overwrite::Replace);
        let clash = |r: Result<()>| match r {
            Err(Error::OutputIsInput { clash, .. }) => clash,
            other => panic!("expected a clash, got {other:?}"),
        };
        fs::create_dir(d.path().join("sub")).unwrap();
        assert_eq!(clash(plan.check_file("--out", &d.path().join("sub/../data.csv"))), Clash::SamePath);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&data, d.path().join("link.csv")).unwrap();
            assert_eq!(clash(plan.check_file("--out", &d.path().join("link.csv"))), Clash::SamePath);
        }
        fs::hard_link(&data, d.path().join("hard.csv")).unwrap();
        #[cfg(unix)]
        assert_eq!(clash(plan.check_file("--out", &d.path().join("hard.csv"))), Clash::HardLink);
        assert_eq!(clash(plan.check_dir("--out", d.path())), Clash::InsideOutputDir);
        // A new file beside the input is fine, and so is a new directory.
        plan.check_file("--out", &d.path().join("new.csv")).unwrap();
        plan.check_dir("--out", &d.path().join("newdir")).unwrap();
        // An output file that is an input directory.
        let tables = OutputPlan::new().tables_input("--tables", d.path().join("sub"));
        assert_eq!(clash(tables.check_file("--out", &d.path().join("sub"))), Clash::SamePath);
        fs::write(d.path().join("sub/subscriptions.csv"), "x\n").unwrap();
        assert_eq!(clash(tables.check_file("--out", &d.path().join("sub/subscriptions.csv"))), Clash::SamePath);
        tables.check_file("--out", &d.path().join("sub/kpi.csv")).unwrap();
    }

    #[test]
    fn own_directories_only_when_untouched() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("report");
        let plan = OutputPlan::new().replace_own_dirs(true);
        let out = plan.create_dir("--out", &target).unwrap();
        fs::write(out.path().join("index.html"), "a").unwrap();
        out.commit().unwrap();
        // Written by us, untouched: replaced without --force.
        let out = plan.create_dir("--out", &target).unwrap();
        fs::write(out.path().join("index.html"), "b").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("index.html")).unwrap(), "b");
        // Someone added a file: refused, and the file survives.
        fs::write(target.join("notes.txt"), "mine").unwrap();
        assert!(matches!(plan.create_dir("--out", &target), Err(Error::OutputExists { .. })));
        assert!(matches!(OutputPlan::new().create_dir("--out", &target), Err(Error::OutputExists { .. })));
        assert_eq!(fs::read_to_string(target.join("notes.txt")).unwrap(), "mine");
        // A plain directory that is not ours is refused.
        let other = d.path().join("other");
        fs::create_dir(&other).unwrap();
        assert!(matches!(plan.check_dir("--out", &other), Err(Error::OutputExists { .. })));
    }

    #[test]
    fn refuse_is_checked_again_at_commit() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("o.csv");
        let mut f = OutputFile::create(&path, Overwrite::Refuse).unwrap();
        f.write_all(b"new").unwrap();
        // While it is written, the only trace is a hidden, recognisable temporary file.
        let names: Vec<String> =
            fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        assert!(names.len() == 1 && names[0].starts_with(".o.csv.attrition-tmp-"), "{names:?}");
        fs::write(&path, "someone else's").unwrap();
        assert!(matches!(f.commit(), Err(Error::OutputExists { .. })));
        assert_eq!(fs::read_to_string(&path).unwrap(), "someone else's");
        // Only the competing file remains: the temporary file went with the error.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_uncommitted_directory_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("world");
        {
            let out = OutputDir::create(&target, Overwrite::Refuse).unwrap();
            fs::write(out.path().join("customers.csv"), "half").unwrap();
            // an error: dropped without commit
        }
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 0);
        // Standard output is not a directory.
        assert!(matches!(OutputPlan::new().check_dir("--out", Path::new("-")), Err(Error::InvalidParameter { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn new_files_get_ordinary_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("o.csv");
        write_bytes(&path, b"x", Overwrite::Refuse).unwrap();
        let reference = d.path().join("r.csv");
        fs::write(&reference, b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

    /// Two outputs of one command that name one file — through `..`, under directories that do
    /// not exist yet, or as hard links — or a file inside an output directory, are refused before
    /// anything is written; distinct outputs pass.
    #[test]
    fn outputs_that_name_one_file_are_refused() -> TestResult {
        let d = tempfile::tempdir()?;
        let plan = OutputPlan::new();
        let kind = |r: Result<()>| match r {
            Err(Error::OutputsClash { clash, .. }) => Some(clash),
            _ => None,
        };
        let (a, b) = (d.path().join("f.csv"), d.path().join("build.json"));
        plan.check_outputs(&[Output::file("--out", &a), Output::file("--save-build", &b)])?;
        fs::create_dir(d.path().join("sub"))?;
        let same = d.path().join("sub/../f.csv");
        let r = plan.check_outputs(&[Output::file("--out", &a), Output::file("--save-build", &same)]);
        assert_eq!(kind(r), Some(OutputClash::SamePath));
        let (x, y) = (d.path().join("new/dir/x.csv"), d.path().join("new/./dir/x.csv"));
        let r = plan.check_outputs(&[Output::file("--out", &x), Output::file("--drift-out", &y)]);
        assert_eq!(kind(r), Some(OutputClash::SamePath));
        let r =
            plan.check_outputs(&[Output::dir("--out", &d.path().join("new")), Output::file("--obfuscate-events", &x)]);
        assert_eq!(kind(r), Some(OutputClash::InsideOutputDir));
        let r =
            plan.check_outputs(&[Output::file("--obfuscate-events", &x), Output::dir("--out", &d.path().join("new"))]);
        assert_eq!(kind(r), Some(OutputClash::InsideOutputDir));
        fs::write(&a, "x")?;
        fs::hard_link(&a, d.path().join("hard.csv"))?;
        let forced = plan.clone().overwrite(Overwrite::Replace);
        let hard = d.path().join("hard.csv");
        let r = forced.check_outputs(&[Output::file("--out", &a), Output::file("--save-build", &hard)]);
        #[cfg(unix)]
        assert_eq!(kind(r), Some(OutputClash::HardLink));
        #[cfg(not(unix))]
        let _ = r;
        let dash = Path::new("-");
        assert_eq!(
            kind(plan.check_outputs(&[Output::file("--out", dash), Output::file("--drift-out", dash)])),
            Some(OutputClash::SamePath)
        );
        plan.check_outputs(&[Output::file("--out", dash), Output::file("--save-build", &b)])?;
        Ok(())
    }

    /// A report directory whose file was edited since it was written is someone else's: not
    /// replaced without `--force`, and the edit survives.
    #[test]
    fn an_edited_own_directory_is_not_replaced() -> TestResult {
        let d = tempfile::tempdir()?;
        let target = d.path().join("report");
        let plan = OutputPlan::new().replace_own_dirs(true);
        let out = plan.create_dir("--out", &target)?;
        fs::write(out.path().join("roc.csv"), "a,b\n")?;
        out.commit()?;
        assert!(is_own_dir(&target));
        fs::write(target.join("roc.csv"), "a,b\nmy note\n")?;
        assert!(matches!(plan.create_dir("--out", &target), Err(Error::OutputExists { .. })));
        // Same size, other bytes: still caught by the digest.
        fs::write(target.join("roc.csv"), "a,c\n")?;
        assert!(!is_own_dir(&target));
        assert_eq!(fs::read_to_string(target.join("roc.csv"))?, "a,c\n");
        // A manifest of names alone (written before the digests) is still taken on its names.
        fs::write(target.join(MANIFEST), "roc.csv\n")?;
        assert!(is_own_dir(&target));
        Ok(())
    }

    /// A later successful commit of the same output removes what killed runs left (a dead writer's
    /// temporary a minute old, anyone's an hour old) and keeps a live writer's and a fresh one.
    #[test]
    fn a_commit_removes_the_stale_temporaries_of_its_output() -> TestResult {
        let d = tempfile::tempdir()?;
        let path = d.path().join("o.csv");
        let ago = |secs: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(secs);
        let temp = |name: &str, age: u64| -> std::io::Result<()> {
            let f = fs::File::create(d.path().join(name))?;
            f.set_modified(ago(age))
        };
        // No process has this id (above Linux's pid_max).
        temp(".o.csv.attrition-tmp-4194305-dead01", 120)?;
        temp(".o.csv.attrition-tmp-4194305-fresh1", 0)?;
        temp(".o.csv.attrition-tmp-1-alive1", 120)?;
        temp(".o.csv.attrition-tmp-1-old001", 7200)?;
        temp(".p.csv.attrition-tmp-4194305-other1", 120)?;
        write_bytes(&path, b"x", Overwrite::Refuse)?;
        let mut names: Vec<String> =
            fs::read_dir(d.path())?.filter_map(|e| e.ok()?.file_name().into_string().ok()).collect();
        names.sort();
        let mut want = vec![
            ".o.csv.attrition-tmp-1-alive1",
            ".o.csv.attrition-tmp-4194305-fresh1",
            ".p.csv.attrition-tmp-4194305-other1",
            "o.csv",
        ];
        // Where `/proc` cannot tell whether the writer lives, only the hour counts.
        if !Path::new("/proc/self").exists() {
            want.insert(1, ".o.csv.attrition-tmp-4194305-dead01");
        }
        assert_eq!(names, want);
        Ok(())
    }
}
