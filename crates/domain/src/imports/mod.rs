//! Moving customers in from an earlier system: the lines of an import file, and the record of a
//! run (what it did, what it refused and why).

mod line;
mod record;

pub use line::{plaintext_refusal, unknown_fields, ImportLine, FIELDS, PLAINTEXT_FIELD};
pub use record::{
    ImportCounts, ImportId, ImportRecord, ImportStatus, RefusedLine, REPORTED_REFUSALS, STALLED_AFTER,
};
