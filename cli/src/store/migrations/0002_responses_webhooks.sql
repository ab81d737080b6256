-- Migration 2: bureau responses, their writebacks to LoanPro, and webhook deliveries (issue 6).
-- Times are UTC RFC 3339 text; periods are YYYY-MM; dates are YYYY-MM-DD.

-- What a bureau said about one account of one period. `code` is '' when the bureau gave none,
-- so that the UNIQUE key (which treats NULLs as distinct) makes a re-import a no-op.
CREATE TABLE bureau_responses (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    bureau          TEXT NOT NULL CHECK (bureau IN ('equifax', 'experian', 'transunion', 'innovis')),
    account_number  TEXT NOT NULL,
    period          TEXT NOT NULL CHECK (length(period) = 7),
    outcome         TEXT NOT NULL CHECK (outcome IN ('accepted', 'rejected', 'disputed', 'corrected')),
    code            TEXT NOT NULL DEFAULT '',
    message         TEXT,
    response_date   TEXT NOT NULL,
    -- The loan the account number belonged to in that period's record.
    loan_id         INTEGER NOT NULL,
    source_file     TEXT NOT NULL,
    source_line     INTEGER NOT NULL,
    imported_at     TEXT NOT NULL,
    UNIQUE (connection_id, bureau, account_number, period, outcome, code, response_date)
);
CREATE INDEX bureau_responses_connection ON bureau_responses(connection_id, id);

-- One row per response and kind of write. A row is 'sending' from just before the request until
-- its answer is recorded, so a crash in between is visible as 'sending' and is never blindly
-- sent again (see writeback/ and DECISIONS.md).
CREATE TABLE writebacks (
    id              INTEGER PRIMARY KEY,
    response_id     INTEGER NOT NULL REFERENCES bureau_responses(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('note', 'custom_field')),
    loan_id         INTEGER NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('PUT', 'PATCH')),
    status          TEXT NOT NULL CHECK (status IN ('sending', 'done', 'failed', 'uncertain')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    UNIQUE (response_id, kind)
);

-- Every webhook delivery that passed authentication. Only the body's SHA-256 is kept, not the body.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    trace_id        TEXT,
    body_sha256     TEXT NOT NULL,
    event_name      TEXT,
    -- 'id:42' or 'display:727'; NULL when the event names no loan.
    loan_ref        TEXT,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'pulled', 'failed', 'repeat', 'no_loan')),
    error           TEXT,
    received_at     TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX webhook_deliveries_trace ON webhook_deliveries(connection_id, trace_id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries(status);
