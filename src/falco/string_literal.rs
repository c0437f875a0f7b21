//! Quoted strings in Falco conditions: how a value is written so that Falco reads back exactly
//! its bytes, per Falco generation. Every quoted value pspconv writes (and every value `check`
//! renders) goes through here.
//!
//! **Current Falco (0.32 and later: libsinsp's `filter/parser.cpp` and `escaping.cpp`).** A
//! quoted string ends at the first delimiter whose *raw* previous byte is not a backslash, then
//! `unescape_str` decodes `\\`, `\"` (in `"`-strings), `\'` (in `'`-strings), `\b \f \n \r \t`,
//! `\/`, and `\ ` (a backslash, kept for old rules). Any other byte but NUL stands for itself.
//! So a backslash is written `\\`, except the last one: `"a\\"` would not end at its closing
//! quote, and `\ ` is the escape that reads as a backslash there. `\xHH` would be tidier, but it
//! arrived in libs after 0.25.4 (commit c7f51fe99, 2026-07): Falco 0.44.1 (libs 0.25.4) refuses
//! it ("unsupported string escape sequence: \x"). NUL cannot be carried (the lexer stops there).
//!
//! **Legacy Falco (0.18–0.31: the Lua parser, falco `userspace/engine/lua/parser.lua`).** A
//! string is `"` then backslash pairs or non-quote bytes then `"`, and `fix_str` decodes it
//! with a fixed sequence of global replacements (`\a \b \f \n \r \t \v`, backslash-newline,
//! `\'`, `\"`, then `\\`), which misreads some backslash runs (`\\n` becomes a backslash and a
//! newline). A value is written the same way and kept only when that Lua decoding and
//! libsinsp's (which `check` uses for every target) both give it back; otherwise it is refused.

/// Why a value cannot be written as a string literal for a target.
pub type Refusal = &'static str;

/// Writes `s` double-quoted for current Falco's lexer; `None` if `s` holds a NUL byte.
pub fn quote_for_libsinsp(s: &str) -> Option<String> {
    if s.contains('\0') {
        return None;
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek().is_none() => out.push_str("\\ "),
            '\\' => out.push_str("\\\\"),
            c => push_common_escape(&mut out, c),
        }
    }
    out.push('"');
    Some(out)
}

/// Writes `s` double-quoted for legacy Falco's Lua parser, if both that parser and libsinsp's
/// read it back as `s`.
pub fn quote_for_lua(s: &str) -> Result<String, Refusal> {
    if s.contains('\0') {
        return Err("a NUL byte cannot be written in a Falco string");
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c => push_common_escape(&mut out, c),
        }
    }
    out.push('"');
    if read_lua_string(&out).as_deref() != Some(s) {
        return Err("legacy Falco's Lua rule parser would misread its backslashes (a backslash before a letter its escapes use, or at the end)");
    }
    if read_libsinsp_string(&out).as_deref() != Some(s.as_bytes()) {
        return Err(
            "it ends with a backslash, which `check` cannot read back as legacy Falco does",
        );
    }
    Ok(out)
}

/// The escapes both parsers share: the double quote and the usual control characters.
fn push_common_escape(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c => out.push(c),
    }
}

/// A whole quoted token as libsinsp reads it (see `check`'s lexer), or `None` if the token does
/// not end exactly at its last byte or does not decode.
pub fn read_libsinsp_string(token: &str) -> Option<Vec<u8>> {
    crate::check::condition::read_string_literal(token)
}

/// A whole quoted token as legacy Falco's Lua parser reads it (grammar `String` and `fix_str`),
/// or `None` if the token is not exactly one string.
pub fn read_lua_string(token: &str) -> Option<String> {
    let delim = token.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &token[1..];
    let mut chars = body.char_indices();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next()?;
        } else if c == delim {
            end = Some(i);
            break;
        }
    }
    let end = end?;
    if end + 1 != body.len() {
        return None;
    }
    let mut s = body[..end].to_string();
    for (from, to) in [
        ("\\a", "\u{7}"),
        ("\\b", "\u{8}"),
        ("\\f", "\u{c}"),
        ("\\n", "\n"),
        ("\\r", "\r"),
        ("\\t", "\t"),
        ("\\v", "\u{b}"),
        ("\\\n", "\n"),
        ("\\\r", "\n"),
        ("\\'", "'"),
        ("\\\"", "\""),
        ("\\\\", "\\"),
    ] {
        s = s.replace(from, to);
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backslashes_and_quotes_are_escaped_for_libsinsp() {
        assert_eq!(quote_for_libsinsp("a\\b").unwrap(), r#""a\\b""#);
        assert_eq!(quote_for_libsinsp("a\\").unwrap(), r#""a\ ""#);
        assert_eq!(quote_for_libsinsp("it's \"x\"").unwrap(), r#""it's \"x\"""#);
        assert_eq!(quote_for_libsinsp("l1\nl2\t").unwrap(), r#""l1\nl2\t""#);
        assert_eq!(quote_for_libsinsp("a\0"), None);
        for v in ["a\\", "\\\\", "\\\"", "x\\ny", "\"'\\", "\u{1}\u{7f}é"] {
            let q = quote_for_libsinsp(v).unwrap();
            assert_eq!(read_libsinsp_string(&q).unwrap(), v.as_bytes(), "{q}");
        }
    }

    #[test]
    fn lua_reads_its_escapes_in_a_fixed_order() {
        assert_eq!(read_lua_string(r#""a\\dir""#).unwrap(), "a\\dir");
        assert_eq!(read_lua_string(r#""a\\b""#).unwrap(), "a\\\u{8}");
        assert_eq!(read_lua_string(r#""say \"hi\"""#).unwrap(), "say \"hi\"");
        // `fix_str` replaces `\n` before `\\` (and then backslash-newline by a newline): a
        // backslash before an `n` is lost.
        assert_eq!(read_lua_string(r#""C:\\new""#).unwrap(), "C:\new");
        assert_eq!(read_lua_string(r#""a\\""#).unwrap(), "a\\");
        assert_eq!(read_lua_string(r#""a" or b"#), None);
    }

    #[test]
    fn legacy_keeps_what_both_parsers_read_back() {
        assert_eq!(quote_for_lua("a\\dir").unwrap(), r#""a\\dir""#);
        assert!(quote_for_lua("a\\b").is_err());
        assert_eq!(
            quote_for_lua("both ' and \"").unwrap(),
            r#""both ' and \"""#
        );
        assert!(quote_for_lua("C:\\new").is_err());
        assert!(quote_for_lua("ends\\").is_err());
        assert!(quote_for_lua("nul\0").is_err());
    }
}
