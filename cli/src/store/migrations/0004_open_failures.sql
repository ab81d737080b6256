-- Migration 4: the loans whose latest attempt failed, and a count of the loans a run could not map.
--
-- A loan that fails stays here until a later run stores a record for it (or finds LoanPro no
-- longer lists it), and every full or incremental run pulls these loans again first: a resumed
-- run starts after its last committed page and an incremental one sees only recent changes, so
-- without this a failed loan would wait for the next full sweep (DECISIONS.md, "Failed loans
-- are retried by every run").
CREATE TABLE open_failures (
    connection_id   INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    loan_id         INTEGER NOT NULL,
    -- Failed attempts since the loan last succeeded.
    attempts        INTEGER NOT NULL,
    -- The latest attempt's error and run.
    error           TEXT NOT NULL,
    run_id          INTEGER REFERENCES sync_runs(id),
    first_failed_at TEXT NOT NULL,
    last_failed_at  TEXT NOT NULL,
    PRIMARY KEY (connection_id, loan_id)
);

-- The failures of databases synced before this migration that no later record closed: the
-- loans a resumed run skipped are among them.
INSERT INTO open_failures (connection_id, loan_id, attempts, error, run_id, first_failed_at, last_failed_at)
SELECT o.connection_id, o.loan_id, o.attempts, f.error, f.run_id, o.first_at, f.at
FROM (
    SELECT f.connection_id, f.loan_id, COUNT(*) AS attempts, MAX(f.id) AS last_id, MIN(f.at) AS first_at
    FROM sync_failures f
    WHERE NOT EXISTS (
        SELECT 1 FROM metro2_records r
        WHERE r.connection_id = f.connection_id AND r.loan_id = f.loan_id AND r.updated_at > f.at
    )
    GROUP BY f.connection_id, f.loan_id
) o
JOIN sync_failures f ON f.id = o.last_id;

-- Records a run made with status 'error' (the mapping could not map the document).
ALTER TABLE sync_runs ADD COLUMN unmapped INTEGER NOT NULL DEFAULT 0;
