//! Stage 5 of the pipeline: **write** outputs atomically.
//!
//! [`write_atomic`] writes to a temporary file in the target's directory, syncs
//! it and renames it over the target, so readers see the old file or the new
//! one, never a mixture, and on any error the old file is untouched.
//! [`check`] compares what would be written with what is there (for packaging CI).
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
    fn check_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.pem");
        assert_eq!(check(&path, b"x").unwrap(), CheckOutcome::Missing);
        std::fs::write(&path, b"x").unwrap();
        assert_eq!(check(&path, b"x").unwrap(), CheckOutcome::UpToDate);
        assert_eq!(check(&path, b"y").unwrap(), CheckOutcome::Differs);
    }
}
