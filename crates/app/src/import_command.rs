//! `clientele import`: customers from an earlier system's export, into a tenant, through the
//! same import runs as `POST /admin/v1/tenants/{id}/imports`. A progress bar on a terminal,
//! plain lines every few seconds otherwise; the refused lines into `--report`.

use std::fs::File;
use std::io::{IsTerminal, Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clientele_domain::imports::{ImportRecord, RefusedLine};
use clientele_domain::ports::FirebaseScrypt;
use clientele_domain::services::ImportOptions;
use clientele_domain::tenant::TenantId;
use clientele_http::import_file::{feed_run, read_batches, FileError, FileFormat};
use clientele_security::SystemClock;
use clientele_store::Database;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use tokio::sync::mpsc;

use crate::cli::ImportArgs;
use crate::config::Settings;
use crate::wiring;

/// How often a run without a terminal says how far it got.
const PLAIN_PROGRESS_EVERY: Duration = Duration::from_secs(5);

/// Runs the import; `Ok(true)` when some line was refused (the exit status says so: 3).
pub async fn import(settings: Settings, args: ImportArgs) -> anyhow::Result<bool> {
    let tenant =
        TenantId::parse(&args.tenant).with_context(|| format!("no tenant has the id {}", args.tenant))?;
    let format = match args.format.as_deref() {
        Some("csv") => FileFormat::Csv,
        Some(_) => FileFormat::JsonLines,
        None => FileFormat::of_path(&args.file),
    };
    let (source, size): (Box<dyn Read + Send>, Option<u64>) = if args.file == "-" {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(&args.file).with_context(|| format!("opening {}", args.file))?;
        let size = file.metadata().ok().map(|m| m.len());
        (Box::new(file), size)
    };
    let mut report = match &args.report {
        Some(path) => Some(std::io::BufWriter::new(
            File::create(path).with_context(|| format!("creating the report {}", path.display()))?,
        )),
        None => None,
    };
    let database =
        Database::connect_for_command(&settings.database_url).context("connecting to the database")?;
    database.migrate().await.context("applying migrations")?;
    // A server on the same SQLite file keeps signed-in customers' accounts in memory and hears
    // no other process's writes: changing existing customers must go through it (or wait).
    if args.update && !database.claim_sole_use(Duration::from_millis(200)).await {
        anyhow::bail!(
            "a server is running on this SQLite database: send the file to it instead \
             (POST /admin/v1/tenants/{tenant}/imports?update=true) or stop it first; new \
             customers alone (without --update) can be imported from here while it runs"
        );
    }
    let wired = wiring::wire(&settings, database, Arc::new(SystemClock)).await?;
    let options = ImportOptions {
        dry_run: args.dry_run,
        update: args.update,
        invite: args.invite,
        firebase: firebase(&args),
    };
    let imports = wired.state.imports.clone();
    let mut run = imports.start(&tenant, options).await.map_err(|e| match e {
        clientele_domain::DomainError::NotFound => anyhow::anyhow!("no tenant has the id {tenant}"),
        other => anyhow::anyhow!("{other}"),
    })?;
    let read_bytes = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: source,
        read: read_bytes.clone(),
    };
    let (sender, batches) = mpsc::channel(2);
    let reader = tokio::task::spawn_blocking(move || read_batches(counted, format, sender));
    let mut progress = Progress::new(size, read_bytes);
    let mut report_error = None;
    let fed = feed_run(&mut run, batches, |record, refused| {
        if let Some(report) = report.as_mut() {
            if let Err(e) = write_refusals(report, refused) {
                report_error.get_or_insert(e);
            }
        }
        progress.show(record);
    })
    .await;
    let read = reader
        .await
        .unwrap_or_else(|stopped| Err(FileError::Unreadable(stopped.to_string())));
    progress.finish();
    let ended = match (fed, read) {
        (Err(error), _) => Err(anyhow::anyhow!("the import stopped: {error}")),
        (Ok(()), Err(error)) => Err(anyhow::anyhow!("{error}")),
        (Ok(()), Ok(ignored)) => Ok(ignored),
    };
    let ignored = match ended {
        Ok(ignored) => ignored,
        Err(error) => {
            let record = run.fail().await.ok();
            if let Some(record) = record {
                eprintln!("{}", summary(&record));
            }
            return Err(error);
        }
    };
    if !ignored.is_empty() {
        eprintln!(
            "ignored fields that are not import fields: {}",
            ignored.join(", ")
        );
    }
    let record = run
        .finish()
        .await
        .map_err(|e| anyhow::anyhow!("finishing the import: {e}"))?;
    if let Some(report) = report.as_mut() {
        report.flush().context("writing the report")?;
    }
    if let Some(error) = report_error {
        return Err(error).context("writing the report");
    }
    println!("{}", summary(&record));
    Ok(record.counts.refused > 0)
}

fn firebase(args: &ImportArgs) -> Option<FirebaseScrypt> {
    Some(FirebaseScrypt {
        signer_key: args.firebase_signer_key.clone()?,
        salt_separator: args.firebase_salt_separator.clone()?,
        rounds: args.firebase_rounds?,
        mem_cost: args.firebase_mem_cost?,
    })
}

fn write_refusals(report: &mut impl Write, refused: &[RefusedLine]) -> anyhow::Result<()> {
    for line in refused {
        let entry = json!({"line": line.line, "email": line.email, "reason": line.reason});
        writeln!(report, "{entry}")?;
    }
    Ok(())
}

/// The closing line: what the run did, and where to read about it.
fn summary(record: &ImportRecord) -> String {
    let c = record.counts;
    let what = if record.dry_run { "dry run" } else { "import" };
    format!(
        "{what} {} {}: {} lines, {} imported, {} updated, {} skipped, {} refused",
        record.id.0,
        record.status.as_str(),
        c.lines,
        c.imported,
        c.updated,
        c.skipped,
        c.refused
    )
}

/// The file, counting the bytes read (the progress bar's position).
struct Counted {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buffer)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A bar over the file's bytes on a terminal; otherwise a plain line now and then.
struct Progress {
    bar: Option<ProgressBar>,
    read: Arc<AtomicU64>,
    started: Instant,
    said: Instant,
}

impl Progress {
    fn new(size: Option<u64>, read: Arc<AtomicU64>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = match size {
                Some(size) => ProgressBar::new(size),
                None => ProgressBar::no_length(),
            };
            let style = ProgressStyle::with_template("{bar:30} {percent:>3}% {msg} · ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar
        });
        Progress {
            bar,
            read,
            started: Instant::now(),
            said: Instant::now(),
        }
    }

    fn show(&mut self, record: &ImportRecord) {
        let c = record.counts;
        let rate = c.lines as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let line = format!(
            "read {} · imported {} · updated {} · skipped {} · refused {} · {rate:.0} lines/s",
            c.lines, c.imported, c.updated, c.skipped, c.refused
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(self.read.load(Ordering::Relaxed));
                bar.set_message(line);
            }
            None if self.said.elapsed() >= PLAIN_PROGRESS_EVERY => {
                eprintln!("{line}");
                self.said = Instant::now();
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
