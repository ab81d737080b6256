-- Migration 1: connections, templates, sync runs, cursors, loan documents, Metro 2 records.
-- Times are UTC RFC 3339 text; periods are YYYY-MM; dates are YYYY-MM-DD.

CREATE TABLE connections (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL UNIQUE,
    system              TEXT NOT NULL DEFAULT 'loanpro',
    base_url            TEXT NOT NULL,
    instance_id         TEXT NOT NULL,
    -- Where the API token lives: 'env:VAR' or 'file:PATH'. The token itself never enters the database.
    token_source        TEXT NOT NULL,
    cadence             TEXT NOT NULL DEFAULT 'hourly' CHECK (cadence IN ('hourly', 'daily', 'webhook')),
    writeback           INTEGER NOT NULL DEFAULT 0 CHECK (writeback IN (0, 1)),
    writeback_method    TEXT NOT NULL DEFAULT 'PUT' CHECK (writeback_method IN ('PUT', 'PATCH')),
    writeback_custom_field INTEGER,
    equifax_id          TEXT,
    experian_id         TEXT,
    transunion_id       TEXT,
    innovis_id          TEXT,
    furnisher_id        TEXT,
    reporter_name       TEXT,
    reporter_address    TEXT,
    reporter_phone      TEXT,
    -- Where the webhook secret lives ('env:VAR' or 'file:PATH'), like the token.
    webhook_secret_source TEXT,
    webhook_token_header TEXT,
    webhook_token_source TEXT,
    -- The loan field the incremental cursor filters on.
    updated_field       TEXT NOT NULL DEFAULT 'lastUpdated',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);

CREATE TABLE mapping_templates (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    version         INTEGER NOT NULL CHECK (version >= 1),
    source          TEXT NOT NULL,
    note            TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (connection_id, version)
);

CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    mode            TEXT NOT NULL CHECK (mode IN ('full', 'incremental', 'targeted')),
    as_of           TEXT NOT NULL,
    -- The updated-since bound of an incremental run (NULL for a full sweep).
    since           TEXT,
    -- The run this one resumes after a crash, if any.
    resumes_run_id  INTEGER REFERENCES sync_runs(id),
    status          TEXT NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),
    template_version INTEGER,
    fetched         INTEGER NOT NULL DEFAULT 0,
    mapped          INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    invalid         INTEGER NOT NULL DEFAULT 0,
    failed          INTEGER NOT NULL DEFAULT 0,
    unchanged       INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX sync_runs_connection ON sync_runs(connection_id, id);

CREATE TABLE sync_failures (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES sync_runs(id) ON DELETE CASCADE,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    loan_id         INTEGER NOT NULL,
    error           TEXT NOT NULL,
    at              TEXT NOT NULL
);
CREATE INDEX sync_failures_run ON sync_failures(run_id);

-- One row per connection. The run_* columns describe a run in progress and are written in the
-- transaction of each page, so a crash resumes after the last committed page.
CREATE TABLE cursors (
    connection_id       INTEGER PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    -- Lower bound for the next incremental run (RFC 3339), set when a run completes.
    since               TEXT,
    -- NULL: not yet known; 1: the loans carry the updated field; 0: they do not (always full).
    field_supported     INTEGER,
    last_full_as_of     TEXT,
    last_full_at        TEXT,
    run_id              INTEGER REFERENCES sync_runs(id),
    run_mode            TEXT,
    run_as_of           TEXT,
    run_since           TEXT,
    run_watermark       TEXT,
    run_last_loan_id    INTEGER,
    run_field_seen      INTEGER NOT NULL DEFAULT 0,
    updated_at          TEXT NOT NULL
);

CREATE TABLE loan_documents (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    loan_id         INTEGER NOT NULL,
    display_id      TEXT,
    hash            TEXT NOT NULL,
    document        TEXT NOT NULL,
    fetched_at      TEXT NOT NULL,
    UNIQUE (connection_id, loan_id, hash)
);

CREATE TABLE metro2_records (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    loan_id         INTEGER NOT NULL,
    display_id      TEXT,
    period          TEXT NOT NULL CHECK (length(period) = 7),
    as_of           TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('ok', 'invalid', 'error', 'skipped')),
    -- Why a record was skipped or could not be mapped.
    reason          TEXT,
    -- The data record's segments, base first, as fixed-width text (NULL when skipped or in error).
    segments        TEXT,
    -- The segments by field key: {"base":{KEY:TEXT,...},"j1":[...],...}.
    fields          TEXT,
    findings        TEXT NOT NULL DEFAULT '[]',
    template_version INTEGER NOT NULL,
    document_hash   TEXT NOT NULL,
    run_id          INTEGER REFERENCES sync_runs(id),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (connection_id, loan_id, period)
);
CREATE INDEX metro2_records_period ON metro2_records(connection_id, period, status);
