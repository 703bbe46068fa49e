-- Each message keeps the sender, reply-to address and language it was written with, so that
-- a retry sends what was composed.
ALTER TABLE outbox ADD COLUMN sender TEXT;
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
ALTER TABLE outbox ADD COLUMN language TEXT;

-- A tenant's own template of a message kind in a language, in place of the shipped one.
CREATE TABLE message_templates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    kind TEXT NOT NULL,
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, kind, language)
);
