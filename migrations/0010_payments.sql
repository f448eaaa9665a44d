-- 0010 payments: payments, refunds and the webhook idempotency record
--
-- What: payments for appointments (full price or deposit) through YooKassa (or the
--       dev-only sandbox), their refunds, and every provider notification received.
-- Why:  idempotency everywhere: our own idempotence key is stored before the provider
--       is called (a retry reuses it), provider ids are unique, and a notification
--       (provider, event, object) is processed once however often it is delivered.
-- rollback note: DROP TABLE provider_webhook_events, refunds, payments; -- payments are
--       accounting records: not reversible without data loss.

SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    appointment_id uuid NOT NULL REFERENCES appointments (id) ON DELETE RESTRICT,
    kind text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    currency text NOT NULL DEFAULT 'RUB',
    provider text NOT NULL,
    provider_payment_id text,
    idempotence_key uuid NOT NULL,
    status text NOT NULL DEFAULT 'intent',
    confirmation_url text,
    failure_reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    CONSTRAINT payments_provider_payment_id_key UNIQUE (provider_payment_id),
    CONSTRAINT payments_idempotence_key_key UNIQUE (idempotence_key),
    CONSTRAINT payments_kind_check CHECK (kind IN ('full', 'deposit')),
    CONSTRAINT payments_provider_check CHECK (provider IN ('yookassa', 'sandbox')),
    CONSTRAINT payments_status_check CHECK (
        status IN ('intent', 'pending', 'waiting_for_capture', 'succeeded', 'canceled', 'failed')
    ),
    CONSTRAINT payments_amount_check CHECK (amount > 0),
    CONSTRAINT payments_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT payments_succeeded_check CHECK (status <> 'succeeded' OR (confirmed_at IS NOT NULL AND provider_payment_id IS NOT NULL)),
    CONSTRAINT payments_failure_reason_check CHECK (failure_reason ~ '^[a-z_]{1,64}$'),
    CONSTRAINT payments_version_check CHECK (version > 0)
);

CREATE INDEX payments_appointment_id_idx ON payments (appointment_id);
-- Reconciliation polls payments still open after a few minutes.
CREATE INDEX payments_status_created_at_idx ON payments (status, created_at);

COMMENT ON TABLE payments IS 'P0. Payments for appointments; accounting records kept after erasure.';
COMMENT ON COLUMN payments.idempotence_key IS 'P0. Our Idempotence-Key for the provider, stored before the call so a retry reuses it.';
COMMENT ON COLUMN payments.provider_payment_id IS 'P0. The provider''s payment id.';
COMMENT ON COLUMN payments.failure_reason IS 'P0. Provider cancellation reason code (e.g. expired_on_confirmation).';

CREATE TABLE refunds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    payment_id uuid NOT NULL REFERENCES payments (id) ON DELETE RESTRICT,
    amount numeric(12, 2) NOT NULL,
    currency text NOT NULL DEFAULT 'RUB',
    provider_refund_id text,
    idempotence_key uuid NOT NULL,
    status text NOT NULL DEFAULT 'pending',
    reason text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT refunds_provider_refund_id_key UNIQUE (provider_refund_id),
    CONSTRAINT refunds_idempotence_key_key UNIQUE (idempotence_key),
    CONSTRAINT refunds_status_check CHECK (status IN ('pending', 'succeeded', 'canceled')),
    CONSTRAINT refunds_amount_check CHECK (amount > 0),
    CONSTRAINT refunds_currency_check CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT refunds_reason_check CHECK (reason ~ '^[a-z_]{1,64}$')
);

CREATE INDEX refunds_payment_id_idx ON refunds (payment_id);

COMMENT ON TABLE refunds IS 'P0. Refunds of payments (cancellation policy or staff decision).';
COMMENT ON COLUMN refunds.reason IS 'P0. Reason code (cancellation_policy, staff_decision, ...).';

CREATE TABLE provider_webhook_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider text NOT NULL,
    event text NOT NULL,
    object_id text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    outcome text,
    CONSTRAINT provider_webhook_events_provider_event_object_id_key UNIQUE (provider, event, object_id),
    CONSTRAINT provider_webhook_events_provider_check CHECK (provider IN ('yookassa'))
);

CREATE INDEX provider_webhook_events_received_at_idx ON provider_webhook_events (received_at);

COMMENT ON TABLE provider_webhook_events IS 'P0. Idempotency record of provider notifications: one row per (provider, event, object); purged after the retention period.';
COMMENT ON COLUMN provider_webhook_events.outcome IS 'P0. What processing did (confirmed, ignored_stale, duplicate, ...).';
