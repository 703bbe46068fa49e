//! The filters, tests and functions a template has: a chosen few of minijinja's own, each
//! filter's result no longer than [`MAX_OUTPUT`], and those whose cost an argument decides
//! checked before they run.
//!
//! The environment starts empty, so a filter another crate's minijinja features turn on
//! (`tojson`, `urlencode`) or a later minijinja adds is not there until it is added here.
//! Left out, as their cost follows a number argument rather than their input, or they combine
//! values, or no message needs them: `indent` (`" ".repeat(width)`), `format` (`%…s` widths),
//! `pprint`, `batch` and `slice` (`Vec::with_capacity(count)`), `map` (`map('default', x)`
//! repeats `x`), `chain`, `zip`, `groupby`, `dictsort`, `items`, `select`, `reject`,
//! `selectattr`, `rejectattr`, `sort`, `unique`, `min`, `max`, `sum`, `attr`; and the functions
//! `debug` and `dict`.

use std::fmt::{self, Write as _};

use minijinja::tests as is;
use minijinja::value::{Rest, Value};
use minijinja::{filters, functions, Environment, Error, ErrorKind, State};

use crate::limits::MAX_OUTPUT;

/// Adds the filters, tests and functions to `env` (made with `Environment::empty`).
pub(crate) fn install(env: &mut Environment<'_>) {
    // Each bounded by its input; strings grow at most a few times (escaping).
    let plain = [
        ("escape", Value::from_function(filters::escape)),
        ("e", Value::from_function(filters::escape)),
        ("lower", Value::from_function(filters::lower)),
        ("upper", Value::from_function(filters::upper)),
        ("title", Value::from_function(filters::title)),
        ("capitalize", Value::from_function(filters::capitalize)),
        ("length", Value::from_function(filters::length)),
        ("count", Value::from_function(filters::length)),
        ("default", Value::from_function(filters::default)),
        ("d", Value::from_function(filters::default)),
        ("first", Value::from_function(filters::first)),
        ("last", Value::from_function(filters::last)),
        ("split", Value::from_function(filters::split)),
        ("lines", Value::from_function(filters::lines)),
        ("list", Value::from_function(filters::list)),
        ("string", Value::from_function(filters::string)),
        ("int", Value::from_function(filters::int)),
        ("float", Value::from_function(filters::float)),
        ("abs", Value::from_function(filters::abs)),
        ("round", Value::from_function(filters::round)),
        ("bool", Value::from_function(filters::bool)),
        ("reverse", Value::from_function(filters::reverse)),
    ];
    for (name, filter) in plain {
        add_filter(env, name, filter, |_| Ok(()));
    }
    // Their output's size follows their arguments: checked before they run.
    add_filter(
        env,
        "replace",
        Value::from_function(filters::replace),
        replace_fits,
    );
    add_filter(env, "join", Value::from_function(filters::join), join_fits);
    // Its time follows the characters to trim times the value's.
    add_filter(env, "trim", Value::from_function(filters::trim), trim_fits);

    env.add_test("undefined", is::is_undefined);
    env.add_test("defined", is::is_defined);
    env.add_test("none", is::is_none);
    env.add_test("safe", is::is_safe);
    env.add_test("escaped", is::is_safe);
    env.add_test("boolean", is::is_boolean);
    env.add_test("odd", is::is_odd);
    env.add_test("even", is::is_even);
    env.add_test("divisibleby", is::is_divisibleby);
    env.add_test("number", is::is_number);
    env.add_test("integer", is::is_integer);
    env.add_test("int", is::is_integer);
    env.add_test("float", is::is_float);
    env.add_test("string", is::is_string);
    env.add_test("sequence", is::is_sequence);
    env.add_test("iterable", is::is_iterable);
    env.add_test("mapping", is::is_mapping);
    env.add_test("startingwith", is::is_startingwith);
    env.add_test("endingwith", is::is_endingwith);
    env.add_test("lower", is::is_lower);
    env.add_test("upper", is::is_upper);
    env.add_test("sameas", is::is_sameas);
    for name in ["eq", "equalto", "=="] {
        env.add_test(name, is::is_eq);
    }
    for name in ["ne", "!="] {
        env.add_test(name, is::is_ne);
    }
    for name in ["lt", "lessthan", "<"] {
        env.add_test(name, is::is_lt);
    }
    for name in ["le", "<="] {
        env.add_test(name, is::is_le);
    }
    for name in ["gt", "greaterthan", ">"] {
        env.add_test(name, is::is_gt);
    }
    for name in ["ge", ">="] {
        env.add_test(name, is::is_ge);
    }
    env.add_test("in", is::is_in);
    env.add_test("true", is::is_true);
    env.add_test("false", is::is_false);
    env.add_test("filter", is::is_filter);
    env.add_test("test", is::is_test);

    // `range` stops at 100 000 items.
    env.add_function("range", functions::range);
    env.add_function("namespace", functions::namespace);
}

/// `filter` as `name`, refused when `fits` refuses its arguments (the value first) and when
/// it makes a string longer than [`MAX_OUTPUT`].
fn add_filter(
    env: &mut Environment<'_>,
    name: &'static str,
    filter: Value,
    fits: fn(&[Value]) -> Result<(), Error>,
) {
    env.add_filter(name, move |state: &State, args: Rest<Value>| {
        fits(&args)?;
        let made = filter.call(state, &args)?;
        match made.as_str() {
            Some(s) if s.len() > MAX_OUTPUT => Err(too_long()),
            _ => Ok(made),
        }
    });
}

fn too_long() -> Error {
    Error::new(
        ErrorKind::InvalidOperation,
        format!("a value here would be longer than {} KiB", MAX_OUTPUT / 1024),
    )
}

/// The length of `value` as text, or `MAX_OUTPUT + 1` once it is longer: a list is measured
/// as written, without being written out.
fn text_len(value: &Value) -> usize {
    struct Counter(usize);
    impl fmt::Write for Counter {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.saturating_add(s.len());
            match self.0 > MAX_OUTPUT {
                true => Err(fmt::Error),
                false => Ok(()),
            }
        }
    }
    if let Some(s) = value.as_str() {
        return s.len();
    }
    let mut counter = Counter(0);
    let _ = write!(counter, "{value}");
    counter.0.min(MAX_OUTPUT + 1)
}

/// `value | join(joiner)`: the items and the joiners between them, at most [`MAX_OUTPUT`].
fn join_fits(args: &[Value]) -> Result<(), Error> {
    let Some(Ok(items)) = args.first().map(Value::try_iter) else {
        return Ok(()); // join says what is wrong
    };
    let joiner = args.get(1).filter(|j| !j.is_none()).map_or(0, text_len);
    let mut total = 0usize;
    for (i, item) in items.enumerate() {
        if i > 0 {
            total = total.saturating_add(joiner);
        }
        total = total.saturating_add(text_len(&item));
        if total > MAX_OUTPUT {
            return Err(too_long());
        }
    }
    Ok(())
}

/// `value | replace(from, to)`: the value with every `from` made `to` (an empty `from` stands
/// before every character and at the end), at most [`MAX_OUTPUT`].
fn replace_fits(args: &[Value]) -> Result<(), Error> {
    let [value, from, to, ..] = args else {
        return Ok(()); // replace says what is missing
    };
    if [value, from, to].into_iter().any(|v| text_len(v) > MAX_OUTPUT) {
        return Err(too_long());
    }
    let (value, from, to) = (value.to_string(), from.to_string(), to.to_string());
    let (count, removed) = match from.is_empty() {
        true => (value.chars().count().saturating_add(1), 0),
        false => {
            let count = value.matches(from.as_str()).count();
            (count, count.saturating_mul(from.len()))
        }
    };
    let made = (value.len() - removed).saturating_add(count.saturating_mul(to.len()));
    match made > MAX_OUTPUT {
        true => Err(too_long()),
        false => Ok(()),
    }
}

/// The most characters `trim(chars)` may be given: it tries each on each end character.
const MOST_TO_TRIM: usize = 64;

/// `value | trim(chars)`: at most [`MOST_TO_TRIM`] characters.
fn trim_fits(args: &[Value]) -> Result<(), Error> {
    match args.get(1).and_then(Value::as_str) {
        Some(chars) if chars.chars().count() > MOST_TO_TRIM => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("trim takes at most {MOST_TO_TRIM} characters to trim"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_len_stops_counting_past_the_cap() {
        assert_eq!(text_len(&Value::from("abc")), 3);
        assert_eq!(text_len(&Value::from(vec![1, 2])), "[1, 2]".len());
        let long = Value::from(vec![Value::from("x".repeat(1000)); 1000]);
        assert_eq!(text_len(&long), MAX_OUTPUT + 1);
    }

    #[test]
    fn replace_and_join_are_measured_before_they_run() {
        let v = |s: &str| Value::from(s);
        assert!(replace_fits(&[v("aaa"), v("a"), v("bb")]).is_ok());
        let big = "y".repeat(MAX_OUTPUT / 2);
        assert!(replace_fits(&[v("aaa"), v("a"), v(&big)]).is_err());
        assert!(replace_fits(&[v("abc"), v(""), v(&big)]).is_err());
        assert!(join_fits(&[Value::from(vec![1, 2, 3]), v(", ")]).is_ok());
        let many = Value::from((0..100_000).collect::<Vec<i32>>());
        assert!(join_fits(&[many, v("long joiner")]).is_err());
        assert!(trim_fits(&[v("--x--"), v("-")]).is_ok());
        assert!(trim_fits(&[v("--x--"), v(&"-".repeat(65))]).is_err());
    }
}
