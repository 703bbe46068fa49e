//! The plain-text part as mail readers and API clients want it: lines of at most 78 columns
//! (RFC 5322's recommendation), no trailing spaces, no runs of blank lines.

/// The longest line the text part has, in characters, but for a single word (a link) longer.
pub const WIDTH: usize = 78;

/// `raw` (a rendered text part) tidied: line ends normalised to `\n`, trailing spaces cut,
/// lines longer than [`WIDTH`] wrapped at spaces (a longer word on a line of its own, unbroken;
/// a `Label: value` line never broken), runs of blank lines made one, no blank line first,
/// and one `\n` at the end. Empty stays empty.
pub fn tidy_text(raw: &str) -> String {
    let normalised = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines: Vec<String> = Vec::new();
    for line in normalised.split('\n') {
        let line = line.trim_end_matches([' ', '\t']);
        if line.is_empty() {
            // A blank line only after some text, and never two in a row.
            if lines.last().is_some_and(|l| !l.is_empty()) {
                lines.push(String::new());
            }
        } else if width(line) <= WIDTH || is_label_line(line) {
            lines.push(line.to_owned());
        } else {
            wrap(line, &mut lines);
        }
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    if lines.is_empty() {
        return String::new();
    }
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

fn width(s: &str) -> usize {
    s.chars().count()
}

/// `Identifier: …`, `Code: …`: a short label and one word. API clients find secrets by such
/// lines, so wrapping must not split one even when the value is long.
fn is_label_line(line: &str) -> bool {
    let Some((label, value)) = line.split_once(": ") else {
        return false;
    };
    let label_ok = label.chars().next().is_some_and(char::is_alphabetic)
        && width(label) <= 30
        && label.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '-');
    label_ok && !value.is_empty() && !value.contains(' ')
}

/// `line` broken at spaces into lines of at most [`WIDTH`], each keeping its indentation.
fn wrap(line: &str, out: &mut Vec<String>) {
    let body = line.trim_start_matches([' ', '\t']);
    let indent = &line[..line.len() - body.len()];
    let mut current = String::from(indent);
    let mut has_word = false;
    for word in body.split(' ').filter(|w| !w.is_empty()) {
        if !has_word {
            current.push_str(word);
            has_word = true;
        } else if width(&current) + 1 + width(word) <= WIDTH {
            current.push(' ');
            current.push_str(word);
        } else {
            out.push(std::mem::replace(&mut current, format!("{indent}{word}")));
        }
    }
    out.push(current);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_widths(text: &str) {
        for line in text.lines() {
            assert!(
                width(line) <= WIDTH || !line.trim().contains(' '),
                "too long: {line:?}"
            );
        }
    }

    #[test]
    fn a_long_paragraph_wraps_at_words() {
        let paragraph = "The quick brown fox jumps over the lazy dog. ".repeat(6);
        let text = tidy_text(&paragraph);
        assert_widths(&text);
        assert!(text.lines().count() >= 3);
        assert!(text.lines().all(|l| !l.ends_with(' ') && !l.starts_with(' ')));
        // Nothing lost or reordered: only spaces became line ends.
        assert_eq!(
            text.split_whitespace().collect::<Vec<_>>(),
            paragraph.split_whitespace().collect::<Vec<_>>()
        );
        // Each line is as full as it can be: the next line's first word would not have fit.
        let lines: Vec<&str> = text.lines().collect();
        for pair in lines.windows(2) {
            let next = pair[1].split(' ').next().unwrap();
            assert!(width(pair[0]) + 1 + width(next) > WIDTH, "{pair:?}");
        }
    }

    #[test]
    fn counts_characters_not_bytes() {
        let line = "ä".repeat(40) + " " + &"ö".repeat(37); // 78 characters, 155 bytes
        assert_eq!(tidy_text(&line), format!("{line}\n"));
        let longer = format!("{line}ü");
        assert_eq!(tidy_text(&longer).lines().count(), 2);
    }

    #[test]
    fn a_long_url_stands_alone_and_unbroken() {
        let url = format!(
            "https://app.acme.example/customers/activate?identifier={}&secret=QJ4T7ZK2WM",
            "x".repeat(60)
        );
        let text = tidy_text(&format!(
            "Open this link to go on: {url} and choose a password there, please."
        ));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines,
            [
                "Open this link to go on:",
                url.as_str(),
                "and choose a password there, please."
            ]
        );
        assert_eq!(tidy_text(&url), format!("{url}\n"));
    }

    #[test]
    fn label_lines_are_never_broken() {
        let line = format!("Secret: {}", "S".repeat(90));
        assert_eq!(tidy_text(&line), format!("{line}\n"));
        // A sentence with a colon is no label line.
        let sentence = format!("Note: {}", "word ".repeat(20));
        assert!(tidy_text(&sentence).lines().count() > 1);
    }

    #[test]
    fn blank_runs_collapse_and_ends_are_tidy() {
        let raw = "\r\n\n  \nHello,  \r\n\r\n\r\n\r\nLine one\t\n\n\n\nLine two\n\n\n";
        assert_eq!(tidy_text(raw), "Hello,\n\nLine one\n\nLine two\n");
        assert_eq!(tidy_text("no newline"), "no newline\n");
        assert_eq!(tidy_text(" \n\n"), "");
    }

    #[test]
    fn indentation_is_kept_on_wrapped_lines() {
        let raw = format!("    {}", "indented words here ".repeat(8));
        let text = tidy_text(&raw);
        assert_widths(&text);
        assert!(text
            .lines()
            .all(|l| l.starts_with("    ") && !l[4..].starts_with(' ')));
    }
}
