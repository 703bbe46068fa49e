//! `/admin/v1/tenants/{id}/imports`: moving customers in over HTTP, for operators without a
//! shell on the server. The body is streamed (JSON Lines or CSV) and imported as it arrives,
//! batch by batch; any instance answers for a run's progress while it goes on.

use std::io::Read;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use clientele_domain::imports::{ImportId, ImportRecord, RefusedLine};
use clientele_domain::ports::FirebaseScrypt;
use clientele_domain::services::ImportOptions;
use clientele_domain::tenant::TenantId;
use clientele_domain::FieldErrors;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin_auth::Admin;
use crate::domain_errors::{problem_for, same_names};
use crate::fields::query_choice;
use crate::import_file::{feed_run, read_batches, FileError, FileFormat};
use crate::problem::Problem;
use crate::render::rfc3339;
use crate::state::AppState;

/// A line the run refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRefusedLine {
    /// The line's number in the file (a CSV header is line 1).
    line: u64,
    email: Option<String>,
    reason: String,
}

impl From<&RefusedLine> for AdminRefusedLine {
    fn from(r: &RefusedLine) -> Self {
        AdminRefusedLine {
            line: r.line,
            email: r.email.clone(),
            reason: r.reason.clone(),
        }
    }
}

/// A run of an import: its progress while it goes on, its report once done.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminImport {
    id: String,
    tenant: String,
    /// `running`, `completed`, `failed` (stopped before the end of its file) or `interrupted`
    /// (its process stopped: run the file again to finish).
    status: &'static str,
    dry_run: bool,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    finished_at: Option<String>,
    lines: u64,
    imported: u64,
    /// Existing customers whose profile an `update=true` run changed.
    updated: u64,
    /// Lines naming a customer the tenant already has (same email or external id).
    skipped: u64,
    refused: u64,
    /// The first 1,000 refused lines.
    refusals: Vec<AdminRefusedLine>,
    /// Fields of the file that are not import fields (ignored); only in the answer to the
    /// import itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored_fields: Vec<String>,
}

impl AdminImport {
    fn of(record: &ImportRecord, ignored_fields: Vec<String>) -> Self {
        let c = record.counts;
        AdminImport {
            id: record.id.0.to_string(),
            tenant: record.tenant.to_string(),
            status: record.status.as_str(),
            dry_run: record.dry_run,
            started_at: rfc3339(record.started_at),
            finished_at: record.finished_at.map(rfc3339),
            lines: c.lines,
            imported: c.imported,
            updated: c.updated,
            skipped: c.skipped,
            refused: c.refused,
            refusals: record.refusals.iter().map(AdminRefusedLine::from).collect(),
            ignored_fields,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportListing {
    imports: Vec<AdminImport>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    dry_run: Option<String>,
    update: Option<String>,
    invite: Option<String>,
}

fn flag(raw: Option<&str>, key: &str, errors: &mut FieldErrors) -> bool {
    let parse = |v: &str| match v {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    };
    query_choice(raw, parse, key, "must be true or false", errors).unwrap_or(false)
}

/// The Firebase project's hash parameters from the `Clientele-Firebase-*` headers: all four
/// or none.
fn firebase(request: &HttpRequest, errors: &mut FieldErrors) -> Option<FirebaseScrypt> {
    let get = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_owned())
    };
    let signer_key = get("clientele-firebase-signer-key");
    let salt_separator = get("clientele-firebase-salt-separator");
    let rounds = get("clientele-firebase-rounds");
    let mem_cost = get("clientele-firebase-mem-cost");
    if [&signer_key, &salt_separator, &rounds, &mem_cost]
        .iter()
        .all(|v| v.is_none())
    {
        return None;
    }
    let number = |raw: Option<String>, name: &str, errors: &mut FieldErrors| {
        let parsed = raw.as_deref().and_then(|r| r.parse::<u32>().ok());
        if parsed.is_none() {
            errors.add(name, "must be a whole number (with all four Firebase headers)");
        }
        parsed
    };
    let rounds = number(rounds, "Clientele-Firebase-Rounds", errors);
    let mem_cost = number(mem_cost, "Clientele-Firebase-Mem-Cost", errors);
    let text = |raw: Option<String>, name: &str, errors: &mut FieldErrors| {
        if raw.is_none() {
            errors.add(name, "is required with the other Firebase headers");
        }
        raw
    };
    let signer_key = text(signer_key, "Clientele-Firebase-Signer-Key", errors);
    let salt_separator = text(salt_separator, "Clientele-Firebase-Salt-Separator", errors);
    Some(FirebaseScrypt {
        signer_key: signer_key?,
        salt_separator: salt_separator?,
        rounds: rounds?,
        mem_cost: mem_cost?,
    })
}

/// The request body's chunks as a blocking reader, for the file reader's thread. A body that
/// broke off is an error, not an end: its last line may be cut short.
struct Chunks {
    receiver: mpsc::Receiver<Result<Bytes, String>>,
    current: Bytes,
}

impl Read for Chunks {
    fn read(&mut self, buffer: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(Ok(chunk)) => self.current = chunk,
                Some(Err(broken)) => return Err(std::io::Error::other(broken)),
                None => return Ok(0),
            }
        }
        let n = buffer.len().min(self.current.len());
        buffer[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}

/// Import customers into the tenant: the body is JSON Lines (`application/x-ndjson`) or CSV
/// with a header row (`text/csv`), one customer a line, streamed and imported as it arrives.
/// Lines whose email or external id the tenant has are skipped (`update=true`: their profile
/// is updated); refused lines are reported with their numbers and the rest goes on.
#[utoipa::path(post, path = "/admin/v1/tenants/{id}/imports", tag = "Back office", operation_id = "admin_import_customers", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"),
        ("dryRun" = Option<bool>, Query, description = "check everything, write nothing (no record is kept)"),
        ("update" = Option<bool>, Query, description = "update the profile of customers the tenant has"),
        ("invite" = Option<bool>, Query, description = "mail customers imported pending activation their invitation"),
        ("Clientele-Firebase-Signer-Key" = Option<String>, Header, description = "Firebase scrypt: the project's base64 signer key"),
        ("Clientele-Firebase-Salt-Separator" = Option<String>, Header, description = "Firebase scrypt: the base64 salt separator"),
        ("Clientele-Firebase-Rounds" = Option<u32>, Header, description = "Firebase scrypt: rounds"),
        ("Clientele-Firebase-Mem-Cost" = Option<u32>, Header, description = "Firebase scrypt: memory cost")),
    request_body(content = String, description = "JSON Lines or CSV, one customer a line", content_type = "application/x-ndjson"),
    responses((status = 201, description = "The run is complete (refused lines included in its report).", body = AdminImport),
        (status = 200, description = "A dry run: what would happen; nothing was written.", body = AdminImport),
        (status = 400, description = "A parameter is invalid, or the file cannot be imported at all (a `password` column, no CSV header, a body that ended early).", body = Problem),
        (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem),
        (status = 415, description = "The body is neither JSON Lines nor CSV.", body = Problem)))]
pub async fn import_customers(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
    query: web::Query<ImportQuery>,
    request: HttpRequest,
    mut payload: web::Payload,
) -> Result<HttpResponse, Problem> {
    let media_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let format = FileFormat::of_media_type(media_type).ok_or_else(|| {
        Problem::new(
            actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported Media Type",
        )
        .detail("Send JSON Lines (application/x-ndjson) or CSV with a header row (text/csv).")
    })?;
    let mut errors = FieldErrors::new();
    let options = ImportOptions {
        dry_run: flag(query.dry_run.as_deref(), "dryRun", &mut errors),
        update: flag(query.update.as_deref(), "update", &mut errors),
        invite: flag(query.invite.as_deref(), "invite", &mut errors),
        firebase: firebase(&request, &mut errors),
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let tenant = TenantId::parse(&tenant).ok_or_else(Problem::not_found)?;
    let mut run = state
        .imports
        .start(&tenant, options)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    let (chunk_sender, chunks) = mpsc::channel::<Result<Bytes, String>>(16);
    let (batch_sender, batches) = mpsc::channel(2);
    let reader = tokio::task::spawn_blocking(move || {
        let source = Chunks {
            receiver: chunks,
            current: Bytes::new(),
        };
        read_batches(source, format, batch_sender)
    });
    let pump = async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| format!("the body ended early: {e}"));
            let broken = chunk.as_ref().err().cloned();
            if chunk_sender.send(chunk).await.is_err() {
                break; // the reader stopped: the answer says why
            }
            if let Some(broken) = broken {
                return Err(broken);
            }
        }
        Ok::<(), String>(())
    };
    let (pumped, fed) = futures_util::join!(pump, feed_run(&mut run, batches, |_, _| {}));
    let read = reader
        .await
        .unwrap_or_else(|stopped| Err(FileError::Unreadable(stopped.to_string())));
    let failed = match (fed, pumped, read) {
        (Err(error), _, _) => Err(problem_for(error, same_names)),
        (Ok(()), Err(ended), _) => Err(Problem::malformed(ended)),
        (Ok(()), Ok(()), Err(refused)) => Err(Problem::malformed(refused.to_string())),
        (Ok(()), Ok(()), Ok(ignored)) => Ok(ignored),
    };
    let ignored = match failed {
        Ok(ignored) => ignored,
        Err(problem) => {
            // Best effort: the record says the run stopped; the answer says why.
            let _ = run.fail().await;
            return Err(problem);
        }
    };
    let record = run.finish().await.map_err(|e| problem_for(e, same_names))?;
    let status = if record.dry_run {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::CREATED
    };
    let mut answer = HttpResponse::build(status);
    if !record.dry_run {
        answer.insert_header((
            header::LOCATION,
            format!("/admin/v1/tenants/{tenant}/imports/{}", record.id.0),
        ));
    }
    Ok(answer.json(AdminImport::of(&record, ignored)))
}

/// The tenant's latest import runs, newest first (a running one's id, to follow it).
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/imports", tag = "Back office", operation_id = "admin_list_imports", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id")),
    responses((status = 200, description = "The latest 20 runs.", body = ImportListing), (status = 401, body = Problem), (status = 404, description = "No tenant has this id.", body = Problem)))]
pub async fn list_imports(
    state: web::Data<AppState>,
    _admin: Admin,
    tenant: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let tenant = TenantId::parse(&tenant).ok_or_else(Problem::not_found)?;
    let records = state
        .imports
        .recent(&tenant, 20)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(ImportListing {
        imports: records.iter().map(|r| AdminImport::of(r, Vec::new())).collect(),
    }))
}

/// One run: its progress while it goes on (from any instance), its counts and refused lines
/// once done.
#[utoipa::path(get, path = "/admin/v1/tenants/{id}/imports/{import_id}", tag = "Back office", operation_id = "admin_get_import", security(("admin" = [])),
    params(("id" = String, Path, description = "the tenant's id"), ("import_id" = String, Path, description = "the run's id")),
    responses((status = 200, description = "The run.", body = AdminImport), (status = 401, body = Problem), (status = 404, description = "No such tenant, or no such run of this tenant.", body = Problem)))]
pub async fn get_import(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (tenant, id) = path.into_inner();
    let tenant = TenantId::parse(&tenant).ok_or_else(Problem::not_found)?;
    let id = ImportId(Uuid::parse_str(&id).map_err(|_| Problem::not_found())?);
    let record = state
        .imports
        .find(&tenant, id)
        .await
        .map_err(|e| problem_for(e, same_names))?;
    Ok(HttpResponse::Ok().json(AdminImport::of(&record, Vec::new())))
}
