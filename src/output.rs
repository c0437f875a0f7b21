//! Writing results: atomically to a file (temporary file, then rename), or to stdout, where a
//! closed pipe (`pspconv ... | head`) is a normal end, not an error.

use std::io::{self, Write};
use std::path::Path;

/// Writes `text` to `path` so that readers see the old file or the whole new one, never a part:
/// a temporary file beside it, synced, then renamed over it. A symbolic link is followed (its
/// target is replaced, not the link), and an existing file keeps its permissions. On failure the
/// temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let path = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rules".into());
    let permissions = std::fs::metadata(&path).ok().map(|m| m.permissions());
    let (tmp, mut f) = create_temp(&dir, &file_name)?;
    let result = (|| {
        f.write_all(text.as_bytes())?;
        if let Some(p) = permissions {
            f.set_permissions(p)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A new file (never an existing one, nor a link planted there) for the temporary copy.
fn create_temp(dir: &Path, file_name: &str) -> io::Result<(std::path::PathBuf, std::fs::File)> {
    let mut attempt = 0;
    loop {
        let tmp = dir.join(format!(
            ".{file_name}.pspconv-{}-{attempt}.tmp",
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Writes to stdout; a broken pipe is reported as `Ok(false)` (the reader went away).
pub fn write_stdout(text: &str) -> io::Result<bool> {
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    match lock.write_all(text.as_bytes()).and_then(|_| lock.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e),
    }
}
