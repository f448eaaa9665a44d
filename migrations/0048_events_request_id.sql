-- 0048 events: the HTTP request behind each outbox event and queued message
--
-- What: outbox_events.request_id and notification_deliveries.request_id (nullable
--       text): the X-Request-ID of the HTTP request whose transaction wrote the row,
--       or, for rows written by the worker, the id of the event or job run that caused
--       them; NULL for rows written before this migration and by one-off commands. A
--       CHECK keeps them to the short, plain form the HTTP layer accepts.
-- Why:  the worker binds the id into its log lines while it handles the event or sends
--       the message, so one search follows a request from the API through the worker.
--       The columns are nullable without a default (no table rewrite). The CHECKs are
--       added NOT VALID, so nothing scans the tables under the ACCESS EXCLUSIVE lock;
--       they hold for every row written from now on, and every earlier row is NULL,
--       which satisfies them, so no separate VALIDATE is needed.
-- rollback note: ALTER TABLE outbox_events DROP COLUMN request_id;
--       ALTER TABLE notification_deliveries DROP COLUMN request_id.

SET lock_timeout = '5s';
SET statement_timeout = '1min';

ALTER TABLE outbox_events ADD COLUMN request_id text;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_request_id_check
    CHECK (request_id ~ '^[A-Za-z0-9._-]{1,64}$') NOT VALID;

ALTER TABLE notification_deliveries ADD COLUMN request_id text;
ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_request_id_check
    CHECK (request_id ~ '^[A-Za-z0-9._-]{1,64}$') NOT VALID;

COMMENT ON COLUMN outbox_events.request_id IS 'P0. X-Request-ID of the HTTP request (or the id of the event or job run) that wrote the event; NULL: none.';
COMMENT ON COLUMN notification_deliveries.request_id IS 'P0. X-Request-ID of the HTTP request (or the id of the event or job run) that queued the message; NULL: none.';
