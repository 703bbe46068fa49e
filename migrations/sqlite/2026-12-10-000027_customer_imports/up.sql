-- Runs of customer imports: progress while they run (saved each batch, read by any instance),
-- their counts and the first refused lines (a JSON array) once done. Dry runs are not kept.
CREATE TABLE customer_imports (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    progressed_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    lines BIGINT NOT NULL,
    imported BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    skipped BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    refusals TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
