//! What a template may be, checked on its source before minijinja compiles it: the parts of
//! the language whose cost the renderer can bound, and no other.
//!
//! minijinja bounds steps (fuel), not bytes, and its operators cannot be hooked: `a ~ a`, `a + a`
//! and `[a, a] | join` each double a value, and a value fed back (`{% set s = s ~ s %}` forty
//! times, a namespace in a loop, a block `set`, a macro calling itself) reaches a terabyte in a
//! few hundred steps, long before anything is written. Constants are even folded while compiling
//! (`"x" * 100000000 ~ "x" * 100000000 ~ …`). And minijinja's parser and compiler recurse once
//! per nested operator, so a few kilobytes of `not not not …` or `f(f(f(…)))` overflow the stack
//! and abort the process. So a template is refused, naming the line, when it:
//!
//! - is longer than [`MAX_OUTPUT`] bytes (the domain allows 65 536 characters), so that no
//!   literal is longer than what a filter may make;
//! - has a tag of more than [`MAX_TAG_TOKENS`] tokens, brackets nested deeper than
//!   [`MAX_BRACKETS`], or statements nested deeper than [`MAX_NESTING`] (each `elif` counting
//!   as one more): checked on the tokens, before anything recurses;
//! - joins values with `~`, or uses `+` or `*` on anything but numbers (literals, `loop.index`
//!   and such, `| length`, `| int`…);
//! - captures output into a value (`{% set x %}…{% endset %}`, `{% filter %}`), defines a macro
//!   or a `{% call %}` block, loops `recursive`ly, refers to `self`, or uses `{% do %}`;
//! - assigns to anything but names (so a namespace's attributes are fixed when it is made);
//! - writes a list, a map or a `namespace(…)` of anything but literal values;
//! - calls anything but `range`, `namespace`, `loop.cycle` and `loop.changed` other than as the
//!   whole of a `{{ … }}` (so the layout's `button(…)` and `super()` go straight to the output);
//! - spreads arguments (`*args`, `**kwargs`).
//!
//! What is left builds no value larger than its inputs but through the filters, which
//! `builtins` bounds, and writes only into the capped output (`limits`).

use clientele_domain::messages::{TemplatePart, TemplateProblem};
use minijinja::machinery::ast::{BinOpKind, Call, CallArg, Expr, Stmt, UnaryOpKind};
use minijinja::machinery::{parse, tokenize, Span, Token, WhitespaceConfig};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;

use crate::problems;
use crate::MAX_OUTPUT;

/// The most tokens (names, values, operators, brackets) one `{{ … }}` or `{% … %}` may hold.
pub(crate) const MAX_TAG_TOKENS: usize = 100;
/// The deepest brackets (`(`, `[`, `{`) may nest within a tag.
pub(crate) const MAX_BRACKETS: usize = 10;
/// The deepest statements (`if`, `for`, `block`, `with`…, each `elif` one more) may nest.
pub(crate) const MAX_NESTING: usize = 30;

/// Statements that open a body closed by an `end…` tag.
const OPENERS: &[&str] = &[
    "if",
    "for",
    "block",
    "with",
    "filter",
    "macro",
    "call",
    "autoescape",
];

/// A refusal: the line (from 1) and why.
struct Refused {
    line: usize,
    message: String,
}

type Checked = Result<(), Refused>;

fn refuse(span: Span, message: impl Into<String>) -> Checked {
    Err(Refused {
        line: usize::from(span.start_line),
        message: message.into(),
    })
}

/// `source`, compiled as `name` for `part`, refused if it uses what this module does not allow.
/// The renderer keeps minijinja's default syntax, which this reads it with.
pub(crate) fn check(part: TemplatePart, name: &str, source: &str) -> Result<(), TemplateProblem> {
    // A unit struct unless another crate turns on minijinja's `custom_syntax`.
    #[allow(clippy::default_constructed_unit_structs)]
    let syntax = &SyntaxConfig::default();
    if source.len() > MAX_OUTPUT {
        return Err(TemplateProblem::new(
            part,
            format!("is longer than {} KiB", MAX_OUTPUT / 1024),
        ));
    }
    let refused = |r: Refused| TemplateProblem {
        part,
        line: Some(r.line),
        message: r.message,
    };
    measure(source, syntax)
        .map_err(|e| problems::from_error(part, &e))?
        .map_err(refused)?;
    let ast = parse(source, name, syntax.clone(), WhitespaceConfig::default())
        .map_err(|e| problems::from_error(part, &e))?;
    stmt(&ast).map_err(refused)
}

/// The sizes of the tags and the nesting of the statements, from the tokens (the lexer does
/// not recurse). The outer error is a syntax error of the lexer's.
fn measure(source: &str, syntax: &SyntaxConfig) -> Result<Checked, minijinja::Error> {
    let mut tokens = 0;
    let mut brackets = 0usize;
    let mut in_block = false;
    let mut statement: Option<&str> = None;
    let mut assigns = false;
    // The open statements, each weighing 1 and 1 more per `elif`, and their total.
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0;
    for token in tokenize(source, false, syntax.clone(), WhitespaceConfig::default()) {
        let (token, span) = token?;
        match token {
            Token::TemplateData(_) | Token::VariableEnd => {}
            Token::VariableStart | Token::BlockStart => {
                (tokens, brackets, assigns) = (0, 0, false);
                in_block = matches!(token, Token::BlockStart);
                statement = None;
            }
            Token::BlockEnd => {
                let name = statement.unwrap_or_default();
                if OPENERS.contains(&name) || (name == "set" && !assigns) {
                    open.push(1);
                    depth += 1;
                } else if name == "elif" {
                    if let Some(weight) = open.last_mut() {
                        *weight += 1;
                        depth += 1;
                    }
                } else if name.starts_with("end") {
                    depth -= open.pop().unwrap_or(0);
                }
                if depth > MAX_NESTING {
                    return Ok(refuse(
                        span,
                        format!("statements nest too deep here: at most {MAX_NESTING} (each `elif` counts as one more)"),
                    ));
                }
            }
            token => {
                tokens += 1;
                if tokens > MAX_TAG_TOKENS {
                    return Ok(refuse(
                        span,
                        format!("this tag is too long: at most {MAX_TAG_TOKENS} names, values and operators"),
                    ));
                }
                match token {
                    Token::ParenOpen | Token::BracketOpen | Token::BraceOpen => {
                        brackets += 1;
                        if brackets > MAX_BRACKETS {
                            return Ok(refuse(
                                span,
                                format!("brackets nest too deep here: at most {MAX_BRACKETS}"),
                            ));
                        }
                    }
                    Token::ParenClose | Token::BracketClose | Token::BraceClose => {
                        brackets = brackets.saturating_sub(1);
                    }
                    Token::Ident(name) if in_block && tokens == 1 => statement = Some(name),
                    Token::Assign => assigns = true,
                    _ => {}
                }
            }
        }
    }
    Ok(Ok(()))
}

fn stmts(list: &[Stmt<'_>]) -> Checked {
    list.iter().try_for_each(stmt)
}

// Every statement is named: one a later minijinja (or a feature another crate turns on) adds
// fails to compile here until it is judged.
fn stmt(s: &Stmt<'_>) -> Checked {
    match s {
        Stmt::Template(t) => stmts(&t.children),
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::EmitExpr(e) => match &e.expr {
            Expr::Call(call) => self::call(call, true),
            other => expr(other),
        },
        // A message's values are text, never lists: a loop has nothing to go over but what it
        // makes itself, and a value kept under a name (`set`, `with`, an import) outlives the
        // expression that made it. Without them each statement runs at most once and holds
        // nothing after it, so memory and time are bounded by the template's own size.
        Stmt::ForLoop(l) => refuse(
            l.span(),
            "a message has no lists: `{% for %}` cannot be used here",
        ),
        Stmt::IfCond(c) => {
            expr(&c.expr)?;
            stmts(&c.true_body)?;
            stmts(&c.false_body)
        }
        Stmt::WithBlock(w) => refuse(
            w.span(),
            "`{% with %}` cannot be used here: write the value where it is used",
        ),
        Stmt::Set(s) => refuse(
            s.span(),
            "`{% set %}` cannot be used here: write the value where it is used",
        ),
        Stmt::AutoEscape(a) => {
            expr(&a.enabled)?;
            stmts(&a.body)
        }
        Stmt::Block(b) => stmts(&b.body),
        Stmt::Extends(e) => expr(&e.name),
        Stmt::Include(i) => refuse(
            i.span(),
            "`{% include %}` cannot be used here: extend `layout.html`",
        ),
        Stmt::Import(i) => refuse(
            i.span(),
            "`{% import %}` cannot be used here: extend `layout.html`",
        ),
        Stmt::FromImport(i) => refuse(
            i.span(),
            "`{% from … import %}` cannot be used here: extend `layout.html`",
        ),
        Stmt::SetBlock(s) => refuse(
            s.span(),
            "`{% set %}…{% endset %}` cannot be used here: set a name to a value (`{% set x = … %}`)",
        ),
        Stmt::FilterBlock(f) => refuse(
            f.span(),
            "`{% filter %}` cannot be used here: apply the filter to each value",
        ),
        Stmt::Macro(m) => refuse(m.span(), "a template cannot define macros here"),
        Stmt::CallBlock(c) => refuse(c.span(), "`{% call %}` cannot be used here"),
        Stmt::Do(d) => refuse(d.span(), "`{% do %}` cannot be used here"),
    }
}

fn expr(e: &Expr<'_>) -> Checked {
    match e {
        Expr::Var(v) => match v.id {
            "self" => refuse(v.span(), "`self` cannot be used here"),
            "namespace" => refuse(
                v.span(),
                "`namespace` can only be called here: `namespace(name=value)`",
            ),
            _ => Ok(()),
        },
        Expr::Const(_) => Ok(()),
        Expr::Slice(s) => {
            expr(&s.expr)?;
            [&s.start, &s.stop, &s.step]
                .into_iter()
                .flatten()
                .try_for_each(expr)
        }
        Expr::UnaryOp(u) => expr(&u.expr),
        Expr::BinOp(b) => {
            match b.op {
                BinOpKind::Concat => {
                    return refuse(
                        b.span(),
                        "`~` cannot be used here: write the values side by side, `{{ a }}{{ b }}`",
                    )
                }
                BinOpKind::Add | BinOpKind::Mul if !(numeric(&b.left) && numeric(&b.right)) => return refuse(
                    b.span(),
                    "`+` and `*` only work on numbers here (such as `loop.index + 1`), not on text or lists",
                ),
                _ => {}
            }
            expr(&b.left)?;
            expr(&b.right)
        }
        Expr::Compare(c) => {
            expr(&c.expr)?;
            c.ops.iter().try_for_each(|op| expr(&op.expr))
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr)?;
            expr(&i.true_expr)?;
            i.false_expr.iter().try_for_each(expr)
        }
        Expr::Filter(f) => {
            f.expr.iter().try_for_each(expr)?;
            args(&f.args)
        }
        Expr::Test(t) => {
            expr(&t.expr)?;
            args(&t.args)
        }
        Expr::GetAttr(g) => expr(&g.expr),
        Expr::GetItem(g) => {
            expr(&g.expr)?;
            expr(&g.subscript_expr)
        }
        Expr::Call(c) => call(c, false),
        Expr::List(l) => match l.items.iter().all(constant) {
            true => Ok(()),
            false => refuse(l.span(), "a list here can hold only literal values"),
        },
        Expr::Map(m) => match m.keys.iter().chain(&m.values).all(constant) {
            true => Ok(()),
            false => refuse(m.span(), "a map here can hold only literal values"),
        },
    }
}

/// A call; `alone` when it is the whole of a `{{ … }}`, its result going straight out.
fn call(c: &minijinja::machinery::ast::Spanned<Call<'_>>, alone: bool) -> Checked {
    let is_loop = |e: &Expr<'_>| matches!(e, Expr::Var(v) if v.id == "loop");
    match &c.expr {
        Expr::Var(v) if v.id == "range" => args(&c.args),
        Expr::Var(v) if v.id == "namespace" => {
            let literal = |a: &CallArg<'_>| match a {
                CallArg::Pos(e) | CallArg::Kwarg(_, e) => constant(e),
                CallArg::PosSplat(_) | CallArg::KwargSplat(_) => false,
            };
            match c.args.iter().all(literal) {
                true => Ok(()),
                false => refuse(c.span(), "a namespace here can hold only literal values"),
            }
        }
        Expr::Var(v) if v.id == "loop" => refuse(c.span(), "a loop cannot call itself here"),
        Expr::GetAttr(g) if is_loop(&g.expr) && matches!(g.name, "cycle" | "changed") => args(&c.args),
        callee if alone => {
            expr(callee)?;
            args(&c.args)
        }
        _ => refuse(
            c.span(),
            "a macro (such as `button(…)`) or `super()` can only be called as the whole of a `{{ … }}`",
        ),
    }
}

fn args(list: &[CallArg<'_>]) -> Checked {
    list.iter().try_for_each(|a| match a {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) => expr(e),
        CallArg::PosSplat(e) | CallArg::KwargSplat(e) => {
            refuse(span(e), "arguments cannot be spread (`*x`, `**x`) here")
        }
    })
}

/// A literal: a constant, or a list or map of them.
fn constant(e: &Expr<'_>) -> bool {
    match e {
        Expr::Const(_) => true,
        Expr::UnaryOp(u) => constant(&u.expr),
        Expr::List(l) => l.items.iter().all(constant),
        Expr::Map(m) => m.keys.iter().chain(&m.values).all(constant),
        _ => false,
    }
}

/// Whether `e` can only be a number (or fail): what `+` and `*` may work on.
fn numeric(e: &Expr<'_>) -> bool {
    const LOOP_NUMBERS: &[&str] = &[
        "index",
        "index0",
        "revindex",
        "revindex0",
        "length",
        "depth",
        "depth0",
    ];
    const NUMBER_FILTERS: &[&str] = &["length", "count", "int", "float", "abs", "round"];
    match e {
        Expr::Const(c) => c.value.kind() == ValueKind::Number,
        Expr::UnaryOp(u) => matches!(u.op, UnaryOpKind::Neg) && numeric(&u.expr),
        Expr::BinOp(b) => {
            matches!(
                b.op,
                BinOpKind::Add
                    | BinOpKind::Sub
                    | BinOpKind::Mul
                    | BinOpKind::Div
                    | BinOpKind::FloorDiv
                    | BinOpKind::Rem
                    | BinOpKind::Pow
            ) && numeric(&b.left)
                && numeric(&b.right)
        }
        Expr::GetAttr(g) => {
            matches!(&g.expr, Expr::Var(v) if v.id == "loop") && LOOP_NUMBERS.contains(&g.name)
        }
        Expr::Filter(f) => f.expr.is_some() && NUMBER_FILTERS.contains(&f.name),
        _ => false,
    }
}

fn span(e: &Expr<'_>) -> Span {
    match e {
        Expr::Var(x) => x.span(),
        Expr::Const(x) => x.span(),
        Expr::Slice(x) => x.span(),
        Expr::UnaryOp(x) => x.span(),
        Expr::BinOp(x) => x.span(),
        Expr::Compare(x) => x.span(),
        Expr::IfExpr(x) => x.span(),
        Expr::Filter(x) => x.span(),
        Expr::Test(x) => x.span(),
        Expr::GetAttr(x) => x.span(),
        Expr::GetItem(x) => x.span(),
        Expr::Call(x) => x.span(),
        Expr::List(x) => x.span(),
        Expr::Map(x) => x.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(source: &str) -> Option<String> {
        check(TemplatePart::Text, "text.txt", source)
            .err()
            .map(|p| p.message)
    }

    #[test]
    fn what_messages_use_is_allowed() {
        for ok in [
            "Hello {{ name }}, {% if brand %}{{ brand | upper }}{% else %}us{% endif %}",
            r#"{% extends "layout.html" %}{% block content %}{{ button(link, "Go") }}{{ super() }}{% endblock %}"#,
            "{{ (name | length) * 2 }}{{ name[0:3] }}{{ 'a' if name else 'b' }}{{ name | trim | title }}",
            "{%- if name -%} {{ name }} {%- endif %}{# {{ a ~ b }} #}{% raw %}{{ a ~ b }}{% endraw %}",
            "{% if a %}{% elif b %}{% else %}{% endif %}{% autoescape false %}{{ x }}{% endautoescape %}",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn what_could_grow_a_value_is_refused() {
        for (bad, says) in [
            ("{{ brand ~ brand }}", "`~`"),
            ("{{ 'x' * 100000000 }}", "`+` and `*`"),
            ("{{ brand + brand }}", "`+` and `*`"),
            ("{{ [brand] * 3 }}", "`+` and `*`"),
            ("{% set s %}{{ s }}{{ s }}{% endset %}", "endset"),
            ("{% filter upper %}x{% endfilter %}", "filter"),
            ("{% macro m() %}x{% endmacro %}", "macros"),
            ("{% set s = brand %}", "`{% set %}`"),
            ("{% with n = name %}{{ n }}{% endwith %}", "`{% with %}`"),
            ("{% for i in range(3) %}{{ i }}{% endfor %}", "`{% for %}`"),
            ("{% import \"layout.html\" as m %}", "`{% import %}`"),
            ("{% from \"layout.html\" import button %}", "import"),
            ("{% include \"layout.html\" %}", "`{% include %}`"),
            ("{{ [brand, brand] | join }}", "list"),
            ("{{ {'a': brand} }}", "map"),
            ("{{ namespace(a=brand) }}", "namespace"),
            ("{{ namespace }}", "namespace"),
            ("{% block b %}x{% endblock %}{{ self.b() }}", "`self`"),
            ("{{ button(link, 'x') | upper }}", "whole of"),
            ("{{ range(*[3]) }}", "spread"),
            ("{% do range(3) %}", "`{% do %}`"),
        ] {
            let message = problem(bad).unwrap_or_else(|| panic!("allowed: {bad}"));
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn a_source_past_the_cap_is_refused() {
        let long = "x".repeat(MAX_OUTPUT + 1);
        assert_eq!(problem(&long).as_deref(), Some("is longer than 256 KiB"));
        assert_eq!(problem(&long[1..]), None);
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        for (bad, says) in [
            (format!("{{{{ {}1 }}}}", "not ".repeat(5000)), "too long"),
            (
                format!("{{{{ {}1{} }}}}", "f(".repeat(5000), ")".repeat(5000)),
                "brackets",
            ),
            (format!("{{{{ 1{} }}}}", "-1".repeat(5000)), "too long"),
            (
                format!("{{% if 0 %}}{}{{% endif %}}", "{% elif 0 %}".repeat(5000)),
                "nest too deep",
            ),
            (
                format!("{}{}", "{% for x in y %}".repeat(40), "{% endfor %}".repeat(40)),
                "nest too deep",
            ),
        ] {
            let message = problem(&bad).unwrap_or_else(|| panic!("allowed: {}", &bad[..40]));
            assert!(message.contains(says), "{}: {message}", &bad[..40]);
        }
    }
}
