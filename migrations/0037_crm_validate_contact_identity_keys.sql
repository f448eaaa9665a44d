-- 0037 crm: validate the contact_identity_id foreign keys added by 0036
--
-- What: VALIDATE CONSTRAINT for appointments_contact_identity_id_fkey and
--       waitlist_requests_contact_identity_id_fkey, leads_merged_into_id_fkey and
--       leads_merged_into_check.
-- Why:  validation in its own transaction keeps the lock short (squawk
--       constraint-missing-not-valid); the columns were created empty by 0033.
-- rollback note: nothing to undo (the constraints can be dropped as 0036 says).

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE appointments VALIDATE CONSTRAINT appointments_contact_identity_id_fkey;
ALTER TABLE waitlist_requests VALIDATE CONSTRAINT waitlist_requests_contact_identity_id_fkey;
ALTER TABLE leads VALIDATE CONSTRAINT leads_merged_into_id_fkey;
ALTER TABLE leads VALIDATE CONSTRAINT leads_merged_into_check;
