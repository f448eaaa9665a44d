-- 0022 events: validate the notification_deliveries checks added by 0021
--
-- What: VALIDATE CONSTRAINT for notification_deliveries_payload_encrypted_check and
--       notification_deliveries_recipient_kind_check.
-- Why:  validation in its own transaction, after the NOT VALID constraints took effect.
-- rollback note: nothing to undo.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '5min';

ALTER TABLE notification_deliveries VALIDATE CONSTRAINT notification_deliveries_payload_encrypted_check;
ALTER TABLE notification_deliveries VALIDATE CONSTRAINT notification_deliveries_recipient_kind_check;
