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

/// The file every directory output holds ([`crate::encode::formats`]):
/// [`write_dir_atomic`] replaces a directory that is empty or holds it,
/// never one of someone else's (an `-o /etc/ssl/certs` typed by mistake).
pub const DIR_MARKER: &str = "README.nssroots";

/// How many symbolic links [`write_atomic`] follows before it gives up.
const MAX_LINKS: usize = 40;

/// Writes `bytes` to `path` atomically (temporary file in the same directory,
/// then rename). A new file gets mode 0644; a replaced file keeps its mode.
///
/// A symbolic link is followed: the file it points to is replaced and the
/// link stays. A path that exists and is neither a regular file nor a
/// directory (`/dev/null`, `/dev/stdout`, a FIFO) is a stream, not a file to
/// replace: the bytes are written to it as they are. A directory is an error.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |out| {
        out.write_all(bytes)
            .map_err(|e| Error::io("writing", path, e))
    })
}

/// [`write_atomic`] for output made as it is written: `fill` writes it
/// (into the temporary file, or straight into a stream). When `fill` fails,
/// the temporary file is removed and the error returned; the file at `path`
/// is untouched.
///
/// ```
/// use std::io::Write;
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("ca.pem");
/// nssroots::write::write_atomic(&path, b"old")?;
/// let failed = nssroots::write::write_atomic_with(&path, |out| {
///     out.write_all(b"half").map_err(|e| nssroots::Error::io("writing", "ca.pem", e))?;
///     Err(nssroots::Error::Invalid("stopped".into()))
/// });
/// assert!(failed.is_err());
/// assert_eq!(std::fs::read(&path)?, b"old");
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 1, "no temporary file left");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> Result<()>,
) -> Result<()> {
    // Asked through the links (a link in /proc, like /dev/stdout's, need
    // not name a path at all).
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() && !m.is_dir() => write_stream(path, fill),
        _ => replace_file(&resolve_links(path)?, fill),
    }
}

/// `path` with symbolic links followed to the path they end at, which
/// need not exist yet: outputs replace what a link points to, not the link.
fn resolve_links(path: &Path) -> Result<std::path::PathBuf> {
    let mut target = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&target) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&target)
                    .map_err(|e| Error::io("reading the link", &target, e))?;
                target = match target.parent() {
                    Some(dir) => dir.join(to),
                    None => to,
                };
            }
            _ => return Ok(target),
        }
    }
    Err(Error::io(
        "writing",
        path,
        std::io::Error::other(format!("more than {MAX_LINKS} symbolic links")),
    ))
}

/// Writes to a device or FIFO that exists: no temporary file, no rename.
fn write_stream(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| Error::io("writing", path, e))?;
    fill(&mut file)?;
    file.flush().map_err(|e| Error::io("writing", path, e))
}

/// The temporary file and rename of [`write_atomic`], for a regular file
/// or a path that does not exist yet.
fn replace_file(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
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
    // On an error `tmp` is dropped, which removes the file.
    fill(&mut tmp)?;
    tmp.flush()
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
/// old directory is renamed back. `path` must not be a file, and a directory
/// already there must be empty or hold [`DIR_MARKER`]. A symbolic
/// link is followed: the directory it points to is swapped, the link stays.
pub fn write_dir_atomic(path: &Path, entries: &[Entry]) -> Result<()> {
    let path = &resolve_links(path)?;
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
    if path.is_dir() && !path.join(DIR_MARKER).is_file() {
        let empty = std::fs::read_dir(path)
            .map_err(|e| Error::io("reading", path, e))?
            .next()
            .is_none();
        if !empty {
            return Err(Error::io(
                "writing",
                path,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    format!(
                        "the directory holds files and no {DIR_MARKER}, so nssroots did not write it: \
                         refusing to replace it and everything in it; remove it or choose a new directory"
                    ),
                ),
            ));
        }
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

    #[cfg(unix)]
    #[test]
    fn links_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("real")).unwrap();
        let target = dir.path().join("real/ca.pem");
        std::fs::write(&target, b"old").unwrap();
        let link = dir.path().join("ca.pem");
        std::os::unix::fs::symlink("real/ca.pem", &link).unwrap();
        let link2 = dir.path().join("ca2.pem");
        std::os::unix::fs::symlink("ca.pem", &link2).unwrap();
        write_atomic(&link2, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        for l in [&link, &link2] {
            assert!(
                std::fs::symlink_metadata(l)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
        // A link to nothing yet: the file it names is created.
        let dangling = dir.path().join("new.pem");
        std::os::unix::fs::symlink("real/created.pem", &dangling).unwrap();
        write_atomic(&dangling, b"made").unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("real/created.pem")).unwrap(),
            b"made"
        );
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // A loop is an error, not a hang.
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        assert!(
            write_atomic(&a, b"x")
                .unwrap_err()
                .to_string()
                .contains("symbolic links")
        );
        // No temporary file is left behind anywhere.
        assert_eq!(
            std::fs::read_dir(dir.path().join("real")).unwrap().count(),
            2
        );
    }

    /// A FIFO (like `/dev/null` or `/dev/stdout`) is written to, not
    /// replaced by a regular file.
    #[cfg(unix)]
    #[test]
    fn streams_are_written_in_place() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("skipped: mkfifo is not available");
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(std::fs::read(&reader).unwrap_or_default());
        });
        write_atomic(&fifo, b"through the pipe").unwrap();
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the FIFO's reader got nothing");
        assert_eq!(got, b"through the pipe");
        assert!(
            std::fs::symlink_metadata(&fifo)
                .unwrap()
                .file_type()
                .is_fifo()
        );
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
                    name: DIR_MARKER.into(),
                    bytes: Vec::new(),
                },
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
        // Through a symbolic link, the directory it points to is swapped.
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink("certs", &link).unwrap();
            write_dir_atomic(&link, &entries("c")).unwrap();
            assert!(
                std::fs::symlink_metadata(&link)
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
            assert_eq!(
                check_dir(&out, &entries("c")).unwrap(),
                CheckOutcome::UpToDate
            );
            std::fs::remove_file(&link).unwrap();
            write_dir_atomic(&out, &entries("b")).unwrap();
        }
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
        // A directory nssroots did not write is refused, and left as it was;
        // an empty one is replaced.
        let theirs = dir.path().join("theirs");
        std::fs::create_dir_all(theirs.join("sub")).unwrap();
        std::fs::write(theirs.join("precious.txt"), b"keep").unwrap();
        let e = write_dir_atomic(&theirs, &entries("a"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("no README.nssroots"), "{e}");
        assert_eq!(std::fs::read(theirs.join("precious.txt")).unwrap(), b"keep");
        assert!(theirs.join("sub").is_dir());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        write_dir_atomic(&empty, &entries("a")).unwrap();
        assert_eq!(
            check_dir(&empty, &entries("a")).unwrap(),
            CheckOutcome::UpToDate
        );
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
