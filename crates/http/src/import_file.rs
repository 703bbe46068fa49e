//! Import files as lines: JSON Lines (one object a line) or CSV with a header row, read on a
//! blocking thread and handed over in batches (each a transaction of the run), so that a file
//! of millions of lines is never held in memory, whether it comes from a disk or a request.

use std::io::{BufRead, BufReader, Read};

use clientele_domain::imports::{
    plaintext_refusal, unknown_fields, ImportLine, ImportRecord, RefusedLine, PLAINTEXT_FIELD,
};
use clientele_domain::services::ImportRun;
use clientele_domain::DomainError;
use serde_json::{Map, Value};
use tokio::sync::mpsc;

/// Lines per batch: a transaction of a few thousand rows.
pub const BATCH_LINES: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    JsonLines,
    Csv,
}

impl FileFormat {
    /// By the file's name: `.csv` is CSV, anything else JSON Lines.
    pub fn of_path(path: &str) -> Self {
        if path.to_ascii_lowercase().ends_with(".csv") {
            FileFormat::Csv
        } else {
            FileFormat::JsonLines
        }
    }

    /// By a request's media type, if it is one of these.
    pub fn of_media_type(media_type: &str) -> Option<Self> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "text/csv" => Some(FileFormat::Csv),
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines" => Some(FileFormat::JsonLines),
            _ => None,
        }
    }
}

/// Why a file cannot be imported at all (a line that cannot be read is refused alone).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("{}", plaintext_refusal())]
    Plaintext,
    #[error("the CSV file has no header row")]
    NoHeader,
    #[error("the file could not be read: {0}")]
    Unreadable(String),
    /// The run stopped taking lines (it failed): nothing more is read.
    #[error("the import stopped")]
    Stopped,
}

/// Reads `source` in `format`, sending its lines in batches; answers the field names no line
/// field has (ignored). A CSV header naming a plaintext password refuses the file before any
/// line is sent.
pub fn read_batches(
    source: impl Read,
    format: FileFormat,
    batches: mpsc::Sender<Vec<ImportLine>>,
) -> Result<Vec<String>, FileError> {
    let mut sender = Batcher {
        batches,
        batch: Vec::with_capacity(BATCH_LINES),
    };
    let unknown = match format {
        FileFormat::JsonLines => read_json_lines(source, &mut sender)?,
        FileFormat::Csv => read_csv(source, &mut sender)?,
    };
    sender.flush()?;
    Ok(unknown)
}

struct Batcher {
    batches: mpsc::Sender<Vec<ImportLine>>,
    batch: Vec<ImportLine>,
}

impl Batcher {
    fn push(&mut self, line: ImportLine) -> Result<(), FileError> {
        self.batch.push(line);
        if self.batch.len() >= BATCH_LINES {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), FileError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH_LINES));
        self.batches.blocking_send(batch).map_err(|_| FileError::Stopped)
    }
}

/// The longest line a JSON Lines file may have: a customer is a few hundred bytes, and a line
/// is held whole while it is read.
pub const LONGEST_LINE: usize = 64 * 1024;

fn read_json_lines(source: impl Read, sender: &mut Batcher) -> Result<Vec<String>, FileError> {
    let mut unknown = std::collections::BTreeSet::new();
    let mut reader = BufReader::new(source);
    let mut raw = Vec::new();
    for index in 0.. {
        raw.clear();
        let read = (&mut reader)
            .take(LONGEST_LINE as u64 + 1)
            .read_until(b'\n', &mut raw)
            .map_err(|e| FileError::Unreadable(e.to_string()))?;
        if read == 0 {
            break;
        }
        if raw.len() > LONGEST_LINE && raw.last() != Some(&b'\n') {
            return Err(FileError::Unreadable(format!(
                "line {} is longer than {LONGEST_LINE} bytes",
                index + 1
            )));
        }
        let number = index as u64 + 1;
        let Ok(text) = std::str::from_utf8(&raw) else {
            sender.push(ImportLine::unreadable(number, "the line is not UTF-8"))?;
            continue;
        };
        let text = text.trim_start_matches('\u{feff}').trim();
        if text.is_empty() {
            continue;
        }
        let line = match serde_json::from_str::<Map<String, Value>>(text) {
            Ok(object) => {
                unknown.extend(
                    unknown_fields(object.keys().map(String::as_str))
                        .into_iter()
                        .map(str::to_owned),
                );
                json_line(number, object)
            }
            Err(_) => ImportLine::unreadable(number, "the line is not a JSON object"),
        };
        sender.push(line)?;
    }
    Ok(unknown.into_iter().collect())
}

/// A JSON object's fields as text: booleans and numbers written out, `null` absent.
fn json_line(number: u64, object: Map<String, Value>) -> ImportLine {
    let mut fields = Vec::with_capacity(object.len());
    for (name, value) in &object {
        let text = match value {
            Value::Null => continue,
            Value::String(text) => text.clone(),
            Value::Bool(flag) => flag.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Array(_) | Value::Object(_) => {
                return ImportLine::unreadable(number, format!("{name} must be text, a number or true/false"))
            }
        };
        fields.push((name.as_str(), text));
    }
    ImportLine::from_fields(number, fields)
}

fn read_csv(source: impl Read, sender: &mut Batcher) -> Result<Vec<String>, FileError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(source);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Unreadable(e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(FileError::NoHeader);
    }
    if headers.iter().any(|h| h == PLAINTEXT_FIELD) {
        return Err(FileError::Plaintext);
    }
    let unknown = unknown_fields(headers.iter().map(String::as_str))
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut record = csv::StringRecord::new();
    loop {
        let number = reader.position().line();
        let line = match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let number = record.position().map_or(number, |p| p.line());
                if record.len() > headers.len() {
                    ImportLine::unreadable(number, "the row has more fields than the header")
                } else {
                    ImportLine::from_fields(
                        number,
                        headers
                            .iter()
                            .map(String::as_str)
                            .zip(record.iter().map(str::to_owned)),
                    )
                }
            }
            Err(e) if e.is_io_error() => return Err(FileError::Unreadable(e.to_string())),
            Err(_) => ImportLine::unreadable(number, "the row is not valid CSV text"),
        };
        sender.push(line)?;
    }
    Ok(unknown)
}

/// Feeds `run` every batch `batches` brings, calling `after` with the record and the lines
/// refused after each; stops at the first batch the run could not take.
pub async fn feed_run(
    run: &mut ImportRun<'_>,
    mut batches: mpsc::Receiver<Vec<ImportLine>>,
    mut after: impl FnMut(&ImportRecord, &[RefusedLine]),
) -> Result<(), DomainError> {
    while let Some(batch) = batches.recv().await {
        let refused = run.feed(&batch).await?;
        after(run.record(), &refused);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, format: FileFormat) -> (Result<Vec<String>, FileError>, Vec<ImportLine>) {
        let (sender, mut receiver) = mpsc::channel(64);
        let result = read_batches(text.as_bytes(), format, sender);
        let mut lines = Vec::new();
        while let Ok(batch) = receiver.try_recv() {
            lines.extend(batch);
        }
        (result, lines)
    }

    #[test]
    fn json_lines_are_numbered_as_in_the_file() {
        let text = "{\"email\":\"a@x.test\",\"emailVerified\":true,\"shoe\":44}\n\nnot json\n{\"email\":null,\"phone\":[1]}\n";
        let (unknown, lines) = read(text, FileFormat::JsonLines);
        assert_eq!(unknown.unwrap(), vec!["shoe"]);
        assert_eq!(lines.len(), 3);
        assert_eq!(
            (lines[0].number, lines[0].email.as_deref()),
            (1, Some("a@x.test"))
        );
        assert_eq!(lines[0].email_verified.as_deref(), Some("true"));
        assert_eq!(lines[1].number, 3);
        assert!(lines[1].unreadable.is_some());
        assert!(lines[2].unreadable.as_deref().unwrap().contains("phone"));
    }

    #[test]
    fn csv_rows_take_their_header_and_line_numbers() {
        let text = "\u{feff}email,firstName,extra\nann@x.test,\"Ann\nMarie\",1\nbob@x.test,Bob\n";
        let (unknown, lines) = read(text, FileFormat::Csv);
        assert_eq!(unknown.unwrap(), vec!["extra"]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].number, 2);
        assert_eq!(lines[0].first_name.as_deref(), Some("Ann\nMarie"));
        assert_eq!(
            (lines[1].number, lines[1].email.as_deref()),
            (4, Some("bob@x.test"))
        );
    }

    #[test]
    fn a_csv_with_a_password_column_is_refused_before_any_line() {
        let (result, lines) = read("email,password\nann@x.test,hunter22\n", FileFormat::Csv);
        assert_eq!(result, Err(FileError::Plaintext));
        assert!(lines.is_empty());
    }

    #[test]
    fn a_line_beyond_the_longest_stops_the_file() {
        let text = format!(
            "{{\"email\":\"a@x.test\"}}\n{{\"nickname\":\"{}\"}}\n",
            "n".repeat(LONGEST_LINE)
        );
        let (result, lines) = read(&text, FileFormat::JsonLines);
        assert!(matches!(result, Err(FileError::Unreadable(m)) if m.contains("line 2")));
        assert!(lines.is_empty(), "the batch is not sent");
    }

    #[test]
    fn formats_by_name_and_media_type() {
        assert_eq!(FileFormat::of_path("users.CSV"), FileFormat::Csv);
        assert_eq!(FileFormat::of_path("users.jsonl"), FileFormat::JsonLines);
        assert_eq!(
            FileFormat::of_media_type("text/csv; charset=utf-8"),
            Some(FileFormat::Csv)
        );
        assert_eq!(
            FileFormat::of_media_type("application/x-ndjson"),
            Some(FileFormat::JsonLines)
        );
        assert_eq!(FileFormat::of_media_type("application/json"), None);
    }
}
