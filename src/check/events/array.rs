//! Streams the elements of a top-level JSON array one by one, tracking depth and strings, so
//! a large array never sits whole in memory.

use super::{Item, Sink};
use std::io::{self, BufRead};

/// Streams the elements of a top-level JSON array (the `[` already consumed).
/// `in_list`: the array is an `EventList`'s `items` (elements need no `kind: Event`).
pub fn read_array(
    input: &mut impl BufRead,
    line: &mut usize,
    in_list: bool,
    f: &mut Sink,
) -> io::Result<()> {
    let mut elem: Vec<u8> = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let mut start_line = *line;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            if !elem.iter().all(u8::is_ascii_whitespace) {
                f(Item::Invalid {
                    line: start_line,
                    message: "unterminated JSON array".into(),
                })?;
            }
            return Ok(());
        }
        let mut consumed = 0;
        let mut done = false;
        for &b in buf {
            consumed += 1;
            if b == b'\n' {
                *line += 1;
            }
            if in_str {
                elem.push(b);
                match (esc, b) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                _ => {}
            }
            if depth == 0 && (b == b',' || b == b']') {
                let text = String::from_utf8_lossy(&elem).into_owned();
                let t = text.trim();
                if !t.is_empty() {
                    f(Item::Raw {
                        line: start_line,
                        text: t,
                        in_list,
                    })?;
                }
                elem.clear();
                start_line = *line;
                if b == b']' {
                    done = true;
                    break;
                }
                continue;
            }
            if elem.iter().all(u8::is_ascii_whitespace) && !b.is_ascii_whitespace() {
                start_line = *line;
            }
            elem.push(b);
        }
        input.consume(consumed);
        if done {
            return Ok(());
        }
    }
}
