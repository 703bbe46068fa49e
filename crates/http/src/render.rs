//! How values read in responses.

use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// An optional value as the optional text a response shows.
pub fn text<T: ToString>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(ToString::to_string)
}

/// RFC 3339 in UTC with whole seconds and a numeric offset: `2022-01-01T00:00:00+00:00`,
/// the form the seeds show.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]+00:00"
        ))
        .expect("a UTC timestamp always formats")
}

/// `YYYY-MM-DD`.
pub fn iso_date(day: time::Date) -> String {
    day.format(format_description!("[year]-[month]-[day]"))
        .expect("a date always formats")
}

/// A `YYYY-MM-DD` date, if `raw` is one.
pub fn parse_iso_date(raw: &str) -> Option<time::Date> {
    time::Date::parse(raw.trim(), format_description!("[year]-[month]-[day]")).ok()
}
