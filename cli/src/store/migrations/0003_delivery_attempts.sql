-- How many times the pull of a webhook delivery has been tried. A pull that fails for a reason
-- that may pass (LoanPro unreachable, the loan failing to fetch) stays 'queued' and is tried
-- again later, up to the server's `pull_retry.attempts`.
ALTER TABLE webhook_deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
