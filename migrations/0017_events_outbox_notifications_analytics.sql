-- 0017 events, jobs, analytics: outbox, notification deliveries, analytics events
--
-- What: the transactional outbox (domain events written in the same transaction as
--       the change that raised them), one row per intended notification with a
--       dedupe key, and server-side analytics events.
-- Why:  a replayed event or a restarted worker never sends twice; external work is
--       retried from the outbox, so nothing is left half-done. Analytics is P0 only.
-- rollback note: DROP TABLE analytics_events, notification_deliveries, outbox_events;
--       -- unprocessed events would be lost.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE outbox_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id uuid NOT NULL,
    event_type text NOT NULL,
    aggregate_type text NOT NULL,
    aggregate_id text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    available_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    processed_at timestamptz,
    CONSTRAINT outbox_events_event_id_key UNIQUE (event_id),
    CONSTRAINT outbox_events_event_type_check CHECK (event_type ~ '^[a-z][a-z0-9_.]{1,127}$'),
    CONSTRAINT outbox_events_payload_check CHECK (jsonb_typeof(payload) = 'object'),
    CONSTRAINT outbox_events_attempts_check CHECK (attempts >= 0)
);

-- The relay reads only what is still to do, oldest available first.
CREATE INDEX outbox_events_unprocessed_idx ON outbox_events (available_at, id)
    WHERE processed_at IS NULL;
CREATE INDEX outbox_events_processed_at_idx ON outbox_events USING brin (processed_at);

COMMENT ON TABLE outbox_events IS 'P0. Transactional outbox of domain events; payloads carry ids, never P1/P2.';
COMMENT ON COLUMN outbox_events.available_at IS 'P0. Not before this time (backoff after a failed attempt).';
COMMENT ON COLUMN outbox_events.last_error IS 'P0. Error class and code of the last failed attempt, never message texts with data.';

CREATE TABLE notification_deliveries (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    channel text NOT NULL,
    template_code text NOT NULL,
    recipient_kind text NOT NULL,
    recipient_id text NOT NULL,
    dedupe_key text NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    CONSTRAINT notification_deliveries_dedupe_key_key UNIQUE (dedupe_key),
    CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('email', 'telegram')),
    CONSTRAINT notification_deliveries_recipient_kind_check CHECK (recipient_kind IN ('user', 'lead', 'telegram_account')),
    CONSTRAINT notification_deliveries_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped')),
    CONSTRAINT notification_deliveries_attempts_check CHECK (attempts >= 0),
    CONSTRAINT notification_deliveries_sent_check CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);

CREATE INDEX notification_deliveries_pending_idx ON notification_deliveries (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX notification_deliveries_recipient_idx ON notification_deliveries (recipient_kind, recipient_id);

COMMENT ON TABLE notification_deliveries IS 'P0. One row per intended message; dedupe_key (e.g. appointment:<id>:confirmed:email) makes sending idempotent. The rendered text is never stored.';

CREATE TABLE analytics_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_name text NOT NULL,
    occurred_at timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    anonymous_id text,
    user_id uuid,
    deep_link_code text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT analytics_events_event_name_check CHECK (event_name ~ '^[a-z][a-z0-9_.]{1,63}$'),
    CONSTRAINT analytics_events_anonymous_id_check CHECK (anonymous_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    CONSTRAINT analytics_events_props_check CHECK (jsonb_typeof(props) = 'object')
);

CREATE INDEX analytics_events_occurred_at_idx ON analytics_events USING brin (occurred_at);
CREATE INDEX analytics_events_event_name_occurred_at_idx ON analytics_events (event_name, occurred_at);

COMMENT ON TABLE analytics_events IS 'P0 only. Server-side product analytics; purged after the retention period. user_id is a bare id without a foreign key so intake never blocks and retention never cascades.';
COMMENT ON COLUMN analytics_events.props IS 'P0 only; the intake rejects values that look like personal data.';
