//! Writing results: atomically to a file (temporary file, then rename), or to stdout, where a
//! closed pipe (`pspconv ... | head`) is a normal end, not an error.

use std::io::{self, Write};
use std::path::Path;

/// Writes `text` to `path` so that readers see the old file or the whole new one, never a part.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rules".into());
    let tmp = dir.join(format!(".{file_name}.pspconv-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
