-- 0014 crm: validate the lead foreign keys added by 0013
--
-- What: VALIDATE CONSTRAINT for the five <table>_lead_id_fkey constraints.
-- Why:  validation scans the tables under a lock that still allows reads and writes;
--       doing it in its own transaction is the safe pattern (squawk
--       constraint-missing-not-valid).
-- rollback note: nothing to undo (a validated constraint can be dropped as in 0013).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE consents VALIDATE CONSTRAINT consents_lead_id_fkey;
ALTER TABLE appointments VALIDATE CONSTRAINT appointments_lead_id_fkey;
ALTER TABLE waitlist_requests VALIDATE CONSTRAINT waitlist_requests_lead_id_fkey;
ALTER TABLE deep_links VALIDATE CONSTRAINT deep_links_lead_id_fkey;
ALTER TABLE telegram_accounts VALIDATE CONSTRAINT telegram_accounts_lead_id_fkey;
