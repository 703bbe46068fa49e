//! A PostgreSQL snapshot as `pg_current_snapshot()` shows it (`xmin:xmax:xip,…`): which
//! transactions it sees committed. Transaction IDs are 64-bit (`xid8`), which never wrap.

/// The transactions a snapshot sees as finished: every one below `xmin`, and those below `xmax`
/// not `in_progress`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub xmin: i64,
    pub xmax: i64,
    pub in_progress: Vec<i64>,
}

impl Snapshot {
    /// `None` for text that is not a snapshot.
    pub fn parse(text: &str) -> Option<Snapshot> {
        let mut parts = text.split(':');
        let xmin = parts.next()?.parse().ok()?;
        let xmax = parts.next()?.parse().ok()?;
        let in_progress = match parts.next()? {
            "" => Vec::new(),
            list => list
                .split(',')
                .map(|xid| xid.parse().ok())
                .collect::<Option<Vec<i64>>>()?,
        };
        if parts.next().is_some() || xmin > xmax {
            return None;
        }
        Some(Snapshot {
            xmin,
            xmax,
            in_progress,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_postgres_prints() {
        assert_eq!(
            Snapshot::parse("10:20:10,14,15"),
            Some(Snapshot {
                xmin: 10,
                xmax: 20,
                in_progress: vec![10, 14, 15]
            })
        );
        assert_eq!(
            Snapshot::parse("748:748:"),
            Some(Snapshot {
                xmin: 748,
                xmax: 748,
                in_progress: vec![]
            })
        );
        for not_one in ["", "1:2", "1:2:3:4", "a:2:", "3:2:", "1:5:2,x"] {
            assert_eq!(Snapshot::parse(not_one), None, "{not_one:?}");
        }
    }
}
