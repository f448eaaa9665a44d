-- 0032 events: the relay's wake-up is sent by the database itself
--
-- What: statement-level AFTER INSERT triggers on outbox_events and
--       notification_deliveries that call pg_notify('outbox_events', '') — the channel
--       the worker listens on.
-- Why:  every transaction that wrote events or queued a message also sent the notify
--       itself: one more round trip for each such use case (found by the webhook
--       benchmark, S5).
--       NOTIFY stays transactional: delivered at commit, duplicates folded into one.
-- rollback note: DROP TRIGGER outbox_events_notify ON outbox_events;
--                DROP TRIGGER notification_deliveries_notify ON notification_deliveries;
--                DROP FUNCTION outbox_events_notify(); and call pg_notify from the app.

SET lock_timeout = '5s';
SET statement_timeout = '30s';

CREATE FUNCTION outbox_events_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('outbox_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER outbox_events_notify
    AFTER INSERT ON outbox_events
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();

CREATE TRIGGER notification_deliveries_notify
    AFTER INSERT ON notification_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_events_notify();

RESET statement_timeout;
RESET lock_timeout;
