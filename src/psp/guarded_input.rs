//! The guards every Kubernetes-object input passes before its documents are read (PSPs and
//! RBAC alike): the input's size, a byte-order mark, the YAML/JSON stream, and each document's
//! size; and syntax errors located with file, line, column and the block path near them.

use super::load::{LoadError, MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES};
use crate::yaml::{block_path_near, Stream, YamlError};

/// An input that passed the size guards, for locating later syntax errors.
pub struct GuardedInput<'a> {
    /// The text without its byte-order mark.
    pub text: &'a str,
    pub origin: &'a str,
    looks_json: bool,
}

impl<'a> GuardedInput<'a> {
    /// Checks the input's size, strips a byte-order mark (editors on Windows write one, which
    /// the YAML parser would read as part of the first key), opens the stream and checks each
    /// document's size; `split_hint` tells the user how to split a document that is too large.
    // A load error is made once per run; its size does not matter (as in the loaders).
    #[allow(clippy::result_large_err)]
    pub fn open(
        text: &'a str,
        origin: &'a str,
        split_hint: &str,
    ) -> Result<(Self, Stream<'a>), LoadError> {
        if text.len() > MAX_INPUT_BYTES {
            return Err(error(
                origin,
                format!("input is larger than {MAX_INPUT_BYTES} bytes"),
            ));
        }
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let input = GuardedInput {
            text,
            origin,
            looks_json: text.trim_start().starts_with(['{', '[']),
        };
        let stream = Stream::new(text).map_err(|e| input.syntax(e))?;
        let spans = stream.document_spans();
        if let Some((index, &(start, end))) = spans
            .iter()
            .enumerate()
            .find(|(_, (start, end))| end - start > MAX_DOCUMENT_BYTES)
        {
            let mut e = error(
                origin,
                format!(
                    "document {} is {} bytes, larger than the {MAX_DOCUMENT_BYTES} bytes one document may hold; {split_hint}",
                    index + 1,
                    end - start
                ),
            );
            e.line = Some(text[..start].matches('\n').count() + 1);
            e.column = Some(1);
            e.document = Some(index + 1);
            return Err(e);
        }
        Ok((input, stream))
    }

    /// A YAML or JSON syntax error of this input, with the block path near its line.
    pub fn syntax(&self, e: YamlError) -> LoadError {
        let mut error = error(
            self.origin,
            format!(
                "invalid {}: {}",
                if self.looks_json { "JSON" } else { "YAML" },
                e.message
            ),
        );
        error.line = e.line;
        error.column = e.column;
        if let Some(line) = e.line.filter(|_| !self.looks_json) {
            error.path = block_path_near(self.text, line);
        }
        error
    }
}

/// An error about the whole input, not yet located.
fn error(origin: &str, message: String) -> LoadError {
    LoadError {
        origin: origin.to_string(),
        line: None,
        column: None,
        document: None,
        path: String::new(),
        message,
        warnings: Vec::new(),
    }
}
