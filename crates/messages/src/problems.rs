//! What is wrong with a template, said for the person who wrote it: the part, the line and a
//! short message, without minijinja's debug dump.

use std::collections::HashSet;

use clientele_domain::messages::{TemplatePart, TemplateProblem, Variables, COMMON};
use minijinja::{ErrorKind, Template};

use crate::shipped::LAYOUT_NAME;

/// Names a template may use besides its variables: minijinja's loop and block helpers, and the
/// macros of the layout (reachable from a template that extends it).
const LANGUAGE_NAMES: &[&str] = &["loop", "self", "super", "caller", "varargs", "kwargs"];
pub(crate) const LAYOUT_MACROS: &[&str] = &["button"];

/// The first name `template` uses that is neither a variable, a global of `globals`, nor one of
/// minijinja's own: a problem on the line that first mentions it.
pub(crate) fn unknown_variable(
    part: TemplatePart,
    template: &Template<'_, '_>,
    source: &str,
    variables: &Variables,
    globals: &HashSet<String>,
) -> Option<TemplateProblem> {
    let known = |name: &str| {
        variables.get(name).is_some()
            || globals.contains(name)
            || LANGUAGE_NAMES.contains(&name)
            || LAYOUT_MACROS.contains(&name)
    };
    let mut unknown: Vec<(Option<usize>, String)> = template
        .undeclared_variables(true)
        .into_iter()
        // `nested` gives `a.b.c`: the variable is `a`.
        .map(|path| path.split('.').next().unwrap_or_default().to_owned())
        .filter(|name| !known(name))
        .map(|name| (first_mention(source, &name), name))
        .collect();
    unknown.sort_by_key(|(line, name)| (line.unwrap_or(usize::MAX), name.clone()));
    let (line, name) = unknown.into_iter().next()?;
    Some(TemplateProblem {
        part,
        line,
        message: format!(
            "unknown variable `{name}`; this message has: {}",
            names(variables)
        ),
    })
}

/// The variables as a reader wants them: the kind's own first, then the common ones.
fn names(variables: &Variables) -> String {
    let common = |n: &str| COMMON.iter().any(|c| c.name == n);
    let own = variables.iter().map(|(n, _)| n).filter(|n| !common(n));
    let shared = variables.iter().map(|(n, _)| n).filter(|n| common(n));
    own.chain(shared).collect::<Vec<_>>().join(", ")
}

/// The line (from 1) where `name` first stands as a whole word inside `{{ }}` or `{% %}`, else
/// anywhere.
pub(crate) fn first_mention(source: &str, name: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut anywhere = None;
    for (at, _) in source.match_indices(name) {
        let before = source[..at].chars().next_back();
        let after = source[at + name.len()..].chars().next();
        if before.is_some_and(is_ident) || after.is_some_and(is_ident) {
            continue;
        }
        let line = source[..at].matches('\n').count() + 1;
        if inside_tag(&source[..at]) {
            return Some(line);
        }
        anywhere.get_or_insert(line);
    }
    anywhere
}

/// Whether the text after `before` is inside an expression or a statement.
fn inside_tag(before: &str) -> bool {
    let opened = ["{{", "{%"].iter().filter_map(|o| before.rfind(o)).max();
    let closed = ["}}", "%}"].iter().filter_map(|c| before.rfind(c)).max();
    match (opened, closed) {
        (Some(o), Some(c)) => o > c,
        (Some(_), None) => true,
        _ => false,
    }
}

/// `part` renders to more than [`MAX_OUTPUT`](crate::MAX_OUTPUT) bytes, as `err` (the refused
/// write) found at its line.
pub(crate) fn too_long(part: TemplatePart, err: &minijinja::Error) -> TemplateProblem {
    TemplateProblem {
        part,
        line: err.line().filter(|_| err.name() != Some(LAYOUT_NAME)),
        message: format!("renders to more than {} KiB", crate::MAX_OUTPUT / 1024),
    }
}

/// A minijinja error (syntax or rendering) as a problem in `part`.
pub(crate) fn from_error(part: TemplatePart, err: &minijinja::Error) -> TemplateProblem {
    let detail = err.detail().map(|d| format!(": {d}")).unwrap_or_default();
    let message = match err.kind() {
        ErrorKind::SyntaxError => format!("syntax error{detail}"),
        ErrorKind::TemplateNotFound => {
            format!("only \"{LAYOUT_NAME}\" can be extended, included or imported")
        }
        ErrorKind::OutOfFuel => {
            "the template takes too many steps to render (a loop that runs too long?)".to_owned()
        }
        ErrorKind::UndefinedError => format!("a value used here is undefined{detail}"),
        // Their detail says it all ("filter x is unknown").
        ErrorKind::UnknownFilter
        | ErrorKind::UnknownTest
        | ErrorKind::UnknownFunction
        | ErrorKind::UnknownMethod => err.detail().map_or_else(|| err.kind().to_string(), str::to_owned),
        kind => format!("{kind}{detail}"),
    };
    // An error inside the layout has a line of the layout, not of this part.
    match err.name() {
        Some(LAYOUT_NAME) => TemplateProblem {
            part,
            line: None,
            message: format!(
                "in {LAYOUT_NAME}{}: {message}",
                err.line().map(|l| format!(" line {l}")).unwrap_or_default()
            ),
        },
        _ => TemplateProblem {
            part,
            line: err.line(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_mention_prefers_a_tag() {
        let source = "Dear nope,\n\n{{ nopey }}\n{% if x %}{{ nope }}{% endif %}\n";
        assert_eq!(first_mention(source, "nope"), Some(4));
        assert_eq!(first_mention("nope here\nnothing", "nope"), Some(1));
        assert_eq!(first_mention("{{ a }}", "nope"), None);
        assert_eq!(first_mention("{{ user.nope }}", "user"), Some(1));
    }
}
