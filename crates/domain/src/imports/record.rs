use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::tenant::TenantId;

/// How many refused lines a run's record keeps (the command's report file has them all).
pub const REPORTED_REFUSALS: usize = 1000;

/// A run that saved no progress for this long has stopped (its process was killed, say): it
/// shows as interrupted, and running the same file again finishes the job.
pub const STALLED_AFTER: Duration = Duration::minutes(10);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImportId(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStatus {
    Running,
    Completed,
    /// Stopped before the end of its file (an error, or the sender went away).
    Failed,
    /// Saved as running, but nothing was heard of it for [`STALLED_AFTER`].
    Interrupted,
}

impl ImportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportStatus::Running => "running",
            ImportStatus::Completed => "completed",
            ImportStatus::Failed => "failed",
            ImportStatus::Interrupted => "interrupted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [
            ImportStatus::Running,
            ImportStatus::Completed,
            ImportStatus::Failed,
            ImportStatus::Interrupted,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// What a run did with its lines so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Lines taken from the file (a CSV header is not one).
    pub lines: u64,
    pub imported: u64,
    /// Existing customers whose profile `--update` changed.
    pub updated: u64,
    /// Lines naming a customer the tenant already has (by email or external id).
    pub skipped: u64,
    pub refused: u64,
}

/// A line the run refused, and why. `email` as the line gave it (to find it again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedLine {
    pub line: u64,
    pub email: Option<String>,
    pub reason: String,
}

/// One run of an import: the back office follows its progress and reads its report.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRecord {
    pub id: ImportId,
    pub tenant: TenantId,
    pub dry_run: bool,
    pub status: ImportStatus,
    pub started_at: OffsetDateTime,
    /// When progress was last saved (each batch).
    pub progressed_at: OffsetDateTime,
    pub finished_at: Option<OffsetDateTime>,
    pub counts: ImportCounts,
    /// The first [`REPORTED_REFUSALS`] refused lines.
    pub refusals: Vec<RefusedLine>,
}

impl ImportRecord {
    /// The run's status as seen at `now`: a running one that has not progressed for
    /// [`STALLED_AFTER`] is interrupted.
    pub fn status_at(&self, now: OffsetDateTime) -> ImportStatus {
        match self.status {
            ImportStatus::Running if now - self.progressed_at > STALLED_AFTER => ImportStatus::Interrupted,
            status => status,
        }
    }

    /// Counts `refused` and keeps it for the report while there is room.
    pub fn refuse(&mut self, refused: RefusedLine) {
        self.counts.refused += 1;
        if self.refusals.len() < REPORTED_REFUSALS {
            self.refusals.push(refused);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(at: OffsetDateTime) -> ImportRecord {
        ImportRecord {
            id: ImportId(Uuid::nil()),
            tenant: TenantId::parse("t").unwrap(),
            dry_run: false,
            status: ImportStatus::Running,
            started_at: at,
            progressed_at: at,
            finished_at: None,
            counts: ImportCounts::default(),
            refusals: vec![],
        }
    }

    #[test]
    fn a_run_silent_too_long_is_interrupted() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let run = record(at);
        assert_eq!(run.status_at(at + Duration::seconds(30)), ImportStatus::Running);
        assert_eq!(
            run.status_at(at + STALLED_AFTER + Duration::seconds(1)),
            ImportStatus::Interrupted
        );
        let done = ImportRecord {
            status: ImportStatus::Completed,
            ..run
        };
        assert_eq!(done.status_at(at + Duration::days(1)), ImportStatus::Completed);
    }

    #[test]
    fn refusals_are_all_counted_and_the_first_ones_kept() {
        let mut run = record(OffsetDateTime::UNIX_EPOCH);
        for line in 0..(REPORTED_REFUSALS as u64 + 5) {
            run.refuse(RefusedLine {
                line,
                email: None,
                reason: "bad".into(),
            });
        }
        assert_eq!(run.counts.refused, REPORTED_REFUSALS as u64 + 5);
        assert_eq!(run.refusals.len(), REPORTED_REFUSALS);
        assert_eq!(
            ImportStatus::parse("interrupted"),
            Some(ImportStatus::Interrupted)
        );
    }
}
