use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::macros::{date, format_description};
use time::{Date, OffsetDateTime};

/// A date of birth: given as an RFC 3339 date-time (its calendar date is taken as written) or as
/// `YYYY-MM-DD`; never in the future, never before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthday(Date);

impl Birthday {
    const EARLIEST: Date = date!(1900 - 01 - 01);

    pub fn parse(raw: &str, today: Date) -> Result<Self, String> {
        let raw = raw.trim();
        let date = Date::parse(raw, format_description!("[year]-[month]-[day]"))
            .or_else(|_| OffsetDateTime::parse(raw, &Rfc3339).map(|at| at.date()))
            .map_err(|_| "must be a date (YYYY-MM-DD) or an RFC 3339 date-time".to_owned())?;
        Self::from_date(date, today)
    }

    pub fn from_date(date: Date, today: Date) -> Result<Self, String> {
        if date > today {
            return Err("must not be in the future".into());
        }
        if date < Self::EARLIEST {
            return Err("must not be before 1900-01-01".into());
        }
        Ok(Birthday(date))
    }

    /// Rebuilds a stored value without the "not in the future" check (today moves on).
    pub fn from_stored(date: Date) -> Self {
        Birthday(date)
    }

    pub fn date(&self) -> Date {
        self.0
    }

    /// `YYYY-MM-DD`.
    pub fn to_iso_date(&self) -> String {
        self.0
            .format(format_description!("[year]-[month]-[day]"))
            .expect("a Date always formats")
    }

    /// Midnight UTC of the date as RFC 3339, the form B2Core clients send and read.
    pub fn to_rfc3339_midnight(&self) -> String {
        format!("{}T00:00:00+00:00", self.to_iso_date())
    }
}

impl fmt::Display for Birthday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso_date())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = date!(2026 - 11 - 22);

    #[test]
    fn accepts_date_and_datetime() {
        assert_eq!(
            Birthday::parse("1990-05-15", TODAY).unwrap().to_iso_date(),
            "1990-05-15"
        );
        let b = Birthday::parse("2022-01-01T00:00:00+00:00", TODAY).unwrap();
        assert_eq!(b.to_rfc3339_midnight(), "2022-01-01T00:00:00+00:00");
        // The calendar date as written, not converted to UTC.
        let late = Birthday::parse("1990-05-15T23:30:00-05:00", TODAY).unwrap();
        assert_eq!(late.to_iso_date(), "1990-05-15");
    }

    #[test]
    fn rejects_future_ancient_and_garbage() {
        assert!(Birthday::parse("2026-11-23", TODAY).is_err());
        assert!(Birthday::parse("2026-11-22", TODAY).is_ok());
        assert!(Birthday::parse("1899-12-31", TODAY).is_err());
        assert!(Birthday::parse("1900-01-01", TODAY).is_ok());
        for bad in [
            "",
            "0000-00-00",
            "1990-13-01",
            "1990-02-30",
            "15/05/1990",
            "yesterday",
        ] {
            assert!(Birthday::parse(bad, TODAY).is_err(), "{bad} accepted");
        }
    }
}
