-- 0050 identity: validate the widened consent type check added by 0049
--
-- What: VALIDATE CONSTRAINT consents_consent_type_check.
-- Why:  validation in its own transaction, after the NOT VALID constraint took effect
--       (every existing row holds one of the older types, which the check allows).
-- rollback note: nothing to undo.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE consents VALIDATE CONSTRAINT consents_consent_type_check;
