//! Where certdata.txt comes from: a file, standard input, or the embedded
//! snapshot. Reading is bounded by a maximum size.
//!
//! ```
//! use nssroots::source::Source;
//! let bytes = Source::Snapshot.read(nssroots::source::DEFAULT_MAX_INPUT)?;
//! assert_eq!(bytes.len(), nssroots::snapshot::CERTDATA.len());
//! assert_eq!(Source::File("x/certdata.txt".into()).origin(), "file certdata.txt");
//! # Ok::<(), nssroots::Error>(())
//! ```

use std::borrow::Cow;
use std::io::Read;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::model::Store;
use crate::snapshot;

/// Default maximum input size: 64 MiB (today's certdata.txt is about 1.4 MB).
pub const DEFAULT_MAX_INPUT: u64 = 64 * 1024 * 1024;

/// An input certdata.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// The embedded snapshot ([`crate::snapshot`]).
    Snapshot,
}

impl Source {
    /// `-` is standard input, anything else a path.
    pub fn from_arg(arg: &str) -> Source {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(PathBuf::from(arg))
        }
    }

    /// The name used in error messages (the path as given).
    pub fn name(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Stdin => "<stdin>".to_owned(),
            Source::Snapshot => "embedded certdata.txt".to_owned(),
        }
    }

    /// The origin printed in bundle headers. Only a file's name is used, not its
    /// directory, so the bytes do not depend on where a build runs.
    pub fn origin(&self) -> String {
        match self {
            Source::File(p) => format!(
                "file {}",
                p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ),
            Source::Stdin => "standard input".to_owned(),
            Source::Snapshot => snapshot::ORIGIN.to_owned(),
        }
    }

    /// Reads, parses and models the input, failing if it is larger than `max`
    /// bytes. Files are read in parts at once ([`Store::from_file`]),
    /// standard input a piece at a time ([`Store::from_reader`]); the embedded
    /// snapshot is parsed in place.
    pub fn load(&self, max: u64) -> Result<Store> {
        let name = self.name();
        match self {
            Source::Snapshot => Store::from_bytes(self.read(max)?.as_ref(), &name),
            Source::File(path) => Store::from_file(path, &name, max),
            Source::Stdin => Store::from_reader(std::io::stdin(), &name, max),
        }
    }

    /// Opens the file `path` of this source and its size, failing early when
    /// the size is already above `max`.
    fn open_file(&self, path: &std::path::Path, max: u64) -> Result<(std::fs::File, u64)> {
        let file = std::fs::File::open(path).map_err(|e| Error::io("reading", path, e))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        if size > max {
            return Err(Error::TooLarge {
                source_name: self.name(),
                size,
                limit: max,
            });
        }
        Ok((file, size))
    }

    /// Reads the whole input, failing if it is larger than `max` bytes.
    pub fn read(&self, max: u64) -> Result<Cow<'static, [u8]>> {
        let too_large = |size: u64| Error::TooLarge {
            source_name: self.name(),
            size,
            limit: max,
        };
        match self {
            Source::Snapshot => {
                let len = snapshot::CERTDATA.len() as u64;
                if len > max {
                    return Err(too_large(len));
                }
                Ok(Cow::Borrowed(snapshot::CERTDATA))
            }
            Source::File(path) => {
                let (file, size) = self.open_file(path, max)?;
                read_bounded(file, max, size, path.clone(), too_large).map(Cow::Owned)
            }
            Source::Stdin => read_bounded(
                std::io::stdin().lock(),
                max,
                0,
                PathBuf::from("<stdin>"),
                too_large,
            )
            .map(Cow::Owned),
        }
    }
}

fn read_bounded(
    reader: impl Read,
    max: u64,
    hint: u64,
    path: PathBuf,
    too_large: impl Fn(u64) -> Error,
) -> Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(usize::try_from(hint.min(max)).unwrap_or(0));
    let n = reader
        .take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("reading", path, e))?;
    if n as u64 > max {
        return Err(too_large(n as u64));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.txt");
        std::fs::write(&path, b"0123456789").unwrap();
        let src = Source::File(path);
        assert_eq!(src.read(10).unwrap().len(), 10);
        let e = src.read(9).unwrap_err().to_string();
        assert!(e.contains("more than the limit of 9 bytes"), "{e}");
        assert!(Source::Snapshot.read(10).is_err());
        assert!(
            Source::File(dir.path().join("none"))
                .read(10)
                .unwrap_err()
                .to_string()
                .starts_with("reading ")
        );
    }

    #[test]
    fn names_and_origins() {
        assert_eq!(Source::from_arg("-"), Source::Stdin);
        assert_eq!(
            Source::from_arg("/a/b/certdata.txt").origin(),
            "file certdata.txt"
        );
        assert_eq!(Source::Stdin.origin(), "standard input");
        assert!(Source::Snapshot.origin().contains("20250419"));
    }
}
