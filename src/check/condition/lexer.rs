//! Token recognizers mirroring the POSIX regexes and helpers of libsinsp `filter/parser.cpp`
//! and `filter/escaping.cpp` (falcosecurity/libs 48dfd53c), string escapes as released in
//! libs 0.25.4 (Falco 0.44.1), which has no `\xHH`. Each returns the byte length of
//! the token at the start of `s`, or `None`.

/// libsinsp `lex_blank` skips exactly these bytes (note `\b`, and no `\v`/`\f`).
pub fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x08 | b'\r' | b'\n')
}

/// POSIX `[[:space:]]`, used inside the regexes.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn ident_len(s: &[u8]) -> usize {
    if s.first().is_some_and(|b| b.is_ascii_alphabetic()) {
        1 + s[1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
            .count()
    } else {
        0
    }
}

/// `([a-zA-Z]+[a-zA-Z0-9_]*)`
pub fn identifier(s: &[u8]) -> Option<usize> {
    Some(ident_len(s)).filter(|n| *n > 0)
}

/// `([a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+)`, longest match.
pub fn field_name(s: &[u8]) -> Option<usize> {
    let mut n = ident_len(s);
    if n == 0 {
        return None;
    }
    let mut segments = 0;
    while s.get(n) == Some(&b'.') {
        let seg = ident_len(&s[n + 1..]);
        if seg == 0 {
            break;
        }
        n += 1 + seg;
        segments += 1;
    }
    (segments > 0).then_some(n)
}

/// `([^][\"'[:space:]]+)`: a bare field argument.
pub fn field_arg_bare(s: &[u8]) -> Option<usize> {
    let n = s
        .iter()
        .take_while(|b| !matches!(b, b'[' | b']' | b'"' | b'\'') && !is_space(**b))
        .count();
    (n > 0).then_some(n)
}

/// `([^()\"'[:space:]=,]+)`: a bare string value.
pub fn bare_str(s: &[u8]) -> Option<usize> {
    let n = s
        .iter()
        .take_while(|b| !matches!(b, b'(' | b')' | b'"' | b'\'' | b'=' | b',') && !is_space(**b))
        .count();
    (n > 0).then_some(n)
}

/// `(0[xX][0-9a-fA-F]+)`
pub fn hex_num(s: &[u8]) -> Option<usize> {
    if s.len() > 2 && s[0] == b'0' && (s[1] == b'x' || s[1] == b'X') {
        let n = s[2..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
        return (n > 0).then_some(2 + n);
    }
    None
}

/// `([+\-]?[0-9]+[\.]?[0-9]*([eE][+\-][0-9]+)?)`, longest match.
pub fn number(s: &[u8]) -> Option<usize> {
    let digits = |from: usize| {
        s[from.min(s.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut n = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let d = digits(n);
    if d == 0 {
        return None;
    }
    n += d;
    if s.get(n) == Some(&b'.') {
        n += 1;
        n += digits(n);
    }
    if matches!(s.get(n), Some(b'e' | b'E')) && matches!(s.get(n + 1), Some(b'+' | b'-')) {
        let e = digits(n + 2);
        if e > 0 {
            n += 2 + e;
        }
    }
    Some(n)
}

/// A quoted string as libsinsp lexes it: it ends at the first delimiter whose *raw* previous
/// byte is not a backslash (so `"a\\"` does not end at its last quote). Returns the raw token
/// length, delimiters included, or `None` if unterminated (or cut by a NUL byte).
pub fn quoted(s: &[u8]) -> Option<usize> {
    let delim = *s.first()?;
    if delim != b'"' && delim != b'\'' {
        return None;
    }
    let mut prev = b'\\';
    for (i, &b) in s.iter().enumerate() {
        if b == 0 {
            return None;
        }
        // The opening delimiter never closes the string: `prev` starts as a backslash.
        if b == delim && prev != b'\\' {
            return Some(i + 1);
        }
        prev = b;
    }
    None
}

/// libsinsp `unescape_str` (libs 0.25.4) on a raw quoted token (delimiters included).
pub fn unescape(raw: &[u8]) -> Result<Vec<u8>, String> {
    let delim = raw[0];
    let body = &raw[1..raw.len() - 1];
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let Some(&e) = body.get(i + 1) else {
            // A trailing lone backslash cannot happen: the lexer would not have closed the string.
            return Err("unsupported string escape sequence".into());
        };
        i += 2;
        match e {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            // `\ ` is accepted for old rules and yields a backslash (escaping.cpp fallthrough).
            b' ' | b'\\' => out.push(b'\\'),
            b'/' => out.push(b'/'),
            b'"' | b'\'' if e != delim => {
                return Err(format!(
                    "invalid \\{} escape in {}-quoted string",
                    e as char, delim as char
                ))
            }
            b'"' | b'\'' => out.push(e),
            // `\xHH` arrived in libs after 0.25.4 (c7f51fe99, 2026-07): Falco 0.44.1 refuses it.
            other => {
                return Err(format!(
                    "unsupported string escape sequence: \\{}",
                    other as char
                ))
            }
        }
    }
    Ok(out)
}
