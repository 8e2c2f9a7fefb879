//! Stage 5 of the pipeline: **write** outputs atomically.
//!
//! [`write_atomic`] writes to a temporary file in the target's directory, syncs
//! it and renames it over the target, so readers see the old file or the new
//! one, never a mixture, and on any error the old file is untouched.
//! [`check`] compares what would be written with what is there (for packaging CI).
//! Directory outputs are written whole into a temporary directory and swapped
//! into place ([`write_dir_atomic`], [`check_dir`]).
//!
//! ```
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("ca.pem");
//! nssroots::write::write_atomic(&path, b"new")?;
//! assert_eq!(std::fs::read(&path)?, b"new");
//! assert_eq!(nssroots::write::check(&path, b"new")?, nssroots::write::CheckOutcome::UpToDate);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::Write;
use std::path::Path;

use crate::encode::formats::Entry;
use crate::error::{Error, Result};

/// Writes `bytes` to `path` atomically (temporary file in the same directory,
/// then rename). A new file gets mode 0644; a replaced file keeps its mode.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(Error::io(
            "writing",
            path,
            std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
        ));
    }
    let existing = std::fs::metadata(path).ok().map(|m| m.permissions());
    let mut tmp = tempfile::Builder::new()
        .prefix(".nssroots-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating a temporary file in", dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .map_err(|e| Error::io("writing", tmp.path(), e))?;
    if let Some(perms) = existing.or_else(default_permissions) {
        tmp.as_file()
            .set_permissions(perms)
            .map_err(|e| Error::io("setting permissions of", tmp.path(), e))?;
    }
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("writing", tmp.path(), e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("renaming a temporary file to", path, e.error))?;
    // Make the rename itself durable where the platform allows it.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Mode for a new bundle: world-readable (0644), as CA bundles are read by every user.
#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

/// Elsewhere a new file keeps the platform's default permissions.
#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

/// What `--check` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckOutcome {
    /// The file holds exactly these bytes.
    UpToDate,
    /// The file does not exist.
    Missing,
    /// The file exists with other bytes.
    Differs,
}

/// Compares the file at `path` with `bytes` without writing anything.
pub fn check(path: &Path, bytes: &[u8]) -> Result<CheckOutcome> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => Ok(CheckOutcome::UpToDate),
        Ok(_) => Ok(CheckOutcome::Differs),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(CheckOutcome::Missing),
        Err(e) => Err(Error::io("reading", path, e)),
    }
}

/// Writes a directory output: every entry into a fresh temporary directory
/// beside `path`, then swapped into place (the old directory renamed aside,
/// the new one renamed to `path`, the old one removed). On any error before
/// the swap the old directory is untouched; if the second rename fails, the
/// old directory is renamed back. `path` must not be a file.
pub fn write_dir_atomic(path: &Path, entries: &[Entry]) -> Result<()> {
    let parent = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if path.exists() && !path.is_dir() {
        return Err(Error::io(
            "writing",
            path,
            std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "exists and is not a directory",
            ),
        ));
    }
    let tmp = tempfile::Builder::new()
        .prefix(".nssroots-")
        .suffix(".tmp")
        .tempdir_in(parent)
        .map_err(|e| Error::io("creating a temporary directory in", parent, e))?;
    for entry in entries {
        let target = tmp.path().join(entry.name());
        match entry {
            Entry::File { bytes, .. } => {
                std::fs::write(&target, bytes).map_err(|e| Error::io("writing", &target, e))?;
                if let Some(perms) = default_permissions() {
                    std::fs::set_permissions(&target, perms)
                        .map_err(|e| Error::io("setting permissions of", &target, e))?;
                }
            }
            Entry::Link { target: to, .. } => link(to, &target)?,
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io("setting permissions of", tmp.path(), e))?;
    }
    if let Ok(d) = std::fs::File::open(tmp.path()) {
        let _ = d.sync_all();
    }
    let new = tmp.keep();
    let old = path.exists().then(|| {
        let mut aside = new.clone().into_os_string();
        aside.push(".old");
        std::path::PathBuf::from(aside)
    });
    let undo = |e: std::io::Error, what: &'static str| {
        let _ = std::fs::remove_dir_all(&new);
        Error::io(what, path, e)
    };
    if let Some(old) = &old {
        std::fs::rename(path, old).map_err(|e| undo(e, "moving aside"))?;
    }
    if let Err(e) = std::fs::rename(&new, path) {
        if let Some(old) = &old {
            let _ = std::fs::rename(old, path);
        }
        return Err(undo(e, "renaming a temporary directory to"));
    }
    if let Some(old) = &old {
        let _ = std::fs::remove_dir_all(old);
    }
    if let Ok(d) = std::fs::File::open(parent) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(unix)]
fn link(to: &str, at: &Path) -> Result<()> {
    std::os::unix::fs::symlink(to, at).map_err(|e| Error::io("linking", at, e))
}

/// Where symbolic links are not at hand, a copy of the file linked to.
#[cfg(not(unix))]
fn link(to: &str, at: &Path) -> Result<()> {
    let from = at.with_file_name(to);
    std::fs::copy(&from, at)
        .map(|_| ())
        .map_err(|e| Error::io("copying", at, e))
}

/// Compares the directory at `path` with `entries`: the same names, file
/// bytes and link targets, and nothing else.
pub fn check_dir(path: &Path, entries: &[Entry]) -> Result<CheckOutcome> {
    let listing = match std::fs::read_dir(path) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(CheckOutcome::Missing),
        Err(e) => return Err(Error::io("reading", path, e)),
    };
    let mut names: Vec<String> = Vec::new();
    for item in listing {
        let item = item.map_err(|e| Error::io("reading", path, e))?;
        names.push(item.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    let mut wanted: Vec<&str> = entries.iter().map(Entry::name).collect();
    wanted.sort_unstable();
    if names != wanted {
        return Ok(CheckOutcome::Differs);
    }
    for entry in entries {
        let at = path.join(entry.name());
        let same = match entry {
            Entry::File { bytes, .. } => {
                !at.is_symlink() && std::fs::read(&at).is_ok_and(|b| &b == bytes)
            }
            Entry::Link { target, .. } => {
                std::fs::read_link(&at).is_ok_and(|t| t.as_os_str() == std::ffi::OsStr::new(target))
            }
        };
        if !same {
            return Ok(CheckOutcome::Differs);
        }
    }
    Ok(CheckOutcome::UpToDate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.pem");
        write_atomic(&path, b"one").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o644
            );
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/b.pem");
        assert!(write_atomic(&missing, b"x").is_err());
        assert!(
            write_atomic(dir.path(), b"x")
                .unwrap_err()
                .to_string()
                .contains("is a directory")
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn directories_are_swapped_whole() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("certs");
        let entries = |n: &str| {
            vec![
                Entry::File {
                    name: format!("{n}.pem"),
                    bytes: n.as_bytes().to_vec(),
                },
                Entry::Link {
                    name: "abcd.0".into(),
                    target: format!("{n}.pem"),
                },
            ]
        };
        assert_eq!(
            check_dir(&out, &entries("a")).unwrap(),
            CheckOutcome::Missing
        );
        write_dir_atomic(&out, &entries("a")).unwrap();
        assert_eq!(
            check_dir(&out, &entries("a")).unwrap(),
            CheckOutcome::UpToDate
        );
        assert_eq!(
            check_dir(&out, &entries("b")).unwrap(),
            CheckOutcome::Differs
        );
        write_dir_atomic(&out, &entries("b")).unwrap();
        assert_eq!(
            check_dir(&out, &entries("b")).unwrap(),
            CheckOutcome::UpToDate
        );
        assert!(
            !out.join("a.pem").exists(),
            "nothing of the old directory is left"
        );
        assert_eq!(std::fs::read(out.join("abcd.0")).unwrap(), b"b");
        // Only the output directory remains beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A bad entry name fails before the swap: the old directory stays.
        let bad = vec![Entry::File {
            name: "no/such/dir".into(),
            bytes: Vec::new(),
        }];
        assert!(write_dir_atomic(&out, &bad).is_err());
        assert_eq!(
            check_dir(&out, &entries("b")).unwrap(),
            CheckOutcome::UpToDate
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A file where the directory should be is refused.
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        assert!(write_dir_atomic(&file, &entries("a")).is_err());
        assert_eq!(std::fs::read(&file).unwrap(), b"x");
    }

    #[test]
    fn check_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.pem");
        assert_eq!(check(&path, b"x").unwrap(), CheckOutcome::Missing);
        std::fs::write(&path, b"x").unwrap();
        assert_eq!(check(&path, b"x").unwrap(), CheckOutcome::UpToDate);
        assert_eq!(check(&path, b"y").unwrap(), CheckOutcome::Differs);
    }
}
