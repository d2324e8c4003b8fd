//! The model file: a [`TrainedModel`] as JSON with a checksum, checked before it is trusted.
//!
//! **Format** (schema version 3; version 2 lacked the optional parts of
//! [`super::artifact`] and loads with them absent): one JSON object holding the model's fields (its serde form)
//! and `"checksum": "sha256:<64 hex digits>"`, the SHA-256 of the model's *canonical body* —
//! the compact JSON serde writes for the model, without the checksum. Reading parses the model,
//! serialises it again and compares the hashes, so any change to what the model computes (a
//! flipped bit, a hand edit, a reordered list) is refused, while changes that do not alter the
//! model (white space, key order, `1.50` for `1.5`) are not. A part added to the model later
//! is part of the body and so of the checksum, and adds its checks to
//! [`TrainedModel::validate`].
//!
//! **Reading** ([`read`], [`TrainedModel::load`]): JSON syntax and types (a tree's structure is
//! checked as it is parsed) → schema version → checksum → [`TrainedModel::validate`].
//!
//! **Writing** ([`write`], [`TrainedModel::save`]): validate → serialise with the checksum →
//! write a temporary file beside the target → read it back as above and compare it with the
//! model → rename it to the target. A file under the final name therefore always loads, and
//! equals the model that was saved; on any error the target is untouched.
//!
//! **Versions**: files of schema version 1 (before checksums) are refused with a message
//! naming `attrition model rehash`, as are files whose checksum does not match. [`rehash`]
//! (`attrition model rehash --model F`) reads such a file without its checksum, validates it,
//! and rewrites it as the current version with the checksum of what it holds: the step that says "this
//! hand-edited or old file is the model I mean".
//!
//! ```
//! use attrition::models::{file, Learner, trained::{ModelKind, ModelParams, TrainedModel}};
//! use attrition::{Column, Dataset, Error};
//! let x: Vec<f64> = (0..200).map(|i| (i % 20) as f64).collect();
//! let y: Vec<bool> = (0..200).map(|i| (i % 20) > 12 || i % 7 == 0).collect();
//! let data = Dataset::new(vec![Column::numeric("x", x)]).unwrap().with_churned(y).unwrap();
//! let model = ModelParams::new(ModelKind::Logistic).fit(&data).unwrap();
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("model.json");
//! model.save(&path).unwrap();
//! assert_eq!(TrainedModel::load(&path).unwrap(), model);
//!
//! // An edit by hand is refused until the file is rehashed.
//! let text = std::fs::read_to_string(&path).unwrap();
//! std::fs::write(&path, text.replace("\"training_rows\":200", "\"training_rows\":201")).unwrap();
//! assert!(matches!(TrainedModel::load(&path), Err(Error::ModelChecksum { .. })));
//! file::rehash(&path).unwrap();
//! assert_eq!(TrainedModel::load(&path).unwrap().training_rows, 201);
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::trained::{OLDEST_READABLE_SCHEMA_VERSION, SCHEMA_VERSION, TrainedModel};
use crate::error::{ChecksumProblem, Error, Result};
use crate::io::output::{OutputFile, Overwrite, Sink, is_stdio};

/// Prefix of the checksum field's value (the hash function's name).
const CHECKSUM_PREFIX: &str = "sha256:";

/// How [`from_json`] treats the file's checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checksum {
    /// The checksum must be present and match (what [`read`] does).
    Verify,
    /// The checksum is not looked at (what [`rehash`] does before writing a new one); the model
    /// is still parsed and validated. Files of schema version 1 are accepted.
    Ignore,
}

/// The checksum of `model`'s canonical body: `sha256:` and the SHA-256, in lower-case hex, of
/// the compact JSON serde writes for it.
pub fn checksum(model: &TrainedModel) -> Result<String> {
    let body = serde_json::to_vec(model).map_err(|e| Error::Json { path: None, source: e })?;
    Ok(hash(&body))
}

fn hash(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let mut out = String::with_capacity(CHECKSUM_PREFIX.len() + 64);
    out.push_str(CHECKSUM_PREFIX);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The file's bytes for `model`: validated, with its checksum.
pub fn to_json(model: &TrainedModel) -> Result<Vec<u8>> {
    model.validate()?;
    #[derive(Serialize)]
    struct File<'a> {
        checksum: String,
        #[serde(flatten)]
        model: &'a TrainedModel,
    }
    let file = File { checksum: checksum(model)?, model };
    serde_json::to_vec(&file).map_err(|e| Error::Json { path: None, source: e })
}

/// Parses and checks a model file's bytes (see the [module docs](self)); errors name no file.
pub fn from_json(bytes: &[u8], checksum: Checksum) -> Result<TrainedModel> {
    parse(bytes, None, checksum)
}

/// Reads and checks a model file ([`TrainedModel::load`]); `-` is standard input.
pub fn read(path: &Path) -> Result<TrainedModel> {
    if is_stdio(path) {
        return read_from(std::io::stdin().lock(), Some(Path::new("<stdin>")));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io("read model", path, e))?;
    read_from(file, Some(path))
}

/// Reads and checks a model file from any reader ([`TrainedModel::from_reader`]); `name`, when
/// given, names the source in errors. Every way of loading a model comes here, so the schema
/// version, the checksum and [`TrainedModel::validate`] are checked whatever the source.
pub fn read_from(mut reader: impl Read, name: Option<&Path>) -> Result<TrainedModel> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| Error::io("read model", name.unwrap_or(Path::new("<reader>")), e))?;
    parse(&bytes, name, Checksum::Verify)
}

/// The fields read before the model itself.
#[derive(Deserialize)]
struct Header {
    schema_version: Option<u32>,
    checksum: Option<String>,
}

fn parse(bytes: &[u8], path: Option<&Path>, policy: Checksum) -> Result<TrainedModel> {
    let json = |e| Error::Json { path: path.map(Path::to_path_buf), source: e };
    let header: Header = serde_json::from_slice(bytes).map_err(json)?;
    let version = header.schema_version.unwrap_or(0);
    let file_path = || path.map_or_else(|| PathBuf::from("<memory>"), Path::to_path_buf);
    match (version, policy) {
        (OLDEST_READABLE_SCHEMA_VERSION..=SCHEMA_VERSION, _) | (1, Checksum::Ignore) => {}
        (1, Checksum::Verify) => {
            return Err(Error::ModelChecksum {
                path: file_path(),
                problem: ChecksumProblem::Absent { schema_version: 1 },
            });
        }
        (found, _) => return Err(Error::SchemaVersion { path: file_path(), found, supported: SCHEMA_VERSION }),
    }
    let mut model: TrainedModel = serde_json::from_slice(bytes).map_err(json)?;
    if policy == Checksum::Verify {
        let computed = checksum(&model)?;
        match header.checksum {
            None => {
                return Err(Error::ModelChecksum {
                    path: file_path(),
                    problem: ChecksumProblem::Absent { schema_version: version },
                });
            }
            Some(stored) if stored != computed => {
                return Err(Error::ModelChecksum {
                    path: file_path(),
                    problem: ChecksumProblem::Mismatch { stored, computed },
                });
            }
            Some(_) => {}
        }
    }
    model.schema_version = SCHEMA_VERSION;
    model.validate().map_err(|e| with_path(e, path))?;
    Ok(model)
}

fn with_path(e: Error, path: Option<&Path>) -> Error {
    match e {
        Error::InvalidModel { path: None, part, reason } => {
            Error::InvalidModel { path: path.map(Path::to_path_buf), part, reason }
        }
        e => e,
    }
}

/// Writes `model` to `path` (see the [module docs](self)): validated, with its checksum, through
/// a temporary file beside `path` ([`crate::io::output::OutputFile`]) that is read back and
/// compared with `model` before it is renamed to `path`. An existing file is replaced; use
/// [`write_with`] to refuse instead.
pub fn write(model: &TrainedModel, path: &Path) -> Result<()> {
    write_with(model, path, Overwrite::Replace)
}

/// [`write`] with a choice of what to do when `path` exists ([`Overwrite::Refuse`]: an
/// [`Error::OutputExists`], checked when the temporary file is created and again when it is
/// renamed). `-` writes to standard output, after checking that the bytes read back as `model`.
pub fn write_with(model: &TrainedModel, path: &Path, overwrite: Overwrite) -> Result<()> {
    let bytes = to_json(model).map_err(|e| with_path(e, Some(path)))?;
    if is_stdio(path) {
        same_model(&bytes, path, model)?;
        let mut out = Sink::create(path, overwrite)?;
        out.write_all(&bytes).map_err(|e| Error::io("write model", path, e))?;
        return out.commit();
    }
    let mut out = OutputFile::create(path, overwrite)?;
    out.write_all(&bytes).and_then(|()| out.flush()).map_err(|e| Error::io("write model", path, e))?;
    let back = std::fs::read(out.temp_path()).map_err(|e| Error::io("read back model", out.temp_path(), e))?;
    // On an error, dropping `out` removes the temporary file.
    same_model(&back, path, model)?;
    out.commit()
}

/// Checks that `bytes` read as a model file (checksum and validation included) equal to `model`.
fn same_model(bytes: &[u8], path: &Path, model: &TrainedModel) -> Result<()> {
    let loaded = parse(bytes, Some(path), Checksum::Verify)?;
    if loaded != *model {
        return Err(Error::InvalidModel {
            path: Some(path.to_path_buf()),
            part: "file".into(),
            reason: "the model read back differs from the model written".into(),
        });
    }
    Ok(())
}

/// What [`rehash`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rehashed {
    /// Schema version the file had.
    pub schema_version_was: u32,
    /// Checksum the file had (`None`: none, as in version 1).
    pub checksum_was: Option<String>,
    /// Checksum written.
    pub checksum: String,
}

impl Rehashed {
    /// Whether the file's checksum changed (it had none, or another one).
    pub fn changed(&self) -> bool {
        self.checksum_was.as_deref() != Some(self.checksum.as_str())
    }
}

/// Validates the model in `path` without looking at its checksum and rewrites the file as the
/// current schema version with the checksum of what it holds (through a temporary file, like
/// [`write`]). For a file edited by hand on purpose, or written before checksums (version 1);
/// a model that fails [`TrainedModel::validate`] is refused and the file left as it was.
pub fn rehash(path: &Path) -> Result<Rehashed> {
    let bytes = std::fs::read(path).map_err(|e| Error::io("read model", path, e))?;
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| Error::Json { path: Some(path.to_path_buf()), source: e })?;
    let model = parse(&bytes, Some(path), Checksum::Ignore)?;
    write(&model, path)?;
    Ok(Rehashed {
        schema_version_was: header.schema_version.unwrap_or(0),
        checksum_was: header.checksum,
        checksum: checksum(&model)?,
    })
}
