-- 0025 telegram: validate the widened provider check added by 0024
--
-- What: VALIDATE CONSTRAINT provider_webhook_events_provider_check.
-- Why:  validation in its own transaction, after the NOT VALID constraint took effect.
-- rollback note: nothing to undo.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE provider_webhook_events VALIDATE CONSTRAINT provider_webhook_events_provider_check;
