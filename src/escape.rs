//! Text from the table — ids, names, messages that quote it, code — is the pull request
//! author's, and reaches terminals, CI logs and review comments. Nothing of it may act on
//! them: control characters (an escape sequence can clear a screen, recolour a verdict or
//! plant a hyperlink) and bidirectional overrides (the "Trojan Source" trick) are shown
//! escaped, and long text is cut.

use std::borrow::Cow;

/// Longest stretch of table text shown on one line (a name, a code line).
pub const MAX_SHOWN_CHARS: usize = 200;

/// Whether a character must not reach a terminal as it is.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character and bidirectional mark escaped (`\e`, `\n`, `\u{202e}`).
pub fn inert(s: &str) -> Cow<'_, str> {
    if !s.chars().any(acts) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\x1b' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if acts(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Several lines of table text: each line made inert, line breaks kept.
pub fn inert_lines(s: &str) -> String {
    s.split_inclusive('\n')
        .map(|l| match l.strip_suffix('\n') {
            Some(body) => format!("{}\n", inert(body)),
            None => inert(l).into_owned(),
        })
        .collect()
}

/// `s` made inert and cut to `max` characters ("…" marks the cut).
pub fn short(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", inert(&s[..cut])),
        None => inert(s).into_owned(),
    }
}

/// Text for standard error, escaped as standard output is: control characters and
/// bidirectional marks inert on every line, and no line that a CI runner reads as a workflow
/// command (`::set-output`, `::add-mask`, `::stop-commands`): such a line is indented behind
/// a `|` (the runner reads commands only at the start of a line).
pub fn for_stderr(s: &str) -> String {
    inert_lines(s)
        .split_inclusive('\n')
        .map(|l| {
            if l.trim_start().starts_with("::") {
                format!("  | {l}")
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_acts_on_a_terminal() {
        assert_eq!(inert("\x1b[2J\x1b[31mALL CLEAR"), "\\e[2J\\e[31mALL CLEAR");
        assert_eq!(inert("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(inert("x\ny\u{7}"), "x\\ny\\u{7}");
        assert!(matches!(inert("plain-id_1.2 Mayagüez"), Cow::Borrowed(_)));
        assert_eq!(inert_lines("a\x1b\nb\n"), "a\\e\nb\n");
        assert_eq!(short("abcdef", 3), "abc…");
        assert_eq!(short("ab", 3), "ab");
    }

    #[test]
    fn stderr_carries_no_workflow_command() {
        assert_eq!(
            for_stderr("error: unexpected argument\n::add-mask::x\u{1b}[2J\n"),
            "error: unexpected argument\n  | ::add-mask::x\\e[2J\n"
        );
        assert_eq!(
            for_stderr("  ::set-output name=x::y\n"),
            "  |   ::set-output name=x::y\n"
        );
    }
}
